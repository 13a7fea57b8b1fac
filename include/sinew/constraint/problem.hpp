// Constraint solver, part 1 of 5 (constraint/solver.hpp has the overview and the entry point):
// the problem of one island or of the whole world (Ctx), the products with M, M^-1, J and J'
// it is built from, and the constraint update (mj_constraintUpdate_impl) every solver shares.
#pragma once
#include <cmath>

#include "sinew/data/data.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/math/cholesky.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Constraint states (mjtConstraintState values).
enum ConstraintState : int {
  CSTATE_SATISFIED = 0,
  CSTATE_QUADRATIC = 1,
  CSTATE_LINEARNEG = 2,
  CSTATE_LINEARPOS = 3,
  CSTATE_CONE = 4
};

namespace solver_detail {
using cholesky::chol_factor;
using cholesky::chol_factor_sparse;
using cholesky::chol_mask_set;
using cholesky::chol_mask_words;
using cholesky::chol_solve;
using cholesky::chol_update;

// dense Cholesky (chol_factor, chol_solve, chol_update): math/cholesky.hpp

// ---- the problem of one island (or of the whole world) ----

template <class T, class L> struct Ctx {
  const ModelView<T>& m;
  const WorldData<T, L>& d;
  int n = 0, nefc = 0;                // dofs and rows of this problem
  int w = 0;                          // efc_J's row width (ModelSizes::efc_width)
  int dofadr = 0, efcadr = 0;         // its ranges in island_dofind / island_efcind
  bool dident = true, rident = true;  // dofs / rows are all of the world's, in order
  bool newton = false, cone_hessian = false;
  T scale = T(1), cost = T(0), quadGauss[3] = {T(0), T(0), T(0)};
  int nactive = 0, ncone = 0;
  // compressed vectors (n values each) and row vectors (nefc values)
  Span<T, L> Ma, Mv, grad, Mgrad, search, gradold, Mgradold, Mgraddif, x, fc, tmp, colv, LTJ;
  Span<T, L> Jaref, Jv, quad, Dh;
  Span<T, L> H, Hc;
  Span<int, L> Hfirst, Hcfirst;  // envelopes of the factors of H and Hc (chol_update, chol_solve_env)

  SINEW_INLINE Ctx(const ModelView<T>& m_, const WorldData<T, L>& d_) : m(m_), d(d_) {
    const int nv = m.size.nv;
    w = m.size.efc_width();
    auto v = [&](int k) { return subspan(d.sol_vec, k * nv); };
    Ma = v(0);
    Mv = v(1);
    grad = v(2);
    Mgrad = v(3);
    search = v(4);
    gradold = v(5);
    Mgradold = v(6);
    Mgraddif = v(7);
    x = v(8);
    fc = v(9);
    tmp = v(10);
    colv = v(11);  // chol_factor_sparse's column values
    LTJ = v(12);
    Jaref = d.sol_Jaref;
    Jv = d.sol_Jv;
    quad = d.sol_quad;
    Dh = d.sol_D;
    H = d.sol_H;
    Hc = d.sol_Hcone;
    Hfirst = d.sol_Hfirst;
    Hcfirst = d.sol_Hcfirst;
  }
  SINEW_INLINE int dof(int c) const { return dident ? c : d.island_dofind[dofadr + c]; }
  SINEW_INLINE int row(int c) const { return rident ? c : d.island_efcind[efcadr + c]; }
  SINEW_INLINE int cidx(int dofid) const { return dident ? dofid : d.sol_dof2idof[dofid]; }
  // row c's nonzeros: nnz(c) of them; the x-th is at compressed column ccol(c, x), value Jx(c, x)
  // (compressed columns ascend with the world's, so the order is kept)
  SINEW_INLINE int nnz(int c) const { return d.efc_J_rownnz[row(c)]; }
  SINEW_INLINE int wcol(int c, int x) const { return d.efc_J_colind[row(c) * w + x]; }
  SINEW_INLINE int ccol(int c, int x) const { return cidx(wcol(c, x)); }
  SINEW_INLINE T Jx(int c, int x) const { return d.efc_J[row(c) * w + x]; }
};

/// out = M in, both compressed.
template <class T, class L, class SI, class SO>
SINEW_INLINE void mul_m(const Ctx<T, L>& c, const SI& in, const SO& out) {
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
    const int i = c.dof(k), end = m.dof_Madr[i] + m_rownnz(m, i);
    for (int adr = m.dof_Madr[i] + 1; adr < end; ++adr) xv[c.cidx(m.qM_colind[adr])] -= c.d.qLD[adr] * xk;
  }
  for (int k = 0; k < c.n; ++k) xv[k] *= c.d.qLDiagInv[c.dof(k)];
  const auto col = [&](int adr) { return c.cidx(m.qM_colind[adr]); };
  for (int k = 0; k < c.n; ++k) {
    const int i = c.dof(k), start = m.dof_Madr[i] + 1, end = m.dof_Madr[i] + m_rownnz(m, i);
    if (end > start) xv[k] -= ld_dot<T>(c.d.qLD, xv, start, end, col);
  }
}

/// out[r] = J_r . in for the problem's rows.
template <class T, class L, class SI, class SO>
SINEW_INLINE void mul_j(const Ctx<T, L>& c, const SI& in, const SO& out) {
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

template <class T, class L> SINEW_INLINE bool is_equality(const WorldData<T, L>& d, int i) {
  return d.efc_type[i] == CNSTR_EQUALITY;
}
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

}  // namespace solver_detail
}  // namespace sinew
