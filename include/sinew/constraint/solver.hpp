// Constraint solver of one world (mj_fwdConstraint of MuJoCo 3.4.0): from the rows of
// make_constraint_world and reference_constraint_world, and qfrc_smooth / qacc_smooth, it finds
// qacc, efc_force, efc_state and qfrc_constraint.
//
//   sinew::fwd_constraint_world(m, d);   // after fwd_acceleration_world's qacc_smooth
//
// What it reproduces (docs/solver.md has the derivation and the measured agreement):
// - efc_b = J qacc_smooth - aref; warm start with the better (lower total cost) of
//   qacc_warmstart and qacc_smooth (PGS: the forces implied by qacc_warmstart, or zero when
//   their dual cost is positive); warmstart disabled: qacc_smooth and zero forces.
// - Constraint islands (unless the island flag is disabled): trees coupled by rows form an
//   island, each solved on its own with its own scale 1 / sum(diag M) over its dofs and its own
//   iteration count (solver_niter[k]); dofs of no island keep qacc_smooth. Without islands the
//   scale is 1 / (meaninertia max(1, nv)). PGS always solves the whole problem, as MuJoCo 3.4.
// - Newton (the default) and CG: MuJoCo's primal method on qacc with its exact cost (quadratic,
//   linear friction-loss zones, elliptic cone zones), line search by 1-D Newton with
//   bracketing (ls_iterations, tolerance * ls_tolerance scaled by |search| / scale), Newton's
//   Hessian M + J' D J over the QUADRATIC rows kept as a dense Cholesky factor with rank-one
//   updates when rows change state (refactored when an update loses rank), elliptic cone
//   Hessians added per contact; CG with Polak-Ribiere and M^-1 preconditioning. Termination
//   when scale * improvement or scale * |gradient| < tolerance.
// - PGS: projected Gauss-Seidel on the dual (AR = J M^-1 J' + R), elliptic contacts by the ray
//   and QCQP friction updates; qacc = qacc_smooth + M^-1 J' f.
// - efc_state is the state of every row at the solution. (MuJoCo 3.4's island path for Newton
//   and CG copies qacc, qfrc_constraint and efc_force back from the islands but not the states,
//   so its efc_state is what the warm-start comparison left there: the states at qacc_smooth,
//   or stale values when warm start is disabled. The oracle tests compare with the states
//   MuJoCo's own mj_constraintUpdate gives at MuJoCo's solution.)
// - noslip (noslip_iterations > 0): after any solver, mj_solNoSlip's projected Gauss-Seidel on
//   the friction rows with R removed from AR (normal forces held), then qacc from the new forces;
//   the main solver then runs over the whole world (no islands), as MuJoCo's. AR itself is not
//   stored (it is njmax x njmax): the rows of M^-1 J' give its entries and residuals.
// Not reproduced: MuJoCo's sparse matrix storage (the result is the same up to rounding).
//
// Work space: Data's sol_* fields (sol_H is nv x nv for Newton; efc_AR njmax x njmax for PGS;
// sol_W njmax x nv for noslip;
// sized by compile_solver_sizes from the model's options).
#pragma once
#include <cmath>

#include "sinew/constraint/make_constraint.hpp"
#include "sinew/data/data.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/math/cholesky.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Constraint states (mjtConstraintState values).
enum ConstraintState : int {
  CSTATE_SATISFIED = 0, CSTATE_QUADRATIC = 1, CSTATE_LINEARNEG = 2, CSTATE_LINEARPOS = 3, CSTATE_CONE = 4
};

