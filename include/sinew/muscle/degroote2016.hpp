// Hill-type muscle with a compliant tendon: De Groote, Kinney, Rao, Fregly (2016), "Evaluation of
// direct collocation optimal control problem formulations for solving the muscle redundancy
// problem", Ann Biomed Eng 44(10):2922-2936, doi:10.1007/s10439-016-1591-9 (the curves are in its
// supplementary material, eqs. S1-S4; activation dynamics are eqs. 1-2 of the paper).
//
//   auto p = sinew::DeGroote2016::from_mujoco(gainprm, biasprm, dynprm, lengthrange, acc0);
//   double x[2];                                      // {activation, normalized tendon force}
//   sinew::DeGroote2016::init_state(p, len, vel, 0.0, x);
//   double xdot[2];
//   sinew::DeGroote2016::state_derivative(p, ctrl, len, vel, x, xdot);
//   double f = sinew::DeGroote2016::force(p, len, vel, x);  // <= 0: pulling (MuJoCo's sign)
//
// State (nstate = 2): x[0] = activation a, x[1] = normalized tendon force F~T = F_T / F0. The fiber
// velocity is not a state: it follows from the force-velocity relation at the current state
// ("tendon force as a state", formulation 1 of the paper, explicit form):
//   vM~ = fv^-1( (F~T / cos(alpha) - fpe(lM~)) / (a fl(lM~)) ).
// See docs/muscle_models.md for every constant, its source, the MuJoCo mapping and the
// regularisation of a*fl -> 0.
#pragma once
#include <cmath>
#include "sinew/config.hpp"

