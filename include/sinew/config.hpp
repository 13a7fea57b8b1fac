// Sinew: compile-time configuration shared by every header.
//
// SINEW_HD marks functions usable on the host and on a CUDA device. It expands to
// `__host__ __device__` only under nvcc: CCCL 3 no longer defines those keywords for g++.
#pragma once

#if defined(__CUDACC__)
#define SINEW_HD __host__ __device__
#define SINEW_DEVICE_COMPILE 1
#else
#define SINEW_HD
#define SINEW_DEVICE_COMPILE 0
#endif

#define SINEW_INLINE SINEW_HD inline

namespace sinew {

/// MuJoCo's guard against division by zero (mjMINVAL).
template <class T> SINEW_INLINE constexpr T min_val() { return T(1e-15); }
/// mjMAXVAL: a qpos, qvel or qacc entry beyond this magnitude means the simulation diverged
/// (MuJoCo's mj_checkPos / mj_checkVel / mj_checkAcc).
template <class T> SINEW_INLINE constexpr T max_val() { return T(1e10); }

}  // namespace sinew