namespace solver_detail {
using cholesky::chol_factor;
using cholesky::chol_factor_sparse;
using cholesky::chol_solve;
using cholesky::chol_update;


template <class T> SINEW_INLINE T tabs(T x) { return x < T(0) ? -x : x; }

// dense Cholesky (chol_factor, chol_solve, chol_update): math/cholesky.hpp

/// The first nonzero column of each row of the lower triangle (the envelope; Cholesky keeps it).
template <class T, class S, class SF> SINEW_INLINE void envelope(S A, int n, SF first) {
  for (int p = 0; p < n; ++p) {
    int q = 0;
    while (q < p && A[p * n + q] == T(0)) ++q;
    first[p] = q;
  }
}

/// x <- (L L')^-1 b over the envelope of L (x and b may alias): forward by rows, backward by
/// columns of L' (= rows of L), so both passes touch only entries inside the envelope.
template <class T, class S, class SX, class SB, class SF>
SINEW_INLINE void chol_solve_env(S Lm, int n, SX x, SB b, SF first) {
  for (int i = 0; i < n; ++i) {
    T s = b[i];
    for (int k = first[i]; k < i; ++k) s -= Lm[i * n + k] * x[k];
    x[i] = s / Lm[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    const T xi = x[i] / Lm[i * n + i];
    x[i] = xi;
    for (int k = first[i]; k < i; ++k) x[k] -= Lm[i * n + k] * xi;
  }
}

// ---- the problem of one island (or of the whole world) ----

template <class T, class L> struct Ctx {
  const ModelView<T>& m;
  const WorldData<T, L>& d;
  int n = 0, nefc = 0;          // dofs and rows of this problem
  int dofadr = 0, efcadr = 0;   // its ranges in island_dofind / island_efcind
  bool dident = true, rident = true;  // dofs / rows are all of the world's, in order
  bool newton = false, cone_hessian = false;
  T scale = T(1), cost = T(0), quadGauss[3] = {T(0), T(0), T(0)};
  int nactive = 0, ncone = 0;
  // compressed vectors (n values each) and row vectors (nefc values)
  Span<T, L> Ma, Mv, grad, Mgrad, search, gradold, Mgradold, Mgraddif, x, fc, tmp, LTJ;
  Span<T, L> Jaref, Jv, quad, Dh;
  Span<T, L> H, Hc;
  Span<int, L> Hfirst, Hcfirst;  // envelopes of the factors of H and Hc (chol_update, chol_solve_env)

  SINEW_INLINE Ctx(const ModelView<T>& m_, const WorldData<T, L>& d_) : m(m_), d(d_) {
    const int nv = m.size.nv;
    auto v = [&](int k) { return subspan(d.sol_vec, k * nv); };
    Ma = v(0); Mv = v(1); grad = v(2); Mgrad = v(3); search = v(4); gradold = v(5); Mgradold = v(6);
    Mgraddif = v(7); x = v(8); fc = v(9); tmp = v(10); LTJ = v(12);
    Jaref = d.sol_Jaref; Jv = d.sol_Jv; quad = d.sol_quad; Dh = d.sol_D;
    H = d.sol_H; Hc = d.sol_Hcone;
    Hfirst = d.sol_Hfirst; Hcfirst = d.sol_Hcfirst;
  }
  SINEW_INLINE int dof(int c) const { return dident ? c : d.island_dofind[dofadr + c]; }
  SINEW_INLINE int row(int c) const { return rident ? c : d.island_efcind[efcadr + c]; }
  SINEW_INLINE int cidx(int dofid) const { return dident ? dofid : d.sol_dof2idof[dofid]; }
  // row c's nonzeros: nnz(c) of them; the x-th is at compressed column ccol(c, x), value Jx(c, x)
  // (compressed columns ascend with the world's, so the order is kept)
  SINEW_INLINE int nnz(int c) const { return d.efc_J_rownnz[row(c)]; }
  SINEW_INLINE int wcol(int c, int x) const { return d.efc_J_colind[row(c) * m.size.nv + x]; }
  SINEW_INLINE int ccol(int c, int x) const { return cidx(wcol(c, x)); }
  SINEW_INLINE T Jx(int c, int x) const { return d.efc_J[row(c) * m.size.nv + wcol(c, x)]; }
};

/// out = M in, both compressed.
template <class T, class L, class SI, class SO> SINEW_INLINE void mul_m(const Ctx<T, L>& c, const SI& in, const SO& out) {
  const ModelView<T>& m = c.m;
  for (int k = 0; k < c.n; ++k) out[k] = T(0);
  for (int k = 0; k < c.n; ++k) {
    const int i = c.dof(k);
    int adr = m.dof_Madr[i];
    out[k] += c.d.qM[adr] * in[k];
    ++adr;
    for (int j = m.dof_parentid[i]; j >= 0; j = m.dof_parentid[j], ++adr) {
      const int cj = c.cidx(j);
      out[k] += c.d.qM[adr] * in[cj];
      out[cj] += c.d.qM[adr] * in[k];
    }
  }
}

/// x <- M^-1 x, compressed (the world's L'DL factor restricted to the problem's trees).
template <class T, class L, class SX> SINEW_INLINE void solve_m_c(const Ctx<T, L>& c, const SX& xv) {
  const ModelView<T>& m = c.m;
  for (int k = c.n - 1; k >= 0; --k) {
    const T xk = xv[k];
    if (xk == T(0)) continue;
    const int i = c.dof(k);
    int adr = m.dof_Madr[i] + 1;
    for (int j = m.dof_parentid[i]; j >= 0; j = m.dof_parentid[j], ++adr) xv[c.cidx(j)] -= c.d.qLD[adr] * xk;
  }
  for (int k = 0; k < c.n; ++k) xv[k] *= c.d.qLDiagInv[c.dof(k)];
  for (int k = 0; k < c.n; ++k) {
    const int i = c.dof(k);
    int adr = m.dof_Madr[i] + 1;
    T s = T(0);
    for (int j = m.dof_parentid[i]; j >= 0; j = m.dof_parentid[j], ++adr) s += c.d.qLD[adr] * xv[c.cidx(j)];
    xv[k] -= s;
  }
}

/// out[r] = J_r . in for the problem's rows.
template <class T, class L, class SI, class SO> SINEW_INLINE void mul_j(const Ctx<T, L>& c, const SI& in, const SO& out) {
  for (int r = 0; r < c.nefc; ++r) {
    T s = T(0);
    for (int x = 0; x < c.nnz(r); ++x) s += c.Jx(r, x) * in[c.ccol(r, x)];
    out[r] = s;
  }
}

/// fc = J' efc_force (compressed).
template <class T, class L> SINEW_INLINE void mul_jt_force(const Ctx<T, L>& c) {
  for (int k = 0; k < c.n; ++k) c.fc[k] = T(0);
  for (int r = 0; r < c.nefc; ++r) {
    const T f = c.d.efc_force[c.row(r)];
    if (f == T(0)) continue;
    for (int x = 0; x < c.nnz(r); ++x) c.fc[c.ccol(r, x)] += c.Jx(r, x) * f;
  }
}

template <class T, class L> SINEW_INLINE bool is_equality(const WorldData<T, L>& d, int i) { return d.efc_type[i] == CNSTR_EQUALITY; }
template <class T, class L> SINEW_INLINE bool is_friction(const WorldData<T, L>& d, int i) {
  return d.efc_type[i] == CNSTR_FRICTION_DOF || d.efc_type[i] == CNSTR_FRICTION_TENDON;
}

/// efc_force, efc_state of the problem's rows from jar (mj_constraintUpdate_impl); returns the
/// constraint cost. With cone_hessian, contact_H of contacts in the cone zone.
template <class T, class L, class SJ>
SINEW_INLINE T constraint_update(const Ctx<T, L>& c, const SJ& jar, bool cone_hessian) {
  const WorldData<T, L>& d = c.d;
  T s = T(0);
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    d.efc_force[i] = -d.efc_D[i] * jar[r];
  }
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    const T D = d.efc_D[i], j = jar[r];
    if (is_equality(d, i)) {
      s += T(0.5) * D * j * j;
      d.efc_state[i] = CSTATE_QUADRATIC;
    } else if (is_friction(d, i)) {
      const T R = d.efc_R[i], f = d.efc_frictionloss[i];
      if (j <= -R * f) {
        s += -T(0.5) * R * f * f - f * j;
        d.efc_force[i] = f;
        d.efc_state[i] = CSTATE_LINEARNEG;
      } else if (j >= R * f) {
        s += -T(0.5) * R * f * f + f * j;
        d.efc_force[i] = -f;
        d.efc_state[i] = CSTATE_LINEARPOS;
      } else {
        s += T(0.5) * D * j * j;
        d.efc_state[i] = CSTATE_QUADRATIC;
      }
    } else if (d.efc_type[i] != CNSTR_CONTACT_ELLIPTIC) {
      if (j >= T(0)) {
        d.efc_force[i] = T(0);
        d.efc_state[i] = CSTATE_SATISFIED;
      } else {
        s += T(0.5) * D * j * j;
        d.efc_state[i] = CSTATE_QUADRATIC;
      }
    } else {
      const int con = d.efc_id[i], dim = d.contact_dim[con];
      const T mu = d.contact_mu[con];
      T U[6];
      U[0] = j * mu;
      T tt = T(0);
      for (int k = 1; k < dim; ++k) {
        U[k] = jar[r + k] * d.contact_friction[5 * con + k - 1];
        tt += U[k] * U[k];
      }
      const T N = U[0], Tn = std::sqrt(tt);
      int st;
      if (N >= mu * Tn || (Tn <= T(0) && N >= T(0))) {
        for (int k = 0; k < dim; ++k) d.efc_force[c.row(r + k)] = T(0);
        st = CSTATE_SATISFIED;
      } else if (mu * N + Tn <= T(0) || (Tn <= T(0) && N < T(0))) {
        for (int k = 0; k < dim; ++k) {
          const int ik = c.row(r + k);
          s += T(0.5) * d.efc_D[ik] * jar[r + k] * jar[r + k];
        }
        st = CSTATE_QUADRATIC;
      } else {
        const T Dm = D / (mu * mu * (T(1) + mu * mu)), NmT = N - mu * Tn;
        s += T(0.5) * Dm * NmT * NmT;
        const T f0 = -Dm * NmT * mu;
        d.efc_force[i] = f0;
        for (int k = 1; k < dim; ++k) d.efc_force[c.row(r + k)] = -f0 / Tn * U[k] * d.contact_friction[5 * con + k - 1];
        st = CSTATE_CONE;
        if (cone_hessian) {
          const Span<T, L> Hl = subspan(d.contact_H, 36 * con);
          auto fr = [&](int k) { return k == 0 ? mu : d.contact_friction[5 * con + k - 1]; };
          Hl[0] = T(1);
          for (int k = 1; k < dim; ++k) Hl[k] = -mu / Tn * U[k];
          const T sc = mu * N / (Tn * Tn * Tn);
          for (int k = 1; k < dim; ++k)
            for (int q = k; q < dim; ++q) Hl[k * dim + q] = sc * U[q] * U[k];
          const T sd = mu * mu - mu * N / Tn;
          for (int k = 1; k < dim; ++k) Hl[k * (dim + 1)] += sd;
          for (int k = 0; k < dim; ++k) {
            const T sk = Dm * fr(k);
            for (int q = k; q < dim; ++q) Hl[k * dim + q] *= sk * fr(q);
          }
          for (int k = 0; k < dim; ++k)
            for (int q = k + 1; q < dim; ++q) Hl[q * dim + k] = Hl[k * dim + q];
        }
      }
      for (int k = 0; k < dim; ++k) d.efc_state[c.row(r + k)] = st;
      r += dim - 1;
    }
  }
  return s;
}

// ---- primal solver (CG and Newton), mj_solCGNewton ----

template <class T, class L> SINEW_INLINE void update_constraint(Ctx<T, L>& c) {
  const WorldData<T, L>& d = c.d;
  c.cost = constraint_update(c, c.Jaref, c.cone_hessian);
  mul_jt_force(c);
  c.nactive = 0;
  c.ncone = 0;
  for (int r = 0; r < c.nefc; ++r) {
    const int st = d.efc_state[c.row(r)];
    c.nactive += st != CSTATE_SATISFIED;
    c.ncone += st == CSTATE_CONE;
  }
  T gauss = T(0);
  for (int k = 0; k < c.n; ++k) {
    const int i = c.dof(k);
    gauss += T(0.5) * (c.Ma[k] - d.qfrc_smooth[i]) * (c.x[k] - d.qacc_smooth[i]);
  }
  c.quadGauss[0] = gauss;
  c.cost += gauss;
}