namespace sinew {
namespace degroote2016 {

// ---------------------------------------------------------------------------------------------
// Published constants.
//
// Active force-length (supplement eq. S2): three Gaussian-like terms
//   fl(l) = sum_i b1i exp(-0.5 (l - b2i)^2 / (b3i + b4i l)^2).
// Full-precision values: KULeuvenNeuromechanics/MuscleRedundancySolver (the authors' code; its
// `Faparam` vector and the b13..b43 literals in ForceEquilibrium_*.m). The paper's supplement
// prints them rounded to three decimals (0.815, 1.055, 0.162, 0.063, 0.433, 0.717, -0.030, 0.200,
// 0.100, 1.000, 0.354, 0.000). OpenSim's DeGrooteFregly2016Muscle changes b11 to
// 0.8150671134243542 so that fl(1) = 1 exactly; with the authors' value fl(1) = 0.999433.
inline constexpr double b11 = 0.814483478343008, b21 = 1.055033428970575;
inline constexpr double b31 = 0.162384573599574, b41 = 0.063303448465465;
inline constexpr double b12 = 0.433004984392647, b22 = 0.716775413397760;
inline constexpr double b32 = -0.029947116970696, b42 = 0.200356847296188;
inline constexpr double b13 = 0.1, b23 = 1.0, b33 = 0.35355339059327373 /* 0.5 sqrt(0.5) */, b43 = 0.0;

// Force-velocity (supplement eq. S4): fv(v) = d1 log(d2 v + d3 + sqrt((d2 v + d3)^2 + 1)) + d4
//                                           = d1 asinh(d2 v + d3) + d4,   v = vM / (lopt vmax).
// Full precision: MuscleRedundancySolver's `Fvparam` (= [1.475, 0.25, +0.75, -0.027] applied to
// its fitted ActiveFVParameters). Supplement (rounded): -0.318, -8.149, -0.374, 0.886. OpenSim
// re-solves d1, d4 (-0.3211346127989808, 0.8825327733249912) so that fv(-1) = 0, fv(0) = 1 exactly;
// with the authors' values fv(0) = 1.002119, fv(-1) = 0.010835.
inline constexpr double d1 = -0.318323436899127, d2 = -8.149156043475250;
inline constexpr double d3 = -0.374121508647863, d4 = 0.885644059915004;

// Passive force-length (supplement eq. S3 with the authors' code offset): kPE = 4, e0 = 0.6,
//   fpe(l) = (exp(kPE (l - 1)/e0) - 1 - p1) / p2,  p1 = exp(kPE (0.2 - 1)/e0) - 1, p2 = exp(kPE) - 1
// (MuscleRedundancySolver's `Fpparam` = [-0.995172050006169, 53.598150033144236]): the curve is
// zero at l = 0.2 instead of at l = 1 as printed in the supplement; fpe(1) = 0.018567,
// fpe(1 + e0) = 1.018567.
inline constexpr double kpe = 4.0, e0 = 0.6;
inline constexpr double fpe_p1 = -0.995172050006169, fpe_p2 = 53.598150033144236;

// Tendon force-length (supplement eq. S1): ft(lT~) = c1 exp(kT (lT~ - c2)) - c3 + shift, kT = 35.
// `shift` is 0 at kT = 35 in the authors' code (getShift.m: for another kT the curve is shifted so
// that ft(1) keeps its kT = 35 value, -0.011750). Sinew's default shift makes ft(1) = 0 exactly
// (the tendon carries no force at its slack length; see tendon_shift_zero_at_slack).
inline constexpr double c1 = 0.2, c2 = 0.995, c3 = 0.25, kT_default = 35.0;

// Activation dynamics (paper eqs. 1-2): smoothing b = 0.1 (MuscleRedundancySolver's auxdata.b,
// OpenSim's tanhSteepness). Time constants of the paper: 0.015 s and 0.060 s.
inline constexpr double act_smoothing_default = 0.1;
inline constexpr double tau_act_default = 0.015, tau_deact_default = 0.060;

/// Maximum contraction velocity, optimal fiber lengths per second (the paper's 10 lopt/s).
inline constexpr double vmax_default = 10.0;

/// Domain where the fiber curves are evaluated; arguments outside are clamped (the curves and
/// their derivatives are held constant beyond). 0.2 is the authors' lower bound on lM~ and keeps
/// the second Gaussian's denominator (b32 + b42 l, zero at l = 0.1495) away from 0.
inline constexpr double lm_min = 0.2, lm_max = 3.0;

/// NaN-mapping clamp: fmin/fmax return the other argument for a NaN, so NaN maps to `lo`.
template <class T> SINEW_INLINE T clampn(T x, T lo, T hi) { return std::fmin(std::fmax(x, lo), hi); }

// ---------------------------------------------------------------------------------------------
// Curves (normalized quantities). Each has an analytic derivative.

template <class T> SINEW_INLINE T gauss_like(T l, double b1, double b2, double b3, double b4) {
  const T den = T(b3) + T(b4) * l, num = l - T(b2);
  return T(b1) * std::exp(T(-0.5) * num * num / (den * den));
}
template <class T> SINEW_INLINE T gauss_like_derivative(T l, double b1, double b2, double b3, double b4) {
  const T den = T(b3) + T(b4) * l, num = l - T(b2);
  const T g = T(b1) * std::exp(T(-0.5) * num * num / (den * den));
  // d/dl [-(l-b2)^2 / (2 (b3+b4 l)^2)] = -(l-b2)(b3 + b2 b4) / (b3+b4 l)^3
  return -g * num * (T(b3) + T(b2) * T(b4)) / (den * den * den);
}

/// Active force-length multiplier fl(lM~) (eq. S2), lM~ clamped to [lm_min, lm_max].
template <class T> SINEW_INLINE T active_force_length(T lm) {
  lm = clampn(lm, T(lm_min), T(lm_max));
  return gauss_like(lm, b11, b21, b31, b41) + gauss_like(lm, b12, b22, b32, b42) + gauss_like(lm, b13, b23, b33, b43);
}
template <class T> SINEW_INLINE T active_force_length_derivative(T lm) {
  if (!(lm > T(lm_min) && lm < T(lm_max))) return T(0);
  return gauss_like_derivative(lm, b11, b21, b31, b41) + gauss_like_derivative(lm, b12, b22, b32, b42) +
         gauss_like_derivative(lm, b13, b23, b33, b43);
}

/// Passive force-length multiplier fpe(lM~) (eq. S3, authors' offset), lM~ clamped as above.
template <class T> SINEW_INLINE T passive_force_length(T lm) {
  lm = clampn(lm, T(lm_min), T(lm_max));
  return (std::exp(T(kpe) * (lm - T(1)) / T(e0)) - T(1) - T(fpe_p1)) / T(fpe_p2);
}
template <class T> SINEW_INLINE T passive_force_length_derivative(T lm) {
  if (!(lm > T(lm_min) && lm < T(lm_max))) return T(0);
  return T(kpe) / T(e0) * std::exp(T(kpe) * (lm - T(1)) / T(e0)) / T(fpe_p2);
}

/// Force-velocity multiplier fv(vM~) (eq. S4), vM~ = vM / (lopt vmax), > 0 lengthening.
/// asinh is used instead of the printed log(x + sqrt(x^2+1)), which cancels to log(0) for large
/// shortening velocities; the argument is clamped to |d2 v + d3| <= 1e6 (fv stays finite).
template <class T> SINEW_INLINE T force_velocity(T v) {
  const T x = clampn(T(d2) * v + T(d3), T(-1e6), T(1e6));
  return T(d1) * std::asinh(x) + T(d4);
}
template <class T> SINEW_INLINE T force_velocity_derivative(T v) {
  const T x = clampn(T(d2) * v + T(d3), T(-1e6), T(1e6));
  return T(d1) * T(d2) / std::sqrt(x * x + T(1));
}
/// Inverse of fv: vM~ = (sinh((f - d4)/d1) - d3) / d2 (OpenSim notes the supplement drops "- d3").
/// The sinh argument is clamped to |.| <= 80 (finite in float).
template <class T> SINEW_INLINE T force_velocity_inverse(T f) {
  const T s = clampn((f - T(d4)) / T(d1), T(-80), T(80));
  return (std::sinh(s) - T(d3)) / T(d2);
}

/// Tendon shift making ft(1) = 0 (Sinew's default): shift = c3 - c1 exp(kT (1 - c2)).
template <class T> SINEW_INLINE T tendon_shift_zero_at_slack(T kT) {
  return T(c3) - T(c1) * std::exp(clampn(kT * T(1 - c2), T(-80), T(80)));
}
/// The authors' shift (MuscleRedundancySolver getShift.m): ft(1) equals its kT = 35 value.
template <class T> SINEW_INLINE T tendon_shift_authors(T kT) {
  return T(c1) * std::exp(T(kT_default) * T(1 - c2)) - T(c1) * std::exp(clampn(kT * T(1 - c2), T(-80), T(80)));
}

/// Tendon force-length curve in the form used internally:
///   ft(lT~) = A (exp(kT (lT~ - 1)) - 1) - D,   A = c1 exp(kT (1 - c2)),  D = c3 - shift - A,
/// which is eq. S1 rewritten around lT~ = 1 (D = -ft(1); D = 0 for tendon_shift_zero_at_slack).
/// This form keeps the very stiff (rigid-limit) tendon free of the cancellation in c3 - shift.
template <class T> struct TendonCurve { T kT, A, D; };
template <class T> SINEW_INLINE TendonCurve<T> make_tendon_curve(T kT, T shift) {
  const T A = T(c1) * std::exp(clampn(kT * T(1 - c2), T(-80), T(80)));
  return {kT, A, T(c3) - shift - A};
}
template <class T> SINEW_INLINE T tendon_force_length(const TendonCurve<T>& c, T lt) {
  return c.A * std::expm1(clampn(c.kT * (lt - T(1)), T(-80), T(80))) - c.D;
}
template <class T> SINEW_INLINE T tendon_force_length_derivative(const TendonCurve<T>& c, T lt) {
  return c.A * c.kT * std::exp(clampn(c.kT * (lt - T(1)), T(-80), T(80)));
}
/// Inverse: lT~ = 1 + log1p((F~T + D)/A) / kT; F~T is clamped above the asymptote -(A + D).
template <class T> SINEW_INLINE T tendon_length_from_force(const TendonCurve<T>& c, T ft) {
  const T r = clampn((ft + c.D) / c.A, T(-1) + T(1e-6), T(1e30));
  return T(1) + std::log1p(r) / c.kT;
}
/// dft/dlT~ expressed through the force: kT (F~T + D + A), no exponential needed.
template <class T> SINEW_INLINE T tendon_stiffness_from_force(const TendonCurve<T>& c, T ft) {
  const T r = clampn((ft + c.D) / c.A, T(-1) + T(1e-6), T(1e30));
  return c.kT * c.A * (T(1) + r);
}

/// Tendon strain at F~T = 1 for a given kT and shift.
template <class T> SINEW_INLINE T tendon_strain_at_one(T kT, T shift) {
  return tendon_length_from_force(make_tendon_curve(kT, shift), T(1)) - T(1);
}
/// kT giving tendon strain `strain` at F~T = 1 with the ft(1) = 0 shift (bisection; host or device).
/// kT = 35 gives 0.0470896 (0.0473595 with the authors' shift: the paper's ~4.7%).
template <class T> SINEW_INLINE T kT_from_strain(T strain) {
  T lo = T(1), hi = T(1.0e4);  // strain decreases monotonically in kT
  for (int it = 0; it < 200; ++it) {
    const T mid = std::sqrt(lo * hi);
    if (tendon_strain_at_one(mid, tendon_shift_zero_at_slack(mid)) > strain) lo = mid;
    else hi = mid;
  }
  return std::sqrt(lo * hi);
}

/// Activation dynamics (paper eqs. 1-2):
///   da/dt = [ (f + 1/2) / (tau_a (1/2 + 3/2 a)) + (1/2 - f)(1/2 + 3/2 a) / tau_d ] (e - a),
///   f = 1/2 tanh(b (e - a)).
/// e is clamped to [0, 1] and the a inside the time-constant factor to [0, 1] (as MuJoCo does), so
/// the factor never reaches 0; (e - a) uses the unclamped a.
template <class T> SINEW_INLINE T activation_derivative(T e, T a, T tau_act, T tau_deact, T b) {
  e = clampn(e, T(0), T(1));
  const T ac = clampn(a, T(0), T(1));
  const T z = T(0.5) + T(1.5) * ac;
  const T du = e - clampn(a, T(-1e6), T(1e6));
  const T f = T(0.5) * std::tanh(b * du);
  const T ta = std::fmax(tau_act, min_val<T>()), td = std::fmax(tau_deact, min_val<T>());
  return ((f + T(0.5)) / (ta * z) + (T(0.5) - f) * z / td) * du;
}

}  // namespace degroote2016

/// Parameters of one De Groote 2016 muscle. Trivially copyable; build with
/// make_degroote2016_params() or DeGroote2016::from_mujoco().
template <class T> struct DeGroote2016Params {
  T max_isometric_force;                ///< F0 (N)
  T optimal_fiber_length;               ///< lopt (m)
  T tendon_slack_length;                ///< lTs (m)
  T fiber_width;                        ///< lopt sin(pennation at optimal) (m): constant-thickness pennation
  T max_contraction_velocity;           ///< vmax, optimal fiber lengths per second (default 10)
  degroote2016::TendonCurve<T> tendon;  ///< kT and the derived A, D (see make_tendon_curve)
  T tau_act, tau_deact;                 ///< activation / deactivation time constants (s)
  T act_smoothing;                      ///< b of the tanh switch (0.1 published)
  T min_active_force;                   ///< floor on a*fl in the fiber-velocity inversion (default 1e-3)
  T max_fiber_velocity;                 ///< lengthening cap on vM~ in the inversion, vmax units (default 50;
                                        ///< the shortening cap is min(this, 1)); see DeGroote2016::fiber_state
  int rigid_tendon;                     ///< 1: rigid tendon (lT = lTs, state[1] unused), 0: compliant
};

/// Options for make/from_mujoco. Defaults are the paper's except where stated.
template <class T> struct DeGroote2016Options {
  T tendon_kT = T(degroote2016::kT_default);
  bool authors_shift = false;     ///< false: ft(1) = 0 (Sinew); true: the authors' getShift
  T pennation_at_optimal = T(0);  ///< rad; MuJoCo muscles have none
  T max_contraction_velocity = T(degroote2016::vmax_default);
  bool use_mujoco_vmax = false;  ///< true: vmax = MuJoCo's gainprm[6] (in L0/s) instead of 10
  T act_smoothing = T(degroote2016::act_smoothing_default);
  T min_active_force = T(1e-3);
  /// Lengthening cap on vM~ (vmax units) in the fiber-velocity inversion; shortening is capped at
  /// min(this, 1). 50: the tendon-force state stays bounded for MTU stretch up to 50 vmax
  /// (docs/muscle_models.md, "Fast lengthening").
  T max_fiber_velocity = T(50);
  bool rigid_tendon = false;
  /// Lower bound on the tendon slack length, as a fraction of L0, when the MuJoCo range implies a
  /// tendon shorter than that (see docs/muscle_models.md, "MuJoCo mapping").
  T min_tendon_fraction = T(0.01);
};

template <class T>
inline DeGroote2016Params<T> make_degroote2016_params(T F0, T lopt, T lts, T tau_act = T(degroote2016::tau_act_default),
                                                      T tau_deact = T(degroote2016::tau_deact_default),
                                                      const DeGroote2016Options<T>& o = {}) {
  DeGroote2016Params<T> p{};
  p.max_isometric_force = F0;
  p.optimal_fiber_length = lopt;
  p.tendon_slack_length = lts;
  p.fiber_width = lopt * std::sin(o.pennation_at_optimal);
  p.max_contraction_velocity = o.max_contraction_velocity;
  const T shift = o.authors_shift ? degroote2016::tendon_shift_authors(o.tendon_kT)
                                  : degroote2016::tendon_shift_zero_at_slack(o.tendon_kT);
  p.tendon = degroote2016::make_tendon_curve(o.tendon_kT, shift);
  p.tau_act = tau_act;
  p.tau_deact = tau_deact;
  p.act_smoothing = o.act_smoothing;
  p.min_active_force = o.min_active_force;
  p.max_fiber_velocity = o.max_fiber_velocity;
  p.rigid_tendon = o.rigid_tendon ? 1 : 0;
  return p;
}

/// Fiber quantities of one muscle at one instant (returned by DeGroote2016::fiber_state).
template <class T> struct DeGroote2016Fiber {
  T tendon_length_norm;  ///< lT~
  T fiber_length_norm;   ///< lM~
  T cos_pennation;
  T fl, fpe;
  T fiber_velocity_norm;  ///< vM~ (lopt vmax per second units)
  T fv;
  T tendon_velocity;  ///< dlT/dt (m/s)
};

/// The De Groote 2016 compliant-tendon muscle as a MuscleModel policy.
struct DeGroote2016 {
  static constexpr int nstate = 2;  ///< activation, normalized tendon force
  static constexpr const char* name = "degroote2016";
  template <class T> using params = DeGroote2016Params<T>;
  /// Packed layout (Model::actuator_muscleprm): F0, lopt, lTs, fiber width, vmax, kT, A, D,
  /// tau_act, tau_deact, act_smoothing, min_active_force, max_fiber_velocity, rigid_tendon (0/1).
  static constexpr int nprm = 14;

