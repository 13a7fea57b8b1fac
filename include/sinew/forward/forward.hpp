// The forward pipeline of one world and its batched form (mj_forward).
//
// Per world (for use inside your own functors):
//   fwd_position_world(m, d);      // kinematics, com, tendons, CRB mass matrix and its factor,
//                                  // collision, constraint rows, transmission
//   fwd_velocity_world(m, d);      // tendon/actuator velocities, com velocities, passive forces,
//                                  // constraint reference accelerations, RNE bias
//   fwd_actuation_world(m, d);     // act_dot, actuator forces
//   fwd_acceleration_world(m, d);  // qfrc_smooth, qacc_smooth = M^-1 qfrc_smooth
//   fwd_constraint_world(m, d);    // the constraint solver: qacc, efc_force, qfrc_constraint
//   sensor_world(m, d);            // sensordata (sensor/sensor.hpp)
//   forward_world(m, d);           // all of the above (forward_world_skip_sensor: all but sensors,
//                                  // what RK4's inner stages run, as mj_forwardSkip in MuJoCo)
//
// Batched over every world (policy first):
//   sinew::forward(sinew::exec::omp, model.view(), data.view());
// or stage by stage, so you can run your own functor between stages:
//   sinew::fwd_position(exec, mv, dv); my_stage(exec, mv, dv); sinew::fwd_velocity(exec, mv, dv); ...
#pragma once
#include <stdexcept>
#include <string>

#include "sinew/actuator/actuation.hpp"
#include "sinew/actuator/transmission.hpp"
#include "sinew/collision/collision.hpp"
#include "sinew/constraint/make_constraint.hpp"
#include "sinew/constraint/solver.hpp"
#include "sinew/data/data.hpp"
#include "sinew/dynamics/apply_ft.hpp"
#include "sinew/dynamics/crb.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/dynamics/passive.hpp"
#include "sinew/dynamics/rne.hpp"
#include "sinew/exec/parallel_for.hpp"
#include "sinew/kinematics/com_pos.hpp"
#include "sinew/kinematics/com_vel.hpp"
#include "sinew/kinematics/kinematics.hpp"
#include "sinew/sensor/sensor.hpp"
#include "sinew/tendon/tendon.hpp"

namespace sinew {

template <class T, class L> SINEW_HD inline void fwd_position_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  kinematics(m, d);
  com_pos(m, d);
  tendon_world(m, d);
  crb(m, d);
  factor_m(m, d.qM, d.qLD, d.qLDiagInv);
  collision_world(m, d);
  make_constraint_world(m, d);
  transmission_world(m, d);
}

template <class T, class L> SINEW_HD inline void fwd_velocity_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  tendon_velocity_world(m, d);
  actuator_velocity_world(m, d);
  com_vel(m, d);
  passive(m, d);
  reference_constraint_world(m, d);
  rne(m, d);
}

/// Generalized force of the Cartesian wrenches xfrc_applied (force, torque at each body's centre
/// of mass) added to qfrc (mj_xfrcAccumulate).
template <class T, class L, class S>
SINEW_HD inline void xfrc_accumulate(const ModelView<T>& m, const WorldData<T, L>& d, const S& qfrc) {
  for (int b = 1; b < m.size.nbody; ++b) {
    const vec3<T> f = get3(d.xfrc_applied, 2 * b), t = get3(d.xfrc_applied, 2 * b + 1);
    if (f.x == T(0) && f.y == T(0) && f.z == T(0) && t.x == T(0) && t.y == T(0) && t.z == T(0)) continue;
    apply_ft_com(m, d, b, f, t, qfrc);
  }
}

template <class T, class L>
SINEW_HD inline void fwd_acceleration_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nv = m.size.nv;
  for (int i = 0; i < nv; ++i)
    d.qfrc_smooth[i] = d.qfrc_passive[i] - d.qfrc_bias[i] + d.qfrc_applied[i] + d.qfrc_actuator[i];
  xfrc_accumulate(m, d, d.qfrc_smooth);
  for (int i = 0; i < nv; ++i) d.qacc_smooth[i] = d.qfrc_smooth[i];
  solve_m(m, d.qLD, d.qLDiagInv, d.qacc_smooth);
}

