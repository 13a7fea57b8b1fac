// CUDA backend of sinew-retarget (SINEW_WITH_CUDA=1): the same retarget call on exec::Cuda.
#include <stdexcept>

#include "sinew/retarget/retarget.hpp"

namespace sinew::retarget_cli {

RetargetResult run_cuda(const Model<double>& model, const SourceMotion& src, const std::vector<KeypointMap>& map,
                        const RetargetOptions& opt) {
  int ndev = 0;
  if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0)
    throw std::runtime_error("--backend cuda: no CUDA device available");
  return retarget(exec::Cuda{}, model, src, map, opt);
}

}  // namespace sinew::retarget_cli
