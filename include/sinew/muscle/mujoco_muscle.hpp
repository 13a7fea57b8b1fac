// MuJoCo's muscle model as small free functions (mju_muscleGain, mju_muscleBias,
// mju_muscleDynamics and the velocity derivative of the gain used by the implicit integrators),
// with MuJoCo's parameter layout so a compiled Model's arrays are passed straight in:
//
//   prm    = actuator_gainprm + 10*i  (= biasprm): [range0, range1, force, scale, lmin, lmax,
//            vmax, fpmax, fvmax]
//   dynprm = actuator_dynprm + 10*i: [tau_act, tau_deact, tausmooth]
//   lengthrange = actuator_lengthrange + 2*i, acc0 = actuator_acc0[i]
//
//   T gain = sinew::muscle_gain(len, vel, lengthrange, acc0, prm);    // -F0 FL(L) FV(V)
//   T bias = sinew::muscle_bias(len, lengthrange, acc0, prm);         // -F0 FP(L)
//   T force = gain * act + bias;
//   T act_dot = sinew::muscle_dynamics(ctrl, act, dynprm);
//
// The arithmetic follows MuJoCo 3.4.0 operation by operation (engine_util_misc.c,
// engine_derivative.c), so double results agree to the last bit. A force parameter < 0 means
// F0 = scale / acc0, computed here at run time exactly as MuJoCo does (MuJoCo's compiler leaves
// gainprm[2] at its negative value).
#pragma once
#include "sinew/config.hpp"

