// Layout policies: how a batched Data array of `n` values per world is laid out in memory.
//
// WorldOuter: each world's values are contiguous (world-major). Good for a CPU thread per world.
// WorldInner: the world index is innermost, value k of world w at k*nworld + w. A GPU thread per
//             world then reads coalesced memory.
//
// Kernels see one world's slice of a field through Span<T, Layout>, which hides the stride.
#pragma once
#include <cstddef>

#include "sinew/math/math.hpp"

namespace sinew {

struct WorldOuter {};
struct WorldInner {};

/// One world's slice of a Data field.
template <class T, class L> struct Span;

template <class T> struct Span<T, WorldOuter> {
  T* p;
  SINEW_INLINE T& operator[](int k) const { return p[k]; }
};

template <class T> struct Span<T, WorldInner> {
  T* p;
  int stride;  ///< nworld
  SINEW_INLINE T& operator[](int k) const { return p[ptrdiff_t(k) * stride]; }
};

namespace layout {
/// Offset of world w's slice of a field with n values per world, and its span.
template <class L> SINEW_INLINE ptrdiff_t world_offset(int w, int n, int nworld) {
  if constexpr (std::is_same_v<L, WorldOuter>) { (void)nworld; return ptrdiff_t(w) * n; }
  else { (void)n; (void)nworld; return w; }
}
template <class L> SINEW_INLINE ptrdiff_t element_stride(int nworld) {
  if constexpr (std::is_same_v<L, WorldOuter>) { (void)nworld; return 1; }
  else return nworld;
}
template <class T, class L> SINEW_INLINE Span<T, L> make_span(T* base, int w, int n, int nworld) {
  if constexpr (std::is_same_v<L, WorldOuter>) return {base + world_offset<L>(w, n, nworld)};
  else return {base + world_offset<L>(w, n, nworld), nworld};
}
}  // namespace layout

// Small-vector loads and stores through a span: element i of a field of vec3 (mat3, quat...).
template <class S> SINEW_INLINE auto get3(const S& s, int i) {
  using T = std::remove_reference_t<decltype(s[0])>;
  return vec3<std::remove_const_t<T>>{s[3 * i], s[3 * i + 1], s[3 * i + 2]};
}
template <class S, class T> SINEW_INLINE void set3(const S& s, int i, vec3<T> v) {
  s[3 * i] = v.x; s[3 * i + 1] = v.y; s[3 * i + 2] = v.z;
}
template <class S> SINEW_INLINE auto getq(const S& s, int i) {
  using T = std::remove_const_t<std::remove_reference_t<decltype(s[0])>>;
  return quat<T>{s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]};
}
template <class S, class T> SINEW_INLINE void setq(const S& s, int i, quat<T> q) {
  s[4 * i] = q.w; s[4 * i + 1] = q.x; s[4 * i + 2] = q.y; s[4 * i + 3] = q.z;
}
template <class S> SINEW_INLINE auto getm(const S& s, int i) {
  using T = std::remove_const_t<std::remove_reference_t<decltype(s[0])>>;
  mat3<T> r;
  for (int k = 0; k < 9; ++k) r.m[k] = s[9 * i + k];
  return r;
}
template <class S, class T> SINEW_INLINE void setm(const S& s, int i, const mat3<T>& m) {
  for (int k = 0; k < 9; ++k) s[9 * i + k] = m.m[k];
}
template <class S> SINEW_INLINE auto get6(const S& s, int i) {
  using T = std::remove_const_t<std::remove_reference_t<decltype(s[0])>>;
  vec6<T> r;
  for (int k = 0; k < 6; ++k) r.v[k] = s[6 * i + k];
  return r;
}
template <class S, class T> SINEW_INLINE void set6(const S& s, int i, const vec6<T>& v) {
  for (int k = 0; k < 6; ++k) s[6 * i + k] = v.v[k];
}
template <class S> SINEW_INLINE auto get10(const S& s, int i) {
  using T = std::remove_const_t<std::remove_reference_t<decltype(s[0])>>;
  inertia10<T> r;
  for (int k = 0; k < 10; ++k) r.v[k] = s[10 * i + k];
  return r;
}
template <class S, class T> SINEW_INLINE void set10(const S& s, int i, const inertia10<T>& v) {
  for (int k = 0; k < 10; ++k) s[10 * i + k] = v.v[k];
}

}  // namespace sinew

namespace sinew {
/// The part of a span starting at value `off`.
template <class T> SINEW_INLINE Span<T, WorldOuter> subspan(const Span<T, WorldOuter>& s, int off) { return {s.p + off}; }
template <class T> SINEW_INLINE Span<T, WorldInner> subspan(const Span<T, WorldInner>& s, int off) {
  return {s.p + ptrdiff_t(off) * s.stride, s.stride};
}
}  // namespace sinew
