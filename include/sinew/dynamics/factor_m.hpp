// Sparse L^T D L factorization of a matrix in the mass-matrix layout, and its solve (mj_factorI,
// mj_solveLD). The elimination runs from the leaves up and creates no fill-in, because the
// sparsity follows the dof tree (dof_parentid); the loops index columns through qM_colind.
//
//   factor_m(m, d.qM, d.qLD, d.qLDiagInv);  // M = L^T D L, unit L stored off-diagonal
//   solve_m(m, d.qLD, d.qLDiagInv, x);      // x <- M^-1 x
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/cholesky.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Number of entries of row i of the sparse layout (i and all its ancestors). Rows are stored
/// one after the other, so this is the distance to the next row's address.
template <class T> SINEW_HD inline int m_rownnz(const ModelView<T>& m, int i) {
  return (i + 1 < m.size.nv ? m.dof_Madr[i + 1] : m.size.nM) - m.dof_Madr[i];
}

/// Row k holds k and its ancestors (m_rownnz(k) entries), so the a-th ancestor i of k has
/// m_rownnz(k) - 1 - a entries in its row: the update length needs no lookup. As MuJoCo 3.4's
/// mj_factorI, the multipliers are L(k, i) * (1 / D(k)).
template <class T, class SM, class SL, class SD>
SINEW_HD inline void factor_m(const ModelView<T>& m, const SM& M, const SL& LD, const SD& diag_inv) {
  const int nv = m.size.nv;
  for (int k = 0; k < m.size.nM; ++k) LD[k] = M[k];
  for (int k = nv - 1; k >= 0; --k) {
    const int kk = m.dof_Madr[k];
    const int nanc = m_rownnz(m, k) - 1;
    if (LD[kk] < min_val<T>()) LD[kk] = min_val<T>();
    const T invD = T(1) / LD[kk];
    diag_inv[k] = invD;
    for (int a = 0; a < nanc; ++a) {
      const int ki = kk + 1 + a;
      const T tmp = LD[ki] * invD;
      // two different rows of LD: the ranges never overlap
      cholesky::sub_scaled(cholesky::contiguous(LD), m.dof_Madr[m.qM_colind[ki]], cholesky::contiguous(LD), ki, tmp,
                           nanc - a);
      LD[ki] = tmp;
    }
  }
}

/// sum LD[adr] x[col(adr)] over the ancestors of a row, adr in [start, end) (nearest first in
/// Sinew's layout), in MuJoCo 3.4's order: its rows list ancestors root first and its sparse dot
/// (mju_dotSparse, AVX build) keeps four partial sums over elements 4j + l, reduced as
/// (s0 + s2) + (s1 + s3), then adds the remaining elements one by one. Four independent chains
/// instead of one, and the rounding of MuJoCo's mj_solveLD.
template <class T, class SL, class SX, class Col>
SINEW_HD inline T ld_dot(const SL& LD, const SX& x, int start, int end, const Col& col) {
  const int d = end - start;
  T res = T(0);
  int i = 0;
  const auto term = [&](int j) {  // j-th element in MuJoCo's order (root first)
    const int adr = end - 1 - j;
    return LD[adr] * x[col(adr)];
  };
  if (d >= 4) {
    T s0 = term(0), s1 = term(1), s2 = term(2), s3 = term(3);
    for (i = 4; i <= d - 4; i += 4) {
      s0 += term(i);
      s1 += term(i + 1);
      s2 += term(i + 2);
      s3 += term(i + 3);
    }
    res = (s0 + s2) + (s1 + s3);
  }
  for (; i < d; ++i) res += term(i);
  return res;
}

/// x <- (L^T D L)^-1 x in place (mj_solveLD).
template <class T, class SL, class SD, class SX>
SINEW_HD inline void solve_m(const ModelView<T>& m, const SL& LD, const SD& diag_inv, const SX& x) {
  const int nv = m.size.nv;
  for (int k = nv - 1; k >= 0; --k) {
    const T xk = x[k];
    if (xk == T(0)) continue;
    const int end = m.dof_Madr[k] + m_rownnz(m, k);
    for (int adr = m.dof_Madr[k] + 1; adr < end; ++adr) x[m.qM_colind[adr]] -= LD[adr] * xk;
  }
  for (int i = 0; i < nv; ++i) x[i] *= diag_inv[i];
  const auto col = [&](int adr) { return m.qM_colind[adr]; };
  for (int k = 0; k < nv; ++k) {
    const int start = m.dof_Madr[k] + 1, end = m.dof_Madr[k] + m_rownnz(m, k);
    if (end > start) x[k] -= ld_dot<T>(LD, x, start, end, col);
  }
}

}  // namespace sinew
