// sinew-bench: steps W worlds of an MJCF model N times on one backend and precision and prints
// world-steps per second, memory used and a per-stage breakdown.
//
//   sinew-bench MODEL.xml [--nworld W] [--steps N] [--backend serial|omp|cuda] [--precision double|float]
//       [--threads T] [--option key=value ...] [--warmup K] [--layout outer|inner] [--keyframe K]
//       [--seed S] [--nconmax C] [--njmax J] [--no-stages] [--no-autoreset] [--json]
//
// Worlds start from qpos0 (or keyframe K, a name or an index) with a small seeded perturbation and
// constant random controls; see bench_driver.hpp for what is timed. --option takes MJCF <option>
// names as sinew-rollout does (e.g. --option timestep=0.002 --option flag.eulerdamp=disable).
// Layouts: outer (worlds outermost) and inner (worlds innermost) on the host; the CUDA backend
// runs world-innermost only. --nconmax and --njmax set the per-world contact and constraint-row
// capacities (default: the model's worst case; MuscleMimic trains with 96 and 768). --json prints one JSON object instead of the text report. Exit
// status: 0 on success, 1 on bad input or an unsupported backend.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "bench_driver.hpp"
#include "cli.hpp"
#include "sinew/compiler/compiler.hpp"

namespace sinew::bench {
#if defined(SINEW_WITH_CUDA)
// Defined in bench_cuda.cu.
Result run_cuda(const Model<double>& m, const Request& rq, bool use_float);
#endif
}  // namespace sinew::bench

