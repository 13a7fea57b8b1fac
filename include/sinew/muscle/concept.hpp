// The MuscleModel concept: what a muscle policy provides, and the compile-time list of policies.
//
//   static_assert(sinew::MuscleModel<sinew::DeGroote2016>);
//   using Models = sinew::MuscleModels<sinew::MujocoMuscle, sinew::DeGroote2016>;
//   static_assert(Models::index_of<sinew::DeGroote2016>() == 1);
//
// A policy M is a stateless type with only static members:
//   M::nstate                       states per muscle, activation first (int, constexpr)
//   M::name                         the name MJCF and set_muscle_model use ("mujoco", "degroote2016")
//   M::params<T>                    trivially copyable parameters of one muscle
//   M::nprm                         reals of params when packed (Model::actuator_muscleprm row)
//   M::store(const params<double>&, double* out)   host: packs nprm reals
//   M::load<T>(const T* in) -> params<T>            SINEW_HD: unpacks what store wrote (in any
//                                   scalar: Model<double>::cast<float> converts the packed row)
//   M::from_mujoco(gainprm, biasprm, dynprm, lengthrange, acc0) -> params<T>
//                                   parameters from a compiled MuJoCo muscle actuator (any MJCF
//                                   muscle can be switched to M)
//   M::init_state(p, len, vel, act, state)             rest state for an activation
//   M::force(p, len, vel, state) -> T                  actuator force, MuJoCo's sign (<= 0 pulls)
//   M::dforce_dvelocity(p, len, vel, state) -> T       for implicit integration (qDeriv)
//   M::state_derivative(p, ctrl, len, vel, state, state_dot)
// Optional (detected with MuscleHasStateJacobian): M::state_derivative_diagonal(p, ctrl, len, vel,
//   state, diag): diag[j] ~ d state_dot[j] / d state[j] for j >= 1; the actuation stage then
//   advances those states linearly implicitly (docs/muscle_models.md, "Integration").
// `len`, `vel` are the actuator (MTU) length and velocity (actuator_length, actuator_velocity);
// `state` points to nstate values (act[actuator_actadr ...]); everything except from_mujoco is
// SINEW_HD and must not allocate, throw or use virtual calls. nvcc 13 accepts C++20 concepts
// (checked with -std=c++20), so no C++17 fallback is provided.
#pragma once
#include <concepts>
#include <cstddef>
#include <type_traits>
#include <tuple>
#include <utility>
#include "sinew/config.hpp"

namespace sinew {

/// A muscle model policy for scalar T (see the file comment).
template <class M, class T = double>
concept MuscleModel = requires {
  typename M::template params<T>;
}
&&std::is_trivially_copyable_v<typename M::template params<T>>&& requires(const typename M::template params<T>& p,
                                                                          const T* prm, T ctrl, T len, T vel, T act,
                                                                          const T* state, T* state_out) {
  { M::nstate } -> std::convertible_to<int>;
  requires(M::nstate >= 1);
  { M::name } -> std::convertible_to<const char*>;
  { M::from_mujoco(prm, prm, prm, prm, act) } -> std::same_as<typename M::template params<T>>;
  {M::init_state(p, len, vel, act, state_out)};
  { M::force(p, len, vel, state) } -> std::same_as<T>;
  { M::dforce_dvelocity(p, len, vel, state) } -> std::same_as<T>;
  {M::state_derivative(p, ctrl, len, vel, state, state_out)};
  { M::nprm } -> std::convertible_to<int>;
  requires(M::nprm >= 0);
  { M::template load<T>(prm) } -> std::same_as<typename M::template params<T>>;
}
&&requires(const typename M::template params<double>& pd, double* out) { M::store(pd, out); };

/// Whether policy M provides state_derivative_diagonal (stiff extra states, see the file comment).
template <class M, class T = double>
concept MuscleHasStateJacobian = requires(const typename M::template params<T>& p, T ctrl, T len, T vel, const T* state,
                                          T* diag) {
  M::state_derivative_diagonal(p, ctrl, len, vel, state, diag);
};

namespace detail {
template <class X, class... Ms> constexpr int muscle_index_of() {
  int i = 0, found = -1;
  ((std::is_same_v<X, Ms> ? (found = (found < 0 ? i : found), ++i) : ++i), ...);
  return found;
}
}  // namespace detail

/// Compile-time list of the muscle models a build supports. Kind k of an actuator is the index
/// of its policy in this list; kind 0 is the default for every MuJoCo muscle.
template <class... Ms> struct MuscleModels {
  static_assert(sizeof...(Ms) >= 1, "MuscleModels needs at least one model");
  static_assert((MuscleModel<Ms, double> && ...), "every policy must satisfy MuscleModel<M, double>");
  static_assert((MuscleModel<Ms, float> && ...), "every policy must satisfy MuscleModel<M, float>");
  static constexpr int size = int(sizeof...(Ms));
  /// Largest nstate: the per-actuator act block when models are switched at run time.
  static constexpr int max_nstate = [] {
    int m = 0;
    ((m = Ms::nstate > m ? Ms::nstate : m), ...);
    return m;
  }();
  /// Largest nprm: the row length of Model::actuator_muscleprm.
  static constexpr int max_nprm = [] {
    int m = 0;
    ((m = Ms::nprm > m ? Ms::nprm : m), ...);
    return m;
  }();
  template <class M> static constexpr int index_of() { return detail::muscle_index_of<M, Ms...>(); }
  /// The policy of kind K.
  template <int K> using kind_t = std::tuple_element_t<size_t(K), std::tuple<Ms...>>;
  /// Names in kind order (host).
  static constexpr const char* names[sizeof...(Ms)] = {Ms::name...};
  static constexpr int nstates[sizeof...(Ms)] = {Ms::nstate...};
  static constexpr int nprms[sizeof...(Ms)] = {Ms::nprm...};
  /// Calls f.template operator()<M>() with the policy of kind k (host-side dispatch, e.g. to
  /// launch the kernel of one kind over its index range).
  template <class F> SINEW_HD static void visit(int k, F&& f) {
    int i = 0;
    ((i++ == k ? (f.template operator()<Ms>(), 0) : 0), ...);
  }
  /// Calls f.template operator()<K, M>() for every kind K in order (host or device): the
  /// actuation stage's kind-by-kind loop, with no branch on a run-time kind.
  template <class F> SINEW_HD static void for_each(F&& f) {
    for_each_impl(f, std::make_index_sequence<sizeof...(Ms)>{});
  }

 private:
  template <class F, size_t... I> SINEW_HD static void for_each_impl(F& f, std::index_sequence<I...>) {
    (f.template operator()<int(I), Ms>(), ...);
  }
};

}  // namespace sinew
