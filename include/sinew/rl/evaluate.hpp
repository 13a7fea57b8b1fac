// Deterministic evaluation of a policy against its reference motion (sinew-eval): one world per
// clip, started at the clip's first frame, mean actions, run to the clip's end; the
// environment's termination rules apply (evaluation thresholds) and a terminated clip is not
// reset. Metrics (docs/training.md):
//
//   early_termination  fraction of clips that ended before their last frame
//   joint_rmse         RMS over frames and hinge/slide joints of (q - q_ref) (rad or m)
//   joint_r            mean over hinge/slide joints of the Pearson correlation between the
//                      rollout's and the reference's trajectories; joints whose reference moves
//                      less than 0.05 (max - min) are left out and counted (joint_r_excluded)
//   site_error         mean over frames and mimic sites 1.. of |p_rel - p_rel_ref| (m), positions
//                      relative to the main site
//   root_error         mean root position error (m), free-root models
//   mean_activation    mean over frames and activation states of act
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sinew/rl/trainer.hpp"

namespace sinew::rl {

struct ClipMetrics {
  int clip = 0, frames = 0, length = 0;  ///< frames simulated (incl. the first), clip length
  bool early_termination = false;
  int reason = 0;
  double joint_rmse = 0, joint_r = NAN, site_error = 0, root_error = NAN, mean_activation = 0;
  int joint_r_joints = 0, joint_r_excluded = 0;
};
struct EvalResult {
  std::vector<ClipMetrics> clips;
  ClipMetrics overall;  ///< means over clips; early_termination as a fraction in `early_rate`
  double early_rate = 0;
  Trajectory rollout;             ///< qpos/qvel per simulated frame, one clip per reference clip
  std::vector<double> act, ctrl;  ///< per rollout frame: na, nu values
  long long overflow = 0;  ///< forward passes whose contacts or constraint rows did not all fit (Data::noverflow)
};

namespace detail {
inline double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = a.size();
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= double(n);
  mb /= double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}
}  // namespace detail

namespace detail {
/// Clip M.clip's tracking metrics from its rolled-out qpos q and site positions sx (M.frames
/// frames): joint r and RMSE over hinge and slide joints, mean relative site error, root error.
inline void tracking_metrics(ClipMetrics& M, const Model<double>& model, const Trajectory& ref,
                             const std::vector<double>& q, const std::vector<double>& sx, const std::vector<int>& sites,
                             int root) {
  const int nq = model.nq, ns = model.nsite;
  const int f0 = ref.split_points[size_t(M.clip)], F = M.frames;
  double se = 0;
  int ne = 0;
  for (int j = 0; j < model.njnt; ++j) {
    const int type = model.jnt_type[size_t(j)];
    if (type != JNT_HINGE && type != JNT_SLIDE) continue;
    const int a = model.jnt_qposadr[size_t(j)];
    std::vector<double> x(static_cast<size_t>(F)), y(static_cast<size_t>(F));
    double lo = 1e300, hi = -1e300;
    for (int f = 0; f < F; ++f) {
      x[size_t(f)] = q[size_t(f) * size_t(nq) + size_t(a)];
      y[size_t(f)] = ref.qpos[size_t(f0 + f) * size_t(nq) + size_t(a)];
      se += (x[size_t(f)] - y[size_t(f)]) * (x[size_t(f)] - y[size_t(f)]);
      ++ne;
      lo = std::min(lo, y[size_t(f)]);
      hi = std::max(hi, y[size_t(f)]);
    }
    if (hi - lo < 0.05 || F < 3) {
      ++M.joint_r_excluded;
      continue;
    }
    const double r = detail::pearson(x, y);
    M.joint_r = std::isnan(M.joint_r) ? r : M.joint_r + r;
    ++M.joint_r_joints;
  }
  if (M.joint_r_joints) M.joint_r /= M.joint_r_joints;
  M.joint_rmse = ne ? std::sqrt(se / ne) : 0.0;
  double s_err = 0;
  int s_n = 0;
  for (int f = 0; f < F; ++f)
    for (size_t i = 1; i < sites.size(); ++i) {
      double e2 = 0;
      for (int k = 0; k < 3; ++k) {
        const double ps = sx[(size_t(f) * size_t(ns) + size_t(sites[i])) * 3 + size_t(k)] -
                          sx[(size_t(f) * size_t(ns) + size_t(sites[0])) * 3 + size_t(k)];
        const double pr = ref.site_xpos[(size_t(f0 + f) * size_t(ns) + size_t(sites[i])) * 3 + size_t(k)] -
                          ref.site_xpos[(size_t(f0 + f) * size_t(ns) + size_t(sites[0])) * 3 + size_t(k)];
        e2 += (ps - pr) * (ps - pr);
      }
      s_err += std::sqrt(e2);
      ++s_n;
    }
  M.site_error = s_n ? s_err / s_n : 0.0;
  if (root >= 0) {
    const int a = model.jnt_qposadr[size_t(root)];
    double re = 0;
    for (int f = 0; f < F; ++f) {
      double e2 = 0;
      for (int k = 0; k < 3; ++k) {
        const double d =
            q[size_t(f) * size_t(nq) + size_t(a + k)] - ref.qpos[size_t(f0 + f) * size_t(nq) + size_t(a + k)];
        e2 += d * d;
      }
      re += std::sqrt(e2);
    }
    M.root_error = re / F;
  }
}
}  // namespace detail

