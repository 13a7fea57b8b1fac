// parallel_for(policy, n, f): calls f(i) for i in [0, n) on the policy's backend.
// f is a small trivially copyable struct with `SINEW_HD void operator()(int i) const`.
// parallel_for(policy, n, m, f): calls f(i, j) for i in [0, n), j in [0, m).
//
// The OpenMP path goes through Thrust's OMP system (thrust::omp::par), the CUDA path through
// thrust::cuda::par_nosync on the policy's stream (no host synchronization); every CUDA launch is
// checked (cuda_check: a launch error is an exception naming the kernel's functor), and errors
// that surface later (an illegal address) are reported by the next check or synchronization.
#pragma once
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/system/omp/execution_policy.h>
#if defined(__CUDACC__)
#include <thrust/system/cuda/execution_policy.h>
#endif
#include <omp.h>

#include "sinew/exec/policy.hpp"

namespace sinew {

template <class F> inline void parallel_for(exec::Serial, int n, const F& f) {
  for (int i = 0; i < n; ++i) f(i);
}

template <class F> inline void parallel_for(exec::OpenMP p, int n, const F& f) {
  if (n <= 0) return;
  int saved = 0;
  if (p.threads > 0) {
    saved = omp_get_max_threads();
    omp_set_num_threads(p.threads);
  }
  thrust::for_each(thrust::omp::par, thrust::counting_iterator<int>(0), thrust::counting_iterator<int>(n), f);
  if (p.threads > 0) omp_set_num_threads(saved);
}

#if defined(__CUDACC__)
/// Throws when a CUDA call or launch failed (cudaPeekAtLastError does not synchronize).
inline void cuda_check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) err = cudaPeekAtLastError();
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(err));
}

template <class F> inline void parallel_for(exec::Cuda p, int n, const F& f) {
  if (n <= 0) return;
  thrust::for_each(thrust::cuda::par_nosync.on(p.stream), thrust::counting_iterator<int>(0),
                   thrust::counting_iterator<int>(n), f);
  cuda_check(cudaSuccess, typeid(F).name());
}
#endif

namespace detail {
template <class F> struct Flatten2 {
  F f;
  int m;
  SINEW_HD void operator()(int k) const { f(k / m, k % m); }
};
}  // namespace detail

template <class E, class F> inline void parallel_for(E e, int n, int m, const F& f) {
  parallel_for(e, n * m, detail::Flatten2<F>{f, m});
}

}  // namespace sinew
