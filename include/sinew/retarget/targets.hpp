// The targets of retarget (retarget_detail), from the source motion in the model's frame: Z up,
// the scale (least-squares ratio of model to source bone lengths, or per bone), the offset of
// fixed trees and the yaw and translation fit of free roots on frame 0, and the orientation
// targets calibrated on frame 0 or on the source's rest pose (docs/retargeting.md). Host only.
#pragma once
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "sinew/data/data.hpp"
#include "sinew/kinematics/kinematics.hpp"
#include "sinew/model/model.hpp"
#include "sinew/retarget/backend.hpp"
#include "sinew/retarget/ik.hpp"
#include "sinew/retarget/metrics.hpp"
#include "sinew/retarget/options.hpp"
#include "sinew/retarget/problem.hpp"
#include "sinew/retarget/source.hpp"

namespace sinew::retarget_detail {

inline vec3<double> to_z_up(const double* p, char up) {
  if (up == 'y' || up == 'Y') return {p[2], p[0], p[1]};
  return {p[0], p[1], p[2]};
}

/// to_z_up as a matrix (row-major): the source's axes turned to Z up.
inline mat3<double> z_up_matrix(char up) {
  return (up == 'y' || up == 'Y') ? mat3<double>{{0, 0, 1, 1, 0, 0, 0, 1, 0}} : mat3<double>::identity();
}

/// The least-squares yaw (about Z) that turns the points a onto the points b, each set centred
/// on its centroid (returned in ca and cb); 0 when the XY sums vanish. a and b are not empty.
inline double fit_yaw(const std::vector<vec3<double>>& a, const std::vector<vec3<double>>& b, vec3<double>& ca,
                      vec3<double>& cb) {
  ca = vec3<double>::zero();
  cb = vec3<double>::zero();
  for (size_t i = 0; i < a.size(); ++i) {
    ca += a[i];
    cb += b[i];
  }
  ca = (1.0 / int(a.size())) * ca;
  cb = (1.0 / int(a.size())) * cb;
  double sc = 0, ss = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const vec3<double> u = a[i] - ca, v = b[i] - cb;
    sc += u.x * v.x + u.y * v.y;
    ss += u.x * v.y - u.y * v.x;
  }
  return (sc == 0 && ss == 0) ? 0 : std::atan2(ss, sc);
}

/// Depth of each source joint in its hierarchy.
inline int depth(const SourceMotion& s, int j) {
  int n = 0;
  for (int i = j; i >= 0 && n <= s.njoint(); i = s.parent[size_t(i)]) ++n;
  return n;
}

/// The model's keypoint positions at qpos0.
inline std::vector<vec3<double>> keypoints_at_qpos0(const Model<double>& model, const Problem& P) {
  const int nq = model.nq, K = int(P.kp.size());
  Data<double> d0(model.sizes(), 1);
  auto w0 = d0.view().world(0);
  for (int i = 0; i < nq; ++i) w0.qpos[i] = model.qpos0[size_t(i)];
  kinematics(P.m, w0);
  std::vector<vec3<double>> pm(static_cast<size_t>(K));
  for (int k = 0; k < K; ++k) pm[size_t(k)] = keypoint_pos(w0, P.kp[size_t(k)]);
  return pm;
}

/// Bones: each keypoint and its nearest mapped source ancestor (anc, -1: none), with the model's
/// length at qpos0 (lmod) and the source's averaged over the first scale_fit_frames frames (lsrc).
struct Bones {
  std::vector<int> anc;
  std::vector<double> lmod, lsrc;
};

