// Running mean and variance (Chan et al.'s parallel merge of batch moments), for observation
// normalization (per feature, frozen during evaluation) and reward normalization (the running
// std of the discounted return, as MuscleMimic and gym's NormalizeReward). Statistics are kept in
// double on every backend; batch moments come from deterministic sums.
//
//   RunningMeanStd<Space> rms(nobs);
//   rms.update(exec, x, nrow, valid);                 // x: nrow x n (T), valid: nrow flags or null
//   normalize(exec, rms, x, y, nrow, clip);           // y = clip((x - mean) / sqrt(var + eps))
#pragma once
#include <cmath>
#include <vector>

#include "sinew/rl/reduce.hpp"

namespace sinew::rl {

inline constexpr double normalizer_eps = 1e-8;

namespace detail {
/// Column j: sum and sum of squares over valid rows (fixed order), merged into the statistics.
template <class T> struct ColumnMomentsFn {
  const T* x;
  const unsigned char* valid;
  int nrow, n;
  double *mean, *var, *count;  ///< count: one value
  SINEW_HD void operator()(int j) const {
    double s = 0, c = 0;
    for (int i = 0; i < nrow; ++i)
      if (!valid || valid[i]) {
        s += double(x[ptrdiff_t(i) * n + j]);
        c += 1;
      }
    if (c == 0) return;
    const double bm = s / c;
    double m2 = 0;
    for (int i = 0; i < nrow; ++i)
      if (!valid || valid[i]) {
        const double d = double(x[ptrdiff_t(i) * n + j]) - bm;
        m2 += d * d;
      }
    const double na = count[0], tot = na + c, delta = bm - mean[j];
    mean[j] += delta * c / tot;
    var[j] = (var[j] * na + m2 + delta * delta * na * c / tot) / tot;
  }
};
struct CountFn {
  double* count;
  double* add;
  SINEW_HD void operator()(int) const { count[0] += add[0]; }
};
template <class T> struct ValidCountFn {
  const unsigned char* valid;
  SINEW_HD void operator()(int i, double* v) const { v[0] = (!valid || valid[i]) ? 1.0 : 0.0; }
};
template <class T> struct NormalizeFn {
  const T* x;
  T* y;
  const double *mean, *var;
  int n;
  double clip;
  SINEW_HD void operator()(int k) const {
    const int j = k % n;
    double v = (double(x[k]) - mean[j]) / std::sqrt(var[j] + normalizer_eps);
    v = v < -clip ? -clip : (v > clip ? clip : v);
    y[k] = T(v);
  }
};
}  // namespace detail

template <class Space> class RunningMeanStd {
 public:
  RunningMeanStd() = default;
  explicit RunningMeanStd(int n) : n_(n) { reset(); }
  void reset() {
    from_host(mean_, std::vector<double>(size_t(n_), 0.0));
    from_host(var_, std::vector<double>(size_t(n_), 1.0));
    from_host(count_, std::vector<double>(2, 0.0));
  }
  int size() const { return n_; }

  /// Merges the moments of the rows of x (nrow x n) with valid[i] != 0 (all rows if null).
  template <class E, class T> void update(E e, const T* x, int nrow, const unsigned char* valid = nullptr) {
    double* cnt = raw<double, Space>(count_);
    red_.template sum<1>(e, nrow, detail::ValidCountFn<T>{valid}, cnt + 1);
    parallel_for(e, n_, detail::ColumnMomentsFn<T>{x, valid, nrow, n_, mean(), var(), cnt});
    parallel_for(e, 1, detail::CountFn{cnt, cnt + 1});
  }
  double* mean() { return raw<double, Space>(mean_); }
  double* var() { return raw<double, Space>(var_); }
  double* count_ptr() { return raw<double, Space>(count_); }

  std::vector<double> mean_host() const { return to_host(mean_); }
  std::vector<double> var_host() const { return to_host(var_); }
  double count_host() const { return to_host(count_)[0]; }
  void set_host(const std::vector<double>& mean, const std::vector<double>& var, double count) {
    if (mean.size() != size_t(n_) || var.size() != size_t(n_))
      throw std::invalid_argument("RunningMeanStd: size mismatch");
    from_host(mean_, mean);
    from_host(var_, var);
    from_host(count_, std::vector<double>{count, 0.0});
  }

 private:
  int n_ = 0;
  Buf<double, Space> mean_, var_, count_;  ///< count_[1]: scratch (the batch count)
  Reducer<Space> red_;
};

/// y = clip((x - mean) / sqrt(var + eps), -clip, clip) for nrow x n values (y may be x).
template <class E, class Space, class T>
void normalize(E e, RunningMeanStd<Space>& rms, const T* x, T* y, int nrow, double clip) {
  parallel_for(e, nrow * rms.size(), detail::NormalizeFn<T>{x, y, rms.mean(), rms.var(), rms.size(), clip});
}

}  // namespace sinew::rl