/// Actuation stage (mj_fwdActuation): act_dot, actuator_force, qfrc_actuator. `Models` is the
/// compile-time muscle model list (docs/muscle_models.md); the batched stages use the default.
template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void fwd_actuation_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  actuation_world<Models>(m, d);
}

template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void forward_world_skip_sensor(const ModelView<T>& m, const WorldData<T, L>& d) {
  fwd_position_world(m, d);
  fwd_velocity_world(m, d);
  fwd_actuation_world<Models>(m, d);
  fwd_acceleration_world(m, d);
  fwd_constraint_world(m, d);
}

/// Where a user stage runs inside a forward pass (forward_world_with, step_with): after the
/// position stage (kinematics, contacts, constraint rows exist), after the velocity stage, or
/// after actuation, before the forces are summed (the place to add qfrc_applied, xfrc_applied or
/// qfrc_actuator: a perturbation, an exoskeleton torque).
enum class UserStageAt { after_position, after_velocity, after_actuation };

/// forward_world_skip_sensor with a user stage f(m, d) at `At`.
template <UserStageAt At, class Models = DefaultMuscleModels, class T, class L, class F>
SINEW_HD inline void forward_world_skip_sensor_with(const ModelView<T>& m, const WorldData<T, L>& d, const F& f) {
  fwd_position_world(m, d);
  if constexpr (At == UserStageAt::after_position) f(m, d);
  fwd_velocity_world(m, d);
  if constexpr (At == UserStageAt::after_velocity) f(m, d);
  fwd_actuation_world<Models>(m, d);
  if constexpr (At == UserStageAt::after_actuation) f(m, d);
  fwd_acceleration_world(m, d);
  fwd_constraint_world(m, d);
}

template <class Models = DefaultMuscleModels, class T, class L>
SINEW_HD inline void forward_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  forward_world_skip_sensor<Models>(m, d);
  sensor_world(m, d);
}

/// forward_world with a user stage f(m, d) at `At` (sensors last, as in forward_world).
template <UserStageAt At, class Models = DefaultMuscleModels, class T, class L, class F>
SINEW_HD inline void forward_world_with(const ModelView<T>& m, const WorldData<T, L>& d, const F& f) {
  forward_world_skip_sensor_with<At, Models>(m, d, f);
  sensor_world(m, d);
}

/// Returns an empty string when Data `d` has the solver work space the model's options need
/// (sizes from compile_solver_sizes when the Data was created), else the reason.
template <class T, class L> inline std::string data_unsupported(const ModelView<T>& m, const DataView<T, L>& d) {
  const int nv = m.size.nv, ntri = nv * (nv + 1) / 2;
  if (m.opt.solver == SOL_NEWTON && d.info.sol_H_n < ntri)
    return "the Data was created for another solver: Newton needs nv(nv+1)/2 work space (recreate the Data after "
           "changing opt.solver; compile_solver_sizes / apply_option size it)";
  if (m.opt.solver == SOL_NEWTON && m.opt.cone == CONE_ELLIPTIC &&
      (d.info.sol_Hcone_n < ntri || d.info.contact_H_n < 36 * m.size.nconmax))
    return "the Data was created for pyramidal cones: Newton with elliptic cones needs more work space (recreate it)";
  if (m.opt.solver == SOL_PGS && d.info.efc_AR_n < m.size.njmax * m.size.njmax)
    return "the Data was created for another solver: PGS needs njmax*njmax work space (recreate it)";
  if (m.opt.noslip_iterations > 0 && d.info.sol_W_n < m.size.njmax * nv)
    return "the Data was created without noslip: noslip needs njmax*nv work space (recreate it)";
  if (d.info.efc_J_n < m.size.njmax * m.size.efc_width() || d.info.contact_dist_n < m.size.nconmax)
    return "the Data was created for a model with smaller capacities (nconmax, njmax): recreate it";
  return {};
}

