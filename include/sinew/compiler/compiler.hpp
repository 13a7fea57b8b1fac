// The model compiler's entry point: reads an MJCF file (io/mjcf.hpp's reader, with <include>s and
// <default> classes applied) and compiles it into a sinew::Model<double> with MuJoCo 3.4.0's
// semantics, in MuJoCo's order: the body tree (compiler/tree.hpp), tendons, equality
// constraints, spring-dampers, contact candidates, capacities, actuators (with lengthrange by
// simulation), sensors, Sinew's muscle-model selection. Host only.
//
//   std::vector<sinew::Diagnostic> warnings;
//   sinew::Model<double> m = sinew::load_mjcf("myofullbody.xml", &warnings);
//   sinew::apply_option(m, "integrator", "RK4");
//   sinew::apply_option(m, "flag.eulerdamp", "disable");
//
// Errors throw sinew::ModelError naming file, line and element. Warnings go to `warnings`, or,
// when it is null, to stderr as `file:line: <element>: warning: ...`. What the reader accepts,
// ignores and refuses is listed in io/mjcf.hpp.
#pragma once
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/compiler/actuator.hpp"
#include "sinew/compiler/contact.hpp"
#include "sinew/compiler/equality.hpp"
#include "sinew/compiler/sensor.hpp"
#include "sinew/compiler/tendon.hpp"
#include "sinew/compiler/tree.hpp"
#include "sinew/io/error.hpp"
#include "sinew/io/mjcf.hpp"
#include "sinew/model/model.hpp"
#include "sinew/muscle/select.hpp"

