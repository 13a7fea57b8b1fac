// Constraint solver, part 4 of 5 (constraint/solver.hpp has the overview): the dual solver PGS
// (mj_solPGS) on AR = J M^-1 J' + R, with the dual states and the QCQP friction updates that the
// noslip post-solver (constraint/noslip.hpp) shares.
#pragma once
#include <cmath>

#include "sinew/constraint/problem.hpp"

namespace sinew {
namespace solver_detail {

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
    if (is_equality(d, i)) {
      d.efc_state[i] = CSTATE_QUADRATIC;
      ++nactive;
      continue;
    }
    if (is_friction(d, i)) {
      const T fl = d.efc_frictionloss[i];
      d.efc_state[i] = f <= -fl ? CSTATE_LINEARPOS : f >= fl ? CSTATE_LINEARNEG : CSTATE_QUADRATIC;
      ++nactive;
      continue;
    }
    if (d.efc_type[i] != CNSTR_CONTACT_ELLIPTIC) {
      if (f <= T(0)) d.efc_state[i] = CSTATE_SATISFIED;
      else {
        d.efc_state[i] = CSTATE_QUADRATIC;
        ++nactive;
      }
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
    else if (N + mu * Tn <= T(0)) {
      st = CSTATE_QUADRATIC;
      nactive += dim;
    } else {
      st = CSTATE_CONE;
      nactive += dim;
    }
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
    if (det < T(1e-10)) {
      res[0] = res[1] = T(0);
      return false;
    }
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
    if (det < T(1e-10)) {
      res[0] = res[1] = res[2] = T(0);
      return false;
    }
    const T detinv = T(1) / det;
    P11 *= detinv;
    P22 *= detinv;
    P33 *= detinv;
    P12 *= detinv;
    P13 *= detinv;
    P23 *= detinv;
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

}  // namespace solver_detail
}  // namespace sinew
