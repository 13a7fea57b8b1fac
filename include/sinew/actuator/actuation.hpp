// Actuation of one world (mj_fwdActuation of MuJoCo 3.4.0): (ctrl, act, actuator_length,
// actuator_velocity, actuator_moment) -> act_dot, actuator_force, qfrc_actuator.
//
// 1. controls: clamped to ctrlrange where ctrllimited (unless the clampctrl flag is disabled);
//    if any clamped control is bad (NaN or |x| > 1e10) every control counts as 0 for this
//    evaluation (d.ctrl itself is left as given, as in MuJoCo) and nbadctrl counts it;
// 2. act_dot by dyntype: integrator ctrl, filter/filterexact (ctrl - act)/tau, muscle
//    muscle_dynamics; user dynamics (no callbacks in Sinew) leave act_dot at 0, as MuJoCo does
//    without mjcb_act_dyn;
// 3. force = gain * (ctrl, or act, or with actearly the next step's act) + bias, gain fixed /
//    affine / muscle (user: 1), bias none / affine / muscle (user: 0);
// 4. tendon actfrcrange: the forces of actuators on one limited tendon are scaled together so
//    their sum lies in the range; 5. forcerange clamp; 6. qfrc_actuator = moment^T force;
//    7. joint actfrcrange clamp of qfrc_actuator.
// With actuation disabled (or nu = 0) actuator_force and qfrc_actuator are zero and act_dot is
// left untouched, as in MuJoCo.
//
// Muscle models (docs/muscle_models.md): muscles of kind 0 (actuator_musclekind, MujocoMuscle)
// take the MuJoCo path above unchanged (bit-exact). Muscles of another kind k of the compile-time
// list `Models` are computed kind by kind over their contiguous range of muscle_order (no branch
// on a run-time kind), through the policy: act_dot of their block = state_derivative, force =
// M::force, before steps 4-7, which apply to every actuator. Extra states still at
// muscle_state_unset() (after reset or set_muscle_model) are first set to M::init_state at the
// current length and velocity. Extra states j >= 1 of a policy with state_derivative_diagonal
// (De Groote's tendon force, stiff) get act_dot[j] = (y - x_j)/h with y the backward-Euler update
// y = x_j + h f_j(y) (other states, length and velocity frozen; safeguarded Newton), so the
// integrators' act += h act_dot takes an implicit step of that state (implicit_state_rate).
//
//   actuation_world(m, d);                    // after fwd_position_world and fwd_velocity_world
//   actuation_world<MyMuscleModels>(m, d);    // with a custom list (kind 0 must be MujocoMuscle)
#pragma once
#include <cmath>

#include "sinew/data/data.hpp"
#include "sinew/model/model.hpp"
#include "sinew/muscle/models.hpp"
#include "sinew/muscle/mujoco_muscle.hpp"

