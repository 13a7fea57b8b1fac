// Deterministic sums for the learner: the same result for any thread count and on every backend.
//
//   sinew::rl::Reducer<Space> red;                            // owns the partial sums (double)
//   red.sum<K>(exec, n, f, out);  // out[0..K) (policy memory) = sum over i of f(i, v) (f writes K values into v)
//
// The n terms are cut into fixed chunks summed in order, one chunk per thread, then the chunk
// sums are added in order by one thread: the order of every addition is fixed by n alone.
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/exec/parallel_for.hpp"

namespace sinew::rl {

template <class S, class Space> using Buf = typename sinew::detail::Buffer<S, Space>::type;
template <class S, class Space> S* raw(Buf<S, Space>& b) { return sinew::detail::Buffer<S, Space>::ptr(b); }

namespace detail {
template <int K, class F, class A> struct ChunkSumFn {
  F f;
  int n, chunk;
  A* part;  ///< nchunk x K
  SINEW_HD void operator()(int c) const {
    A acc[K] = {};
    A v[K];
    const int e = (c + 1) * chunk < n ? (c + 1) * chunk : n;
    for (int i = c * chunk; i < e; ++i) {
      f(i, v);
      for (int k = 0; k < K; ++k) acc[k] += v[k];
    }
    for (int k = 0; k < K; ++k) part[c * K + k] = acc[k];
  }
};
/// dst[i] = src[i].
template <class T> struct CopyFn {
  const T* src;
  T* dst;
  SINEW_HD void operator()(int i) const { dst[i] = src[i]; }
};
/// x[i] = v.
template <class T> struct FillFn {
  T* x;
  T v;
  SINEW_HD void operator()(int i) const { x[i] = v; }
};
template <int K, class A> struct FinalSumFn {
  const A* part;
  int nchunk;
  A* out;
  SINEW_HD void operator()(int) const {
    for (int k = 0; k < K; ++k) {
      A s = 0;
      for (int c = 0; c < nchunk; ++c) s += part[c * K + k];
      out[k] = s;
    }
  }
};
}  // namespace detail

/// Deterministic sums of K values per term, accumulated in A (double by default).
template <class Space, class A = double> class Reducer {
 public:
  static constexpr int nchunk = 256;
  /// out[0..K) = sum_{i < n} f(i) where `f(i, A* v)` writes K values; out in the policy's memory.
  template <int K, class E, class F> void sum(E e, int n, const F& f, A* out) {
    if (part_.size() < size_t(nchunk * K)) part_.resize(size_t(nchunk * K));
    const int chunk = n > 0 ? (n + nchunk - 1) / nchunk : 1;
    parallel_for(e, nchunk, detail::ChunkSumFn<K, F, A>{f, n, chunk, raw<A, Space>(part_)});
    parallel_for(e, 1, detail::FinalSumFn<K, A>{raw<A, Space>(part_), nchunk, out});
  }

 private:
  Buf<A, Space> part_;
};

}  // namespace sinew::rl