template <class T, class L> SINEW_INLINE void update_gradient(Ctx<T, L>& c) {
  for (int k = 0; k < c.n; ++k) c.grad[k] = c.Ma[k] - c.d.qfrc_smooth[c.dof(k)] - c.fc[k];
  if (c.newton) {  // the factor lives in reversed dof order (see factorize_hessian)
    const int n = c.n;
    for (int k = 0; k < n; ++k) c.tmp[n - 1 - k] = c.grad[k];
    if (c.ncone) chol_solve_env<T>(c.Hc, n, c.tmp, c.tmp, c.Hcfirst);
    else chol_solve_env<T>(c.H, n, c.tmp, c.tmp, c.Hfirst);
    for (int k = 0; k < n; ++k) c.Mgrad[k] = c.tmp[n - 1 - k];
  } else {
    for (int k = 0; k < c.n; ++k) c.Mgrad[k] = c.grad[k];
    solve_m_c(c, c.Mgrad);
  }
}

/// Lcone = chol(H + sum of cone contacts' J' H_c J) by rank-one updates of the factor H.
template <class T, class L> SINEW_INLINE void hessian_cone(Ctx<T, L>& c) {
  const WorldData<T, L>& d = c.d;
  const int n = c.n;
  for (int k = 0; k < n * n; ++k) c.Hc[k] = c.H[k];
  for (int k = 0; k < n; ++k) c.Hcfirst[k] = c.Hfirst[k];
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    if (d.efc_state[i] != CSTATE_CONE) continue;
    const int con = d.efc_id[i], dim = d.contact_dim[con];
    T local[36];
    for (int k = 0; k < dim * dim; ++k) local[k] = d.contact_H[36 * con + k];
    chol_factor(local, dim, min_val<T>());
    for (int k = 0; k < dim * n; ++k) c.LTJ[k] = T(0);
    for (int a = 0; a < dim; ++a)
      for (int b = 0; b <= a; ++b) {
        const T l = local[a * dim + b];
        for (int x = 0; x < c.nnz(r + a); ++x) c.LTJ[b * n + n - 1 - c.ccol(r + a, x)] += l * c.Jx(r + a, x);
      }
    for (int a = 0; a < dim; ++a) chol_update<T>(c.Hc, subspan(c.LTJ, a * n), n, true, c.Hcfirst);
    r += dim - 1;
  }
}

/// H = M + J' D J over the QUADRATIC rows, factored in place (MakeHessian + FactorizeHessian).
/// H is stored in reversed dof order (logical dof k at n-1-k): children before parents, so the
/// tree structure of M and of contact Jacobians creates no fill-in (as MuJoCo's reverse
/// Cholesky) and chol_factor_sparse skips the zeros. Storage (p, q), p >= q, holds the lower
/// triangle of the reversed matrix.
template <class T, class L> SINEW_INLINE void factorize_hessian(Ctx<T, L>& c) {
  const ModelView<T>& m = c.m;
  const WorldData<T, L>& d = c.d;
  const int n = c.n;
  const Span<int, L> nz = d.sol_nz;
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    c.Dh[r] = d.efc_state[i] == CSTATE_QUADRATIC ? d.efc_D[i] : T(0);
  }
  for (int k = 0; k < n * n; ++k) c.H[k] = T(0);
  for (int r = 0; r < c.nefc; ++r) {
    const T D = c.Dh[r];
    if (D == T(0)) continue;
    const int cnt = c.nnz(r);
    for (int x = 0; x < cnt; ++x) {
      const int a = c.ccol(r, x);
      const T s = D * c.Jx(r, x);
      for (int y = 0; y <= x; ++y) {
        const int b = c.ccol(r, y);  // b <= a: reversed row n-1-b >= column n-1-a
        c.H[(n - 1 - b) * n + (n - 1 - a)] += s * c.Jx(r, y);
      }
    }
  }
  for (int k = 0; k < n; ++k) {
    const int i = c.dof(k);
    int adr = m.dof_Madr[i];
    c.H[(n - 1 - k) * n + (n - 1 - k)] += d.qM[adr];
    ++adr;
    for (int j = m.dof_parentid[i]; j >= 0; j = m.dof_parentid[j], ++adr)
      c.H[(n - 1 - c.cidx(j)) * n + (n - 1 - k)] += d.qM[adr];
  }
  envelope<T>(c.H, n, c.Hfirst);
  chol_factor_sparse(c.H, n, min_val<T>(), nz);
  if (c.ncone) hessian_cone(c);
}

/// Rank-one updates of the factor for rows that entered or left the QUADRATIC state.
template <class T, class L, class SO> SINEW_INLINE void hessian_incremental(Ctx<T, L>& c, const SO& oldstate) {
  const WorldData<T, L>& d = c.d;
  const int n = c.n;
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    const bool was = oldstate[r] == CSTATE_QUADRATIC, is = d.efc_state[i] == CSTATE_QUADRATIC;
    if (was == is) continue;
    const T sq = std::sqrt(d.efc_D[i]);
    for (int k = 0; k < n; ++k) c.tmp[k] = T(0);
    for (int x = 0; x < c.nnz(r); ++x) c.tmp[n - 1 - c.ccol(r, x)] = c.Jx(r, x) * sq;  // reversed order, as H
    if (chol_update<T>(c.H, c.tmp, n, is, c.Hfirst) < n) {
      factorize_hessian(c);
      return;
    }
  }
  if (c.ncone) hessian_cone(c);
}

template <class T> struct LinePoint {
  T alpha = T(0), cost = T(0), deriv[2] = {T(0), T(0)};
};

/// Quadratic pieces of every row along the search direction (CGprepare).
template <class T, class L> SINEW_INLINE void prepare(Ctx<T, L>& c) {
  const WorldData<T, L>& d = c.d;
  T vm = T(0), vs = T(0), vmv = T(0);
  for (int k = 0; k < c.n; ++k) vm += c.search[k] * c.Ma[k];
  for (int k = 0; k < c.n; ++k) vs += d.qfrc_smooth[c.dof(k)] * c.search[k];
  for (int k = 0; k < c.n; ++k) vmv += c.search[k] * c.Mv[k];
  c.quadGauss[1] = vm - vs;
  c.quadGauss[2] = T(0.5) * vmv;
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    const T D = d.efc_D[i], ja = c.Jaref[r], jv = c.Jv[r];
    const T DJ0 = D * ja;
    T q0 = ja * DJ0, q1 = jv * DJ0, q2 = jv * D * jv;
    if (d.efc_type[i] == CNSTR_CONTACT_ELLIPTIC) {
      const int con = d.efc_id[i], dim = d.contact_dim[con];
      const T mu = d.contact_mu[con];
      for (int k = 1; k < dim; ++k) {
        const T Dk = d.efc_D[c.row(r + k)], DJk = Dk * c.Jaref[r + k];
        q0 += c.Jaref[r + k] * DJk;
        q1 += c.Jv[r + k] * DJk;
        q2 += c.Jv[r + k] * Dk * c.Jv[r + k];
      }
      T UU = T(0), UV = T(0), VV = T(0);
      for (int k = 1; k < dim; ++k) {
        const T f = d.contact_friction[5 * con + k - 1];
        const T U = c.Jaref[r + k] * f, V = c.Jv[r + k] * f;
        UU += U * U; UV += U * V; VV += V * V;
      }
      c.quad[3 * r + 3] = ja * mu;
      c.quad[3 * r + 4] = jv * mu;
      c.quad[3 * r + 5] = UU;
      c.quad[3 * r + 6] = UV;
      c.quad[3 * r + 7] = VV;
      c.quad[3 * r + 8] = D / ((mu * mu) * (T(1) + mu * mu));
      c.quad[3 * r] = T(0.5) * q0; c.quad[3 * r + 1] = q1; c.quad[3 * r + 2] = T(0.5) * q2;
      r += dim - 1;
      continue;
    }
    c.quad[3 * r] = T(0.5) * q0; c.quad[3 * r + 1] = q1; c.quad[3 * r + 2] = T(0.5) * q2;
  }
}