namespace sinew {

/// MuJoCo's mju_isBad: NaN or beyond +-1e10.
template <class T> SINEW_INLINE bool is_bad(T x) { return x != x || x > T(1e10) || x < T(-1e10); }

/// Activation of actuator i after one step of length timestep from act with rate act_dot
/// (mj_nextActivation): exact exponential for filterexact, Euler otherwise, clamped to actrange
/// when actlimited.
template <class T> SINEW_INLINE T next_activation(const ModelView<T>& m, int i, T act, T act_dot) {
  if (m.actuator_dyntype[i] == DYN_FILTEREXACT) {
    const T p = m.actuator_dynprm[10 * i];
    const T tau = p >= min_val<T>() ? p : min_val<T>();
    act = act + act_dot * tau * (T(1) - std::exp(-m.opt.timestep / tau));
  } else {
    act = act + act_dot * m.opt.timestep;
  }
  if (m.actuator_actlimited[i]) {
    const T lo = m.actuator_actrange[2 * i], hi = m.actuator_actrange[2 * i + 1];
    act = act < lo ? lo : (act > hi ? hi : act);
  }
  return act;
}

/// Control of actuator i as the actuation stage uses it (clamped; 0 when any control is bad).
template <class T, class L>
SINEW_INLINE T actuator_ctrl(const ModelView<T>& m, const WorldData<T, L>& d, int i, bool bad) {
  if (bad) return T(0);
  T c = d.ctrl[i];
  if (!m.opt.disabled(DSBL_CLAMPCTRL) && m.actuator_ctrllimited[i]) {
    const T lo = m.actuator_ctrlrange[2 * i], hi = m.actuator_ctrlrange[2 * i + 1];
    c = c < lo ? lo : (c > hi ? hi : c);
  }
  return c;
}

/// Whether actuator i runs through a muscle policy other than MuJoCo's (kind > 0). Models
/// without compiled muscle fields (nmusclekind <= 1) have none.
template <class T> SINEW_INLINE bool is_policy_muscle(const ModelView<T>& m, int i) {
  return m.size.nmusclekind > 1 && m.actuator_musclekind[i] > 0;
}

namespace actuation_detail {
/// Rate r of extra state k of policy M such that x[k] + h r is the backward-Euler update
/// y = x[k] + h f_k(y) of that state alone (the other states, the MTU length and velocity held at
/// their current values), f0 = f_k(x[k]). Safeguarded Newton on g(y) = y - x[k] - h f_k(y) with
/// g' = 1 - h d f_k / d x_k from M::state_derivative_diagonal, inside the bracket between x[k]
/// and the explicit step x[k] + h f0, at most 24 iterations. When that bracket holds no root
/// (f_k not decreasing there: nothing stiff to damp) the explicit rate f0 is returned.
template <class M, class P, class T>
SINEW_HD inline T implicit_state_rate(const P& p, T ctrl, T len, T vel, const T* x, T f0, int k, T h) {
  constexpr int ns = M::nstate;
  if (!(h > T(0)) || f0 == T(0) || !(f0 == f0)) return f0;
  const T x0 = x[k], xe = x0 + h * f0;
  T y[ns], yd[ns], jac[ns];
  for (int j = 0; j < ns; ++j) y[j] = x[j];
  auto g_of = [&](T v) {
    y[k] = v;
    M::state_derivative(p, ctrl, len, vel, y, yd);
    return v - x0 - h * yd[k];
  };
  // g(x0) = -h f0; the root lies between x0 and xe when g(xe) has the other sign
  const T ge = g_of(xe);
  if (!(ge == ge) || (f0 > T(0) ? !(ge > T(0)) : !(ge < T(0)))) return f0;
  T lo = f0 > T(0) ? x0 : xe, hi = f0 > T(0) ? xe : x0;  // g(lo) < 0 < g(hi)
  // start from the linearly implicit step
  M::state_derivative_diagonal(p, ctrl, len, vel, x, jac);
  const T j0 = jac[k] < T(0) ? jac[k] : T(0);
  T v = x0 + h * f0 / (T(1) - h * j0);
  if (!(v > lo && v < hi)) v = T(0.5) * (lo + hi);
  const T tol = T(sizeof(T) == 4 ? 2e-7 : 1e-14) * (T(1) + (x0 < T(0) ? -x0 : x0));
  for (int it = 0; it < 24; ++it) {
    const T g = g_of(v);
    if (g < T(0)) lo = v;
    else if (g > T(0)) hi = v;
    else break;
    M::state_derivative_diagonal(p, ctrl, len, vel, y, jac);
    const T gp = T(1) - h * jac[k];
    T nv = gp > T(0) ? v - g / gp : T(0.5) * (lo + hi);
    if (!(nv > lo && nv < hi)) nv = T(0.5) * (lo + hi);
    const T step = nv > v ? nv - v : v - nv;
    v = nv;
    if (step <= tol || hi - lo <= tol) break;
  }
  return (v - x0) / h;
}

/// Kind-by-kind stage of the policy muscles (kind K >= 1 of Models, policy M) of one world.
template <class Models, class T, class L> struct PolicyMuscles {
  const ModelView<T>& m;
  const WorldData<T, L>& d;
  bool bad;
  template <int K, class M> SINEW_HD void operator()() const {
    if constexpr (K > 0) {
      if (K >= m.size.nmusclekind) return;
      constexpr int ns = M::nstate;
      const T h = m.opt.timestep;
      const int first = m.muscle_kindadr[K], last = first + m.muscle_kindnum[K];
      for (int j = first; j < last; ++j) {
        const int i = m.muscle_order[j];
        const typename M::template params<T> p = M::template load<T>(m.actuator_muscleprm + m.size.nmuscleprm * i);
        const int a0 = m.actuator_actadr[i];
        const T len = d.actuator_length[i], vel = d.actuator_velocity[i];
        T x[ns], xd[ns];
        for (int k = 0; k < ns; ++k) x[k] = d.act[a0 + k];
        bool unset = false;
        for (int k = 1; k < ns; ++k) unset = unset || x[k] < muscle_state_unset_threshold<T>();
        if (unset) {
          M::init_state(p, len, vel, x[0], x);
          for (int k = 0; k < ns; ++k) d.act[a0 + k] = x[k];
        }
        const T ctrl = actuator_ctrl(m, d, i, bad);
        M::state_derivative(p, ctrl, len, vel, x, xd);
        if constexpr (ns > 1 && MuscleHasStateJacobian<M, T>) {
          for (int k = 1; k < ns; ++k) xd[k] = implicit_state_rate<M>(p, ctrl, len, vel, x, xd[k], k, h);
        }
        for (int k = 0; k < ns; ++k) d.act_dot[a0 + k] = xd[k];
        d.actuator_force[i] = M::force(p, len, vel, x);
      }
    }
  }
};

/// Runs f.template operator()<M>() for the policy of actuator i's kind (implicitfast's
/// per-actuator derivative).
template <class Models, class T, class L> struct PolicyDforceDvel {
  const ModelView<T>& m;
  const WorldData<T, L>& d;
  int i;
  T* out;
  template <class M> SINEW_HD void operator()() const {
    constexpr int ns = M::nstate;
    const typename M::template params<T> p = M::template load<T>(m.actuator_muscleprm + m.size.nmuscleprm * i);
    T x[ns];
    const int a0 = m.actuator_actadr[i];
    for (int k = 0; k < ns; ++k) x[k] = d.act[a0 + k];
    *out = M::dforce_dvelocity(p, d.actuator_length[i], d.actuator_velocity[i], x);
  }
};
}  // namespace actuation_detail

/// d actuator_force / d actuator_velocity of a policy muscle (kind > 0) at the current state.
template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline T policy_muscle_dforce_dvelocity(const ModelView<T>& m, const WorldData<T, L>& d, int i) {
  T r = T(0);
  Models::visit(m.actuator_musclekind[i], actuation_detail::PolicyDforceDvel<Models, T, L>{m, d, i, &r});
  return r;
}

template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void actuation_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  static_assert(muscle_models_engine_ready<Models>, "kind 0 of the muscle model list must be MujocoMuscle");
  const int nu = m.size.nu, nv = m.size.nv;
  for (int i = 0; i < nu; ++i) d.actuator_force[i] = T(0);
  if (nu == 0 || m.opt.disabled(DSBL_ACTUATION)) {
    for (int i = 0; i < nv; ++i) d.qfrc_actuator[i] = T(0);
    return;
  }

