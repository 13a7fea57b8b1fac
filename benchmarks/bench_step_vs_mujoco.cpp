// sinew-bench-cpu: time per step of one world on one thread, Sinew against MuJoCo's C library, in
// the same run, so the ratios survive a noisy machine.
//
//   sinew-bench-cpu [--benchmark_min_time=0.5] [--benchmark_filter=...] [name=MODEL.xml ...]
//
// Models: our models/branched_tree.xml and, when musclemimic-models was installed at configure
// time, MyoFullBody and BimanualMuscle. Replace the list with `name=path` arguments or with the
// environment variable SINEW_BENCH_MODELS="name=path;name=path".
//
// Every row starts from the model's first keyframe (or qpos0) with the same random controls
// (uniform in ctrlrange, [0, 1] where unlimited) and random activations (uniform in actrange,
// [0, 1] where unlimited), set identically in both engines, and restarts there every 1000
// steps, untimed. Both engines run with their sensor stage disabled in every row.
//
// Rows per model (one benchmark each; `mj_*` rows run first so the Sinew rows can report ratios):
//   mj_full        mj_step with everything Sinew simulates: tendons, muscles, collision, constraint
//                  rows, the constraint solver (model's options), free-running.
//   mj_full_mm     the same under MuscleMimic's training options: timestep 0.002, iterations 4,
//                  ls_iterations 8, eulerdamp disabled.
//   sinew_full_d/f, sinew_full_d_mm/f_mm   sinew::step (exec::serial), double / float, the same.
//   mj_smooth(_mm), sinew_smooth_d/f(_mm)  the smooth dynamics only: constraint and contact flags
//                  disabled in both engines; every timed step restarts from the start state (a
//                  musculoskeletal model without its limits and couplings is not stable).
//   stage_<s>/mj, stage_<s>/sinew_d   each stage alone, double, at a state with contacts (300
//                  steps of mj_full from the keyframe, copied into Sinew): the per-stage table.
//   omp_mj/T, omp_sinew_d/T, omp_sinew_f/T   many worlds (SINEW_BENCH_NWORLD, default 64) under
//                  MuscleMimic's options on T OpenMP threads (1 and every hardware thread): MuJoCo
//                  as one mjData per world stepped in an `omp parallel for`, Sinew as one
//                  sinew::step(exec::OpenMP{T}); counter `wsps` = world-steps per second.
// Sinew rows carry counters `x_mj` = MuJoCo time / Sinew time (above 1: Sinew is faster), and a
// summary table is printed at the end. Before timing, the binary prints how far the two engines'
// trajectories are apart after 1, 10 and 100 steps from the same state and controls.
//
// Instruction counts (repeatable on a noisy machine; benchmarks/callgrind.sh runs this):
//   valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no
//       sinew-bench-cpu --callgrind=ENGINE [--steps=N] [name=MODEL.xml]
// ENGINE is mj, sinew_d or sinew_f: N full steps (default 20) under MuscleMimic's options, from
// MuJoCo's state after 300 steps from the keyframe with the random controls (copied into Sinew),
// with only those N steps instrumented. The first model given (default MyoFullBody) is used.
#include <benchmark/benchmark.h>
#include <mujoco/mujoco.h>
#include <valgrind/callgrind.h>

#include <algorithm>
#include <type_traits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <omp.h>
#include <unistd.h>

#include "sinew/compiler/compiler.hpp"
#include "sinew/sinew.hpp"

namespace {

constexpr int kResetEvery = 1000;

struct ModelEntry {
  std::string name, path;
};

/// Options a row runs under (the sensor stage is off in both engines in all of them).
enum class Opts { Full, FullMM, Smooth, SmoothMM };
bool is_mm(Opts o) { return o == Opts::FullMM || o == Opts::SmoothMM; }
bool is_smooth(Opts o) { return o == Opts::Smooth || o == Opts::SmoothMM; }

/// The random controls and activations a world starts from (the same for both engines).
struct Inputs {
  std::vector<double> ctrl, act;
};

Inputs make_inputs(const mjModel* m, uint64_t seed = 12345) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Inputs in;
  for (int i = 0; i < m->nu; ++i) {
    const double lo = m->actuator_ctrllimited[i] ? m->actuator_ctrlrange[2 * i] : 0.0;
    const double hi = m->actuator_ctrllimited[i] ? m->actuator_ctrlrange[2 * i + 1] : 1.0;
    in.ctrl.push_back(lo + (hi - lo) * u(rng));
  }
  in.act.assign(size_t(m->na), 0.0);
  for (int i = 0; i < m->nu; ++i)
    for (int k = 0; k < m->actuator_actnum[i]; ++k) {
      const double lo = m->actuator_actlimited[i] ? m->actuator_actrange[2 * i] : 0.0;
      const double hi = m->actuator_actlimited[i] ? m->actuator_actrange[2 * i + 1] : 1.0;
      in.act[size_t(m->actuator_actadr[i] + k)] = lo + (hi - lo) * u(rng);
    }
  return in;
}