namespace {

using sinew::bench::Request;
using sinew::bench::Result;

constexpr const char* kUsage =
    "usage: sinew-bench MODEL.xml [--nworld W] [--steps N] [--backend serial|omp|cuda] [--precision double|float]\n"
    "         [--threads T] [--option key=value ...] [--warmup K] [--layout outer|inner] [--keyframe K]\n"
    "         [--seed S] [--nconmax C] [--njmax J] [--no-stages] [--no-autoreset] [--json]\n";

template <class T, class L>
Result run_host(const std::string& backend, int threads, const sinew::Model<double>& md, const Request& rq) {
  using namespace sinew;
  const Model<T> m = md.template cast<T>();
  Result r = backend == "omp" ? bench::run<bench::HostTimer, exec::OpenMP, T, L>(exec::OpenMP{threads}, m.view(), m, rq)
                              : bench::run<bench::HostTimer, exec::Serial, T, L>(exec::serial, m.view(), m, rq);
  const int nthreads = backend == "omp" ? (threads > 0 ? threads : omp_get_max_threads()) : 1;
  r.device = "CPU, " + std::to_string(nthreads) + " thread" + (nthreads > 1 ? "s" : "");
  return r;
}

const char* integrator_name(int i) {
  switch (i) {
    case sinew::INT_EULER: return "Euler";
    case sinew::INT_RK4: return "RK4";
    case sinew::INT_IMPLICIT: return "implicit";
    case sinew::INT_IMPLICITFAST: return "implicitfast";
    default: return "?";
  }
}

double mb(size_t bytes) { return double(bytes) / (1024.0 * 1024.0); }

/// What the command line asked for, as the reports print it.
struct RunInfo {
  std::string model_path, backend, precision, layout;
  std::vector<std::pair<std::string, std::string>> options;
};

/// The run's figures as one JSON object on stdout.
void print_json(const sinew::Model<double>& m, const RunInfo& run, const Request& rq, const Result& r) {
  using namespace sinew;
  const double wsteps = double(rq.nworld) * rq.nstep;
  const double sps = wsteps / r.seconds, step_ms = 1e3 * r.seconds / rq.nstep, us_ws = 1e6 * r.seconds / wsteps;
  const std::string &model_path = run.model_path, &backend = run.backend, &precision = run.precision,
                    &layout = run.layout;
  const auto& options = run.options;
  std::printf(
      "{\"engine\": \"sinew\", \"model\": %s, \"model_name\": %s, \"nq\": %d, \"nv\": %d, \"nu\": %d, "
      "\"na\": %d, \"nbody\": %d, \"ngeom\": %d, \"ntendon\": %d, \"nconmax\": %d, \"njmax\": %d, "
      "\"timestep\": %g, \"integrator\": \"%s\", \"backend\": \"%s\", \"precision\": \"%s\", "
      "\"layout\": \"%s\", \"device\": %s, \"nworld\": %d, \"steps\": %d, \"warmup\": %d, \"seed\": %llu, "
      "\"autoreset\": %s, \"options\": [",
      sinew::cli::json_string(model_path).c_str(), sinew::cli::json_string(m.name).c_str(), m.nq, m.nv, m.nu, m.na,
      m.nbody, m.ngeom, m.ntendon, m.nconmax, m.njmax, m.opt.timestep, integrator_name(m.opt.integrator),
      backend.c_str(), precision.c_str(), layout.c_str(), sinew::cli::json_string(r.device).c_str(), rq.nworld,
      rq.nstep, rq.warmup, static_cast<unsigned long long>(rq.seed), rq.autoreset ? "true" : "false");
  for (size_t i = 0; i < options.size(); ++i)
    std::printf("%s%s", i ? ", " : "", sinew::cli::json_string(options[i].first + "=" + options[i].second).c_str());
  std::printf(
      "], \"seconds\": %.9g, \"steps_per_second\": %.9g, \"ms_per_step\": %.9g, \"us_per_world_step\": %.9g, "
      "\"model_bytes\": %zu, \"data_bytes\": %zu, \"extra_bytes\": %zu, \"device_bytes\": %lld, "
      "\"resets\": %lld, \"nonfinite_end\": %d, \"overflow\": %lld, \"overflow_worlds\": %d, \"stages\": [",
      r.seconds, sps, step_ms, us_ws, r.model_bytes, r.data_bytes, r.extra_bytes, r.device_bytes, r.resets,
      r.nonfinite_end, r.overflow, r.overflow_worlds);
  for (size_t i = 0; i < r.stages.size(); ++i)
    std::printf("%s{\"name\": \"%s\", \"ms_per_step\": %.9g}", i ? ", " : "", r.stages[i].name.c_str(),
                1e3 * r.stages[i].seconds / rq.nstep);
  std::printf("]}\n");
}

/// The run's figures for a person.
void print_text(const sinew::Model<double>& m, const RunInfo& run, const Request& rq, const Result& r) {
  using namespace sinew;
  const double wsteps = double(rq.nworld) * rq.nstep;
  const double sps = wsteps / r.seconds, step_ms = 1e3 * r.seconds / rq.nstep, us_ws = 1e6 * r.seconds / wsteps;
  const std::string &model_path = run.model_path, &backend = run.backend, &precision = run.precision,
                    &layout = run.layout;
  const auto& options = run.options;
  double sum = 0;
  for (const auto& st : r.stages) sum += st.seconds;
  std::printf("sinew-bench: %s%s%s\n", model_path.c_str(), m.name.empty() ? "" : ", model ", m.name.c_str());
  std::printf("  sizes     nq %d, nv %d, nu %d, na %d, nbody %d, ngeom %d, ntendon %d, nconmax %d, njmax %d\n", m.nq,
              m.nv, m.nu, m.na, m.nbody, m.ngeom, m.ntendon, m.nconmax, m.njmax);
  std::printf("  options   timestep %g, integrator %s, iterations %d, ls_iterations %d", m.opt.timestep,
              integrator_name(m.opt.integrator), m.opt.iterations, m.opt.ls_iterations);
  for (const auto& [k, v] : options) std::printf(", %s=%s", k.c_str(), v.c_str());
  std::printf(
      "\n  run       %s, %s, layout %s, %d worlds x %d steps (after %d warm-up steps), seed %llu, autoreset %s\n",
      backend.c_str(), precision.c_str(), layout.c_str(), rq.nworld, rq.nstep, rq.warmup,
      static_cast<unsigned long long>(rq.seed), rq.autoreset ? "on" : "off");
  std::printf("  device    %s\n", r.device.c_str());
  std::printf("  memory    Model %.2f MiB, Data %.2f MiB (%.1f KiB per world), benchmark buffers %.2f MiB",
              mb(r.model_bytes), mb(r.data_bytes), double(r.data_bytes) / 1024.0 / rq.nworld, mb(r.extra_bytes));
  if (r.device_bytes >= 0) std::printf(", device memory in use %.1f MiB", mb(size_t(r.device_bytes)));
  std::printf("\n  speed     %.6g world-steps/s: %.4g ms per batched step, %.4g us per world-step\n", sps, step_ms,
              us_ws);
  if (!r.stages.empty()) {
    std::printf("  stages    (each a separate batched call, ms per step, share of their sum)\n");
    for (const auto& st : r.stages)
      std::printf("    %-18s %10.4f ms %6.1f %%\n", st.name.c_str(), 1e3 * st.seconds / rq.nstep,
                  sum > 0 ? 100.0 * st.seconds / sum : 0.0);
    std::printf("    %-18s %10.4f ms  (whole step: %.4f ms)\n", "sum", 1e3 * sum / rq.nstep, step_ms);
  }
  if (r.resets > 0)
    std::printf("  warning   %lld world-steps ended non-finite (%.2f%% of all)%s\n", r.resets,
                100.0 * double(r.resets) / (wsteps * (rq.stages ? 2 : 1) + double(rq.warmup) * rq.nworld),
                rq.autoreset ? " and were reset to their start state" : "");
  if (r.nonfinite_end > 0)
    std::printf(
        "  warning   %d worlds are flagged non-finite at the end (skipped by later steps: the timing "
        "flatters the model)\n",
        r.nonfinite_end);
  if (r.overflow > 0)
    std::printf(
        "  warning   contacts or constraint rows did not fit in %lld forward passes of %d worlds, warm-up "
        "included (dropped and counted; capacity nconmax %d, njmax %d: raise them with --nconmax / --njmax)\n",
        r.overflow, r.overflow_worlds, m.nconmax, m.njmax);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sinew;
  std::string model_path, backend = "serial", precision = "double", layout = "", keyframe;
  int threads = 0, nconmax = -1, njmax = -1;
  bool json = false;
  Request rq;
  rq.nworld = 1024;
  rq.nstep = 100;
  rq.warmup = 10;
  std::vector<std::pair<std::string, std::string>> options;

  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw cli::UsageError(a + " needs a value");
        return argv[++i];
      };
      if (a == "--nworld") rq.nworld = cli::parse_int(a, next(), 1);
      else if (a == "--steps") rq.nstep = cli::parse_int(a, next(), 1);
      else if (a == "--warmup") rq.warmup = cli::parse_int(a, next());
      else if (a == "--threads") threads = cli::parse_int(a, next(), 1, 4096);
      else if (a == "--seed") rq.seed = uint64_t(cli::parse_int(a, next()));
      else if (a == "--nconmax") nconmax = cli::parse_int(a, next());
      else if (a == "--njmax") njmax = cli::parse_int(a, next());
      else if (a == "--backend") backend = next();
      else if (a == "--precision") precision = next();
      else if (a == "--layout") layout = next();
      else if (a == "--keyframe") keyframe = next();
      else if (a == "--option") options.push_back(cli::parse_option(next()));
      else if (a == "--no-stages") rq.stages = false;
      else if (a == "--no-autoreset") rq.autoreset = false;
      else if (a == "--json") json = true;
      else if (a == "-h" || a == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (!a.empty() && a[0] == '-') throw cli::UsageError("unknown argument '" + a + "'");
      else if (model_path.empty()) model_path = a;
      else throw cli::UsageError("unexpected argument '" + a + "'");
    }
    if (model_path.empty()) throw cli::UsageError("no model given");
    if (backend != "serial" && backend != "omp" && backend != "cuda")
      throw cli::UsageError("unknown backend '" + backend + "' (serial, omp or cuda)");
    if (precision != "double" && precision != "float")
      throw cli::UsageError("unknown precision '" + precision + "' (double or float)");
    if (layout.empty()) layout = backend == "cuda" ? "inner" : "outer";
    if (layout != "outer" && layout != "inner")
      throw cli::UsageError("unknown layout '" + layout + "' (outer or inner)");
    if (backend == "cuda" && layout != "inner")
      throw cli::UsageError("--backend cuda runs world-innermost only (--layout inner)");
    if (threads > 0 && backend != "omp") throw cli::UsageError("--threads applies to --backend omp only");
  } catch (const cli::UsageError& e) {
    std::cerr << "sinew-bench: " << e.what() << "\n" << kUsage;
    return 1;
  }
