// Tendon compilation (mjCTendon::Compile, mjCWrap, and the tendon parts of mj_setConst):
// Model::pending tendons -> tendon_* / wrap_* arrays, the fixed sparsity of the tendon Jacobian
// (ten_J_rowadr / rownnz / colind, nJten), and the constants that need the engine:
// tendon_length0 and tendon_invweight0 at qpos0, tendon_lengthspring at qpos_spring.
//
//   sinew::compile_tendons(model, autolimits);   // called by the MJCF loader after compile_model
//
// Path encoding (as mjModel): wrap_type WRAP_JOINT (objid joint, prm coef), WRAP_SITE (objid site,
// prm 0), WRAP_SPHERE / WRAP_CYLINDER (objid geom, prm sidesite id or -1), WRAP_PULLEY (objid -1,
// prm divisor).
//
// Jacobian sparsity: a fixed tendon's row holds its joints' dofs; a spatial tendon's row holds every
// dof that is an ancestor of a body on its path (site bodies, wrapped geoms' bodies), sorted. The
// values at a given configuration can be zero; the structure never changes, so the tendon stage
// allocates nothing.
//
// Validation follows MuJoCo 3.4 (messages name the tendon element's file and line); beyond it,
// a pulley divisor of 0 is rejected (MuJoCo accepts it and produces infinite lengths).
#pragma once
#include <cstdlib>
#include <string>
#include <vector>

#include "sinew/data/data.hpp"
#include "sinew/dynamics/crb.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/io/error.hpp"
#include "sinew/kinematics/com_pos.hpp"
#include "sinew/kinematics/kinematics.hpp"
#include "sinew/model/model.hpp"
#include "sinew/tendon/tendon.hpp"

