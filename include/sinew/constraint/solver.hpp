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
// Work space: Data's sol_* fields (sol_H is a packed nv x nv triangle for Newton; efc_AR
// njmax x njmax for PGS; sol_W njmax x nv for noslip; sized by compile_solver_sizes from the
// model's options).
//
// Files: constraint/problem.hpp (the problem of an island or the world, the constraint update),
// primal.hpp (Newton and CG), islands.hpp (mj_island), pgs.hpp (PGS, the dual states, the QCQPs),
// noslip.hpp (the noslip post-solver); this header includes them all and holds the entry point.
#pragma once
#include <cmath>

#include "sinew/constraint/islands.hpp"
#include "sinew/constraint/make_constraint.hpp"
#include "sinew/constraint/noslip.hpp"
#include "sinew/constraint/pgs.hpp"
#include "sinew/constraint/primal.hpp"
#include "sinew/constraint/problem.hpp"
#include "sinew/data/data.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/math/cholesky.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

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
    for (int k = 0; k < nv; ++k) {
      d.qacc[k] = d.qacc_warmstart[k];
      w.x[k] = d.qacc_warmstart[k];
    }
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
      for (int k = 0; k < nv; ++k)
        cost_ws += T(0.5) * (w.Ma[k] - d.qfrc_smooth[k]) * (d.qacc_warmstart[k] - d.qacc_smooth[k]);
      for (int r = 0; r < nefc; ++r) w.Jaref[r] = d.efc_b[r];
      const T cost_smooth = constraint_update(w, w.Jaref, false);
      if (cost_ws > cost_smooth)
        for (int k = 0; k < nv; ++k) d.qacc[k] = d.qacc_smooth[k];
    }
    if (islands)
      for (int p = d.island_dofadr[d.nisland[0]]; p < nv; ++p)
        d.qacc[d.island_dofind[p]] = d.qacc_smooth[d.island_dofind[p]];
  } else {
    for (int k = 0; k < nv; ++k) d.qacc[k] = d.qacc_smooth[k];
    for (int r = 0; r < nefc; ++r) d.efc_force[r] = T(0);
  }

  if (pgs) {
    d.solver_niter[0] = solve_pgs(w);
    mul_jt_force(w);
    for (int k = 0; k < nv; ++k) {
      d.qfrc_constraint[k] = w.fc[k];
      w.tmp[k] = w.fc[k];
    }
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
    for (int k = 0; k < nv; ++k) {
      d.qacc[k] = w.x[k];
      d.qfrc_constraint[k] = w.fc[k];
    }
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
    for (int q = 0; q < c.n; ++q) {
      d.qacc[c.dof(q)] = c.x[q];
      d.qfrc_constraint[c.dof(q)] = c.fc[q];
    }
  }
}

}  // namespace sinew
