// The learner (include/sinew/rl/) on the CUDA backend against the serial CPU backend:
//  - the MLPs (with and without LayerNorm): forward output, parameter gradients and input
//    gradients, double and float (cuBLAS on the device, Eigen on the host);
//  - Adam and Muon: three steps from the same gradients;
//  - PPO: two whole updates of the trainer (rollout of the environment on the device, sampling,
//    GAE, minibatches, losses, gradient clip, optimizer) on models/arm.xml imitating
//    models/arm_reach.npz, with Adam and with Muon; the logged scalars, both networks, the
//    log-std and the observation normalizer are compared.
// Called from parity_test.cu's main (which exits 77 without a GPU).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <thrust/copy.h>
#include <thrust/device_vector.h>

#include "sinew/compiler/compiler.hpp"
#include "sinew/rl/trainer.hpp"

using namespace sinew;
using namespace sinew::rl;

namespace {
int failed = 0;

/// max |a - b| <= tol * max(max |a|, 1e-30); prints the figures either way.
template <class A, class B>
void near(const std::string& what, const std::vector<A>& a, const std::vector<B>& b, double tol) {
  double e = a.size() == b.size() ? 0.0 : INFINITY, scale = 1e-30;
  for (size_t k = 0; k < a.size() && k < b.size(); ++k) {
    const double x = double(a[k]), y = double(b[k]);
    e = std::isfinite(x) && std::isfinite(y) ? std::max(e, std::fabs(x - y)) : INFINITY;
    scale = std::max(scale, std::fabs(x));
  }
  const bool ok = e <= tol * scale;
  std::printf("%srl: %s: max |cpu - gpu| = %.3g (scale %.3g, tol %.3g relative)\n", ok ? "" : "FAILED: ", what.c_str(),
              e, scale, tol);
  if (!ok) ++failed;
}

template <class T> std::vector<T> randn(size_t n, unsigned long long seed) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = T(normal01(seed, 0, i));
  return v;
}
template <class T> std::vector<T> device_to_host(const T* p, size_t n) {
  std::vector<T> v(n);
  thrust::copy(thrust::device_pointer_cast(p), thrust::device_pointer_cast(p) + ptrdiff_t(n), v.begin());
  return v;
}

/// Forward and backward of one MLP on both backends. Double: only the summation order of the
/// matrix products (cuBLAS vs Eigen) and fused multiply-adds differ: 1e-12 relative. Float:
/// 6e-8 per operation over sums of up to 64 products and LayerNorm's divisions: 1e-5.
template <class T> void mlp_parity(bool layernorm, double tol) {
  const int batch = 300, in = 37, out = 9;
  const MlpSpec spec{in, out, {64, 48}, layernorm};
  Mlp<T, HostSpace> h(spec);
  Mlp<T, DeviceSpace> d(spec);
  h.init(7, 0.5);
  d.init(7, 0.5);
  const auto x = randn<T>(size_t(batch * in), 1), dout = randn<T>(size_t(batch * out), 2);
  thrust::device_vector<T> xd(x.begin(), x.end()), doutd(dout.begin(), dout.end()), dxd(x.size());
  const T* yh = h.forward(exec::serial, x.data(), batch);
  const std::vector<T> yh_v(yh, yh + batch * out);
  const std::vector<T> yd_v =
      device_to_host(d.forward(exec::Cuda{}, thrust::raw_pointer_cast(xd.data()), batch), size_t(batch * out));
  std::vector<T> dxh(x.size());
  h.backward(exec::serial, dout.data(), dxh.data());
  d.backward(exec::Cuda{}, thrust::raw_pointer_cast(doutd.data()), thrust::raw_pointer_cast(dxd.data()));
  cudaDeviceSynchronize();
  const std::string tag =
      std::string(sizeof(T) == 8 ? "double" : "float") + (layernorm ? " MLP with LayerNorm" : " MLP");
  near(tag + " forward", yh_v, yd_v, tol);
  near(tag + " parameter gradients", std::vector<T>(h.grad(), h.grad() + h.nparam()),
       device_to_host(d.grad(), d.nparam()), tol);
  near(tag + " input gradients", dxh, device_to_host(thrust::raw_pointer_cast(dxd.data()), dxd.size()), tol);
}

