// The one host/device buffer type: Buffer<S, Space> is std::vector<S> on the host and
// thrust::device_vector<S> on a GPU. Data, DeviceModel, the imitation environment, the trajectory
// buffers, the learner and retargeting keep their arrays in it and cross to the host only
// through to_host / from_host.
//
//   sinew::Buffer<float, Space> b(n);
//   float* p = sinew::detail::Buffer<float, Space>::ptr(b);   // raw pointer for functors
//   std::vector<float> h = sinew::to_host(b);
#pragma once
#include <algorithm>
#include <vector>

#include "sinew/exec/policy.hpp"
#if defined(__CUDACC__)
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#endif

namespace sinew {

namespace detail {
template <class T, class Space> struct Buffer;
template <class T> struct Buffer<T, HostSpace> {
  using type = std::vector<T>;
  static T* ptr(type& v) { return v.data(); }
};
#if defined(__CUDACC__)
template <class T> struct Buffer<T, DeviceSpace> {
  using type = thrust::device_vector<T>;
  static T* ptr(type& v) { return thrust::raw_pointer_cast(v.data()); }
};
#endif
}  // namespace detail

/// A buffer of S in memory space Space: std::vector on the host, thrust::device_vector on a GPU.
/// Data, the environment, the trajectory buffers, the learner and retargeting all keep their
/// arrays in it, and cross to the host only through to_host / from_host.
template <class S, class Space> using Buffer = typename detail::Buffer<S, Space>::type;

/// Copies a Buffer (host or device) to a host vector.
template <class B> std::vector<typename B::value_type> to_host(const B& b) {
  std::vector<typename B::value_type> v(b.size());
#if defined(__CUDACC__)
  thrust::copy(b.begin(), b.end(), v.begin());
#else
  std::copy(b.begin(), b.end(), v.begin());
#endif
  return v;
}
/// Copies host values into a Buffer, resized to their count.
template <class B, class V> void from_host(B& b, const V& v) {
  if (b.size() != v.size()) b.resize(v.size());
#if defined(__CUDACC__)
  thrust::copy(v.begin(), v.end(), b.begin());
#else
  std::copy(v.begin(), v.end(), b.begin());
#endif
}

}  // namespace sinew
