// RetargetMetrics, the quality of a retargeted clip (MuscleMimic's metrics: joint-limit violation
// rate, ground penetration, tendon-jump rate, keypoint errors, time per frame), and their
// computation from the solved clip and its evaluation pass (retarget_detail). Host only.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "sinew/model/model.hpp"
#include "sinew/retarget/ik.hpp"
#include "sinew/retarget/options.hpp"

namespace sinew {

/// Quality of one retargeted clip (MuscleMimic's metrics).
struct RetargetMetrics {
  int nframe = 0, nkeypoint = 0, nlimited = 0, ntendon = 0, ncoupling = 0;
  double fps = 0, scale = 0;
  double min_segment_scale = 0, max_segment_scale = 0;  ///< per_segment_scale: range of the bone scales (0 when off)
  double joint_limit_violation_rate = 0;                ///< violations / (frames x limited joints)
  int joint_limit_violations = 0;
  double max_limit_violation = 0;  ///< largest excess over a range (rad or m)
  std::string worst_limit_joint;
  double max_coupling_error = 0;                     ///< largest |q1 - f(q2)| over frames and couplings
  double max_penetration = 0, mean_penetration = 0;  ///< m below the floor after correction
  double max_ground_lift = 0;                        ///< largest lift applied by the correction
  double tendon_jump_threshold = 0;                  ///< m per frame at this clip's rate
  double tendon_jump_rate = 0;                       ///< transitions with a jump / (frames - 1)
  /// MuscleMimic's definition: a tendon's length change over a transition above 10x the mean of
  /// its changes over the transitions before (from the second transition on; changes below 1 um
  /// never count, so a still tendon's rounding is no jump). Rate per
  /// (tendon, transition) pair, and the share of transitions in which some tendon jumps.
  double tendon_jump_rate_mm = 0, tendon_jump_transitions_mm = 0;
  double position_rmse = 0, max_position_error = 0;        ///< keypoints, m
  int norient = 0;                                         ///< keypoints with an orientation target
  double orientation_rmse = 0, max_orientation_error = 0;  ///< those keypoints, rad
  double ms_per_frame = 0, total_seconds = 0;
  std::vector<std::string> warnings;