/// Three optimizer steps on an MLP's tensors from the same gradients (double; Muon's
/// Newton-Schulz products go through cuBLAS): 1e-12 relative.
void optimizer_parity(bool muon) {
  const MlpSpec spec{20, 6, {32, 24}, true};
  const auto tensors = mlp_tensors(spec, "net.");
  const size_t n = mlp_param_count(spec);
  OptimizerConfig oc;
  oc.muon = muon;
  oc.weight_decay = 1e-3;
  Optimizer<double, HostSpace> oh(tensors, n, oc);
  Optimizer<double, DeviceSpace> od(tensors, n, oc);
  std::vector<double> ph = randn<double>(n, 3);
  thrust::device_vector<double> pd(ph.begin(), ph.end());
  for (int s = 0; s < 3; ++s) {
    const auto g = randn<double>(n, 10 + (unsigned long long)s);
    thrust::device_vector<double> gd(g.begin(), g.end());
    oh.step(exec::serial, ph.data(), g.data(), 1e-2);
    od.step(exec::Cuda{}, thrust::raw_pointer_cast(pd.data()), thrust::raw_pointer_cast(gd.data()), 1e-2);
  }
  cudaDeviceSynchronize();
  near(std::string(muon ? "Muon" : "Adam") + ": parameters after 3 steps", ph,
       device_to_host(thrust::raw_pointer_cast(pd.data()), n), 1e-12);
}

/// Two PPO updates on both backends (double). The rollouts differ only by the environment's
/// rounding (about 1e-12 relative after 16 control steps, parity_test.cu), the networks by the
/// matrix products' summation order; Adam's first steps divide by |g| (g/|g| amplifies an
/// absolute difference of small gradient entries), so the parameters are compared at 1e-7
/// relative and the logged scalars at 1e-7: a wrong kernel gives differences of order 1.
void trainer_parity(const std::string& optimizer) {
  const Model<double> m = load_mjcf("models/arm.xml");
  TrainConfig c = preset("arm");
  c.nworld = 64;
  c.nsteps = 8;
  c.minibatches = 4;
  c.epochs = 2;
  c.actor_hidden = c.critic_hidden = "32,32";
  c.optimizer = optimizer;
  c.seed = 5;
  c.precision = "double";
  Trajectory ref = resample(load_trajectory("models/arm_reach.npz"), 1.0 / (m.opt.timestep * c.substeps));
  fill_kinematics(exec::serial, m, ref);
  PpoTrainer<double, exec::Serial> h(exec::serial, m, ref, c);
  PpoTrainer<double, exec::Cuda> d(exec::Cuda{}, m, ref, c);
  for (int u = 0; u < 2; ++u) {
    const UpdateLog lh = h.update(), ld = d.update();
    const std::string tag = optimizer + " PPO update " + std::to_string(u + 1);
    near(tag + ": reward, policy and value loss, KL, clip fraction, grad norm, std",
         std::vector<double>{lh.reward, lh.policy_loss, lh.value_loss, lh.approx_kl, lh.clip_fraction, lh.grad_norm,
                             lh.std},
         std::vector<double>{ld.reward, ld.policy_loss, ld.value_loss, ld.approx_kl, ld.clip_fraction, ld.grad_norm,
                             ld.std},
         1e-7);
    if (lh.episodes != ld.episodes || lh.dropped != ld.dropped) {
      std::printf("FAILED: rl: %s: episodes %lld vs %lld, dropped %lld vs %lld\n", tag.c_str(), lh.episodes,
                  ld.episodes, lh.dropped, ld.dropped);
      ++failed;
    }
  }
  cudaDeviceSynchronize();
  const std::string tag = optimizer + " PPO after 2 updates";
  near(tag + ": actor", to_host(h.actor().param_buffer()), to_host(d.actor().param_buffer()), 1e-7);
  near(tag + ": critic", to_host(h.critic().param_buffer()), to_host(d.critic().param_buffer()), 1e-7);
  near(tag + ": log-std", h.log_std_host(), d.log_std_host(), 1e-7);
  near(tag + ": observation mean", h.obs_normalizer().mean_host(), d.obs_normalizer().mean_host(), 1e-9);
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) {
    std::printf("FAILED: rl: CUDA error %s\n", cudaGetErrorString(err));
    ++failed;
  }
}
}  // namespace

/// Returns the number of failed checks.
int rl_parity() {
  for (bool ln : {true, false}) {
    mlp_parity<double>(ln, 1e-12);
    mlp_parity<float>(ln, 1e-5);
  }
  optimizer_parity(false);
  optimizer_parity(true);
  for (const char* o : {"adam", "muon"}) trainer_parity(o);
  return failed;
}