namespace sinew {

namespace muscle_detail {
template <class T> SINEW_INLINE T maxv(T a, T b) { return a >= b ? a : b; }  // mju_max
template <class T> SINEW_INLINE T clip(T x, T lo, T hi) { return x < lo ? lo : (x > hi ? hi : x); }

/// Peak force F0: `force` when non-negative, else scale / acc0.
template <class T> SINEW_INLINE T peak_force(const T* prm, T acc0) {
  return prm[2] < T(0) ? prm[3] / maxv(min_val<T>(), acc0) : prm[2];
}
/// Optimal fiber length L0 of the normalized curves (in actuator length units).
template <class T> SINEW_INLINE T optimal_length(const T* lengthrange, const T* prm) {
  return (lengthrange[1] - lengthrange[0]) / maxv(min_val<T>(), prm[1] - prm[0]);
}
}  // namespace muscle_detail

/// Active force-length curve FL(L) (mju_muscleGainLength): piecewise quadratic, peak 1 at L = 1,
/// zero outside [lmin, lmax].
template <class T> SINEW_INLINE T muscle_gain_length(T length, T lmin, T lmax) {
  using muscle_detail::maxv;
  if (lmin <= length && length <= lmax) {
    const T a = T(0.5) * (lmin + T(1));
    const T b = T(0.5) * (T(1) + lmax);
    if (length <= a) {
      const T x = (length - lmin) / maxv(min_val<T>(), a - lmin);
      return T(0.5) * x * x;
    } else if (length <= T(1)) {
      const T x = (T(1) - length) / maxv(min_val<T>(), T(1) - a);
      return T(1) - T(0.5) * x * x;
    } else if (length <= b) {
      const T x = (length - T(1)) / maxv(min_val<T>(), b - T(1));
      return T(1) - T(0.5) * x * x;
    } else {
      const T x = (lmax - length) / maxv(min_val<T>(), lmax - b);
      return T(0.5) * x * x;
    }
  }
  return T(0);
}

/// Force-velocity curve FV(V), V normalized velocity (V > 0 lengthening).
template <class T> SINEW_INLINE T muscle_force_velocity(T V, T fvmax) {
  using muscle_detail::maxv;
  const T y = fvmax - T(1);
  if (V <= T(-1)) return T(0);
  if (V <= T(0)) return (V + T(1)) * (V + T(1));
  if (V <= y) return fvmax - (y - V) * (y - V) / maxv(min_val<T>(), y);
  return fvmax;
}

/// d FV / d V.
template <class T> SINEW_INLINE T muscle_force_velocity_deriv(T V, T fvmax) {
  using muscle_detail::maxv;
  const T y = fvmax - T(1);
  if (V <= T(-1)) return T(0);
  if (V <= T(0)) return T(2) * V + T(2);
  if (V <= y) return (T(-2) * V + T(2) * y) / maxv(min_val<T>(), y);
  return T(0);
}

/// Passive force-length curve FP(L) (without the -F0 fpmax scale): half-quadratic up to
/// b = (1+lmax)/2, linear beyond.
template <class T> SINEW_INLINE T muscle_passive_length(T L, T lmax) {
  using muscle_detail::maxv;
  const T b = T(0.5) * (T(1) + lmax);
  if (L <= T(1)) return T(0);
  if (L <= b) {
    const T x = (L - T(1)) / maxv(min_val<T>(), b - T(1));
    return T(0.5) * x * x;
  }
  const T x = (L - b) / maxv(min_val<T>(), b - T(1));
  return T(0.5) + x;
}

namespace muscle_detail {
/// Peak force, normalized length L and velocity V, FL(L), and the velocity scale L0 vmax shared by
/// the gain and its velocity derivative.
template <class T> struct GainTerms { T force, FL, V, vscale; };
template <class T> SINEW_INLINE GainTerms<T> gain_terms(T len, T vel, const T* lengthrange, T acc0, const T* prm) {
  const T L0 = optimal_length(lengthrange, prm);
  const T L = prm[0] + (len - lengthrange[0]) / maxv(min_val<T>(), L0);
  const T vscale = maxv(min_val<T>(), L0 * prm[6]);
  return {peak_force(prm, acc0), muscle_gain_length(L, prm[4], prm[5]), vel / vscale, vscale};
}
}  // namespace muscle_detail

/// Active muscle gain -F0 FL FV at actuator length `len` and velocity `vel` (mju_muscleGain).
template <class T> SINEW_INLINE T muscle_gain(T len, T vel, const T* lengthrange, T acc0, const T* prm) {
  const auto g = muscle_detail::gain_terms(len, vel, lengthrange, acc0, prm);
  return -g.force * g.FL * muscle_force_velocity(g.V, prm[8]);
}

/// d muscle_gain / d vel (mjd_muscleGain_vel): -F0 FL dFV/dV / (L0 vmax).
template <class T> SINEW_INLINE T muscle_gain_vel(T len, T vel, const T* lengthrange, T acc0, const T* prm) {
  const auto g = muscle_detail::gain_terms(len, vel, lengthrange, acc0, prm);
  return -g.force * g.FL * muscle_force_velocity_deriv(g.V, prm[8]) / g.vscale;
}

/// Passive muscle force -F0 fpmax FP(L) (mju_muscleBias).
template <class T> SINEW_INLINE T muscle_bias(T len, const T* lengthrange, T acc0, const T* prm) {
  using muscle_detail::maxv;
  const T force = muscle_detail::peak_force(prm, acc0);
  const T L0 = muscle_detail::optimal_length(lengthrange, prm);
  const T L = prm[0] + (len - lengthrange[0]) / maxv(min_val<T>(), L0);
  const T b = T(0.5) * (T(1) + prm[5]);
  const T fpmax = prm[7];
  if (L <= T(1)) return T(0);
  if (L <= b) {
    const T x = (L - T(1)) / maxv(min_val<T>(), b - T(1));
    return -force * fpmax * T(0.5) * x * x;
  }
  const T x = (L - b) / maxv(min_val<T>(), b - T(1));
  return -force * fpmax * (T(0.5) + x);
}

/// Quintic smooth step 6x^5 - 15x^4 + 10x^3 on [0, 1], clamped outside (mju_sigmoid).
template <class T> SINEW_INLINE T muscle_sigmoid(T x) {
  if (x <= T(0)) return T(0);
  if (x >= T(1)) return T(1);
  return x * x * x * (T(3) * x * (T(2) * x - T(5)) + T(10));
}

/// Time constant of the activation filter: tau_act when the excitation exceeds the activation,
/// tau_deact otherwise, blended over `smoothing_width` (mju_muscleDynamicsTimescale).
template <class T> SINEW_INLINE T muscle_dynamics_timescale(T dctrl, T tau_act, T tau_deact, T smoothing_width) {
  if (smoothing_width < min_val<T>()) return dctrl > T(0) ? tau_act : tau_deact;
  return tau_deact + (tau_act - tau_deact) * muscle_sigmoid(dctrl / smoothing_width + T(0.5));
}

/// Activation derivative act_dot (mju_muscleDynamics), Millard et al. (2013) time constants
/// scaled by the clamped activation.
template <class T> SINEW_INLINE T muscle_dynamics(T ctrl, T act, const T* dynprm) {
  using muscle_detail::clip;
  using muscle_detail::maxv;
  const T ctrlclamp = clip(ctrl, T(0), T(1));
  const T actclamp = clip(act, T(0), T(1));
  const T tau_act = dynprm[0] * (T(0.5) + T(1.5) * actclamp);
  const T tau_deact = dynprm[1] / (T(0.5) + T(1.5) * actclamp);
  const T dctrl = ctrlclamp - act;
  const T tau = muscle_dynamics_timescale(dctrl, tau_act, tau_deact, dynprm[2]);
  return dctrl / maxv(min_val<T>(), tau);
}

}  // namespace sinew
