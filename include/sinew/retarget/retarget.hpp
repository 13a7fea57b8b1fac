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
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/data/data.hpp"
#include "sinew/exec/parallel_for.hpp"
#include "sinew/imitation/trajectory.hpp"
#include "sinew/integrate/integrate_pos.hpp"
#include "sinew/io/error.hpp"
#include "sinew/kinematics/com_pos.hpp"
#include "sinew/kinematics/jacobian.hpp"
#include "sinew/math/cholesky.hpp"
#include "sinew/kinematics/kinematics.hpp"
#include "sinew/model/device_model.hpp"
#include "sinew/model/model.hpp"
#include "sinew/retarget/bvh.hpp"
#include "sinew/retarget/smplh.hpp"
#include "sinew/tendon/tendon.hpp"

#if defined(__CUDACC__)
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#endif

namespace sinew {

// ---- source motion and keypoint map ----

/// Joint positions of a source skeleton over time, in the source's units and axes.
struct SourceMotion {
  std::vector<std::string> names;
  std::vector<int> parent;      ///< -1 for a root
  int nframe = 0;
  double fps = 0;
  std::vector<double> pos;      ///< nframe x njoint x 3
  std::vector<double> rot;      ///< nframe x njoint x 9: world rotations (row-major, source axes); empty when unknown
  /// The skeleton's rest pose (every joint at zero), where the source defines one: njoint x 3
  /// positions and njoint x 9 world rotations; empty when unknown. RetargetOptions::orient_from_rest.
  std::vector<double> rest_pos, rest_rot;
  int njoint() const { return int(names.size()); }
  int find(const std::string& n) const {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == n) return int(i);
    return -1;
  }
  const double* at(int f, int j) const { return pos.data() + (size_t(f) * names.size() + size_t(j)) * 3; }
  const double* rot_at(int f, int j) const { return rot.data() + (size_t(f) * names.size() + size_t(j)) * 9; }
};

/// The joints of a BVH file (End Sites included, named "<parent>_end"), with the rest pose (every
/// channel zero).
inline SourceMotion source_from_bvh(const Bvh& b) {
  SourceMotion s;
  for (const BvhJoint& j : b.joints) { s.names.push_back(j.name); s.parent.push_back(j.parent); }
  s.nframe = b.nframe;
  s.fps = b.fps();
  s.pos.resize(size_t(b.nframe) * b.joints.size() * 3);
  s.rot.resize(size_t(b.nframe) * b.joints.size() * 9);
  for (int f = 0; f < b.nframe; ++f)
    bvh_frame_pose(b, f, s.pos.data() + size_t(f) * b.joints.size() * 3, s.rot.data() + size_t(f) * b.joints.size() * 9);
  // the rest pose: every channel zero (the skeleton as its OFFSETs draw it)
  Bvh rest;  // the joints only: the motion is not copied
  rest.joints = b.joints;
  rest.nchannel = b.nchannel;
  rest.nframe = 1;
  rest.motion.assign(size_t(b.nchannel), 0.0);
  s.rest_pos.resize(b.joints.size() * 3);
  s.rest_rot.resize(b.joints.size() * 9);
  bvh_frame_pose(rest, 0, s.rest_pos.data(), s.rest_rot.data());
  return s;
}

/// The joints of an SMPL-H sequence (smplh_joint_names), metres, Z up.
inline SourceMotion source_from_smplh(const SmplhBodyModel& bm, const SmplhSequence& seq) {
  SourceMotion s;
  s.names = smplh_joint_names(bm.njoint);
  s.parent = bm.parents;
  s.nframe = seq.nframe;
  s.fps = seq.fps;
  s.pos = smplh_joint_positions(bm, seq, &s.rot);
  return s;
}

/// One line of a keypoint map: a source joint, the model body or site that follows it, a weight,
/// and the weight of its orientation target (0: position only).
struct KeypointMap {
  std::string source, target;
  double weight = 1;
  double orient = 0;
  std::string file;  ///< where it was read (for error messages), empty if built in code
  int line = 0;
};

/// Reads a keypoint map: one "source_joint model_body_or_site [weight] [orient=W]" per line, '#'
/// comments. A target "site:NAME" or "body:NAME" forces the kind; a bare name is a body first,
/// then a site. orient=W adds an orientation target of weight W (per rad^2; see retargeting.md).
inline std::vector<KeypointMap> parse_keypoint_map(const std::string& text, const std::string& file = "<string>") {
  std::vector<KeypointMap> out;
  std::istringstream in(text);
  std::string line;
  int ln = 0;
  while (std::getline(in, line)) {
    ++ln;
    const size_t h = line.find('#');
    if (h != std::string::npos) line.resize(h);
    std::istringstream ls(line);
    std::vector<std::string> w;
    for (std::string t; ls >> t;) w.push_back(t);
    if (w.empty()) continue;
    if (w.size() < 2 || w.size() > 4)
      throw ModelError(SourceLocation{file, ln, ""}, "expected 'source_joint model_body_or_site [weight] [orient=W]', got " +
                                                        std::to_string(w.size()) + " words");
    KeypointMap k{w[0], w[1], 1.0, 0.0, file, ln};
    bool have_weight = false;
    for (size_t i = 2; i < w.size(); ++i) {
      const bool orient = w[i].rfind("orient=", 0) == 0;
      if (!orient && have_weight)
        throw ModelError(SourceLocation{file, ln, ""}, "two position weights; an orientation weight is written orient=W");
      const std::string num = orient ? w[i].substr(7) : w[i];
      char* e = nullptr;
      const double v = std::strtod(num.c_str(), &e);
      if (num.empty() || *e != '\0' || !std::isfinite(v) || v <= 0 || (orient && k.orient > 0))
        throw ModelError(SourceLocation{file, ln, ""}, std::string(orient ? "orientation " : "") +
                                                          "weight must be a positive number (given once), got '" + w[i] + "'");
      (orient ? k.orient : k.weight) = v;
      have_weight = have_weight || !orient;
    }
    out.push_back(k);
  }
  if (out.empty()) throw ModelError(SourceLocation{file, 0, ""}, "the keypoint map has no entries");
  return out;
}

inline std::vector<KeypointMap> load_keypoint_map(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw ModelError(SourceLocation{path, 0, ""}, "cannot open keypoint map");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_keypoint_map(ss.str(), path);
}

// ---- options, metrics, result ----

enum class GroundMode { none, per_frame, whole_clip };

struct RetargetOptions {
  char source_up = 'y';          ///< 'y' (BVH) or 'z' (AMASS): the source's up axis
  double scale = 0;              ///< > 0: use this scale; 0: fit it (bone-length least squares)
  bool per_segment_scale = false;  ///< scale each source bone to the model's bone length (see retargeting.md)
  int scale_fit_frames = 10;     ///< source frames averaged for the bone lengths
  int max_iter_seed = 200;       ///< LM iterations of each chunk's first frame
  int max_iter = 50;             ///< LM iterations of a warm-started frame
  double step_tol = 1e-10;       ///< stop when the largest step component is below this (rad or m)
  double lambda0 = 1e-6;         ///< initial LM damping (m^2 per unit dof^2)
  int nchunk = 32;               ///< frame chunks solved in parallel (results do not depend on threads)
  bool align_root = true;        ///< yaw and translation fit of free roots on frame 0 before the IK
  bool orient_from_rest = false;  ///< calibrate orientation targets on the source's rest pose against the model at qpos0 (see retargeting.md)
  GroundMode ground = GroundMode::per_frame;
  double floor_z = 0;            ///< height of the floor
  double ground_clearance = 0;   ///< lowest collision point is lifted to floor_z + this
  double tendon_jump = 0.01;     ///< tendon-jump threshold in m per frame at 30 Hz (scaled by 30 / fps)
  double limit_tol = 1e-6;       ///< a limited joint this far outside its range counts as a violation
  int batch = 64;                ///< worlds (frames) per batch in the evaluation pass
};