/// Every world of a batch gets its own controls and activations.
std::vector<Inputs> batch_inputs(const mjModel* m, int nworld) {
  std::vector<Inputs> in;
  for (int w = 0; w < nworld; ++w) in.push_back(make_inputs(m, 1000 + uint64_t(w)));
  return in;
}

// ---------------------------------------------------------------- engines, loaded once per model

mjModel* load_mj(const std::string& path, Opts opts) {
  char err[1024] = "";
  mjModel* m = mj_loadXML(path.c_str(), nullptr, err, sizeof(err));
  if (!m) throw std::runtime_error("MuJoCo cannot load " + path + ": " + err);
  m->opt.disableflags |= mjDSBL_SENSOR;
  if (is_smooth(opts)) m->opt.disableflags |= mjDSBL_CONSTRAINT | mjDSBL_CONTACT;
  if (is_mm(opts)) {
    m->opt.timestep = 0.002;
    m->opt.iterations = 4;
    m->opt.ls_iterations = 8;
    m->opt.disableflags |= mjDSBL_EULERDAMP;
  }
  return m;
}

/// The same options on Sinew's model.
sinew::Model<double> sinew_model(const sinew::Model<double>& md, Opts opts) {
  sinew::Model<double> m = md;
  m.opt.disableflags |= sinew::DSBL_SENSOR;
  if (is_smooth(opts)) m.opt.disableflags |= sinew::DSBL_CONSTRAINT | sinew::DSBL_CONTACT;
  if (is_mm(opts)) {
    sinew::apply_option(m, "timestep", "0.002");
    sinew::apply_option(m, "iterations", "4");
    sinew::apply_option(m, "ls_iterations", "8");
    sinew::apply_option(m, "flag.eulerdamp", "disable");
  }
  return m;
}

struct MjCase {
  mjModel* m = nullptr;
  mjData* d = nullptr;
  int key = -1;
  const Inputs* in = nullptr;
  MjCase(const std::string& path, Opts opts) : m(load_mj(path, opts)), d(mj_makeData(m)), key(m->nkey > 0 ? 0 : -1) {}
  ~MjCase() {
    mj_deleteData(d);
    mj_deleteModel(m);
  }
  MjCase(const MjCase&) = delete;
  MjCase& operator=(const MjCase&) = delete;
  void reset() {
    if (key >= 0) mj_resetDataKeyframe(m, d, key);
    else mj_resetData(m, d);
    if (in) {
      if (m->nu) std::memcpy(d->ctrl, in->ctrl.data(), sizeof(double) * size_t(m->nu));
      if (m->na) std::memcpy(d->act, in->act.data(), sizeof(double) * size_t(m->na));
    }
  }
  void step() { mj_step(m, d); }
  /// The state a step starts from (after reset): restore() puts it back (a few memcpy).
  std::vector<double> qpos0, qvel0, act0;
  double time0 = 0;
  void save() {
    qpos0.assign(d->qpos, d->qpos + m->nq);
    qvel0.assign(d->qvel, d->qvel + m->nv);
    act0.assign(d->act, d->act + m->na);
    time0 = d->time;
  }
  void restore() {
    std::memcpy(d->qpos, qpos0.data(), sizeof(double) * qpos0.size());
    std::memcpy(d->qvel, qvel0.data(), sizeof(double) * qvel0.size());
    if (m->na) std::memcpy(d->act, act0.data(), sizeof(double) * act0.size());
    d->time = time0;
  }
};

template <class T> struct SinewCase {
  sinew::Model<T> model;
  sinew::Data<T> data;
  int key;
  std::vector<T> ctrl, act;
  SinewCase(const sinew::Model<double>& md, const Inputs& in)
      : model(md.template cast<T>()),
        data(model, 1),
        key(md.nkey > 0 ? 0 : -1),
        ctrl(in.ctrl.begin(), in.ctrl.end()),
        act(in.act.begin(), in.act.end()) {
    reset();
    save();
  }
  void reset() {
    sinew::reset(sinew::exec::serial, model.view(), data.view(), key);
    if (!ctrl.empty()) data.set("ctrl", 0, ctrl);
    if (!act.empty()) data.set("act", 0, act);
  }
  void step() { sinew::step(sinew::exec::serial, model.view(), data.view()); }
  std::vector<T> qpos0, qvel0, act0;
  T time0 = T(0);
  void save() {
    const auto d = data.view().world(0);
    const auto s = model.view().size;
    qpos0.assign(d.qpos.p, d.qpos.p + s.nq);
    qvel0.assign(d.qvel.p, d.qvel.p + s.nv);
    act0.assign(d.act.p, d.act.p + s.na);
    time0 = d.time[0];
  }
  void restore() {
    const auto d = data.view().world(0);
    std::memcpy(d.qpos.p, qpos0.data(), sizeof(T) * qpos0.size());
    std::memcpy(d.qvel.p, qvel0.data(), sizeof(T) * qvel0.size());
    if (!act0.empty()) std::memcpy(d.act.p, act0.data(), sizeof(T) * act0.size());
    d.time[0] = time0;
  }
  bool ok() const { return data.status()[0] == sinew::STATUS_OK; }
};

