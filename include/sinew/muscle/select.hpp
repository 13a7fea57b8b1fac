// Host-side selection of a muscle model per actuator, sorted so each model runs over one
// contiguous index range (a GPU warp never mixes models).
//
//   using Models = sinew::MuscleModels<sinew::MujocoMuscle, sinew::DeGroote2016>;
//   std::vector<sinew::MuscleModelRule> rules;
//   sinew::set_muscle_model(rules, "class=leg*", Models::index_of<sinew::DeGroote2016>());
//   // or, from MJCF <custom><text name="sinew:muscle_model" data="degroote2016: class=leg*"/></custom>:
//   auto more = sinew::parse_muscle_model_spec(text_data, Models::names, Models::size);
//   sinew::MuscleSelection sel = sinew::select_muscle_models(model, rules, Models::size, classes);
//   for (int k = 0; k < Models::size; ++k)   // one launch per kind over its range
//     launch_kind(k, sel.order.data() + sel.begin[k], sel.count(k));
//
// Rules are applied in order and the last rule that matches an actuator decides its kind; muscles
// no rule matches keep `default_kind` (0: MuJoCo's own muscle). Only actuators with dyn, gain and
// bias type muscle are muscles. This file reads no Model field beyond actuator_dyntype,
// actuator_gaintype, actuator_biastype, actuator_group and actuator_names; classes are an input.
#pragma once
#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>
#include "sinew/model/enums.hpp"
#include "sinew/model/model.hpp"
#include "sinew/muscle/models.hpp"

namespace sinew {

/// Which attribute of an actuator a rule matches.
enum class MuscleMatch : int { all = 0, name = 1, cls = 2, group = 3 };

/// One selection rule: actuators whose `field` matches `pattern` (glob with * and ?, exact
/// integer for group) get model `kind`.
struct MuscleModelRule {
  int kind = 0;
  MuscleMatch field = MuscleMatch::all;
  std::string pattern;
};

/// Glob match: '*' any run (also empty), '?' one character; everything else literal.
inline bool glob_match(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

namespace select_detail {
inline std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}
inline std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  return out;
}
/// Appends the rules of one selector ("all", "class=a,b", "names=x*", "group=2,3", or a bare
/// name pattern) for `kind`.
inline void add_selector(std::vector<MuscleModelRule>& rules, std::string_view selector, int kind) {
  const std::string sel = trim(selector);
  if (sel.empty()) throw std::invalid_argument("sinew muscle model: empty selector");
  if (sel == "all" || sel == "*") {
    rules.push_back({kind, MuscleMatch::all, "*"});
    return;
  }
  const size_t eq = sel.find('=');
  if (eq == std::string::npos) {
    rules.push_back({kind, MuscleMatch::name, sel});
    return;
  }
  const std::string key = trim(std::string_view(sel).substr(0, eq));
  MuscleMatch field;
  if (key == "name" || key == "names") field = MuscleMatch::name;
  else if (key == "class" || key == "classes") field = MuscleMatch::cls;
  else if (key == "group" || key == "groups") field = MuscleMatch::group;
  else
    throw std::invalid_argument("sinew muscle model: unknown selector key '" + key +
                                "' (expected name=, class= or group=)");
  for (const std::string& pat : split(std::string_view(sel).substr(eq + 1), ',')) {
    if (pat.empty()) throw std::invalid_argument("sinew muscle model: empty pattern in '" + sel + "'");
    if (field == MuscleMatch::group) {
      for (char c : pat)
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-')
          throw std::invalid_argument("sinew muscle model: group must be an integer, got '" + pat + "'");
    }
    rules.push_back({kind, field, pat});
  }
}
}  // namespace select_detail

/// Adds the rules for `selector` ("class=leg*", "names=soleus_r,gas*", "group=3", "all", or a
/// bare name pattern; alternatives separated by '|') with model `kind`. Later rules win.
inline void set_muscle_model(std::vector<MuscleModelRule>& rules, std::string_view selector, int kind) {
  for (const std::string& s : select_detail::split(selector, '|')) select_detail::add_selector(rules, s, kind);
}