  bool bad = false;
  for (int i = 0; i < nu && !bad; ++i) bad = is_bad(actuator_ctrl(m, d, i, false));
  if (bad) d.nbadctrl[0] += 1;

  // activation derivatives
  for (int i = 0; i < nu; ++i) {
    const int first = m.actuator_actadr[i];
    if (first < 0 || is_policy_muscle(m, i)) continue;
    const int num = m.actuator_actnum[i];
    for (int k = 0; k < num; ++k) d.act_dot[first + k] = T(0);
    const int last = first + num - 1;
    const T* prm = m.actuator_dynprm + 10 * i;
    const T ctrl = actuator_ctrl(m, d, i, bad);
    switch (m.actuator_dyntype[i]) {
      case DYN_INTEGRATOR: d.act_dot[last] = ctrl; break;
      case DYN_FILTER:
      case DYN_FILTEREXACT: {
        const T tau = prm[0] >= min_val<T>() ? prm[0] : min_val<T>();
        d.act_dot[last] = (ctrl - d.act[last]) / tau;
        break;
      }
      case DYN_MUSCLE: d.act_dot[last] = muscle_dynamics(ctrl, d.act[last], prm); break;
      default: break;  // user dynamics without a callback: act_dot stays 0
    }
  }

  // forces
  bool tendon_frclimited = false;
  for (int i = 0; i < nu; ++i) {
    if (m.size.ntendon && !tendon_frclimited && m.actuator_trntype[i] == TRN_TENDON)
      tendon_frclimited = m.tendon_actfrclimited[m.actuator_trnid[2 * i]] != 0;
    if (is_policy_muscle(m, i)) continue;
    const T len = d.actuator_length[i], vel = d.actuator_velocity[i];
    const T* gp = m.actuator_gainprm + 10 * i;
    T gain;
    switch (m.actuator_gaintype[i]) {
      case GAIN_FIXED: gain = gp[0]; break;
      case GAIN_AFFINE: gain = gp[0] + gp[1] * len + gp[2] * vel; break;
      case GAIN_MUSCLE: gain = muscle_gain(len, vel, m.actuator_lengthrange + 2 * i, m.actuator_acc0[i], gp); break;
      default: gain = T(1); break;  // user gain without a callback
    }
    T force;
    if (m.actuator_actadr[i] == -1) {
      force = gain * actuator_ctrl(m, d, i, bad);
    } else {
      const int a = m.actuator_actadr[i] + m.actuator_actnum[i] - 1;
      const T act = m.actuator_actearly[i] ? next_activation(m, i, d.act[a], d.act_dot[a]) : d.act[a];
      force = gain * act;
    }
    const T* bp = m.actuator_biasprm + 10 * i;
    T bias;
    switch (m.actuator_biastype[i]) {
      case BIAS_NONE: bias = T(0); break;
      case BIAS_AFFINE: bias = bp[0] + bp[1] * len + bp[2] * vel; break;
      case BIAS_MUSCLE: bias = muscle_bias(len, m.actuator_lengthrange + 2 * i, m.actuator_acc0[i], bp); break;
      default: bias = T(0); break;  // user bias without a callback
    }
    d.actuator_force[i] = force + bias;
  }