/// Many worlds of one model under MuscleMimic's options, each with its own random controls.
struct MjBatch {
  mjModel* m;
  std::vector<mjData*> d;
  std::vector<Inputs> in;
  MjBatch(const std::string& path, int nworld) : m(load_mj(path, Opts::FullMM)), in(batch_inputs(m, nworld)) {
    for (int w = 0; w < nworld; ++w) d.push_back(mj_makeData(m));
  }
  ~MjBatch() {
    for (mjData* x : d) mj_deleteData(x);
    mj_deleteModel(m);
  }
  MjBatch(const MjBatch&) = delete;
  MjBatch& operator=(const MjBatch&) = delete;
  void reset() {
    for (size_t w = 0; w < d.size(); ++w) {
      if (m->nkey) mj_resetDataKeyframe(m, d[w], 0);
      else mj_resetData(m, d[w]);
      if (m->nu) std::memcpy(d[w]->ctrl, in[w].ctrl.data(), sizeof(double) * size_t(m->nu));
      if (m->na) std::memcpy(d[w]->act, in[w].act.data(), sizeof(double) * size_t(m->na));
    }
  }
  void step(int threads) {
    const int n = int(d.size());
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int w = 0; w < n; ++w) mj_step(m, d[w]);
  }
};

template <class T> struct SinewBatch {
  sinew::Model<T> model;
  sinew::Data<T> data;
  std::vector<T> ctrl, act;  // world-major
  int key;
  SinewBatch(const sinew::Model<double>& md, const std::vector<Inputs>& in)
      : model(md.template cast<T>()), data(model, int(in.size())), key(md.nkey > 0 ? 0 : -1) {
    for (const Inputs& x : in) {
      ctrl.insert(ctrl.end(), x.ctrl.begin(), x.ctrl.end());
      act.insert(act.end(), x.act.begin(), x.act.end());
    }
  }
  void reset() {
    sinew::reset(sinew::exec::OpenMP{}, model.view(), data.view(), key);
    if (!ctrl.empty()) data.set_all("ctrl", ctrl);
    if (!act.empty()) data.set_all("act", act);
  }
  void step(int threads) { sinew::step(sinew::exec::OpenMP{threads}, model.view(), data.view()); }
  int nbad() const {
    int n = 0;
    for (int st : data.status()) n += st != sinew::STATUS_OK;
    return n;
  }
};

struct Cases {
  std::string name, path;
  Inputs in;
  std::unique_ptr<MjCase> full, full_mm, smooth, smooth_mm;
  std::unique_ptr<SinewCase<double>> fd, fd_mm, sd, sd_mm;
  std::unique_ptr<SinewCase<float>> ff, ff_mm, sf, sf_mm;
  sinew::Model<double> mm_model;     // Sinew, MuscleMimic's options, full (the batches')
  std::unique_ptr<MjCase> stage_mj;  // model's options, at the contact state (per-stage rows)
  std::unique_ptr<SinewCase<double>> stage_sw;
  int nwarn = 0;
};

std::vector<std::unique_ptr<Cases>> g_cases;

int g_nworld = 64;

// ---------------------------------------------------------------- benchmark bodies

