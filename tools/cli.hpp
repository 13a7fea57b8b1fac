// Command-line helpers shared by the example tools (sinew-rollout, sinew-bench): integer
// arguments, `--option key=value` model options and seeded random controls. Errors are thrown as
// cli::UsageError; each tool prints its own usage.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sinew/compiler/compiler.hpp"

namespace sinew::cli {

/// A bad command line (the tool prints its usage after the message).
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// A JSON string literal of s (quotes and backslashes escaped, control characters dropped).
inline std::string json_string(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) r += c;
  }
  return r + "\"";
}

/// An integer argument in [lo, hi]; `flag` names it in the message.
inline int parse_int(const std::string& flag, const std::string& v, long lo = 0, long hi = 100000000) {
  try {
    size_t pos = 0;
    const long x = std::stol(v, &pos);
    if (pos == v.size() && x >= lo && x <= hi) return int(x);
  } catch (const std::exception&) {}
  throw UsageError(flag + " takes an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + v +
                   "'");
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

/// A source of random controls: each call fills `out` with `rows` x nu controls, every one drawn
/// uniformly from its actuator's ctrlrange ([-1, 1] for an actuator without one), continuing one
/// generator seeded with `seed` (so a long run draws its controls step by step, not all up front).
inline std::function<void(std::vector<double>& out, size_t rows)> random_controls(const Model<double>& m,
                                                                                  uint64_t seed) {
  const int nu = m.nu;
  std::vector<double> lo(size_t(nu), -1.0), hi(size_t(nu), 1.0);
  for (int u = 0; u < nu; ++u)
    if (m.actuator_ctrllimited[u]) {
      lo[u] = m.actuator_ctrlrange[2 * u];
      hi[u] = m.actuator_ctrlrange[2 * u + 1];
    }
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [=](std::vector<double>& out, size_t rows) {
    std::uniform_real_distribution<double> u01(0.0, 1.0);
    out.resize(rows * size_t(nu));
    for (size_t k = 0; k < out.size(); ++k)
      out[k] = lo[k % size_t(nu)] + (hi[k % size_t(nu)] - lo[k % size_t(nu)]) * u01(*rng);
  };
}

}  // namespace sinew::cli
