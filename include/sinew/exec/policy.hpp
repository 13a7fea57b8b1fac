// Execution policies: the first argument of every batched algorithm, resolved at compile time.
//
//   sinew::step(sinew::exec::serial, model.view(), data.view());   // one thread, reference
//   sinew::step(sinew::exec::omp, model.view(), data.view());      // Thrust's OpenMP backend, worlds in parallel
//   sinew::step(sinew::exec::Cuda{}, dmodel.view(), ddata.view()); // CUDA (nvcc builds only): DeviceModel and
//                                                                  // Data<T, WorldInner, DeviceSpace>
//
// Each policy names the memory space its data must live in.
#pragma once
#include <type_traits>

#include "sinew/config.hpp"

namespace sinew {

/// Memory spaces: where a Data buffer lives.
struct HostSpace {};
struct DeviceSpace {};

namespace exec {

/// One host thread, worlds in order: the reference backend.
struct Serial {
  using space = HostSpace;
};

/// Host threads through Thrust's OpenMP device system; `threads` = 0 uses OpenMP's default.
struct OpenMP {
  using space = HostSpace;
  int threads = 0;
};

inline constexpr Serial serial{};
inline constexpr OpenMP omp{};

#if defined(__CUDACC__)
/// A CUDA stream; kernels are launched without host synchronization.
struct Cuda {
  using space = DeviceSpace;
  cudaStream_t stream = nullptr;
};
#endif

}  // namespace exec

template <class E> inline constexpr bool is_host_policy_v = std::is_same_v<typename E::space, HostSpace>;

}  // namespace sinew