/// Cost and its first two derivatives at p.alpha along the search direction (CGeval).
template <class T, class L> SINEW_INLINE void eval(const Ctx<T, L>& c, LinePoint<T>& p, int& lsiter) {
  const WorldData<T, L>& d = c.d;
  const T alpha = p.alpha;
  T cost = T(0), d0 = T(0), d1 = T(0);
  T qt[3] = {c.quadGauss[0], c.quadGauss[1], c.quadGauss[2]};
  auto add = [&](int r) { qt[0] += c.quad[3 * r]; qt[1] += c.quad[3 * r + 1]; qt[2] += c.quad[3 * r + 2]; };
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    if (is_equality(d, i)) { add(r); continue; }
    if (is_friction(d, i)) {
      const T start = c.Jaref[r], dir = c.Jv[r], xx = start + alpha * dir;
      const T f = d.efc_frictionloss[i], Rf = d.efc_R[i] * f;
      if (-Rf < xx && xx < Rf) add(r);
      else if (xx <= -Rf) { qt[0] += f * (-T(0.5) * Rf - start); qt[1] += -f * dir; }
      else { qt[0] += f * (-T(0.5) * Rf + start); qt[1] += f * dir; }
      continue;
    }
    if (d.efc_type[i] == CNSTR_CONTACT_ELLIPTIC) {
      const int con = d.efc_id[i], dim = d.contact_dim[con];
      const T mu = d.contact_mu[con];
      const T U0 = c.quad[3 * r + 3], V0 = c.quad[3 * r + 4], UU = c.quad[3 * r + 5], UV = c.quad[3 * r + 6];
      const T VV = c.quad[3 * r + 7], Dm = c.quad[3 * r + 8];
      const T N = U0 + alpha * V0, Tsqr = UU + alpha * (T(2) * UV + alpha * VV);
      if (Tsqr <= T(0)) {
        if (N < T(0)) add(r);
      } else {
        const T Tn = std::sqrt(Tsqr);
        if (N >= mu * Tn) {
        } else if (mu * N + Tn <= T(0)) {
          add(r);
        } else {
          const T N1 = V0, T1 = (UV + alpha * VV) / Tn;
          const T T2 = VV / Tn - (UV + alpha * VV) * T1 / (Tn * Tn);
          cost += T(0.5) * Dm * (N - mu * Tn) * (N - mu * Tn);
          d0 += Dm * (N - mu * Tn) * (N1 - mu * T1);
          d1 += Dm * ((N1 - mu * T1) * (N1 - mu * T1) + (N - mu * Tn) * (-mu * T2));
        }
      }
      r += dim - 1;
      continue;
    }
    if (c.Jaref[r] + alpha * c.Jv[r] < T(0)) add(r);
  }
  cost += alpha * alpha * qt[2] + alpha * qt[1] + qt[0];
  d0 += T(2) * alpha * qt[2] + qt[1];
  d1 += T(2) * qt[2];
  if (d1 <= T(0)) d1 = min_val<T>();  // not convex: should not occur
  p.cost = cost;
  p.deriv[0] = d0;
  p.deriv[1] = d1;
  ++lsiter;
}

template <class T, class L>
SINEW_INLINE int update_bracket(const Ctx<T, L>& c, LinePoint<T>& p, const LinePoint<T> cand[3], LinePoint<T>& pnext, int& lsiter) {
  int flag = 0;
  for (int i = 0; i < 3; ++i) {
    if (p.deriv[0] < T(0) && cand[i].deriv[0] < T(0) && p.deriv[0] < cand[i].deriv[0]) { p = cand[i]; flag = 1; }
    else if (p.deriv[0] > T(0) && cand[i].deriv[0] > T(0) && p.deriv[0] > cand[i].deriv[0]) { p = cand[i]; flag = 2; }
  }
  if (flag) {
    pnext.alpha = p.alpha - p.deriv[0] / p.deriv[1];
    eval(c, pnext, lsiter);
  }
  return flag;
}

/// Step length along `search` (CGsearch); 0 when there is no improvement.
template <class T, class L> SINEW_INLINE T line_search(Ctx<T, L>& c) {
  const ModelView<T>& m = c.m;
  T sn = T(0);
  for (int k = 0; k < c.n; ++k) sn += c.search[k] * c.search[k];
  const T snorm = std::sqrt(sn);
  if (snorm < min_val<T>()) return T(0);
  const T gtol = m.opt.tolerance * m.opt.ls_tolerance * snorm / c.scale;
  const int lsmax = m.opt.ls_iterations;
  mul_m(c, c.search, c.Mv);
  mul_j(c, c.search, c.Jv);
  prepare(c);
  int it = 0;
  LinePoint<T> p0, p1, p2, pmid, p1next, p2next;
  p0.alpha = T(0);
  eval(c, p0, it);
  p1.alpha = p0.alpha - p0.deriv[0] / p0.deriv[1];
  eval(c, p1, it);
  if (p0.cost < p1.cost) p1 = p0;
  if (tabs(p1.deriv[0]) < gtol) return p1.alpha;
  const int dir = p1.deriv[0] < T(0) ? 1 : -1;
  bool p2update = false;
  while (p1.deriv[0] * T(dir) <= -gtol && it < lsmax) {
    p2 = p1;
    p2update = true;
    p1.alpha -= p1.deriv[0] / p1.deriv[1];
    eval(c, p1, it);
    if (tabs(p1.deriv[0]) < gtol) return p1.alpha;
  }
  if (it >= lsmax) return p1.alpha;
  if (!p2update) return p1.alpha;
  p2next = p1;
  p1next.alpha = p1.alpha - p1.deriv[0] / p1.deriv[1];
  eval(c, p1next, it);
  while (it < lsmax) {
    pmid.alpha = T(0.5) * (p1.alpha + p2.alpha);
    eval(c, pmid, it);
    const LinePoint<T> cand[3] = {p1next, p2next, pmid};
    T best = T(0);
    int bi = -1;
    for (int i = 0; i < 3; ++i)
      if (tabs(cand[i].deriv[0]) < gtol && (bi == -1 || cand[i].cost < best)) { best = cand[i].cost; bi = i; }
    if (bi >= 0) return cand[bi].alpha;
    const int b1 = update_bracket(c, p1, cand, p1next, it);
    const int b2 = update_bracket(c, p2, cand, p2next, it);
    if (!b1 && !b2) return pmid.alpha;
  }
  if (p1.cost <= p2.cost && p1.cost < p0.cost) return p1.alpha;
  if (p2.cost <= p1.cost && p2.cost < p0.cost) return p2.alpha;
  return T(0);
}

/// Newton or CG on the problem set up in c (island or whole world); returns the iterations.
/// Reads c.x (qacc, compressed) and writes it, c.fc (qfrc_constraint), efc_force and efc_state.
template <class T, class L> SINEW_INLINE int solve_primal(Ctx<T, L>& c, bool island) {
  const ModelView<T>& m = c.m;
  const WorldData<T, L>& d = c.d;
  const int n = c.n;
  mul_m(c, c.x, c.Ma);
  mul_j(c, c.x, c.Jaref);
  for (int r = 0; r < c.nefc; ++r) c.Jaref[r] -= d.efc_aref[c.row(r)];
  c.cone_hessian = c.newton && m.opt.cone == CONE_ELLIPTIC;
  update_constraint(c);
  if (c.newton) factorize_hessian(c);
  update_gradient(c);
  for (int k = 0; k < n; ++k) c.search[k] = -c.Mgrad[k];
  if (island) {
    T s = T(0);
    for (int k = 0; k < n; ++k) s += d.qM[m.dof_Madr[c.dof(k)]];
    c.scale = T(1) / s;
  } else {
    c.scale = T(1) / (m.stat_meaninertia[0] * T(n > 1 ? n : 1));
  }
  const Span<int, L> oldstate = d.sol_oldstate;
  int iter = 0;
  while (iter < m.opt.iterations) {
    const T alpha = line_search(c);
    if (alpha == T(0)) break;
    for (int k = 0; k < n; ++k) {
      c.x[k] += alpha * c.search[k];
      c.Ma[k] += alpha * c.Mv[k];
    }
    for (int r = 0; r < c.nefc; ++r) c.Jaref[r] += alpha * c.Jv[r];
    if (!c.newton)
      for (int k = 0; k < n; ++k) { c.gradold[k] = c.grad[k]; c.Mgradold[k] = c.Mgrad[k]; }
    for (int r = 0; r < c.nefc; ++r) oldstate[r] = d.efc_state[c.row(r)];
    const T oldcost = c.cost;
    update_constraint(c);
    if (c.newton) hessian_incremental(c, oldstate);
    update_gradient(c);
    T g = T(0);
    for (int k = 0; k < n; ++k) g += c.grad[k] * c.grad[k];
    const T improvement = c.scale * (oldcost - c.cost), gradient = c.scale * std::sqrt(g);
    ++iter;
    if (improvement < m.opt.tolerance || gradient < m.opt.tolerance) break;
    if (c.newton) {
      for (int k = 0; k < n; ++k) c.search[k] = -c.Mgrad[k];
    } else {
      T num = T(0), den = T(0);
      for (int k = 0; k < n; ++k) c.Mgraddif[k] = c.Mgrad[k] - c.Mgradold[k];
      for (int k = 0; k < n; ++k) num += c.grad[k] * c.Mgraddif[k];
      for (int k = 0; k < n; ++k) den += c.gradold[k] * c.Mgradold[k];
      T beta = num / (den > min_val<T>() ? den : min_val<T>());
      if (beta < T(0)) beta = T(0);
      for (int k = 0; k < n; ++k) c.search[k] = -c.Mgrad[k] + beta * c.search[k];
    }
  }
  return iter;
}