/// Quality of one retargeted clip (MuscleMimic's metrics).
struct RetargetMetrics {
  int nframe = 0, nkeypoint = 0, nlimited = 0, ntendon = 0, ncoupling = 0;
  double fps = 0, scale = 0;
  double min_segment_scale = 0, max_segment_scale = 0;  ///< per_segment_scale: range of the bone scales (0 when off)
  double joint_limit_violation_rate = 0;  ///< violations / (frames x limited joints)
  int joint_limit_violations = 0;
  double max_limit_violation = 0;         ///< largest excess over a range (rad or m)
  std::string worst_limit_joint;
  double max_coupling_error = 0;          ///< largest |q1 - f(q2)| over frames and couplings
  double max_penetration = 0, mean_penetration = 0;  ///< m below the floor after correction
  double max_ground_lift = 0;             ///< largest lift applied by the correction
  double tendon_jump_threshold = 0;       ///< m per frame at this clip's rate
  double tendon_jump_rate = 0;            ///< transitions with a jump / (frames - 1)
  /// MuscleMimic's definition: a tendon's length change over a transition above 10x the mean of
  /// its changes over the transitions before (from the second transition on; changes below 1 um
  /// never count, so a still tendon's rounding is no jump). Rate per
  /// (tendon, transition) pair, and the share of transitions in which some tendon jumps.
  double tendon_jump_rate_mm = 0, tendon_jump_transitions_mm = 0;
  double position_rmse = 0, max_position_error = 0;  ///< keypoints, m
  int norient = 0;                        ///< keypoints with an orientation target
  double orientation_rmse = 0, max_orientation_error = 0;  ///< those keypoints, rad
  double ms_per_frame = 0, total_seconds = 0;
  std::vector<std::string> warnings;

  std::string report() const {
    char b[512];
    std::string s;
    std::snprintf(b, sizeof b, "frames %d at %.4g Hz, %d keypoints, scale %.6g\n", nframe, fps, nkeypoint, scale);
    s += b;
    if (max_segment_scale > 0) {
      std::snprintf(b, sizeof b, "segment scales              %.6g .. %.6g (per segment)\n", min_segment_scale, max_segment_scale);
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
    } else
      std::snprintf(b, sizeof b, "tendon-jump rate            n/a (model has no tendons)\n");
    s += b;
    std::snprintf(b, sizeof b, "keypoint position RMSE      %.4g m (max %.4g m)\n", position_rmse, max_position_error);
    s += b;
    if (norient) {
      std::snprintf(b, sizeof b, "orientation RMSE            %.4g rad (max %.4g rad, %d keypoints)\n", orientation_rmse,
                    max_orientation_error, norient);
      s += b;
    }
    std::snprintf(b, sizeof b, "time per frame              %.4g ms (%.3g s total)\n", ms_per_frame, total_seconds);
    s += b;
    for (const std::string& w : warnings) s += "warning: " + w + "\n";
    return s;
  }
};

struct RetargetResult {
  Trajectory trajectory;          ///< one clip at the source's rate, qvel by finite differences
  std::vector<double> qpos;       ///< nframe x nq (same as trajectory.qpos)
  std::vector<double> targets;    ///< nframe x nkeypoint x 3: the scaled source keypoints in the model's frame
  std::vector<double> rot_targets;  ///< nframe x nkeypoint x 9: orientation targets (identity where none)
  std::vector<double> ten_length; ///< nframe x ntendon
  RetargetMetrics metrics;
  double offset[3] = {0, 0, 0};   ///< translation added after scaling
};

// ---- the IK problem ----

namespace retarget_detail {

struct Keypoint {
  int src = -1, body = 0, site = -1;
  double sqrtw = 1;
  double sqrtw_rot = 0;  ///< orientation weight (rows only where rot_row >= 0)
  int rot_row = -1;      ///< first of its 3 orientation residual rows, or -1
};

/// q[dep] = q0[dep] + c0 + c1 d + c2 d^2 + c3 d^3 + c4 d^4, d = q[ind] - q0[ind] (ind < 0: locked).
struct Coupling {
  int dep_q = 0, dep_v = 0, ind_q = -1, ind_v = -1, eq = 0;
  double c[5] = {0, 0, 0, 0, 0};
  double ref_dep = 0, ref_ind = 0;
  SINEW_HD double value(double qi) const {
    if (ind_q < 0) return ref_dep + c[0];
    const double d = qi - ref_ind;
    return ref_dep + c[0] + d * (c[1] + d * (c[2] + d * (c[3] + d * c[4])));
  }
  SINEW_HD double deriv(double qi) const {
    const double d = qi - ref_ind;
    return c[1] + d * (2 * c[2] + d * (3 * c[3] + d * 4 * c[4]));
  }
};

/// What the per-world solver reads: the model and the problem's arrays, by pointer (host or
/// device memory), trivially copyable so that it travels by value into the backend's functors.
struct ProblemView {
  ModelView<double> m;
  const Keypoint* kp = nullptr;
  const Coupling* cpl = nullptr;
  const int* var_of_dof = nullptr;   ///< variable index of a dof, -1 if eliminated by a coupling
  const int* dof_of_var = nullptr;
  const int* lim_jnt = nullptr;      ///< limited hinge, slide and ball joints (not eliminated)
  const int* ground_geom = nullptr;  ///< collision geoms that must stay above the floor
  const int* geom_tree = nullptr;    ///< per ground geom: index into the free joints, or -1
  const int* free_jnt = nullptr;     ///< free joints whose tree root is their body (liftable)
  int nkp = 0, ncpl = 0, nlim = 0, nground = 0, nfree = 0;
  int nvar = 0;
  int nrow = 0;                      ///< residual rows: 3 per keypoint, then 3 per orientation target
  int max_iter = 50;
  double lambda0 = 1e-6, step_tol = 1e-10;
};

/// The problem built on the host (owning); view() points at its arrays.
struct Problem {
  ModelView<double> m;
  std::vector<Keypoint> kp;
  std::vector<Coupling> cpl;
  std::vector<int> var_of_dof, dof_of_var, lim_jnt, ground_geom, free_jnt, geom_tree;
  int nvar = 0;
  int nrow = 0;
  RetargetOptions opt;

