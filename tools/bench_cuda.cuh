// CUDA backend of sinew-bench: the same driver with the model on the device, worlds laid out
// world-innermost (a thread per world reads coalesced memory) and CUDA events as the timer.
// Each precision is instantiated in its own translation unit (bench_cuda.cu: float and the entry
// point; bench_cuda_double.cu: double, built only with SINEW_BENCH_CUDA_DOUBLE=ON), so that ptxas
// runs on both at once in a parallel build.
#pragma once
#include <stdexcept>
#include <string>

#include "bench_driver.hpp"

namespace sinew::bench {

namespace cuda_detail {

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA: ") + what + ": " + cudaGetErrorString(e));
}

/// Events recorded on the default stream (where exec::Cuda{} launches); read once after the loop.
struct CudaTimer {
  std::vector<cudaEvent_t> ev;
  explicit CudaTimer(size_t nmark) : ev(nmark) {
    for (auto& e : ev) check(cudaEventCreate(&e), "cudaEventCreate");
  }
  ~CudaTimer() {
    for (auto& e : ev) cudaEventDestroy(e);
  }
  CudaTimer(const CudaTimer&) = delete;
  CudaTimer& operator=(const CudaTimer&) = delete;
  void mark(size_t i) { cudaEventRecord(ev[i], nullptr); }
  void finish() {
    check(cudaGetLastError(), "kernel launch");
    check(cudaEventSynchronize(ev.back()), "kernel execution");
  }
  double seconds(size_t a, size_t b) const {
    float ms = 0;
    check(cudaEventElapsedTime(&ms, ev[a], ev[b]), "cudaEventElapsedTime");
    return 1e-3 * double(ms);
  }
  /// Device memory in use (all of it: this process's context and buffers, and anyone else's).
  static long long device_bytes() {
    size_t free = 0, total = 0;
    check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
    return static_cast<long long>(total - free);
  }
};

/// The benchmark with the model copied to the device; explicitly instantiated, one precision per
/// translation unit (bench_cuda.cu, bench_cuda_double.cu).
template <class T> Result run_device(const Model<T>& m, const Request& rq) {
  DeviceModel<T> dm(m);
  return run<CudaTimer, exec::Cuda, T, WorldInner>(exec::Cuda{}, dm.view(), m, rq);
}

}  // namespace cuda_detail

}  // namespace sinew::bench