  static void store(const params<double>& p, double* out) {
    out[0] = p.max_isometric_force;
    out[1] = p.optimal_fiber_length;
    out[2] = p.tendon_slack_length;
    out[3] = p.fiber_width;
    out[4] = p.max_contraction_velocity;
    out[5] = p.tendon.kT;
    out[6] = p.tendon.A;
    out[7] = p.tendon.D;
    out[8] = p.tau_act;
    out[9] = p.tau_deact;
    out[10] = p.act_smoothing;
    out[11] = p.min_active_force;
    out[12] = p.max_fiber_velocity;
    out[13] = p.rigid_tendon ? 1.0 : 0.0;
  }
  template <class T> SINEW_HD static params<T> load(const T* in) {
    params<T> p;
    p.max_isometric_force = in[0];
    p.optimal_fiber_length = in[1];
    p.tendon_slack_length = in[2];
    p.fiber_width = in[3];
    p.max_contraction_velocity = in[4];
    p.tendon.kT = in[5];
    p.tendon.A = in[6];
    p.tendon.D = in[7];
    p.tau_act = in[8];
    p.tau_deact = in[9];
    p.act_smoothing = in[10];
    p.min_active_force = in[11];
    p.max_fiber_velocity = in[12];
    p.rigid_tendon = in[13] != T(0) ? 1 : 0;
    return p;
  }

