// The muscle models a default build supports, and the conventions the engine uses for them.
//
//   using Models = sinew::DefaultMuscleModels;   // MuscleModels<MujocoMuscle, DeGroote2016>
//   sinew::set_muscle_model(model, "class=leg*", Models::index_of<sinew::DeGroote2016>());
//   sinew::actuation_world<Models>(m, d);        // the engine's default
//
// Kind 0 must be MujocoMuscle: every MJCF muscle starts as kind 0 and runs MuJoCo's own code path
// (bit-exact). A custom list appends policies after it:
//   using MyModels = sinew::MuscleModels<sinew::MujocoMuscle, sinew::DeGroote2016, MyMuscle>;
// and is passed to set_muscle_model<MyModels>, compile_muscle_models<MyModels> and the per-world
// stages (forward_world<MyModels>, step_world<MyModels>, ...).
#pragma once
#include <type_traits>

#include "sinew/config.hpp"
#include "sinew/muscle/concept.hpp"
#include "sinew/muscle/degroote2016.hpp"
#include "sinew/muscle/mujoco_policy.hpp"

namespace sinew {

/// The compile-time list of muscle models used when none is named.
using DefaultMuscleModels = MuscleModels<MujocoMuscle, DeGroote2016>;

/// Value of an extra muscle state (index >= 1 in a policy's block of act) that is not set yet:
/// reset and set_muscle_model write it, and the first actuation call replaces it by the
/// policy's init_state (the isometric equilibrium at the current pose). Finite, so the
/// non-finite check never flags it; any value below muscle_state_unset_threshold counts.
template <class T> SINEW_INLINE constexpr T muscle_state_unset() { return T(-1e30); }
template <class T> SINEW_INLINE constexpr T muscle_state_unset_threshold() { return T(-1e29); }

/// A list usable by the engine: kind 0 is MuJoCo's muscle.
template <class Models>
inline constexpr bool muscle_models_engine_ready = std::is_same_v<typename Models::template kind_t<0>, MujocoMuscle>;

}  // namespace sinew
