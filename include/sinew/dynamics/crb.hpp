// Composite-rigid-body mass matrix of one world (mj_makeM: mj_crb, dof armature, tendon armature).
//
// Reads cinert, cdof, ten_J. Writes crb (nbody x 10) and qM (nM): M in MuJoCo's sparse lower-triangular
// layout, row i at dof_Madr[i] holding M(i,i), M(i,parent(i)), M(i,parent(parent(i))), ...
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Adds each tendon's armature a * J^T J to qM (mj_tendonArmature, called by mj_makeM after
/// mj_crb): M(i, j) += a J_j J_i for every dof i in the tendon's row and every ancestor j of i.
/// The sparse row is walked from its end against the ancestor chain (both descend), so no dense
/// scratch is needed. Reads ten_J (tendon_world must have run).
template <class T, class L> SINEW_HD inline void tendon_armature(const ModelView<T>& m, const WorldData<T, L>& d) {
  for (int t = 0; t < m.size.ntendon; ++t) {
    const T a = m.tendon_armature[t];
    if (a == T(0)) continue;
    const int adr = m.ten_J_rowadr[t], nnz = m.ten_J_rownnz[t];
    for (int ki = adr; ki < adr + nnz; ++ki) {
      const int i = m.ten_J_colind[ki];
      int kj = ki;
      int madr = m.dof_Madr[i];
      for (int j = i; j >= 0; j = m.dof_parentid[j], ++madr) {
        while (kj >= adr && m.ten_J_colind[kj] > j) --kj;
        if (kj < adr) break;
        if (m.ten_J_colind[kj] == j) d.qM[madr] += a * d.ten_J[kj] * d.ten_J[ki];
      }
    }
  }
}

template <class T, class L> SINEW_HD inline void crb(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nbody = m.size.nbody;
  for (int k = 0; k < 10 * nbody; ++k) d.crb[k] = d.cinert[k];
  for (int i = nbody - 1; i > 0; --i) {
    const int p = m.body_parentid[i];
    if (p > 0)
      for (int k = 0; k < 10; ++k) d.crb[10 * p + k] += d.crb[10 * i + k];
  }
  for (int i = 0; i < m.size.nv; ++i) {
    const vec6<T> buf = mul_inertia(get10(d.crb, m.dof_bodyid[i]), get6(d.cdof, i));
    const int end = m.dof_Madr[i] + m_rownnz(m, i);  // row i: i, then its ancestors
    for (int adr = m.dof_Madr[i]; adr < end; ++adr) d.qM[adr] = dot(get6(d.cdof, m.qM_colind[adr]), buf);
    d.qM[m.dof_Madr[i]] += m.dof_armature[i];
  }
  tendon_armature(m, d);
}

/// Dense M(r, c) from the sparse layout (zero where neither dof is an ancestor of the other).
template <class T, class S> SINEW_HD inline T mass_entry(const ModelView<T>& m, const S& qM, int r, int c) {
  if (r < c) {
    int t = r;
    r = c;
    c = t;
  }
  int adr = m.dof_Madr[r];
  for (int j = r; j >= 0; j = m.dof_parentid[j], ++adr)
    if (j == c) return qM[adr];
  return T(0);
}

}  // namespace sinew
