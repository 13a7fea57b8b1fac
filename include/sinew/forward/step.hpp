// One simulation step of every world: forward pipeline, then the model's integrator (mj_step).
//
//   sinew::step(sinew::exec::omp, model.view(), data.view());
//
// `integrate` is the second half alone (the forward results must be current), so a loop can run
// forward, read or record Data, and then integrate without computing forward twice. After the
// step a world whose qpos, qvel or act is no longer finite gets STATUS_NONFINITE in `status`, and
// one whose qacc, or else new qpos or qvel, has an entry that is NaN or beyond mjMAXVAL (1e10) gets
// STATUS_BADQACC, or else BADQPOS / BADQVEL: MuJoCo warns mjWARN_BADQACC in the same step and
// mjWARN_BADQPOS / BADQVEL at the start of the next one (on the same state), and resets;
// such a world is skipped by every later stage until `reset` clears it; other worlds are unaffected.
#pragma once
#include <stdexcept>
#include <string>

#include "sinew/forward/forward.hpp"
#include "sinew/integrate/euler.hpp"
#include "sinew/integrate/implicit.hpp"
#include "sinew/integrate/rk4.hpp"

namespace sinew {

namespace detail {
// RK4's inner stages: sensordata keeps the values of the step's first forward (mj_forwardSkip)
template <class Models = DefaultMuscleModels> struct ForwardStage {
  template <class T, class L> SINEW_HD void operator()(const ModelView<T>& m, const WorldData<T, L>& d) const {
    forward_world_skip_sensor<Models>(m, d);
  }
};

template <class T, class S> SINEW_HD inline bool all_finite(const S& s, int n) {
  for (int i = 0; i < n; ++i)
    if (!std::isfinite(s[i])) return false;
  return true;
}
/// mj_checkPos / mj_checkVel / mj_checkAcc's test: an entry that is NaN or beyond mjMAXVAL.
template <class T, class S> SINEW_HD inline bool any_bad(const S& s, int n) {
  for (int i = 0; i < n; ++i)
    if (!(std::fabs(s[i]) <= max_val<T>())) return true;
  return false;
}
}  // namespace detail

/// Flags the world when its state is no longer finite or has diverged past mjMAXVAL.
template <class T, class L> SINEW_HD inline void check_state_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  int s = 0;
  if (!detail::all_finite<T>(d.qpos, m.size.nq) || !detail::all_finite<T>(d.qvel, m.size.nv) ||
      !detail::all_finite<T>(d.act, m.size.na))
    s |= STATUS_NONFINITE;
  // MuJoCo checks qacc after forward and resets before integrating (so its warning is BADQACC
  // alone, in this step), and qpos / qvel at the start of the next step (the same state as here).
  if (detail::any_bad<T>(d.qacc, m.size.nv)) {
    s |= STATUS_BADQACC;
  } else {
    if (detail::any_bad<T>(d.qpos, m.size.nq)) s |= STATUS_BADQPOS;
    if (detail::any_bad<T>(d.qvel, m.size.nv)) s |= STATUS_BADQVEL;
  }
  d.status[0] |= s;
}

/// Integrator of one world; forward results must be current.
template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void integrate_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  if (m.opt.integrator == INT_RK4) rk4(m, d, detail::ForwardStage<Models>{});
  else if (m.opt.integrator == INT_IMPLICITFAST) implicitfast<Models>(m, d);
  else if (m.opt.integrator == INT_IMPLICIT) implicit<Models>(m, d);
  else euler(m, d);
  check_state_world(m, d);
}

/// One step of one world. The Data must have the work space of m's options as they are now (a
/// Data made from the Model after the last change of opt.solver, cone, integrator or the
/// eulerdamp / damper flags): the batched step checks that (data_unsupported,
/// integrator_data_unsupported); this per-world functor cannot.
template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void step_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  forward_world<Models>(m, d);
  integrate_world<Models>(m, d);
}

namespace detail {
template <UserStageAt At, class Models, class F> struct ForwardStageWith {
  F f;
  template <class T, class L> SINEW_HD void operator()(const ModelView<T>& m, const WorldData<T, L>& d) const {
    forward_world_skip_sensor_with<At, Models>(m, d, f);
  }
};
}  // namespace detail

