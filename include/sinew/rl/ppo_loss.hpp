// The PPO loss of one minibatch sample and its gradient with respect to the actor's mean, the
// critic's value and the policy's log-std (Schulman et al. 2017, with a clipped value loss):
//
//   A = (adv - mean_mb(adv)) / (std_mb(adv) + 1e-8)        (per-minibatch normalization, valid samples)
//   ratio = exp(log p(a) - log p_old(a))
//   L_pg = -min(ratio A, clip(ratio, 1 - eps, 1 + eps) A)
//   L_v  = 1/2 max((V - R)^2, (V_old + clip(V - V_old, -eps_v, eps_v) - R)^2)
//   L = mean_valid(L_pg + c_v L_v) - c_e entropy
//
// Per sample it writes dL/dmean (nu), dL/dV, the sample's part of dL/dlog_std (nu; summed over
// the minibatch by the caller) and statistics [valid, L_pg, L_v, approx KL ((ratio - 1) -
// log ratio), clipped (|ratio - 1| > eps)]. Dropped samples (valid 0) get zero gradients.
#pragma once
#include <cmath>

#include "sinew/rl/gaussian.hpp"

namespace sinew::rl {

struct PpoCoefficients {
  double clip = 0.2, value_clip = 0.2, value_coef = 0.5, entropy_coef = 0.0;
};

inline constexpr int ppo_nstat = 5;

template <class T> struct PpoLossFn {
  const T *mean, *value, *log_std;                 ///< forward outputs: B x nu, B; nu
  const T *action, *logp_old, *adv, *ret, *v_old;  ///< minibatch: B x nu, B, B, B, B
  const unsigned char* valid;                      ///< B
  const double* adv_stats;                         ///< [count, sum, sum of squares] over valid samples
  T *dmean, *dvalue, *dlogstd;                     ///< B x nu, B, B x nu
  double* stats;                                   ///< B x ppo_nstat
  int nu;
  PpoCoefficients c;
  SINEW_HD void operator()(int i) const {
    const T* mu = mean + ptrdiff_t(i) * nu;
    const T* a = action + ptrdiff_t(i) * nu;
    T* dm = dmean + ptrdiff_t(i) * nu;
    T* dl = dlogstd + ptrdiff_t(i) * nu;
    double* st = stats + ptrdiff_t(i) * ppo_nstat;
    if (!valid[i]) {
      for (int u = 0; u < nu; ++u) {
        dm[u] = T(0);
        dl[u] = T(0);
      }
      dvalue[i] = T(0);
      for (int k = 0; k < ppo_nstat; ++k) st[k] = 0;
      return;
    }
    const double n = adv_stats[0];
    const double am = adv_stats[1] / n, var = adv_stats[2] / n - am * am;
    const T A = T((double(adv[i]) - am) / (std::sqrt(var > 0 ? var : 0.0) + 1e-8));
    const T inv_n = T(1.0 / n);
    const T logp = gaussian_log_prob(a, mu, log_std, nu);
    const T lr = logp - logp_old[i];
    const T ratio = std::exp(lr);
    const T lo = T(1 - c.clip), hi = T(1 + c.clip);
    const T rc = ratio < lo ? lo : (ratio > hi ? hi : ratio);
    const T s1 = ratio * A, s2 = rc * A;
    const T pg = s1 <= s2 ? -s1 : -s2;
    const T dlogp = (s1 <= s2 ? -A * ratio : T(0)) * inv_n;  // d L_pg / d log p (the clipped branch is constant)
    for (int u = 0; u < nu; ++u) {
      const T is2 = std::exp(T(-2) * log_std[u]);
      const T d = a[u] - mu[u];
      dm[u] = dlogp * d * is2;
      dl[u] = dlogp * (d * d * is2 - T(1));
    }
    const T v = value[i], R = ret[i], vo = v_old[i];
    const T dv = v - vo, vcl = T(c.value_clip);
    const T vc = vo + (dv < -vcl ? -vcl : (dv > vcl ? vcl : dv));
    const T e1 = (v - R) * (v - R), e2 = (vc - R) * (vc - R);
    const T vl = T(0.5) * (e1 >= e2 ? e1 : e2);
    const T dvc = (dv > -vcl && dv < vcl) ? T(1) : T(0);
    dvalue[i] = T(c.value_coef) * inv_n * (e1 >= e2 ? (v - R) : (vc - R) * dvc);
    st[0] = 1;
    st[1] = double(pg);
    st[2] = double(vl);
    st[3] = double((ratio - T(1)) - lr);
    st[4] = std::fabs(double(ratio) - 1.0) > c.clip ? 1.0 : 0.0;
  }
};

}  // namespace sinew::rl
