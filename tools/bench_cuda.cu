// CUDA backend of sinew-bench, float instantiation and entry point (bench_cuda.cuh). Double is
// bench_cuda_double.cu, compiled only with -DSINEW_BENCH_CUDA_DOUBLE=ON (SINEW_BENCH_CUDA_DOUBLE=1):
// ptxas takes minutes per precision, and the GPU comparisons run in float.
#include "bench_cuda.cuh"

namespace sinew::bench {

namespace cuda_detail {
template Result run_device<float>(const Model<float>&, const Request&);
#if defined(SINEW_BENCH_CUDA_DOUBLE)
extern template Result run_device<double>(const Model<double>&, const Request&);  // bench_cuda_double.cu
#endif
}  // namespace cuda_detail

Result run_cuda(const Model<double>& m, const Request& rq, bool use_float) {
  using cuda_detail::check;
  int ndev = 0;
  if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0)
    throw std::runtime_error("--backend cuda: no CUDA device available");
  int dev = 0;
  check(cudaGetDevice(&dev), "cudaGetDevice");
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, dev), "cudaGetDeviceProperties");
#if defined(SINEW_BENCH_CUDA_DOUBLE)
  Result r = use_float ? cuda_detail::run_device(m.cast<float>(), rq) : cuda_detail::run_device(m, rq);
#else
  if (!use_float)
    throw std::invalid_argument(
        "--backend cuda --precision double: this build's CUDA backend is float only "
        "(configure with -DSINEW_BENCH_CUDA_DOUBLE=ON)");
  Result r = cuda_detail::run_device(m.cast<float>(), rq);
#endif
  r.device = std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ", " +
             std::to_string(prop.multiProcessorCount) + " SMs)";
  return r;
}

}  // namespace sinew::bench
