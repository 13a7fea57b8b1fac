// The implicitfast and implicit integrators (mj_implicit, MuJoCo 3.4.0); implicit adds the RNE
// velocity derivative and an LU factorization (see implicit() below).
//
// qDeriv = d(qfrc_smooth)/d(qvel) without the RNE term:
//   - actuators with a velocity-dependent gain or bias (affine kv terms; the muscle's active
//     force through d FV/dV, as MuJoCo C does): b_i = dbias/dvel + dgain/dvel * (ctrl or act),
//     adding b_i moment_i^T moment_i (skipped when actuation is disabled); a muscle of a policy
//     kind > 0 (docs/muscle_models.md) contributes its policy's dforce_dvelocity as b_i,
//   - dof damping (-damping on the diagonal) and tendon damping (-damping J^T J), skipped when
//     the damper flag is disabled; the inertia-box fluid forces' derivative (fluid_qderiv).
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
#include <limits>

#include "sinew/actuator/actuation.hpp"
#include "sinew/dynamics/fluid.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/integrate/advance.hpp"
#include "sinew/muscle/mujoco_muscle.hpp"

namespace sinew {

namespace implicit_detail {
/// qDeriv(k, c) += (v_k * b) * v_c for every pair of non-zeros of the sparse row v (values
/// vals, columns cols) with c == k or c an ancestor of k: the lower triangle in M's sparsity.
template <class T, class SV, class SD>
SINEW_HD inline void add_jtbj(const ModelView<T>& m, const SD& qDeriv, const SV& vals, const int* cols, int adr, int n,
                              T b) {
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
        if (m.actuator_gaintype[i] == GAIN_AFFINE) gain_vel = m.actuator_gainprm[10 * i + 2];
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

  // mjd_passive_vel: fluid forces (inertia-box model) unless springs and dampers are both off
  fluid_qderiv(m, d, d.qDeriv, d.scratch_nv, m.opt.integrator != INT_IMPLICIT);

  if (!m.opt.disabled(DSBL_DAMPER)) {
    for (int i = 0; i < m.size.nv; ++i) d.qDeriv[m.dof_Madr[i]] -= m.dof_damping[i];
    for (int t = 0; t < m.size.ntendon; ++t)
      if (m.tendon_damping[t] > T(0))
        implicit_detail::add_jtbj(m, d.qDeriv, d.ten_J, m.ten_J_colind, m.ten_J_rowadr[t], m.ten_J_rownnz[t],
                                  -m.tendon_damping[t]);
  }
}

namespace implicit_detail {
/// Column k of d qfrc_bias / d qvel, subtracted from the dense nv x nv matrix Q (row-major):
/// the forward-mode derivative of com_vel and rne along qvel = e_k (MuJoCo's mjd_rne_vel computes
/// the same matrix in reverse order of loops). dvel, dcdof: tangents of cvel (per body) and
/// cdof_dot (per dof); dacc, dfrc: of the RNE accelerations and forces (rne's scratch).
template <class T, class L>
SINEW_HD inline void sub_rne_vel_column(const ModelView<T>& m, const WorldData<T, L>& d, int k, const Span<T, L>& Q) {
  const int nbody = m.size.nbody, nv = m.size.nv;
  const Span<T, L> dvel = d.imp_tangent, dcdof = subspan(d.imp_tangent, 6 * nbody);
  set6(dvel, 0, vec6<T>::zero());
  set6(d.rne_cacc, 0, vec6<T>::zero());
  for (int i = 1; i < nbody; ++i) {
    const int bda = m.body_dofadr[i], ndof = m.body_dofnum[i];
    vec6<T> v = get6(dvel, m.body_parentid[i]);
    for (int j = 0; j < ndof; ++j) {  // com_vel's order: a free joint's translation first
      const int dof = bda + j;
      const int type = m.jnt_type[m.dof_jntid[dof]];
      if (type == JNT_FREE || type == JNT_BALL) {
        int r = dof;
        if (type == JNT_FREE) {
          for (int q = 0; q < 3; ++q) {
            set6(dcdof, dof + q, vec6<T>::zero());
            if (dof + q == k) v += get6(d.cdof, k);
          }
          r = dof + 3;
        }
        for (int q = 0; q < 3; ++q) set6(dcdof, r + q, cross_motion(v, get6(d.cdof, r + q)));
        for (int q = 0; q < 3; ++q)
          if (r + q == k) v += get6(d.cdof, k);
        j = r + 2 - bda;
      } else {
        set6(dcdof, dof, cross_motion(v, get6(d.cdof, dof)));
        if (dof == k) v += get6(d.cdof, k);
      }
    }
    set6(dvel, i, v);
    // rne: cacc = cacc_parent + sum qvel cdof_dot; cfrc = I cacc + cvel x (I cvel)
    vec6<T> a = get6(d.rne_cacc, m.body_parentid[i]);
    for (int j = 0; j < ndof; ++j) {
      a += d.qvel[bda + j] * get6(dcdof, bda + j);
      if (bda + j == k) a += get6(d.cdof_dot, k);
    }
    set6(d.rne_cacc, i, a);
    const inertia10<T> in = get10(d.cinert, i);
    const vec6<T> cvel = get6(d.cvel, i);
    set6(d.rne_cfrc, i,
         mul_inertia(in, a) + cross_force(v, mul_inertia(in, cvel)) + cross_force(cvel, mul_inertia(in, v)));
  }
  for (int i = nbody - 1; i > 0; --i) {
    const int p = m.body_parentid[i];
    if (p) set6(d.rne_cfrc, p, get6(d.rne_cfrc, p) + get6(d.rne_cfrc, i));
  }
  for (int j = 0; j < nv; ++j) Q[j * nv + k] -= dot(get6(d.cdof, j), get6(d.rne_cfrc, m.dof_bodyid[j]));
}
}  // namespace implicit_detail

/// The implicit integrator (mj_implicit with integrator="implicit", MuJoCo 3.4.0): qDeriv as
/// implicitfast's (both triangles) minus d qfrc_bias / d qvel (the Coriolis and centrifugal
/// derivative, not symmetric), H = M - h qDeriv factored by MuJoCo's reverse-order LU without
/// pivoting (H = (U + I) L; the tree sparsity makes no fill-in), qacc = H^-1 (qfrc_smooth +
/// qfrc_constraint), then advanced as every integrator. Dense storage: qLU is nv x nv, row-major
/// (only the entries of M's sparsity and its transpose are non-zero). A pivot below mjMINVAL
/// (MuJoCo: a fatal error) makes qacc NaN, which flags the world (STATUS_BADQACC).
template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void implicit(const ModelView<T>& m, const WorldData<T, L>& d) {
  const T h = m.opt.timestep;
  const int nv = m.size.nv;
  const Span<T, L> H = d.qLU;
  implicitfast_qderiv<Models>(m, d);
  // Q = qDeriv (both triangles) - d qfrc_bias / d qvel
  for (int k = 0; k < nv * nv; ++k) H[k] = T(0);
  for (int i = 0; i < nv; ++i) {
    int pos = m.dof_Madr[i];
    for (int c = i; c >= 0; c = m.dof_parentid[c], ++pos) {
      H[i * nv + c] = d.qDeriv[pos];
      H[c * nv + i] = d.qDeriv[pos];
    }
  }
  // ellipsoid fluid model: J' B J with B not symmetrized (implicitfast_qderiv left it out)
  if (fluid_qderiv_on(m))
    for (int b = 0; b < m.size.nbody; ++b)
      if (m.body_mass[b] >= min_val<T>())
        fluid_detail::ellipsoid_jtbj(m, d, b, false, true, [&](int k, int c, T v) { H[k * nv + c] += v; });
  for (int k = 0; k < nv; ++k) implicit_detail::sub_rne_vel_column(m, d, k, H);
  // H = M - h Q, on M's sparsity and its transpose
  for (int i = 0; i < nv; ++i) {
    int pos = m.dof_Madr[i];
    for (int c = i; c >= 0; c = m.dof_parentid[c], ++pos) {
      H[i * nv + c] = d.qM[pos] + (-h) * H[i * nv + c];
      if (c != i) H[c * nv + i] = d.qM[pos] + (-h) * H[c * nv + i];
    }
  }
  // reverse-order LU (mju_factorLUSparse): for r = nv-1 .. 0, rows j < r with (j, r) != 0
  bool ok = true;
  for (int r = nv - 1; r >= 0; --r) {
    const T piv = H[r * nv + r];
    if (!(piv > min_val<T>() || piv < -min_val<T>())) {
      ok = false;
      break;
    }
    for (int j = r - 1; j >= 0; --j) {
      T& lji = H[j * nv + r];
      if (lji == T(0)) continue;
      lji = lji / piv;
      for (int c = 0; c < r; ++c)
        if (H[r * nv + c] != T(0)) H[j * nv + c] -= H[r * nv + c] * lji;
    }
  }
  const Span<T, L> qacc = d.scratch_nv;
  for (int i = 0; i < nv; ++i) qacc[i] = d.qfrc_smooth[i] + d.qfrc_constraint[i];
  if (!ok) {
    for (int i = 0; i < nv; ++i) qacc[i] = std::numeric_limits<T>::quiet_NaN();
  } else {
    // (U + I) y = f, then L x = y
    for (int i = nv - 1; i >= 0; --i) {
      T s = T(0);
      for (int c = i + 1; c < nv; ++c)
        if (H[i * nv + c] != T(0)) s += H[i * nv + c] * qacc[c];
      qacc[i] -= s;
    }
    for (int i = 0; i < nv; ++i) {
      T s = T(0);
      for (int c = 0; c < i; ++c)
        if (H[i * nv + c] != T(0)) s += H[i * nv + c] * qacc[c];
      qacc[i] = (qacc[i] - s) / H[i * nv + i];
    }
  }
  advance(m, d, d.act_dot, qacc, static_cast<const Span<T, L>*>(nullptr));
}

template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void implicitfast(const ModelView<T>& m, const WorldData<T, L>& d) {
  const T h = m.opt.timestep;
  implicitfast_qderiv<Models>(m, d);
  for (int k = 0; k < m.size.nM; ++k) d.qH[k] = d.qM[k] + (-h) * d.qDeriv[k];
  advance_implicit(m, d);
}

}  // namespace sinew