// ---- islands (mj_island): trees coupled by constraint rows ----

template <class T, class L> SINEW_INLINE int find_root(const WorldData<T, L>& d, int t) {
  while (d.sol_tree[t] != t) {
    d.sol_tree[t] = d.sol_tree[d.sol_tree[t]];
    t = d.sol_tree[t];
  }
  return t;
}

/// Fills nisland, island_dofadr/dofind (unconstrained dofs last), island_efcadr/efcind and
/// sol_dof2idof. Rows whose Jacobian is all zero belong to no island (their force stays 0).
template <class T, class L> SINEW_INLINE void find_islands(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nv = m.size.nv, nefc = d.nefc[0], ntree = m.size.ntree;
  const Span<int, L> efc_tree = d.sol_oldstate;  // scratch: each row's tree (-1: none)
  for (int t = 0; t < ntree; ++t) d.sol_tree[t] = t;
  for (int t = 0; t < ntree; ++t) d.island_dofadr[t] = 0;  // scratch: 1 when the tree has rows
  // a constraint's rows (same type and id, consecutive: a contact's cone, a weld's 6) stay
  // together even when one of them has an all-zero Jacobian row
  for (int r0 = 0; r0 < nefc;) {
    int r1 = r0 + 1;
    while (r1 < nefc && d.efc_type[r1] == d.efc_type[r0] && d.efc_id[r1] == d.efc_id[r0]) ++r1;
    int t0 = -1;
    for (int r = r0; r < r1; ++r)
      for (int x = 0; x < d.efc_J_rownnz[r]; ++x) {
        const int t = m.dof_treeid[d.efc_J_colind[r * nv + x]];
        if (t0 < 0) { t0 = t; continue; }
        if (t == t0) continue;
        const int a = find_root(d, t0), b = find_root(d, t);
        if (a != b) d.sol_tree[a > b ? a : b] = a < b ? a : b;
      }
    for (int r = r0; r < r1; ++r) efc_tree[r] = t0;
    if (t0 >= 0) d.island_dofadr[t0] = 1;
    r0 = r1;
  }
  // island index of each root with rows, in tree order; island of each tree in island_efcadr
  int nisland = 0;
  for (int t = 0; t < ntree; ++t) {
    if (d.island_dofadr[t]) d.island_dofadr[find_root(d, t)] = 1;
  }
  for (int t = 0; t < ntree; ++t) d.island_efcadr[t] = -1;
  for (int t = 0; t < ntree; ++t)
    if (find_root(d, t) == t && d.island_dofadr[t]) d.island_efcadr[t] = nisland++;
  for (int t = 0; t < ntree; ++t) d.island_efcadr[t] = d.island_efcadr[find_root(d, t)];
  // the tree -> island map moves to sol_tree (island_*adr are rebuilt below)
  for (int t = 0; t < ntree; ++t) d.sol_tree[t] = d.island_efcadr[t];
  d.nisland[0] = nisland;
  // dofs: island by island, ascending; then the unconstrained ones
  int pos = 0;
  for (int k = 0; k < nisland; ++k) {
    d.island_dofadr[k] = pos;
    for (int i = 0; i < nv; ++i)
      if (d.sol_tree[m.dof_treeid[i]] == k) { d.sol_dof2idof[i] = pos - d.island_dofadr[k]; d.island_dofind[pos++] = i; }
  }
  d.island_dofadr[nisland] = pos;
  for (int i = 0; i < nv; ++i)
    if (m.dof_treeid[i] < 0 || d.sol_tree[m.dof_treeid[i]] < 0) { d.sol_dof2idof[i] = -1; d.island_dofind[pos++] = i; }
  // rows: island by island, ascending
  pos = 0;
  for (int k = 0; k < nisland; ++k) {
    d.island_efcadr[k] = pos;
    for (int r = 0; r < nefc; ++r)
      if (efc_tree[r] >= 0 && d.sol_tree[efc_tree[r]] == k) d.island_efcind[pos++] = r;
  }
  d.island_efcadr[nisland] = pos;
}

// ---- dual solver (PGS), mj_solPGS ----

/// AR = J M^-1 J' + diag(R) (dense, nefc x nefc, row stride nefc).
template <class T, class L> SINEW_INLINE void make_ar(Ctx<T, L>& c) {
  const WorldData<T, L>& d = c.d;
  const int nefc = c.nefc, n = c.n;
  for (int r = 0; r < nefc; ++r) {
    for (int k = 0; k < n; ++k) c.tmp[k] = T(0);
    for (int x = 0; x < c.nnz(r); ++x) c.tmp[c.ccol(r, x)] = c.Jx(r, x);
    solve_m_c(c, c.tmp);
    for (int s = 0; s < nefc; ++s) {
      T v = T(0);
      for (int x = 0; x < c.nnz(s); ++x) v += c.Jx(s, x) * c.tmp[c.ccol(s, x)];
      d.efc_AR[r * nefc + s] = v;
    }
    d.efc_AR[r * nefc + r] += d.efc_R[r];
  }
}

template <class T, class L> SINEW_INLINE int dual_state(const WorldData<T, L>& d, int nefc) {
  int nactive = 0;
  for (int i = 0; i < nefc; ++i) {
    const T f = d.efc_force[i];
    if (is_equality(d, i)) { d.efc_state[i] = CSTATE_QUADRATIC; ++nactive; continue; }
    if (is_friction(d, i)) {
      const T fl = d.efc_frictionloss[i];
      d.efc_state[i] = f <= -fl ? CSTATE_LINEARPOS : f >= fl ? CSTATE_LINEARNEG : CSTATE_QUADRATIC;
      ++nactive;
      continue;
    }
    if (d.efc_type[i] != CNSTR_CONTACT_ELLIPTIC) {
      if (f <= T(0)) d.efc_state[i] = CSTATE_SATISFIED;
      else { d.efc_state[i] = CSTATE_QUADRATIC; ++nactive; }
      continue;
    }
    const int con = d.efc_id[i], dim = d.contact_dim[con];
    const T mu = d.contact_mu[con];
    T tt = T(0);
    for (int j = 1; j < dim; ++j) {
      const T fj = d.efc_force[i + j] / d.contact_friction[5 * con + j - 1];
      tt += fj * fj;
    }
    const T N = f / mu, Tn = std::sqrt(tt);
    int st;
    if (mu * N >= Tn) st = CSTATE_SATISFIED;
    else if (N + mu * Tn <= T(0)) { st = CSTATE_QUADRATIC; nactive += dim; }
    else { st = CSTATE_CONE; nactive += dim; }
    for (int j = 0; j < dim; ++j) d.efc_state[i + j] = st;
    i += dim - 1;
  }
  return nactive;
}

