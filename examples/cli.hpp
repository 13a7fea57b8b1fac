// Command-line helpers shared by the example tools (sinew-rollout, sinew-bench): integer
// arguments, `--option key=value` model options and seeded random controls. Errors are thrown as
// cli::UsageError; each tool prints its own usage.
#pragma once
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sinew/io/mjcf.hpp"

namespace sinew::cli {

/// A bad command line (the tool prints its usage after the message).
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// An integer argument in [lo, hi]; `flag` names it in the message.
inline int parse_int(const std::string& flag, const std::string& v, long lo = 0, long hi = 100000000) {
  try {
    size_t pos = 0;
    const long x = std::stol(v, &pos);
    if (pos == v.size() && x >= lo && x <= hi) return int(x);
  } catch (const std::exception&) {
  }
  throw UsageError(flag + " takes an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" +
                   v + "'");
}

/// The value of `--option key=value`, split.
inline std::pair<std::string, std::string> parse_option(const std::string& kv) {
  const size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError("--option takes key=value, got '" + kv + "'");
  return {kv.substr(0, eq), kv.substr(eq + 1)};
}

/// Applies `--option` pairs in order (sinew::apply_option: MJCF <option> names, "flag.<name>").
inline void apply_options(Model<double>& m, const std::vector<std::pair<std::string, std::string>>& options) {
  for (const auto& [k, v] : options) apply_option(m, k, v);
}

/// `rows` x nu controls, each drawn uniformly from its actuator's ctrlrange ([-1, 1] for an
/// actuator without one), from a generator seeded with `seed`.
inline std::vector<double> random_controls(const Model<double>& m, size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::vector<double> ctrl(rows * size_t(m.nu));
  for (size_t k = 0; k < ctrl.size(); ++k) {
    const size_t u = k % size_t(m.nu);
    const bool lim = m.actuator_ctrllimited[u] != 0;
    const double lo = lim ? m.actuator_ctrlrange[2 * u] : -1.0, hi = lim ? m.actuator_ctrlrange[2 * u + 1] : 1.0;
    ctrl[k] = lo + (hi - lo) * u01(rng);
  }
  return ctrl;
}

}  // namespace sinew::cli
