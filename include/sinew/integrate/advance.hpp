// State advance shared by the integrators (mj_advance): activations first (each actuator's act
// by next_activation: the exact exponential for filterexact, Euler otherwise, clamped to
// actrange when actlimited; skipped when actuation is disabled; a muscle of a policy kind > 0
// clamps only its activation, its extra states take act += h act_dot), then qvel += h qacc,
// then qpos with the new velocity (or the given one), time += h; qacc is kept as the warm start.
#pragma once
#include "sinew/actuator/actuation.hpp"
#include "sinew/data/data.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/integrate/integrate_pos.hpp"

namespace sinew {

template <class T, class L, class SA, class SQ, class SV>
SINEW_HD inline void advance(const ModelView<T>& m, const WorldData<T, L>& d, const SA& act_dot, const SQ& qacc,
                             const SV* qvel) {
  const T h = m.opt.timestep;
  if (m.size.na && !m.opt.disabled(DSBL_ACTUATION))
    for (int i = 0; i < m.size.nu; ++i) {
      const int a0 = m.actuator_actadr[i], a1 = a0 + m.actuator_actnum[i];
      if (is_policy_muscle(m, i)) {
        // muscle policy (kind > 0): activation as MuJoCo's (actrange clamp when actlimited), the
        // extra states by act += h act_dot, unclamped (act_dot already holds the linearly implicit
        // rate of stiff states, see actuation.hpp)
        d.act[a0] = next_activation(m, i, d.act[a0], act_dot[a0]);
        for (int j = a0 + 1; j < a1; ++j) d.act[j] = d.act[j] + h * act_dot[j];
        continue;
      }
      for (int j = a0; j < a1; ++j) d.act[j] = next_activation(m, i, d.act[j], act_dot[j]);
    }
  for (int i = 0; i < m.size.nv; ++i) d.qvel[i] += h * qacc[i];
  if (qvel) integrate_pos(m, d.qpos, *qvel, h);
  else integrate_pos(m, d.qpos, d.qvel, h);
  d.time[0] += h;
  for (int i = 0; i < m.size.nv; ++i) d.qacc_warmstart[i] = d.qacc[i];
}

/// The implicit-in-velocity update shared by Euler's implicit damping and implicitfast: qH (filled
/// by the caller in the mass-matrix layout) is factored in place, qacc = qH^-1 (qfrc_smooth +
/// qfrc_constraint) is solved into scratch_nv, and the state advances with it.
template <class T, class L> SINEW_HD inline void advance_implicit(const ModelView<T>& m, const WorldData<T, L>& d) {
  factor_m(m, d.qH, d.qH, d.qHDiagInv);
  const Span<T, L> qacc = d.scratch_nv;
  for (int i = 0; i < m.size.nv; ++i) qacc[i] = d.qfrc_smooth[i] + d.qfrc_constraint[i];
  solve_m(m, d.qH, d.qHDiagInv, qacc);
  advance(m, d, d.act_dot, qacc, static_cast<const Span<T, L>*>(nullptr));
}

}  // namespace sinew