/// step_world with a user stage f(m, d) at `At` in every forward pass of the step, RK4's three
/// inner evaluations included (so a state-dependent force follows the RK4 stages' states).
template <UserStageAt At, class Models = DefaultMuscleModels, class T, class L, class F>
SINEW_HD inline void step_world_with(const ModelView<T>& m, const WorldData<T, L>& d, const F& f) {
  forward_world_with<At, Models>(m, d, f);
  if (m.opt.integrator == INT_RK4) rk4(m, d, detail::ForwardStageWith<At, Models, F>{f});
  else if (m.opt.integrator == INT_IMPLICITFAST) implicitfast<Models>(m, d);
  else if (m.opt.integrator == INT_IMPLICIT) implicit<Models>(m, d);
  else euler(m, d);
  check_state_world(m, d);
}

/// Returns an empty string when the batched step supports the model's options, else the reason.
template <class T> inline std::string step_unsupported(const Option<T>& opt) {
  if (opt.integrator != INT_EULER && opt.integrator != INT_RK4 && opt.integrator != INT_IMPLICITFAST &&
      opt.integrator != INT_IMPLICIT)
    return "unknown integrator";
  if (opt.solver != SOL_PGS && opt.solver != SOL_CG && opt.solver != SOL_NEWTON) return "unknown solver";
  if (opt.disabled(DSBL_NATIVECCD))
    return "flag nativeccd=\"disable\" (MuJoCo's libccd path) is not supported: Sinew implements native CCD";
  return {};
}

SINEW_WORLD_STAGE(IntegrateFn, integrate_world)
SINEW_WORLD_STAGE(StepFn, step_world)

namespace detail {
template <class T, class L> inline void require_supported(const ModelView<T>& m, const DataView<T, L>& d) {
  std::string why = step_unsupported(m.opt);
  if (why.empty()) why = data_unsupported(m, d);
  if (why.empty()) why = integrator_data_unsupported(m, d);
  if (!why.empty()) throw std::invalid_argument("sinew::step: " + why);
  if (m.size.nmusclekind > DefaultMuscleModels::size)
    throw std::invalid_argument(
        "sinew::step: the model was compiled with a muscle model list longer than "
        "DefaultMuscleModels: step it with step_world<YourModels> in your own functor");
}
}  // namespace detail

template <class E, class T, class L> void integrate(E e, const ModelView<T>& m, const DataView<T, L>& d) {
  detail::require_supported(m, d);
  parallel_for(e, d.nworld, IntegrateFn<T, L>{m, d});
}

template <class E, class T, class L> void step(E e, const ModelView<T>& m, const DataView<T, L>& d) {
  detail::require_supported(m, d);
  parallel_for(e, d.nworld, StepFn<T, L>{m, d});
}

/// nstep steps of one world in one call (a flagged world stops), then, with `then_forward`, one
/// forward pass: what a thread does for its worlds in step(exec, m, d, nstep).
template <class T, class L> struct StepNFn {
  ModelView<T> m;
  DataView<T, L> d;
  int nstep;
  bool then_forward;
  SINEW_HD void operator()(int w) const {
    const WorldData<T, L> wd = d.world(w);
    for (int s = 0; s < nstep && wd.status[0] == STATUS_OK; ++s) step_world(m, wd);
    if (then_forward && wd.status[0] == STATUS_OK) forward_world(m, wd);
  }
};

/// nstep steps of every world with one launch: each thread carries its worlds through all the
/// steps (no barrier per step, as mujoco.rollout does), bit-identical to nstep calls of step.
/// With then_forward, a forward pass follows (the state's derived quantities, e.g. for an
/// observation), as a following forward(exec, m, d) would.
template <class E, class T, class L>
void step(E e, const ModelView<T>& m, const DataView<T, L>& d, int nstep, bool then_forward = false) {
  detail::require_supported(m, d);
  if (nstep < 0) throw std::invalid_argument("sinew::step: nstep must be >= 0");
  parallel_for(e, d.nworld, StepNFn<T, L>{m, d, nstep, then_forward});
}

/// The batched functor of step_world_with: worlds flagged in `status` are skipped.
template <UserStageAt At, class T, class L, class F> struct StepWithFn {
  ModelView<T> m;
  DataView<T, L> d;
  F f;
  SINEW_HD void operator()(int w) const {
    const WorldData<T, L> wd = d.world(w);
    if (wd.status[0] == STATUS_OK) step_world_with<At>(m, wd, f);
  }
};

