// Spatial algebra in MuJoCo's com-based convention: motion and force 6-vectors are
// [angular; linear], expressed in the world frame at the root subtree's centre of mass.
// A body's com-based inertia is 10 numbers: (Ixx, Iyy, Izz, Ixy, Ixz, Iyz, m*dx, m*dy, m*dz, m)
// about the same point (mju_inertCom).
#pragma once
#include "sinew/math/mat3.hpp"

namespace sinew {

template <class T> struct vec6 {
  T v[6];
  SINEW_INLINE T& operator[](int i) { return v[i]; }
  SINEW_INLINE const T& operator[](int i) const { return v[i]; }
  SINEW_INLINE static vec6 zero() { return {{T(0), T(0), T(0), T(0), T(0), T(0)}}; }
  template <class P> SINEW_INLINE static vec6 load(const P& p, int off = 0) {
    vec6 r;
    for (int i = 0; i < 6; ++i) r.v[i] = p[off + i];
    return r;
  }
  template <class P> SINEW_INLINE void store(P&& p, int off = 0) const {
    for (int i = 0; i < 6; ++i) p[off + i] = v[i];
  }
  SINEW_INLINE vec3<T> ang() const { return {v[0], v[1], v[2]}; }
  SINEW_INLINE vec3<T> lin() const { return {v[3], v[4], v[5]}; }
};

template <class T> SINEW_INLINE vec6<T> operator+(const vec6<T>& a, const vec6<T>& b) {
  vec6<T> r;
  for (int i = 0; i < 6; ++i) r.v[i] = a.v[i] + b.v[i];
  return r;
}
template <class T> SINEW_INLINE vec6<T>& operator+=(vec6<T>& a, const vec6<T>& b) {
  for (int i = 0; i < 6; ++i) a.v[i] += b.v[i];
  return a;
}
template <class T> SINEW_INLINE vec6<T> operator*(T s, const vec6<T>& a) {
  vec6<T> r;
  for (int i = 0; i < 6; ++i) r.v[i] = s * a.v[i];
  return r;
}
template <class T> SINEW_INLINE T dot(const vec6<T>& a, const vec6<T>& b) {
  T s = T(0);
  for (int i = 0; i < 6; ++i) s += a.v[i] * b.v[i];
  return s;
}

/// Motion cross product v x u (mju_crossMotion).
template <class T> SINEW_INLINE vec6<T> cross_motion(const vec6<T>& v, const vec6<T>& u) {
  vec6<T> r;
  r.v[0] = -v.v[2] * u.v[1] + v.v[1] * u.v[2];
  r.v[1] = v.v[2] * u.v[0] - v.v[0] * u.v[2];
  r.v[2] = -v.v[1] * u.v[0] + v.v[0] * u.v[1];
  r.v[3] = -v.v[2] * u.v[4] + v.v[1] * u.v[5];
  r.v[4] = v.v[2] * u.v[3] - v.v[0] * u.v[5];
  r.v[5] = -v.v[1] * u.v[3] + v.v[0] * u.v[4];
  r.v[3] += -v.v[5] * u.v[1] + v.v[4] * u.v[2];
  r.v[4] += v.v[5] * u.v[0] - v.v[3] * u.v[2];
  r.v[5] += -v.v[4] * u.v[0] + v.v[3] * u.v[1];
  return r;
}

/// Force cross product v x* f (mju_crossForce).
template <class T> SINEW_INLINE vec6<T> cross_force(const vec6<T>& v, const vec6<T>& f) {
  vec6<T> r;
  r.v[0] = -v.v[2] * f.v[1] + v.v[1] * f.v[2];
  r.v[1] = v.v[2] * f.v[0] - v.v[0] * f.v[2];
  r.v[2] = -v.v[1] * f.v[0] + v.v[0] * f.v[1];
  r.v[0] += -v.v[5] * f.v[4] + v.v[4] * f.v[5];
  r.v[1] += v.v[5] * f.v[3] - v.v[3] * f.v[5];
  r.v[2] += -v.v[4] * f.v[3] + v.v[3] * f.v[4];
  r.v[3] = -v.v[2] * f.v[4] + v.v[1] * f.v[5];
  r.v[4] = v.v[2] * f.v[3] - v.v[0] * f.v[5];
  r.v[5] = -v.v[1] * f.v[3] + v.v[0] * f.v[4];
  return r;
}

template <class T> struct inertia10 {
  T v[10];
  template <class P> SINEW_INLINE static inertia10 load(const P& p, int off = 0) {
    inertia10 r;
    for (int i = 0; i < 10; ++i) r.v[i] = p[off + i];
    return r;
  }
  template <class P> SINEW_INLINE void store(P&& p, int off = 0) const {
    for (int i = 0; i < 10; ++i) p[off + i] = v[i];
  }
};

/// Com-based inertia of a body with principal inertia `inert` (diagonal), orientation `mat`
/// (ximat), and centre of mass at `dif` from the reference point (mju_inertCom).
template <class T> SINEW_INLINE inertia10<T> inertia_com(vec3<T> inert, const mat3<T>& mat, vec3<T> dif, T mass) {
  T tmp[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) tmp[3 * i + j] = inert[i] * mat.m[3 * j + i];
  T rot[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      rot[3 * i + j] = mat.m[3 * i] * tmp[j] + mat.m[3 * i + 1] * tmp[3 + j] + mat.m[3 * i + 2] * tmp[6 + j];
  inertia10<T> r;
  r.v[0] = rot[0] + mass * (dif.y * dif.y + dif.z * dif.z);
  r.v[1] = rot[4] + mass * (dif.x * dif.x + dif.z * dif.z);
  r.v[2] = rot[8] + mass * (dif.x * dif.x + dif.y * dif.y);
  r.v[3] = rot[1] - mass * dif.x * dif.y;
  r.v[4] = rot[2] - mass * dif.x * dif.z;
  r.v[5] = rot[5] - mass * dif.y * dif.z;
  r.v[6] = mass * dif.x;
  r.v[7] = mass * dif.y;
  r.v[8] = mass * dif.z;
  r.v[9] = mass;
  return r;
}

/// Com-based inertia times a motion vector (mju_mulInertVec).
template <class T> SINEW_INLINE vec6<T> mul_inertia(const inertia10<T>& in, const vec6<T>& v) {
  const T* i = in.v;
  vec6<T> r;
  r.v[0] = i[0] * v.v[0] + i[3] * v.v[1] + i[4] * v.v[2] - i[8] * v.v[4] + i[7] * v.v[5];
  r.v[1] = i[3] * v.v[0] + i[1] * v.v[1] + i[5] * v.v[2] + i[8] * v.v[3] - i[6] * v.v[5];
  r.v[2] = i[4] * v.v[0] + i[5] * v.v[1] + i[2] * v.v[2] - i[7] * v.v[3] + i[6] * v.v[4];
  r.v[3] = i[8] * v.v[1] - i[7] * v.v[2] + i[9] * v.v[3];
  r.v[4] = i[6] * v.v[2] - i[8] * v.v[0] + i[9] * v.v[4];
  r.v[5] = i[7] * v.v[0] - i[6] * v.v[1] + i[9] * v.v[5];
  return r;
}

/// Com-based motion axis of a dof: rotation about `axis` through an anchor, `offset` being the
/// vector from the anchor to the reference point, or a pure translation when `rotation` is false
/// (mju_dofCom).
template <class T> SINEW_INLINE vec6<T> dof_com(vec3<T> axis, vec3<T> offset, bool rotation) {
  if (!rotation) return {{T(0), T(0), T(0), axis.x, axis.y, axis.z}};
  vec3<T> l = cross(axis, offset);
  return {{axis.x, axis.y, axis.z, l.x, l.y, l.z}};
}

}  // namespace sinew
