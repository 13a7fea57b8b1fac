// sinew-bench-muscle: the muscle kernel (activation dynamics plus force of N worlds x M muscles)
// against a plain memory copy of the same number of bytes, in the same run, on the CPU backends
// (serial: one thread; omp: all threads). The copy is the bandwidth limit a streaming kernel can
// reach: the ratio copy_time / kernel_time says how close the kernel is to it.
//
//   sinew-bench-muscle [--benchmark_filter=...]
//
// Layout: world-innermost (value m*N + w), as on the GPU. Per muscle and world the kernel reads
// ctrl, act, length, velocity and writes act_dot and force: 6 values. Parameters (gainprm,
// dynprm, lengthrange, acc0) are per muscle, shared by all worlds, and stay in cache. The copy
// moves 3 arrays of N*M values into 3 others: the same 6 values of traffic per muscle and world.
// M = 416 (MyoFullBody's muscles); parameters are MuJoCo's <muscle> defaults with varied F0.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "sinew/exec/parallel_for.hpp"
#include "sinew/muscle/mujoco_muscle.hpp"

namespace {

constexpr int kMuscles = 416;

template <class T> struct MuscleKernel {
  int nworld;
  const T* ctrl;
  const T* act;
  const T* len;
  const T* vel;
  const T* prm;     // kMuscles x 10
  const T* dynprm;  // kMuscles x 3
  const T* lrange;  // kMuscles x 2
  T* act_dot;
  T* force;
  SINEW_HD void operator()(int k) const {
    const int mu = k / nworld;
    const T* p = prm + 10 * mu;
    const T* lr = lrange + 2 * mu;
    const T a = act[k];
    act_dot[k] = sinew::muscle_dynamics(ctrl[k], a, dynprm + 3 * mu);
    const T gain = sinew::muscle_gain(len[k], vel[k], lr, T(1), p);
    const T bias = sinew::muscle_bias(len[k], lr, T(1), p);
    force[k] = gain * a + bias;
  }
};

template <class T> struct Buffers {
  std::vector<T> ctrl, act, len, vel, act_dot, force, prm, dynprm, lrange;
  explicit Buffers(int nworld) {
    const size_t n = size_t(nworld) * kMuscles;
    ctrl.resize(n);
    act.resize(n);
    len.resize(n);
    vel.resize(n);
    act_dot.resize(n);
    force.resize(n);
    prm.resize(10 * kMuscles);
    dynprm.resize(3 * kMuscles);
    lrange.resize(2 * kMuscles);
    for (int m = 0; m < kMuscles; ++m) {
      const T p[10] = {T(0.75), T(1.05), T(200 + m), T(200), T(0.5), T(1.6), T(1.5), T(1.3), T(1.2), T(0)};
      for (int i = 0; i < 10; ++i) prm[10 * m + i] = p[i];
      dynprm[3 * m] = T(0.01);
      dynprm[3 * m + 1] = T(0.04);
      dynprm[3 * m + 2] = T(0);
      lrange[2 * m] = T(0.1);
      lrange[2 * m + 1] = T(0.3);
    }
    for (size_t k = 0; k < n; ++k) {
      // varied, realistic inputs: lengths across the range, velocities of both signs
      ctrl[k] = T((k * 7919) % 1000) / T(1000);
      act[k] = T((k * 104729) % 1000) / T(1000);
      len[k] = T(0.1) + T(0.2) * T((k * 31) % 997) / T(997);
      vel[k] = T(-0.5) + T((k * 17) % 991) / T(991);
    }
  }
  MuscleKernel<T> kernel(int nworld) {
    return {nworld,     ctrl.data(),   act.data(),    len.data(),     vel.data(),
            prm.data(), dynprm.data(), lrange.data(), act_dot.data(), force.data()};
  }
};

template <class T, class E> void BM_muscle(benchmark::State& st) {
  const E exec{};
  const int nworld = int(st.range(0));
  Buffers<T> b(nworld);
  const MuscleKernel<T> k = b.kernel(nworld);
  for (auto _ : st) {
    sinew::parallel_for(exec, nworld * kMuscles, k);
    benchmark::DoNotOptimize(b.force.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * 6 * int64_t(nworld) * kMuscles * int64_t(sizeof(T)));
  st.counters["muscles/s"] =
      benchmark::Counter(double(st.iterations()) * nworld * kMuscles, benchmark::Counter::kIsRate);
}

template <class T> struct CopyKernel {
  const T* a;
  const T* b;
  const T* c;
  T* x;
  T* y;
  T* z;
  SINEW_HD void operator()(int k) const {
    x[k] = a[k];
    y[k] = b[k];
    z[k] = c[k];
  }
};

template <class T, class E> void BM_copy(benchmark::State& st) {
  const E exec{};
  const int nworld = int(st.range(0));
  const size_t n = size_t(nworld) * kMuscles;
  std::vector<T> a(n, T(1)), b(n, T(2)), c(n, T(3)), x(n), y(n), z(n);
  const CopyKernel<T> k{a.data(), b.data(), c.data(), x.data(), y.data(), z.data()};
  for (auto _ : st) {
    sinew::parallel_for(exec, int(n), k);
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * 6 * int64_t(n) * int64_t(sizeof(T)));
}

}  // namespace

using sinew::exec::OpenMP;
using sinew::exec::Serial;
BENCHMARK_TEMPLATE(BM_muscle, float, Serial)->Arg(64)->Arg(1024)->Arg(8192)->UseRealTime();
BENCHMARK_TEMPLATE(BM_copy, float, Serial)->Arg(64)->Arg(1024)->Arg(8192)->UseRealTime();
BENCHMARK_TEMPLATE(BM_muscle, float, OpenMP)->Arg(64)->Arg(1024)->Arg(8192)->UseRealTime();
BENCHMARK_TEMPLATE(BM_copy, float, OpenMP)->Arg(64)->Arg(1024)->Arg(8192)->UseRealTime();
BENCHMARK_TEMPLATE(BM_muscle, double, OpenMP)->Arg(1024)->Arg(8192)->UseRealTime();
BENCHMARK_TEMPLATE(BM_copy, double, OpenMP)->Arg(1024)->Arg(8192)->UseRealTime();

BENCHMARK_MAIN();
