// A dense row compressed into (position, value) form, positions ascending: the constraint rows
// (efc_J, efc_J_colind). On the CPU the row is compared 2 to 8 values at a time (SSE2 or AVX,
// whichever the compiler targets) into a bit mask whose set bits are read out; on the GPU one
// value at a time. The test is `value != 0` (NaN counts as nonzero, -0.0 as zero). Contiguous rows
// only: a strided row (the GPU layout) is the caller's loop (make_constraint's compress_rows keeps
// one).
//
//   int cols[40];
//   double vals[40];
//   const int nnz = sinew::compress_row(row, 128, vals, cols, 40);  // row: const double*, 128 values
#pragma once
#include <cstdint>

#include "sinew/config.hpp"

#if !defined(__CUDA_ARCH__) && (defined(__AVX__) || defined(__SSE2__))
#include <immintrin.h>
#endif

namespace sinew {
namespace nonzero_detail {

SINEW_HD inline int lowest_bit(uint64_t x) {
#ifdef __CUDA_ARCH__
  return __ffsll(static_cast<long long>(x)) - 1;
#else
  return __builtin_ctzll(x);
#endif
}

/// Bit b set where p[b] != 0, for b < n <= 64.
template <class T> SINEW_HD inline uint64_t mask_scalar(const T* p, int n) {
  uint64_t mask = 0;
  for (int b = 0; b < n; ++b) mask |= uint64_t(p[b] != T(0)) << b;
  return mask;
}

SINEW_HD inline uint64_t mask64(const double* p, int n) {
#if !defined(__CUDA_ARCH__) && defined(__AVX__)
  uint64_t mask = 0;
  int b = 0;
  const __m256d z = _mm256_setzero_pd();
  for (; b + 4 <= n; b += 4)
    mask |= uint64_t(_mm256_movemask_pd(_mm256_cmp_pd(_mm256_loadu_pd(p + b), z, _CMP_NEQ_UQ))) << b;
  return b < n ? mask | (mask_scalar(p + b, n - b) << b) : mask;
#elif !defined(__CUDA_ARCH__) && defined(__SSE2__)
  uint64_t mask = 0;
  int b = 0;
  const __m128d z = _mm_setzero_pd();
  for (; b + 2 <= n; b += 2) mask |= uint64_t(_mm_movemask_pd(_mm_cmpneq_pd(_mm_loadu_pd(p + b), z))) << b;
  return b < n ? mask | (mask_scalar(p + b, n - b) << b) : mask;
#else
  return mask_scalar(p, n);
#endif
}

SINEW_HD inline uint64_t mask64(const float* p, int n) {
#if !defined(__CUDA_ARCH__) && defined(__AVX__)
  uint64_t mask = 0;
  int b = 0;
  const __m256 z = _mm256_setzero_ps();
  for (; b + 8 <= n; b += 8)
    mask |= uint64_t(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p + b), z, _CMP_NEQ_UQ))) << b;
  return b < n ? mask | (mask_scalar(p + b, n - b) << b) : mask;
#elif !defined(__CUDA_ARCH__) && defined(__SSE2__)
  uint64_t mask = 0;
  int b = 0;
  const __m128 z = _mm_setzero_ps();
  for (; b + 4 <= n; b += 4) mask |= uint64_t(_mm_movemask_ps(_mm_cmpneq_ps(_mm_loadu_ps(p + b), z))) << b;
  return b < n ? mask | (mask_scalar(p + b, n - b) << b) : mask;
#else
  return mask_scalar(p, n);
#endif
}

}  // namespace nonzero_detail

/// Compresses a dense row: its nonzero values and their positions (ascending) to vals / cols,
/// at most cap of them; returns how many nonzeros the row has (more than cap: the rest are not
/// written).
template <class T> SINEW_HD inline int compress_row(const T* row, int n, T* vals, int* cols, int cap) {
  int cnt = 0;
  for (int k0 = 0; k0 < n; k0 += 64) {
    uint64_t mask = nonzero_detail::mask64(row + k0, n - k0 < 64 ? n - k0 : 64);
    for (; mask; mask &= mask - 1, ++cnt) {
      const int k = k0 + nonzero_detail::lowest_bit(mask);
      if (cnt < cap) {
        cols[cnt] = k;
        vals[cnt] = row[k];
      }
    }
  }
  return cnt;
}
}  // namespace sinew