/// min 0.5 x'Ax + x'b subject to sum (x_i / d_i)^2 <= r^2, n <= 5 (mju_QCQP family): Newton
/// iteration on the multiplier of the scaled problem. Returns whether the constraint is active.
template <class T> SINEW_INLINE bool qcqp(T* res, const T* Ain, const T* bin, const T* dd, T r, int n) {
  T A[25], b[5], P[25], v[5], la = T(0);
  for (int i = 0; i < n; ++i) {
    b[i] = bin[i] * dd[i];
    for (int j = 0; j < n; ++j) A[i * n + j] = Ain[i * n + j] * dd[i] * dd[j];
  }
  for (int i = 0; i < n; ++i) v[i] = T(0);
  for (int iter = 0; iter < 20; ++iter) {
    for (int k = 0; k < n * n; ++k) P[k] = A[k];
    for (int i = 0; i < n; ++i) P[i * n + i] += la;
    if (chol_factor(P, n, T(1e-10)) < n) {
      for (int i = 0; i < n; ++i) res[i] = T(0);
      return false;
    }
    T mb[5];
    for (int i = 0; i < n; ++i) mb[i] = -b[i];
    chol_solve<T>(P, n, v, mb);  // v = -(A + la)^-1 b
    T val = -r * r;
    for (int i = 0; i < n; ++i) val += v[i] * v[i];
    if (val < T(1e-10)) break;
    T w[5];
    chol_solve<T>(P, n, w, v);  // w = (A + la)^-1 v
    T deriv = T(0);
    for (int i = 0; i < n; ++i) deriv += v[i] * w[i];
    deriv *= T(-2);
    const T delta = -val / deriv;
    if (delta < T(1e-10)) break;
    la += delta;
  }
  for (int i = 0; i < n; ++i) res[i] = v[i] * dd[i];
  return la != T(0);
}

/// mju_QCQP2: the same problem for n = 2 with MuJoCo's explicit 2 x 2 inverse.
template <class T> SINEW_INLINE bool qcqp2(T* res, const T* Ain, const T* bin, const T* d, T r) {
  const T b1 = bin[0] * d[0], b2 = bin[1] * d[1];
  const T A11 = Ain[0] * d[0] * d[0], A22 = Ain[3] * d[1] * d[1], A12 = Ain[1] * d[0] * d[1];
  T la = T(0), v1 = T(0), v2 = T(0);
  for (int iter = 0; iter < 20; ++iter) {
    const T det = (A11 + la) * (A22 + la) - A12 * A12;
    if (det < T(1e-10)) { res[0] = res[1] = T(0); return false; }
    const T detinv = T(1) / det;
    const T P11 = (A22 + la) * detinv, P22 = (A11 + la) * detinv, P12 = -A12 * detinv;
    v1 = -P11 * b1 - P12 * b2;
    v2 = -P12 * b1 - P22 * b2;
    const T val = v1 * v1 + v2 * v2 - r * r;
    if (val < T(1e-10)) break;
    const T deriv = T(-2.0) * (P11 * v1 * v1 + T(2.0) * P12 * v1 * v2 + P22 * v2 * v2);
    const T delta = -val / deriv;
    if (delta < T(1e-10)) break;
    la += delta;
  }
  res[0] = v1 * d[0];
  res[1] = v2 * d[1];
  return la != T(0);
}

/// mju_QCQP3: n = 3 with MuJoCo's explicit 3 x 3 inverse (adjugate over determinant).
template <class T> SINEW_INLINE bool qcqp3(T* res, const T* Ain, const T* bin, const T* d, T r) {
  const T b1 = bin[0] * d[0], b2 = bin[1] * d[1], b3 = bin[2] * d[2];
  const T A11 = Ain[0] * d[0] * d[0], A22 = Ain[4] * d[1] * d[1], A33 = Ain[8] * d[2] * d[2];
  const T A12 = Ain[1] * d[0] * d[1], A13 = Ain[2] * d[0] * d[2], A23 = Ain[5] * d[1] * d[2];
  T la = T(0), v1 = T(0), v2 = T(0), v3 = T(0);
  for (int iter = 0; iter < 20; ++iter) {
    T P11 = (A22 + la) * (A33 + la) - A23 * A23;
    T P22 = (A11 + la) * (A33 + la) - A13 * A13;
    T P33 = (A11 + la) * (A22 + la) - A12 * A12;
    T P12 = A13 * A23 - A12 * (A33 + la);
    T P13 = A12 * A23 - A13 * (A22 + la);
    T P23 = A12 * A13 - A23 * (A11 + la);
    const T det = (A11 + la) * P11 + A12 * P12 + A13 * P13;
    if (det < T(1e-10)) { res[0] = res[1] = res[2] = T(0); return false; }
    const T detinv = T(1) / det;
    P11 *= detinv; P22 *= detinv; P33 *= detinv; P12 *= detinv; P13 *= detinv; P23 *= detinv;
    v1 = -P11 * b1 - P12 * b2 - P13 * b3;
    v2 = -P12 * b1 - P22 * b2 - P23 * b3;
    v3 = -P13 * b1 - P23 * b2 - P33 * b3;
    const T val = v1 * v1 + v2 * v2 + v3 * v3 - r * r;
    if (val < T(1e-10)) break;
    const T deriv = T(-2.0) * (P11 * v1 * v1 + P22 * v2 * v2 + P33 * v3 * v3) -
                    T(4.0) * (P12 * v1 * v2 + P13 * v1 * v3 + P23 * v2 * v3);
    const T delta = -val / deriv;
    if (delta < T(1e-10)) break;
    la += delta;
  }
  res[0] = v1 * d[0];
  res[1] = v2 * d[1];
  res[2] = v3 * d[2];
  return la != T(0);
}

/// The QCQP MuJoCo's dual solvers call for n friction dimensions (2, 3: closed forms; else general).
template <class T> SINEW_INLINE bool qcqp_n(T* res, const T* A, const T* b, const T* d, T r, int n) {
  if (n == 2) return qcqp2(res, A, b, d, r);
  if (n == 3) return qcqp3(res, A, b, d, r);
  return qcqp(res, A, b, d, r, n);
}

template <class T, class L> SINEW_INLINE int solve_pgs(Ctx<T, L>& c) {
  const ModelView<T>& m = c.m;
  const WorldData<T, L>& d = c.d;
  const int nefc = c.nefc;
  const T scale = T(1) / (m.stat_meaninertia[0] * T(c.n > 1 ? c.n : 1));
  const Span<T, L> ARinv = c.Dh;
  for (int i = 0; i < nefc; ++i) ARinv[i] = T(1) / d.efc_AR[i * nefc + i];
  dual_state(d, nefc);
  int iter = 0;
  while (iter < m.opt.iterations) {
    T improvement = T(0);
    for (int i = 0; i < nefc; ++i) {
      const bool ell = d.efc_type[i] == CNSTR_CONTACT_ELLIPTIC;
      const int con = ell ? d.efc_id[i] : -1, dim = ell ? d.contact_dim[con] : 1;
      T res[6] = {}, old[6], Ath[36];
      for (int j = 0; j < dim; ++j) {
        T s = d.efc_b[i + j];
        for (int k = 0; k < nefc; ++k) s += d.efc_AR[(i + j) * nefc + k] * d.efc_force[k];
        res[j] = s;
        old[j] = d.efc_force[i + j];
      }
      if (!ell) {
        d.efc_force[i] -= res[0] * ARinv[i];
        if (is_friction(d, i)) {
          const T fl = d.efc_frictionloss[i];
          if (d.efc_force[i] < -fl) d.efc_force[i] = -fl;
          else if (d.efc_force[i] > fl) d.efc_force[i] = fl;
        } else if (!is_equality(d, i) && d.efc_force[i] < T(0)) {
          d.efc_force[i] = T(0);
        }
        Ath[0] = T(1) / ARinv[i];
      } else {
        T mu[5];
        for (int j = 0; j < 5; ++j) mu[j] = d.contact_friction[5 * con + j];
        for (int a = 0; a < dim; ++a)
          for (int b = 0; b < dim; ++b) Ath[a * dim + b] = d.efc_AR[(i + a) * nefc + i + b];
        if (d.efc_force[i] < min_val<T>()) {  // normal update
          d.efc_force[i] -= res[0] * ARinv[i];
          if (d.efc_force[i] < T(0)) d.efc_force[i] = T(0);
          for (int j = 1; j < dim; ++j) d.efc_force[i + j] = T(0);
        } else {  // ray update
          T v[6], v1[6], den = T(0), num = T(0);
          for (int j = 0; j < dim; ++j) v[j] = d.efc_force[i + j];
          for (int a = 0; a < dim; ++a) {
            v1[a] = T(0);
            for (int b = 0; b < dim; ++b) v1[a] += Ath[a * dim + b] * v[b];
            den += v[a] * v1[a];
            num += v[a] * res[a];
          }
          if (den >= min_val<T>()) {
            T xs = -num / den;
            if (d.efc_force[i] + xs * v[0] < T(0)) xs = -v[0] / d.efc_force[i];
            for (int j = 0; j < dim; ++j) d.efc_force[i + j] += xs * v[j];
          }
        }
        // friction update with the normal fixed
        const int nf = dim - 1;
        T Ac[25], bc[5];
        for (int a = 0; a < nf; ++a) {
          bc[a] = res[1 + a];
          for (int b = 0; b < nf; ++b) Ac[a * nf + b] = Ath[(a + 1) * dim + b + 1];
          for (int b = 0; b < nf; ++b) bc[a] -= Ac[a * nf + b] * old[1 + b];
          bc[a] += Ath[(a + 1) * dim] * (d.efc_force[i] - old[0]);
        }
        if (d.efc_force[i] < min_val<T>()) {
          for (int j = 1; j < dim; ++j) d.efc_force[i + j] = T(0);
        } else {
          T v[5];
          const bool active = qcqp_n(v, Ac, bc, mu, d.efc_force[i], nf);
          if (active) {
            T s = T(0);
            for (int j = 0; j < nf; ++j) s += v[j] * v[j] / (mu[j] * mu[j]);
            s = std::sqrt(d.efc_force[i] * d.efc_force[i] / (s > min_val<T>() ? s : min_val<T>()));
            for (int j = 0; j < nf; ++j) v[j] *= s;
          }
          for (int j = 0; j < nf; ++j) d.efc_force[i + 1 + j] = v[j];
        }
      }
      // cost change of this block; a positive change restores the old force
      T delta[6], change = T(0);
      for (int j = 0; j < dim; ++j) delta[j] = d.efc_force[i + j] - old[j];
      for (int a = 0; a < dim; ++a) {
        T s = T(0);
        for (int b = 0; b < dim; ++b) s += Ath[a * dim + b] * delta[b];
        change += T(0.5) * delta[a] * s + delta[a] * res[a];
      }
      if (change > T(1e-10)) {
        for (int j = 0; j < dim; ++j) d.efc_force[i + j] = old[j];
        change = T(0);
      }
      improvement -= change;
      i += dim - 1;
    }
    dual_state(d, nefc);
    improvement *= scale;
    ++iter;
    if (improvement < m.opt.tolerance) break;
  }
  return iter;
}

