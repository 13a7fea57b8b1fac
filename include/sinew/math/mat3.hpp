// Row-major 3x3 matrices (MuJoCo's xmat layout).
//
//   auto R = sinew::quat_to_mat(q);   // R * v == rotate(q, v)
#pragma once
#include "sinew/math/quat.hpp"

namespace sinew {

template <class T> struct mat3 {
  T m[9];
  SINEW_INLINE T& operator()(int r, int c) { return m[3 * r + c]; }
  SINEW_INLINE const T& operator()(int r, int c) const { return m[3 * r + c]; }
  SINEW_INLINE static mat3 identity() { return {{T(1), T(0), T(0), T(0), T(1), T(0), T(0), T(0), T(1)}}; }
  SINEW_INLINE static mat3 load(const T* p) {
    mat3 r;
    for (int i = 0; i < 9; ++i) r.m[i] = p[i];
    return r;
  }
  SINEW_INLINE void store(T* p) const {
    for (int i = 0; i < 9; ++i) p[i] = m[i];
  }
  SINEW_INLINE vec3<T> col(int c) const { return {m[c], m[3 + c], m[6 + c]}; }
};

template <class T> SINEW_INLINE vec3<T> operator*(const mat3<T>& a, vec3<T> v) {
  return {a.m[0] * v.x + a.m[1] * v.y + a.m[2] * v.z, a.m[3] * v.x + a.m[4] * v.y + a.m[5] * v.z,
          a.m[6] * v.x + a.m[7] * v.y + a.m[8] * v.z};
}

/// a^T v (mju_mulMatTVec3).
template <class T> SINEW_INLINE vec3<T> mul_transpose(const mat3<T>& a, vec3<T> v) {
  return {a.m[0] * v.x + a.m[3] * v.y + a.m[6] * v.z, a.m[1] * v.x + a.m[4] * v.y + a.m[7] * v.z,
          a.m[2] * v.x + a.m[5] * v.y + a.m[8] * v.z};
}

template <class T> SINEW_INLINE mat3<T> operator*(const mat3<T>& a, const mat3<T>& b) {
  mat3<T> r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      r.m[3 * i + j] = a.m[3 * i] * b.m[j] + a.m[3 * i + 1] * b.m[3 + j] + a.m[3 * i + 2] * b.m[6 + j];
  return r;
}

template <class T> SINEW_INLINE mat3<T> transpose(const mat3<T>& a) {
  mat3<T> r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r.m[3 * i + j] = a.m[3 * j + i];
  return r;
}

/// Unit quaternion (w >= 0) of a rotation matrix (Shepperd's method: the largest diagonal term).
template <class T> SINEW_INLINE quat<T> mat_to_quat(const mat3<T>& r) {
  const T tr = r.m[0] + r.m[4] + r.m[8];
  quat<T> q;
  if (tr > T(0)) {
    const T s = std::sqrt(tr + T(1)) * T(2);
    q = {T(0.25) * s, (r.m[7] - r.m[5]) / s, (r.m[2] - r.m[6]) / s, (r.m[3] - r.m[1]) / s};
  } else if (r.m[0] > r.m[4] && r.m[0] > r.m[8]) {
    const T s = std::sqrt(T(1) + r.m[0] - r.m[4] - r.m[8]) * T(2);
    q = {(r.m[7] - r.m[5]) / s, T(0.25) * s, (r.m[1] + r.m[3]) / s, (r.m[2] + r.m[6]) / s};
  } else if (r.m[4] > r.m[8]) {
    const T s = std::sqrt(T(1) + r.m[4] - r.m[0] - r.m[8]) * T(2);
    q = {(r.m[2] - r.m[6]) / s, (r.m[1] + r.m[3]) / s, T(0.25) * s, (r.m[5] + r.m[7]) / s};
  } else {
    const T s = std::sqrt(T(1) + r.m[8] - r.m[0] - r.m[4]) * T(2);
    q = {(r.m[3] - r.m[1]) / s, (r.m[2] + r.m[6]) / s, (r.m[5] + r.m[7]) / s, T(0.25) * s};
  }
  if (q.w < T(0)) q = {-q.w, -q.x, -q.y, -q.z};
  return q;
}

/// Rotation vector (axis * angle, angle in [-pi, pi]) of a rotation matrix: log(r).
template <class T> SINEW_INLINE vec3<T> mat_to_rotvec(const mat3<T>& r) { return quat_to_vel(mat_to_quat(r), T(1)); }

/// Rotation matrix of a unit quaternion (mju_quat2Mat).
template <class T> SINEW_INLINE mat3<T> quat_to_mat(quat<T> q) {
  if (q.w == T(1) && q.x == T(0) && q.y == T(0) && q.z == T(0)) return mat3<T>::identity();
  const T q00 = q.w * q.w, q01 = q.w * q.x, q02 = q.w * q.y, q03 = q.w * q.z;
  const T q11 = q.x * q.x, q12 = q.x * q.y, q13 = q.x * q.z;
  const T q22 = q.y * q.y, q23 = q.y * q.z, q33 = q.z * q.z;
  mat3<T> r;
  r.m[0] = q00 + q11 - q22 - q33;
  r.m[4] = q00 - q11 + q22 - q33;
  r.m[8] = q00 - q11 - q22 + q33;
  r.m[1] = T(2) * (q12 - q03);
  r.m[2] = T(2) * (q13 + q02);
  r.m[3] = T(2) * (q12 + q03);
  r.m[5] = T(2) * (q23 - q01);
  r.m[6] = T(2) * (q13 - q02);
  r.m[7] = T(2) * (q23 + q01);
  return r;
}

}  // namespace sinew
