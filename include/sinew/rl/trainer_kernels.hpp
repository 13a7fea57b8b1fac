// The trainer's per-world and per-sample functors (rl/trainer.hpp's PpoTrainer launches them on
// the backend): accumulating logged rows, the post-step bookkeeping of a rollout (rewards,
// terminations, resets, dropped samples), reward scaling, observation sanitizing, final
// observations of truncated episodes, gathers, advantage moments and the log-std gradient.
#pragma once
#include <cmath>

#include "sinew/imitation/env.hpp"
#include "sinew/rl/normalizer.hpp"

namespace sinew::rl {

/// Maximum number of reward terms the logged accumulators hold.
inline constexpr int max_log_terms = 16;

namespace detail {
/// Row w of the per-world accumulators, padded to max_log_terms + 5 values.
struct AccRowsFn {
  const double* acc;
  int nacc;
  SINEW_HD void operator()(int w, double* v) const {
    for (int k = 0; k < max_log_terms + 5; ++k) v[k] = k < nacc ? acc[ptrdiff_t(w) * nacc + k] : 0.0;
  }
};
template <class T> SINEW_INLINE bool finite_row(const T* x, int n) {
  for (int k = 0; k < n; ++k)
    if (!std::isfinite(x[k])) return false;
  return true;
}

/// Per-world bookkeeping after env.step: validity, episode ends, return for the reward
/// normalizer, statistics; marks worlds whose observation is non-finite for a reset.
template <class T> struct PostStepFn {
  const T *reward, *terms, *obs, *final_obs;
  const unsigned char *terminated, *truncated;
  const int* reason;
  unsigned char *bad_carry, *need_reset, *valid, *term_out, *done_out, *trunc_ok;
  T *ret_run, *raw_reward;
  int* ep_len;
  double* acc;  ///< nworld x nacc: [reward, terms..., episodes, length sum, terminated, dropped]
  int nobs, nterm, nacc;
  T gamma;
  SINEW_HD void operator()(int w) const {
    double* a = acc + ptrdiff_t(w) * nacc;
    const T r = reward[w];
    bool bad = bad_carry[w] || (reason[w] & TERM_NONFINITE) || !std::isfinite(r);
    const bool obs_ok = finite_row(obs + ptrdiff_t(w) * nobs, nobs);
    const bool fin_ok = !truncated[w] || finite_row(final_obs + ptrdiff_t(w) * nobs, nobs);
    bad = bad || !fin_ok;
    need_reset[w] = !obs_ok;
    const bool done = terminated[w] || truncated[w] || bad || !obs_ok;
    valid[w] = !bad;
    term_out[w] = terminated[w] || bad || !obs_ok;
    done_out[w] = done;
    trunc_ok[w] = truncated[w] && !term_out[w];
    raw_reward[w] = bad ? T(0) : r;
    ret_run[w] = ret_run[w] * gamma + raw_reward[w];
    ep_len[w] += 1;
    if (!bad) {
      a[0] += double(r);
      for (int k = 0; k < nterm; ++k) a[1 + k] += double(terms[ptrdiff_t(w) * nterm + k]);
    } else {
      a[nterm + 4] += 1;
    }
    if (done) {
      a[nterm + 1] += 1;
      a[nterm + 2] += ep_len[w];
      a[nterm + 3] += terminated[w] || bad ? 1 : 0;
      ep_len[w] = 0;
    }
  }
};
/// After the reward normalizer's update: the scaled reward into the rollout, return reset at
/// episode ends.
template <class T> struct ScaleRewardFn {
  const T* raw_reward;
  const unsigned char* done;
  const double* var;  ///< null: no scaling
  T *ret_run, *out;
  SINEW_HD void operator()(int w) const {
    out[w] = var ? T(double(raw_reward[w]) / std::sqrt(var[0] + normalizer_eps)) : raw_reward[w];
    if (done[w]) ret_run[w] = T(0);
  }
};
/// After the reset of worlds with non-finite observations: an observation still non-finite is
/// zeroed and the world's next sample dropped too.
template <class T> struct SanitizeObsFn {
  T* obs;
  unsigned char *bad_carry, *need_reset, *obs_ok;
  int nobs;
  SINEW_HD void operator()(int w) const {
    T* o = obs + ptrdiff_t(w) * nobs;
    const bool ok = finite_row(o, nobs);
    if (!ok)
      for (int k = 0; k < nobs; ++k) o[k] = T(0);
    bad_carry[w] = !ok;
    obs_ok[w] = ok;
    need_reset[w] = 0;
  }
};
/// Rows of final observations: normalized where the episode was truncated, zero elsewhere.
template <class T> struct FinalObsFn {
  const T* final_obs;
  const unsigned char* trunc_ok;
  const double *mean, *var;  ///< null: no normalization
  T* out;
  int nobs;
  double clip;
  SINEW_HD void operator()(int k) const {
    const int w = k / nobs, j = k % nobs;
    if (!trunc_ok[w]) {
      out[k] = T(0);
      return;
    }
    double v = double(final_obs[k]);
    if (mean) {
      v = (v - mean[j]) / std::sqrt(var[j] + normalizer_eps);
      v = v < -clip ? -clip : (v > clip ? clip : v);
    }
    out[k] = T(v);
  }
};
template <class T> struct CopyBytesFn {
  const unsigned char* src;
  unsigned char* dst;
  SINEW_HD void operator()(int i) const { dst[i] = src[i]; }
};
/// Minibatch row i <- rollout sample perm[start + i].
template <class T> struct GatherFn {
  const int* perm;
  int start, nobs, nu;
  const T *obs, *act, *logp, *adv, *ret, *val;
  const unsigned char* valid;
  T *mobs, *mact, *mlogp, *madv, *mret, *mval;
  unsigned char* mvalid;
  SINEW_HD void operator()(int i) const {
    const ptrdiff_t s = perm[start + i];
    for (int k = 0; k < nobs; ++k) mobs[ptrdiff_t(i) * nobs + k] = obs[s * nobs + k];
    for (int k = 0; k < nu; ++k) mact[ptrdiff_t(i) * nu + k] = act[s * nu + k];
    mlogp[i] = logp[s];
    madv[i] = adv[s];
    mret[i] = ret[s];
    mval[i] = val[s];
    mvalid[i] = valid[s];
  }
};
template <class T> struct AdvMomentsFn {
  const T* adv;
  const unsigned char* valid;
  SINEW_HD void operator()(int i, double* v) const {
    const double a = valid[i] ? double(adv[i]) : 0.0;
    v[0] = valid[i] ? 1.0 : 0.0;
    v[1] = a;
    v[2] = a * a;
  }
};
/// Column u of the per-sample log-std gradients, plus the entropy bonus's -c_e.
template <class T> struct LogStdGradFn {
  const T* rows;
  int batch, nu;
  T entropy_coef;
  T* g;
  SINEW_HD void operator()(int u) const {
    T s = 0;
    for (int i = 0; i < batch; ++i) s += rows[ptrdiff_t(i) * nu + u];
    g[u] = s - entropy_coef;
  }
};
struct StatRowFn {
  const double* st;
  SINEW_HD void operator()(int i, double* v) const {
    for (int k = 0; k < ppo_nstat; ++k) v[k] = st[ptrdiff_t(i) * ppo_nstat + k];
  }
};
struct AccumulateFn {
  const double* src;
  double* dst;
  int n;
  SINEW_HD void operator()(int) const {
    for (int k = 0; k < n; ++k) dst[k] += src[k];
  }
};
/// dst[0] += sqrt(src[0]): the minibatches' gradient norms, summed on the backend.
struct AccumulateSqrtFn {
  const double* src;
  double* dst;
  SINEW_HD void operator()(int) const { dst[0] += std::sqrt(src[0]); }
};
}  // namespace detail

}  // namespace sinew::rl
