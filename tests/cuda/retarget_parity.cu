// Retargeting on the CUDA backend against the serial CPU backend: the same ChunkFn / EvalFn
// functors solve and evaluate the frames on the device. Two clips made from our own models (the
// source skeleton is the model's bodies and sites, scaled, so the exact answer is known;
// tests/retarget/model_motion.hpp, shared with the CPU tests):
//  - skeleton.xml: free pelvis, ball joints, hinge limits, the spine coupling, ground correction
//    (the motion is lowered into the floor) and orientation targets on the hands and feet;
//  - arm.xml with arm_reach.npz: fixed base, tendon lengths and the tendon-jump metric.
// Called from parity_test.cu's main (which exits 77 without a GPU).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "sinew/imitation/trajectory.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/retarget/retarget.hpp"
#include "../retarget/model_motion.hpp"

using namespace sinew;

namespace {

/// skeleton_motion with the pelvis 25 cm lower: the feet go through the floor.
std::vector<double> sunk_skeleton_motion(const Model<double>& m, int nframe, double fps) {
  std::vector<double> q = test::skeleton_motion(m, nframe, fps);
  for (int f = 0; f < nframe; ++f) q[size_t(f) * size_t(m.nq) + 2] -= 0.25;
  return q;
}

/// Keypoints: every body but the world onto itself (orientation targets where `orient` says),
/// and the first site of each body through its "<body>_end" source joint (model_source names
/// every site of a body so; the source's lookup finds the first).
std::vector<KeypointMap> own_keypoints(const Model<double>& m, bool (*orient)(const std::string&)) {
  std::string text;
  for (int b = 1; b < m.nbody; ++b) {
    const std::string& n = m.body_names[size_t(b)];
    text += n + " " + n + (orient(n) ? " 1 orient=0.5\n" : "\n");
  }
  std::vector<bool> seen(size_t(m.nbody), false);
  for (int i = 0; i < m.nsite; ++i) {
    const int b = m.site_bodyid[size_t(i)];
    if (seen[size_t(b)]) continue;
    seen[size_t(b)] = true;
    text += m.body_names[size_t(b)] + "_end site:" + m.site_names[size_t(i)] + "\n";
  }
  return parse_keypoint_map(text);
}

struct Tally {
  int passed = 0, failed = 0;
  void check(bool ok, const std::string& what) {
    if (ok) ++passed;
    else {
      ++failed;
      std::printf("FAILED: %s\n", what.c_str());
    }
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
RetargetMetrics compare(Tally& t, const char* name, const Model<double>& m, const SourceMotion& src,
                        const std::vector<KeypointMap>& map, RetargetOptions opt, const std::vector<double>* exact) {
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
    const SourceMotion src = test::model_source(m, sunk_skeleton_motion(m, 600, fps), fps, 1.3);
    auto hands_feet = [](const std::string& n) { return n.rfind("hand", 0) == 0 || n.rfind("foot", 0) == 0; };
    RetargetOptions opt;
    opt.source_up = 'z';
    const RetargetMetrics mc =
        compare(t, "skeleton.xml", m, src, own_keypoints(m, hands_feet), opt, nullptr);  // lifted: not exact
    t.check(mc.max_ground_lift > 0.01, "skeleton.xml: the motion should need the ground correction");
  }
  {
    const Model<double> m = load_mjcf("models/arm.xml");
    const Trajectory ref = load_trajectory("models/arm_reach.npz");
    const SourceMotion src = test::model_source(m, ref.qpos, ref.frequency, 0.8);
    RetargetOptions opt;
    opt.source_up = 'z';
    compare(t, "arm.xml + arm_reach.npz", m, src, own_keypoints(m, [](const std::string&) { return false; }), opt,
            &ref.qpos);
  }
  std::printf("retarget parity: %d passed, %d failed\n", t.passed, t.failed);
  return t.failed;
}
