// sinew-user-stage: your own code between two built-in pipeline stages, on every backend.
//
//   sinew-user-stage [models/arm.xml] [--nworld N] [--seconds S]
//
// An exoskeleton at the elbow of models/arm.xml: a per-world stage that runs after actuation
// (muscle forces known) and before the forces are summed, and writes a PD assistance torque
// toward a target angle into qfrc_applied. sinew::step_with runs it in every forward pass of
// the step (RK4's inner evaluations included); worlds get different gains, so one batch sweeps
// the controller. The muscles are driven by the same weak constant excitation in every world;
// the output is the final elbow angle per gain (0: no exoskeleton).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sinew/compiler/compiler.hpp"
#include "sinew/sinew.hpp"

/// The user stage: SINEW_HD, copies its parameters to the backend, touches only its world.
struct ElbowExo {
  const double* gain;  ///< per-world gain (N m / rad), in the backend's memory
  int dof;             ///< the elbow's dof
  double target;       ///< rad
  template <class T, class L>
  SINEW_HD void operator()(const sinew::ModelView<T>& m, const sinew::WorldData<T, L>& d) const {
    const int w = d.world;
    const int q = m.jnt_qposadr[m.dof_jntid[dof]];
    d.qfrc_applied[dof] = T(gain[w]) * (T(target) - d.qpos[q]) - T(0.1 * gain[w]) * d.qvel[dof];
  }
};

int main(int argc, char** argv) {
  std::string xml = "models/arm.xml";
  int nworld = 8;
  double seconds = 2.0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--nworld") && i + 1 < argc) nworld = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
    else xml = argv[i];
  }
  if (nworld < 1 || !(seconds > 0)) {
    std::fprintf(stderr, "usage: sinew-user-stage [MODEL.xml] [--nworld N >= 1] [--seconds S > 0]\n");
    return 2;
  }
  try {
    const sinew::Model<double> m = sinew::load_mjcf(xml);
    const int jnt = sinew::Model<double>::find(m.jnt_names, "elbow_flex");
    if (jnt < 0) throw std::invalid_argument(xml + ": no joint 'elbow_flex'");
    sinew::Data<double> data(m, nworld);
    const auto mv = m.view();
    const auto dv = data.view();
    sinew::reset(sinew::exec::omp, mv, dv);
    std::vector<double> ctrl(size_t(nworld) * size_t(m.nu), 0.05);
    std::vector<double> gain(static_cast<size_t>(nworld));
    for (int w = 0; w < nworld; ++w) gain[size_t(w)] = 4.0 * w;  // world 0: no exoskeleton
    data.set_all("ctrl", ctrl);
    const ElbowExo exo{gain.data(), m.jnt_dofadr[size_t(jnt)], 1.2};
    const int nstep = int(seconds / m.opt.timestep);
    for (int s = 0; s < nstep; ++s)
      sinew::step_with<sinew::UserStageAt::after_actuation>(sinew::exec::omp, mv, dv, exo);
    const int qa = m.jnt_qposadr[size_t(jnt)];
    std::printf("%s: %d worlds, %.2f s, exoskeleton target %.2f rad at the elbow\n", xml.c_str(), nworld, seconds,
                exo.target);
    for (int w = 0; w < nworld; ++w)
      std::printf("gain %6.1f N m/rad  elbow %.4f rad  status %d\n", gain[size_t(w)], data.get("qpos", w)[size_t(qa)],
                  data.status()[size_t(w)]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sinew-user-stage: %s\n", e.what());
    return 1;
  }
  return 0;
}
