// Retargeting on the CUDA backend against the serial CPU backend: the same ChunkFn / EvalFn
// functors solve and evaluate the frames on the device. Two clips made from our own models (the
// source skeleton is the model's bodies and sites, scaled, so the exact answer is known):
//  - skeleton.xml: free pelvis, ball joints, hinge limits, the spine coupling, ground correction
//    (the motion is lowered into the floor) and orientation targets on the hands and feet;
//  - arm.xml with arm_reach.npz: fixed base, tendon lengths and the tendon-jump metric.
// Called from parity_test.cu's main (which exits 77 without a GPU).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "sinew/imitation/trajectory.hpp"
#include "sinew/io/mjcf.hpp"
#include "sinew/retarget/retarget.hpp"

using namespace sinew;

namespace {

/// The model's bodies (world excluded) and sites as a source skeleton over the frames in qpos:
/// positions scaled by `scale` (Z up), world rotations.
SourceMotion source_from_model(const Model<double>& m, const std::vector<double>& qpos, double fps, double scale) {
  SourceMotion s;
  std::vector<int> src_of_body(size_t(m.nbody), -1);
  for (int b = 1; b < m.nbody; ++b) {
    src_of_body[size_t(b)] = int(s.names.size());
    s.names.push_back(m.body_names[size_t(b)]);
    s.parent.push_back(src_of_body[size_t(m.body_parentid[size_t(b)])]);
  }
  for (int i = 0; i < m.nsite; ++i) {
    s.names.push_back(m.site_names[size_t(i)]);
    s.parent.push_back(src_of_body[size_t(m.site_bodyid[size_t(i)])]);
  }
  s.nframe = int(qpos.size() / size_t(m.nq));
  s.fps = fps;
  const size_t nj = s.names.size();
  s.pos.resize(size_t(s.nframe) * nj * 3);
  s.rot.resize(size_t(s.nframe) * nj * 9);
  Data<double> d(m.sizes(), 1);
  const auto w = d.view().world(0);
  const ModelView<double> mv = m.view();
  for (int f = 0; f < s.nframe; ++f) {
    for (int i = 0; i < m.nq; ++i) w.qpos[i] = qpos[size_t(f) * size_t(m.nq) + size_t(i)];
    kinematics(mv, w);
    for (size_t j = 0; j < nj; ++j) {
      const bool site = j >= size_t(m.nbody - 1);
      const int id = site ? int(j) - (m.nbody - 1) : int(j) + 1;
      const vec3<double> p = site ? get3(w.site_xpos, id) : get3(w.xpos, id);
      const mat3<double> r = site ? getm(w.site_xmat, id) : getm(w.xmat, id);
      (scale * p).store(s.pos.data() + (size_t(f) * nj + j) * 3);
      r.store(s.rot.data() + (size_t(f) * nj + j) * 9);
    }
  }
  return s;
}

/// A walking-like motion of skeleton.xml within its joint ranges, the spine coupling honoured,
/// the pelvis low enough that the feet go through the floor.
std::vector<double> skeleton_motion(const Model<double>& m, int nframe, double fps) {
  std::vector<double> q(size_t(nframe) * size_t(m.nq));
  for (int f = 0; f < nframe; ++f) {
    const double t = f / fps;
    double* qf = q.data() + size_t(f) * size_t(m.nq);
    for (int i = 0; i < m.nq; ++i) qf[i] = m.qpos0[size_t(i)];
    for (int j = 0; j < m.njnt; ++j) {
      const int a = m.jnt_qposadr[size_t(j)], type = m.jnt_type[size_t(j)];
      const double ph = 0.7 * j, lo = m.jnt_range[2 * size_t(j)], hi = m.jnt_range[2 * size_t(j) + 1];
      if (type == JNT_FREE) {
        qf[a] = 0.4 * t; qf[a + 1] = 0.05 * std::sin(2 * t); qf[a + 2] = 0.8 + 0.02 * std::sin(6 * t);
        axis_angle_quat(vec3<double>{0, 0, 1}, 0.3 * t).store(qf + a + 3);
      } else if (type == JNT_BALL) {
        vec3<double> ax{std::sin(ph + t), std::cos(ph + 0.5 * t), 0.4};
        normalize(ax);
        axis_angle_quat(ax, 0.5 + 0.3 * std::sin(3 * t + ph)).store(qf + a);
      } else {
        qf[a] = 0.5 * (lo + hi) + 0.35 * (hi - lo) * std::sin(4 * t + ph);
      }
    }
  }
  // the coupling: thoracic_flex = 0.5 lumbar_flex
  const int th = m.jnt_qposadr[size_t(Model<double>::find(m.jnt_names, "thoracic_flex"))];
  const int lu = m.jnt_qposadr[size_t(Model<double>::find(m.jnt_names, "lumbar_flex"))];
  for (int f = 0; f < nframe; ++f) q[size_t(f) * size_t(m.nq) + size_t(th)] = 0.5 * q[size_t(f) * size_t(m.nq) + size_t(lu)];
  return q;
}

struct Tally {
  int passed = 0, failed = 0;
  void check(bool ok, const std::string& what) {
    if (ok) ++passed;
    else { ++failed; std::printf("FAILED: %s\n", what.c_str()); }
  }
};

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double e = a.size() == b.size() ? 0 : INFINITY;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) e = std::max(e, std::fabs(a[i] - b[i]));
  return e;
}

