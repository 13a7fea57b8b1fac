// Optimizers over a flat parameter buffer described by named tensors:
//
//   Adam (Kingma & Ba 2015, bias-corrected; optax's defaults b1 0.9, b2 0.999, eps 1e-8):
//     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
//   Muon (Jordan et al. 2024; optax.contrib.muon) for weight matrices, Adam for the rest:
//     m = beta m + (1 - beta) g;  u = nesterov ? beta m + (1 - beta) g : m
//     O = NewtonSchulz5(u)  (X = u / (|u|_F + eps), transposed when rows > cols; 5 x
//         X = a X + (b A + c A A) X with A = X X^T, (a, b, c) = (3.4445, -4.7750, 2.0315))
//     p -= lr sqrt(max(1, rows / cols)) O
//   Decoupled weight decay (p -= lr wd p) on matrices where weight_decay > 0.
//
// Global gradient-norm clipping (clip_grad_norm) scales all gradients by min(1, max / |g|).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "sinew/rl/blas.hpp"
#include "sinew/rl/mlp.hpp"
#include "sinew/rl/reduce.hpp"

namespace sinew::rl {

struct OptimizerConfig {
  bool muon = false;  ///< Muon for weight matrices (else Adam everywhere)
  double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  double muon_momentum = 0.95;
  bool muon_nesterov = true;
  int muon_ns_steps = 5;
  double weight_decay = 0;
};

namespace detail {
template <class T> struct AdamFn {
  T *p, *m, *v;
  const T* g;
  T lr, b1, b2, eps, c1, c2, wd;  ///< c1, c2: 1 - b^t
  SINEW_HD void operator()(int i) const {
    m[i] = b1 * m[i] + (T(1) - b1) * g[i];
    v[i] = b2 * v[i] + (T(1) - b2) * g[i] * g[i];
    p[i] -= lr * ((m[i] / c1) / (std::sqrt(v[i] / c2) + eps) + wd * p[i]);
  }
};
/// Muon's momentum and the Newton-Schulz input (u, scaled later): writes u into `x` (rows x cols,
/// transposed into cols x rows when rows > cols).
template <class T> struct MuonMomentumFn {
  T* m;
  const T* g;
  T* x;
  T beta;
  bool nesterov, transpose;
  int rows, cols;
  SINEW_HD void operator()(int i) const {
    m[i] = beta * m[i] + (T(1) - beta) * g[i];
    const T u = nesterov ? beta * m[i] + (T(1) - beta) * g[i] : m[i];
    if (transpose) x[(i % cols) * rows + i / cols] = u;
    else x[i] = u;
  }
};
template <class T> struct SquareFn {
  const T* x;
  SINEW_HD void operator()(int i, double* v) const { v[0] = double(x[i]) * double(x[i]); }
};
template <class T> struct ScaleByNormFn {
  T* x;
  const double* sumsq;
  double eps;
  SINEW_HD void operator()(int i) const { x[i] = T(double(x[i]) / (std::sqrt(sumsq[0]) + eps)); }
};
/// B = b A + c A A (r x r), in place of AA.
template <class T> struct NsCombineFn {
  const T* A;
  T* AA;
  T b, c;
  SINEW_HD void operator()(int i) const { AA[i] = b * A[i] + c * AA[i]; }
};
/// y = a x.
template <class T> struct CopyScaleFn {
  const T* x;
  T* y;
  T a;
  SINEW_HD void operator()(int i) const { y[i] = a * x[i]; }
};
template <class T> struct MuonApplyFn {
  T* p;
  const T* x;
  T step, wd;
  bool transpose;
  int rows, cols;
  SINEW_HD void operator()(int i) const {
    const T o = transpose ? x[(i % cols) * rows + i / cols] : x[i];
    p[i] -= step * o + wd * p[i];
  }
};
template <class T> struct ClipScaleFn {
  T* g;
  const double* sumsq;
  double max_norm;
  SINEW_HD void operator()(int i) const {
    const double n = std::sqrt(sumsq[0]);
    if (n > max_norm) g[i] = T(double(g[i]) * (max_norm / n));
  }
};
}  // namespace detail

/// The optimizer of one flat parameter buffer (a network, or the policy's log-std with it).
template <class T, class Space> class Optimizer {
 public:
  Optimizer() = default;
  Optimizer(std::vector<ParamTensor> tensors, size_t nparam, OptimizerConfig cfg) : t_(std::move(tensors)), cfg_(cfg) {
    from_host(m_, std::vector<T>(nparam, T(0)));
    from_host(v_, std::vector<T>(nparam, T(0)));
    size_t big = 0;
    for (const auto& t : t_)
      if (t.matrix) big = std::max(big, size_t(std::min(t.rows, t.cols)) * size_t(std::max(t.rows, t.cols)));
    size_t sq = 0;
    for (const auto& t : t_)
      if (t.matrix) sq = std::max(sq, size_t(std::min(t.rows, t.cols)) * size_t(std::min(t.rows, t.cols)));
    x_.resize(big);
    y_.resize(big);
    a_.resize(sq);
    aa_.resize(sq);
    norm_.resize(1);
  }
  const std::vector<ParamTensor>& tensors() const { return t_; }
  long long step_count() const { return step_; }
  void set_step_count(long long s) { step_ = s; }
  Buf<T, Space>& m() { return m_; }
  Buf<T, Space>& v() { return v_; }

  /// One step with learning rate lr on parameters p and gradients g (policy memory).
  template <class E> void step(E e, T* p, const T* g, double lr) {
    ++step_;
    const T c1 = T(1 - std::pow(cfg_.b1, double(step_))), c2 = T(1 - std::pow(cfg_.b2, double(step_)));
    for (const auto& t : t_) {
      const int n = t.rows * t.cols;
      const size_t o = t.offset;
      const T wd = t.matrix ? T(lr * cfg_.weight_decay) : T(0);
      if (!(cfg_.muon && t.matrix)) {
        parallel_for(e, n,
                     detail::AdamFn<T>{p + o, raw<T, Space>(m_) + o, raw<T, Space>(v_) + o, g + o, T(lr), T(cfg_.b1),
                                       T(cfg_.b2), T(cfg_.eps), c1, c2, t.matrix ? T(cfg_.weight_decay) : T(0)});
        continue;
      }
      const bool tr = t.rows > t.cols;
      const int r = tr ? t.cols : t.rows, c = tr ? t.rows : t.cols;  // X: r x c, r <= c
      T* X = raw<T, Space>(x_);
      T* Y = raw<T, Space>(y_);
      T* A = raw<T, Space>(a_);
      T* AA = raw<T, Space>(aa_);
      parallel_for(e, n,
                   detail::MuonMomentumFn<T>{raw<T, Space>(m_) + o, g + o, X, T(cfg_.muon_momentum), cfg_.muon_nesterov,
                                             tr, t.rows, t.cols});
      red_.template sum<1>(e, n, detail::SquareFn<T>{X}, raw<double, Space>(norm_));
      parallel_for(e, n, detail::ScaleByNormFn<T>{X, raw<double, Space>(norm_), 1e-7});
      for (int k = 0; k < cfg_.muon_ns_steps; ++k) {
        gemm(e, false, true, r, r, c, T(1), X, X, T(0), A);    // A = X X^T
        gemm(e, false, false, r, r, r, T(1), A, A, T(0), AA);  // A A
        parallel_for(e, r * r, detail::NsCombineFn<T>{A, AA, T(-4.7750), T(2.0315)});
        parallel_for(e, n, detail::CopyScaleFn<T>{X, Y, T(3.4445)});  // Y = a X
        gemm(e, false, false, r, c, r, T(1), AA, X, T(1), Y);         // Y += B X
        std::swap(x_, y_);
        X = raw<T, Space>(x_);
        Y = raw<T, Space>(y_);
      }
      const T scale = T(lr * std::sqrt(std::max(1.0, double(t.rows) / double(t.cols))));
      parallel_for(e, n, detail::MuonApplyFn<T>{p + o, X, scale, wd, tr, t.rows, t.cols});
    }
  }

 private:
  std::vector<ParamTensor> t_;
  OptimizerConfig cfg_;
  long long step_ = 0;
  Buf<T, Space> m_, v_, x_, y_, a_, aa_;
  Buf<double, Space> norm_;
  Reducer<Space> red_;
};

/// Squared global norm of several gradient buffers into out[0] (policy memory), deterministic.
template <class E, class Space, class T> struct GradNorm {
  Reducer<Space> red;
  Buf<double, Space> part, total;
  /// Returns a pointer (policy memory) to |g|^2 over all buffers.
  double* sumsq(E e, const std::vector<std::pair<const T*, size_t>>& bufs) {
    part.resize(bufs.size());
    total.resize(1);
    for (size_t k = 0; k < bufs.size(); ++k)
      red.template sum<1>(e, int(bufs[k].second), detail::SquareFn<T>{bufs[k].first}, raw<double, Space>(part) + k);
    red.template sum<1>(e, int(bufs.size()), PartFn{raw<double, Space>(part)}, raw<double, Space>(total));
    return raw<double, Space>(total);
  }
  struct PartFn {
    const double* p;
    SINEW_HD void operator()(int i, double* v) const { v[0] = p[i]; }
  };
  /// Scales every buffer by min(1, max_norm / |g|).
  void clip(E e, const std::vector<std::pair<T*, size_t>>& bufs, const double* sumsq, double max_norm) {
    for (const auto& [g, n] : bufs) parallel_for(e, int(n), detail::ClipScaleFn<T>{g, sumsq, max_norm});
  }
};

}  // namespace sinew::rl