// ---- the noslip post-solver, mj_solNoSlip ----

/// Projected Gauss-Seidel on the friction rows only (dry friction, pyramid edge pairs, elliptic
/// tangential forces) on AR without its regularizer (J M^-1 J'), normal forces held; then
/// qfrc_constraint = J' f and qacc = qacc_smooth + M^-1 qfrc_constraint. MuJoCo reads AR; here
/// the rows of W = M^-1 J' (sol_W, njmax x nv instead of njmax x njmax) and u = W' f, kept up to
/// date as forces change, give the same numbers up to rounding: a row's residual is
/// b_i + J_i u, a block of AR - R is J_a W_b'. Returns the iterations run.
template <class T, class L> SINEW_INLINE int solve_noslip(Ctx<T, L>& c, int maxiter) {
  const ModelView<T>& m = c.m;
  const WorldData<T, L>& d = c.d;
  const int nefc = c.nefc, nv = c.n, ne = d.ne[0], nf = d.nf[0];
  const T scale = T(1) / (m.stat_meaninertia[0] * T(nv > 1 ? nv : 1));
  const Span<T, L> ARinv = c.Dh, u = c.tmp;
  const auto W = [&](int r) { return subspan(d.sol_W, r * nv); };
  const auto jdot = [&](int r, const Span<T, L>& v) {  // J_r . v
    T s = T(0);
    for (int x = 0; x < c.nnz(r); ++x) s += c.Jx(r, x) * v[c.ccol(r, x)];
    return s;
  };
  for (int r = 0; r < nefc; ++r) {
    const Span<T, L> w = W(r);
    for (int k = 0; k < nv; ++k) w[k] = T(0);
    for (int x = 0; x < c.nnz(r); ++x) w[c.ccol(r, x)] = c.Jx(r, x);
    solve_m_c(c, w);
  }
  for (int k = 0; k < nv; ++k) u[k] = T(0);
  for (int r = 0; r < nefc; ++r) {
    const T f = d.efc_force[r];
    if (f != T(0))
      for (int k = 0; k < nv; ++k) u[k] += W(r)[k] * f;
  }
  for (int i = ne; i < ne + nf; ++i) {  // only the dry-friction rows use the diagonal
    const T a = jdot(i, W(i));
    ARinv[i] = T(1) / (min_val<T>() > a ? min_val<T>() : a);
  }
  const auto residual = [&](T* res, int i, int dim) {
    for (int j = 0; j < dim; ++j) res[j] = d.efc_b[i + j] + jdot(i + j, u);
  };
  const auto block = [&](T* Ac, int start, int n) {  // diagonal clamped to >= 1e-10
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k) Ac[j * n + k] = jdot(start + j, W(start + k));
    for (int j = 0; j < n; ++j)
      if (Ac[j * (n + 1)] < T(1e-10)) Ac[j * (n + 1)] = T(1e-10);
  };
  const auto moved = [&](int at, const T* old, int dim) {  // u += W' (f - old) over the block
    for (int j = 0; j < dim; ++j) {
      const T df = d.efc_force[at + j] - old[j];
      if (df != T(0))
        for (int k = 0; k < nv; ++k) u[k] += W(at + j)[k] * df;
    }
  };
  const auto cost_change = [&](const T* A, int at, const T* old, const T* res, int dim) {
    T delta[6], change = T(0), quad = T(0);
    for (int j = 0; j < dim; ++j) delta[j] = d.efc_force[at + j] - old[j];
    for (int a = 0; a < dim; ++a) {
      T s = T(0);
      for (int b = 0; b < dim; ++b) s += A[a * dim + b] * delta[b];
      quad += delta[a] * s;
    }
    for (int j = 0; j < dim; ++j) change += delta[j] * res[j];
    change += T(0.5) * quad;
    if (change > T(1e-10)) {  // a positive change restores the old forces
      for (int j = 0; j < dim; ++j) d.efc_force[at + j] = old[j];
      change = T(0);
    }
    moved(at, old, dim);
    return change;
  };
  dual_state(d, nefc);
  int iter = 0;
  while (iter < maxiter) {
    T improvement = T(0);
    if (iter == 0)
      for (int i = 0; i < nefc; ++i) improvement += T(0.5) * d.efc_force[i] * d.efc_force[i] * d.efc_R[i];
    for (int i = ne; i < ne + nf; ++i) {  // dry friction
      T res[1], old[1] = {d.efc_force[i]};
      residual(res, i, 1);
      d.efc_force[i] -= res[0] * ARinv[i];
      const T fl = d.efc_frictionloss[i];
      if (d.efc_force[i] < -fl) d.efc_force[i] = -fl;
      else if (d.efc_force[i] > fl) d.efc_force[i] = fl;
      const T delta = d.efc_force[i] - old[0];
      improvement -= T(0.5) * delta * delta / ARinv[i] + delta * res[0];
      moved(i, old, 1);
    }
    for (int i = ne + nf; i < nefc; ++i) {
      if (d.efc_type[i] == CNSTR_CONTACT_PYRAMIDAL) {
        const int dim = d.contact_dim[d.efc_id[i]];
        for (int j = i; j < i + 2 * (dim - 1); j += 2) {  // pairs of opposing pyramid edges
          T res[2], old[2] = {d.efc_force[j], d.efc_force[j + 1]}, Ac[4], bc[2];
          residual(res, j, 2);
          block(Ac, j, 2);
          for (int k = 0; k < 2; ++k) bc[k] = res[k] - (Ac[k * 2] * old[0] + Ac[k * 2 + 1] * old[1]);
          const T mid = T(0.5) * (d.efc_force[j] + d.efc_force[j + 1]);
          const T K1 = Ac[0] + Ac[3] - Ac[1] - Ac[2];
          const T K0 = mid * (Ac[0] - Ac[3]) + bc[0] - bc[1];
          if (K1 < min_val<T>()) {
            d.efc_force[j] = d.efc_force[j + 1] = mid;
          } else {
            const T y = -K0 / K1;
            if (y < -mid) { d.efc_force[j] = T(0); d.efc_force[j + 1] = T(2) * mid; }
            else if (y > mid) { d.efc_force[j] = T(2) * mid; d.efc_force[j + 1] = T(0); }
            else { d.efc_force[j] = mid + y; d.efc_force[j + 1] = mid - y; }
          }
          improvement -= cost_change(Ac, j, old, res, 2);
        }
        i += 2 * (dim - 1) - 1;
      } else if (d.efc_type[i] == CNSTR_CONTACT_ELLIPTIC) {
        const int con = d.efc_id[i], dim = d.contact_dim[con], nfr = dim - 1;
        T res[5], old[5], Ac[25], bc[5], mu[5];
        for (int j = 0; j < 5; ++j) mu[j] = d.contact_friction[5 * con + j];
        residual(res, i + 1, nfr);
        for (int j = 0; j < nfr; ++j) old[j] = d.efc_force[i + 1 + j];
        block(Ac, i + 1, nfr);
        for (int j = 0; j < nfr; ++j) {
          T s = T(0);
          for (int k = 0; k < nfr; ++k) s += Ac[j * nfr + k] * old[k];
          bc[j] = res[j] - s;
        }
        if (d.efc_force[i] < min_val<T>()) {
          for (int j = 0; j < nfr; ++j) d.efc_force[i + 1 + j] = T(0);
        } else {
          T v[5];
          if (qcqp_n(v, Ac, bc, mu, d.efc_force[i], nfr)) {  // on the cone: put v on the ellipsoid
            T s = T(0);
            for (int j = 0; j < nfr; ++j) s += v[j] * v[j] / (mu[j] * mu[j]);
            s = std::sqrt(d.efc_force[i] * d.efc_force[i] / (min_val<T>() > s ? min_val<T>() : s));
            for (int j = 0; j < nfr; ++j) v[j] *= s;
          }
          for (int j = 0; j < nfr; ++j) d.efc_force[i + 1 + j] = v[j];
        }
        improvement -= cost_change(Ac, i + 1, old, res, nfr);
        i += nfr;
      }
    }
    dual_state(d, nefc);
    improvement *= scale;
    ++iter;
    if (improvement < m.opt.noslip_tolerance) break;
  }
  // dualFinish
  mul_jt_force(c);
  for (int k = 0; k < nv; ++k) { d.qfrc_constraint[k] = c.fc[k]; c.tmp[k] = c.fc[k]; }
  solve_m_c(c, c.tmp);
  for (int k = 0; k < nv; ++k) d.qacc[k] = d.qacc_smooth[k] + c.tmp[k];
  return iter;
}

}  // namespace solver_detail

