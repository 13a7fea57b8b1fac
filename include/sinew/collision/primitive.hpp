// Closed-form narrowphase pairs that MuJoCo also solves in closed form
// (engine_collision_primitive.c): sphere-sphere, sphere-capsule, capsule-capsule, sphere-cylinder. Same formulas
// and the same case analysis (clipping order, parallel-axis handling), so results agree with
// MuJoCo to rounding.
#pragma once
#include <cmath>

#include "sinew/collision/plane.hpp"
#include "sinew/collision/types.hpp"

namespace sinew::collision {

/// Sphere (center p1, radius r1) against sphere (p2, r2); z axes a1, a2 pick the normal when the
/// centers coincide (their cross product, MuJoCo's rule).
template <class T>
SINEW_INLINE int sphere_sphere_raw(PreContact<T>* con, T margin, vec3<T> p1, vec3<T> a1, T r1, vec3<T> p2, vec3<T> a2,
                                   T r2) {
  const vec3<T> dif = p2 - p1;
  const T cdist = norm(dif);
  if (cdist > margin + r1 + r2) return 0;
  con->dist = cdist - r1 - r2;
  vec3<T> n = dif;
  const T len = normalize(n);
  if (len < min_val<T>()) {
    n = cross(a1, a2);
    normalize(n);
  }
  con->normal = n;
  con->pos = p1 + (r1 + con->dist / T(2)) * n;
  con->tangent = vec3<T>::zero();
  return 1;
}

template <class T>
SINEW_INLINE int sphere_sphere(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  return sphere_sphere_raw(con, margin, g1.pos, g1.mat.col(2), g1.size.x, g2.pos, g2.mat.col(2), g2.size.x);
}

template <class T>
SINEW_INLINE int sphere_capsule(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  const vec3<T> axis = g2.size.y * g2.mat.col(2);
  T x = dot(axis, g1.pos - g2.pos) / dot(axis, axis);
  if (x > T(1)) x = T(1);
  else if (x < T(-1)) x = T(-1);
  const vec3<T> c = g2.pos + x * axis;
  return sphere_sphere_raw(con, margin, g1.pos, g1.mat.col(2), g1.size.x, c, g2.mat.col(2), g2.size.x);
}

template <class T> SINEW_INLINE T clip1(T x) { return x > T(1) ? T(1) : (x < T(-1) ? T(-1) : x); }

template <class T>
SINEW_INLINE int capsule_capsule(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  const vec3<T> z1 = g1.mat.col(2), z2 = g2.mat.col(2);
  const vec3<T> axis1 = g1.size.y * z1, axis2 = g2.size.y * z2;
  const vec3<T> dif = g1.pos - g2.pos;
  const T ma = dot(axis1, axis1), mb = -dot(axis1, axis2), mc = dot(axis2, axis2);
  const T u = -dot(axis1, dif), v = dot(axis2, dif);
  const T det = ma * mc - mb * mb;
  const T r1 = g1.size.x, r2 = g2.size.x;
  if (std::fabs(det) >= min_val<T>()) {
    T x1 = (mc * u - mb * v) / det, x2 = (ma * v - mb * u) / det;
    if (x1 > T(1)) {
      x1 = T(1);
      x2 = (v - mb) / mc;
    } else if (x1 < T(-1)) {
      x1 = T(-1);
      x2 = (v + mb) / mc;
    }
    if (x2 > T(1)) {
      x2 = T(1);
      x1 = clip1((u - mb) / ma);
    } else if (x2 < T(-1)) {
      x2 = T(-1);
      x1 = clip1((u + mb) / ma);
    }
    return sphere_sphere_raw(con, margin, g1.pos + x1 * axis1, z1, r1, g2.pos + x2 * axis2, z2, r2);
  }
  // parallel axes: up to two contacts from the segment ends
  int n = sphere_sphere_raw(con, margin, g1.pos + axis1, z1, r1, g2.pos + clip1((v - mb) / mc) * axis2, z2, r2);
  n += sphere_sphere_raw(con + n, margin, g1.pos - axis1, z1, r1, g2.pos + clip1((v + mb) / mc) * axis2, z2, r2);
  if (n >= 2) return n;
  n += sphere_sphere_raw(con + n, margin, g1.pos + clip1((u - mb) / ma) * axis1, z1, r1, g2.pos + axis2, z2, r2);
  if (n >= 2) return n;
  n += sphere_sphere_raw(con + n, margin, g1.pos + clip1((u + mb) / ma) * axis1, z1, r1, g2.pos - axis2, z2, r2);
  return n;
}

/// Sphere g1 against cylinder g2 (radius size.x, half height size.y): the side as a sphere against
/// the axis point, a cap as a plane, the rim as a point (MuJoCo's case analysis: with the center
/// inside, the nearer of side and cap wins; normal from the sphere toward the cylinder).
template <class T>
SINEW_INLINE int sphere_cylinder(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  const T radius = g2.size.x, height = g2.size.y;
  const vec3<T> axis = g2.mat.col(2), rel = g1.pos - g2.pos;
  const T x = dot(axis, rel);
  const vec3<T> along = x * axis, across = rel - along;
  const T across2 = dot(across, across);
  bool side = std::fabs(x) < height, cap = across2 < radius * radius;
  if (side && cap) {  // center inside: keep the shallower way out
    if (height - std::fabs(x) < radius - std::sqrt(across2)) side = false;
    else cap = false;
  }
  if (side) return sphere_sphere_raw(con, margin, g1.pos, g1.mat.col(2), g1.size.x, along + g2.pos, axis, radius);
  if (cap) {
    GeomPose<T> face = g2;  // the cap as a plane; the bottom one turned over (x and z negated)
    if (x > T(0)) {
      face.pos = g2.pos + height * axis;
    } else {
      face.pos = g2.pos + (-height) * axis;
      for (int r = 0; r < 3; ++r) {
        face.mat(r, 0) = -g2.mat(r, 0);
        face.mat(r, 2) = -g2.mat(r, 2);
      }
    }
    const int n = plane_sphere_raw(con, margin, face, g1.pos, g1.size.x);
    if (n) con->normal = T(-1) * con->normal;  // plane < sphere < cylinder in type order
    return n;
  }
  // the rim: a point sphere on the cap's edge
  const vec3<T> rim = (radius / std::sqrt(across2)) * across + (x > T(0) ? height : -height) * axis + g2.pos;
  return sphere_sphere_raw(con, margin, g1.pos, g1.mat.col(2), g1.size.x, rim, axis, T(0));
}

}  // namespace sinew::collision