template <class Fn, class Reset> void timed_loop(benchmark::State& state, Fn&& fn, Reset&& reset) {
  reset();
  int k = 0;
  for (auto _ : state) {
    fn();
    if (++k == kResetEvery) {
      state.PauseTiming();
      reset();
      k = 0;
      state.ResumeTiming();
    }
  }
  state.counters["t_step"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

/// Smooth rows restore the start state after every step (timed, in both engines alike: three
/// memcpy of nq + nv + na values): without its joint limits and equality constraints a
/// musculoskeletal model is not stable for long (MyoFullBody blows up within a few steps).
void bm_mj(benchmark::State& state, MjCase* mj, bool restore_each) {
  if (restore_each)
    timed_loop(
        state,
        [&] {
          mj->step();
          mj->restore();
        },
        [&] { mj->reset(); });
  else
    timed_loop(
        state, [&] { mj->step(); }, [&] { mj->reset(); });
  for (int i = 0; i < mj->m->nq; ++i)
    if (!std::isfinite(mj->d->qpos[i])) state.SkipWithError("MuJoCo state became non-finite");
}

template <class T> void bm_sinew(benchmark::State& state, SinewCase<T>* s, bool restore_each) {
  if (restore_each)
    timed_loop(
        state,
        [&] {
          s->step();
          s->restore();
        },
        [&] { s->reset(); });
  else
    timed_loop(
        state, [&] { s->step(); }, [&] { s->reset(); });
  if (!s->ok()) state.SkipWithError("Sinew world flagged non-finite");
}

/// One step of every world; counter wsps = world-steps per second (wall time: the threads).
template <class B> void bm_batch(benchmark::State& state, B* b, int threads) {
  timed_loop(
      state, [&] { b->step(threads); }, [&] { b->reset(); });
  state.counters["wsps"] =
      benchmark::Counter(double(state.iterations()) * double(g_nworld), benchmark::Counter::kIsRate);
}

template <class T> void bm_sinew_batch(benchmark::State& state, Cases* c, int threads) {
  SinewBatch<T> b(c->mm_model, batch_inputs(c->full_mm->m, g_nworld));
  bm_batch(state, &b, threads);
  if (b.nbad()) state.SkipWithError("Sinew worlds flagged non-finite");
}

/// One stage alone, on a state where every earlier stage is current (stages are idempotent at a
/// fixed state, so no reset is needed; euler restores qpos, qvel, act and time after each call,
/// in both engines): the per-stage breakdown, model's options, at a state with contacts.
/// Sinew's `constraint` row includes island discovery (inside fwd_constraint); MuJoCo's does not
/// (mj_island runs in its position stage, and calling it repeatedly would grow mjData's arena).
const char* const kStages[] = {
    "kinematics", "com_pos", "tendon",         "crb", "factor_m",  "collision", "make_constraint", "transmission",
    "com_vel",    "passive", "ref_constraint", "rne", "actuation", "solve_m",   "constraint",      "euler"};
constexpr int kNumStages = int(sizeof(kStages) / sizeof(kStages[0]));

void bm_mj_stage(benchmark::State& state, Cases* c, int k) {
  MjCase& mj = *c->stage_mj;
  mj.restore();
  mj_forward(mj.m, mj.d);
  const mjModel* m = mj.m;
  mjData* d = mj.d;
  std::vector<double> x(size_t(m->nv));
  for (auto _ : state) {
    switch (k) {
      case 0: mj_kinematics(m, d); break;
      case 1: mj_comPos(m, d); break;
      case 2: mj_tendon(m, d); break;
      case 3: mj_makeM(m, d); break;
      case 4: mj_factorM(m, d); break;
      case 5: mj_collision(m, d); break;
      case 6: mj_makeConstraint(m, d); break;
      case 7: mj_transmission(m, d); break;
      case 8: mj_comVel(m, d); break;
      case 9: mj_passive(m, d); break;
      case 10: mj_referenceConstraint(m, d); break;
      case 11: mj_rne(m, d, 0, d->qfrc_bias); break;
      case 12: mj_fwdActuation(m, d); break;
      case 13: mj_solveM(m, d, x.data(), d->qfrc_smooth, 1); break;
      case 14: mj_fwdConstraint(m, d); break;  // (mj_island again would grow the arena each call)
      default: mj_Euler(m, d); mj.restore();
    }
    benchmark::ClobberMemory();
  }
}

void bm_sinew_stage(benchmark::State& state, Cases* c, int k) {
  SinewCase<double>& s = *c->stage_sw;
  s.restore();
  const auto m = s.model.view();
  const auto d = s.data.view().world(0);
  sinew::forward_world(m, d);
  const int nv = m.size.nv;
  for (auto _ : state) {
    switch (k) {
      case 0: sinew::kinematics(m, d); break;
      case 1: sinew::com_pos(m, d); break;
      case 2: sinew::tendon_world(m, d); break;
      case 3: sinew::crb(m, d); break;
      case 4: sinew::factor_m(m, d.qM, d.qLD, d.qLDiagInv); break;
      case 5: sinew::collision_world(m, d); break;
      case 6: sinew::make_constraint_world(m, d); break;
      case 7: sinew::transmission_world(m, d); break;
      case 8: sinew::com_vel(m, d); break;
      case 9: sinew::passive(m, d); break;
      case 10: sinew::reference_constraint_world(m, d); break;
      case 11: sinew::rne(m, d); break;
      case 12: sinew::actuation_world(m, d); break;
      case 13:
        std::memcpy(d.scratch_nv.p, d.qfrc_smooth.p, sizeof(double) * size_t(nv));
        sinew::solve_m(m, d.qLD, d.qLDiagInv, d.scratch_nv);
        break;
      case 14: sinew::fwd_constraint_world(m, d); break;
      default: sinew::euler(m, d); s.restore();
    }
    benchmark::ClobberMemory();
  }
}

// ---------------------------------------------------------------- ratios: counters and a table

/// The MuJoCo row a Sinew row is compared with ("" if none).
std::string mj_pair(const std::string& row) {
  auto starts = [&](const char* p) { return row.rfind(p, 0) == 0; };
  const bool mm = row.size() > 3 && row.compare(row.size() - 3, 3, "_mm") == 0;
  if (starts("sinew_full_")) return mm ? "mj_full_mm" : "mj_full";
  if (starts("sinew_smooth_")) return mm ? "mj_smooth_mm" : "mj_smooth";
  if (starts("omp_sinew_")) return "omp_mj" + row.substr(row.find('/'));
  if (starts("stage_") && row.size() > 8 && row.compare(row.size() - 8, 8, "/sinew_d") == 0)
    return row.substr(0, row.size() - 8) + "/mj";
  return "";
}

/// Console output plus, on each Sinew row, the counter x_mj = MuJoCo time / Sinew time; keeps
/// every row's time per step for the final table (CPU time; the OpenMP rows: wall time).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_ColorTabular : OO_Tabular) {}
  std::map<std::string, double> t;    // "model/row" -> seconds per step
  std::set<std::string> from_median;  // rows whose time is the median of --benchmark_repetitions

  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> out = runs;
    for (Run& r : out) {
      if (r.error_occurred || r.iterations == 0) continue;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (r.run_type != Run::RT_Iteration && !median) continue;
      const std::string name = r.run_name.function_name;
      const size_t slash = name.find('/');
      const std::string model = name.substr(0, slash), row = name.substr(slash + 1);
      const bool wall = row.rfind("omp_", 0) == 0;
      const double sec = (wall ? r.real_accumulated_time : r.cpu_accumulated_time) / double(r.iterations);
      if (median) from_median.insert(name);
      if (median || !from_median.count(name)) t[name] = sec;
      const std::string mj = mj_pair(row);
      if (mj.empty()) continue;
      auto it = t.find(model + "/" + mj);
      if (it != t.end()) r.counters["x_mj"] = benchmark::Counter(it->second / sec);
    }
    ConsoleReporter::ReportRuns(out);
  }

  double get(const std::string& k) const {
    auto it = t.find(k);
    return it == t.end() ? -1.0 : it->second;
  }

  void table(const std::vector<std::string>& models, const std::vector<int>& threads) const {
    std::printf(
        "\nSummary (one world, one thread, CPU time per step%s; ratio = MuJoCo time / Sinew time, above 1: "
        "Sinew faster)\n",
        from_median.empty() ? "" : ", median of the repetitions");
    std::printf("%-14s %-50s %11s %11s %11s %8s %8s\n", "model", "row", "MuJoCo us", "Sinew d us", "Sinew f us",
                "ratio d", "ratio f");
    struct Row {
      const char* mj;
      const char* d;
      const char* f;
      const char* label;
    };
    const Row rows[] = {
        {"mj_full", "sinew_full_d", "sinew_full_f", "full step (collision, constraints), model's options"},
        {"mj_full_mm", "sinew_full_d_mm", "sinew_full_f_mm", "full step, MuscleMimic's options"},
        {"mj_smooth", "sinew_smooth_d", "sinew_smooth_f", "smooth dynamics only, model's options"},
        {"mj_smooth_mm", "sinew_smooth_d_mm", "sinew_smooth_f_mm", "smooth dynamics only, MuscleMimic's options"}};
    for (const auto& model : models)
      for (const Row& row : rows) {
        const double mj = get(model + "/" + row.mj), d = get(model + "/" + row.d), f = get(model + "/" + row.f);
        if (mj < 0) continue;
        auto us = [](double x) { return x > 0 ? x * 1e6 : std::nan(""); };  // nan: row not run (filter)
        std::printf("%-14s %-50s %11.2f %11.2f %11.2f %8.2f %8.2f\n", model.c_str(), row.label, mj * 1e6, us(d), us(f),
                    d > 0 ? mj / d : std::nan(""), f > 0 ? mj / f : std::nan(""));
      }
    std::printf("\nMany worlds (%d), MuscleMimic's options: world-steps per second (wall), ratio = Sinew / MuJoCo\n",
                g_nworld);
    std::printf("%-14s %8s %14s %14s %14s %8s %8s\n", "model", "threads", "MuJoCo", "Sinew double", "Sinew float",
                "ratio d", "ratio f");
    for (const auto& model : models)
      for (int th : threads) {
        std::string tt = "/";  // appended: g++ 12 reports a false -Wrestrict on "..." + std::to_string(..)
        tt += std::to_string(th);
        const double mj = get(model + "/omp_mj" + tt), d = get(model + "/omp_sinew_d" + tt),
                     f = get(model + "/omp_sinew_f" + tt);
        if (mj < 0) continue;
        auto wsps = [](double s) { return s > 0 ? double(g_nworld) / s : 0.0; };
        std::printf("%-14s %8d %14.0f %14.0f %14.0f %8.2f %8.2f\n", model.c_str(), th, wsps(mj), wsps(d), wsps(f),
                    d > 0 ? mj / d : 0.0, f > 0 ? mj / f : 0.0);
      }
    std::printf("\nPer stage, double, one world, at a state with contacts (us per call; ratio = MuJoCo / Sinew)\n");
    std::printf("%-14s %-16s %12s %12s %8s\n", "model", "stage", "MuJoCo", "Sinew", "ratio");
    for (const auto& model : models)
      for (const char* st : kStages) {
        const double mj = get(model + "/stage_" + st + "/mj"), sw = get(model + "/stage_" + st + "/sinew_d");
        if (mj < 0 || sw < 0) continue;
        std::printf("%-14s %-16s %12.3f %12.3f %8.2f\n", model.c_str(), st, mj * 1e6, sw * 1e6, mj / sw);
      }
  }
};