  std::string report() const {
    char b[512];
    std::string s;
    std::snprintf(b, sizeof b, "frames %d at %.4g Hz, %d keypoints, scale %.6g\n", nframe, fps, nkeypoint, scale);
    s += b;
    if (max_segment_scale > 0) {
      std::snprintf(b, sizeof b, "segment scales              %.6g .. %.6g (per segment)\n", min_segment_scale,
                    max_segment_scale);
      s += b;
    }
    std::snprintf(b, sizeof b, "joint-limit violation rate  %.4f %%  (%d of %d frame-joints; worst %.3g %s%s)\n",
                  100 * joint_limit_violation_rate, joint_limit_violations, nframe * nlimited, max_limit_violation,
                  worst_limit_joint.empty() ? "" : "at ", worst_limit_joint.c_str());
    s += b;
    std::snprintf(b, sizeof b, "joint couplings             %d, max error %.3g\n", ncoupling, max_coupling_error);
    s += b;
    std::snprintf(b, sizeof b, "ground penetration          max %.4g m, mean %.4g m (max lift applied %.4g m)\n",
                  max_penetration, mean_penetration, max_ground_lift);
    s += b;
    if (ntendon) {
      std::snprintf(b, sizeof b, "tendon-jump rate            %.4f %%  (threshold %.4g m/frame, %d tendons)\n",
                    100 * tendon_jump_rate, tendon_jump_threshold, ntendon);
      s += b;
      std::snprintf(b, sizeof b, "tendon jumps (> 10x mean)   %.4f %% of tendon-transitions, %.4f %% of transitions\n",
                    100 * tendon_jump_rate_mm, 100 * tendon_jump_transitions_mm);
    } else std::snprintf(b, sizeof b, "tendon-jump rate            n/a (model has no tendons)\n");
    s += b;
    std::snprintf(b, sizeof b, "keypoint position RMSE      %.4g m (max %.4g m)\n", position_rmse, max_position_error);
    s += b;
    if (norient) {
      std::snprintf(b, sizeof b, "orientation RMSE            %.4g rad (max %.4g rad, %d keypoints)\n",
                    orientation_rmse, max_orientation_error, norient);
      s += b;
    }
    std::snprintf(b, sizeof b, "time per frame              %.4g ms (%.3g s total)\n", ms_per_frame, total_seconds);
    s += b;
    for (const std::string& w : warnings) s += "warning: " + w + "\n";
    return s;
  }
};

namespace retarget_detail {

/// Ground penetration after the correction (lowest: nframe x (nfree + 1), per free tree and then
/// the other geoms) and the keypoint position and orientation errors (sqerr: nframe x 4, EvalFn).
inline void error_metrics(int N, int K, int nfree, const std::vector<double>& lowest, const std::vector<double>& sqerr,
                          const RetargetOptions& opt, RetargetMetrics& M) {
  double pen_sum = 0;
  for (int f = 0; f < N; ++f) {
    double lo = INFINITY;
    for (int t = 0; t <= nfree; ++t) lo = std::min(lo, lowest[size_t(f) * size_t(nfree + 1) + size_t(t)]);
    const double pen = std::isfinite(lo) ? std::max(0.0, opt.floor_z - lo) : 0.0;
    pen_sum += pen;
    M.max_penetration = std::max(M.max_penetration, pen);
  }
  M.mean_penetration = pen_sum / N;
  double se = 0;
  double so = 0;
  for (int f = 0; f < N; ++f) {
    se += sqerr[4 * size_t(f)];
    M.max_position_error = std::max(M.max_position_error, sqerr[4 * size_t(f) + 1]);
    so += sqerr[4 * size_t(f) + 2];
    M.max_orientation_error = std::max(M.max_orientation_error, sqerr[4 * size_t(f) + 3]);
  }
  M.position_rmse = K ? std::sqrt(se / (double(N) * K)) : 0;
  M.orientation_rmse = M.norient ? std::sqrt(so / (double(N) * M.norient)) : 0;
}

/// Joint limits (every limited hinge, slide and ball joint, coupled ones included) and the
/// largest coupling error over the clip's qpos (nframe x nq).
inline void limit_metrics(const Model<double>& model, const Problem& P, int N, const std::vector<double>& qpos,
                          const RetargetOptions& opt, RetargetMetrics& M) {
  const int nq = model.nq;
  for (int j = 0; j < model.njnt; ++j) {
    const int type = model.jnt_type[size_t(j)];
    if (!model.jnt_limited[size_t(j)] || type == JNT_FREE) continue;
    ++M.nlimited;
    const int a = model.jnt_qposadr[size_t(j)];
    const double lo = model.jnt_range[2 * size_t(j)], hi = model.jnt_range[2 * size_t(j) + 1];
    for (int f = 0; f < N; ++f) {
      const double* q = qpos.data() + size_t(f) * size_t(nq) + size_t(a);
      double ex;
      if (type == JNT_BALL) {
        vec3<double> v{q[1], q[2], q[3]};
        const double s = norm(v), ang = 2 * std::atan2(s, std::fabs(q[0]));
        ex = ang - hi;
      } else {
        ex = std::max(lo - q[0], q[0] - hi);
      }
      if (ex > opt.limit_tol) ++M.joint_limit_violations;
      if (ex > M.max_limit_violation) {
        M.max_limit_violation = ex;
        M.worst_limit_joint = model.jnt_names[size_t(j)];
      }
    }
  }
  M.joint_limit_violation_rate = M.nlimited ? double(M.joint_limit_violations) / (double(N) * M.nlimited) : 0;
  for (const Coupling& c : P.cpl)
    for (int f = 0; f < N; ++f) {
      const double* q = qpos.data() + size_t(f) * size_t(nq);
      M.max_coupling_error =
          std::max(M.max_coupling_error, std::fabs(q[c.dep_q] - c.value(c.ind_q >= 0 ? q[c.ind_q] : 0.0)));
    }
}

/// Tendon jumps over the clip's tendon lengths (nframe x nten): the fixed threshold and
/// MuscleMimic's 10x-mean rule.
inline void tendon_metrics(int N, int nten, const std::vector<double>& ten_length, double fps,
                           const RetargetOptions& opt, RetargetMetrics& M) {
  M.tendon_jump_threshold = opt.tendon_jump * 30.0 / fps;
  if (nten && N > 1) {
    int jumps = 0;
    for (int f = 0; f + 1 < N; ++f)
      for (int i = 0; i < nten; ++i)
        if (std::fabs(ten_length[size_t(f + 1) * size_t(nten) + size_t(i)] -
                      ten_length[size_t(f) * size_t(nten) + size_t(i)]) > M.tendon_jump_threshold) {
          ++jumps;
          break;
        }
    M.tendon_jump_rate = double(jumps) / (N - 1);
  }
  if (nten && N > 2) {
    long long pairs = 0, jump_pairs = 0;
    int jump_frames = 0;
    std::vector<double> sum(size_t(nten), 0.0);
    for (int f = 0; f + 1 < N; ++f) {
      bool any = false;
      for (int i = 0; i < nten; ++i) {
        const double dl = std::fabs(ten_length[size_t(f + 1) * size_t(nten) + size_t(i)] -
                                    ten_length[size_t(f) * size_t(nten) + size_t(i)]);
        if (f > 0) {
          ++pairs;
          if (dl > 1e-6 && dl > 10 * sum[size_t(i)] / f) {
            ++jump_pairs;
            any = true;
          }  // 1 um: rounding of still tendons
        }
        sum[size_t(i)] += dl;
      }
      jump_frames += any;
    }
    M.tendon_jump_rate_mm = double(jump_pairs) / double(pairs);
    M.tendon_jump_transitions_mm = double(jump_frames) / (N - 2);
  }
}

/// Every metric but the timing, from the solved clip (qpos, ten_length) and its evaluation pass.
inline void compute_metrics(const Model<double>& model, const Problem& P, int N, double fps, const RetargetOptions& opt,
                            const std::vector<double>& lowest, const std::vector<double>& sqerr,
                            const std::vector<double>& qpos, const std::vector<double>& ten_length,
                            RetargetMetrics& M) {
  const int K = int(P.kp.size()), nfree = int(P.free_jnt.size()), nten = model.ntendon;
  M.nframe = N;
  M.fps = fps;
  M.nkeypoint = K;
  M.ntendon = nten;
  error_metrics(N, K, nfree, lowest, sqerr, opt, M);
  limit_metrics(model, P, N, qpos, opt, M);
  tendon_metrics(N, nten, ten_length, fps, opt, M);
}

}  // namespace retarget_detail

}  // namespace sinew
