// Small trivially copyable vectors for host and device code.
//
//   sinew::vec3<double> a{1, 2, 3}, b{0, 0, 1};
//   auto c = cross(a, b) + 2.0 * a;
#pragma once
#include <cmath>
#include "sinew/config.hpp"

namespace sinew {

template <class T> struct vec3 {
  T x, y, z;
  SINEW_INLINE T& operator[](int i) { return i == 0 ? x : (i == 1 ? y : z); }
  SINEW_INLINE const T& operator[](int i) const { return i == 0 ? x : (i == 1 ? y : z); }
  SINEW_INLINE static vec3 zero() { return {T(0), T(0), T(0)}; }
  SINEW_INLINE static vec3 load(const T* p) { return {p[0], p[1], p[2]}; }
  SINEW_INLINE void store(T* p) const {
    p[0] = x;
    p[1] = y;
    p[2] = z;
  }
};

template <class T> SINEW_INLINE vec3<T> operator+(vec3<T> a, vec3<T> b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
template <class T> SINEW_INLINE vec3<T> operator-(vec3<T> a, vec3<T> b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
template <class T> SINEW_INLINE vec3<T> operator-(vec3<T> a) { return {-a.x, -a.y, -a.z}; }
template <class T> SINEW_INLINE vec3<T> operator*(T s, vec3<T> a) { return {s * a.x, s * a.y, s * a.z}; }
template <class T> SINEW_INLINE vec3<T> operator*(vec3<T> a, T s) { return {s * a.x, s * a.y, s * a.z}; }
template <class T> SINEW_INLINE vec3<T>& operator+=(vec3<T>& a, vec3<T> b) {
  a.x += b.x;
  a.y += b.y;
  a.z += b.z;
  return a;
}
template <class T> SINEW_INLINE vec3<T>& operator-=(vec3<T>& a, vec3<T> b) {
  a.x -= b.x;
  a.y -= b.y;
  a.z -= b.z;
  return a;
}
template <class T> SINEW_INLINE T dot(vec3<T> a, vec3<T> b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
template <class T> SINEW_INLINE vec3<T> cross(vec3<T> a, vec3<T> b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
template <class T> SINEW_INLINE T norm(vec3<T> a) { return std::sqrt(dot(a, a)); }

/// Normalizes in place and returns the former norm; a vector shorter than min_val becomes (1,0,0)
/// (mju_normalize3).
template <class T> SINEW_INLINE T normalize(vec3<T>& a) {
  T n = norm(a);
  if (n < min_val<T>()) {
    a = {T(1), T(0), T(0)};
  } else {
    T s = T(1) / n;
    a = s * a;
  }
  return n;
}

template <class U, class T> SINEW_INLINE vec3<U> cast(vec3<T> a) { return {U(a.x), U(a.y), U(a.z)}; }

}  // namespace sinew