// ---------------------------------------------------------------- setup

std::vector<ModelEntry> model_list(int argc, char** argv) {
  std::vector<ModelEntry> r;
  auto add = [&](const std::string& spec) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      std::string stem = spec.substr(spec.find_last_of('/') + 1);
      r.push_back({stem.substr(0, stem.find('.')), spec});
    } else {
      r.push_back({spec.substr(0, eq), spec.substr(eq + 1)});
    }
  };
  for (int i = 1; i < argc; ++i) add(argv[i]);
  if (r.empty())
    if (const char* env = std::getenv("SINEW_BENCH_MODELS")) {
      std::stringstream ss(env);
      std::string item;
      while (std::getline(ss, item, ';'))
        if (!item.empty()) add(item);
    }
  if (r.empty()) {
    r.push_back({"branched_tree", SINEW_BENCH_TREE});
    r.push_back({"arm", SINEW_BENCH_ARM});
    if (*SINEW_BENCH_MYOFULLBODY) r.push_back({"myofullbody", SINEW_BENCH_MYOFULLBODY});
    if (*SINEW_BENCH_BIMANUAL) r.push_back({"bimanual", SINEW_BENCH_BIMANUAL});
  }
  return r;
}

/// Max |qpos| difference after n steps of MuJoCo's mj_step and Sinew's double step from the same
/// state and controls. Negative when MuJoCo's state left the sane range (|qvel| > 1e3,
/// non-finite, or MuJoCo's automatic reset on instability) before n steps.
double trajectory_gap(MjCase& mj, SinewCase<double>& s, int n) {
  mj.reset();
  s.reset();
  bool unstable = false;
  for (int i = 0; i < n && !unstable; ++i) {
    mj.step();
    s.step();
    for (int k = 0; k < mj.m->nv; ++k) unstable = unstable || !(std::abs(mj.d->qvel[k]) < 1e3);
    unstable = unstable || mj.d->time == 0;
  }
  double e = -1;
  if (!unstable) {
    const std::vector<double> q = s.data.get("qpos", 0);
    e = 0;
    for (int i = 0; i < mj.m->nq; ++i) e = std::max(e, std::abs(q[size_t(i)] - mj.d->qpos[i]));
  }
  mj.reset();
  s.reset();
  return e;
}

