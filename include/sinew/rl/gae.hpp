// Generalized advantage estimation (Schulman et al. 2016) over a T x nworld rollout that treats
// termination and truncation differently:
//
//   terminated (absorbing; also dropped samples): delta = r - V(s_t), no bootstrap
//   truncated (time limit, end of clip):          delta = r + gamma V(s_final) - V(s_t), where s_final
//                                                 is the finished episode's last state
//   otherwise:                                    delta = r + gamma V(s_t+1) - V(s_t)
//   A_t = delta_t + gamma lambda A_t+1, the sum cut at every episode boundary; R_t = A_t + V(s_t).
//
// Arrays are step-major: element (t, w) at t * nworld + w. V(s_T) is last_value[w].
#pragma once
#include "sinew/config.hpp"

namespace sinew::rl {

template <class T> struct GaeFn {
  const T *reward, *value, *bootstrap, *last_value;
  const unsigned char *terminated, *done;
  T *advantage, *returns;
  int nstep, nworld;
  T gamma, lambda;
  SINEW_HD void operator()(int w) const {
    T next_adv = 0;
    for (int t = nstep - 1; t >= 0; --t) {
      const ptrdiff_t k = ptrdiff_t(t) * nworld + w;
      T adv;
      if (done[k]) {
        const T next = terminated[k] ? T(0) : bootstrap[k];
        adv = reward[k] + gamma * next - value[k];
      } else {
        const T next = t == nstep - 1 ? last_value[w] : value[k + nworld];
        adv = reward[k] + gamma * next - value[k] + gamma * lambda * next_adv;
      }
      advantage[k] = adv;
      returns[k] = adv + value[k];
      next_adv = adv;
    }
  }
};

}  // namespace sinew::rl
