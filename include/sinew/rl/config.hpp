// The trainer's configuration: every hyper-parameter with a name, a default (MuscleMimic's where
// it has one), a setter from text (`--set name=value`) and a JSON form (stored in checkpoints).
//
//   sinew::rl::TrainConfig cfg = sinew::rl::preset("arm");
//   cfg.set("lr", "3e-4");                 // unknown names and malformed values throw, naming them
//   std::string json = cfg.to_json();
//   cfg.apply_json(json);
#pragma once
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinew::rl {

struct TrainConfig {
  // run
  std::string preset = "arm";
  std::string model;
  std::vector<std::string> motions;
  std::string backend = "omp", precision = "float";
  long long total_steps = 2000000;  ///< environment steps (control steps summed over worlds)
  int nworld = 256;
  long long seed = 0;
  int threads = 0;            ///< OpenMP threads (0: default)
  int checkpoint_every = 50;  ///< updates between DIR/checkpoint.npz writes
  // environment
  int substeps = 5, horizon = 1000;
  std::string mimic_sites;  ///< comma-separated; the first is the main site ("" = preset's)
  int nfuture = 4, future_stride = 20;
  bool obs_touch = true, obs_future_root = true, obs_rel_sites = true;
  double term_site_deviation = 1.0, term_root_position = 1.0, term_root_orientation = 1.0;
  double eval_site_deviation = 0.3, eval_root_position = 0.5, eval_root_orientation = 1.0;
  // reward (MuscleMimic's full-body weights)
  double w_qpos = 0.1, w_qvel = 0.1, w_root_pos = 0.1, w_root_vel = 0.1, w_site_pos = 0.6, w_site_rot = 0.01,
         w_site_angvel = 0.1, w_site_linvel = 0.1;
  double penalty_scale = 0.01, action_rate_scale = 0, activation_scale = 0;
  // PPO
  int nsteps = 20, epochs = 1, minibatches = 128;
  double gamma = 0.99, gae_lambda = 0.95, clip = 0.2, value_clip = 0.2, value_coef = 0.5, entropy_coef = 0;
  double lr = 4e-4, lr_final_fraction = 0.1, max_grad_norm = 1.0;
  std::string lr_schedule = "linear";  ///< linear (to lr * lr_final_fraction) or constant
  std::string optimizer = "muon";      ///< muon (matrices; Adam for the rest) or adam
  double adam_b1 = 0.9, adam_b2 = 0.999, adam_eps = 1e-8;
  double muon_momentum = 0.95;
  bool muon_nesterov = true;
  int muon_ns_steps = 5;
  double weight_decay = 0;
  // networks and normalization
  std::string actor_hidden = "1024x16", critic_hidden = "1024x16";  ///< "256,256" or "1024x16"
  bool layernorm = true;
  double init_std = 3.0;
  bool obs_norm = true, reward_norm = true;
  double obs_clip = 10.0;

  struct Param {
    std::string name, help;
    std::function<void(const std::string&)> set;
    std::function<std::string()> json;
  };

  /// Every settable parameter.
  std::vector<Param> params() {
    std::vector<Param> p;
    auto num = [](double v) {
      char b[64];
      std::snprintf(b, sizeof b, "%.17g", v);
      return std::string(b);
    };
    auto quote = [](const std::string& s) {
      std::string o = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        o += c;
      }
      return o + "\"";
    };
    auto D = [&](const char* n, double& v, const char* h) {
      p.push_back({n, h, [&v, n](const std::string& s) { v = parse_double(n, s); }, [&v, num] { return num(v); }});
    };
    auto I = [&](const char* n, int& v, const char* h, long lo = 0) {
      p.push_back({n, h, [&v, n, lo](const std::string& s) { v = int(parse_int(n, s, lo, 2147483647L)); },
                   [&v] { return std::to_string(v); }});
    };
    auto L = [&](const char* n, long long& v, const char* h) {
      p.push_back({n, h, [&v, n](const std::string& s) { v = parse_int(n, s, 0, (1LL << 62)); },
                   [&v] { return std::to_string(v); }});
    };
    auto B = [&](const char* n, bool& v, const char* h) {
      p.push_back({n, h, [&v, n](const std::string& s) { v = parse_bool(n, s); },
                   [&v] { return std::string(v ? "true" : "false"); }});
    };
    auto S = [&](const char* n, std::string& v, const char* h, std::vector<std::string> allowed = {}) {
      p.push_back({n, h,
                   [&v, n, allowed](const std::string& s) {
                     if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
                       std::string a;
                       for (const auto& x : allowed) a += (a.empty() ? "" : ", ") + x;
                       throw std::invalid_argument("parameter '" + std::string(n) + "': '" + s + "' is not one of " +
                                                   a);
                     }
                     v = s;
                   },
                   [&v, quote] { return quote(v); }});
    };
    S("preset", preset, "the preset the run started from (arm, bimanual, fullbody)");
    S("model", model, "MJCF model file");
    p.push_back({"motions", "reference motion files (.npz), comma-separated",
                 [this](const std::string& s) { motions = split(s); },
                 [this, quote] {
                   std::string o = "[";
                   for (size_t i = 0; i < motions.size(); ++i) o += (i ? ", " : "") + quote(motions[i]);
                   return o + "]";
                 }});
    S("backend", backend, "omp or cuda", {"omp", "serial", "cuda"});
    S("precision", precision, "float or double", {"float", "double"});
    L("total_steps", total_steps, "environment steps to train for (summed over worlds)");
    I("nworld", nworld, "parallel environments", 1);
    L("seed", seed, "seed of every random draw (initialization, sampling, resets, shuffles)");
    I("threads", threads, "OpenMP threads (0: OpenMP's default)");
    I("checkpoint_every", checkpoint_every, "updates between checkpoint writes", 1);
    I("substeps", substeps, "physics steps per control step", 1);
    I("horizon", horizon, "control steps before an episode is truncated", 1);
    S("mimic_sites", mimic_sites, "comma-separated mimic sites, the main site first");
    I("nfuture", nfuture, "future goal frames in the observation");
    I("future_stride", future_stride, "frames between goal frames", 1);
    B("obs_touch", obs_touch, "touch sensors in the observation");
    B("obs_future_root", obs_future_root, "root deltas of the goal frames in the observation");
    B("obs_rel_sites", obs_rel_sites, "current relative site poses and velocities in the observation");
    D("term_site_deviation", term_site_deviation, "training termination: mean relative site deviation (m)");
    D("term_root_position", term_root_position, "training termination: root position error (m)");
    D("term_root_orientation", term_root_orientation, "training termination: root orientation error (rad)");
    D("eval_site_deviation", eval_site_deviation, "evaluation termination: mean relative site deviation (m)");
    D("eval_root_position", eval_root_position, "evaluation termination: root position error (m)");
    D("eval_root_orientation", eval_root_orientation, "evaluation termination: root orientation error (rad)");
    D("w_qpos", w_qpos, "reward weight: joint positions (k 10)");
    D("w_qvel", w_qvel, "reward weight: joint velocities (k 2)");
    D("w_root_pos", w_root_pos, "reward weight: root position (k 10)");
    D("w_root_vel", w_root_vel, "reward weight: root velocity (k 10)");
    D("w_site_pos", w_site_pos, "reward weight: relative site positions (k 100)");
    D("w_site_rot", w_site_rot, "reward weight: relative site rotations (k 10)");
    D("w_site_angvel", w_site_angvel, "reward weight: relative site angular velocities (k 0.1)");
    D("w_site_linvel", w_site_linvel, "reward weight: relative site linear velocities (k 0.1)");
    D("penalty_scale", penalty_scale, "penalty on squared out-of-bound actions");
    D("action_rate_scale", action_rate_scale, "penalty on the squared action change");
    D("activation_scale", activation_scale, "penalty on the mean squared activation");
    I("nsteps", nsteps, "control steps per world per update", 1);
    I("epochs", epochs, "passes over the rollout per update", 1);
    I("minibatches", minibatches, "minibatches per epoch", 1);
    D("gamma", gamma, "discount");
    D("gae_lambda", gae_lambda, "GAE lambda");
    D("clip", clip, "PPO ratio clip");
    D("value_clip", value_clip, "value-loss clip");
    D("value_coef", value_coef, "value-loss coefficient");
    D("entropy_coef", entropy_coef, "entropy bonus");
    D("lr", lr, "learning rate");
    D("lr_final_fraction", lr_final_fraction, "final learning rate / lr (linear schedule)");
    S("lr_schedule", lr_schedule, "linear or constant", {"linear", "constant"});
    D("max_grad_norm", max_grad_norm, "global gradient-norm clip");
    S("optimizer", optimizer, "muon (weight matrices; Adam for the rest) or adam", {"muon", "adam"});
    D("adam_b1", adam_b1, "Adam beta1");
    D("adam_b2", adam_b2, "Adam beta2");
    D("adam_eps", adam_eps, "Adam epsilon");
    D("muon_momentum", muon_momentum, "Muon momentum");
    B("muon_nesterov", muon_nesterov, "Muon Nesterov momentum");
    I("muon_ns_steps", muon_ns_steps, "Muon Newton-Schulz iterations", 1);
    D("weight_decay", weight_decay, "decoupled weight decay on weight matrices");
    S("actor_hidden", actor_hidden, "actor hidden widths: \"256,256\" or \"1024x16\"");
    S("critic_hidden", critic_hidden, "critic hidden widths");
    B("layernorm", layernorm, "LayerNorm after each hidden Dense");
    D("init_std", init_std, "initial policy standard deviation");
    B("obs_norm", obs_norm, "running observation normalization");
    B("reward_norm", reward_norm, "reward normalization by the running return's std");
    D("obs_clip", obs_clip, "clip of normalized observations");
    return p;
  }

  /// Sets parameter `name` from text; throws naming an unknown name or a malformed value.
  void set(const std::string& name, const std::string& value) {
    for (auto& p : params())
      if (p.name == name) {
        p.set(value);
        return;
      }
    throw std::invalid_argument("unknown hyper-parameter '" + name + "' (sinew-train --help lists them)");
  }
  /// `name=value`.
  void set(const std::string& kv) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw std::invalid_argument("--set takes name=value, got '" + kv + "'");
    set(kv.substr(0, eq), kv.substr(eq + 1));
  }
  std::string to_json() {
    std::string o = "{";
    bool first = true;
    for (auto& p : params()) {
      o += (first ? "\n  \"" : ",\n  \"") + p.name + "\": " + p.json();
      first = false;
    }
    return o + "\n}";
  }
  /// Applies a JSON object as written by to_json (a flat object of numbers, booleans, strings
  /// and string arrays); unknown names are errors.
  void apply_json(const std::string& js) {
    size_t i = 0;
    auto ws = [&] {
      while (i < js.size() && std::isspace((unsigned char)js[i])) ++i;
    };
    auto fail = [&](const std::string& w) {
      throw std::invalid_argument("configuration JSON: " + w + " at character " + std::to_string(i));
    };
    auto str = [&] {
      if (js[i] != '"') fail("expected a string");
      std::string s;
      for (++i; i < js.size() && js[i] != '"'; ++i) {
        if (js[i] == '\\' && i + 1 < js.size()) ++i;
        s += js[i];
      }
      if (i >= js.size()) fail("unterminated string");
      ++i;
      return s;
    };
    ws();
    if (i >= js.size() || js[i] != '{') fail("expected '{'");
    ++i;
    for (;;) {
      ws();
      if (i < js.size() && js[i] == '}') break;
      const std::string key = str();
      ws();
      if (i >= js.size() || js[i] != ':') fail("expected ':'");
      ++i;
      ws();
      std::string val;
      if (i < js.size() && js[i] == '"') val = str();
      else if (i < js.size() && js[i] == '[') {
        ++i;
        for (;;) {
          ws();
          if (i < js.size() && js[i] == ']') {
            ++i;
            break;
          }
          if (!val.empty()) val += ',';
          val += str();
          ws();
          if (i < js.size() && js[i] == ',') ++i;
        }
      } else {
        const size_t s = i;
        while (i < js.size() && js[i] != ',' && js[i] != '}' && !std::isspace((unsigned char)js[i])) ++i;
        val = js.substr(s, i - s);
      }
      set(key, val);
      ws();
      if (i < js.size() && js[i] == ',') ++i;
      else if (i < js.size() && js[i] == '}') break;
      else fail("expected ',' or '}'");
    }
  }

  static std::vector<std::string> split(const std::string& s, char sep = ',') {
    std::vector<std::string> out;
    std::string cur;
    std::stringstream ss(s);
    while (std::getline(ss, cur, sep))
      if (!cur.empty()) out.push_back(cur);
    return out;
  }
  /// "256,256" or "1024x16" (16 layers of 1024) or "" (no hidden layer).
  static std::vector<int> widths(const std::string& name, const std::string& s) {
    std::vector<int> w;
    for (const auto& part : split(s)) {
      const size_t x = part.find('x');
      const int width = int(parse_int(name, part.substr(0, x), 1, 1 << 20));
      const int count = x == std::string::npos ? 1 : int(parse_int(name, part.substr(x + 1), 1, 1024));
      for (int k = 0; k < count; ++k) w.push_back(width);
    }
    return w;
  }
  static double parse_double(const std::string& n, const std::string& s) {
    try {
      size_t pos = 0;
      const double v = std::stod(s, &pos);
      if (pos == s.size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {}
    throw std::invalid_argument("parameter '" + n + "' takes a finite number, got '" + s + "'");
  }
  static long long parse_int(const std::string& n, const std::string& s, long long lo, long long hi) {
    try {
      size_t pos = 0;
      // accept 2e6-style integers too
      const double d = std::stod(s, &pos);
      if (pos == s.size() && d == std::floor(d) && d >= double(lo) && d <= double(hi)) return (long long)d;
    } catch (const std::exception&) {}
    throw std::invalid_argument("parameter '" + n + "' takes an integer in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got '" + s + "'");
  }
  static bool parse_bool(const std::string& n, const std::string& s) {
    if (s == "true" || s == "1" || s == "on") return true;
    if (s == "false" || s == "0" || s == "off") return false;
    throw std::invalid_argument("parameter '" + n + "' takes true or false, got '" + s + "'");
  }
};

/// The presets: MuscleMimic's settings for its two embodiments, and one that learns the arm fast.
inline TrainConfig preset(const std::string& name) {
  TrainConfig c;
  c.preset = name;
  if (name == "fullbody") {
    // conf_fullbody: 8192 x 20, 1 epoch x 128 minibatches, std 3.0, 16 x 1024 SiLU + LayerNorm,
    // Muon, lr 4e-4 -> 4e-5 linearly; full-body reward weights (the defaults above).
    c.nworld = 8192;
    c.total_steps = 2000000000LL;
  } else if (name == "bimanual") {
    // conf_bimanual: 8192 x 10, 1 epoch x 32 minibatches, std 0.2, 4 x 1024, Muon, lr 4e-4
    // (MuscleMimic: warmup-cosine with weight decay 1e-3; Sinew: linear decay, weight decay 1e-3).
    c.nworld = 8192;
    c.nsteps = 10;
    c.minibatches = 32;
    c.init_std = 0.2;
    c.actor_hidden = c.critic_hidden = "1024x4";
    c.weight_decay = 1e-3;
    c.w_qpos = 0.5;
    c.w_qvel = 0.5;
    c.w_site_pos = 2.0;
    c.w_site_rot = 0.2;
    c.w_site_angvel = 0.5;
    c.w_site_linvel = 0.5;
    c.total_steps = 1000000000LL;
  } else if (name == "arm") {
    // models/arm.xml: fixed base, 3 joints, 6 muscles. Small networks, a few epochs over short
    // rollouts, Adam: converges in a few minutes on two CPU cores (docs/training.md).
    c.nworld = 128;
    c.nsteps = 32;
    c.epochs = 4;
    c.minibatches = 4;
    c.init_std = 0.5;
    c.actor_hidden = c.critic_hidden = "128,128";
    c.optimizer = "adam";
    c.lr = 1e-3;
    c.lr_final_fraction = 0.1;
    c.total_steps = 1000000;
    c.nfuture = 2;
    c.future_stride = 10;
    c.mimic_sites = "clavicle,deltoid_insertion,olecranon,radial_styloid,fingertip";
    c.w_qpos = 0.5;
    c.w_qvel = 0.5;
    c.w_site_pos = 2.0;
    c.w_site_rot = 0.2;
    c.w_site_angvel = 0.5;
    c.w_site_linvel = 0.5;
    c.checkpoint_every = 20;
  } else {
    throw std::invalid_argument("unknown preset '" + name + "' (arm, bimanual, fullbody)");
  }
  return c;
}

}  // namespace sinew::rl
