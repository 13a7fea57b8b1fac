// The engine side of sinew-bench: W worlds of a model stepped N times on one backend, precision
// and layout, timed as whole steps and stage by stage. Shared by the host build (serial, omp) and
// the CUDA translation unit (bench_cuda.cu), which passes its own timer (CUDA events).
//
// Every world starts from qpos0 or a keyframe with a small seeded perturbation (hinge and slide
// positions, all velocities) and its own constant random controls, uniform in each ctrlrange, so
// muscles and contacts are active. Both timed loops (whole steps, then stage by stage) start from
// these start states after the same warm-up, so they time the same stretch of the trajectories. With autoreset (the default) a world whose state became
// non-finite is put back to its own start state after each step, by a kernel, as an RL
// environment resets a terminated episode: without it such worlds would be skipped and the
// timing would flatter a model that is unstable (MyoFullBody without its constraint solver). The
// count of such resets is reported.
//
// Nothing is allocated and nothing synchronizes with the host inside the timed loops: timer marks
// are host clock reads after synchronous host stages, or CUDA events recorded on the stream and
// read after the loop.
#pragma once
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <thrust/copy.h>

#include "sinew/sinew.hpp"

namespace sinew::bench {

/// Inputs of one benchmark run, already validated.
struct Request {
  int nworld = 1024, nstep = 1000, warmup = 20;
  int key = -1;  ///< keyframe to start from, or -1 for qpos0
  uint64_t seed = 1;
  double qpos_noise = 0.01;  ///< standard deviation added to hinge and slide positions (rad, m)
  double qvel_noise = 0.05;  ///< standard deviation added to every velocity
  bool stages = true;        ///< also time the pipeline stage by stage
  bool autoreset = true;     ///< put non-finite worlds back to their start state after each step
  std::vector<double> ctrl;  ///< nworld x nu constant controls (world-major)
};

/// One row of the stage table: total seconds over the timed steps.
struct StageTime {
  std::string name;
  double seconds = 0;
};

struct Result {
  double seconds = 0;             ///< whole steps (sinew::step + autoreset), nstep of them
  std::vector<StageTime> stages;  ///< stage by stage, nstep steps (empty unless requested)
  size_t model_bytes = 0;         ///< Model arrays in the backend's memory
  size_t data_bytes = 0;          ///< Data (every field, all worlds)
  size_t extra_bytes = 0;         ///< the benchmark's own buffers (start states, reset counts)
  long long device_bytes = -1;    ///< device memory in use after allocation, context included (CUDA)
  long long resets = 0;           ///< world-steps that ended non-finite (reset when autoreset)
  int nonfinite_end = 0;          ///< worlds flagged non-finite after the last step
  long long overflow = 0;         ///< forward passes whose contacts or rows did not all fit (all worlds)
  int overflow_worlds = 0;        ///< worlds with at least one
  std::string device;             ///< what ran it
};

/// Bytes of a Model's arrays (what DeviceModel copies to the GPU).
template <class T> size_t model_bytes(const Model<T>& m) {
  size_t b = 0;
#define SINEW_X(name, count, dim) b += m.name.size() * sizeof(m.name[0]);
  SINEW_MODEL_INT_FIELDS(SINEW_X)
  SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
  return b;
}

/// Host timer: the host stages are synchronous, so a clock read after a stage marks its end.
struct HostTimer {
  std::vector<std::chrono::steady_clock::time_point> t;
  explicit HostTimer(size_t nmark) : t(nmark) {}
  void mark(size_t i) { t[i] = std::chrono::steady_clock::now(); }
  void finish() {}
  double seconds(size_t a, size_t b) const { return std::chrono::duration<double>(t[b] - t[a]).count(); }
  static long long device_bytes() { return -1; }  ///< no device memory on the host
};

/// Puts a world back to its own start state (world-major `start`: qpos, qvel, act, ctrl): every
/// world when `all` (before each timed loop), else a world whose status is not OK, counted.
template <class T, class L> struct RestartFn {
  ModelView<T> m;
  DataView<T, L> d;
  const T* start;
  int* count;
  bool all;
  SINEW_HD void operator()(int w) const {
    const WorldData<T, L> wd = d.world(w);
    if (!all && wd.status[0] == STATUS_OK) return;
    const int nq = m.size.nq, nv = m.size.nv, na = m.size.na, nu = m.size.nu;
    const T* s = start + size_t(w) * size_t(nq + nv + na + nu);
    for (int i = 0; i < nq; ++i) wd.qpos[i] = s[i];
    for (int i = 0; i < nv; ++i) {
      wd.qvel[i] = s[nq + i];
      wd.qacc_warmstart[i] = T(0);
    }
    for (int i = 0; i < na; ++i) wd.act[i] = s[nq + nv + i];
    for (int i = 0; i < nu; ++i) wd.ctrl[i] = s[nq + nv + na + i];
    wd.time[0] = T(0);
    if (!all) ++count[w];
    wd.status[0] = STATUS_OK;
  }
};

/// A pipeline stage as the table shows it: name and the batched call.
template <class E, class T, class L> struct Stage {
  const char* name;
  void (*run)(E, const ModelView<T>&, const DataView<T, L>&);
};

#define SINEW_BENCH_STAGE(fn)                                                       \
  Stage<E, T, L> {                                                                  \
#fn, [](E e, const ModelView <T>& m, const DataView <T, L>& d) { fn(e, m, d); } \
  }

/// The stages of one step in order; their sum is the work of sinew::step. A new stage is one row.
template <class E, class T, class L> std::vector<Stage<E, T, L>> pipeline_stages() {
  return {
      SINEW_BENCH_STAGE(fwd_position),     SINEW_BENCH_STAGE(fwd_velocity),   SINEW_BENCH_STAGE(fwd_actuation),
      SINEW_BENCH_STAGE(fwd_acceleration), SINEW_BENCH_STAGE(fwd_constraint), SINEW_BENCH_STAGE(integrate),
  };
}
#undef SINEW_BENCH_STAGE

/// Runs the benchmark with policy E on a Data of scalar T and layout L in E's memory space.
/// `mv` must point to memory the policy reads (host view or DeviceModel view); `mhost` is the same
/// model on the host. `Timer` is HostTimer or the CUDA TU's event timer.
template <class Timer, class E, class T, class L>
Result run(E exec, const ModelView<T>& mv, const Model<T>& mhost, const Request& rq) {
  using Space = typename E::space;
  const ModelSizes& s = mhost;
  const int nw = rq.nworld;
  Result res;
  res.model_bytes = model_bytes(mhost);

  Data<T, L, Space> data(s, nw);
  const DataView<T, L> dv = data.view();
  res.data_bytes = data.bytes();

  // start states: the reset state, perturbed, with each world's controls
  reset(exec, mv, dv, rq.key);
  std::mt19937_64 rng(rq.seed ^ 0x9e3779b97f4a7c15ull);
  std::normal_distribution<double> n01(0.0, 1.0);
  std::vector<T> qpos = data.get_all("qpos"), qvel = data.get_all("qvel"), act = data.get_all("act");
  for (int w = 0; w < nw; ++w) {
    for (int j = 0; j < s.njnt; ++j)
      if (mhost.jnt_type[size_t(j)] == JNT_HINGE || mhost.jnt_type[size_t(j)] == JNT_SLIDE)
        qpos[size_t(w) * s.nq + size_t(mhost.jnt_qposadr[size_t(j)])] += T(rq.qpos_noise * n01(rng));
    for (int i = 0; i < s.nv; ++i) qvel[size_t(w) * s.nv + size_t(i)] += T(rq.qvel_noise * n01(rng));
  }
  const std::vector<T> ctrl(rq.ctrl.begin(), rq.ctrl.end());
  data.set_all("qpos", qpos);
  data.set_all("qvel", qvel);
  if (s.nu) data.set_all("ctrl", ctrl);
  const size_t nstate = size_t(s.nq + s.nv + s.na + s.nu);
  std::vector<T> start_host(size_t(nw) * nstate);
  for (int w = 0; w < nw; ++w) {
    T* p = start_host.data() + size_t(w) * nstate;
    for (int i = 0; i < s.nq; ++i) p[i] = qpos[size_t(w) * s.nq + size_t(i)];
    for (int i = 0; i < s.nv; ++i) p[s.nq + i] = qvel[size_t(w) * s.nv + size_t(i)];
    for (int i = 0; i < s.na; ++i) p[s.nq + s.nv + i] = act[size_t(w) * s.na + size_t(i)];
    for (int i = 0; i < s.nu; ++i) p[s.nq + s.nv + s.na + i] = ctrl[size_t(w) * s.nu + size_t(i)];
  }
  typename detail::Buffer<T, Space>::type start(start_host.begin(), start_host.end());
  typename detail::Buffer<int, Space>::type count(size_t(nw), 0);
  res.extra_bytes = start_host.size() * sizeof(T) + size_t(nw) * sizeof(int);
  res.device_bytes = Timer::device_bytes();
  const RestartFn<T, L> autoreset{mv, dv, detail::Buffer<T, Space>::ptr(start), detail::Buffer<int, Space>::ptr(count),
                                  false};
  RestartFn<T, L> restart = autoreset;
  restart.all = true;
  const auto after_step = [&]() {
    if (rq.autoreset) parallel_for(exec, nw, autoreset);
  };
  // each timed loop covers the same stretch of the trajectories: the cost of a step depends on the
  // state (contacts, constraint rows), so both start from the start states after the warm-up
  const auto restart_and_warm_up = [&]() {
    parallel_for(exec, nw, restart);
    for (int k = 0; k < rq.warmup; ++k) {
      step(exec, mv, dv);
      after_step();
    }
  };

  restart_and_warm_up();
  {  // whole steps
    Timer t(2);
    t.mark(0);
    for (int k = 0; k < rq.nstep; ++k) {
      step(exec, mv, dv);
      after_step();
    }
    t.mark(1);
    t.finish();
    res.seconds = t.seconds(0, 1);
  }

  if (rq.stages) {  // stage by stage: marks before each stage and at the end of each step
    const auto stages = pipeline_stages<E, T, L>();
    const size_t nrow = stages.size() + (rq.autoreset ? 1 : 0), per = nrow + 1;
    Timer t(size_t(rq.nstep) * per);
    restart_and_warm_up();
    for (int k = 0; k < rq.nstep; ++k) {
      const size_t b = size_t(k) * per;
      for (size_t i = 0; i < stages.size(); ++i) {
        t.mark(b + i);
        stages[i].run(exec, mv, dv);
      }
      t.mark(b + stages.size());
      after_step();
      if (rq.autoreset) t.mark(b + nrow);
    }
    t.finish();
    for (size_t i = 0; i < nrow; ++i) {
      StageTime row{i < stages.size() ? stages[i].name : "autoreset", 0.0};
      for (int k = 0; k < rq.nstep; ++k) row.seconds += t.seconds(size_t(k) * per + i, size_t(k) * per + i + 1);
      res.stages.push_back(row);
    }
  }

  std::vector<int> counts(static_cast<size_t>(nw));
  thrust::copy(count.begin(), count.end(), counts.begin());
  for (int c : counts) res.resets += c;
  for (int st : data.status()) res.nonfinite_end += st != STATUS_OK;
  const OverflowTally over = overflow_tally(data.noverflow());
  res.overflow = over.passes;
  res.overflow_worlds = over.worlds;
  return res;
}

}  // namespace sinew::bench
