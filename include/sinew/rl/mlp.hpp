// Multi-layer perceptrons for policies and value functions: Dense -> [LayerNorm] -> SiLU per
// hidden layer, a linear output layer; parameters in one flat buffer; forward and backward
// batched over samples (row-major, one sample a row). The matrix products go through rl::gemm
// (Eigen / cuBLAS); everything else is functors over rows or columns on the same policy.
//
//   sinew::rl::MlpSpec spec{/*in=*/30, /*out=*/6, /*hidden=*/{256, 256}, /*layernorm=*/true};
//   sinew::rl::Mlp<float, HostSpace> net(spec);         // parameters (flat), gradients, workspace
//   net.init(seed, 0.01);                               // orthogonal init, output gain 0.01
//   const float* y = net.forward(exec, x, batch);       // batch x out
//   net.backward(exec, dy);                             // gradients of sum(dy . y) into net.grad()
//
// Parameter layout, layer l (in_l x out_l): weight (out_l x in_l, row-major), bias (out_l), and
// for hidden layers with LayerNorm its scale (out_l) and offset (out_l). Names (checkpoints):
// "layer<l>.weight", "layer<l>.bias", "layer<l>.ln_scale", "layer<l>.ln_bias".
#pragma once
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/QR>

#include "sinew/math/random.hpp"
#include "sinew/rl/blas.hpp"
#include "sinew/rl/reduce.hpp"

