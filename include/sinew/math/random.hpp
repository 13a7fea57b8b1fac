// Counter-based random numbers: every draw is a pure function of (seed, stream, counter), so a
// world's (or a sample's) draws never depend on another's, on the thread count or on the backend.
//
//   double u = sinew::uniform01(seed, world, counter);       // [0, 1)
//   double z = sinew::normal01(seed, world, counter);        // standard normal
#pragma once
#include <cmath>

#include "sinew/config.hpp"

namespace sinew {

/// SplitMix64's finalizer: a bijective 64-bit mix.
SINEW_INLINE unsigned long long mix64(unsigned long long z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
/// Uniform double in [0, 1) for (seed, stream, counter).
SINEW_INLINE double uniform01(unsigned long long seed, int stream, unsigned long long counter) {
  const unsigned long long z = mix64(seed ^ mix64((unsigned long long)(stream)*0x100000001B3ull ^ mix64(counter)));
  return double(z >> 11) * (1.0 / 9007199254740992.0);
}
/// Standard normal for (seed, stream, counter): Box-Muller on the uniforms of counters 2c and 2c + 1.
SINEW_INLINE double normal01(unsigned long long seed, int stream, unsigned long long counter) {
  const double u1 = 1.0 - uniform01(seed, stream, 2 * counter);  // (0, 1]
  const double u2 = uniform01(seed, stream, 2 * counter + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace sinew