  /// MuJoCo muscle -> compliant-tendon parameters (docs/muscle_models.md, "MuJoCo mapping"):
  /// F0 = gainprm[2] (scale / acc0 when negative, as MuJoCo), lopt = L0, lTs = LR0 - range0 L0
  /// (so that at every MTU length the rigid-tendon lM~ equals MuJoCo's normalized length L),
  /// tau_act, tau_deact = dynprm[0..1]. biasprm is MuJoCo's copy of gainprm and is not read.
  template <class T>
  static params<T> from_mujoco(const T* gainprm, const T* biasprm, const T* dynprm, const T* lengthrange, T acc0,
                               const DeGroote2016Options<T>& o) {
    (void)biasprm;
    const T range0 = gainprm[0], range1 = gainprm[1];
    const T L0 = (lengthrange[1] - lengthrange[0]) / std::fmax(min_val<T>(), range1 - range0);
    const T F0 = gainprm[2] >= T(0) ? gainprm[2] : gainprm[3] / std::fmax(min_val<T>(), acc0);
    const T lts = std::fmax(lengthrange[0] - range0 * L0, o.min_tendon_fraction * L0);
    DeGroote2016Options<T> oo = o;
    if (o.use_mujoco_vmax) oo.max_contraction_velocity = gainprm[6];
    return make_degroote2016_params(F0, L0, lts, dynprm[0], dynprm[1], oo);
  }
  template <class T>
  static params<T> from_mujoco(const T* gainprm, const T* biasprm, const T* dynprm, const T* lengthrange, T acc0) {
    return from_mujoco(gainprm, biasprm, dynprm, lengthrange, acc0, DeGroote2016Options<T>{});
  }