/// Retargets on both backends and compares. The solutions agree to the IK's convergence, not to
/// rounding: nvcc contracts multiply-adds, so an iterate can differ in its last bits and the
/// Levenberg-Marquardt loop may stop one step earlier or later (step_tol 1e-10 rad or m, on a
/// problem whose condition number is about 1e3): 1e-7 rad or m. Integer metrics must match.
RetargetMetrics compare(Tally& t, const char* name, const Model<double>& m, const SourceMotion& src, const std::vector<KeypointMap>& map,
             RetargetOptions opt, const std::vector<double>* exact) {
  opt.nchunk = 64;
  const RetargetResult c = retarget(exec::serial, m, src, map, opt);
  const RetargetResult g = retarget(exec::Cuda{}, m, src, map, opt);
  const double eq = max_abs_diff(c.qpos, g.qpos), et = max_abs_diff(c.ten_length, g.ten_length);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "retarget %s (%d frames): max |cpu - gpu| qpos %.3g, tendon length %.3g; position RMSE %.3g / %.3g m, "
                "max lift %.4g / %.4g m, %.3g / %.3g ms per frame (serial CPU / CUDA)",
                name, src.nframe, eq, et, c.metrics.position_rmse, g.metrics.position_rmse, c.metrics.max_ground_lift,
                g.metrics.max_ground_lift, c.metrics.ms_per_frame, g.metrics.ms_per_frame);
  std::printf("%s\n", buf);
  t.check(eq < 1e-7 && et < 1e-7, buf);
  t.check(std::fabs(c.metrics.position_rmse - g.metrics.position_rmse) < 1e-7 &&
              std::fabs(c.metrics.max_ground_lift - g.metrics.max_ground_lift) < 1e-7 &&
              std::fabs(c.metrics.max_penetration - g.metrics.max_penetration) < 1e-7,
          std::string(name) + ": float metrics differ");
  t.check(c.metrics.joint_limit_violations == g.metrics.joint_limit_violations &&
              c.metrics.tendon_jump_rate == g.metrics.tendon_jump_rate && c.metrics.nframe == g.metrics.nframe,
          std::string(name) + ": integer metrics differ");
  if (exact) {
    const double e = max_abs_diff(*exact, g.qpos);
    std::snprintf(buf, sizeof buf, "retarget %s: CUDA result against the generating motion: max error %.3g", name, e);
    std::printf("%s\n", buf);
    t.check(e < 1e-6, buf);  // the CPU tests' round-trip tolerance (tests/retarget/retarget_test.cpp)
  }
  return g.metrics;
}

}  // namespace

/// Returns the number of failed checks; prints each comparison.
int retarget_parity() {
  Tally t;
  {
    std::vector<Diagnostic> warnings;  // box-capsule pairs left out of collision: irrelevant here
    const Model<double> m = load_mjcf("models/skeleton.xml", &warnings);
    const double fps = 60;
    const std::vector<double> q = skeleton_motion(m, 600, fps);
    const SourceMotion src = source_from_model(m, q, fps, 1.3);
    std::string text;
    for (int b = 1; b < m.nbody; ++b) {
      const std::string& n = m.body_names[size_t(b)];
      text += n + " " + n + (n.rfind("hand", 0) == 0 || n.rfind("foot", 0) == 0 ? " 1 orient=0.5\n" : "\n");
    }
    for (const std::string& s : m.site_names) text += s + " " + s + "\n";
    RetargetOptions opt;
    opt.source_up = 'z';
    const RetargetMetrics mc = compare(t, "skeleton.xml", m, src, parse_keypoint_map(text), opt, nullptr);  // lifted: not exact
    t.check(mc.max_ground_lift > 0.01, "skeleton.xml: the motion should need the ground correction");
  }
  {
    const Model<double> m = load_mjcf("models/arm.xml");
    const Trajectory ref = load_trajectory("models/arm_reach.npz");
    const SourceMotion src = source_from_model(m, ref.qpos, ref.frequency, 0.8);
    std::string text;
    for (int b = 1; b < m.nbody; ++b) text += m.body_names[size_t(b)] + " " + m.body_names[size_t(b)] + "\n";
    for (const std::string& s : m.site_names) text += s + " " + s + "\n";
    RetargetOptions opt;
    opt.source_up = 'z';
    compare(t, "arm.xml + arm_reach.npz", m, src, parse_keypoint_map(text), opt, &ref.qpos);
  }
  std::printf("retarget parity: %d passed, %d failed\n", t.passed, t.failed);
  return t.failed;
}