/// Returns an empty string when Data `d` has the work space the model's integrator needs
/// (set_integrator_sizes: from the options when the Data was made), else the reason. step and
/// integrate check it after data_unsupported; forward does not need it.
template <class T, class L>
inline std::string integrator_data_unsupported(const ModelView<T>& m, const DataView<T, L>& d) {
  ModelSizes s = m.size;  // the sizes a Data made for these options has (Data's constructor)
  set_integrator_sizes(s, m.opt);
  const DataLayoutInfo need(s);
  const DataLayoutInfo& have = d.info;
  if (have.qLU_n < need.qLU_n || have.imp_tangent_n < need.imp_tangent_n)
    return "the Data was created for another integrator: implicit needs nv*nv work space (recreate it after "
           "changing opt.integrator)";
  if (have.qDeriv_n < need.qDeriv_n || have.qH_n < need.qH_n || have.qHDiagInv_n < need.qHDiagInv_n ||
      have.rk_X_n < need.rk_X_n || have.rk_F_n < need.rk_F_n || have.rk_dX_n < need.rk_dX_n)
    return "the Data was created for another integrator or without Euler's implicit damping (eulerdamp): "
           "recreate it after changing opt.integrator or the eulerdamp / damper flags (Data's constructor "
           "from the Model sizes it from opt)";
  return {};
}

namespace detail {
template <class T, class L> inline void require_solver_space(const ModelView<T>& m, const DataView<T, L>& d) {
  const std::string why = data_unsupported(m, d);
  if (!why.empty()) throw std::invalid_argument("sinew::forward: " + why);
}
}  // namespace detail

// ---- batched stages: a functor per stage; worlds flagged in `status` are skipped ----

// SINEW_WORLD_STAGE(Name, fn) declares the batched functor Name<T, L> of a per-world function
// fn(m, d); it names Sinew's types fully, so it works in any namespace (fn is looked up where the
// macro is used). Launch it with parallel_for(exec, d.nworld, Name<T, L>{m, d}).
#define SINEW_WORLD_STAGE(Functor, fn)                   \
  template <class T, class L> struct Functor {           \
    ::sinew::ModelView<T> m;                             \
    ::sinew::DataView<T, L> d;                           \
    SINEW_HD void operator()(int w) const {              \
      const ::sinew::WorldData<T, L> wd = d.world(w);    \
      if (wd.status[0] == ::sinew::STATUS_OK) fn(m, wd); \
    }                                                    \
  };

SINEW_WORLD_STAGE(FwdPositionFn, fwd_position_world)
SINEW_WORLD_STAGE(FwdVelocityFn, fwd_velocity_world)
SINEW_WORLD_STAGE(FwdActuationFn, fwd_actuation_world)
SINEW_WORLD_STAGE(FwdAccelerationFn, fwd_acceleration_world)
SINEW_WORLD_STAGE(FwdConstraintFn, fwd_constraint_world)
SINEW_WORLD_STAGE(SensorFn, sensor_world)
SINEW_WORLD_STAGE(ForwardFn, forward_world)

template <class E, class T, class L> void fwd_position(E e, const ModelView<T>& m, const DataView<T, L>& d) {
  parallel_for(e, d.nworld, FwdPositionFn<T, L>{m, d});
}
template <class E, class T, class L> void fwd_velocity(E e, const ModelView<T>& m, const DataView<T, L>& d) {
  parallel_for(e, d.nworld, FwdVelocityFn<T, L>{m, d});
}
template <class E, class T, class L> void fwd_actuation(E e, const ModelView<T>& m, const DataView<T, L>& d) {
  parallel_for(e, d.nworld, FwdActuationFn<T, L>{m, d});
}
template <class E, class T, class L> void fwd_acceleration(E e, const ModelView<T>& m, const DataView<T, L>& d) {
  parallel_for(e, d.nworld, FwdAccelerationFn<T, L>{m, d});
}
template <class E, class T, class L> void fwd_constraint(E e, const ModelView<T>& m, const DataView<T, L>& d) {
  detail::require_solver_space(m, d);
  parallel_for(e, d.nworld, FwdConstraintFn<T, L>{m, d});
}
template <class E, class T, class L> void sensors(E e, const ModelView<T>& m, const DataView<T, L>& d) {
  parallel_for(e, d.nworld, SensorFn<T, L>{m, d});
}
template <class E, class T, class L> void forward(E e, const ModelView<T>& m, const DataView<T, L>& d) {
  detail::require_solver_space(m, d);
  parallel_for(e, d.nworld, ForwardFn<T, L>{m, d});
}

}  // namespace sinew