/// The constraint solver of one world (see the header). Needs the position stage (rows, islands
/// are found here), the velocity stage (efc_aref) and qfrc_smooth / qacc_smooth.
template <class T, class L> SINEW_HD inline void fwd_constraint_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  using namespace solver_detail;
  const int nv = m.size.nv, nefc = d.nefc[0];
  for (int i = 0; i < nv; ++i) d.qfrc_constraint[i] = T(0);
  for (int k = 0; k <= m.size.ntree; ++k) d.solver_niter[k] = 0;
  d.nisland[0] = 0;
  if (nefc == 0) {
    for (int i = 0; i < nv; ++i) d.qacc[i] = d.qacc_smooth[i];
    return;
  }
  Ctx<T, L> w(m, d);  // the whole world
  w.n = nv;
  w.nefc = nefc;
  const bool pgs = m.opt.solver == SOL_PGS;
  // efc_b = J qacc_smooth - aref
  for (int k = 0; k < nv; ++k) w.x[k] = d.qacc_smooth[k];
  mul_j(w, w.x, d.efc_b);
  for (int r = 0; r < nefc; ++r) d.efc_b[r] -= d.efc_aref[r];
  const int noslip = m.opt.noslip_iterations;
  if (pgs) make_ar(w);
  // islands are found for every solver (nisland is reported as MuJoCo does); PGS, and every
  // solver when noslip runs, still solve the whole world at once, as MuJoCo 3.4
  const bool islands = !m.opt.disabled(DSBL_ISLAND);
  if (islands) find_islands(m, d);

  // warm start: the better of qacc_warmstart and qacc_smooth
  if (!m.opt.disabled(DSBL_WARMSTART)) {
    for (int k = 0; k < nv; ++k) { d.qacc[k] = d.qacc_warmstart[k]; w.x[k] = d.qacc_warmstart[k]; }
    mul_j(w, w.x, w.Jaref);
    for (int r = 0; r < nefc; ++r) w.Jaref[r] -= d.efc_aref[r];
    T cost_ws = constraint_update(w, w.Jaref, false);
    if (pgs) {
      T c = T(0);
      for (int r = 0; r < nefc; ++r) {
        T s = T(0);
        for (int k = 0; k < nefc; ++k) s += d.efc_AR[r * nefc + k] * d.efc_force[k];
        c += d.efc_force[r] * d.efc_b[r] + T(0.5) * d.efc_force[r] * s;
      }
      if (c > T(0))
        for (int r = 0; r < nefc; ++r) d.efc_force[r] = T(0);
    } else {
      mul_m(w, w.x, w.Ma);
      for (int k = 0; k < nv; ++k) cost_ws += T(0.5) * (w.Ma[k] - d.qfrc_smooth[k]) * (d.qacc_warmstart[k] - d.qacc_smooth[k]);
      for (int r = 0; r < nefc; ++r) w.Jaref[r] = d.efc_b[r];
      const T cost_smooth = constraint_update(w, w.Jaref, false);
      if (cost_ws > cost_smooth)
        for (int k = 0; k < nv; ++k) d.qacc[k] = d.qacc_smooth[k];
    }
    if (islands)
      for (int p = d.island_dofadr[d.nisland[0]]; p < nv; ++p) d.qacc[d.island_dofind[p]] = d.qacc_smooth[d.island_dofind[p]];
  } else {
    for (int k = 0; k < nv; ++k) d.qacc[k] = d.qacc_smooth[k];
    for (int r = 0; r < nefc; ++r) d.efc_force[r] = T(0);
  }

  if (pgs) {
    d.solver_niter[0] = solve_pgs(w);
    mul_jt_force(w);
    for (int k = 0; k < nv; ++k) { d.qfrc_constraint[k] = w.fc[k]; w.tmp[k] = w.fc[k]; }
    solve_m_c(w, w.tmp);
    for (int k = 0; k < nv; ++k) d.qacc[k] = d.qacc_smooth[k] + w.tmp[k];
    if (noslip > 0) d.solver_niter[0] += solve_noslip(w, noslip);
    return;
  }
  const bool newton = m.opt.solver == SOL_NEWTON;
  if (!islands || noslip > 0 || d.nisland[0] == 0) {
    w.newton = newton;
    for (int k = 0; k < nv; ++k) w.x[k] = d.qacc[k];
    d.solver_niter[0] = solve_primal(w, false);
    for (int k = 0; k < nv; ++k) { d.qacc[k] = w.x[k]; d.qfrc_constraint[k] = w.fc[k]; }
    if (noslip > 0) d.solver_niter[0] += solve_noslip(w, noslip);
    return;
  }
  for (int k = 0; k < d.nisland[0]; ++k) {
    Ctx<T, L> c(m, d);
    c.newton = newton;
    c.dofadr = d.island_dofadr[k];
    c.efcadr = d.island_efcadr[k];
    c.n = d.island_dofadr[k + 1] - c.dofadr;
    c.nefc = d.island_efcadr[k + 1] - c.efcadr;
    c.dident = c.n == nv;
    c.rident = c.nefc == nefc;
    for (int q = 0; q < c.n; ++q) c.x[q] = d.qacc[c.dof(q)];
    d.solver_niter[k] = solve_primal(c, true);
    for (int q = 0; q < c.n; ++q) { d.qacc[c.dof(q)] = c.x[q]; d.qfrc_constraint[c.dof(q)] = c.fc[q]; }
  }
}

}  // namespace sinew
