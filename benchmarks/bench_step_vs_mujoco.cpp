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
// steps, untimed, so long runs never drift into a blown-up state.
//
// Rows per model (one benchmark each; `mj_*` rows run first so the Sinew rows can report ratios):
//   mj_full        mj_step as the model is: tendons, muscles, collision, constraint solver, sensors.
//   mj_lfl         like for like with Sinew's step: mj_step with disableflags constraint|contact|
//                  sensor (no collision, no joint limits or equality constraints, no sensors) and
//                  actuation ON: kinematics, comPos, tendon, makeM, factorM, transmission,
//                  fwdVelocity, fwdActuation, fwdAcceleration, Euler (eulerdamp as the model says).
//   mj_lfl_mm      the same under MuscleMimic's options: timestep 0.002, eulerdamp disabled.
//   mj_stages      mj_fwdPosition's and mj_fwdVelocity's smooth stages plus mj_fwdActuation
//                  (kinematics, comPos, tendon, makeM, factorM, transmission, fwdVelocity,
//                  fwdActuation), no acceleration or integration.
//   sinew_d/f, sinew_d_mm/f_mm   sinew::step (exec::serial), double / float, model's / MuscleMimic's options.
//   sinew_stages_d/f  sinew::fwd_position + fwd_velocity + fwd_actuation (the same stages).
//   stage_<s>/mj, stage_<s>/sinew_d   each stage alone at a fixed state, double (per-stage table).
// Sinew rows carry counters `x_<mj row>` = MuJoCo time / Sinew time (above 1: Sinew is faster),
// and a summary table is printed at the end. Before timing, the binary checks that mj_lfl and
// sinew_d (and the _mm pair) integrate the same trajectory (printed): with constraints off in
// MuJoCo, the joint limits and equality constraints Sinew does not simulate yet do not act.
#include <benchmark/benchmark.h>
#include <mujoco/mujoco.h>

#include <algorithm>
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

#include <unistd.h>

#include "sinew/io/mjcf.hpp"
#include "sinew/sinew.hpp"