  /// Bounds of the fiber velocity vM~ in the inversion (compliant mode), in vmax units.
  /// Lengthening: max_fiber_velocity (default 50, far beyond any physiological stretch: the
  /// fiber absorbs the MTU's lengthening while the force balance asks for it, and the eccentric
  /// force stays at most a fl fv(50) + fpe ~ 3.0 a fl + fpe). Shortening: min(max_fiber_velocity,
  /// 1), where fv reaches ~0 (the curve's end; a fiber cannot shorten faster than vmax).
  template <class T> SINEW_HD static T lengthening_velocity_cap(const params<T>& p) {
    return degroote2016::clampn(p.max_fiber_velocity, T(0), T(1e3));
  }
  template <class T> SINEW_HD static T shortening_velocity_cap(const params<T>& p) {
    return degroote2016::clampn(p.max_fiber_velocity, T(0), T(1));
  }

  /// Geometry and fiber velocity at the state. In compliant mode the velocity comes from the
  /// inverted force-velocity curve with two guards: a*fl is floored at min_active_force, and the
  /// fv target is clamped in force space to [fv(-shortening cap), fv(lengthening cap)] before the
  /// inversion (so sinh stays finite), i.e. -min(max_fiber_velocity, 1) <= vM~ <= max_fiber_velocity.
  /// Beyond the lengthening cap (MTU faster than 50 vmax by default) the tendon takes the rest.
  template <class T>
  SINEW_HD static DeGroote2016Fiber<T> fiber_state(const params<T>& p, T mtu_length, T mtu_velocity, const T* state) {
    using namespace degroote2016;
    DeGroote2016Fiber<T> r;
    const T lopt = p.optimal_fiber_length;
    const T a = clampn(state[0], T(0), T(1));
    const T ft = clampn(state[1], T(-1e6), T(1e6));
    mtu_length = clampn(mtu_length, T(-1e6), T(1e6));
    mtu_velocity = clampn(mtu_velocity, T(-1e6), T(1e6));
    r.tendon_length_norm = p.rigid_tendon ? T(1) : tendon_length_from_force(p.tendon, ft);
    // Constant thickness: lM sin(alpha) = w. The fiber's projection on the tendon line is floored
    // at 1% of lopt so cos(alpha) stays >= ~0.01 when the MTU is shorter than the tendon.
    const T lmcos = std::fmax(mtu_length - p.tendon_slack_length * r.tendon_length_norm, T(0.01) * lopt);
    const T lm = std::sqrt(lmcos * lmcos + p.fiber_width * p.fiber_width);
    r.cos_pennation = lmcos / lm;
    r.fiber_length_norm = lm / lopt;
    r.fl = active_force_length(r.fiber_length_norm);
    r.fpe = passive_force_length(r.fiber_length_norm);
    const T vscale = lopt * p.max_contraction_velocity;
    if (p.rigid_tendon) {
      // d(lM)/dt = cos(alpha) d(lM cos(alpha))/dt = cos(alpha) vMT.
      r.fiber_velocity_norm = mtu_velocity * r.cos_pennation / vscale;
      r.fv = force_velocity(r.fiber_velocity_norm);
      r.tendon_velocity = T(0);
    } else {
      const T den = std::fmax(a * r.fl, p.min_active_force);
      const T vlen = lengthening_velocity_cap(p), vsh = shortening_velocity_cap(p);
      const T target = clampn((ft / r.cos_pennation - r.fpe) / den, force_velocity(-vsh), force_velocity(vlen));
      r.fiber_velocity_norm = clampn(force_velocity_inverse(target), -vsh, vlen);
      r.fv = target;
      r.tendon_velocity = mtu_velocity - r.fiber_velocity_norm * vscale / r.cos_pennation;
    }
    return r;
  }

