// CUDA backend of sinew-train: the same training loop (rl_train_loop.hpp) with the environment,
// the networks (cuBLAS), the optimizer and every buffer on the device; the host reads back only
// the logged scalars once per update. Float only (as MuscleMimic trains); double runs on omp.
#include "rl_train_loop.hpp"

namespace sinew::rlcli {

int train_cuda(const Args& a, const rl::TrainConfig& cfg, const Model<double>& model, const Trajectory& ref) {
  int ndev = 0;
  if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0)
    throw std::runtime_error("--backend cuda: no CUDA device available");
  return train<float>(exec::Cuda{}, a, cfg, model, ref);
}

}  // namespace sinew::rlcli
