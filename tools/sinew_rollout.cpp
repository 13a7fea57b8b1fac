// sinew-rollout: simulate W worlds of an MJCF model for N steps and write every requested field
// per world and step as DIR/<field>.npy (shape W x (N+1) x dim), so anyone can compare Sinew with
// MuJoCo from Python.
//
//   sinew-rollout MODEL.xml --steps N [--nworld W] [--qpos0 F.npy] [--qvel0 F.npy] [--act0 F.npy]
//       [--ctrl F.npy | --random-ctrl SEED] [--keyframe NAME] [--option key=value ...] [--backend serial|omp|cuda]
//       [--precision double|float] [--nconmax C] [--fields qpos,qvel,...] --out DIR
//
// Row t of a field is the state at step t and what forward computes at that state (row 0: the
// initial state after a forward pass). qM (nv x nv), ten_J (ntendon x nv) and actuator_moment
// (nu x nv) are written dense. Contacts: ncon, nconoverflow (dim 1) and contact_* (nconmax x the
// field's width, NaN past ncon); --nconmax sets the per-world contact capacity (default:
// compile_capacities', the model's worst case unless that exceeds MuJoCo's arena size; a warning on
// stderr counts the forward passes whose contacts or rows did not fit). --random-ctrl draws every control of every world and step uniformly
// from its ctrlrange (from [-1, 1] for actuators without one) with the given seed, step by step (a
// long run needs no memory for them); add `ctrl` to --fields to record what was drawn. Exit status: 0 on success,
// 1 on bad input (with a message naming the file, line and element, or the argument), 2 when a
// world's state became non-finite or diverged past mjMAXVAL (the arrays are still written; see
// status.npy: model/enums.hpp's WorldStatus bits).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>

#include "cli.hpp"
#include "rollout_driver.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/io/npy.hpp"

namespace sinew::rollout {
#if defined(SINEW_WITH_CUDA)
// Defined in rollout_cuda.cu.
Result run_cuda(const Model<double>& m, const Request& rq, bool use_float);
#endif
}  // namespace sinew::rollout

namespace {

[[noreturn]] void usage_error(const std::string& msg) {
  std::cerr
      << "sinew-rollout: " << msg << "\n"
      << "usage: sinew-rollout MODEL.xml --steps N [--nworld W] [--qpos0 F.npy] [--qvel0 F.npy]\n"
         "         [--act0 F.npy] [--ctrl F.npy | --random-ctrl SEED] [--keyframe NAME] [--option key=value ...]\n"
         "         [--backend serial|omp|cuda] [--precision double|float] [--nconmax C] [--fields a,b,...]\n"
         "         --out DIR\n";
  std::exit(1);
}

int parse_int(const std::string& flag, const std::string& v) {
  try {
    return sinew::cli::parse_int(flag, v);
  } catch (const sinew::cli::UsageError& e) { usage_error(e.what()); }
}

/// Reads a per-world array of `dim` values: shape (dim,) broadcast, or (nworld, dim).
std::vector<double> read_per_world(const std::string& flag, const std::string& path, int nworld, int dim) {
  sinew::NpyArray a = sinew::read_npy(path);
  if (a.shape.size() == 1 && a.shape[0] == size_t(dim)) {
    std::vector<double> out;
    for (int w = 0; w < nworld; ++w) out.insert(out.end(), a.values.begin(), a.values.end());
    return out;
  }
  if (a.shape.size() == 2 && a.shape[0] == size_t(nworld) && a.shape[1] == size_t(dim)) return a.values;
  usage_error(flag + " " + path + ": expected shape (" + std::to_string(dim) + ",) or (" + std::to_string(nworld) +
              ", " + std::to_string(dim) + ")");
}

/// Controls: (nu,) constant, (N, nu) one sequence for all worlds, or (W, N, nu).
std::vector<double> read_ctrl(const std::string& path, int nworld, int nstep, int nu) {
  sinew::NpyArray a = sinew::read_npy(path);
  const int n = nstep > 0 ? nstep : 1;
  std::vector<double> out;
  if (a.shape.size() == 1 && a.shape[0] == size_t(nu)) {
    for (int k = 0; k < nworld * n; ++k) out.insert(out.end(), a.values.begin(), a.values.end());
  } else if (a.shape.size() == 2 && a.shape[0] == size_t(n) && a.shape[1] == size_t(nu)) {
    for (int w = 0; w < nworld; ++w) out.insert(out.end(), a.values.begin(), a.values.end());
  } else if (a.shape.size() == 3 && a.shape[0] == size_t(nworld) && a.shape[1] == size_t(n) &&
             a.shape[2] == size_t(nu)) {
    out = a.values;
  } else {
    usage_error("--ctrl " + path + ": expected shape (nu,), (N, nu) or (W, N, nu) with nu=" + std::to_string(nu) +
                ", N=" + std::to_string(n) + ", W=" + std::to_string(nworld));
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> r;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) r.push_back(item);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sinew;
  std::string model_path, out_dir, backend = "serial", precision = "double", keyframe;
  std::string qpos0_path, qvel0_path, act0_path, ctrl_path;
  int nstep = -1, nworld = 1, nconmax = -1;
  long random_ctrl = -1;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> fields = {"qpos", "qvel"};

  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--steps") nstep = parse_int(a, next());
    else if (a == "--nworld") nworld = parse_int(a, next());
    else if (a == "--nconmax") nconmax = parse_int(a, next());
    else if (a == "--qpos0") qpos0_path = next();
    else if (a == "--qvel0") qvel0_path = next();
    else if (a == "--act0") act0_path = next();
    else if (a == "--ctrl") ctrl_path = next();
    else if (a == "--random-ctrl") random_ctrl = parse_int(a, next());
    else if (a == "--keyframe") keyframe = next();
    else if (a == "--backend") backend = next();
    else if (a == "--precision") precision = next();
    else if (a == "--fields") fields = split(next(), ',');
    else if (a == "--out") out_dir = next();
    else if (a == "--option") {
      try {
        options.push_back(cli::parse_option(next()));
      } catch (const cli::UsageError& e) { usage_error(e.what()); }
    } else if (a == "-h" || a == "--help") {
      usage_error("help");
    } else if (!a.empty() && a[0] == '-') {
      usage_error("unknown argument '" + a + "'");
    } else if (model_path.empty()) {
      model_path = a;
    } else {
      usage_error("unexpected argument '" + a + "'");
    }
  }
  if (model_path.empty()) usage_error("no model given");
  if (nstep < 0) usage_error("--steps is required");
  if (out_dir.empty()) usage_error("--out is required");
  if (nworld < 1) usage_error("--nworld must be at least 1");
  if (backend != "serial" && backend != "omp" && backend != "cuda") usage_error("unknown backend '" + backend + "'");
  if (precision != "double" && precision != "float") usage_error("unknown precision '" + precision + "'");