namespace sinew::rl {

/// LayerNorm's epsilon (flax's default, which MuscleMimic's networks use).
inline constexpr double layernorm_eps = 1e-6;

struct MlpSpec {
  int in = 0, out = 0;
  std::vector<int> hidden;
  bool layernorm = true;
};

/// One named parameter tensor of a flat buffer: offset, rows x cols (cols 1 for vectors).
struct ParamTensor {
  std::string name;
  size_t offset = 0;
  int rows = 0, cols = 1;
  bool matrix = false;  ///< a weight matrix (Muon applies to these)
};

struct MlpLayer {
  int in, out;
  bool ln, act;  ///< LayerNorm, SiLU (hidden layers)
  size_t w, b, g, beta;
};

inline std::vector<MlpLayer> mlp_layers(const MlpSpec& s) {
  if (s.in <= 0 || s.out <= 0) throw std::invalid_argument("MLP: input and output sizes must be positive");
  std::vector<MlpLayer> L;
  size_t off = 0;
  int in = s.in;
  for (size_t l = 0; l <= s.hidden.size(); ++l) {
    const bool hidden = l < s.hidden.size();
    const int out = hidden ? s.hidden[l] : s.out;
    if (out <= 0) throw std::invalid_argument("MLP: layer widths must be positive");
    MlpLayer y{in, out, hidden && s.layernorm, hidden, 0, 0, 0, 0};
    y.w = off;
    off += size_t(in) * size_t(out);
    y.b = off;
    off += size_t(out);
    if (y.ln) {
      y.g = off;
      off += size_t(out);
      y.beta = off;
      off += size_t(out);
    }
    L.push_back(y);
    in = out;
  }
  return L;
}
inline size_t mlp_param_count(const MlpSpec& s) {
  const auto L = mlp_layers(s);
  const auto& y = L.back();
  return y.b + size_t(y.out);
}
/// The named tensors of an MLP's flat buffer, each name prefixed with `prefix`.
inline std::vector<ParamTensor> mlp_tensors(const MlpSpec& s, const std::string& prefix) {
  std::vector<ParamTensor> t;
  const auto L = mlp_layers(s);
  for (size_t l = 0; l < L.size(); ++l) {
    const std::string p = prefix + "layer" + std::to_string(l) + ".";
    t.push_back({p + "weight", L[l].w, L[l].out, L[l].in, true});
    t.push_back({p + "bias", L[l].b, L[l].out, 1, false});
    if (L[l].ln) {
      t.push_back({p + "ln_scale", L[l].g, L[l].out, 1, false});
      t.push_back({p + "ln_bias", L[l].beta, L[l].out, 1, false});
    }
  }
  return t;
}

namespace detail {
template <class T> SINEW_INLINE T sigmoid(T y) { return T(1) / (T(1) + std::exp(-y)); }

/// Row i of a hidden layer: z += bias, [LayerNorm], a = silu(y). Stores mean / rstd for backward.
template <class T> struct HiddenFwdFn {
  const T* p;
  MlpLayer L;
  T *z, *y, *a, *mean, *rstd;
  SINEW_HD void operator()(int i) const {
    T* zi = z + ptrdiff_t(i) * L.out;
    T* yi = y + ptrdiff_t(i) * L.out;
    T* ai = a + ptrdiff_t(i) * L.out;
    for (int j = 0; j < L.out; ++j) zi[j] += p[L.b + j];
    if (L.ln) {
      T mu = 0;
      for (int j = 0; j < L.out; ++j) mu += zi[j];
      mu /= T(L.out);
      T var = 0;
      for (int j = 0; j < L.out; ++j) var += (zi[j] - mu) * (zi[j] - mu);
      var /= T(L.out);
      const T r = T(1) / std::sqrt(var + T(layernorm_eps));
      mean[i] = mu;
      rstd[i] = r;
      for (int j = 0; j < L.out; ++j) yi[j] = (zi[j] - mu) * r * p[L.g + j] + p[L.beta + j];
    } else {
      for (int j = 0; j < L.out; ++j) yi[j] = zi[j];
    }
    if (L.act)
      for (int j = 0; j < L.out; ++j) ai[j] = yi[j] * sigmoid(yi[j]);
  }
};
template <class T> struct OutputFwdFn {
  const T* p;
  MlpLayer L;
  T* z;
  SINEW_HD void operator()(int i) const {
    for (int j = 0; j < L.out; ++j) z[ptrdiff_t(i) * L.out + j] += p[L.b + j];
  }
};
/// Row i: da (in dz's place) -> dy = da silu'(y) -> dz (LayerNorm backward); dy kept in `dy` for
/// the scale and offset gradients.
template <class T> struct HiddenBwdFn {
  const T* p;
  MlpLayer L;
  const T *y, *z, *mean, *rstd;
  T *dz, *dy;
  SINEW_HD void operator()(int i) const {
    const T* yi = y + ptrdiff_t(i) * L.out;
    T* dzi = dz + ptrdiff_t(i) * L.out;
    T* dyi = dy + ptrdiff_t(i) * L.out;
    for (int j = 0; j < L.out; ++j) {
      const T s = sigmoid(yi[j]);
      dyi[j] = dzi[j] * s * (T(1) + yi[j] * (T(1) - s));
    }
    if (!L.ln) {
      for (int j = 0; j < L.out; ++j) dzi[j] = dyi[j];
      return;
    }
    const T* zi = z + ptrdiff_t(i) * L.out;
    const T mu = mean[i], r = rstd[i];
    T m1 = 0, m2 = 0;
    for (int j = 0; j < L.out; ++j) {
      const T dh = dyi[j] * p[L.g + j], h = (zi[j] - mu) * r;
      m1 += dh;
      m2 += dh * h;
    }
    m1 /= T(L.out);
    m2 /= T(L.out);
    for (int j = 0; j < L.out; ++j) {
      const T h = (zi[j] - mu) * r;
      dzi[j] = r * (dyi[j] * p[L.g + j] - m1 - h * m2);
    }
  }
};
/// Column j: bias gradient (sum of dz), LayerNorm scale and offset gradients.
template <class T> struct ColumnGradFn {
  MlpLayer L;
  int batch;
  const T *dz, *dy, *z, *mean, *rstd;
  T* g;
  SINEW_HD void operator()(int j) const {
    T sb = 0, sg = 0, so = 0;
    for (int i = 0; i < batch; ++i) {
      const ptrdiff_t k = ptrdiff_t(i) * L.out + j;
      sb += dz[k];
      if (L.ln) {
        sg += dy[k] * (z[k] - mean[i]) * rstd[i];
        so += dy[k];
      }
    }
    g[L.b + j] = sb;
    if (L.ln) {
      g[L.g + j] = sg;
      g[L.beta + j] = so;
    }
  }
};
}  // namespace detail

/// An MLP with its parameters, gradients and a workspace for batches up to the largest seen.
template <class T, class Space> class Mlp {
 public:
  Mlp() = default;
  explicit Mlp(MlpSpec spec) : spec_(std::move(spec)), layers_(mlp_layers(spec_)) {
    params_.resize(mlp_param_count(spec_));
    grad_.resize(params_.size());
  }
  const MlpSpec& spec() const { return spec_; }
  const std::vector<MlpLayer>& layers() const { return layers_; }
  size_t nparam() const { return params_.size(); }
  T* params() { return raw<T, Space>(params_); }
  const T* params() const { return sinew::detail::Buffer<T, Space>::ptr(const_cast<Buf<T, Space>&>(params_)); }
  T* grad() { return raw<T, Space>(grad_); }
  Buf<T, Space>& param_buffer() { return params_; }
  Buf<T, Space>& grad_buffer() { return grad_; }

  /// Orthogonal weights (gain sqrt(2) for hidden layers, `out_gain` for the output layer), zero
  /// biases, LayerNorm scale 1 and offset 0; drawn from (seed, stream) on the host.
  void init(unsigned long long seed, double out_gain, int stream = 0) {
    std::vector<T> h(params_.size(), T(0));
    unsigned long long c = 0;
    for (size_t l = 0; l < layers_.size(); ++l) {
      const auto& L = layers_[l];
      const int big = std::max(L.in, L.out), small = std::min(L.in, L.out);
      Eigen::MatrixXd g(big, small);
      for (int i = 0; i < big; ++i)
        for (int j = 0; j < small; ++j) g(i, j) = normal01(seed, stream, c++);
      Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
      Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(big, small);
      const Eigen::VectorXd d = qr.matrixQR().diagonal();
      for (int j = 0; j < small; ++j)
        if (d(j) < 0) q.col(j) *= -1;  // a uniform distribution over orthogonal matrices
      const double gain = L.act ? std::sqrt(2.0) : out_gain;
      for (int o = 0; o < L.out; ++o)
        for (int i = 0; i < L.in; ++i)
          h[L.w + size_t(o) * size_t(L.in) + size_t(i)] = T(gain * (L.out >= L.in ? q(o, i) : q(i, o)));
      if (L.ln)
        for (int o = 0; o < L.out; ++o) h[L.g + size_t(o)] = T(1);
    }
    from_host(params_, h);
  }

  /// Forward pass of `batch` rows of x (batch x in, policy memory); returns the output (batch x
  /// out), valid until the next forward. Keeps what backward needs.
  template <class E> const T* forward(E e, const T* x, int batch) {
    reserve(batch);
    x_ = x;
    batch_ = batch;
    const T* in = x;
    for (size_t l = 0; l < layers_.size(); ++l) {
      const auto& L = layers_[l];
      T* z = ws(l, 0);
      gemm(e, false, true, batch, L.out, L.in, T(1), in, params() + L.w, T(0), z);
      if (L.act) {
        parallel_for(e, batch, detail::HiddenFwdFn<T>{params(), L, z, ws(l, 1), ws(l, 2), stat(l, 0), stat(l, 1)});
        in = ws(l, 2);
      } else {
        parallel_for(e, batch, detail::OutputFwdFn<T>{params(), L, z});
        in = z;
      }
    }
    return in;
  }

  /// Gradients of sum_i dout_i . y_i (dout: batch x out, policy memory) for the last forward,
  /// written (not accumulated) into grad(). dout is not modified. With `dx` non-null, also the
  /// gradient with respect to the input (batch x in).
  template <class E> void backward(E e, const T* dout, T* dx = nullptr) {
    const int batch = batch_;
    const size_t nl = layers_.size();
    T* g = grad();
    // dz of the output layer = dout (copied so the caller's buffer stays intact)
    T* dz = dbuf(0);
    copy_(e, dout, dz, size_t(batch) * size_t(layers_.back().out));
    for (size_t l = nl; l-- > 0;) {
      const auto& L = layers_[l];
      const T* in = l == 0 ? x_ : ws(l - 1, 2);
      if (L.act)
        parallel_for(e, batch,
                     detail::HiddenBwdFn<T>{params(), L, ws(l, 1), ws(l, 0), stat(l, 0), stat(l, 1), dz, dbuf(2)});
      parallel_for(e, L.out, detail::ColumnGradFn<T>{L, batch, dz, dbuf(2), ws(l, 0), stat(l, 0), stat(l, 1), g});
      gemm(e, true, false, L.out, L.in, batch, T(1), dz, in, T(0), g + L.w);  // dW = dz^T x
      if (l > 0 || dx) {
        T* dnext = l == 0 ? dx : dbuf(1);
        gemm(e, false, false, batch, L.in, L.out, T(1), dz, params() + L.w, T(0), dnext);  // dx = dz W
        if (l > 0) std::swap(dbufs_[0], dbufs_[1]);
        dz = dbuf(0);
      }
    }
  }

 private:
  template <class E> static void copy_(E e, const T* src, T* dst, size_t n) {
    parallel_for(e, int(n), detail::CopyFn<T>{src, dst});
  }
  void reserve(int batch) {
    if (batch <= cap_) return;
    cap_ = batch;
    int wmax = spec_.in;
    for (const auto& L : layers_) wmax = std::max(wmax, L.out);
    wmax_ = size_t(wmax);
    work_.resize(layers_.size() * 3 * size_t(batch) * wmax_);
    stats_.resize(layers_.size() * 2 * size_t(batch));
    for (auto& d : dbufs_) d.resize(size_t(batch) * wmax_);
  }
  T* ws(size_t l, int k) { return raw<T, Space>(work_) + (l * 3 + size_t(k)) * size_t(cap_) * wmax_; }
  T* stat(size_t l, int k) { return raw<T, Space>(stats_) + (l * 2 + size_t(k)) * size_t(cap_); }
  T* dbuf(int k) { return raw<T, Space>(dbufs_[k]); }

  MlpSpec spec_;
  std::vector<MlpLayer> layers_;
  Buf<T, Space> params_, grad_, work_, stats_;
  Buf<T, Space> dbufs_[3];
  int cap_ = 0, batch_ = 0;
  size_t wmax_ = 0;
  const T* x_ = nullptr;
};

}  // namespace sinew::rl
