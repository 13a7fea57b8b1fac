// Constraint solver, part 3 of 5 (constraint/solver.hpp has the overview): constraint islands
// (mj_island), the trees coupled by constraint rows, each solved on its own by the primal solvers.
#pragma once

#include "sinew/constraint/problem.hpp"

namespace sinew {
namespace solver_detail {

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
        const int t = m.dof_treeid[d.efc_J_colind[r * m.size.efc_width() + x]];
        if (t0 < 0) {
          t0 = t;
          continue;
        }
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
      if (d.sol_tree[m.dof_treeid[i]] == k) {
        d.sol_dof2idof[i] = pos - d.island_dofadr[k];
        d.island_dofind[pos++] = i;
      }
  }
  d.island_dofadr[nisland] = pos;
  for (int i = 0; i < nv; ++i)
    if (m.dof_treeid[i] < 0 || d.sol_tree[m.dof_treeid[i]] < 0) {
      d.sol_dof2idof[i] = -1;
      d.island_dofind[pos++] = i;
    }
  // rows: island by island, ascending
  pos = 0;
  for (int k = 0; k < nisland; ++k) {
    d.island_efcadr[k] = pos;
    for (int r = 0; r < nefc; ++r)
      if (efc_tree[r] >= 0 && d.sol_tree[efc_tree[r]] == k) d.island_efcind[pos++] = r;
  }
  d.island_efcadr[nisland] = pos;
}

}  // namespace solver_detail
}  // namespace sinew
