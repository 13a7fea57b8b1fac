// Diagonal Gaussian policy with a state-independent learnable log-std (no tanh: the environment
// clips actions). Sampling draws from a counter-based generator per (world, step), so a run is
// reproducible and independent of the thread count and of the backend.
//
//   a = mean + exp(log_std) * z,  z ~ N(0, I) from normal01(seed, world, step * nu + u)
//   log p(a) = sum_u [ -(a_u - mean_u)^2 / (2 std_u^2) - log_std_u - log(2 pi) / 2 ]
//   entropy  = sum_u [ log_std_u + (1 + log(2 pi)) / 2 ]
#pragma once
#include <cmath>

#include "sinew/math/random.hpp"

namespace sinew::rl {

inline constexpr double log_2pi = 1.8378770664093453;

/// log p(a | mean, log_std) for one row of nu actions.
template <class T> SINEW_INLINE T gaussian_log_prob(const T* a, const T* mean, const T* log_std, int nu) {
  T s = 0;
  for (int u = 0; u < nu; ++u) {
    const T z = (a[u] - mean[u]) * std::exp(-log_std[u]);
    s += T(-0.5) * z * z - log_std[u] - T(0.5 * log_2pi);
  }
  return s;
}
template <class T> SINEW_INLINE T gaussian_entropy(const T* log_std, int nu) {
  T s = 0;
  for (int u = 0; u < nu; ++u) s += log_std[u] + T(0.5 * (1.0 + log_2pi));
  return s;
}

/// Row w: action = mean (+ noise unless deterministic), and its log-probability.
template <class T> struct GaussianSampleFn {
  const T *mean, *log_std;
  T *action, *logp;
  int nu;
  unsigned long long seed, step;
  bool deterministic;
  SINEW_HD void operator()(int w) const {
    const T* m = mean + ptrdiff_t(w) * nu;
    T* a = action + ptrdiff_t(w) * nu;
    for (int u = 0; u < nu; ++u)
      a[u] = deterministic ? m[u]
                           : m[u] + std::exp(log_std[u]) *
                                        T(normal01(seed, w, step * (unsigned long long)(nu) + (unsigned long long)(u)));
    if (logp) logp[w] = gaussian_log_prob(a, m, log_std, nu);
  }
};

}  // namespace sinew::rl