  ProblemView view() const { return view_with(m, kp.data(), cpl.data(), var_of_dof.data(), dof_of_var.data(), lim_jnt.data(),
                                              ground_geom.data(), geom_tree.data(), free_jnt.data()); }
  /// The same problem over other copies of its arrays (device memory).
  ProblemView view_with(const ModelView<double>& mv, const Keypoint* k, const Coupling* c, const int* vod, const int* dov,
                        const int* lim, const int* gg, const int* gt, const int* fj) const {
    ProblemView v;
    v.m = mv;
    v.kp = k; v.cpl = c; v.var_of_dof = vod; v.dof_of_var = dov; v.lim_jnt = lim;
    v.ground_geom = gg; v.geom_tree = gt; v.free_jnt = fj;
    v.nkp = int(kp.size()); v.ncpl = int(cpl.size()); v.nlim = int(lim_jnt.size());
    v.nground = int(ground_geom.size()); v.nfree = int(free_jnt.size());
    v.nvar = nvar; v.nrow = nrow;
    v.max_iter = opt.max_iter; v.lambda0 = opt.lambda0; v.step_tol = opt.step_tol;
    return v;
  }
};

SINEW_INLINE double dmax(double a, double b) { return a > b ? a : b; }
SINEW_INLINE double dmin(double a, double b) { return a < b ? a : b; }

/// Per-world scratch (owned by the host, one slice per world).
struct Work {
  double *J, *H, *A, *g, *b, *dx, *dxv, *r, *qsave;
  int *freev, *frozen;
};

SINEW_INLINE size_t work_reals(const ProblemView& P) {
  const size_t R = size_t(P.nrow), nv = size_t(P.m.size.nv), n = size_t(P.nvar);
  return R * nv + 2 * n * n + 3 * n + nv + R + size_t(P.m.size.nq);
}

/// Integer scratch per world: the free and frozen variable lists.
SINEW_INLINE size_t work_ints(const ProblemView& P) { return 2 * size_t(P.nvar > 1 ? P.nvar : 1); }

SINEW_INLINE Work make_work(const ProblemView& P, double* base, int* ibase) {
  const size_t R = size_t(P.nrow), nv = size_t(P.m.size.nv), n = size_t(P.nvar);
  Work w;
  w.J = base; base += R * nv;
  w.H = base; base += n * n;
  w.A = base; base += n * n;
  w.g = base; base += n;
  w.b = base; base += n;
  w.dx = base; base += n;
  w.dxv = base; base += nv;
  w.r = base; base += R;
  w.qsave = base;
  w.freev = ibase;
  w.frozen = ibase + work_ints(P) / 2;
  return w;
}

SINEW_INLINE vec3<double> keypoint_pos(const WorldData<double, WorldOuter>& d, const Keypoint& k) {
  return k.site >= 0 ? get3(d.site_xpos, k.site) : get3(d.xpos, k.body);
}

/// Keeps independent limited joints in range and sets coupled joints from their polynomial.
template <class Q> SINEW_INLINE void apply_constraints(const ProblemView& P, const Q& q) {
  const ModelView<double>& m = P.m;
  for (int l = 0; l < P.nlim; ++l) {
    const int j = P.lim_jnt[l];
    const int a = m.jnt_qposadr[j];
    const double lo = m.jnt_range[2 * j], hi = m.jnt_range[2 * j + 1];
    if (m.jnt_type[j] == JNT_BALL) {
      quat<double> qq{q[a], q[a + 1], q[a + 2], q[a + 3]};
      normalize(qq);
      if (qq.w < 0) qq = {-qq.w, -qq.x, -qq.y, -qq.z};
      vec3<double> v = qq.vec();
      const double s = normalize(v), ang = 2 * std::atan2(s, qq.w);
      if (ang > hi) qq = axis_angle_quat(v, hi);
      q[a] = qq.w; q[a + 1] = qq.x; q[a + 2] = qq.y; q[a + 3] = qq.z;
    } else {
      q[a] = q[a] < lo ? lo : (q[a] > hi ? hi : q[a]);
    }
  }
  for (int ci = 0; ci < P.ncpl; ++ci) {
    const Coupling& c = P.cpl[ci];
    q[c.dep_q] = c.value(c.ind_q >= 0 ? q[c.ind_q] : 0.0);
  }
}

/// World rotation of a keypoint's body or site.
SINEW_INLINE mat3<double> keypoint_rot(const WorldData<double, WorldOuter>& d, const Keypoint& k) {
  return k.site >= 0 ? getm(d.site_xmat, k.site) : getm(d.xmat, k.body);
}

/// Rotation vector (world frame) that turns the keypoint's frame onto its orientation target:
/// log(R_target R^T).
SINEW_INLINE vec3<double> orientation_error(const WorldData<double, WorldOuter>& d, const Keypoint& k, const double* rtarget) {
  const mat3<double> Rt = mat3<double>::load(rtarget), R = keypoint_rot(d, k);
  return mat_to_rotvec(Rt * transpose(R));
}

/// Kinematics at d.qpos and the weighted residual: rows 3k.. sqrt(w_k) (target_k - p_k), then
/// for keypoints with an orientation target sqrt(w_rot) log(R_target R^T); returns 0.5 |r|^2.
SINEW_INLINE double evaluate(const ProblemView& P, const WorldData<double, WorldOuter>& d, const double* target, const double* rtarget,
                       double* r) {
  kinematics(P.m, d);
  com_pos(P.m, d);
  double c = 0;
  for (size_t k = 0; k < size_t(P.nkp); ++k) {
    const vec3<double> p = keypoint_pos(d, P.kp[k]);
    for (int i = 0; i < 3; ++i) {
      r[3 * k + size_t(i)] = P.kp[k].sqrtw * (target[3 * k + size_t(i)] - p[i]);
      c += r[3 * k + size_t(i)] * r[3 * k + size_t(i)];
    }
    if (P.kp[k].rot_row >= 0) {
      const vec3<double> e = orientation_error(d, P.kp[k], rtarget + 9 * k);
      for (int i = 0; i < 3; ++i) {
        double& ri = r[P.kp[k].rot_row + i];
        ri = P.kp[k].sqrtw_rot * e[i];
        c += ri * ri;
      }
    }
  }
  return 0.5 * c;
}

/// In-place Cholesky solve of the n x n SPD matrix A (row-major) with right-hand side b; false if
/// not SPD (math/cholesky.hpp, the solver's factorization).
SINEW_INLINE bool cholesky_solve(double* A, double* b, int n) {
  if (cholesky::chol_factor_spd<double>(A, n) != n) return false;
  cholesky::chol_solve<double>(A, n, b, b);
  return true;
}

/// Gauss-Newton normal equations over the variables: H = J^T J, g = J^T r (J with coupled
/// columns folded into their independent dof by the chain rule). J is stored transposed (a row
/// of 3K values per dof) so that the products run over contiguous memory.
SINEW_INLINE void normal_equations(const ProblemView& P, const WorldData<double, WorldOuter>& d, const Work& w) {
  const ModelView<double>& m = P.m;
  const int nv = m.size.nv, K = P.nkp, n = P.nvar, R = P.nrow;
  for (size_t i = 0; i < size_t(R) * size_t(nv); ++i) w.J[i] = 0;
  for (int k = 0; k < K; ++k) {
    const Keypoint& kp = P.kp[size_t(k)];
    const vec3<double> off = keypoint_pos(d, kp) - get3(d.subtree_com, m.body_rootid[kp.body]);
    for (int j = tendon_detail::last_dof(m, kp.body); j >= 0; j = m.dof_parentid[j]) {
      const vec3<double> c = point_jac(d, j, off);
      for (int i = 0; i < 3; ++i) w.J[size_t(j) * size_t(R) + size_t(3 * k + i)] = kp.sqrtw * c[i];
      if (kp.rot_row >= 0)  // angular velocity of the body per unit dof velocity: cdof's rotation part
        for (int i = 0; i < 3; ++i) w.J[size_t(j) * size_t(R) + size_t(kp.rot_row + i)] = kp.sqrtw_rot * d.cdof[6 * j + i];
    }
  }
  for (int ci = 0; ci < P.ncpl; ++ci) {
    const Coupling& c = P.cpl[ci];
    double* dep = w.J + size_t(c.dep_v) * size_t(R);
    if (c.ind_v >= 0) {
      const double dd = c.deriv(d.qpos[c.ind_q]);
      double* ind = w.J + size_t(c.ind_v) * size_t(R);
      for (int row = 0; row < R; ++row) ind[row] += dd * dep[row];
    }
    for (int row = 0; row < R; ++row) dep[row] = 0;
  }
  for (int a = 0; a < n; ++a) {
    const double* Ja = w.J + size_t(P.dof_of_var[size_t(a)]) * size_t(R);
    double g = 0;
    for (int row = 0; row < R; ++row) g += Ja[row] * w.r[row];
    w.g[a] = g;
    for (int bb = 0; bb <= a; ++bb) {
      const double* Jb = w.J + size_t(P.dof_of_var[size_t(bb)]) * size_t(R);
      double h = 0;
      for (int row = 0; row < R; ++row) h += Ja[row] * Jb[row];
      w.H[a * n + bb] = w.H[bb * n + a] = h;
    }
  }
}

/// Damped step over the free variables with an active set for limited hinge/slide joints at a
/// bound: a variable sitting at a bound whose step points outward is frozen and the system
/// solved again. Writes the step per dof into w.dxv. Returns false if the system is singular.
SINEW_INLINE bool damped_step(const ProblemView& P, const WorldData<double, WorldOuter>& d, const Work& w, double lambda) {
  const ModelView<double>& m = P.m;
  const int n = P.nvar;
  for (int a = 0; a < n; ++a) w.frozen[a] = 0;
  for (int pass = 0; pass < 8; ++pass) {
    int nf = 0;
    for (int a = 0; a < n; ++a)
      if (!w.frozen[a]) w.freev[nf++] = a;
    for (int i = 0; i < nf; ++i) {
      for (int k = 0; k < nf; ++k) w.A[i * nf + k] = w.H[w.freev[i] * n + w.freev[k]];
      w.A[i * nf + i] += lambda;
      w.b[i] = w.g[w.freev[i]];
    }
    if (!cholesky_solve(w.A, w.b, nf)) return false;
    for (int a = 0; a < n; ++a) w.dx[a] = 0;
    for (int i = 0; i < nf; ++i) w.dx[w.freev[i]] = w.b[i];
    bool changed = false;
    for (int l = 0; l < P.nlim; ++l) {
    const int j = P.lim_jnt[l];
      if (m.jnt_type[j] == JNT_BALL) continue;
      const int a = P.var_of_dof[size_t(m.jnt_dofadr[j])];
      if (a < 0 || w.frozen[a]) continue;
      const double q = d.qpos[m.jnt_qposadr[j]], lo = m.jnt_range[2 * j], hi = m.jnt_range[2 * j + 1];
      const double eps = 1e-12 * (1 + std::fabs(q));
      if ((q <= lo + eps && w.dx[a] < 0) || (q >= hi - eps && w.dx[a] > 0)) {
        w.frozen[a] = 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (int i = 0; i < m.size.nv; ++i) w.dxv[i] = 0;
  for (int a = 0; a < n; ++a) w.dxv[P.dof_of_var[size_t(a)]] = w.dx[a];
  return true;
}

/// Solves one frame in world d, starting from d.qpos; leaves the solution in d.qpos.
SINEW_INLINE void solve_frame(const ProblemView& P, const WorldData<double, WorldOuter>& d, const double* target, const double* rtarget,
                        int max_iter, const Work& w) {
  const ModelView<double>& m = P.m;
  const int nq = m.size.nq;
  apply_constraints(P, d.qpos);
  double cost = evaluate(P, d, target, rtarget, w.r);
  double lambda = P.lambda0;
  for (int it = 0; it < max_iter && P.nvar > 0; ++it) {
    normal_equations(P, d, w);
    bool accepted = false;
    double step = 0;
    bool converged = false;
    while (lambda < 1e12) {
      if (!damped_step(P, d, w, lambda)) { lambda *= 10; continue; }
      step = 0;
      for (int i = 0; i < m.size.nv; ++i) step = dmax(step, std::fabs(w.dxv[i]));
      if (step < P.step_tol) { converged = true; break; }  // below the noise: no trial needed
      for (int i = 0; i < nq; ++i) w.qsave[i] = d.qpos[i];
      integrate_pos(m, d.qpos, w.dxv, 1.0);
      apply_constraints(P, d.qpos);
      const double c = evaluate(P, d, target, rtarget, w.r);
      if (c <= cost) {
        accepted = true;
        const bool tiny = cost - c <= 1e-15 * cost;
        cost = c;
        lambda = dmax(lambda * 0.1, 1e-12);
        if (tiny) step = 0;
        break;
      }
      for (int i = 0; i < nq; ++i) d.qpos[i] = w.qsave[i];
      lambda *= 10;
    }
    if (converged) break;
    if (!accepted) {  // no descent at any damping: at a (constrained) minimum
      evaluate(P, d, target, rtarget, w.r);
      break;
    }
    if (step < P.step_tol || cost < 1e-30) break;
  }
}

/// Phase 2: each world solves its chunk's frames in order, warm-started.
struct ChunkFn {
  ProblemView P;
  DataView<double, WorldOuter> d;
  const double* targets;        ///< nframe x K x 3
  const double* rot_targets;    ///< nframe x K x 9
  double* qpos;                 ///< nframe x nq (chunk seeds already filled)
  const int* chunk;             ///< nchunk + 1 boundaries
  double* work;
  int* iwork;
  size_t work_stride, iwork_stride;
  SINEW_HD void operator()(int c) const {
    const auto wd = d.world(c);
    const Work w = make_work(P, work + work_stride * size_t(c), iwork + iwork_stride * size_t(c));
    const int nq = P.m.size.nq;
    const size_t K3 = size_t(P.nkp) * 3;
    for (int i = 0; i < nq; ++i) wd.qpos[i] = qpos[size_t(chunk[c]) * size_t(nq) + size_t(i)];
    for (int f = chunk[c] + 1; f < chunk[c + 1]; ++f) {
      solve_frame(P, wd, targets + size_t(f) * K3, rot_targets + size_t(f) * K3 * 3, P.max_iter, w);
      for (int i = 0; i < nq; ++i) qpos[size_t(f) * size_t(nq) + size_t(i)] = wd.qpos[i];
    }
  }
};

/// Lowest z of geom g (collision shapes; meshes by vertices).
SINEW_INLINE double geom_lowest(const ModelView<double>& m, const WorldData<double, WorldOuter>& d, int g) {
  const vec3<double> p = get3(d.geom_xpos, g);
  const mat3<double> R = getm(d.geom_xmat, g);
  const double* s = m.geom_size + 3 * g;
  const double r0 = R(2, 0), r1 = R(2, 1), r2 = R(2, 2);  // world z of the geom's axes
  switch (m.geom_type[g]) {
    case GEOM_SPHERE: return p.z - s[0];
    case GEOM_CAPSULE: return p.z - std::fabs(r2) * s[1] - s[0];
    case GEOM_ELLIPSOID: return p.z - std::sqrt(r0 * r0 * s[0] * s[0] + r1 * r1 * s[1] * s[1] + r2 * r2 * s[2] * s[2]);
    case GEOM_BOX: return p.z - std::fabs(r0) * s[0] - std::fabs(r1) * s[1] - std::fabs(r2) * s[2];
    case GEOM_CYLINDER: return p.z - std::fabs(r2) * s[1] - s[0] * std::sqrt(dmax(0.0, 1 - r2 * r2));
    case GEOM_MESH: {
      const int id = m.geom_dataid[g];
      double lo = p.z;
      if (id < 0) return lo;
      for (int v = m.mesh_vertadr[id]; v < m.mesh_vertadr[id] + m.mesh_vertnum[id]; ++v)
        lo = dmin(lo, p.z + r0 * m.mesh_vert[3 * v] + r1 * m.mesh_vert[3 * v + 1] + r2 * m.mesh_vert[3 * v + 2]);
      return lo;
    }
    default: return p.z;
  }
}

/// Evaluation of one frame per world: optional lifts, kinematics, tendon lengths, lowest points
/// per liftable tree (and of geoms on fixed trees), keypoint errors.
struct EvalFn {
  ProblemView P;
  DataView<double, WorldOuter> d;
  int f0;
  const double* targets;
  const double* rot_targets;
  double* qpos;           ///< nframe x nq; lifted in place when lift != nullptr
  const double* lift;     ///< nframe x nfree, or null
  double* lowest;         ///< nframe x (nfree + 1): per free tree, then geoms on other trees
  double* ten_length;     ///< nframe x ntendon, or null
  double* sqerr;          ///< nframe x 4: sum of squared keypoint errors, max error; the same for orientations (rad)
  SINEW_HD void operator()(int w) const {
    const ProblemView& p = P;
    const ModelView<double>& m = p.m;
    const auto wd = d.world(w);
    const int f = f0 + w, nq = m.size.nq, nfree = p.nfree;
    double* q = qpos + size_t(f) * size_t(nq);
    if (lift)
      for (int t = 0; t < nfree; ++t) q[m.jnt_qposadr[p.free_jnt[t]] + 2] += lift[size_t(f) * size_t(nfree) + size_t(t)];
    for (int i = 0; i < nq; ++i) wd.qpos[i] = q[i];
    kinematics(m, wd);
    com_pos(m, wd);
    double* lo = lowest + size_t(f) * size_t(nfree + 1);
    for (int t = 0; t <= nfree; ++t) lo[t] = INFINITY;
    for (int k = 0; k < p.nground; ++k) {
      const int t = p.geom_tree[k] >= 0 ? p.geom_tree[k] : nfree;
      lo[t] = dmin(lo[t], geom_lowest(m, wd, p.ground_geom[k]));
    }
    if (ten_length && m.size.ntendon) {
      tendon_world(m, wd);
      for (int i = 0; i < m.size.ntendon; ++i) ten_length[size_t(f) * size_t(m.size.ntendon) + size_t(i)] = wd.ten_length[i];
    }
    double s = 0, mx = 0;
    for (int k = 0; k < p.nkp; ++k) {
      const vec3<double> e = keypoint_pos(wd, p.kp[k]) - vec3<double>::load(targets + (size_t(f) * size_t(p.nkp) + size_t(k)) * 3);
      const double e2 = dot(e, e);
      s += e2;
      mx = dmax(mx, std::sqrt(e2));
    }
    sqerr[4 * size_t(f)] = s;
    sqerr[4 * size_t(f) + 1] = mx;
    double so = 0, mo = 0;
    for (int k = 0; k < p.nkp; ++k)
      if (p.kp[k].rot_row >= 0) {
        const vec3<double> e = orientation_error(wd, p.kp[k], rot_targets + (size_t(f) * size_t(p.nkp) + size_t(k)) * 9);
        so += dot(e, e);
        mo = dmax(mo, norm(e));
      }
    sqerr[4 * size_t(f) + 2] = so;
    sqerr[4 * size_t(f) + 3] = mo;
  }
};

/// One world and its scratch on the host, for the serial solves (the frame-0 orientation
/// calibration and the chunk seeds). `p` must outlive it.
struct HostSolver {
  ProblemView P;
  std::vector<double> work;
  std::vector<int> iwork;
  Data<double> data;
  WorldData<double, WorldOuter> w;
  HostSolver(const HostSolver&) = delete;  // w points into data
  HostSolver(const Problem& p, const ModelSizes& sizes)
      : P(p.view()), work(work_reals(P)), iwork(work_ints(P)), data(sizes, 1), w(data.view().world(0)) {}
  /// Solves one frame from the world's current qpos; leaves the solution there.
  void solve(const double* target, const double* rtarget, int max_iter) {
    solve_frame(P, w, target, rtarget, max_iter, make_work(P, work.data(), iwork.data()));
  }
};

/// Runs the parallel passes on a host policy (serial or OpenMP): the problem's host arrays.
template <class E, class Space = typename E::space> struct Backend {
  E exec;
  ProblemView P;
  ModelSizes sizes;
  Backend(E e, const Model<double>& model, const Problem& hp) : exec(e), P(hp.view()), sizes(model.sizes()) {}

  /// Phase 2: every chunk's frames after its seed (qpos holds the seeds; filled in place).
  void solve_chunks(const std::vector<int>& chunk, const std::vector<double>& targets, const std::vector<double>& rot,
                    std::vector<double>& qpos) const {
    const int nchunk = int(chunk.size()) - 1;
    const size_t ws = work_reals(P), iws = work_ints(P);
    std::vector<double> work(ws * size_t(nchunk));
    std::vector<int> iwork(iws * size_t(nchunk));
    Data<double> dc(sizes, nchunk);
    parallel_for(exec, nchunk, ChunkFn{P, dc.view(), targets.data(), rot.data(), qpos.data(), chunk.data(), work.data(),
                                       iwork.data(), ws, iws});
  }

  /// Evaluation of every frame (EvalFn), `batch` worlds at a time; lift and ten may be null.
  void evaluate(int N, int batch, const std::vector<double>& targets, const std::vector<double>& rot, std::vector<double>& qpos,
                const double* lift, std::vector<double>& lowest, double* ten, std::vector<double>& sqerr) const {
    Data<double> de(sizes, batch);  // a world holds every mjData field (contacts, constraint rows): keep batches small
    for (int f0 = 0; f0 < N; f0 += batch)
      parallel_for(exec, std::min(batch, N - f0), EvalFn{P, de.view(), f0, targets.data(), rot.data(), qpos.data(), lift,
                                                         lowest.data(), ten, sqerr.data()});
  }
};

#if defined(__CUDACC__)
/// Runs the parallel passes on the CUDA backend: the model and the problem's arrays are copied
/// to the device once; each pass copies its inputs over, runs the same functors, and copies the
/// results back (one synchronization per pass, none per frame).
template <class E> struct Backend<E, DeviceSpace> {
  template <class S> using dvec = thrust::device_vector<S>;  // = Buffer<S, DeviceSpace> (exec/buffer.hpp), spelt out so raw() deduces S
  template <class S> static S* raw(dvec<S>& v) { return thrust::raw_pointer_cast(v.data()); }
  template <class S> static const S* raw(const dvec<S>& v) { return thrust::raw_pointer_cast(v.data()); }

  E exec;
  ModelSizes sizes;
  DeviceModel<double> dm;
  dvec<Keypoint> kp;
  dvec<Coupling> cpl;
  dvec<int> vod, dov, lim, gg, gt, fj;
  ProblemView P;

  Backend(E e, const Model<double>& model, const Problem& hp)
      : exec(e), sizes(model.sizes()), dm(model), kp(hp.kp.begin(), hp.kp.end()), cpl(hp.cpl.begin(), hp.cpl.end()),
        vod(hp.var_of_dof.begin(), hp.var_of_dof.end()), dov(hp.dof_of_var.begin(), hp.dof_of_var.end()),
        lim(hp.lim_jnt.begin(), hp.lim_jnt.end()), gg(hp.ground_geom.begin(), hp.ground_geom.end()),
        gt(hp.geom_tree.begin(), hp.geom_tree.end()), fj(hp.free_jnt.begin(), hp.free_jnt.end()) {
    P = hp.view_with(dm.view(), raw(kp), raw(cpl), raw(vod), raw(dov), raw(lim), raw(gg), raw(gt), raw(fj));
  }

  void sync(const char* what) const {
    const cudaError_t err = cudaStreamSynchronize(exec.stream);
    const cudaError_t last = cudaGetLastError();
    if (err != cudaSuccess || last != cudaSuccess)
      throw std::runtime_error(std::string("retarget: CUDA error in ") + what + ": " +
                               cudaGetErrorString(err != cudaSuccess ? err : last));
  }

  void solve_chunks(const std::vector<int>& chunk, const std::vector<double>& targets, const std::vector<double>& rot,
                    std::vector<double>& qpos) const {
    const int nchunk = int(chunk.size()) - 1;
    const size_t ws = work_reals(P), iws = work_ints(P);
    dvec<double> work(ws * size_t(nchunk)), dt(targets.begin(), targets.end()), dr(rot.begin(), rot.end()),
        dq(qpos.begin(), qpos.end());
    dvec<int> iwork(iws * size_t(nchunk)), dc(chunk.begin(), chunk.end());
    Data<double, WorldOuter, DeviceSpace> d(sizes, nchunk);
    parallel_for(exec, nchunk, ChunkFn{P, d.view(), raw(dt), raw(dr), raw(dq), raw(dc), raw(work), raw(iwork), ws, iws});
    sync("the per-chunk solve");
    thrust::copy(dq.begin(), dq.end(), qpos.begin());
  }

  void evaluate(int N, int batch, const std::vector<double>& targets, const std::vector<double>& rot, std::vector<double>& qpos,
                const double* lift, std::vector<double>& lowest, double* ten, std::vector<double>& sqerr) const {
    const size_t nfree = size_t(P.nfree), nten = size_t(sizes.ntendon);
    dvec<double> dt(targets.begin(), targets.end()), dr(rot.begin(), rot.end()), dq(qpos.begin(), qpos.end());
    dvec<double> dl(lift ? size_t(N) * nfree : 0), dlow(lowest.size()), dten(ten ? size_t(N) * nten : 0), dse(sqerr.size());
    if (lift) thrust::copy(lift, lift + size_t(N) * nfree, dl.begin());
    Data<double, WorldOuter, DeviceSpace> de(sizes, batch);
    for (int f0 = 0; f0 < N; f0 += batch)
      parallel_for(exec, std::min(batch, N - f0), EvalFn{P, de.view(), f0, raw(dt), raw(dr), raw(dq), lift ? raw(dl) : nullptr,
                                                         raw(dlow), ten ? raw(dten) : nullptr, raw(dse)});
    sync("the evaluation pass");
    if (lift) thrust::copy(dq.begin(), dq.end(), qpos.begin());
    thrust::copy(dlow.begin(), dlow.end(), lowest.begin());
    thrust::copy(dse.begin(), dse.end(), sqerr.begin());
    if (ten) thrust::copy(dten.begin(), dten.end(), ten);
  }
};
#endif

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
inline double fit_yaw(const std::vector<vec3<double>>& a, const std::vector<vec3<double>>& b, vec3<double>& ca, vec3<double>& cb) {
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

}  // namespace retarget_detail

/// Retargets `src` onto `model` through the keypoint map. `exec` is exec::serial, exec::omp or
/// (nvcc builds) exec::Cuda; the model is the host Model either way.
template <class E>
RetargetResult retarget(E exec, const Model<double>& model, const SourceMotion& src, const std::vector<KeypointMap>& map,
                        const RetargetOptions& opt = {}) {
  using namespace retarget_detail;
  const auto t_start = std::chrono::steady_clock::now();
  const ModelView<double> m = model.view();
  const int nq = model.nq, nv = model.nv, N = src.nframe;
  if (opt.source_up != 'y' && opt.source_up != 'z' && opt.source_up != 'Y' && opt.source_up != 'Z')
    throw std::invalid_argument("retarget: source_up must be 'y' or 'z'");
  if (N <= 0) throw std::invalid_argument("retarget: the source motion has no frames");
  if (!(src.fps > 0)) throw std::invalid_argument("retarget: the source frame rate must be positive");
  if (src.pos.size() != size_t(N) * size_t(src.njoint()) * 3 || src.parent.size() != src.names.size())
    throw std::invalid_argument("retarget: source positions do not match its joints and frames");
  for (double v : src.pos)
    if (!std::isfinite(v)) throw std::invalid_argument("retarget: the source motion has non-finite positions");

  Problem P;
  P.m = m;
  P.opt = opt;
  RetargetResult res;
  RetargetMetrics& M = res.metrics;

  // keypoints
  for (const KeypointMap& e : map) {
    const SourceLocation at{e.file, e.line, ""};
    Keypoint k;
    k.src = src.find(e.source);
    if (k.src < 0) throw ModelError(at, "source joint '" + e.source + "' is not in the source skeleton");
    std::string t = e.target;
    int kind = 0;  // 0 either, 1 body, 2 site
    if (t.rfind("body:", 0) == 0) { kind = 1; t = t.substr(5); }
    else if (t.rfind("site:", 0) == 0) { kind = 2; t = t.substr(5); }
    const int b = kind == 2 ? -1 : Model<double>::find(model.body_names, t);
    const int s = kind == 1 ? -1 : Model<double>::find(model.site_names, t);
    if (b > 0) k.body = b;
    else if (s >= 0) { k.site = s; k.body = model.site_bodyid[size_t(s)]; }
    else throw ModelError(at, "'" + e.target + "' is neither a body nor a site of the model" + (b == 0 ? " (the world body cannot follow a keypoint)" : ""));
    k.sqrtw = std::sqrt(e.weight);
    if (e.orient > 0) {
      if (src.rot.size() != src.pos.size() * 3)
        throw ModelError(at, "orientation target for '" + e.source + "', but the source motion has no joint rotations");
      k.sqrtw_rot = std::sqrt(e.orient);
      ++M.norient;
    }
    P.kp.push_back(k);
  }
  const int K = int(P.kp.size());
  P.nrow = 3 * K;
  for (Keypoint& k : P.kp)
    if (k.sqrtw_rot > 0) { k.rot_row = P.nrow; P.nrow += 3; }

  // joint couplings (active EQ_JOINT equalities); other equalities are reported, not enforced
  std::vector<int> dep_of(size_t(model.njnt), -1);
  for (int i = 0; i < model.neq; ++i) {
    if (!model.eq_active0[size_t(i)]) continue;
    if (model.eq_type[size_t(i)] != EQ_JOINT) {
      M.warnings.push_back("equality " + std::to_string(i) + " (type " + std::to_string(model.eq_type[size_t(i)]) +
                           ") is not a joint coupling and is not enforced by the retargeting IK");
      continue;
    }
    Coupling c;
    c.eq = i;
    const int j1 = model.eq_obj1id[size_t(i)], j2 = model.eq_obj2id[size_t(i)];
    if (dep_of[size_t(j1)] >= 0)
      throw std::invalid_argument("retarget: joint '" + model.jnt_names[size_t(j1)] + "' is the first joint of two joint equalities");
    dep_of[size_t(j1)] = i;
    c.dep_q = model.jnt_qposadr[size_t(j1)]; c.dep_v = model.jnt_dofadr[size_t(j1)];
    c.ref_dep = model.qpos0[size_t(c.dep_q)];
    if (j2 >= 0) {
      c.ind_q = model.jnt_qposadr[size_t(j2)]; c.ind_v = model.jnt_dofadr[size_t(j2)];
      c.ref_ind = model.qpos0[size_t(c.ind_q)];
    }
    for (int k = 0; k < 5; ++k) c.c[k] = model.eq_data[size_t(i) * 11 + size_t(k)];
    P.cpl.push_back(c);
  }
  for (const Coupling& c : P.cpl)
    if (c.ind_q >= 0) {
      const int j2 = model.eq_obj2id[size_t(c.eq)];
      if (dep_of[size_t(j2)] >= 0)
        throw std::invalid_argument("retarget: joint '" + model.jnt_names[size_t(j2)] +
                                    "' drives a joint coupling but is itself coupled; chained couplings are not supported");
    }
  M.ncoupling = int(P.cpl.size());
  P.var_of_dof.assign(size_t(nv), 0);
  for (const Coupling& c : P.cpl) P.var_of_dof[size_t(c.dep_v)] = -1;
  for (int j = 0; j < nv; ++j)
    if (P.var_of_dof[size_t(j)] >= 0) { P.var_of_dof[size_t(j)] = P.nvar++; P.dof_of_var.push_back(j); }
  for (int j = 0; j < model.njnt; ++j)
    if (model.jnt_limited[size_t(j)] && dep_of[size_t(j)] < 0 && model.jnt_type[size_t(j)] != JNT_FREE) P.lim_jnt.push_back(j);

  // ground geoms and liftable trees
  for (int j = 0; j < model.njnt; ++j) {
    const int b = model.jnt_bodyid[size_t(j)];
    if (model.jnt_type[size_t(j)] == JNT_FREE && model.body_rootid[size_t(b)] == b) P.free_jnt.push_back(j);
  }
  for (int g = 0; g < model.ngeom; ++g) {
    const int b = model.geom_bodyid[size_t(g)], type = model.geom_type[size_t(g)];
    if (b == 0 || (!model.geom_contype[size_t(g)] && !model.geom_conaffinity[size_t(g)])) continue;
    if (type == GEOM_PLANE) continue;
    if (type == GEOM_HFIELD || type == GEOM_SDF) {
      M.warnings.push_back("geom '" + model.geom_names[size_t(g)] + "' (height field or SDF) is ignored by the ground correction");
      continue;
    }
    P.ground_geom.push_back(g);
    int t = -1;
    for (size_t k = 0; k < P.free_jnt.size(); ++k)
      if (model.jnt_bodyid[size_t(P.free_jnt[k])] == model.body_rootid[size_t(b)]) t = int(k);
    P.geom_tree.push_back(t);
  }

  // model keypoints at qpos0
  Data<double> d0(model.sizes(), 1);
  auto w0 = d0.view().world(0);
  for (int i = 0; i < nq; ++i) w0.qpos[i] = model.qpos0[size_t(i)];
  kinematics(m, w0);
  std::vector<vec3<double>> pm(static_cast<size_t>(K));
  for (int k = 0; k < K; ++k) pm[size_t(k)] = keypoint_pos(w0, P.kp[size_t(k)]);

  // bones: each keypoint and its nearest mapped source ancestor (-1: none), with the model's
  // length at qpos0 and the source's averaged over the first scale_fit_frames frames
  std::vector<int> anc(size_t(K), -1);
  std::vector<double> lmod(size_t(K), 0.0), lsrc(size_t(K), 0.0);
  {
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
        const vec3<double> dv = vec3<double>::load(src.at(f, P.kp[size_t(k)].src)) - vec3<double>::load(src.at(f, P.kp[size_t(ka)].src));
        lsrc[size_t(k)] += norm(dv) / nfit;
      }
      lmod[size_t(k)] = norm(pm[size_t(k)] - pm[size_t(ka)]);
    }
  }

  // scale: least-squares ratio of the bone lengths
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
      M.warnings.push_back("no pair of mapped source joints with a mapped ancestor: scale not fitted, 1 used (set RetargetOptions::scale)");
    }
  }
  M.scale = scale;