  /// Normalized tendon force implied by the state (compliant) or by the fiber (rigid).
  template <class T>
  SINEW_HD static T tendon_force_norm(const params<T>& p, T mtu_length, T mtu_velocity, const T* state) {
    if (!p.rigid_tendon) return degroote2016::clampn(state[1], T(-1e6), T(1e6));
    const auto f = fiber_state(p, mtu_length, mtu_velocity, state);
    const T a = degroote2016::clampn(state[0], T(0), T(1));
    return (a * f.fl * f.fv + f.fpe) * f.cos_pennation;
  }

  /// Actuator force (N), MuJoCo's sign: -F0 max(F~T, 0). A tendon cannot push, so a slack tendon
  /// (F~T < 0, reachable only transiently) gives 0.
  template <class T> SINEW_HD static T force(const params<T>& p, T mtu_length, T mtu_velocity, const T* state) {
    return -p.max_isometric_force * std::fmax(tendon_force_norm(p, mtu_length, mtu_velocity, state), T(0));
  }

  /// d force / d mtu_velocity. Compliant: 0 (the force is a state). Rigid: -F0 a fl fv' cos^2 / (lopt vmax).
  template <class T>
  SINEW_HD static T dforce_dvelocity(const params<T>& p, T mtu_length, T mtu_velocity, const T* state) {
    if (!p.rigid_tendon) return T(0);
    const auto f = fiber_state(p, mtu_length, mtu_velocity, state);
    const T a = degroote2016::clampn(state[0], T(0), T(1));
    if ((a * f.fl * f.fv + f.fpe) * f.cos_pennation <= T(0)) return T(0);
    return -p.max_isometric_force * a * f.fl * degroote2016::force_velocity_derivative(f.fiber_velocity_norm) *
           f.cos_pennation * f.cos_pennation / (p.optimal_fiber_length * p.max_contraction_velocity);
  }