/// Runs the trainer's policy deterministically on every clip of `ref` (the trainer's reference
/// or another motion of the same model at the control rate, kinematics filled).
template <class T, class E>
EvalResult evaluate(E e, const Model<double>& model, const Trajectory& ref, PpoTrainer<T, E>& policy) {
  static_assert(is_host_policy_v<E>, "evaluate runs on host policies");
  TrainConfig cfg = policy.config();
  const int nclip = ref.nclip();
  ImitationConfig ec = env_config(cfg);
  ec.auto_reset = false;
  ec.horizon = 1 << 30;
  ImitationEnv<T, E> env(e, model, ref, nclip, ec, reward_from<T>(cfg), PpoTrainer<T, E>::termination(cfg, true));
  if (env.nobs() != policy.nobs()) throw std::invalid_argument("evaluate: observation size differs from the policy's");
  std::vector<int> clips(static_cast<size_t>(nclip));
  for (int c = 0; c < nclip; ++c) clips[size_t(c)] = c;
  env.set_start_clips(clips);
  env.reset();
  const int nq = model.nq, na = model.na, nu = model.nu;
  std::vector<int> sites;
  for (const auto& n : ec.mimic_sites) sites.push_back(Model<double>::find(model.site_names, n));
  int root = env.root_joint();
  std::vector<std::vector<double>> q(static_cast<size_t>(nclip)), v(static_cast<size_t>(nclip)),
      act(static_cast<size_t>(nclip)), ctrl(static_cast<size_t>(nclip)), sx(static_cast<size_t>(nclip));
  std::vector<char> running(static_cast<size_t>(nclip), 1);
  std::vector<int> reason(static_cast<size_t>(nclip), 0);
  auto record = [&](int c) {
    auto& d = env.data();
    auto put = [&](std::vector<double>& dst, const char* f) {
      const auto x = d.get(f, c);
      dst.insert(dst.end(), x.begin(), x.end());
    };
    put(q[size_t(c)], "qpos");
    put(v[size_t(c)], "qvel");
    put(act[size_t(c)], "act");
    put(ctrl[size_t(c)], "ctrl");
    put(sx[size_t(c)], "site_xpos");
  };
  for (int c = 0; c < nclip; ++c) record(c);
  int maxlen = 0;
  long long overflow = 0;
  for (int c = 0; c < nclip; ++c) maxlen = std::max(maxlen, ref.clip_length(c));
  std::vector<T> action(size_t(nclip) * size_t(nu));
  for (int s = 1; s < maxlen; ++s) {
    bool any = false;
    for (char r : running) any = any || r;
    if (!any) break;
    policy.act_deterministic(env.obs_ptr(), nclip, action.data());
    env.step(action.data());
    const auto term = env.terminated_host(), trunc = env.truncated_host();
    const auto why = env.reason_host();
    std::vector<int> tally;  // noverflow, read once per step in which a clip ends
    for (int c = 0; c < nclip; ++c) {
      if (!running[size_t(c)]) continue;
      if (s < ref.clip_length(c)) record(c);
      if (term[size_t(c)]) {
        running[size_t(c)] = 0;
        reason[size_t(c)] = why[size_t(c)];
      } else if (s >= ref.clip_length(c) - 1 || trunc[size_t(c)]) running[size_t(c)] = 0;
      if (!running[size_t(c)]) {
        if (tally.empty()) tally = env.data().noverflow();
        overflow += tally[size_t(c)];  // what its evaluated frames dropped; later frames do not count
      }
    }
  }
  if (std::find(running.begin(), running.end(), char(1)) != running.end()) {
    const std::vector<int> tally = env.data().noverflow();
    for (int c = 0; c < nclip; ++c)
      if (running[size_t(c)]) overflow += tally[size_t(c)];
  }
  EvalResult R;
  R.overflow = overflow;
  R.rollout = trajectory_for(model, ref.frequency);
  R.rollout.split_points = {0};
  double sum_rmse = 0, sum_r = 0, sum_site = 0, sum_root = 0, sum_act = 0;
  int n_r = 0, n_root = 0, n_early = 0;
  for (int c = 0; c < nclip; ++c) {
    ClipMetrics M;
    M.clip = c;
    M.length = ref.clip_length(c);
    M.frames = int(q[size_t(c)].size() / size_t(nq));
    M.reason = reason[size_t(c)];
    M.early_termination = reason[size_t(c)] != 0;
    detail::tracking_metrics(M, model, ref, q[size_t(c)], sx[size_t(c)], sites, root);
    double as = 0;
    for (double x : act[size_t(c)]) as += x;
    M.mean_activation = na ? as / double(act[size_t(c)].size()) : 0.0;
    sum_rmse += M.joint_rmse;
    if (!std::isnan(M.joint_r)) {
      sum_r += M.joint_r;
      ++n_r;
    }
    sum_site += M.site_error;
    if (!std::isnan(M.root_error)) {
      sum_root += M.root_error;
      ++n_root;
    }
    sum_act += M.mean_activation;
    n_early += M.early_termination;
    R.overall.joint_r_excluded = std::max(R.overall.joint_r_excluded, M.joint_r_excluded);
    R.clips.push_back(M);
    add_clip(R.rollout, q[size_t(c)], v[size_t(c)]);
    R.act.insert(R.act.end(), act[size_t(c)].begin(), act[size_t(c)].end());
    R.ctrl.insert(R.ctrl.end(), ctrl[size_t(c)].begin(), ctrl[size_t(c)].end());
  }
  R.overall.joint_rmse = sum_rmse / nclip;
  R.overall.joint_r = n_r ? sum_r / n_r : NAN;
  R.overall.site_error = sum_site / nclip;
  R.overall.root_error = n_root ? sum_root / n_root : NAN;
  R.overall.mean_activation = sum_act / nclip;
  R.early_rate = double(n_early) / nclip;
  return R;
}

}  // namespace sinew::rl