namespace sinew {
namespace tendon_compile_detail {

inline SourceLocation where(const PendingElement& p) { return SourceLocation{p.file, p.line, p.kind}; }

[[noreturn]] inline void fail(const PendingElement& p, const std::string& what) { throw ModelError(where(p), what); }

inline const std::string* attr(const PendingElement& p, const char* key) {
  for (auto& kv : p.attrs)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

/// Reads up to n reals of attribute `key` into out (values not given keep their defaults).
/// Returns the number read; more than n values is an error, as in MuJoCo's reader.
inline int reals(const PendingElement& p, const char* key, double* out, int n) {
  const std::string* s = attr(p, key);
  if (!s) return 0;
  const char* c = s->c_str();
  int k = 0;
  while (true) {
    while (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r') ++c;
    if (!*c) break;
    char* e = nullptr;
    const double v = std::strtod(c, &e);
    if (e == c) fail(p, std::string("attribute '") + key + "': '" + *s + "' is not a list of numbers");
    if (k == n) fail(p, std::string("attribute '") + key + "' has too much data");
    out[k++] = v;
    c = e;
  }
  return k;
}

inline double real(const PendingElement& p, const char* key, double dflt) {
  double v = dflt;
  reals(p, key, &v, 1);
  return v;
}

/// limited / actuatorfrclimited: 0 false, 1 true, 2 auto.
inline int tristate(const PendingElement& p, const char* key, int dflt) {
  const std::string* s = attr(p, key);
  if (!s) return dflt;
  if (*s == "false") return 0;
  if (*s == "true") return 1;
  if (*s == "auto") return 2;
  fail(p, std::string("attribute '") + key + "' must be 'false', 'true' or 'auto', got '" + *s + "'");
}

inline const std::string& required(const PendingElement& tendon, const PendingElement& c, const char* key) {
  const std::string* s = attr(c, key);
  if (!s || s->empty())
    fail(tendon, "<" + c.kind + "> in the path of tendon '" + tendon.name + "' (line " + std::to_string(c.line) +
                     ") requires attribute '" + key + "'");
  return *s;
}

/// The compiler's error for a range given without its `limited` flag when autolimits is off.
inline void check_limited(const PendingElement& p, bool autolimits, const char* attr_prefix, int limited,
                          bool hasrange) {
  if (!autolimits && limited == 2 && hasrange)
    fail(p, std::string("tendon has `") + attr_prefix + "range` but not `" + attr_prefix +
                "limited`. set the autolimits=\"true\" compiler option, specify `" + attr_prefix +
                "limited` explicitly (\"true\" or \"false\"), or remove the `" + attr_prefix + "range` attribute.");
}

}  // namespace tendon_compile_detail

namespace tendon_compile_detail {

/// The tendon_*, wrap_* and ten_J row arrays for nten tendons with nwrap path elements.
inline void allocate_tendons(Model<double>& m, int nten, int nwrap) {
  auto sz = [](int n, int dim) { return size_t(n) * size_t(dim); };
  m.tendon_adr.assign(sz(nten, 1), 0);
  m.tendon_num.assign(sz(nten, 1), 0);
  m.tendon_limited.assign(sz(nten, 1), 0);
  m.tendon_actfrclimited.assign(sz(nten, 1), 0);
  m.tendon_group.assign(sz(nten, 1), 0);
  m.ten_J_rowadr.assign(sz(nten, 1), 0);
  m.ten_J_rownnz.assign(sz(nten, 1), 0);
  m.wrap_type.assign(sz(nwrap, 1), 0);
  m.wrap_objid.assign(sz(nwrap, 1), -1);
  m.wrap_prm.assign(sz(nwrap, 1), 0.0);
  m.tendon_solref_lim.assign(sz(nten, 2), 0.0);
  m.tendon_solimp_lim.assign(sz(nten, 5), 0.0);
  m.tendon_solref_fri.assign(sz(nten, 2), 0.0);
  m.tendon_solimp_fri.assign(sz(nten, 5), 0.0);
  m.tendon_range.assign(sz(nten, 2), 0.0);
  m.tendon_actfrcrange.assign(sz(nten, 2), 0.0);
  m.tendon_margin.assign(sz(nten, 1), 0.0);
  m.tendon_stiffness.assign(sz(nten, 1), 0.0);
  m.tendon_damping.assign(sz(nten, 1), 0.0);
  m.tendon_armature.assign(sz(nten, 1), 0.0);
  m.tendon_frictionloss.assign(sz(nten, 1), 0.0);
  m.tendon_lengthspring.assign(sz(nten, 2), 0.0);
  m.tendon_length0.assign(sz(nten, 1), 0.0);
  m.tendon_invweight0.assign(sz(nten, 1), 0.0);
}

/// Wrap object i of tendon t (path element c of p) into wrap_type / wrap_objid / wrap_prm at w.
inline void read_wrap(Model<double>& m, const PendingElement& p, const PendingElement& c, int t, int i, size_t w,
                      const std::string& label) {
  if (c.kind == "joint") {
    const std::string& jn = required(p, c, "joint");
    const int id = Model<double>::find(m.jnt_names, jn);
    if (id < 0) fail(p, "joint '" + jn + "' not found in tendon " + std::to_string(t) + ", wrap " + std::to_string(i));
    const std::string* cs = attr(c, "coef");
    if (!cs) fail(p, "<joint> in the path of " + label + " requires attribute 'coef'");
    m.wrap_type[w] = WRAP_JOINT;
    m.wrap_objid[w] = id;
    m.wrap_prm[w] = real(c, "coef", 0);
  } else if (c.kind == "site") {
    const std::string& sn = required(p, c, "site");
    const int id = Model<double>::find(m.site_names, sn);
    if (id < 0) fail(p, "site '" + sn + "' not found in wrap " + std::to_string(i) + " of " + label);
    m.wrap_type[w] = WRAP_SITE;
    m.wrap_objid[w] = id;
  } else if (c.kind == "geom") {
    const std::string& gn = required(p, c, "geom");
    const int id = Model<double>::find(m.geom_names, gn);
    if (id < 0) fail(p, "geom '" + gn + "' not found in tendon " + std::to_string(t) + ", wrap " + std::to_string(i));
    const int gt = m.geom_type[size_t(id)];
    if (gt != GEOM_SPHERE && gt != GEOM_CYLINDER)
      fail(p, "geom '" + gn + "' in tendon " + std::to_string(t) + ", wrap " + std::to_string(i) +
                  " is not sphere or cylinder");
    int side = -1;
    if (const std::string* ss = attr(c, "sidesite"); ss && !ss->empty()) {
      side = Model<double>::find(m.site_names, *ss);
      if (side < 0)
        fail(p, "side site '" + *ss + "' not found in tendon " + std::to_string(t) + ", wrap " + std::to_string(i));
    }
    m.wrap_type[w] = gt == GEOM_CYLINDER ? WRAP_CYLINDER : WRAP_SPHERE;
    m.wrap_objid[w] = id;
    m.wrap_prm[w] = double(side);
  } else if (c.kind == "pulley") {
    const std::string* ds = attr(c, "divisor");
    if (!ds) fail(p, "<pulley> in the path of " + label + " requires attribute 'divisor'");
    const double div = real(c, "divisor", 0);
    if (div < 0) fail(p, "pulley has negative divisor in tendon " + std::to_string(t) + ", wrap " + std::to_string(i));
    if (div == 0)
      fail(p, "pulley has zero divisor in tendon " + std::to_string(t) + ", wrap " + std::to_string(i) +
                  " (the path length would be infinite)");
    m.wrap_type[w] = WRAP_PULLEY;
    m.wrap_objid[w] = -1;
    m.wrap_prm[w] = div;
  } else {
    fail(p, label + ": invalid wrap object <" + c.kind + "> at pos " + std::to_string(i));
  }
}

/// MuJoCo's path rules: a fixed tendon holds joints only; a spatial one no consecutive or final
/// pulleys, sites with a non-pulley neighbour and not repeated, geoms between sites, no geoms
/// with armature.
inline void check_path(const Model<double>& m, const PendingElement& p, const std::string& label, int wadr, int num,
                       bool spatial, double armature) {
  auto type = [&](int i) { return m.wrap_type[size_t(wadr + i)]; };
  for (int i = 0; i < num; ++i) {
    if (!spatial) {
      if (type(i) != WRAP_JOINT) fail(p, label + ": spatial object found in fixed path at pos " + std::to_string(i));
      continue;
    }
    if (armature < 0) fail(p, label + ": tendon armature cannot be negative");
    switch (type(i)) {
      case WRAP_PULLEY:
        if (i > 0 && type(i - 1) == WRAP_PULLEY)
          fail(p, label + ": consecutive pulleys (pos " + std::to_string(i) + ")");
        if (i == num - 1) fail(p, label + ": path ends with pulley");
        break;
      case WRAP_SITE:
        if ((i == 0 || type(i - 1) == WRAP_PULLEY) && (i == num - 1 || type(i + 1) == WRAP_PULLEY))
          fail(p, label + ": site " + std::to_string(i) + " needs a neighbor that is not a pulley");
        if (i < num - 1 && type(i + 1) == WRAP_SITE &&
            m.wrap_objid[size_t(wadr + i)] == m.wrap_objid[size_t(wadr + i + 1)])
          fail(p, label + ": site " + std::to_string(i) + " is repeated");
        break;
      case WRAP_SPHERE:
      case WRAP_CYLINDER:
        if (i == 0 || i == num - 1 || type(i - 1) != WRAP_SITE || type(i + 1) != WRAP_SITE)
          fail(p, label + ": geom at pos " + std::to_string(i) + " not bracketed by sites");
        if (armature > 0) fail(p, label + ": geom wrapping not supported by tendon armature");
        break;
      default: fail(p, label + ": joint wrap found in spatial path at pos " + std::to_string(i));
    }
  }
}

}  // namespace tendon_compile_detail

/// Compiles the pending tendons of `m` (see the file comment). `autolimits`: the <compiler>
/// option (MuJoCo's default true); with false, a range without `limited` is an error.
inline void compile_tendons(Model<double>& m, bool autolimits = true) {
  using namespace tendon_compile_detail;
  std::vector<const PendingElement*> tendons;
  for (auto& p : m.pending)
    if (p.section == "tendon") tendons.push_back(&p);
  const int nten = int(tendons.size());
  m.ntendon = nten;

  int nwrap = 0;
  for (auto* p : tendons) nwrap += int(p->children.size());
  m.nwrap = nwrap;

  allocate_tendons(m, nten, nwrap);
  if (int(m.tendon_names.size()) != nten) {
    m.tendon_names.clear();
    for (auto* p : tendons) m.tendon_names.push_back(p->name);
  }

  // dof chain of a body: its last dof and all ancestors
  auto last_dof = [&](int b) {
    while (b > 0 && m.body_dofnum[size_t(b)] == 0) b = m.body_parentid[size_t(b)];
    return b > 0 ? m.body_dofadr[size_t(b)] + m.body_dofnum[size_t(b)] - 1 : -1;
  };

  std::vector<int> colind;
  std::vector<char> mark(size_t(m.nv), 0);
  int wadr = 0;
  for (int t = 0; t < nten; ++t) {
    const PendingElement& p = *tendons[size_t(t)];
    const bool spatial = p.kind == "spatial";
    const int num = int(p.children.size());
    m.tendon_adr[size_t(t)] = wadr;
    m.tendon_num[size_t(t)] = num;
    const std::string label = "tendon '" + p.name + "' (id = " + std::to_string(t) + ")";

    // attributes (MuJoCo's defaults: solref 0.02 1, solimp 0.9 0.95 0.001 0.5 2)
    double solref_lim[2] = {0.02, 1}, solref_fri[2] = {0.02, 1};
    double solimp_lim[5] = {0.9, 0.95, 0.001, 0.5, 2}, solimp_fri[5] = {0.9, 0.95, 0.001, 0.5, 2};
    reals(p, "solreflimit", solref_lim, 2);
    reals(p, "solimplimit", solimp_lim, 5);
    reals(p, "solreffriction", solref_fri, 2);
    reals(p, "solimpfriction", solimp_fri, 5);
    double range[2] = {0, 0}, afr[2] = {0, 0}, spring[2] = {-1, -1};
    reals(p, "range", range, 2);
    reals(p, "actuatorfrcrange", afr, 2);
    if (reals(p, "springlength", spring, 2) == 1) spring[1] = spring[0];
    const int limited = tristate(p, "limited", 2);
    const int afrlimited = tristate(p, "actuatorfrclimited", 0);  // a tendon's default is false
    const double width = real(p, "width", 0.003);
    const double armature = real(p, "armature", 0);
    m.tendon_group[size_t(t)] = int(real(p, "group", 0));
    m.tendon_margin[size_t(t)] = real(p, "margin", 0);
    m.tendon_stiffness[size_t(t)] = real(p, "stiffness", 0);
    m.tendon_damping[size_t(t)] = real(p, "damping", 0);
    m.tendon_frictionloss[size_t(t)] = real(p, "frictionloss", 0);
    m.tendon_armature[size_t(t)] = armature;
    for (int k = 0; k < 2; ++k) {
      m.tendon_solref_lim[size_t(2 * t + k)] = solref_lim[k];
      m.tendon_solref_fri[size_t(2 * t + k)] = solref_fri[k];
      m.tendon_range[size_t(2 * t + k)] = range[k];
      m.tendon_actfrcrange[size_t(2 * t + k)] = afr[k];
      m.tendon_lengthspring[size_t(2 * t + k)] = spring[k];
    }
    for (int k = 0; k < 5; ++k) {
      m.tendon_solimp_lim[size_t(5 * t + k)] = solimp_lim[k];
      m.tendon_solimp_fri[size_t(5 * t + k)] = solimp_fri[k];
    }

    if (num == 0) fail(p, label + ": path cannot be empty");
    if (spatial && num < 2) fail(p, label + ": spatial path must contain at least two objects");
    if (spatial && width <= 0) fail(p, label + " must have positive width");

    for (int i = 0; i < num; ++i) read_wrap(m, p, p.children[size_t(i)], t, i, size_t(wadr + i), label);
    check_path(m, p, label, wadr, num, spatial, armature);

    // limits
    if (limited == 2) check_limited(p, autolimits, "", limited, !(range[0] == 0 && range[1] == 0));
    const bool is_limited = limited == 1 || (limited == 2 && range[0] < range[1]);
    if (range[0] >= range[1] && is_limited) fail(p, "invalid limits in tendon");
    m.tendon_limited[size_t(t)] = is_limited ? 1 : 0;
    if (afrlimited == 2) check_limited(p, autolimits, "actuatorfrc", afrlimited, !(afr[0] == 0 && afr[1] == 0));
    const bool is_afrlimited = afrlimited == 1 || (afrlimited == 2 && afr[0] < afr[1]);
    if ((afr[0] >= afr[1] || afr[0] > 0 || afr[1] < 0) && is_afrlimited) fail(p, "invalid actuatorfrcrange in tendon");
    m.tendon_actfrclimited[size_t(t)] = is_afrlimited ? 1 : 0;
    if (spring[0] > spring[1]) fail(p, "invalid springlength in tendon");

    // Jacobian sparsity
    for (auto& x : mark) x = 0;
    for (int i = 0; i < num; ++i) {
      const size_t w = size_t(wadr + i);
      const int tp = m.wrap_type[w], id = m.wrap_objid[w];
      if (tp == WRAP_JOINT) {
        mark[size_t(m.jnt_dofadr[size_t(id)])] = 1;
      } else if (tp == WRAP_SITE || tp == WRAP_SPHERE || tp == WRAP_CYLINDER) {
        const int b = tp == WRAP_SITE ? m.site_bodyid[size_t(id)] : m.geom_bodyid[size_t(id)];
        for (int j = last_dof(b); j >= 0; j = m.dof_parentid[size_t(j)]) mark[size_t(j)] = 1;
      }
    }
    m.ten_J_rowadr[size_t(t)] = int(colind.size());
    for (int j = 0; j < m.nv; ++j)
      if (mark[size_t(j)]) colind.push_back(j);
    m.ten_J_rownnz[size_t(t)] = int(colind.size()) - m.ten_J_rowadr[size_t(t)];
    wadr += num;
  }
  m.nJten = int(colind.size());
  m.ten_J_colind = colind;

  if (nten == 0) return;

  // constants that need the engine (mj_setConst: set0 at qpos0, setSpring at qpos_spring)
  Data<double> data(m.sizes(), 1);
  const ModelView<double> mv = m.view();
  const WorldData<double, WorldOuter> d = data.view().world(0);
  auto positions = [&](const std::vector<double>& q) {
    for (int k = 0; k < m.nq; ++k) d.qpos[k] = q[size_t(k)];
    kinematics(mv, d);
    com_pos(mv, d);
    tendon_world(mv, d);
  };

  positions(m.qpos0);
  crb(mv, d);  // tendon armature included (mj_makeM)
  factor_m(mv, d.qM, d.qLD, d.qLDiagInv);
  std::vector<double> x(size_t(m.nv)), J(size_t(m.nv));
  for (int t = 0; t < nten; ++t) {
    m.tendon_length0[size_t(t)] = d.ten_length[t];
    if (m.nv == 0) continue;
    std::fill(J.begin(), J.end(), 0.0);
    const int adr = m.ten_J_rowadr[size_t(t)];
    for (int k = adr; k < adr + m.ten_J_rownnz[size_t(t)]; ++k) J[size_t(m.ten_J_colind[size_t(k)])] = d.ten_J[k];
    x = J;
    solve_m(mv, d.qLD, d.qLDiagInv, x.data());
    double s = 0;
    for (int k = 0; k < m.nv; ++k) s += J[size_t(k)] * x[size_t(k)];
    m.tendon_invweight0[size_t(t)] = s;
  }

  positions(m.qpos_spring);
  for (int t = 0; t < nten; ++t)
    if (m.tendon_lengthspring[size_t(2 * t)] == -1 && m.tendon_lengthspring[size_t(2 * t + 1)] == -1)
      m.tendon_lengthspring[size_t(2 * t)] = m.tendon_lengthspring[size_t(2 * t + 1)] = d.ten_length[t];
}

}  // namespace sinew