std::string gaps(MjCase& mj, SinewCase<double>& s) {
  std::string r;
  for (int n : {1, 10, 100}) {
    char b[48];
    const double e = trajectory_gap(mj, s, n);
    if (e < 0) std::snprintf(b, sizeof b, "%sunstable", r.empty() ? "" : " / ");
    else std::snprintf(b, sizeof b, "%s%.1e", r.empty() ? "" : " / ", e);
    r += b;
  }
  return r;
}

/// The per-stage state: 300 steps of MuJoCo's full step from the keyframe with the random
/// controls (contacts have formed), copied into Sinew (qpos, qvel, act, qacc_warmstart, time).
void make_stage_state(Cases& c, const sinew::Model<double>& md) {
  c.stage_mj = std::make_unique<MjCase>(c.path, Opts::Full);
  c.stage_mj->in = &c.in;
  c.stage_mj->reset();
  for (int i = 0; i < 300; ++i) c.stage_mj->step();
  mjData* d = c.stage_mj->d;
  const mjModel* m = c.stage_mj->m;
  c.stage_mj->save();
  c.stage_sw = std::make_unique<SinewCase<double>>(md, c.in);
  sinew::Data<double>& sd = c.stage_sw->data;
  sd.set("qpos", 0, std::vector<double>(d->qpos, d->qpos + m->nq));
  sd.set("qvel", 0, std::vector<double>(d->qvel, d->qvel + m->nv));
  if (m->na) sd.set("act", 0, std::vector<double>(d->act, d->act + m->na));
  sd.set("qacc_warmstart", 0, std::vector<double>(d->qacc_warmstart, d->qacc_warmstart + m->nv));
  sd.set("time", 0, std::vector<double>{d->time});
  c.stage_sw->save();
  mj_forward(m, c.stage_mj->d);
  std::printf("  stage state: t=%.3f s, ncon %d, nefc %d\n", d->time, d->ncon, d->nefc);
}

