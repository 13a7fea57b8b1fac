// The per-frame inverse kinematics of retarget (retarget.hpp, docs/retargeting.md), in
// retarget_detail: the problem (keypoints, joint couplings, limited joints, ground geoms) and its
// trivially copyable view; Levenberg-Marquardt over the model's dofs (point Jacobians from
// com_pos's cdof, steps integrated with integrate_pos), coupled dofs eliminated, limits kept by an
// active set; and the functors of the parallel passes, ChunkFn (a chunk of frames) and EvalFn
// (ground lift, lowest points, tendon lengths, keypoint errors of a frame). Host and device.
#pragma once
#include <cmath>
#include <cstddef>
#include <vector>

#include "sinew/data/data.hpp"
#include "sinew/integrate/integrate_pos.hpp"
#include "sinew/kinematics/com_pos.hpp"
#include "sinew/kinematics/jacobian.hpp"
#include "sinew/kinematics/kinematics.hpp"
#include "sinew/math/cholesky.hpp"
#include "sinew/model/model.hpp"
#include "sinew/retarget/options.hpp"
#include "sinew/tendon/tendon.hpp"

namespace sinew::retarget_detail {

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
  const int* var_of_dof = nullptr;  ///< variable index of a dof, -1 if eliminated by a coupling
  const int* dof_of_var = nullptr;
  const int* lim_jnt = nullptr;      ///< limited hinge, slide and ball joints (not eliminated)
  const int* ground_geom = nullptr;  ///< collision geoms that must stay above the floor
  const int* geom_tree = nullptr;    ///< per ground geom: index into the free joints, or -1
  const int* free_jnt = nullptr;     ///< free joints whose tree root is their body (liftable)
  int nkp = 0, ncpl = 0, nlim = 0, nground = 0, nfree = 0;
  int nvar = 0;
  int nrow = 0;  ///< residual rows: 3 per keypoint, then 3 per orientation target
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

  ProblemView view() const {
    return view_with(m, kp.data(), cpl.data(), var_of_dof.data(), dof_of_var.data(), lim_jnt.data(), ground_geom.data(),
                     geom_tree.data(), free_jnt.data());
  }
  /// The same problem over other copies of its arrays (device memory).
  ProblemView view_with(const ModelView<double>& mv, const Keypoint* k, const Coupling* c, const int* vod,
                        const int* dov, const int* lim, const int* gg, const int* gt, const int* fj) const {
    ProblemView v;
    v.m = mv;
    v.kp = k;
    v.cpl = c;
    v.var_of_dof = vod;
    v.dof_of_var = dov;
    v.lim_jnt = lim;
    v.ground_geom = gg;
    v.geom_tree = gt;
    v.free_jnt = fj;
    v.nkp = int(kp.size());
    v.ncpl = int(cpl.size());
    v.nlim = int(lim_jnt.size());
    v.nground = int(ground_geom.size());
    v.nfree = int(free_jnt.size());
    v.nvar = nvar;
    v.nrow = nrow;
    v.max_iter = opt.max_iter;
    v.lambda0 = opt.lambda0;
    v.step_tol = opt.step_tol;
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
  w.J = base;
  base += R * nv;
  w.H = base;
  base += n * n;
  w.A = base;
  base += n * n;
  w.g = base;
  base += n;
  w.b = base;
  base += n;
  w.dx = base;
  base += n;
  w.dxv = base;
  base += nv;
  w.r = base;
  base += R;
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
      q[a] = qq.w;
      q[a + 1] = qq.x;
      q[a + 2] = qq.y;
      q[a + 3] = qq.z;
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
SINEW_INLINE vec3<double> orientation_error(const WorldData<double, WorldOuter>& d, const Keypoint& k,
                                            const double* rtarget) {
  const mat3<double> Rt = mat3<double>::load(rtarget), R = keypoint_rot(d, k);
  return mat_to_rotvec(Rt * transpose(R));
}

/// Kinematics at d.qpos and the weighted residual: rows 3k.. sqrt(w_k) (target_k - p_k), then
/// for keypoints with an orientation target sqrt(w_rot) log(R_target R^T); returns 0.5 |r|^2.
SINEW_INLINE double evaluate(const ProblemView& P, const WorldData<double, WorldOuter>& d, const double* target,
                             const double* rtarget, double* r) {
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
        for (int i = 0; i < 3; ++i)
          w.J[size_t(j) * size_t(R) + size_t(kp.rot_row + i)] = kp.sqrtw_rot * d.cdof[6 * j + i];
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
SINEW_INLINE bool damped_step(const ProblemView& P, const WorldData<double, WorldOuter>& d, const Work& w,
                              double lambda) {
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
SINEW_INLINE void solve_frame(const ProblemView& P, const WorldData<double, WorldOuter>& d, const double* target,
                              const double* rtarget, int max_iter, const Work& w) {
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
      if (!damped_step(P, d, w, lambda)) {
        lambda *= 10;
        continue;
      }
      step = 0;
      for (int i = 0; i < m.size.nv; ++i) step = dmax(step, std::fabs(w.dxv[i]));
      if (step < P.step_tol) {
        converged = true;
        break;
      }  // below the noise: no trial needed
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
  const double* targets;      ///< nframe x K x 3
  const double* rot_targets;  ///< nframe x K x 9
  double* qpos;               ///< nframe x nq (chunk seeds already filled)
  const int* chunk;           ///< nchunk + 1 boundaries
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
  double* qpos;        ///< nframe x nq; lifted in place when lift != nullptr
  const double* lift;  ///< nframe x nfree, or null
  double* lowest;      ///< nframe x (nfree + 1): per free tree, then geoms on other trees
  double* ten_length;  ///< nframe x ntendon, or null
  double* sqerr;       ///< nframe x 4: sum of squared keypoint errors, max error; the same for orientations (rad)
  SINEW_HD void operator()(int w) const {
    const ProblemView& p = P;
    const ModelView<double>& m = p.m;
    const auto wd = d.world(w);
    const int f = f0 + w, nq = m.size.nq, nfree = p.nfree;
    double* q = qpos + size_t(f) * size_t(nq);
    if (lift)
      for (int t = 0; t < nfree; ++t)
        q[m.jnt_qposadr[p.free_jnt[t]] + 2] += lift[size_t(f) * size_t(nfree) + size_t(t)];
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
      for (int i = 0; i < m.size.ntendon; ++i)
        ten_length[size_t(f) * size_t(m.size.ntendon) + size_t(i)] = wd.ten_length[i];
    }
    double s = 0, mx = 0;
    for (int k = 0; k < p.nkp; ++k) {
      const vec3<double> e =
          keypoint_pos(wd, p.kp[k]) - vec3<double>::load(targets + (size_t(f) * size_t(p.nkp) + size_t(k)) * 3);
      const double e2 = dot(e, e);
      s += e2;
      mx = dmax(mx, std::sqrt(e2));
    }
    sqerr[4 * size_t(f)] = s;
    sqerr[4 * size_t(f) + 1] = mx;
    double so = 0, mo = 0;
    for (int k = 0; k < p.nkp; ++k)
      if (p.kp[k].rot_row >= 0) {
        const vec3<double> e =
            orientation_error(wd, p.kp[k], rot_targets + (size_t(f) * size_t(p.nkp) + size_t(k)) * 9);
        so += dot(e, e);
        mo = dmax(mo, norm(e));
      }
    sqerr[4 * size_t(f) + 2] = so;
    sqerr[4 * size_t(f) + 3] = mo;
  }
};

}  // namespace sinew::retarget_detail