  /// state_dot[0] = da/dt (eqs. 1-2); state_dot[1] = dF~T/dt = ft'(lT~) (dlT/dt) / lTs (0 if rigid).
  template <class T>
  SINEW_HD static void state_derivative(const params<T>& p, T ctrl, T mtu_length, T mtu_velocity, const T* state,
                                        T* state_dot) {
    state_dot[0] = degroote2016::activation_derivative(ctrl, state[0], p.tau_act, p.tau_deact, p.act_smoothing);
    if (p.rigid_tendon) {
      state_dot[1] = T(0);
      return;
    }
    const auto f = fiber_state(p, mtu_length, mtu_velocity, state);
    const T ft = degroote2016::clampn(state[1], T(-1e6), T(1e6));
    state_dot[1] = degroote2016::tendon_stiffness_from_force(p.tendon, ft) * f.tendon_velocity / p.tendon_slack_length;
  }

  /// diag[1] ~ d(dF~T/dt)/dF~T at the state (diag[0] = 0: the activation is advanced explicitly,
  /// as MuJoCo's). Exact except for the change of cos(alpha) with F~T (0 without pennation); 0
  /// where the fiber-velocity clamp is active. The actuation stage uses it for the linearly
  /// implicit update of the stiff tendon-force state (docs/muscle_models.md, "Integration").
  template <class T>
  SINEW_HD static void state_derivative_diagonal(const params<T>& p, T ctrl, T mtu_length, T mtu_velocity,
                                                 const T* state, T* diag) {
    using namespace degroote2016;
    (void)ctrl;
    diag[0] = T(0);
    diag[1] = T(0);
    if (p.rigid_tendon) return;
    const auto f = fiber_state(p, mtu_length, mtu_velocity, state);
    const T ft = clampn(state[1], T(-1e6), T(1e6));
    const T kts = tendon_stiffness_from_force(p.tendon, ft);
    const T lts = p.tendon_slack_length, lopt = p.optimal_fiber_length;
    const T vscale = lopt * p.max_contraction_velocity;
    // d lM~ / dF~T: dlT~/dF~T = 1/kts, lM cos = lMT - lTs lT~ (constant where floored), dlM = cos dlMcos
    const T lmcos_raw = clampn(mtu_length, T(-1e6), T(1e6)) - lts * f.tendon_length_norm;
    const T dlm = lmcos_raw > T(0.01) * lopt ? -f.cos_pennation * lts / (kts * lopt) : T(0);
    const T a = clampn(state[0], T(0), T(1));
    const T afl = a * f.fl;
    const bool floored = !(afl > p.min_active_force);
    const T den = floored ? p.min_active_force : afl;
    const T cosa = f.cos_pennation;
    const T target = (ft / cosa - f.fpe) / den;
    T dv = T(0);
    if (target > force_velocity(-shortening_velocity_cap(p)) && target < force_velocity(lengthening_velocity_cap(p))) {
      T dtarget = T(1) / cosa - passive_force_length_derivative(f.fiber_length_norm) * dlm;
      if (!floored) dtarget -= target * a * active_force_length_derivative(f.fiber_length_norm) * dlm;
      dtarget /= den;
      dv = dtarget / force_velocity_derivative(f.fiber_velocity_norm);
    }
    // dF~T/dt = kts vT / lTs, dkts/dF~T = kT, dvT/dF~T = -vscale dvM~/dF~T / cos(alpha)
    diag[1] = (p.tendon.kT * f.tendon_velocity - kts * vscale * dv / cosa) / lts;
  }