/// --callgrind=ENGINE mode (see the header comment): returns the exit status.
int callgrind_run(const std::string& engine, int steps, const std::vector<ModelEntry>& models) {
  const ModelEntry& me = models.front();
  MjCase mj(me.path, Opts::FullMM);
  const Inputs in = make_inputs(mj.m);
  mj.in = &in;
  mj.reset();
  for (int i = 0; i < 300; ++i) mj.step();
  const sinew::Model<double> md = sinew_model(sinew::load_mjcf(me.path), Opts::FullMM);
  auto run = [&](auto& sw) {
    using T = std::decay_t<decltype(sw.model.opt.timestep)>;
    sinew::Data<T>& sd = sw.data;
    auto put = [&](const char* f, const double* p, int n) { sd.set(f, 0, std::vector<T>(p, p + n)); };
    put("qpos", mj.d->qpos, mj.m->nq);
    put("qvel", mj.d->qvel, mj.m->nv);
    if (mj.m->na) put("act", mj.d->act, mj.m->na);
    put("qacc_warmstart", mj.d->qacc_warmstart, mj.m->nv);
    put("time", &mj.d->time, 1);
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_TOGGLE_COLLECT;
    for (int i = 0; i < steps; ++i) sw.step();
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_STOP_INSTRUMENTATION;
    return sw.ok();
  };
  bool ok = true;
  if (engine == "mj") {
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_TOGGLE_COLLECT;
    for (int i = 0; i < steps; ++i) mj.step();
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_STOP_INSTRUMENTATION;
  } else if (engine == "sinew_d") {
    SinewCase<double> sw(md, in);
    ok = run(sw);
  } else if (engine == "sinew_f") {
    SinewCase<float> sw(md, in);
    ok = run(sw);
  } else {
    std::fprintf(stderr, "sinew-bench-cpu: --callgrind=%s: expected mj, sinew_d or sinew_f\n", engine.c_str());
    return 2;
  }
  std::printf("%s %s: %d steps from t=%.3f s (ncon %d, nefc %d at the start)%s\n", me.name.c_str(), engine.c_str(),
              steps, mj.d->time, mj.d->ncon, mj.d->nefc, ok ? "" : "; Sinew flagged the world");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cg_engine;
  int cg_steps = 20;
  for (int i = 1; i < argc;) {
    const std::string a = argv[i];
    if (a.rfind("--callgrind=", 0) == 0) cg_engine = a.substr(12);
    else if (a.rfind("--steps=", 0) == 0) cg_steps = std::max(1, std::atoi(a.c_str() + 8));
    else {
      ++i;
      continue;
    }
    for (int k = i; k + 1 < argc; ++k) argv[k] = argv[k + 1];
    --argc;
  }
  if (!cg_engine.empty()) {
    std::vector<ModelEntry> ms = model_list(argc, argv);
    if (argc == 1 && *SINEW_BENCH_MYOFULLBODY) ms = {{"myofullbody", SINEW_BENCH_MYOFULLBODY}};
    return callgrind_run(cg_engine, cg_steps, ms);
  }
  benchmark::Initialize(&argc, argv);
  const std::vector<ModelEntry> models = model_list(argc, argv);
  if (const char* e = std::getenv("SINEW_BENCH_NWORLD")) g_nworld = std::max(1, std::atoi(e));
  std::vector<int> threads{1};
  if (omp_get_num_procs() > 1) threads.push_back(omp_get_num_procs());
  std::printf("MuJoCo %s (library built for %s), one world on one thread; %d worlds on", mj_versionString(),
              SINEW_BENCH_MUJOCO_VERSION, g_nworld);
  for (int t : threads) std::printf(" %d", t);
  std::printf(" OpenMP thread(s)\n");
  std::vector<std::string> names;
  for (const auto& me : models) {
    auto c = std::make_unique<Cases>();
    c->name = me.name;
    c->path = me.path;
    try {
      std::vector<sinew::Diagnostic> warnings;
      const sinew::Model<double> md = sinew::load_mjcf(me.path, &warnings);
      c->nwarn = int(warnings.size());
      c->full = std::make_unique<MjCase>(me.path, Opts::Full);
      c->full_mm = std::make_unique<MjCase>(me.path, Opts::FullMM);
      c->smooth = std::make_unique<MjCase>(me.path, Opts::Smooth);
      c->smooth_mm = std::make_unique<MjCase>(me.path, Opts::SmoothMM);
      c->in = make_inputs(c->full->m);
      for (MjCase* mj : {c->full.get(), c->full_mm.get(), c->smooth.get(), c->smooth_mm.get()}) {
        mj->in = &c->in;
        mj->reset();
        mj->save();
      }
      const sinew::Model<double> mfull = sinew_model(md, Opts::Full), mmm = sinew_model(md, Opts::FullMM),
                                 msm = sinew_model(md, Opts::Smooth), msmm = sinew_model(md, Opts::SmoothMM);
      c->fd = std::make_unique<SinewCase<double>>(mfull, c->in);
      c->ff = std::make_unique<SinewCase<float>>(mfull, c->in);
      c->fd_mm = std::make_unique<SinewCase<double>>(mmm, c->in);
      c->ff_mm = std::make_unique<SinewCase<float>>(mmm, c->in);
      c->sd = std::make_unique<SinewCase<double>>(msm, c->in);
      c->sf = std::make_unique<SinewCase<float>>(msm, c->in);
      c->sd_mm = std::make_unique<SinewCase<double>>(msmm, c->in);
      c->sf_mm = std::make_unique<SinewCase<float>>(msmm, c->in);
      c->mm_model = mmm;
      const mjModel* m = c->full->m;
      std::printf(
          "%-14s nq=%d nv=%d nbody=%d ntendon=%d nu=%d na=%d ngeom=%d timestep=%g; %d loader warnings\n"
          "  max |dqpos|, MuJoCo vs Sinew double after 1 / 10 / 100 steps: full %s; full MuscleMimic %s; "
          "smooth %s\n",
          me.name.c_str(), m->nq, m->nv, m->nbody, m->ntendon, m->nu, m->na, m->ngeom, m->opt.timestep, c->nwarn,
          gaps(*c->full, *c->fd).c_str(), gaps(*c->full_mm, *c->fd_mm).c_str(), gaps(*c->smooth, *c->sd).c_str());
      {  // MuJoCo's arena is a reserve; what 100 steps used of it is the comparable figure
        MjCase& mm = *c->full_mm;
        for (int i = 0; i < 100; ++i) mm.step();
        const double mib = 1048576.0;
        std::printf(
            "  memory per world, MuscleMimic's options: MuJoCo mjData buffer %.2f MiB + arena used %.2f MiB "
            "(of %.0f reserved); Sinew Data %.2f MiB double, %.2f MiB float\n",
            double(mm.d->nbuffer) / mib, double(mm.d->maxuse_arena) / mib, double(mm.d->narena) / mib,
            double(c->fd_mm->data.bytes()) / mib, double(c->ff_mm->data.bytes()) / mib);
        sinew::Model<double> budget = mmm;  // MuscleMimic's budgets: nconmax 96, njmax 768
        budget.nconmax = 96;
        sinew::compile_constraint_sizes(budget);
        budget.njmax = 768;
        sinew::compile_solver_sizes(budget);
        const sinew::DataLayoutInfo li(budget.sizes());
        std::printf(
            "  at MuscleMimic's budgets (nconmax 96, njmax 768; rows of %d of nv = %d): Sinew Data %.2f MiB "
            "double, %.2f MiB float\n",
            budget.efc_width(), budget.nv, double(li.nreal * 8 + li.nint * 4) / mib,
            double(li.nreal * 4 + li.nint * 4) / mib);
        mm.reset();
      }
      make_stage_state(*c, mfull);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sinew-bench-cpu: skipping %s (%s): %s\n", me.name.c_str(), me.path.c_str(), e.what());
      continue;
    }
    Cases* cp = c.get();
    auto reg = [&](const std::string& row, auto fn) {
      return benchmark::RegisterBenchmark((me.name + "/" + row).c_str(), fn);
    };
    reg("mj_full", [cp](benchmark::State& s) { bm_mj(s, cp->full.get(), false); });
    reg("sinew_full_d", [cp](benchmark::State& s) { bm_sinew(s, cp->fd.get(), false); });
    reg("sinew_full_f", [cp](benchmark::State& s) { bm_sinew(s, cp->ff.get(), false); });
    reg("mj_full_mm", [cp](benchmark::State& s) { bm_mj(s, cp->full_mm.get(), false); });
    reg("sinew_full_d_mm", [cp](benchmark::State& s) { bm_sinew(s, cp->fd_mm.get(), false); });
    reg("sinew_full_f_mm", [cp](benchmark::State& s) { bm_sinew(s, cp->ff_mm.get(), false); });
    reg("mj_smooth", [cp](benchmark::State& s) { bm_mj(s, cp->smooth.get(), true); });
    reg("sinew_smooth_d", [cp](benchmark::State& s) { bm_sinew(s, cp->sd.get(), true); });
    reg("sinew_smooth_f", [cp](benchmark::State& s) { bm_sinew(s, cp->sf.get(), true); });
    reg("mj_smooth_mm", [cp](benchmark::State& s) { bm_mj(s, cp->smooth_mm.get(), true); });
    reg("sinew_smooth_d_mm", [cp](benchmark::State& s) { bm_sinew(s, cp->sd_mm.get(), true); });
    reg("sinew_smooth_f_mm", [cp](benchmark::State& s) { bm_sinew(s, cp->sf_mm.get(), true); });
    for (int k = 0; k < kNumStages; ++k) {
      const std::string base = std::string("stage_") + kStages[k];
      reg(base + "/mj", [cp, k](benchmark::State& s) { bm_mj_stage(s, cp, k); });
      reg(base + "/sinew_d", [cp, k](benchmark::State& s) { bm_sinew_stage(s, cp, k); });
    }
    for (int th : threads) {
      const std::string tt = "/" + std::to_string(th);
      // the batches are built when their row first runs (64 worlds of MyoFullBody are ~1 GiB)
      reg("omp_mj" + tt, [cp, th](benchmark::State& s) {
        MjBatch b(cp->path, g_nworld);
        bm_batch(s, &b, th);
      })->UseRealTime();
      reg("omp_sinew_d" + tt, [cp, th](benchmark::State& s) { bm_sinew_batch<double>(s, cp, th); })->UseRealTime();
      reg("omp_sinew_f" + tt, [cp, th](benchmark::State& s) { bm_sinew_batch<float>(s, cp, th); })->UseRealTime();
    }
    names.push_back(me.name);
    g_cases.push_back(std::move(c));
  }
  std::fflush(stdout);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.table(names, threads);
  benchmark::Shutdown();
  g_cases.clear();
  return 0;
}
