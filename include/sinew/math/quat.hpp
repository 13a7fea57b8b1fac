// Unit quaternions (w, x, y, z), MuJoCo's convention and formulas.
//
//   auto q = sinew::axis_angle_quat(vec3<double>{0, 0, 1}, 0.5);
//   auto v = sinew::rotate(q, vec3<double>{1, 0, 0});
#pragma once
#include "sinew/math/vec.hpp"

namespace sinew {

template <class T> struct quat {
  T w, x, y, z;
  SINEW_INLINE static quat identity() { return {T(1), T(0), T(0), T(0)}; }
  SINEW_INLINE static quat load(const T* p) { return {p[0], p[1], p[2], p[3]}; }
  SINEW_INLINE void store(T* p) const {
    p[0] = w;
    p[1] = x;
    p[2] = y;
    p[3] = z;
  }
  SINEW_INLINE vec3<T> vec() const { return {x, y, z}; }
};

template <class T> SINEW_INLINE quat<T> mul(quat<T> a, quat<T> b) {
  return {a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z, a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
          a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x, a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w};
}

template <class T> SINEW_INLINE quat<T> conj(quat<T> q) { return {q.w, -q.x, -q.y, -q.z}; }

/// Rotates v by q (mju_rotVecQuat).
template <class T> SINEW_INLINE vec3<T> rotate(quat<T> q, vec3<T> v) {
  if (v.x == T(0) && v.y == T(0) && v.z == T(0)) return v;
  vec3<T> t{q.w * v.x + q.y * v.z - q.z * v.y, q.w * v.y + q.z * v.x - q.x * v.z, q.w * v.z + q.x * v.y - q.y * v.x};
  return {v.x + T(2) * (q.y * t.z - q.z * t.y), v.y + T(2) * (q.z * t.x - q.x * t.z),
          v.z + T(2) * (q.x * t.y - q.y * t.x)};
}

/// Normalizes in place; a quaternion shorter than min_val becomes the identity (mju_normalize4).
template <class T> SINEW_INLINE T normalize(quat<T>& q) {
  T n = std::sqrt(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z);
  if (n < min_val<T>()) {
    q = quat<T>::identity();
  } else if (std::fabs(n - T(1)) > min_val<T>()) {
    T s = T(1) / n;
    q = {q.w * s, q.x * s, q.y * s, q.z * s};
  }
  return n;
}

/// Rotation by `angle` about the unit `axis` (mju_axisAngle2Quat).
template <class T> SINEW_INLINE quat<T> axis_angle_quat(vec3<T> axis, T angle) {
  if (angle == T(0)) return quat<T>::identity();
  T s = std::sin(angle * T(0.5));
  return {std::cos(angle * T(0.5)), axis.x * s, axis.y * s, axis.z * s};
}

/// Rotation vector (axis * angle / dt) of q, angle wrapped to [-pi, pi] (mju_quat2Vel).
template <class T> SINEW_INLINE vec3<T> quat_to_vel(quat<T> q, T dt) {
  vec3<T> axis = q.vec();
  T sin_a_2 = normalize(axis);
  T speed = T(2) * std::atan2(sin_a_2, q.w);
  if (speed > T(M_PI)) speed -= T(2 * M_PI);
  return (speed / dt) * axis;
}

/// Rotation vector taking qb to qa, expressed in qb's frame (mju_subQuat).
template <class T> SINEW_INLINE vec3<T> sub_quat(quat<T> qa, quat<T> qb) {
  return quat_to_vel(mul(conj(qb), qa), T(1));
}

/// Integrates q by the body-frame angular velocity `vel` over `scale` (mju_quatIntegrate).
template <class T> SINEW_INLINE quat<T> quat_integrate(quat<T> q, vec3<T> vel, T scale) {
  T angle = scale * normalize(vel);
  quat<T> qrot = axis_angle_quat(vel, angle);
  normalize(q);
  return mul(q, qrot);
}

template <class U, class T> SINEW_INLINE quat<U> cast(quat<T> q) { return {U(q.w), U(q.x), U(q.y), U(q.z)}; }

}  // namespace sinew
