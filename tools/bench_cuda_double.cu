// CUDA backend of sinew-bench, double instantiation (bench_cuda.cuh).
#include "bench_cuda.cuh"

namespace sinew::bench::cuda_detail {
template Result run_device<double>(const Model<double>&, const Request&);
}  // namespace sinew::bench::cuda_detail