namespace {

constexpr int kResetEvery = 1000;

struct ModelEntry {
  std::string name, path;
};

/// Options a row runs under.
enum class Opts { Model, NoConstraint, MuscleMimic };

/// The random controls and activations every row starts from (the same for both engines).
struct Inputs {
  std::vector<double> ctrl, act;
};

Inputs make_inputs(const mjModel* m) {
  std::mt19937_64 rng(12345);
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

// ---------------------------------------------------------------- engines, loaded once per model

struct MjCase {
  mjModel* m = nullptr;
  mjData* d = nullptr;
  int key = -1;
  const Inputs* in = nullptr;
  MjCase(const std::string& path, Opts opts) {
    char err[1024] = "";
    m = mj_loadXML(path.c_str(), nullptr, err, sizeof(err));
    if (!m) throw std::runtime_error("MuJoCo cannot load " + path + ": " + err);
    if (opts != Opts::Model) m->opt.disableflags |= mjDSBL_CONSTRAINT | mjDSBL_CONTACT | mjDSBL_SENSOR;
    if (opts == Opts::MuscleMimic) {
      m->opt.timestep = 0.002;
      m->opt.disableflags |= mjDSBL_EULERDAMP;
    }
    d = mj_makeData(m);
    key = m->nkey > 0 ? 0 : -1;
  }
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
  /// The stages Sinew's fwd_position + fwd_velocity + fwd_actuation compute.
  void stages() {
    mj_kinematics(m, d);
    mj_comPos(m, d);
    mj_tendon(m, d);
    mj_makeM(m, d);
    mj_factorM(m, d);
    mj_transmission(m, d);
    mj_fwdVelocity(m, d);
    mj_fwdActuation(m, d);
  }
};

template <class T> struct SinewCase {
  sinew::Model<T> model;
  sinew::Data<T> data;
  int key;
  std::vector<T> ctrl, act;
  SinewCase(const sinew::Model<double>& md, const Inputs& in)
      : model(md.template cast<T>()), data(model, 1), key(md.nkey > 0 ? 0 : -1),
        ctrl(in.ctrl.begin(), in.ctrl.end()), act(in.act.begin(), in.act.end()) {
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
  void stages() {
    const auto mv = model.view();
    const auto dv = data.view();
    sinew::fwd_position(sinew::exec::serial, mv, dv);
    sinew::fwd_velocity(sinew::exec::serial, mv, dv);
    sinew::fwd_actuation(sinew::exec::serial, mv, dv);
  }
  bool ok() const { return data.status()[0] == sinew::STATUS_OK; }
};

struct Cases {
  std::string name;
  Inputs in;
  std::unique_ptr<MjCase> full, lfl, mm;  // MuJoCo: model's options, like for like, MuscleMimic's
  std::unique_ptr<SinewCase<double>> sd, sd_mm;
  std::unique_ptr<SinewCase<float>> sf, sf_mm;
  int nwarn = 0;
};

std::vector<std::unique_ptr<Cases>> g_cases;

// ---------------------------------------------------------------- benchmark bodies

template <class Fn, class Reset>
void timed_loop(benchmark::State& state, Fn&& fn, Reset&& reset) {
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

/// Step rows other than mj_full restore the start state after every step (timed, in both
/// engines alike: three memcpy of nq + nv + na values): without its joint limits and equality
/// constraints a musculoskeletal model is not stable for long (MyoFullBody blows up within a few
/// steps), so every timed step starts from the keyframe state with the random controls.
void bm_mj(benchmark::State& state, MjCase* mj, bool stages_only, bool restore_each) {
  if (stages_only) timed_loop(state, [&] { mj->stages(); }, [&] { mj->reset(); });
  else if (restore_each) timed_loop(state, [&] { mj->step(); mj->restore(); }, [&] { mj->reset(); });
  else timed_loop(state, [&] { mj->step(); }, [&] { mj->reset(); });
  for (int i = 0; i < mj->m->nq; ++i)
    if (!std::isfinite(mj->d->qpos[i])) state.SkipWithError("MuJoCo state became non-finite");
}

template <class T> void bm_sinew(benchmark::State& state, SinewCase<T>* s, bool stages_only) {
  if (stages_only) timed_loop(state, [&] { s->stages(); }, [&] { s->reset(); });
  else timed_loop(state, [&] { s->step(); s->restore(); }, [&] { s->reset(); });
  if (!s->ok()) state.SkipWithError("Sinew world flagged non-finite");
}

/// One stage alone, on a state where every earlier stage is current (stages are idempotent at a
/// fixed state, so no reset is needed; euler restores qpos, qvel, act and time after each call,
/// in both engines): the per-stage breakdown. Model's options with constraints off (mj_lfl).
const char* const kStages[] = {"kinematics", "com_pos", "tendon", "crb", "factor_m", "transmission", "com_vel",
                               "passive", "rne", "actuation", "solve_m", "euler"};
constexpr int kNumStages = int(sizeof(kStages) / sizeof(kStages[0]));

void bm_mj_stage(benchmark::State& state, Cases* c, int k) {
  MjCase& mj = *c->lfl;
  mj.reset();
  mj_forward(mj.m, mj.d);
  const mjModel* m = mj.m;
  mjData* d = mj.d;
  const std::vector<double> qpos(d->qpos, d->qpos + m->nq), qvel(d->qvel, d->qvel + m->nv), act(d->act, d->act + m->na);
  const double time = d->time;
  std::vector<double> x(size_t(m->nv));
  for (auto _ : state) {
    switch (k) {
      case 0: mj_kinematics(m, d); break;
      case 1: mj_comPos(m, d); break;
      case 2: mj_tendon(m, d); break;
      case 3: mj_makeM(m, d); break;
      case 4: mj_factorM(m, d); break;
      case 5: mj_transmission(m, d); break;
      case 6: mj_comVel(m, d); break;
      case 7: mj_passive(m, d); break;
      case 8: mj_rne(m, d, 0, d->qfrc_bias); break;
      case 9: mj_fwdActuation(m, d); break;
      case 10: mj_solveM(m, d, x.data(), d->qfrc_smooth, 1); break;
      default:
        mj_Euler(m, d);
        std::memcpy(d->qpos, qpos.data(), sizeof(double) * qpos.size());
        std::memcpy(d->qvel, qvel.data(), sizeof(double) * qvel.size());
        if (m->na) std::memcpy(d->act, act.data(), sizeof(double) * act.size());
        d->time = time;
    }
    benchmark::ClobberMemory();
  }
}

void bm_sinew_stage(benchmark::State& state, Cases* c, int k) {
  SinewCase<double>& s = *c->sd;
  s.reset();
  const auto m = s.model.view();
  const auto d = s.data.view().world(0);
  sinew::forward_world(m, d);
  const int nq = m.size.nq, nv = m.size.nv, na = m.size.na;
  const std::vector<double> qpos(d.qpos.p, d.qpos.p + nq), qvel(d.qvel.p, d.qvel.p + nv), act(d.act.p, d.act.p + na);
  const double time = d.time[0];
  for (auto _ : state) {
    switch (k) {
      case 0: sinew::kinematics(m, d); break;
      case 1: sinew::com_pos(m, d); break;
      case 2: sinew::tendon_world(m, d); break;
      case 3: sinew::crb(m, d); break;
      case 4: sinew::factor_m(m, d.qM, d.qLD, d.qLDiagInv); break;
      case 5: sinew::transmission_world(m, d); break;
      case 6: sinew::com_vel(m, d); break;
      case 7: sinew::passive(m, d); break;
      case 8: sinew::rne(m, d); break;
      case 9: sinew::actuation_world(m, d); break;
      case 10:
        std::memcpy(d.scratch_nv.p, d.qfrc_smooth.p, sizeof(double) * size_t(nv));
        sinew::solve_m(m, d.qLD, d.qLDiagInv, d.scratch_nv);
        break;
      default:
        sinew::euler(m, d);
        std::memcpy(d.qpos.p, qpos.data(), sizeof(double) * size_t(nq));
        std::memcpy(d.qvel.p, qvel.data(), sizeof(double) * size_t(nv));
        if (na) std::memcpy(d.act.p, act.data(), sizeof(double) * size_t(na));
        d.time[0] = time;
    }
    benchmark::ClobberMemory();
  }
}

// ---------------------------------------------------------------- ratios: counters and a table

/// The MuJoCo rows each Sinew row is compared with.
const std::map<std::string, std::vector<std::string>> kPairs = {
    {"sinew_d", {"mj_lfl", "mj_full"}},         {"sinew_f", {"mj_lfl", "mj_full"}},
    {"sinew_d_mm", {"mj_lfl_mm"}},              {"sinew_f_mm", {"mj_lfl_mm"}},
    {"sinew_stages_d", {"mj_stages"}},          {"sinew_stages_f", {"mj_stages"}}};

/// Console output plus, on each Sinew row, counters x_<mj row> = MuJoCo time / Sinew time; keeps
/// every row's time per step (CPU time) for the final table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_ColorTabular : OO_Tabular) {}
  std::map<std::string, double> t;  // "model/row" -> seconds per step
  std::set<std::string> from_median;  // rows whose time is the median of --benchmark_repetitions

  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> out = runs;
    for (Run& r : out) {
      if (r.error_occurred || r.iterations == 0) continue;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (r.run_type != Run::RT_Iteration && !median) continue;
      const std::string name = r.run_name.function_name;
      const double sec = r.cpu_accumulated_time / double(r.iterations);
      if (median) from_median.insert(name);
      if (median || !from_median.count(name)) t[name] = sec;
      const size_t slash = name.find('/');
      const std::string model = name.substr(0, slash), row = name.substr(slash + 1);
      auto pr = kPairs.find(row);
      if (pr == kPairs.end()) continue;
      for (const std::string& mj : pr->second) {
        auto it = t.find(model + "/" + mj);
        if (it != t.end()) r.counters["x_" + mj] = benchmark::Counter(it->second / sec);
      }
    }
    ConsoleReporter::ReportRuns(out);
  }

  void table(const std::vector<std::string>& models) const {
    std::printf("\nSummary (one world, one thread; CPU time per step%s; ratio = MuJoCo time / Sinew time)\n",
                from_median.empty() ? "" : ", median of the repetitions");
    std::printf("%-16s %-58s %12s %10s %10s\n", "model", "row", "us/step", "vs sinew_d", "vs sinew_f");
    auto get = [&](const std::string& k) { auto it = t.find(k); return it == t.end() ? -1.0 : it->second; };
    struct Row { const char* key; const char* label; const char* d; const char* f; };
    const Row rows[] = {
        {"mj_full", "MuJoCo mj_step, full model (model's options)", "sinew_d", "sinew_f"},
        {"mj_lfl", "MuJoCo mj_step -constraint-contact-sensor (model's opts)", "sinew_d", "sinew_f"},
        {"sinew_d", "Sinew step, double (model's options)", nullptr, nullptr},
        {"sinew_f", "Sinew step, float (model's options)", nullptr, nullptr},
        {"mj_lfl_mm", "MuJoCo mj_step -constraint-contact-sensor (MuscleMimic)", "sinew_d_mm", "sinew_f_mm"},
        {"sinew_d_mm", "Sinew step, double (MuscleMimic: dt 0.002, -eulerdamp)", nullptr, nullptr},
        {"sinew_f_mm", "Sinew step, float (MuscleMimic)", nullptr, nullptr},
        {"mj_stages", "MuJoCo stages (kin..factorM, transmission, fwdVel, fwdAct)", "sinew_stages_d", "sinew_stages_f"},
        {"sinew_stages_d", "Sinew fwd_position+fwd_velocity+fwd_actuation, double", nullptr, nullptr},
        {"sinew_stages_f", "Sinew fwd_position+fwd_velocity+fwd_actuation, float", nullptr, nullptr}};
    for (const auto& model : models) {
      for (const Row& row : rows) {
        const double s = get(model + "/" + row.key);
        if (s < 0) continue;
        char rd[32] = "", rf[32] = "";
        if (row.d) {
          const double d = get(model + "/" + row.d), f = get(model + "/" + row.f);
          if (d > 0) std::snprintf(rd, sizeof rd, "%.2f", s / d);
          if (f > 0) std::snprintf(rf, sizeof rf, "%.2f", s / f);
        }
        std::printf("%-16s %-58s %12.3f %10s %10s\n", model.c_str(), row.label, s * 1e6, rd, rf);
      }
    }
    bool header = false;
    for (const auto& model : models) {
      for (const char* st : kStages) {
        const double mj = get(model + "/stage_" + st + "/mj"), sw = get(model + "/stage_" + st + "/sinew_d");
        if (mj < 0 || sw < 0) continue;
        if (!header) {
          std::printf("\nPer stage, double, one world (us per call; ratio = MuJoCo / Sinew)\n");
          std::printf("%-16s %-12s %12s %12s %8s\n", "model", "stage", "MuJoCo", "Sinew", "ratio");
          header = true;
        }
        std::printf("%-16s %-12s %12.3f %12.3f %8.2f\n", model.c_str(), st, mj * 1e6, sw * 1e6, mj / sw);
      }
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

/// Max |qpos| difference after n steps of MuJoCo's mj_step (constraints off) and Sinew's double
/// step from the same state and controls: the like-for-like rows must compute the same thing.
/// Negative when MuJoCo's state left the sane range (|qvel| > 1e3, non-finite, or MuJoCo's
/// automatic reset on instability) before n steps: the model is not stable without constraints.
double check_same_trajectory(MjCase& mj, SinewCase<double>& s, int n) {
  mj.reset();
  s.reset();
  bool unstable = false;
  for (int i = 0; i < n && !unstable; ++i) {
    mj.step();
    s.step();
    for (int k = 0; k < mj.m->nv; ++k) unstable = unstable || !(std::abs(mj.d->qvel[k]) < 1e3);
    unstable = unstable || mj.d->time == 0;
  }
  if (unstable) {
    mj.reset();
    s.reset();
    return -1;
  }
  const std::vector<double> q = s.data.get("qpos", 0);
  double e = 0;
  for (int i = 0; i < mj.m->nq; ++i) e = std::max(e, std::abs(q[size_t(i)] - mj.d->qpos[i]));
  mj.reset();
  s.reset();
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const std::vector<ModelEntry> models = model_list(argc, argv);
  std::printf("MuJoCo %s (library built for %s), Sinew exec::serial, one world, single thread\n", mj_versionString(),
              SINEW_BENCH_MUJOCO_VERSION);
  std::vector<std::string> names;
  for (const auto& me : models) {
    auto c = std::make_unique<Cases>();
    c->name = me.name;
    try {
      std::vector<sinew::Diagnostic> warnings;
      // Sinew runs like MuJoCo's like-for-like rows: collision and constraint rows off (Sinew has
      // no constraint solver yet, so they would be work without an effect on the step)
      sinew::Model<double> md = sinew::load_mjcf(me.path, &warnings);
      md.opt.disableflags |= sinew::DSBL_CONSTRAINT | sinew::DSBL_CONTACT;
      c->nwarn = int(warnings.size());
      c->full = std::make_unique<MjCase>(me.path, Opts::Model);
      c->lfl = std::make_unique<MjCase>(me.path, Opts::NoConstraint);
      c->mm = std::make_unique<MjCase>(me.path, Opts::MuscleMimic);
      c->in = make_inputs(c->full->m);
      for (MjCase* mj : {c->full.get(), c->lfl.get(), c->mm.get()}) {
        mj->in = &c->in;
        mj->reset();
        mj->save();
      }
      sinew::Model<double> mm = md;
      mm.opt.timestep = 0.002;
      mm.opt.disableflags |= sinew::DSBL_EULERDAMP;
      c->sd = std::make_unique<SinewCase<double>>(md, c->in);
      c->sf = std::make_unique<SinewCase<float>>(md, c->in);
      c->sd_mm = std::make_unique<SinewCase<double>>(mm, c->in);
      c->sf_mm = std::make_unique<SinewCase<float>>(mm, c->in);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sinew-bench-cpu: skipping %s (%s): %s\n", me.name.c_str(), me.path.c_str(), e.what());
      continue;
    }
    const mjModel* m = c->full->m;
    auto fmt = [](double e) {
      char b[48];
      if (e < 0) std::snprintf(b, sizeof b, "unstable without constraints");
      else std::snprintf(b, sizeof b, "%.1e", e);
      return std::string(b);
    };
    std::printf("%-14s nq=%d nv=%d nbody=%d ntendon=%d nu=%d na=%d ngeom=%d nsite=%d timestep=%g integrator=%d; "
                "%d loader warnings (unsimulated elements)\n  max |dqpos| with random controls, mj_lfl vs sinew_d "
                "after 1 / 3 / 100 steps: %s / %s / %s; mj_lfl_mm vs sinew_d_mm: %s / %s / %s\n",
                me.name.c_str(), m->nq, m->nv, m->nbody, m->ntendon, m->nu, m->na, m->ngeom, m->nsite,
                m->opt.timestep, m->opt.integrator, c->nwarn, fmt(check_same_trajectory(*c->lfl, *c->sd, 1)).c_str(),
                fmt(check_same_trajectory(*c->lfl, *c->sd, 3)).c_str(), fmt(check_same_trajectory(*c->lfl, *c->sd, 100)).c_str(),
                fmt(check_same_trajectory(*c->mm, *c->sd_mm, 1)).c_str(), fmt(check_same_trajectory(*c->mm, *c->sd_mm, 3)).c_str(),
                fmt(check_same_trajectory(*c->mm, *c->sd_mm, 100)).c_str());
    Cases* cp = c.get();
    auto reg = [&](const std::string& row, auto fn) { benchmark::RegisterBenchmark((me.name + "/" + row).c_str(), fn); };
    reg("mj_full", [cp](benchmark::State& s) { bm_mj(s, cp->full.get(), false, false); });
    reg("mj_lfl", [cp](benchmark::State& s) { bm_mj(s, cp->lfl.get(), false, true); });
    reg("mj_lfl_mm", [cp](benchmark::State& s) { bm_mj(s, cp->mm.get(), false, true); });
    reg("mj_stages", [cp](benchmark::State& s) { bm_mj(s, cp->lfl.get(), true, false); });
    reg("sinew_d", [cp](benchmark::State& s) { bm_sinew(s, cp->sd.get(), false); });
    reg("sinew_f", [cp](benchmark::State& s) { bm_sinew(s, cp->sf.get(), false); });
    reg("sinew_d_mm", [cp](benchmark::State& s) { bm_sinew(s, cp->sd_mm.get(), false); });
    reg("sinew_f_mm", [cp](benchmark::State& s) { bm_sinew(s, cp->sf_mm.get(), false); });
    reg("sinew_stages_d", [cp](benchmark::State& s) { bm_sinew(s, cp->sd.get(), true); });
    reg("sinew_stages_f", [cp](benchmark::State& s) { bm_sinew(s, cp->sf.get(), true); });
    for (int k = 0; k < kNumStages; ++k) {
      const std::string base = std::string("stage_") + kStages[k];
      reg(base + "/mj", [cp, k](benchmark::State& s) { bm_mj_stage(s, cp, k); });
      reg(base + "/sinew_d", [cp, k](benchmark::State& s) { bm_sinew_stage(s, cp, k); });
    }
    names.push_back(me.name);
    g_cases.push_back(std::move(c));
  }
  std::fflush(stdout);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.table(names);
  benchmark::Shutdown();
  g_cases.clear();
  return 0;
}