namespace sinew {
namespace compiler_detail {

using mjcf_detail::Parser;

inline void emit(const std::vector<Diagnostic>& w, std::vector<Diagnostic>* out) {
  if (out) {
    out->insert(out->end(), w.begin(), w.end());
  } else {
    for (auto& d : w) std::cerr << d.str() << "\n";
  }
}

inline Model<double> load_tree(const mjcf::XNode& root, const std::string& model_dir,
                               std::vector<Diagnostic>* warnings) {
  Parser p;
  p.model_dir = model_dir;
  try {
    p.parse(root);
  } catch (...) {
    emit(p.warnings, warnings);
    throw;
  }
  // Sinew's muscle-model text is checked before anything is compiled, so a bad entry is reported
  // as soon as the file is read (MuJoCo ignores <custom> text; the reader only collects it)
  std::vector<std::vector<MuscleModelRule>> muscle_rules;
  for (const auto& t : p.muscle_spec) {
    try {
      muscle_rules.push_back(parse_muscle_model_spec(t.data, DefaultMuscleModels::names, DefaultMuscleModels::size));
    } catch (const std::invalid_argument& e) {
      emit(p.warnings, warnings);
      throw ModelError(t.where, e.what());
    }
  }
  Model<double> m = compile_model(p.spec);
  compile_tendons(m, p.spec.compiler.autolimits);
  // equality constraints, contacts and the constraint capacities come before the actuators: the
  // length-range simulation (compile_actuators) runs the constraint solver with limits and
  // equalities active, at the automatic stat.meaninertia, as mjCModel::Compile does after
  // mj_setConst; a <statistic meaninertia> given in the file applies after it
  compile_equality(m);
  compile_springdamper(m);
  // one warning listing every element of a kind Sinew leaves out
  auto warn_list = [&](const std::vector<std::string>& items, const std::string& what) {
    if (items.empty()) return;
    std::string list;
    for (size_t i = 0; i < items.size(); ++i) list += (i ? "; " : "") + items[i];
    p.warnings.push_back(Diagnostic{root.loc(), std::to_string(items.size()) + " " + what + ": " + list});
  };
  {
    std::vector<std::string> unsupported;
    compile_contacts(m, &unsupported);
    warn_list(unsupported, "geom pairs of types Sinew cannot collide yet are left out of collision detection");
  }
  m.size_memory = p.size_memory;
  m.size_nstack = p.size_nstack;
  m.size_nconmax = p.size_nconmax;
  m.size_njmax = p.size_njmax;
  compile_capacities(m, true);
  compile_actuators(m);
  if (p.stat_meaninertia > 0) m.stat_meaninertia[0] = p.stat_meaninertia;
  {
    std::vector<std::string> unsupported;
    compile_sensors(m, &unsupported);
    warn_list(unsupported, "sensors Sinew does not compute read NaN in sensordata");
  }
  compile_capacities(m, true);  // MuJoCo's arena from the final sizes (na and the sensors are known now)
  m.actuator_classes = p.actuator_classes;
  for (size_t k = 0; k < p.muscle_spec.size(); ++k) {
    const auto& t = p.muscle_spec[k];
    m.muscle_model_spec += (m.muscle_model_spec.empty() ? "" : "; ") + t.data;
    const std::vector<MuscleModelRule>& rules = muscle_rules[k];
    std::vector<int> matched;
    compile_muscle_models(m, muscle_kinds_after(m, rules, &matched));
    for (size_t j = 0; j < rules.size(); ++j)
      if (matched[j] == 0)
        p.warnings.push_back(Diagnostic{t.where, "sinew:muscle_model: rule '" + rules[j].pattern + "' (model '" +
                                                     DefaultMuscleModels::names[rules[j].kind] +
                                                     "') matches no muscle"});
  }
  // De Groote muscles whose MuJoCo range implies a tendon shorter than min_tendon_fraction L0
  // (docs/muscle_models.md, section 3): the slack length is floored, normalized lengths offset
  for (int i = 0; i < m.nu && !p.muscle_spec.empty(); ++i) {
    if (m.actuator_musclekind[size_t(i)] != DefaultMuscleModels::index_of<DeGroote2016>()) continue;
    const double* gp = &m.actuator_gainprm[size_t(10 * i)];
    const double* lr = &m.actuator_lengthrange[size_t(2 * i)];
    const double L0 = (lr[1] - lr[0]) / (gp[1] - gp[0]), raw = lr[0] - gp[0] * L0;
    const double lts = muscle_params<DeGroote2016>(m, i).tendon_slack_length;
    if (raw < lts)
      p.warnings.push_back(
          Diagnostic{p.muscle_spec.front().where, "degroote2016 muscle '" + m.actuator_names[size_t(i)] +
                                                      "': the MuJoCo range " + "implies a tendon slack length of " +
                                                      std::to_string(raw) + " m; floored at " + std::to_string(lts) +
                                                      " m (fiber lengths then differ from MuJoCo's)"});
  }
  emit(p.warnings, warnings);
  return m;
}

}  // namespace compiler_detail

/// Loads and compiles an MJCF file. Includes resolve against the file's directory.
inline Model<double> load_mjcf(const std::string& path, std::vector<Diagnostic>* warnings = nullptr) {
  mjcf::XNode root = mjcf::read_tree_file(path);
  return compiler_detail::load_tree(root, mjcf::detail::dir_of(path), warnings);
}

/// Loads and compiles MJCF text; includes and asset paths resolve against base_dir.
inline Model<double> load_mjcf_string(const std::string& xml, const std::string& base_dir = ".",
                                      std::vector<Diagnostic>* warnings = nullptr) {
  mjcf::XNode root = mjcf::read_tree_string(xml, base_dir);
  return compiler_detail::load_tree(root, base_dir, warnings);
}

/// Sets one <option> attribute by its MJCF name ("timestep", "integrator", "gravity", ...) or a
/// flag as "flag.<name>" ("flag.eulerdamp" = "disable"), parsed and validated as in the XML.
/// Throws ModelError naming the key on an unknown key or a bad value; keys that MuJoCo accepts
/// but Sinew does not use (sdf_iterations, sdf_initpoints, sleep_tolerance,
/// actuatorgroupdisable) are rejected too, since setting them would have no effect.
inline void apply_option(Model<double>& m, const std::string& key, const std::string& value) {
  mjcf::XNode n;
  n.name = "option";
  n.file = "apply_option";
  std::string k = key;
  bool flag = k.rfind("flag.", 0) == 0;
  if (flag) k = k.substr(5);
  n.attrs.emplace_back(k, value);
  mjcf::Attrs a;
  a.node = &n;
  a.entries.push_back({k, value, &n});
  auto fail = [&](const std::string& w) {
    throw ModelError(SourceLocation{"apply_option", 0, "option"}, "option '" + key + "': " + w);
  };
  Option<double> o = m.opt;
  try {
    if (flag) {
      if (!mjcf_detail::set_flag(o, k, a)) fail("unknown flag");
    } else {
      bool ignored = false;
      if (!mjcf_detail::set_option(o, k, a, fail, &ignored)) fail("unknown option");
      if (ignored) fail("accepted by MuJoCo but not used by Sinew");
    }
  } catch (const ModelError& e) {
    std::string w = e.what();
    if (w.find("option '" + key + "'") != std::string::npos) throw;
    throw ModelError(SourceLocation{"apply_option", 0, "option"}, "option '" + key + "' = '" + value + "': " + w);
  }
  const int collide = DSBL_CONTACT | DSBL_CONSTRAINT;
  const bool multiccd = (o.enableflags & ENBL_MULTICCD) != (m.opt.enableflags & ENBL_MULTICCD);
  const bool refit = o.cone != m.opt.cone || (o.disableflags & collide) != (m.opt.disableflags & collide) ||
                     o.solver != m.opt.solver || (o.noslip_iterations > 0) != (m.opt.noslip_iterations > 0) || multiccd;
  m.opt = o;
  // rows per contact depend on the cone, contacts per convex pair on multiccd; none with contacts off
  if (refit) compile_capacities(m);
  else compile_solver_sizes(m);
}

}  // namespace sinew