  // targets in the model's frame: the scaled source positions, or with per_segment_scale each
  // keypoint at its ancestor's target plus the source bone scaled to the model's bone length
  res.targets.resize(size_t(N) * size_t(K) * 3);
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
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return depth(src, P.kp[size_t(a)].src) < depth(src, P.kp[size_t(b)].src); });
  for (int f = 0; f < N; ++f)
    for (int k : order) {
      double* t = res.targets.data() + (size_t(f) * size_t(K) + size_t(k)) * 3;
      const vec3<double> p = to_z_up(src.at(f, P.kp[size_t(k)].src), opt.source_up);
      const int a = anc[size_t(k)];
      if (!opt.per_segment_scale || a < 0) {
        (scale * p).store(t);
      } else {
        const vec3<double> pa = to_z_up(src.at(f, P.kp[size_t(a)].src), opt.source_up);
        (vec3<double>::load(res.targets.data() + (size_t(f) * size_t(K) + size_t(a)) * 3) + seg[size_t(k)] * (p - pa)).store(t);
      }
    }

  // offset for keypoints on fixed trees; yaw/translation of free roots on frame 0
  std::vector<double> qinit(model.qpos0.begin(), model.qpos0.end());
  auto tree_free = [&](int body) {
    for (size_t t = 0; t < P.free_jnt.size(); ++t)
      if (model.jnt_bodyid[size_t(P.free_jnt[t])] == model.body_rootid[size_t(body)]) return int(t);
    return -1;
  };
  {
    int anchor = -1;
    for (int k = 0; k < K; ++k)
      if (tree_free(P.kp[size_t(k)].body) < 0 &&
          (anchor < 0 || depth(src, P.kp[size_t(k)].src) < depth(src, P.kp[size_t(anchor)].src)))
        anchor = k;
    vec3<double> off = vec3<double>::zero();
    if (anchor >= 0) off = pm[size_t(anchor)] - vec3<double>::load(res.targets.data() + size_t(anchor) * 3);
    off.store(res.offset);
    for (size_t i = 0; i < res.targets.size(); i += 3)
      for (int c = 0; c < 3; ++c) res.targets[i + size_t(c)] += res.offset[c];
    if (opt.align_root)
      for (size_t t = 0; t < P.free_jnt.size(); ++t) {
        std::vector<vec3<double>> from, to;  // this tree's keypoints: the model's at qpos0, the targets
        for (int k = 0; k < K; ++k)
          if (tree_free(P.kp[size_t(k)].body) == int(t)) {
            from.push_back(pm[size_t(k)]);
            to.push_back(vec3<double>::load(res.targets.data() + size_t(k) * 3));
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
  }

  // orientation targets: R_target(f) = A R_src(f) C_k (A: the source's axes to Z up). The
  // constant C_k (the source joint frame's offset from the model's body or site frame) is fixed on
  // frame 0: the target equals the model's orientation at the position-only solution of frame 0,
  // so the orientations add what positions leave open (twist about straight limbs) from there on.
  res.rot_targets.assign(size_t(N) * size_t(K) * 9, 0.0);
  for (size_t i = 0; i < res.rot_targets.size(); i += 9) mat3<double>::identity().store(res.rot_targets.data() + i);
  if (M.norient) {
    const mat3<double> A = z_up_matrix(opt.source_up);
    std::vector<mat3<double>> C(size_t(K), mat3<double>::identity());
    if (opt.orient_from_rest) {
      // C_k = (A R_rest_k)^T Q R0_k: the source's rest pose corresponds to the model at qpos0
      // (R0), turned about Z by Q, the least-squares yaw from the model's keypoints at qpos0 onto
      // the source's rest keypoints.
      const size_t nj = size_t(src.njoint());
      if (src.rest_rot.size() != nj * 9 || src.rest_pos.size() != nj * 3)
        throw std::invalid_argument("retarget: orient_from_rest needs the source's rest pose (SourceMotion::rest_pos, rest_rot)");
      std::vector<vec3<double>> rest(static_cast<size_t>(K));
      for (int k = 0; k < K; ++k) rest[size_t(k)] = to_z_up(src.rest_pos.data() + 3 * size_t(P.kp[size_t(k)].src), opt.source_up);
      vec3<double> cm, cs;
      const mat3<double> Q = quat_to_mat(axis_angle_quat(vec3<double>{0, 0, 1}, fit_yaw(pm, rest, cm, cs)));
      HostSolver hs(P, model.sizes());
      const auto& wd = hs.w;
      for (int i = 0; i < nq; ++i) wd.qpos[i] = model.qpos0[size_t(i)];
      kinematics(m, wd);
      for (int k = 0; k < K; ++k)
        if (P.kp[size_t(k)].rot_row >= 0)
          C[size_t(k)] = transpose(A * mat3<double>::load(src.rest_rot.data() + 9 * size_t(P.kp[size_t(k)].src))) * Q *
                         keypoint_rot(wd, P.kp[size_t(k)]);
    } else {
      Problem P0 = P;  // positions only
      for (Keypoint& k : P0.kp) { k.rot_row = -1; k.sqrtw_rot = 0; }
      P0.nrow = 3 * K;
      HostSolver hs(P0, model.sizes());
      const auto& wd = hs.w;
      for (int i = 0; i < nq; ++i) wd.qpos[i] = qinit[size_t(i)];
      hs.solve(res.targets.data(), res.rot_targets.data(), opt.max_iter_seed);
      kinematics(m, wd);  // the accepted state (the solver may stop right after a rejected trial)
      for (int k = 0; k < K; ++k)
        if (P.kp[size_t(k)].rot_row >= 0)
          C[size_t(k)] = transpose(A * mat3<double>::load(src.rot_at(0, P.kp[size_t(k)].src))) * keypoint_rot(wd, P.kp[size_t(k)]);
    }
    for (int k = 0; k < K; ++k) {
      if (P.kp[size_t(k)].rot_row < 0) continue;
      for (int f = 0; f < N; ++f)
        (A * mat3<double>::load(src.rot_at(f, P.kp[size_t(k)].src)) * C[size_t(k)])
            .store(res.rot_targets.data() + (size_t(f) * size_t(K) + size_t(k)) * 9);
    }
  }

  // phase 1: chunk seeds in order (host); phase 2: chunks in parallel on the backend
  const int nchunk = std::max(1, std::min(opt.nchunk, N));
  std::vector<int> chunk(size_t(nchunk) + 1);
  for (int c = 0; c <= nchunk; ++c) chunk[size_t(c)] = int((long long)(c) * N / nchunk);
  res.qpos.assign(size_t(N) * size_t(nq), 0.0);
  {
    HostSolver hs(P, model.sizes());
    const auto& wd = hs.w;
    for (int i = 0; i < nq; ++i) wd.qpos[i] = qinit[size_t(i)];
    for (int c = 0; c < nchunk; ++c) {
      const int f = chunk[size_t(c)];
      hs.solve(res.targets.data() + size_t(f) * size_t(K) * 3, res.rot_targets.data() + size_t(f) * size_t(K) * 9,
               opt.max_iter_seed);
      for (int i = 0; i < nq; ++i) res.qpos[size_t(f) * size_t(nq) + size_t(i)] = wd.qpos[i];
    }
  }
  const Backend<E> backend(exec, model, P);
  backend.solve_chunks(chunk, res.targets, res.rot_targets, res.qpos);

  // ground correction and evaluation
  const int nfree = int(P.free_jnt.size()), nten = model.ntendon;
  std::vector<double> lowest(size_t(N) * size_t(nfree + 1)), sqerr(size_t(N) * 4);
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

  // metrics
  M.nframe = N; M.fps = src.fps; M.nkeypoint = K; M.ntendon = nten;
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
  // joint limits: every limited hinge, slide and ball joint, coupled ones included
  for (int j = 0; j < model.njnt; ++j) {
    const int type = model.jnt_type[size_t(j)];
    if (!model.jnt_limited[size_t(j)] || type == JNT_FREE) continue;
    ++M.nlimited;
    const int a = model.jnt_qposadr[size_t(j)];
    const double lo = model.jnt_range[2 * size_t(j)], hi = model.jnt_range[2 * size_t(j) + 1];
    for (int f = 0; f < N; ++f) {
      const double* q = res.qpos.data() + size_t(f) * size_t(nq) + size_t(a);
      double ex;
      if (type == JNT_BALL) {
        vec3<double> v{q[1], q[2], q[3]};
        const double s = norm(v), ang = 2 * std::atan2(s, std::fabs(q[0]));
        ex = ang - hi;
      } else {
        ex = std::max(lo - q[0], q[0] - hi);
      }
      if (ex > opt.limit_tol) ++M.joint_limit_violations;
      if (ex > M.max_limit_violation) { M.max_limit_violation = ex; M.worst_limit_joint = model.jnt_names[size_t(j)]; }
    }
  }
  M.joint_limit_violation_rate = M.nlimited ? double(M.joint_limit_violations) / (double(N) * M.nlimited) : 0;
  for (const Coupling& c : P.cpl)
    for (int f = 0; f < N; ++f) {
      const double* q = res.qpos.data() + size_t(f) * size_t(nq);
      M.max_coupling_error = std::max(M.max_coupling_error, std::fabs(q[c.dep_q] - c.value(c.ind_q >= 0 ? q[c.ind_q] : 0.0)));
    }
  M.tendon_jump_threshold = opt.tendon_jump * 30.0 / src.fps;
  if (nten && N > 1) {
    int jumps = 0;
    for (int f = 0; f + 1 < N; ++f)
      for (int i = 0; i < nten; ++i)
        if (std::fabs(res.ten_length[size_t(f + 1) * size_t(nten) + size_t(i)] - res.ten_length[size_t(f) * size_t(nten) + size_t(i)]) >
            M.tendon_jump_threshold) { ++jumps; break; }
    M.tendon_jump_rate = double(jumps) / (N - 1);
  }
  if (nten && N > 2) {
    long long pairs = 0, jump_pairs = 0;
    int jump_frames = 0;
    std::vector<double> sum(size_t(nten), 0.0);
    for (int f = 0; f + 1 < N; ++f) {
      bool any = false;
      for (int i = 0; i < nten; ++i) {
        const double dl = std::fabs(res.ten_length[size_t(f + 1) * size_t(nten) + size_t(i)] -
                                    res.ten_length[size_t(f) * size_t(nten) + size_t(i)]);
        if (f > 0) {
          ++pairs;
          if (dl > 1e-6 && dl > 10 * sum[size_t(i)] / f) { ++jump_pairs; any = true; }  // 1 um: rounding of still tendons
        }
        sum[size_t(i)] += dl;
      }
      jump_frames += any;
    }
    M.tendon_jump_rate_mm = double(jump_pairs) / double(pairs);
    M.tendon_jump_transitions_mm = double(jump_frames) / (N - 2);
  }

  res.trajectory = trajectory_for(model, src.fps);
  add_clip(res.trajectory, res.qpos);
  M.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  M.ms_per_frame = 1e3 * M.total_seconds / N;
  return res;
}

}  // namespace sinew
