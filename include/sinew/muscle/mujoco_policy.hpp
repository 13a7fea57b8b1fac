// MuJoCo's muscle (rigid tendon, one state) as a MuscleModel policy. The arithmetic is the one in
// muscle/mujoco_muscle.hpp (mju_muscleGain, mju_muscleBias, mju_muscleDynamics, mjd_muscleGain_vel),
// so the policy reproduces MuJoCo bit for bit; this file only adapts the calling convention.
//
//   auto p = sinew::MujocoMuscle::from_mujoco(m.actuator_gainprm.data() + 10*i,
//                                             m.actuator_biasprm.data() + 10*i,
//                                             m.actuator_dynprm.data() + 10*i,
//                                             m.actuator_lengthrange.data() + 2*i, m.actuator_acc0[i]);
//   T f = sinew::MujocoMuscle::force(p, len, vel, &act);   // gain*act + bias
#pragma once
#include "sinew/config.hpp"
#include "sinew/muscle/mujoco_muscle.hpp"

namespace sinew {

/// A compiled MuJoCo muscle actuator's parameters (copies of its Model rows).
template <class T> struct MujocoMuscleParams {
  T gainprm[9];  ///< [range0, range1, force, scale, lmin, lmax, vmax, fpmax, fvmax]
  T biasprm[9];  ///< same layout (MuJoCo's <muscle> copies gainprm; <general> may differ)
  T dynprm[3];   ///< [tau_act, tau_deact, tausmooth]
  T lengthrange[2];
  T acc0;  ///< used when force < 0: F0 = scale / acc0
};

struct MujocoMuscle {
  static constexpr int nstate = 1;  ///< activation
  static constexpr const char* name = "mujoco";
  template <class T> using params = MujocoMuscleParams<T>;
  /// Packed layout: gainprm[9], biasprm[9], dynprm[3], lengthrange[2], acc0.
  static constexpr int nprm = 24;

  static void store(const params<double>& p, double* out) {
    for (int k = 0; k < 9; ++k) {
      out[k] = p.gainprm[k];
      out[9 + k] = p.biasprm[k];
    }
    for (int k = 0; k < 3; ++k) out[18 + k] = p.dynprm[k];
    out[21] = p.lengthrange[0];
    out[22] = p.lengthrange[1];
    out[23] = p.acc0;
  }
  template <class T> SINEW_HD static params<T> load(const T* in) {
    params<T> p;
    for (int k = 0; k < 9; ++k) {
      p.gainprm[k] = in[k];
      p.biasprm[k] = in[9 + k];
    }
    for (int k = 0; k < 3; ++k) p.dynprm[k] = in[18 + k];
    p.lengthrange[0] = in[21];
    p.lengthrange[1] = in[22];
    p.acc0 = in[23];
    return p;
  }

  template <class T>
  static params<T> from_mujoco(const T* gainprm, const T* biasprm, const T* dynprm, const T* lengthrange, T acc0) {
    params<T> p{};
    for (int k = 0; k < 9; ++k) {
      p.gainprm[k] = gainprm[k];
      p.biasprm[k] = biasprm[k];
    }
    for (int k = 0; k < 3; ++k) p.dynprm[k] = dynprm[k];
    p.lengthrange[0] = lengthrange[0];
    p.lengthrange[1] = lengthrange[1];
    p.acc0 = acc0;
    return p;
  }

  template <class T> SINEW_HD static void init_state(const params<T>&, T, T, T activation, T* state) {
    state[0] = activation;
  }

  /// gain * act + bias (mj_fwdActuation with dyn/gain/bias type muscle).
  template <class T> SINEW_HD static T force(const params<T>& p, T mtu_length, T mtu_velocity, const T* state) {
    return muscle_gain(mtu_length, mtu_velocity, p.lengthrange, p.acc0, p.gainprm) * state[0] +
           muscle_bias(mtu_length, p.lengthrange, p.acc0, p.biasprm);
  }

  /// d force / d velocity = act * mjd_muscleGain_vel (what MuJoCo C puts in qDeriv).
  template <class T>
  SINEW_HD static T dforce_dvelocity(const params<T>& p, T mtu_length, T mtu_velocity, const T* state) {
    return muscle_gain_vel(mtu_length, mtu_velocity, p.lengthrange, p.acc0, p.gainprm) * state[0];
  }

  template <class T>
  SINEW_HD static void state_derivative(const params<T>& p, T ctrl, T, T, const T* state, T* state_dot) {
    state_dot[0] = muscle_dynamics(ctrl, state[0], p.dynprm);
  }
};

}  // namespace sinew
