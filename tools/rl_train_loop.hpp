// The training loop of sinew-train, shared by its CPU (sinew_rl.cpp) and CUDA (sinew_rl_cuda.cu)
// translation units: the trainer on the given backend, the progress bar, log.csv, checkpoints.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "sinew/rl/trainer.hpp"

namespace sinew::rlcli {

namespace fs = std::filesystem;

struct Args {
  std::string model, out, resume, init, checkpoint, preset;
  std::vector<std::string> motions, sets;
  bool quiet = false;
  std::vector<std::pair<std::string, std::string>> direct;  // --steps etc. as parameters
};

inline std::string fmt_time(double s) {
  char b[32];
  if (!std::isfinite(s) || s < 0) return "?";
  if (s >= 3600) std::snprintf(b, sizeof b, "%dh%02dm", int(s / 3600), int(s / 60) % 60);
  else std::snprintf(b, sizeof b, "%dm%02ds", int(s / 60), int(s) % 60);
  return b;
}

/// Trains on backend `e` (the model and its motions at the control rate, kinematics filled),
/// writing DIR/config.json, DIR/log.csv, DIR/checkpoint.npz every K updates and DIR/final.npz.
template <class T, class E>
int train(E e, const Args& a, const rl::TrainConfig& cfg, const Model<double>& model, const Trajectory& ref) {
  rl::PpoTrainer<T, E> tr(e, model, ref, cfg);
  if (!a.resume.empty()) tr.load(a.resume, rl::PpoTrainer<T, E>::Load::resume);
  if (!a.init.empty()) tr.load(a.init, rl::PpoTrainer<T, E>::Load::init);
  fs::create_directories(a.out);
  const fs::path dir(a.out);
  std::ofstream cfgf(dir / "config.json");
  cfgf << tr.config().to_json() << "\n";
  const auto cols = rl::log_columns(rl::default_term_names());
  const bool append = !a.resume.empty() && fs::exists(dir / "log.csv");
  std::ofstream log(dir / "log.csv", append ? std::ios::app : std::ios::trunc);
  if (!log) throw std::runtime_error((dir / "log.csv").string() + ": cannot open for writing");
  if (!append) {
    for (size_t i = 0; i < cols.size(); ++i) log << (i ? "," : "") << cols[i];
    log << "\n";
  }
  const bool tty = isatty(2);
  std::fprintf(stderr,
               "sinew-train: %s, %d motion clip(s), %d worlds x %d steps per update, observation %d, actions %d, %s, "
               "%lld updates\n",
               cfg.model.c_str(), ref.nclip(), cfg.nworld, cfg.nsteps, tr.nobs(), tr.nu(), cfg.precision.c_str(),
               tr.total_updates());
  while (tr.env_steps() < cfg.total_steps) {
    const rl::UpdateLog l = tr.update();
    const auto v = rl::log_values(l);
    char buf[64];
    for (size_t i = 0; i < v.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%.9g", v[i]);
      log << (i ? "," : "") << buf;
    }
    log << "\n";
    log.flush();
    if (tr.updates() % cfg.checkpoint_every == 0) tr.save((dir / "checkpoint.npz").string());
    if (!a.quiet && (tty || tr.updates() % 10 == 0 || tr.env_steps() >= cfg.total_steps)) {
      const double frac = double(tr.env_steps()) / double(cfg.total_steps);
      const double eta = double(cfg.total_steps - tr.env_steps()) / std::max(1.0, l.steps_per_s);
      const int bar = 24, fill = int(std::min(1.0, frac) * bar);
      std::string b(size_t(fill), '#');
      b.append(size_t(bar - fill), '.');
      std::fprintf(stderr, "%s[%s] %5.1f%%  %lld steps  %.0f steps/s  reward %.3f  episode %.0f  std %.3f  ETA %s%s",
                   tty ? "\r" : "", b.c_str(), 100 * std::min(1.0, frac), tr.env_steps(), l.steps_per_s, l.reward,
                   l.episode_length, l.std, fmt_time(eta).c_str(), tty ? "   " : "\n");
      std::fflush(stderr);
    }
  }
  if (!a.quiet && tty) std::fprintf(stderr, "\n");
  const OverflowTally over = overflow_tally(tr.env().data().noverflow());
  if (over.passes > 0)
    std::fprintf(stderr,
                 "sinew-train: warning: contacts or constraint rows did not fit in %lld forward pass(es) of %d "
                 "world(s) (dropped and counted: the model's capacity nconmax %d, njmax %d)\n",
                 over.passes, over.worlds, model.nconmax, model.njmax);
  tr.save((dir / "checkpoint.npz").string());
  tr.save((dir / "final.npz").string());
  std::printf("log: %s\ncheckpoint: %s\nfinal: %s\n", (dir / "log.csv").c_str(), (dir / "checkpoint.npz").c_str(),
              (dir / "final.npz").c_str());
  return 0;
}

}  // namespace sinew::rlcli
