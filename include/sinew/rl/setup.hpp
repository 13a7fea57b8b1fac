// Setting up a training or evaluation run from files: the model prepared for the configuration
// and the motions checked against it and brought to the control rate. Shared by sinew-train,
// sinew-eval and the Python package's ImitationEnv.
//
//   sinew::rl::prepare_model(model, cfg);                            // mimic sites of the preset
//   sinew::Trajectory ref = sinew::rl::load_motions(model, cfg.motions, cfg);
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/imitation/env.hpp"
#include "sinew/imitation/trajectory.hpp"
#include "sinew/rl/config.hpp"

namespace sinew::rl {

/// The motions: loaded, checked against the model joint by joint (a mismatch is an error naming
/// the file and the joint), stacked as clips, resampled to the control rate, kinematics filled.
inline Trajectory load_motions(const Model<double>& m, const std::vector<std::string>& files, const TrainConfig& cfg) {
  if (files.empty()) throw std::invalid_argument("no motion given");
  Trajectory all;
  const double rate = 1.0 / (m.opt.timestep * cfg.substeps);
  for (const auto& f : files) {
    Trajectory t = load_trajectory(f);
    if (t.nq != m.nq || t.nv != m.nv)
      throw std::invalid_argument(f + ": motion has nq " + std::to_string(t.nq) + ", nv " + std::to_string(t.nv) +
                                  "; the model has nq " + std::to_string(m.nq) + ", nv " + std::to_string(m.nv));
    if (t.joint_names.size() != m.jnt_names.size())
      throw std::invalid_argument(f + ": motion has " + std::to_string(t.joint_names.size()) + " joints, the model " +
                                  std::to_string(m.jnt_names.size()));
    for (size_t j = 0; j < t.joint_names.size(); ++j)
      if (t.joint_names[j] != m.jnt_names[j])
        throw std::invalid_argument(f + ": joint " + std::to_string(j) + " of the motion is '" + t.joint_names[j] +
                                    "', the model's is '" + m.jnt_names[j] + "'");
    t = resample(t, rate);
    if (all.nq == 0) {
      all = trajectory_for(m, rate);
      all.split_points = {0};
    }
    for (int c = 0; c < t.nclip(); ++c) {
      const size_t a = size_t(t.split_points[size_t(c)]), b = size_t(t.split_points[size_t(c) + 1]);
      add_clip(all,
               std::vector<double>(t.qpos.begin() + ptrdiff_t(a * size_t(m.nq)),
                                   t.qpos.begin() + ptrdiff_t(b * size_t(m.nq))),
               std::vector<double>(t.qvel.begin() + ptrdiff_t(a * size_t(m.nv)),
                                   t.qvel.begin() + ptrdiff_t(b * size_t(m.nv))));
    }
  }
  fill_kinematics(exec::omp, m, all);
  return all;
}

/// MuscleMimic's mimic sites where the preset asks for them and the model has none of that
/// name (fullbody: add_musclemimic_sites); every configured mimic site checked against the model.
inline void prepare_model(Model<double>& m, TrainConfig& cfg) {
  if (cfg.mimic_sites.empty()) {
    if (cfg.preset == "fullbody") {
      std::string s;
      for (const auto& n : add_musclemimic_sites(m)) s += (s.empty() ? "" : ",") + n;
      cfg.mimic_sites = s;
    } else if (cfg.preset == "bimanual") {
      cfg.mimic_sites = "";  // BimanualMuscle: joint terms only unless sites are given (docs/training.md)
    }
  } else if (cfg.preset == "fullbody" && Model<double>::find(m.site_names, "pelvis_mimic") < 0 &&
             cfg.mimic_sites.find("_mimic") != std::string::npos) {
    add_musclemimic_sites(m);
  }
  for (const auto& n : TrainConfig::split(cfg.mimic_sites))
    if (Model<double>::find(m.site_names, n) < 0)
      throw std::invalid_argument("mimic site '" + n + "' is not a site of " + cfg.model);
}

}  // namespace sinew::rl
