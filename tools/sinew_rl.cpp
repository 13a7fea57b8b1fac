// sinew-train and sinew-eval: one program (compiled once), two names; what it does follows the
// name it is called by (or `sinew-train eval ...`). docs/training.md describes both.
//
//   sinew-train --model M.xml --motion F.npz [--motion G.npz ...] --out DIR [--preset arm|bimanual|fullbody]
//               [--steps N] [--nworld W] [--seed S] [--backend omp|cuda] [--precision float|double]
//               [--threads K] [--resume CKPT] [--init CKPT] [--set name=value ...] [--quiet]
//   sinew-eval  --checkpoint CKPT --model M.xml --motion F.npz --out DIR [--set name=value ...]
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

#include "cli.hpp"
#include "sinew/io/npz.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/rl/evaluate.hpp"
#include "rl_train_loop.hpp"
#include "sinew/rl/setup.hpp"

namespace fs = std::filesystem;
using namespace sinew;
using rlcli::Args;

#if defined(SINEW_WITH_CUDA)
namespace sinew::rlcli {
int train_cuda(const Args& a, const rl::TrainConfig& cfg, const Model<double>& model,
               const Trajectory& ref);  // sinew_rl_cuda.cu
}
#endif

namespace {

const char* train_usage =
    "usage: sinew-train --model M.xml --motion F.npz [--motion G.npz ...] --out DIR [--preset arm|bimanual|fullbody]\n"
    "                   [--steps N] [--nworld W] [--seed S] [--backend omp|cuda] [--precision float|double]\n"
    "                   [--threads K] [--resume CKPT] [--init CKPT] [--set name=value ...] [--quiet]\n"
    "       sinew-train --help        lists every hyper-parameter with its preset value\n";
const char* eval_usage =
    "usage: sinew-eval --checkpoint CKPT --model M.xml --motion F.npz [--motion G.npz ...] --out DIR [--set name=value "
    "...]\n";

Args parse(int argc, char** argv, bool eval) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value");
      return argv[++i];
    };
    if (k == "--model") a.model = val();
    else if (k == "--motion") a.motions.push_back(val());
    else if (k == "--out") a.out = val();
    else if (k == "--preset" && !eval) a.preset = val();
    else if (k == "--resume" && !eval) a.resume = val();
    else if (k == "--init" && !eval) a.init = val();
    else if (k == "--checkpoint" && eval) a.checkpoint = val();
    else if (k == "--set") a.sets.push_back(val());
    else if (k == "--quiet") a.quiet = true;
    else if (!eval && (k == "--steps" || k == "--nworld" || k == "--seed" || k == "--backend" || k == "--precision" ||
                       k == "--threads")) {
      static const std::pair<const char*, const char*> names[] = {
          {"--steps", "total_steps"}, {"--nworld", "nworld"},       {"--seed", "seed"},
          {"--backend", "backend"},   {"--precision", "precision"}, {"--threads", "threads"}};
      for (auto [f, n] : names)
        if (k == f) a.direct.push_back({n, val()});
    } else throw std::invalid_argument("unknown argument '" + k + "'");
  }
  return a;
}

