// CUDA backend of sinew-rollout: the same driver, with the model on the device and worlds laid
// out world-innermost so a thread per world reads coalesced memory.
#include "rollout_driver.hpp"

namespace sinew::rollout {

Result run_cuda(const Model<double>& m, const Request& rq, bool use_float) {
  int ndev = 0;
  if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0)
    throw std::runtime_error("--backend cuda: no CUDA device available");
  if (use_float) {
    Model<float> mf = m.cast<float>();
    DeviceModel<float> dm(mf);
    return run<exec::Cuda, float, WorldInner>(exec::Cuda{}, dm.view(), mf, rq);
  }
  DeviceModel<double> dm(m);
  return run<exec::Cuda, double, WorldInner>(exec::Cuda{}, dm.view(), m, rq);
}

}  // namespace sinew::rollout
