// The usage comments of the most-read headers, compiled: each function below holds, verbatim,
// the code lines of one header's usage comment (tests/structure/check_structure.py fails when a
// header marked here shows a statement this file does not hold), with the declarations the
// comment leaves to the reader. The functions are compiled, not run: the files they name are
// examples. What they do is tested elsewhere.
#include <iostream>
#include <string>
#include <vector>

#include "sinew/compiler/add_site.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/imitation/env.hpp"
#include "sinew/imitation/trajectory.hpp"
#include "sinew/io/npy.hpp"
#include "sinew/io/npz.hpp"
#include "sinew/math/random.hpp"
#include "sinew/retarget/bvh.hpp"
#include "sinew/retarget/retarget.hpp"
#include "sinew/rl/config.hpp"
#include "sinew/rl/setup.hpp"
#include "sinew/rl/trainer.hpp"
#include "sinew/sinew.hpp"

namespace usage {

// usage of sinew/compiler/compiler.hpp
inline void compiler() {
  std::vector<sinew::Diagnostic> warnings;
  sinew::Model<double> m = sinew::load_mjcf("myofullbody.xml", &warnings);
  sinew::apply_option(m, "integrator", "RK4");
  sinew::apply_option(m, "flag.eulerdamp", "disable");
}

// usage of sinew/model/model.hpp
inline void model() {
  sinew::Model<double> m = sinew::load_mjcf("arm.xml");
  sinew::ModelView<double> v = m.view();
  sinew::Model<float> mf = m.cast<float>();
  (void)v;
}

// usage of sinew/data/data.hpp
// usage of sinew/exec/policy.hpp (its host lines)
inline void data(const sinew::Model<double>& model) {
  sinew::Data<double> data(model, /*nworld=*/1024);
  sinew::reset(sinew::exec::omp, model.view(), data.view());
  sinew::step(sinew::exec::omp, model.view(), data.view());
  sinew::step(sinew::exec::serial, model.view(), data.view());
}

// usage of sinew/compiler/add_site.hpp
inline void add_site(const std::string& path) {
  sinew::Model<double> m = sinew::load_mjcf(path);
  sinew::add_site(m, "femur_r_mimic", "femur_r");
  sinew::add_site(m, "toe_r_mimic", "toes_r", {0.03, 0, 0});
}

// usage of sinew/imitation/trajectory.hpp
inline void trajectory(const sinew::Model<double>& model) {
  sinew::Trajectory tr = sinew::load_trajectory("models/arm_reach.npz");
  tr = sinew::resample(tr, 100.0);
  sinew::fill_kinematics(sinew::exec::omp, model, tr);
  sinew::TrajectoryBuffers<float, sinew::HostSpace> ref(tr);
}

// usage of sinew/imitation/env.hpp
inline void env(const sinew::Model<double>& model, const sinew::Trajectory& ref, const sinew::ImitationConfig& cfg,
                const std::vector<double>& a) {
  sinew::ImitationEnv<double, sinew::exec::OpenMP> env(sinew::exec::omp, model, ref, 1024, cfg);
  env.reset();
  const double* actions = a.data();
  env.step(actions);
}

// usage of sinew/rl/config.hpp
// usage of sinew/rl/setup.hpp
// usage of sinew/rl/trainer.hpp
inline void trainer(sinew::Model<double>& model) {
  sinew::rl::TrainConfig cfg = sinew::rl::preset("arm");
  cfg.set("lr", "3e-4");
  std::string json = cfg.to_json();
  cfg.apply_json(json);
  sinew::rl::prepare_model(model, cfg);
  sinew::Trajectory ref = sinew::rl::load_motions(model, cfg.motions, cfg);
  sinew::rl::PpoTrainer<float, sinew::exec::OpenMP> tr(sinew::exec::omp, model, ref, cfg);
  while (tr.env_steps() < cfg.total_steps) {
    sinew::rl::UpdateLog log = tr.update();
    (void)log;
  }
  tr.save("final.npz");
}

// usage of sinew/retarget/retarget.hpp
inline void retarget() {
  sinew::Model<double> model = sinew::load_mjcf("models/skeleton.xml");
  sinew::SourceMotion src = sinew::source_from_bvh(sinew::load_bvh("walk.bvh"));
  auto map = sinew::load_keypoint_map("walk_map.txt");
  sinew::RetargetResult r = sinew::retarget(sinew::exec::omp, model, src, map);
  std::cout << r.metrics.report();
  sinew::save_trajectory("walk.npz", r.trajectory);
}

// usage of sinew/retarget/bvh.hpp
inline void bvh() {
  sinew::Bvh b = sinew::load_bvh("walk.bvh");
  std::vector<double> p = sinew::bvh_joint_positions(b);
  sinew::save_bvh("copy.bvh", b);
}

// usage of sinew/io/npz.hpp
inline void npz(size_t n, size_t nq) {
  auto arrays = sinew::read_npz("traj.npz");
  std::vector<double> q = arrays.at("qpos").as_double();
  sinew::write_npz("out.npz", {{"qpos", sinew::NpyBlob::from(q.data(), {n, nq})}});
  sinew::NpyBlob a = sinew::read_npy_file("ctrl.npy");
  (void)a;
}

// usage of sinew/io/npy.hpp
inline void npy(size_t nq, size_t nworld, size_t nstep, const std::vector<double>& data) {
  sinew::write_npy("qpos.npy", data.data(), {nworld, nstep + 1, nq});
  auto a = sinew::read_npy("qpos0.npy");
  (void)a;
}

// usage of sinew/math/random.hpp
inline double random(unsigned long long seed, int world, unsigned long long counter) {
  double u = sinew::uniform01(seed, world, counter);
  double z = sinew::normal01(seed, world, counter);
  return u + z;
}

}  // namespace usage
