// sinew-make-arm-reach: writes models/arm_reach.npz, the reference motion of models/arm.xml used
// by the imitation tests and examples (docs/imitation.md).
//
//   sinew-make-arm-reach models/arm.xml models/arm_reach.npz
//
// One clip at 30 fps (MuscleMimic's retargeting output rate), 2 s long (61 frames): a
// minimum-jerk reach, shoulder flexion 0 -> 1.2 rad and elbow flexion 1.2 -> 0.4 rad over 1 s,
// and the minimum-jerk return over the next second; pronation stays 0. qvel is the analytic
// derivative; body and site poses come from Sinew's forward kinematics.
#include <cstdio>
#include <string>

#include "sinew/imitation/trajectory.hpp"
#include "sinew/compiler/compiler.hpp"

int main(int argc, char** argv) {
  const std::string xml = argc > 1 ? argv[1] : "models/arm.xml", out = argc > 2 ? argv[2] : "models/arm_reach.npz";
  const sinew::Model<double> m = sinew::load_mjcf(xml);
  const int sh = m.jnt_qposadr[size_t(sinew::Model<double>::find(m.jnt_names, "shoulder_flex"))];
  const int el = m.jnt_qposadr[size_t(sinew::Model<double>::find(m.jnt_names, "elbow_flex"))];
  const double fps = 30, half = 1.0;
  const int n = int(2 * half * fps) + 1;
  std::vector<double> qpos(size_t(n) * size_t(m.nq), 0.0), qvel(size_t(n) * size_t(m.nv), 0.0);
  for (int f = 0; f < n; ++f) {
    const double t = f / fps;
    const bool back = t > half;
    const double tau = back ? (t - half) / half : t / half;
    const double s = tau * tau * tau * (10 - 15 * tau + 6 * tau * tau);
    const double ds = 30 * tau * tau * (1 - tau) * (1 - tau) / half;
    const double sg = back ? 1 - s : s, dsg = back ? -ds : ds;  // 0 -> 1 -> 0
    qpos[size_t(f) * size_t(m.nq) + size_t(sh)] = 1.2 * sg;
    qpos[size_t(f) * size_t(m.nq) + size_t(el)] = 1.2 - 0.8 * sg;
    qvel[size_t(f) * size_t(m.nv) +
         size_t(m.jnt_dofadr[size_t(sinew::Model<double>::find(m.jnt_names, "shoulder_flex"))])] = 1.2 * dsg;
    qvel[size_t(f) * size_t(m.nv) +
         size_t(m.jnt_dofadr[size_t(sinew::Model<double>::find(m.jnt_names, "elbow_flex"))])] = -0.8 * dsg;
  }
  sinew::Trajectory tr = sinew::trajectory_for(m, fps);
  sinew::add_clip(tr, qpos, qvel);
  sinew::fill_kinematics(sinew::exec::serial, m, tr);
  sinew::save_trajectory(out, tr);
  std::printf("wrote %s: %d frames at %g fps, nq %d, nbody %d, nsite %d\n", out.c_str(), tr.nframe(), fps, tr.nq,
              tr.nbody, tr.nsite);
  return 0;
}
