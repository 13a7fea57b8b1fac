// Motion retargeting onto any Sinew model: keypoint matching with a fitted scale, per-frame
// inverse kinematics honouring joint limits and joint-coupling equalities, ground-penetration
// correction, and MuscleMimic's quality metrics. Frames are solved in parallel on the policy's
// backend: exec::serial, exec::omp, or exec::Cuda{} in nvcc builds (the model in host memory;
// the passes copy what they need to the device and back).
//
//   sinew::Model<double> model = sinew::load_mjcf("models/skeleton.xml");
//   sinew::SourceMotion src = sinew::source_from_bvh(sinew::load_bvh("walk.bvh"));
//   auto map = sinew::load_keypoint_map("walk_map.txt");     // "source_joint body_or_site [weight]"
//   sinew::RetargetResult r = sinew::retarget(sinew::exec::omp, model, src, map);
//   std::cout << r.metrics.report();
//   sinew::save_trajectory("walk.npz", r.trajectory);        // LocoMuJoCo / MuscleMimic format
//
// Algorithm (docs/retargeting.md):
//  1. Source joint positions are turned to Z up (source_up 'y': (x, y, z) -> (z, x, y)) and
//     scaled by s, the least-squares ratio of model to source bone lengths (each keypoint with its
//     nearest mapped ancestor in the source skeleton; model lengths at qpos0, source lengths
//     averaged over the first frames): s = sum w l_m l_s / sum w l_s^2. A model whose keypoints
//     hang from a fixed base gets the offset that puts the root-most keypoint where the model
//     has it at qpos0; a free root is instead placed by a yaw and translation fit on frame 0.
//  2. Per frame, Levenberg-Marquardt on sum_k w_k |target_k - p_k(q)|^2 over the model's dofs
//     (point Jacobians from com_pos's cdof, kinematics/jacobian.hpp's point_jac; steps integrated on the
//     configuration manifold with integrate_pos). Joint couplings (active EQ_JOINT equalities:
//     q1 - q1_0 = c0 + c1 d + .. + c4 d^4, d = q2 - q2_0) are eliminated: the dependent dof leaves
//     the unknowns, its Jacobian column is folded into the independent one by the chain rule,
//     and after every step it is set exactly from the polynomial (a joint "locked" by an
//     equality without joint2 stays at q1_0 + c0). Limited hinge and slide joints are kept in
//     range by a projected step with an active set (a variable at a bound whose step points
//     out is frozen and the system solved again); limited ball joints are projected onto their
//     cone. Each frame is warm-started from the previous one.
//  3. Frames are split into `nchunk` contiguous chunks; the first frame of every chunk is solved
//     first, in order, each from the previous chunk's first frame (phase 1, serial), then the
//     chunks run in parallel over the policy, one Data world per chunk, each frame warm-started
//     from the one before (phase 2). The chunking does not depend on the policy or the thread
//     count, so serial and OpenMP results are identical (CUDA: the same up to nvcc's fused
//     multiply-adds; on a GPU raise `nchunk` to thousands, one thread solves a chunk).
//  4. Ground: the lowest point of every collision geom (contype or conaffinity non-zero, not on
//     the world body; sphere, capsule, ellipsoid, box and cylinder exactly, meshes by their
//     vertices) must not be below floor_z + ground_clearance; each tree with a free root is
//     lifted by its penetration, per frame or by the clip's largest (GroundMode).
//  5. Metrics (RetargetMetrics): joint-limit violation rate, ground penetration, tendon-jump
//     rate, keypoint position RMSE, time per frame.
//
// The parts: source.hpp (SourceMotion), keypoint_map.hpp, options.hpp (RetargetOptions),
// metrics.hpp (RetargetMetrics), ik.hpp (the problem and the per-frame solve), problem.hpp (the
// problem from the model and the map), targets.hpp (step 1), backend.hpp (where the passes run).
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "sinew/imitation/trajectory.hpp"
#include "sinew/model/model.hpp"
#include "sinew/retarget/backend.hpp"
#include "sinew/retarget/ik.hpp"
#include "sinew/retarget/keypoint_map.hpp"
#include "sinew/retarget/metrics.hpp"
#include "sinew/retarget/options.hpp"
#include "sinew/retarget/problem.hpp"
#include "sinew/retarget/source.hpp"
#include "sinew/retarget/targets.hpp"

