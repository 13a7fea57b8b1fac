// Constraint solver, part 5 of 5 (constraint/solver.hpp has the overview): the noslip
// post-solver (mj_solNoSlip) on the friction rows, run after any main solver.
#pragma once
#include <cmath>

#include "sinew/constraint/pgs.hpp"
#include "sinew/constraint/problem.hpp"

namespace sinew {
namespace solver_detail {

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
            if (y < -mid) {
              d.efc_force[j] = T(0);
              d.efc_force[j + 1] = T(2) * mid;
            } else if (y > mid) {
              d.efc_force[j] = T(2) * mid;
              d.efc_force[j + 1] = T(0);
            } else {
              d.efc_force[j] = mid + y;
              d.efc_force[j + 1] = mid - y;
            }
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
  for (int k = 0; k < nv; ++k) {
    d.qfrc_constraint[k] = c.fc[k];
    c.tmp[k] = c.fc[k];
  }
  solve_m_c(c, c.tmp);
  for (int k = 0; k < nv; ++k) d.qacc[k] = d.qacc_smooth[k] + c.tmp[k];
  return iter;
}

}  // namespace solver_detail
}  // namespace sinew
