// The implicitfast integrator (mj_implicit with integrator="implicitfast", MuJoCo 3.4.0).
//
// qDeriv = d(qfrc_smooth)/d(qvel) without the RNE term:
//   - actuators with a velocity-dependent gain or bias (affine kv terms; the muscle's active
//     force through d FV/dV, as MuJoCo C does): b_i = dbias/dvel + dgain/dvel * (ctrl or act),
//     adding b_i moment_i^T moment_i (skipped when actuation is disabled); a muscle of a policy
//     kind > 0 (docs/muscle_models.md) contributes its policy's dforce_dvelocity as b_i,
//   - dof damping (-damping on the diagonal) and tendon damping (-damping J^T J), skipped when
//     the damper flag is disabled.
// Like MuJoCo, qDeriv is kept in the sparsity of the mass matrix (a dof and its ancestors): the
// coupling moment^T moment creates between dofs of different branches is dropped, so
// H = M - h qDeriv factors with the same no-fill-in L^T D L as M. Then
//   qacc = H^-1 (qfrc_smooth + qfrc_constraint), advanced as every integrator (act, qvel, qpos).
//
// qDeriv here is the lower triangle in the qM layout (nM values, see dof_Madr), not MuJoCo's
// full nD layout; qH and qHDiagInv hold the factor.
//
//   implicitfast(m, d);   // after forward_world
#pragma once
#include "sinew/actuator/actuation.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/integrate/advance.hpp"
#include "sinew/muscle/mujoco_muscle.hpp"

namespace sinew {

namespace implicit_detail {
/// qDeriv(k, c) += (v_k * b) * v_c for every pair of non-zeros of the sparse row v (values
/// vals, columns cols) with c == k or c an ancestor of k: the lower triangle in M's sparsity.
template <class T, class SV, class SD>
SINEW_HD inline void add_jtbj(const ModelView<T>& m, const SD& qDeriv, const SV& vals, const int* cols, int adr,
                              int n, T b) {
  for (int a = 0; a < n; ++a) {
    const int k = cols[adr + a];
    const T vk = vals[adr + a];
    if (vk == T(0)) continue;
    const T s = vk * b;
    // walk k's ancestor chain; columns of the row are increasing, so every c <= k in the row
    // that is an ancestor is met in chain order
    int pos = m.dof_Madr[k];
    int c = k;
    for (int bidx = a; bidx >= 0 && c >= 0; --bidx) {
      const int cb = cols[adr + bidx];
      while (c > cb) {
        c = m.dof_parentid[c];
        ++pos;
      }
      if (c == cb) qDeriv[pos] += s * vals[adr + bidx];
    }
  }
}
}  // namespace implicit_detail

/// qDeriv (lower triangle, qM layout) of implicitfast: actuator and passive velocity derivatives.
template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void implicitfast_qderiv(const ModelView<T>& m, const WorldData<T, L>& d) {
  for (int k = 0; k < m.size.nM; ++k) d.qDeriv[k] = T(0);

  if (!m.opt.disabled(DSBL_ACTUATION)) {
    for (int i = 0; i < m.size.nu; ++i) {
      T bias_vel = T(0), gain_vel = T(0);
      if (is_policy_muscle(m, i)) {
        // muscle policy (kind > 0): its own d force / d velocity (0 for a compliant tendon)
        bias_vel = policy_muscle_dforce_dvelocity<Models>(m, d, i);
      } else {
        if (m.actuator_biastype[i] == BIAS_AFFINE) bias_vel = m.actuator_biasprm[10 * i + 2];
        if (m.actuator_gaintype[i] == GAIN_AFFINE)
          gain_vel = m.actuator_gainprm[10 * i + 2];
        else if (m.actuator_gaintype[i] == GAIN_MUSCLE)
          gain_vel = muscle_gain_vel(d.actuator_length[i], d.actuator_velocity[i], m.actuator_lengthrange + 2 * i,
                                     m.actuator_acc0[i], m.actuator_gainprm + 10 * i);
        if (gain_vel != T(0)) {
          // MuJoCo 3.4.0 uses the raw ctrl and the current act here (no clamp, no actearly)
          if (m.actuator_dyntype[i] == DYN_NONE) bias_vel += gain_vel * d.ctrl[i];
          else bias_vel += gain_vel * d.act[m.actuator_actadr[i] + m.actuator_actnum[i] - 1];
        }
      }
      if (bias_vel != T(0))
        implicit_detail::add_jtbj(m, d.qDeriv, d.actuator_moment, m.moment_colind, m.moment_rowadr[i],
                                  m.moment_rownnz[i], bias_vel);
    }
  }

  if (!m.opt.disabled(DSBL_DAMPER)) {
    for (int i = 0; i < m.size.nv; ++i) d.qDeriv[m.dof_Madr[i]] -= m.dof_damping[i];
    for (int t = 0; t < m.size.ntendon; ++t)
      if (m.tendon_damping[t] > T(0))
        implicit_detail::add_jtbj(m, d.qDeriv, d.ten_J, m.ten_J_colind, m.ten_J_rowadr[t], m.ten_J_rownnz[t],
                                  -m.tendon_damping[t]);
  }
}

template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void implicitfast(const ModelView<T>& m, const WorldData<T, L>& d) {
  const T h = m.opt.timestep;
  implicitfast_qderiv<Models>(m, d);
  for (int k = 0; k < m.size.nM; ++k) d.qH[k] = d.qM[k] + (-h) * d.qDeriv[k];
  advance_implicit(m, d);
}

}  // namespace sinew