namespace sinew {

struct RetargetResult {
  Trajectory trajectory;            ///< one clip at the source's rate, qvel by finite differences
  std::vector<double> qpos;         ///< nframe x nq (same as trajectory.qpos)
  std::vector<double> targets;      ///< nframe x nkeypoint x 3: the scaled source keypoints in the model's frame
  std::vector<double> rot_targets;  ///< nframe x nkeypoint x 9: orientation targets (identity where none)
  std::vector<double> ten_length;   ///< nframe x ntendon
  RetargetMetrics metrics;
  double offset[3] = {0, 0, 0};  ///< translation added after scaling
};

namespace retarget_detail {

/// Rejects an unknown up axis and a source motion without frames, with a non-positive rate, with
/// positions that do not match its joints and frames, or with non-finite positions.
inline void check_input(const SourceMotion& src, const RetargetOptions& opt) {
  const int N = src.nframe;
  if (opt.source_up != 'y' && opt.source_up != 'z' && opt.source_up != 'Y' && opt.source_up != 'Z')
    throw std::invalid_argument("retarget: source_up must be 'y' or 'z'");
  if (N <= 0) throw std::invalid_argument("retarget: the source motion has no frames");
  if (!(src.fps > 0)) throw std::invalid_argument("retarget: the source frame rate must be positive");
  if (src.pos.size() != size_t(N) * size_t(src.njoint()) * 3 || src.parent.size() != src.names.size())
    throw std::invalid_argument("retarget: source positions do not match its joints and frames");
  for (double v : src.pos)
    if (!std::isfinite(v)) throw std::invalid_argument("retarget: the source motion has non-finite positions");
}

/// Phase 1: the chunk boundaries (nchunk + 1 frames) and the first frame of every chunk, solved
/// in order on the host, each from the previous chunk's first frame (the first from qinit), into
/// res.qpos (nframe x nq, zero elsewhere).
inline std::vector<int> solve_chunk_seeds(const Model<double>& model, const Problem& P, const RetargetOptions& opt,
                                          int N, const std::vector<double>& qinit, RetargetResult& res) {
  const int nq = model.nq, K = int(P.kp.size());
  const int nchunk = std::max(1, std::min(opt.nchunk, N));
  std::vector<int> chunk(size_t(nchunk) + 1);
  for (int c = 0; c <= nchunk; ++c) chunk[size_t(c)] = int((long long)(c)*N / nchunk);
  res.qpos.assign(size_t(N) * size_t(nq), 0.0);
  HostSolver hs(P, model.sizes());
  const auto& wd = hs.w;
  for (int i = 0; i < nq; ++i) wd.qpos[i] = qinit[size_t(i)];
  for (int c = 0; c < nchunk; ++c) {
    const int f = chunk[size_t(c)];
    hs.solve(res.targets.data() + size_t(f) * size_t(K) * 3, res.rot_targets.data() + size_t(f) * size_t(K) * 9,
             opt.max_iter_seed);
    for (int i = 0; i < nq; ++i) res.qpos[size_t(f) * size_t(nq) + size_t(i)] = wd.qpos[i];
  }
  return chunk;
}

/// What the evaluation pass of the final clip leaves besides the tendon lengths: per frame the
/// lowest points (nframe x (nfree + 1): per free tree, then the other geoms) and the keypoint
/// errors (nframe x 4, EvalFn::sqerr).
struct Evaluation {
  std::vector<double> lowest, sqerr;
};

/// Ground correction on `backend` (a Backend): each liftable tree lifted by its penetration below
/// floor_z + ground_clearance, per frame or by the clip's largest (GroundMode; the largest lift in
/// res.metrics), then the evaluation of the final clip (tendon lengths into res.ten_length).
template <class B>
Evaluation correct_ground(const B& backend, const Model<double>& model, const Problem& P, const RetargetOptions& opt,
                          int N, RetargetResult& res) {
  RetargetMetrics& M = res.metrics;
  const int nfree = int(P.free_jnt.size()), nten = model.ntendon;
  Evaluation ev{std::vector<double>(size_t(N) * size_t(nfree + 1)), std::vector<double>(size_t(N) * 4)};
  std::vector<double>& lowest = ev.lowest;
  std::vector<double>& sqerr = ev.sqerr;
  res.ten_length.assign(size_t(N) * size_t(nten), 0.0);
  const int batch = std::max(1, std::min(opt.batch, N));
  auto eval_all = [&](const double* lift, double* ten) {
    backend.evaluate(N, batch, res.targets, res.rot_targets, res.qpos, lift, lowest, ten, sqerr);
  };
  const double floor_target = opt.floor_z + opt.ground_clearance;
  if (opt.ground != GroundMode::none && nfree > 0) {
    eval_all(nullptr, nullptr);
    std::vector<double> lift(size_t(N) * size_t(nfree), 0.0);
    for (int t = 0; t < nfree; ++t) {
      double clip_max = 0;
      for (int f = 0; f < N; ++f) {
        const double lo = lowest[size_t(f) * size_t(nfree + 1) + size_t(t)];
        const double l = std::isfinite(lo) ? std::max(0.0, floor_target - lo) : 0.0;
        lift[size_t(f) * size_t(nfree) + size_t(t)] = l;
        clip_max = std::max(clip_max, l);
      }
      if (opt.ground == GroundMode::whole_clip)
        for (int f = 0; f < N; ++f) lift[size_t(f) * size_t(nfree) + size_t(t)] = clip_max;
      M.max_ground_lift = std::max(M.max_ground_lift, clip_max);
    }
    eval_all(lift.data(), res.ten_length.data());
  } else {
    eval_all(nullptr, res.ten_length.data());
  }
  return ev;
}

}  // namespace retarget_detail

/// Retargets `src` onto `model` through the keypoint map. `exec` is exec::serial, exec::omp or
/// (nvcc builds) exec::Cuda; the model is the host Model either way.
template <class E>
RetargetResult retarget(E exec, const Model<double>& model, const SourceMotion& src,
                        const std::vector<KeypointMap>& map, const RetargetOptions& opt = {}) {
  using namespace retarget_detail;
  const auto t_start = std::chrono::steady_clock::now();
  check_input(src, opt);
  const int N = src.nframe;
  RetargetResult res;
  RetargetMetrics& M = res.metrics;
  const Problem P = build_problem(model, src, map, opt, M);

  // step 1 (targets.hpp): the scale, the targets, the initial configuration, the orientation targets
  const std::vector<vec3<double>> pm = keypoints_at_qpos0(model, P);
  const Bones bones = bone_lengths(P, src, pm, opt);
  const double scale = fit_scale(P, bones, opt, M);
  position_targets(P, src, opt, bones, scale, res.targets, M);
  const std::vector<double> qinit = place_roots(model, P, src, opt, pm, res.targets, res.offset);
  orientation_targets(model, P, src, opt, pm, qinit, res.targets, res.rot_targets, M.norient);

  // phase 1: chunk seeds in order (host); phase 2: chunks in parallel on the backend
  const std::vector<int> chunk = solve_chunk_seeds(model, P, opt, N, qinit, res);
  const Backend<E> backend(exec, model, P);
  backend.solve_chunks(chunk, res.targets, res.rot_targets, res.qpos);

  // ground correction, evaluation, metrics
  const Evaluation ev = correct_ground(backend, model, P, opt, N, res);
  compute_metrics(model, P, N, src.fps, opt, ev.lowest, ev.sqerr, res.qpos, res.ten_length, M);
  res.trajectory = trajectory_for(model, src.fps);
  add_clip(res.trajectory, res.qpos);
  M.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  M.ms_per_frame = 1e3 * M.total_seconds / N;
  return res;
}

}  // namespace sinew