std::string json_num(double v) {
  if (!std::isfinite(v)) return "null";
  char b[64];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

/// Evaluation runs on the CPU whatever backend trained the checkpoint: one world per clip.
template <class T> int evaluate_cmd(const Args& a, rl::TrainConfig cfg, Model<double> model) {
  using E = exec::OpenMP;
  E e{cfg.threads};
  const Trajectory ref = rl::load_motions(model, a.motions, cfg);
  rl::TrainConfig tc = cfg;
  tc.nworld = 1;
  tc.nsteps = 1;
  tc.minibatches = 1;
  rl::PpoTrainer<T, E> policy(e, model, ref, tc);
  policy.load(a.checkpoint, rl::PpoTrainer<T, E>::Load::evaluate);
  const rl::EvalResult R = rl::evaluate(e, model, ref, policy);
  fs::create_directories(a.out);
  const fs::path dir(a.out);
  auto clip_json = [](const rl::ClipMetrics& m, bool overall, double early) {
    std::string o = "{";
    if (!overall)
      o += "\"clip\": " + std::to_string(m.clip) + ", \"frames\": " + std::to_string(m.frames) +
           ", \"length\": " + std::to_string(m.length) + ", ";
    o += "\"early_termination\": " + (overall ? json_num(early) : std::string(m.early_termination ? "true" : "false"));
    if (!overall) o += ", \"termination_reason\": " + std::to_string(m.reason);
    o += ", \"joint_rmse\": " + json_num(m.joint_rmse) + ", \"joint_r\": " + json_num(m.joint_r) +
         ", \"joint_r_excluded\": " + std::to_string(m.joint_r_excluded) +
         ", \"site_error\": " + json_num(m.site_error) + ", \"root_error\": " + json_num(m.root_error) +
         ", \"mean_activation\": " + json_num(m.mean_activation) + "}";
    return o;
  };
  std::ofstream js(dir / "metrics.json");
  js << "{\"checkpoint\": " << cli::json_string(a.checkpoint) << ", \"model\": " << cli::json_string(a.model)
     << ", \"clips\": [";
  for (size_t i = 0; i < R.clips.size(); ++i) js << (i ? ",\n  " : "\n  ") << clip_json(R.clips[i], false, 0);
  js << "],\n \"overall\": " << clip_json(R.overall, true, R.early_rate) << ",\n \"capacity_overflow\": " << R.overflow
     << "}\n";
  if (R.overflow > 0)
    std::fprintf(stderr,
                 "sinew-eval: warning: contacts or constraint rows did not fit in %lld forward pass(es) (dropped "
                 "and counted: the model's capacity nconmax %d, njmax %d is too small for this motion)\n",
                 R.overflow, model.nconmax, model.njmax);
  std::vector<std::pair<std::string, NpyBlob>> extra;
  const size_t nf = size_t(R.rollout.nframe());
  if (model.na) {
    extra.push_back({"act", NpyBlob::from(R.act.data(), {nf, size_t(model.na)})});
    std::vector<std::string> act_names(size_t(model.na));  // the actuator that owns each act column
    for (int u = 0; u < model.nu; ++u)
      for (int k = 0; k < model.actuator_actnum[size_t(u)]; ++k)
        act_names[size_t(model.actuator_actadr[size_t(u)] + k)] = model.actuator_names[size_t(u)];
    extra.push_back({"act_names", NpyBlob::strings(act_names)});
  }
  extra.push_back({"ctrl", NpyBlob::from(R.ctrl.data(), {nf, size_t(model.nu)})});
  Trajectory rollout = R.rollout;
  fill_kinematics(e, model, rollout);  // body and site poses: what sinew-gait and sinew-render read
  save_trajectory((dir / "rollout.npz").string(), rollout, extra);
  save_trajectory((dir / "reference.npz").string(), ref);  // what the rollout is measured against (control rate)
  std::printf(
      "clips %zu: early_termination %.3f  joint_r %.4f (%d joints left out)  joint_rmse %.4f  site_error %.4f m  "
      "root_error %s  mean_activation %.3f\n",
      R.clips.size(), R.early_rate, R.overall.joint_r, R.overall.joint_r_excluded, R.overall.joint_rmse,
      R.overall.site_error, std::isnan(R.overall.root_error) ? "n/a" : (json_num(R.overall.root_error) + " m").c_str(),
      R.overall.mean_activation);
  std::printf("metrics: %s\nrollout: %s\nreference: %s\n", (dir / "metrics.json").c_str(),
              (dir / "rollout.npz").c_str(), (dir / "reference.npz").c_str());
  return 0;
}

void print_params(rl::TrainConfig cfg) {
  std::printf("hyper-parameters (--set name=value), preset '%s':\n", cfg.preset.c_str());
  for (auto& p : cfg.params()) std::printf("  %-22s %-18s %s\n", p.name.c_str(), p.json().c_str(), p.help.c_str());
}

int run(int argc, char** argv) {
  std::string prog = fs::path(argv[0]).filename().string();
  bool eval = prog.find("eval") != std::string::npos;
  if (argc > 1 && std::string(argv[1]) == "eval") {
    eval = true;
    --argc;
    ++argv;
  }
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::printf("%s", eval ? eval_usage : train_usage);
      if (!eval) {
        std::string p = "arm";
        for (int j = 1; j + 1 < argc; ++j)
          if (!std::strcmp(argv[j], "--preset")) p = argv[j + 1];
        print_params(rl::preset(p));
      }
      return 0;
    }
  const Args a = parse(argc, argv, eval);
  if (a.model.empty() || a.out.empty() || a.motions.empty() || (eval && a.checkpoint.empty()))
    throw std::invalid_argument(eval ? "--checkpoint, --model, --motion and --out are required"
                                     : "--model, --motion and --out are required");
  if (!a.resume.empty() && !a.init.empty()) throw std::invalid_argument("--resume and --init exclude each other");
  rl::TrainConfig cfg;
  const std::string from = eval ? a.checkpoint : a.resume;
  if (!from.empty()) {
    // the run's own configuration; --model/--motion of this call, --set/--steps on top
    const auto ck = read_npz(from);
    if (!ck.count("config")) throw std::runtime_error(from + ": not a Sinew checkpoint (no 'config')");
    cfg.apply_json(ck.at("config").as_strings().at(0));
  } else {
    cfg = rl::preset(a.preset.empty() ? "arm" : a.preset);
  }
  cfg.model = a.model;
  if (!eval) cfg.motions = a.motions;
  for (const auto& [k, v] : a.direct) cfg.set(k, v);
  for (const auto& s : a.sets) cfg.set(s);
  if (eval) cfg.backend = "omp";
  const bool cuda = cfg.backend == "cuda";
  if (cuda && cfg.precision != "float")
    throw std::invalid_argument(
        "--backend cuda trains in float only (--precision float); double runs on --backend omp");
#if !defined(SINEW_WITH_CUDA)
  if (cuda)
    throw std::invalid_argument(
        "--backend cuda: this sinew-train was built without CUDA (configure with -DSINEW_ENABLE_CUDA=ON); use omp");
#endif
  Model<double> model = load_mjcf(cfg.model);
  rl::prepare_model(model, cfg);
  if (eval) return cfg.precision == "double" ? evaluate_cmd<double>(a, cfg, model) : evaluate_cmd<float>(a, cfg, model);
  const Trajectory ref = rl::load_motions(model, cfg.motions, cfg);
#if defined(SINEW_WITH_CUDA)
  if (cuda) return rlcli::train_cuda(a, cfg, model, ref);
#endif
  const exec::OpenMP e{cfg.backend == "serial" ? 1 : cfg.threads};
  return cfg.precision == "double" ? rlcli::train<double>(e, a, cfg, model, ref)
                                   : rlcli::train<float>(e, a, cfg, model, ref);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