/// step with a user stage: f(m, d) runs on each world at `At` in every forward pass of the step
/// (RK4's substeps included). f is a per-world functor (SINEW_HD, copied to the backend, no
/// allocation), e.g. an exoskeleton torque written into qfrc_applied:
///
///   struct Exo { double k; template <class T, class L> SINEW_HD void operator()(
///       const sinew::ModelView<T>& m, const sinew::WorldData<T, L>& d) const {
///     d.qfrc_applied[1] = T(k) * (T(1.2) - d.qpos[1]); } };
///   sinew::step_with<sinew::UserStageAt::after_actuation>(sinew::exec::omp, mv, dv, Exo{5.0});
template <UserStageAt At, class E, class T, class L, class F>
void step_with(E e, const ModelView<T>& m, const DataView<T, L>& d, F f) {
  detail::require_supported(m, d);
  parallel_for(e, d.nworld, StepWithFn<At, T, L, F>{m, d, f});
}

// ---- reset ----

/// Resets one world to qpos0 (or keyframe `key` when key >= 0), zero velocity, activation, controls
/// and applied forces, time 0, and clears its status. The extra states of muscle policies
/// (kind > 0) are set to muscle_state_unset() (keyframes hold it too unless set), i.e. to the
/// isometric equilibrium computed by the first actuation call.
template <class T, class L> SINEW_HD inline void reset_world(const ModelView<T>& m, const WorldData<T, L>& d, int key) {
  const int nq = m.size.nq, nv = m.size.nv, na = m.size.na, nu = m.size.nu;
  d.time[0] = key >= 0 ? m.key_time[key] : T(0);
  for (int i = 0; i < nq; ++i) d.qpos[i] = key >= 0 ? m.key_qpos[key * nq + i] : m.qpos0[i];
  for (int i = 0; i < nv; ++i) {
    d.qvel[i] = key >= 0 ? m.key_qvel[key * nv + i] : T(0);
    d.qacc_warmstart[i] = T(0);
    d.qfrc_applied[i] = T(0);
    d.qacc[i] = T(0);
  }
  for (int i = 0; i < na; ++i) {
    d.act[i] = key >= 0 ? m.key_act[key * na + i] : T(0);
    d.act_dot[i] = T(0);
  }
  // extra states of muscle policies (kind > 0, e.g. De Groote's tendon force): without a keyframe
  // they are marked unset, and the first actuation call sets them to the policy's equilibrium
  // at the then-current pose and activation (docs/muscle_models.md, "State and reset")
  if (key < 0 && na && m.size.nmusclekind > 1)
    for (int i = 0; i < nu; ++i)
      if (is_policy_muscle(m, i))
        for (int j = 1; j < m.actuator_actnum[i]; ++j) d.act[m.actuator_actadr[i] + j] = muscle_state_unset<T>();
  for (int i = 0; i < nu; ++i) d.ctrl[i] = key >= 0 ? m.key_ctrl[key * nu + i] : T(0);
  for (int i = 0; i < 6 * m.size.nbody; ++i) d.xfrc_applied[i] = T(0);
  for (int i = 0; i < m.size.neq; ++i) d.eq_active[i] = m.eq_active0[i];
  for (int i = 0; i < m.size.nsensordata; ++i) d.sensordata[i] = T(0);
  d.nbadctrl[0] = 0;
  d.status[0] = STATUS_OK;
}

template <class T, class L> struct ResetFn {
  ModelView<T> m;
  DataView<T, L> d;
  int key;
  const unsigned char* mask;  ///< per-world flags (in the policy's memory space), or null for all
  SINEW_HD void operator()(int w) const {
    if (!mask || mask[w]) reset_world(m, d.world(w), key);
  }
};

/// Resets the worlds selected by `mask` (null: all) to qpos0, or to keyframe `key` if key >= 0.
template <class E, class T, class L>
void reset(E e, const ModelView<T>& m, const DataView<T, L>& d, int key = -1, const unsigned char* mask = nullptr) {
  if (key >= m.size.nkey) throw std::out_of_range("sinew::reset: keyframe index out of range");
  parallel_for(e, d.nworld, ResetFn<T, L>{m, d, key, mask});
}

}  // namespace sinew