  try {
    Model<double> m = load_mjcf(model_path);
    cli::apply_options(m, options);
    if (nconmax >= 0) {  // contact capacity per world (default: compile_capacities'), the rows following it
      m.nconmax = nconmax;
      compile_constraint_sizes(m);
    }
    const std::string why = step_unsupported(m.opt);
    if (!why.empty() && nstep > 0) throw std::invalid_argument(why);

    rollout::Request rq;
    rq.nworld = nworld;
    rq.nstep = nstep;
    for (const auto& f : fields) {
      if (rollout::field_dim(m, f) < 0) {
        std::string all;
        for (const auto& n : rollout::field_names()) all += " " + n;
        usage_error("unknown field '" + f + "'; known fields:" + all);
      }
      rq.fields.push_back(f);
    }
    if (!keyframe.empty()) {
      rq.key = Model<double>::find(m.key_names, keyframe);
      if (rq.key < 0) usage_error("model has no keyframe named '" + keyframe + "'");
    }
    if (!qpos0_path.empty()) rq.qpos0 = read_per_world("--qpos0", qpos0_path, nworld, m.nq);
    if (!qvel0_path.empty()) rq.qvel0 = read_per_world("--qvel0", qvel0_path, nworld, m.nv);
    if (!act0_path.empty()) rq.act0 = read_per_world("--act0", act0_path, nworld, m.na);
    if (!ctrl_path.empty() && random_ctrl >= 0) usage_error("--ctrl and --random-ctrl exclude each other");
    if (random_ctrl >= 0) rq.ctrl_source = cli::random_controls(m, static_cast<uint64_t>(random_ctrl));
    if (!ctrl_path.empty()) {
      rq.ctrl = read_ctrl(ctrl_path, nworld, nstep, m.nu);
      for (double c : rq.ctrl)
        if (!std::isfinite(c)) {
          std::cerr << "sinew-rollout: warning: --ctrl holds non-finite values\n";
          break;
        }
    }

    rollout::Result res;
    const bool fl = precision == "float";
    if (backend == "cuda") {
#if defined(SINEW_WITH_CUDA)
      res = rollout::run_cuda(m, rq, fl);
#else
      usage_error("this build has no CUDA backend (configure with nvcc available)");
#endif
    } else if (fl) {
      Model<float> mf = m.cast<float>();
      res = backend == "omp" ? rollout::run<exec::OpenMP, float, WorldOuter>(exec::omp, mf.view(), mf, rq)
                             : rollout::run<exec::Serial, float, WorldOuter>(exec::serial, mf.view(), mf, rq);
    } else {
      res = backend == "omp" ? rollout::run<exec::OpenMP, double, WorldOuter>(exec::omp, m.view(), m, rq)
                             : rollout::run<exec::Serial, double, WorldOuter>(exec::serial, m.view(), m, rq);
    }

    std::filesystem::create_directories(out_dir);
    for (const auto& f : rq.fields) {
      const std::vector<size_t> shape = {size_t(nworld), size_t(nstep + 1), size_t(res.dims[f])};
      const std::string path = (std::filesystem::path(out_dir) / (f + ".npy")).string();
      if (fl) {
        std::vector<float> v(res.values[f].begin(), res.values[f].end());
        write_npy(path, v.data(), shape);
      } else {
        write_npy(path, res.values[f].data(), shape);
      }
    }
    int bad = 0;
    for (int st : res.status) bad += st != STATUS_OK;
    std::printf(
        "sinew-rollout: %s: %d world(s) x %d step(s), backend %s, %s; %.3f s simulated in %.3f s wall "
        "(%.0f steps/s); %d world(s) flagged non-finite or diverged (status.npy)\n",
        model_path.c_str(), nworld, nstep, backend.c_str(), precision.c_str(), nstep * m.opt.timestep, res.seconds,
        res.seconds > 0 ? double(nworld) * nstep / res.seconds : 0.0, bad);
    const OverflowTally over = overflow_tally(res.noverflow);
    if (over.passes > 0)
      std::fprintf(
          stderr,
          "sinew-rollout: warning: contacts or constraint rows did not fit in %lld forward pass(es) of %d "
          "world(s) (dropped and counted in nconoverflow / nefcoverflow; capacity nconmax %d, njmax %d: raise it "
          "with --nconmax)\n",
          over.passes, over.worlds, m.nconmax, m.njmax);
    return bad ? 2 : 0;
  } catch (const ModelError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "sinew-rollout: error: " << e.what() << "\n";
    return 1;
  }
}
