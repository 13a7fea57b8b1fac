// Sparse L^T D L factorization of a matrix in the mass-matrix layout, and its solve (mj_factorI,
// mj_solveLD). The elimination runs from the leaves up and creates no fill-in, because the
// sparsity follows the dof tree (dof_parentid).
//
//   factor_m(m, d.qM, d.qLD, d.qLDiagInv);  // M = L^T D L, unit L stored off-diagonal
//   solve_m(m, d.qLD, d.qLDiagInv, x);      // x <- M^-1 x
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Number of entries of row i of the sparse layout (i and all its ancestors). Rows are stored
/// one after the other, so this is the distance to the next row's address.
template <class T> SINEW_HD inline int m_rownnz(const ModelView<T>& m, int i) {
  return (i + 1 < m.size.nv ? m.dof_Madr[i + 1] : m.size.nM) - m.dof_Madr[i];
}

template <class T, class SM, class SL, class SD>
SINEW_HD inline void factor_m(const ModelView<T>& m, const SM& M, const SL& LD, const SD& diag_inv) {
  const int nv = m.size.nv;
  for (int k = 0; k < m.size.nM; ++k) LD[k] = M[k];
  for (int k = nv - 1; k >= 0; --k) {
    const int kk = m.dof_Madr[k];
    if (LD[kk] < min_val<T>()) LD[kk] = min_val<T>();
    int ki = kk + 1;
    for (int i = m.dof_parentid[k]; i >= 0; i = m.dof_parentid[i], ++ki) {
      const T tmp = LD[ki] / LD[kk];
      const int ij = m.dof_Madr[i];
      const int cnt = m_rownnz(m, i);
      for (int c = 0; c < cnt; ++c) LD[ij + c] -= tmp * LD[ki + c];
      LD[ki] = tmp;
    }
  }
  for (int i = 0; i < nv; ++i) diag_inv[i] = T(1) / LD[m.dof_Madr[i]];
}

/// x <- (L^T D L)^-1 x in place.
template <class T, class SL, class SD, class SX>
SINEW_HD inline void solve_m(const ModelView<T>& m, const SL& LD, const SD& diag_inv, const SX& x) {
  const int nv = m.size.nv;
  for (int k = nv - 1; k >= 0; --k) {
    const T xk = x[k];
    if (xk == T(0)) continue;
    int adr = m.dof_Madr[k] + 1;
    for (int i = m.dof_parentid[k]; i >= 0; i = m.dof_parentid[i], ++adr) x[i] -= LD[adr] * xk;
  }
  for (int i = 0; i < nv; ++i) x[i] *= diag_inv[i];
  for (int k = 0; k < nv; ++k) {
    int adr = m.dof_Madr[k] + 1;
    T s = T(0);
    for (int i = m.dof_parentid[k]; i >= 0; i = m.dof_parentid[i], ++adr) s += LD[adr] * x[i];
    x[k] -= s;
  }
}

}  // namespace sinew