  /// Initial state: state[0] = activation, state[1] = the F~T at which the tendon does not stretch
  /// (dF~T/dt = 0: the fiber takes all of the MTU velocity), found by bisection (64 halvings).
  template <class T>
  SINEW_HD static void init_state(const params<T>& p, T mtu_length, T mtu_velocity, T activation, T* state) {
    state[0] = activation;
    state[1] = T(0);
    if (p.rigid_tendon) {
      state[1] = tendon_force_norm(p, mtu_length, mtu_velocity, state);
      return;
    }
    // Residual: fiber force along the tendon (fiber moving with the MTU) minus F~T.
    auto residual = [&](T ft) {
      params<T> q = p;
      q.rigid_tendon = 0;
      T s[2] = {activation, ft};
      const auto f = fiber_state(q, mtu_length, mtu_velocity, s);
      const T v = mtu_velocity * f.cos_pennation / (p.optimal_fiber_length * p.max_contraction_velocity);
      const T a = degroote2016::clampn(activation, T(0), T(1));
      return (a * f.fl * degroote2016::force_velocity(v) + f.fpe) * f.cos_pennation - ft;
    };
    T lo = T(0);
    const T r0 = residual(lo);
    if (!(r0 > T(0))) return;  // the fiber cannot pull at a slack tendon: F~T = 0
    T hi = r0 + T(2);          // fiber force decreases as the tendon stretches (fl <= ~1 + fpe)
    for (int k = 0; k < 8 && residual(hi) > T(0); ++k) hi = T(2) * hi;
    for (int it = 0; it < 64; ++it) {
      const T mid = T(0.5) * (lo + hi);
      if (residual(mid) > T(0)) lo = mid;
      else hi = mid;
    }
    state[1] = T(0.5) * (lo + hi);
  }
};

}  // namespace sinew