/// The keypoints' bones (Bones) from the source's first frames and the model at qpos0 (pm).
inline Bones bone_lengths(const Problem& P, const SourceMotion& src, const std::vector<vec3<double>>& pm,
                          const RetargetOptions& opt) {
  const int K = int(P.kp.size()), N = src.nframe;
  Bones bones{std::vector<int>(size_t(K), -1), std::vector<double>(size_t(K), 0.0),
              std::vector<double>(size_t(K), 0.0)};
  std::vector<int>& anc = bones.anc;
  std::vector<double>& lmod = bones.lmod;
  std::vector<double>& lsrc = bones.lsrc;
  std::vector<int> kp_of_src(size_t(src.njoint()), -1);
  for (int k = 0; k < K; ++k) kp_of_src[size_t(P.kp[size_t(k)].src)] = k;
  const int nfit = std::max(1, std::min(opt.scale_fit_frames, N));
  for (int k = 0; k < K; ++k) {
    int a = src.parent[size_t(P.kp[size_t(k)].src)];
    int guard = 0;
    while (a >= 0 && kp_of_src[size_t(a)] < 0 && guard++ <= src.njoint()) a = src.parent[size_t(a)];
    if (a < 0 || kp_of_src[size_t(a)] < 0) continue;
    const int ka = kp_of_src[size_t(a)];
    anc[size_t(k)] = ka;
    for (int f = 0; f < nfit; ++f) {
      const vec3<double> dv =
          vec3<double>::load(src.at(f, P.kp[size_t(k)].src)) - vec3<double>::load(src.at(f, P.kp[size_t(ka)].src));
      lsrc[size_t(k)] += norm(dv) / nfit;
    }
    lmod[size_t(k)] = norm(pm[size_t(k)] - pm[size_t(ka)]);
  }
  return bones;
}

/// The scale: opt.scale if positive, else the least-squares ratio of the bone lengths (1, with a
/// warning, when no bone has a mapped ancestor). Sets M.scale.
inline double fit_scale(const Problem& P, const Bones& bones, const RetargetOptions& opt, RetargetMetrics& M) {
  const int K = int(P.kp.size());
  const std::vector<int>& anc = bones.anc;
  const std::vector<double>& lmod = bones.lmod;
  const std::vector<double>& lsrc = bones.lsrc;
  double scale = opt.scale;
  M.scale = scale;
  if (!(scale > 0)) {
    double num = 0, den = 0;
    for (int k = 0; k < K; ++k) {
      if (anc[size_t(k)] < 0) continue;
      const double wgt = P.kp[size_t(k)].sqrtw * P.kp[size_t(k)].sqrtw;
      num += wgt * lmod[size_t(k)] * lsrc[size_t(k)];
      den += wgt * lsrc[size_t(k)] * lsrc[size_t(k)];
    }
    if (den > 0 && num > 0) scale = num / den;
    else {
      scale = 1;
      M.warnings.push_back(
          "no pair of mapped source joints with a mapped ancestor: scale not fitted, 1 used (set "
          "RetargetOptions::scale)");
    }
  }
  M.scale = scale;
  return scale;
}

/// Position targets in the model's frame (nframe x K x 3, before the offset): the scaled source
/// positions, or with per_segment_scale each keypoint at its ancestor's target plus the source
/// bone scaled to the model's bone length (the range of the bone scales goes to M).
inline void position_targets(const Problem& P, const SourceMotion& src, const RetargetOptions& opt, const Bones& bones,
                             double scale, std::vector<double>& targets, RetargetMetrics& M) {
  const int K = int(P.kp.size()), N = src.nframe;
  const std::vector<int>& anc = bones.anc;
  const std::vector<double>& lmod = bones.lmod;
  const std::vector<double>& lsrc = bones.lsrc;
  targets.resize(size_t(N) * size_t(K) * 3);
  std::vector<double> seg(size_t(K), scale);
  if (opt.per_segment_scale) {
    // a bone of (near) zero length in the model or the source keeps the uniform scale
    bool any = false;
    for (int k = 0; k < K; ++k)
      if (anc[size_t(k)] >= 0 && lsrc[size_t(k)] * scale > 1e-9 && lmod[size_t(k)] > 1e-9) {
        seg[size_t(k)] = lmod[size_t(k)] / lsrc[size_t(k)];
        M.min_segment_scale = any ? std::min(M.min_segment_scale, seg[size_t(k)]) : seg[size_t(k)];
        M.max_segment_scale = any ? std::max(M.max_segment_scale, seg[size_t(k)]) : seg[size_t(k)];
        any = true;
      }
  }
  std::vector<int> order(static_cast<size_t>(K), 0);
  for (int k = 0; k < K; ++k) order[size_t(k)] = k;
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return depth(src, P.kp[size_t(a)].src) < depth(src, P.kp[size_t(b)].src); });
  for (int f = 0; f < N; ++f)
    for (int k : order) {
      double* t = targets.data() + (size_t(f) * size_t(K) + size_t(k)) * 3;
      const vec3<double> p = to_z_up(src.at(f, P.kp[size_t(k)].src), opt.source_up);
      const int a = anc[size_t(k)];
      if (!opt.per_segment_scale || a < 0) {
        (scale * p).store(t);
      } else {
        const vec3<double> pa = to_z_up(src.at(f, P.kp[size_t(a)].src), opt.source_up);
        (vec3<double>::load(targets.data() + (size_t(f) * size_t(K) + size_t(a)) * 3) + seg[size_t(k)] * (p - pa))
            .store(t);
      }
    }
}