  // muscles of other models: kind by kind over their contiguous ranges
  if (m.size.nmusclekind > 1) Models::for_each(actuation_detail::PolicyMuscles<Models, T, L>{m, d, bad});

  // tendon actuator force limits: the forces of all actuators on one limited tendon are scaled
  // together so that their sum (taken before any scaling) lies in tendon_actfrcrange
  if (tendon_frclimited) {
    for (int i = 0; i < nu; ++i) {
      if (m.actuator_trntype[i] != TRN_TENDON) continue;
      const int t = m.actuator_trnid[2 * i];
      if (!m.tendon_actfrclimited[t]) continue;
      bool first = true;  // handle each tendon once, at its first actuator
      for (int j = 0; j < i && first; ++j)
        first = !(m.actuator_trntype[j] == TRN_TENDON && m.actuator_trnid[2 * j] == t);
      if (!first) continue;
      T total = T(0);
      for (int j = i; j < nu; ++j)
        if (m.actuator_trntype[j] == TRN_TENDON && m.actuator_trnid[2 * j] == t) total += d.actuator_force[j];
      if (total == T(0)) continue;
      const T lo = m.tendon_actfrcrange[2 * t], hi = m.tendon_actfrcrange[2 * t + 1];
      if (!(total < lo) && !(total > hi)) continue;
      for (int j = i; j < nu; ++j)
        if (m.actuator_trntype[j] == TRN_TENDON && m.actuator_trnid[2 * j] == t) {
          if (total < lo) d.actuator_force[j] *= lo / total;
          else d.actuator_force[j] *= hi / total;
        }
    }
  }

  // actuator force limits
  for (int i = 0; i < nu; ++i)
    if (m.actuator_forcelimited[i]) {
      const T lo = m.actuator_forcerange[2 * i], hi = m.actuator_forcerange[2 * i + 1];
      const T f = d.actuator_force[i];
      d.actuator_force[i] = f < lo ? lo : (f > hi ? hi : f);
    }

  // qfrc_actuator = moment^T force
  for (int k = 0; k < nv; ++k) d.qfrc_actuator[k] = T(0);
  for (int i = 0; i < nu; ++i) {
    const T f = d.actuator_force[i];
    const int adr = m.moment_rowadr[i], n = m.moment_rownnz[i];
    for (int k = 0; k < n; ++k) d.qfrc_actuator[m.moment_colind[adr + k]] += d.actuator_moment[adr + k] * f;
  }

  // joint actuator force limits (first dof of each limited joint, as MuJoCo)
  for (int j = 0; j < m.size.njnt; ++j)
    if (m.jnt_actfrclimited[j]) {
      const int k = m.jnt_dofadr[j];
      const T lo = m.jnt_actfrcrange[2 * j], hi = m.jnt_actfrcrange[2 * j + 1];
      const T q = d.qfrc_actuator[k];
      d.qfrc_actuator[k] = q < lo ? lo : (q > hi ? hi : q);
    }
}

}  // namespace sinew