#if !defined(SINEW_WITH_CUDA)
  if (backend == "cuda") {
    std::cerr << "sinew-bench: --backend cuda: this binary was built without CUDA (configure with nvcc on PATH, "
                 "or -DSINEW_ENABLE_CUDA=ON, and rebuild)\n";
    return 1;
  }
#endif

  try {
    Model<double> m = load_mjcf(model_path);
    cli::apply_options(m, options);
    if (nconmax >= 0) {  // contacts past the capacity are dropped and counted per world
      m.nconmax = nconmax;
      compile_constraint_sizes(m);  // the rows follow, unless --njmax sets them
    }
    if (njmax >= 0) {
      m.njmax = njmax;
      compile_solver_sizes(m);
    }
    const std::string why = step_unsupported(m.opt);
    if (!why.empty()) throw std::invalid_argument(why);
    if (!keyframe.empty()) {
      rq.key = Model<double>::find(m.key_names, keyframe);
      if (rq.key < 0 && keyframe.find_first_not_of("0123456789") == std::string::npos) rq.key = std::stoi(keyframe);
      if (rq.key < 0 || rq.key >= m.nkey)
        throw std::invalid_argument("model has no keyframe '" + keyframe + "' (" + std::to_string(m.nkey) +
                                    " keyframes)");
    }
    cli::random_controls(m, rq.seed)(rq.ctrl, size_t(rq.nworld));

    const bool fl = precision == "float", inner = layout == "inner";
    Result r;
    if (backend == "cuda") {
#if defined(SINEW_WITH_CUDA)
      r = bench::run_cuda(m, rq, fl);
#endif
    } else if (fl) {
      r = inner ? run_host<float, WorldInner>(backend, threads, m, rq)
                : run_host<float, WorldOuter>(backend, threads, m, rq);
    } else {
      r = inner ? run_host<double, WorldInner>(backend, threads, m, rq)
                : run_host<double, WorldOuter>(backend, threads, m, rq);
    }

    const RunInfo run{model_path, backend, precision, layout, options};
    if (json) print_json(m, run, rq, r);
    else print_text(m, run, rq, r);
    return 0;
  } catch (const ModelError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "sinew-bench: error: " << e.what() << "\n";
    return 1;
  }
}