/// The offset that puts the root-most keypoint on a fixed tree where the model has it at qpos0
/// (added to every target, stored in offset[3]), and the initial configuration: qpos0 with each
/// free root turned and moved by the yaw and translation fit of its tree's keypoints onto the
/// frame-0 targets (opt.align_root).
inline std::vector<double> place_roots(const Model<double>& model, const Problem& P, const SourceMotion& src,
                                       const RetargetOptions& opt, const std::vector<vec3<double>>& pm,
                                       std::vector<double>& targets, double* offset) {
  const int K = int(P.kp.size());
  std::vector<double> qinit(model.qpos0.begin(), model.qpos0.end());
  int anchor = -1;
  for (int k = 0; k < K; ++k)
    if (free_tree(model, P, P.kp[size_t(k)].body) < 0 &&
        (anchor < 0 || depth(src, P.kp[size_t(k)].src) < depth(src, P.kp[size_t(anchor)].src)))
      anchor = k;
  vec3<double> off = vec3<double>::zero();
  if (anchor >= 0) off = pm[size_t(anchor)] - vec3<double>::load(targets.data() + size_t(anchor) * 3);
  off.store(offset);
  for (size_t i = 0; i < targets.size(); i += 3)
    for (int c = 0; c < 3; ++c) targets[i + size_t(c)] += offset[c];
  if (opt.align_root)
    for (size_t t = 0; t < P.free_jnt.size(); ++t) {
      std::vector<vec3<double>> from, to;  // this tree's keypoints: the model's at qpos0, the targets
      for (int k = 0; k < K; ++k)
        if (free_tree(model, P, P.kp[size_t(k)].body) == int(t)) {
          from.push_back(pm[size_t(k)]);
          to.push_back(vec3<double>::load(targets.data() + size_t(k) * 3));
        }
      if (from.empty()) continue;
      vec3<double> cm, ct;
      const double yaw = fit_yaw(from, to, cm, ct);
      const quat<double> qy = axis_angle_quat(vec3<double>{0, 0, 1}, yaw);
      const int a = model.jnt_qposadr[size_t(P.free_jnt[t])];
      const vec3<double> root = vec3<double>::load(qinit.data() + a);
      (rotate(qy, root - cm) + ct).store(qinit.data() + a);
      quat<double> rq = mul(qy, quat<double>::load(qinit.data() + a + 3));
      normalize(rq);
      rq.store(qinit.data() + a + 3);
    }
  return qinit;
}

/// Orientation offsets on the rest pose: C_k = (A R_rest_k)^T Q R0_k, the source's rest pose
/// corresponding to the model at qpos0 (R0), turned about Z by Q, the least-squares yaw from the
/// model's keypoints at qpos0 onto the source's rest keypoints.
inline void orientation_offsets_from_rest(const Model<double>& model, const Problem& P, const SourceMotion& src,
                                          const RetargetOptions& opt, const std::vector<vec3<double>>& pm,
                                          const mat3<double>& A, std::vector<mat3<double>>& C) {
  const int nq = model.nq, K = int(P.kp.size());
  const size_t nj = size_t(src.njoint());
  if (src.rest_rot.size() != nj * 9 || src.rest_pos.size() != nj * 3)
    throw std::invalid_argument(
        "retarget: orient_from_rest needs the source's rest pose (SourceMotion::rest_pos, rest_rot)");
  std::vector<vec3<double>> rest(static_cast<size_t>(K));
  for (int k = 0; k < K; ++k)
    rest[size_t(k)] = to_z_up(src.rest_pos.data() + 3 * size_t(P.kp[size_t(k)].src), opt.source_up);
  vec3<double> cm, cs;
  const mat3<double> Q = quat_to_mat(axis_angle_quat(vec3<double>{0, 0, 1}, fit_yaw(pm, rest, cm, cs)));
  HostSolver hs(P, model.sizes());
  const auto& wd = hs.w;
  for (int i = 0; i < nq; ++i) wd.qpos[i] = model.qpos0[size_t(i)];
  kinematics(P.m, wd);
  for (int k = 0; k < K; ++k)
    if (P.kp[size_t(k)].rot_row >= 0)
      C[size_t(k)] = transpose(A * mat3<double>::load(src.rest_rot.data() + 9 * size_t(P.kp[size_t(k)].src))) * Q *
                     keypoint_rot(wd, P.kp[size_t(k)]);
}