/// Parses the data of `<custom><text name="sinew:muscle_model" data="..."/></custom>`:
///   entry (';' or newline) entry ...,   entry = kind ':' selector ('|' selector)*
/// e.g. "degroote2016: class=leg* | names=soleus_r,gas* ; mujoco: names=tib_ant*".
/// `kind_names` are the model names in kind order (MuscleModels<...>::names). Throws
/// std::invalid_argument on an unknown model name or a malformed entry.
inline std::vector<MuscleModelRule> parse_muscle_model_spec(std::string_view spec, const char* const* kind_names,
                                                            int nkind) {
  std::vector<MuscleModelRule> rules;
  std::string s(spec);
  std::replace(s.begin(), s.end(), '\n', ';');
  for (const std::string& entry : select_detail::split(s, ';')) {
    if (entry.empty()) continue;
    const size_t colon = entry.find(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("sinew muscle model: entry '" + entry + "' needs 'model: selector'");
    const std::string kname = select_detail::trim(std::string_view(entry).substr(0, colon));
    int kind = -1;
    for (int k = 0; k < nkind; ++k)
      if (kname == kind_names[k]) kind = k;
    if (kind < 0) {
      std::string known;
      for (int k = 0; k < nkind; ++k) known += (k ? ", " : "") + std::string(kind_names[k]);
      throw std::invalid_argument("sinew muscle model: unknown model '" + kname + "' (known: " + known + ")");
    }
    set_muscle_model(rules, std::string_view(entry).substr(colon + 1), kind);
  }
  return rules;
}

/// Per-actuator model kinds and the kind-sorted index ranges.
struct MuscleSelection {
  int nkind = 0;
  std::vector<int> kind;             ///< nu: model kind of each actuator, -1 for non-muscles
  std::vector<int> order;            ///< muscle actuator ids grouped by kind, ascending id within a kind
  std::vector<int> begin;            ///< nkind + 1: kind k is order[begin[k] .. begin[k+1])
  std::vector<int> slot;             ///< nu: index of the actuator in `order` (-1 for non-muscles); also
                                     ///< its row in a kind's packed parameter array is slot - begin[kind]
  std::vector<int> unmatched_rules;  ///< rules that matched no muscle (for loader warnings)
  int count(int k) const { return begin[k + 1] - begin[k]; }
};

/// Whether `rule` selects actuator `id` (names, classes, groups per actuator, as below).
inline bool muscle_rule_matches(const MuscleModelRule& rule, int id, const std::vector<std::string>& names,
                                const std::vector<std::string>& classes, const std::vector<int>& groups) {
  switch (rule.field) {
    case MuscleMatch::all: return true;
    case MuscleMatch::name: return size_t(id) < names.size() && glob_match(rule.pattern, names[size_t(id)]);
    case MuscleMatch::cls: return size_t(id) < classes.size() && glob_match(rule.pattern, classes[size_t(id)]);
    case MuscleMatch::group: {
      const int g = size_t(id) < groups.size() ? groups[size_t(id)] : 0;
      return std::to_string(g) == rule.pattern;
    }
  }
  return false;
}

/// Selection over explicit inputs. `muscle_ids`: actuator ids that are muscles; `names`,
/// `classes`, `groups`: per actuator (size nu; classes may be empty when unknown — class rules
/// then match nothing; groups may be empty — treated as group 0).
inline MuscleSelection select_muscle_models(int nu, const std::vector<int>& muscle_ids,
                                            const std::vector<std::string>& names,
                                            const std::vector<std::string>& classes, const std::vector<int>& groups,
                                            const std::vector<MuscleModelRule>& rules, int nkind,
                                            int default_kind = 0) {
  if (nkind < 1 || default_kind < 0 || default_kind >= nkind)
    throw std::invalid_argument("sinew muscle model: bad nkind/default_kind");
  MuscleSelection r;
  r.nkind = nkind;
  r.kind.assign(size_t(nu), -1);
  r.slot.assign(size_t(nu), -1);
  std::vector<int> hits(rules.size(), 0);
  for (int id : muscle_ids) {
    if (id < 0 || id >= nu) throw std::out_of_range("sinew muscle model: muscle id out of range");
    int k = default_kind;
    for (size_t j = 0; j < rules.size(); ++j) {
      const MuscleModelRule& rule = rules[j];
      if (rule.kind < 0 || rule.kind >= nkind)
        throw std::invalid_argument("sinew muscle model: rule kind out of range");
      if (muscle_rule_matches(rule, id, names, classes, groups)) {
        k = rule.kind;
        ++hits[j];
      }
    }
    r.kind[size_t(id)] = k;
  }
  for (size_t j = 0; j < rules.size(); ++j)
    if (hits[j] == 0) r.unmatched_rules.push_back(int(j));
  // Counting sort by kind, stable in actuator id.
  r.begin.assign(size_t(nkind) + 1, 0);
  for (int a = 0; a < nu; ++a)
    if (r.kind[size_t(a)] >= 0) ++r.begin[size_t(r.kind[size_t(a)]) + 1];
  for (int k = 0; k < nkind; ++k) r.begin[size_t(k) + 1] += r.begin[size_t(k)];
  r.order.assign(size_t(r.begin[size_t(nkind)]), -1);
  std::vector<int> fill(r.begin.begin(), r.begin.end() - 1);
  for (int a = 0; a < nu; ++a) {
    const int k = r.kind[size_t(a)];
    if (k < 0) continue;
    r.slot[size_t(a)] = fill[size_t(k)];
    r.order[size_t(fill[size_t(k)]++)] = a;
  }
  return r;
}

/// Actuators of `m` whose dyn, gain and bias types are all muscle.
template <class T> std::vector<int> muscle_actuators(const Model<T>& m) {
  std::vector<int> ids;
  for (int i = 0; i < m.nu; ++i)
    if (m.actuator_dyntype[size_t(i)] == DYN_MUSCLE && m.actuator_gaintype[size_t(i)] == GAIN_MUSCLE &&
        m.actuator_biastype[size_t(i)] == BIAS_MUSCLE)
      ids.push_back(i);
  return ids;
}

/// Selection for a compiled Model: muscles from the actuator types, names from actuator_names,
/// groups from actuator_group; `classes` (per actuator, the MJCF default class) is passed in
/// because the Model does not keep classes.
template <class T>
MuscleSelection select_muscle_models(const Model<T>& m, const std::vector<MuscleModelRule>& rules, int nkind,
                                     const std::vector<std::string>& classes = {}, int default_kind = 0) {
  return select_muscle_models(m.nu, muscle_actuators(m), m.actuator_names, classes, m.actuator_group, rules, nkind,
                              default_kind);
}

// ---------------------------------------------------------------------------------------------
// Model-level selection: compile the muscle fields of a Model for a compile-time list.

/// (Re)compiles the muscle-model fields of `m` for `kinds` (per actuator; -1 or anything for
/// non-muscles; empty: every muscle keeps its current kind, 0 when none was compiled):
/// actuator_musclekind, actuator_muscleprm (from the MuJoCo parameters by M::from_mujoco, kept
/// when a muscle's kind does not change, so set_muscle_params survives), muscle_order,
/// muscle_kindadr/num, nmuscle, nmusclekind, nmuscleprm; and the activation layout: actnum of a
/// muscle = nstate of its kind, actadr, na, key_act (a muscle's activation is kept; its extra
/// states are kept when its kind is unchanged, else set to muscle_state_unset(): the first
/// actuation call puts them at the policy's equilibrium). Data must be (re)created after this
/// (its act block is sized by na). Needs actuator_acc0 and actuator_lengthrange (the end of
/// compile_actuators, which calls this with every muscle at kind 0).
template <class Models = DefaultMuscleModels>
void compile_muscle_models(Model<double>& m, std::vector<int> kinds = {}) {
  static_assert(muscle_models_engine_ready<Models>, "kind 0 of the muscle model list must be MujocoMuscle");
  const int nu = m.nu;
  const std::vector<int> muscles = muscle_actuators(m);
  const bool compiled = m.nmusclekind > 0 && int(m.actuator_musclekind.size()) == nu;
  std::vector<int> old_kind(size_t(nu), -1);
  for (int i : muscles) old_kind[size_t(i)] = compiled ? std::max(0, m.actuator_musclekind[size_t(i)]) : 0;
  if (kinds.empty()) kinds = old_kind;
  if (int(kinds.size()) != nu) throw std::invalid_argument("compile_muscle_models: kinds must have nu entries");
  std::vector<int> kind(size_t(nu), -1);
  for (int i : muscles) {
    const int k = kinds[size_t(i)];
    if (k < 0 || k >= Models::size)
      throw std::invalid_argument("compile_muscle_models: kind " + std::to_string(k) + " of actuator '" +
                                  (size_t(i) < m.actuator_names.size() ? m.actuator_names[size_t(i)] : "") +
                                  "' is not in the muscle model list (size " + std::to_string(Models::size) + ")");
    kind[size_t(i)] = k;
  }

  // activation layout
  const std::vector<int> old_adr = m.actuator_actadr, old_num = m.actuator_actnum;
  const int old_na = m.na;
  std::vector<int> adr(size_t(nu), -1), num(size_t(nu), 0);
  int na = 0;
  for (int i = 0; i < nu; ++i) {
    const size_t u = size_t(i);
    num[u] = kind[u] >= 0 ? Models::nstates[kind[u]] : (u < old_num.size() ? old_num[u] : 0);
    adr[u] = num[u] ? na : -1;
    na += num[u];
  }
  std::vector<double> key_act(size_t(m.nkey) * size_t(na), 0.0);
  for (int k = 0; k < m.nkey; ++k)
    for (int i = 0; i < nu; ++i) {
      const size_t u = size_t(i);
      if (!num[u] || u >= old_num.size() || !old_num[u]) continue;
      const double* src = &m.key_act[size_t(k) * size_t(old_na) + size_t(old_adr[u])];
      double* dst = &key_act[size_t(k) * size_t(na) + size_t(adr[u])];
      const bool same = kind[u] == old_kind[u];
      if (kind[u] < 0 || same) {
        for (int j = 0; j < num[u] && j < old_num[u]; ++j) dst[j] = src[j];
      } else {
        // a muscle's activation is the last of MuJoCo's block and the first of a policy's
        dst[0] = old_kind[u] == 0 ? src[old_num[u] - 1] : src[0];
        for (int j = 1; j < num[u]; ++j) dst[j] = muscle_state_unset<double>();
      }
    }

  // parameters
  const int K = Models::max_nprm;
  const bool keep_prm = compiled && m.nmuscleprm == K && int(m.actuator_muscleprm.size()) == nu * K;
  std::vector<double> prm(size_t(nu) * size_t(K), 0.0);
  for (int i : muscles) {
    const size_t u = size_t(i);
    double* out = &prm[u * size_t(K)];
    if (keep_prm && kind[u] == old_kind[u]) {
      for (int j = 0; j < K; ++j) out[j] = m.actuator_muscleprm[u * size_t(K) + size_t(j)];
      continue;
    }
    Models::visit(kind[u], [&]<class M>() {
      M::store(M::from_mujoco(&m.actuator_gainprm[10 * u], &m.actuator_biasprm[10 * u], &m.actuator_dynprm[10 * u],
                              &m.actuator_lengthrange[2 * u], m.actuator_acc0[u]),
               out);
    });
  }

  // kind-sorted order (counting sort, stable in actuator id)
  std::vector<int> kadr(size_t(Models::size), 0), knum(size_t(Models::size), 0), order;
  for (int i : muscles) ++knum[size_t(kind[size_t(i)])];
  for (int k = 1; k < Models::size; ++k) kadr[size_t(k)] = kadr[size_t(k - 1)] + knum[size_t(k - 1)];
  order.assign(muscles.size(), -1);
  std::vector<int> fill = kadr;
  for (int i : muscles) order[size_t(fill[size_t(kind[size_t(i)])]++)] = i;

  m.actuator_musclekind = kind;
  m.actuator_muscleprm = std::move(prm);
  m.muscle_order = std::move(order);
  m.muscle_kindadr = std::move(kadr);
  m.muscle_kindnum = std::move(knum);
  m.nmuscle = int(muscles.size());
  m.nmusclekind = Models::size;
  m.nmuscleprm = K;
  m.actuator_actadr = adr;
  m.actuator_actnum = num;
  m.na = na;
  m.key_act = std::move(key_act);
  if (int(m.actuator_classes.size()) != nu) m.actuator_classes.resize(size_t(nu), "main");
}

/// Kind of muscle model of every actuator after applying `rules` on top of the current kinds
/// (the last matching rule wins; unmatched muscles keep theirs). `matched` (optional) gets, per
/// rule, the number of muscles it matched.
template <class Models = DefaultMuscleModels>
std::vector<int> muscle_kinds_after(const Model<double>& m, const std::vector<MuscleModelRule>& rules,
                                    std::vector<int>* matched = nullptr) {
  const int nu = m.nu;
  std::vector<int> kinds(size_t(nu), -1);
  const bool compiled = m.nmusclekind > 0 && int(m.actuator_musclekind.size()) == nu;
  if (matched) matched->assign(rules.size(), 0);
  for (int i : muscle_actuators(m)) {
    int k = compiled ? std::max(0, m.actuator_musclekind[size_t(i)]) : 0;
    for (size_t j = 0; j < rules.size(); ++j) {
      if (rules[j].kind < 0 || rules[j].kind >= Models::size)
        throw std::invalid_argument("sinew muscle model: rule kind out of range");
      if (muscle_rule_matches(rules[j], i, m.actuator_names, m.actuator_classes, m.actuator_group)) {
        k = rules[j].kind;
        if (matched) ++(*matched)[j];
      }
    }
    kinds[size_t(i)] = k;
  }
  return kinds;
}

/// Switches the muscles `selector` selects ("all", "class=leg*", "names=soleus_r,gas*",
/// "group=3", a bare name pattern; alternatives separated by '|') to model `kind` (an index in
/// Models, e.g. Models::index_of<DeGroote2016>()), and recompiles the muscle fields, na, actadr
/// and key_act (compile_muscle_models). Returns the number of muscles selected. Throws
/// std::invalid_argument on a malformed selector or a kind outside the list.
template <class Models = DefaultMuscleModels>
int set_muscle_model(Model<double>& m, std::string_view selector, int kind) {
  if (kind < 0 || kind >= Models::size)
    throw std::invalid_argument("set_muscle_model: kind " + std::to_string(kind) + " is not in the muscle model list");
  std::vector<MuscleModelRule> rules;
  set_muscle_model(rules, selector, kind);
  const std::vector<int> kinds = muscle_kinds_after<Models>(m, rules);
  int sel = 0;
  for (int i : muscle_actuators(m))
    for (const MuscleModelRule& r : rules)
      if (muscle_rule_matches(r, i, m.actuator_names, m.actuator_classes, m.actuator_group)) {
        ++sel;
        break;
      }
  compile_muscle_models<Models>(m, kinds);
  return sel;
}

/// The same with the model named: set_muscle_model(m, "class=leg*", "degroote2016").
template <class Models = DefaultMuscleModels>
int set_muscle_model(Model<double>& m, std::string_view selector, const std::string& model_name) {
  for (int k = 0; k < Models::size; ++k)
    if (model_name == Models::names[k]) return set_muscle_model<Models>(m, selector, k);
  throw std::invalid_argument("set_muscle_model: unknown muscle model '" + model_name + "'");
}

/// Applies a whole specification (the MJCF custom text's syntax, "degroote2016: class=leg; mujoco:
/// names=tib*") on top of the current kinds and recompiles. Returns the indices of rules that
/// matched no muscle. Throws std::invalid_argument on a malformed spec.
template <class Models = DefaultMuscleModels>
std::vector<int> apply_muscle_model_spec(Model<double>& m, std::string_view spec) {
  const std::vector<MuscleModelRule> rules = parse_muscle_model_spec(spec, Models::names, Models::size);
  std::vector<int> matched;
  const std::vector<int> kinds = muscle_kinds_after<Models>(m, rules, &matched);
  compile_muscle_models<Models>(m, kinds);
  std::vector<int> unmatched;
  for (size_t j = 0; j < matched.size(); ++j)
    if (matched[j] == 0) unmatched.push_back(int(j));
  return unmatched;
}

/// Replaces the parameters of muscle actuator `id`, which must already be of kind M (e.g. to set
/// De Groote options: DeGroote2016::from_mujoco(..., DeGroote2016Options<double>{...})). Kept by
/// later recompilations as long as the muscle's kind does not change.
template <class M, class Models = DefaultMuscleModels>
void set_muscle_params(Model<double>& m, int id, const typename M::template params<double>& p) {
  constexpr int k = Models::template index_of<M>();
  static_assert(k >= 0, "set_muscle_params: M is not in the muscle model list");
  if (id < 0 || id >= m.nu || m.nmusclekind != Models::size || int(m.actuator_musclekind.size()) != m.nu ||
      m.actuator_musclekind[size_t(id)] != k)
    throw std::invalid_argument("set_muscle_params: actuator " + std::to_string(id) + " is not a muscle of kind " +
                                std::to_string(k));
  std::vector<double> buf(size_t(m.nmuscleprm), 0.0);
  M::store(p, buf.data());
  std::copy(buf.begin(), buf.end(), m.actuator_muscleprm.begin() + ptrdiff_t(id) * m.nmuscleprm);
}

/// The parameters of muscle actuator `id` of kind M, unpacked.
template <class M, class T> typename M::template params<T> muscle_params(const Model<T>& m, int id) {
  return M::template load<T>(m.actuator_muscleprm.data() + size_t(id) * size_t(m.nmuscleprm));
}

}  // namespace sinew