/// Orientation offsets on frame 0: C_k = (A R_src_k(0))^T R_k, R_k the model's orientation at the
/// position-only solution of frame 0 from qinit.
inline void orientation_offsets_from_frame0(const Model<double>& model, const Problem& P, const SourceMotion& src,
                                            const RetargetOptions& opt, const std::vector<double>& qinit,
                                            const std::vector<double>& targets, const std::vector<double>& rot_targets,
                                            const mat3<double>& A, std::vector<mat3<double>>& C) {
  const int nq = model.nq, K = int(P.kp.size());
  Problem P0 = P;  // positions only
  for (Keypoint& k : P0.kp) {
    k.rot_row = -1;
    k.sqrtw_rot = 0;
  }
  P0.nrow = 3 * K;
  HostSolver hs(P0, model.sizes());
  const auto& wd = hs.w;
  for (int i = 0; i < nq; ++i) wd.qpos[i] = qinit[size_t(i)];
  hs.solve(targets.data(), rot_targets.data(), opt.max_iter_seed);
  kinematics(P.m, wd);  // the accepted state (the solver may stop right after a rejected trial)
  for (int k = 0; k < K; ++k)
    if (P.kp[size_t(k)].rot_row >= 0)
      C[size_t(k)] =
          transpose(A * mat3<double>::load(src.rot_at(0, P.kp[size_t(k)].src))) * keypoint_rot(wd, P.kp[size_t(k)]);
}

/// Orientation targets (nframe x K x 9, identity where none): R_target(f) = A R_src(f) C_k (A: the
/// source's axes to Z up). The constant C_k (the source joint frame's offset from the model's body
/// or site frame) is fixed on frame 0: the target equals the model's orientation at the
/// position-only solution of frame 0, so the orientations add what positions leave open (twist
/// about straight limbs) from there on; with opt.orient_from_rest, on the rest pose instead.
inline void orientation_targets(const Model<double>& model, const Problem& P, const SourceMotion& src,
                                const RetargetOptions& opt, const std::vector<vec3<double>>& pm,
                                const std::vector<double>& qinit, const std::vector<double>& targets,
                                std::vector<double>& rot_targets, int norient) {
  const int K = int(P.kp.size()), N = src.nframe;
  rot_targets.assign(size_t(N) * size_t(K) * 9, 0.0);
  for (size_t i = 0; i < rot_targets.size(); i += 9) mat3<double>::identity().store(rot_targets.data() + i);
  if (norient) {
    const mat3<double> A = z_up_matrix(opt.source_up);
    std::vector<mat3<double>> C(size_t(K), mat3<double>::identity());
    if (opt.orient_from_rest) orientation_offsets_from_rest(model, P, src, opt, pm, A, C);
    else orientation_offsets_from_frame0(model, P, src, opt, qinit, targets, rot_targets, A, C);
    for (int k = 0; k < K; ++k) {
      if (P.kp[size_t(k)].rot_row < 0) continue;
      for (int f = 0; f < N; ++f)
        (A * mat3<double>::load(src.rot_at(f, P.kp[size_t(k)].src)) * C[size_t(k)])
            .store(rot_targets.data() + (size_t(f) * size_t(K) + size_t(k)) * 9);
    }
  }
}

}  // namespace sinew::retarget_detail
