// Closed-form pairs with boxes that MuJoCo 3.4 also solves in closed form
// (engine_collision_box.c): sphere-box. The same case analysis as MuJoCo (sphere center outside the
// box: nearest surface point; inside: the face of least penetration, ties to the first of -x, +x,
// -y, +y, -z, +z), so results agree to rounding. Capsule-box and box-box (MuJoCo's multi-contact
// closed forms) are not implemented: the model compiler reports such pairs as unsupported.
#pragma once
#include <cmath>

#include "sinew/collision/types.hpp"

namespace sinew::collision {

/// Sphere g1 against box g2 (half sizes g2.size): at most one contact, normal from the sphere
/// toward the box, position halfway between the two surfaces.
template <class T> SINEW_INLINE int sphere_box(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  const T r = g1.size.x;
  const vec3<T> c = mul_transpose(g2.mat, g1.pos - g2.pos);  // sphere center in the box frame
  const T h[3] = {g2.size.x, g2.size.y, g2.size.z}, cc[3] = {c.x, c.y, c.z};
  T q[3];  // nearest point of the box
  for (int i = 0; i < 3; ++i) q[i] = cc[i] < -h[i] ? -h[i] : (cc[i] > h[i] ? h[i] : cc[i]);
  vec3<T> dir{q[0] - c.x, q[1] - c.y, q[2] - c.z};
  T dist = normalize(dir);
  if (dist - r > margin) return 0;
  vec3<T> p, nrm;
  if (dist <= min_val<T>()) {
    // center inside: push out through the nearest face
    T best = T(2) * (h[0] + h[1] + h[2]);
    int k = 0;
    for (int i = 0; i < 6; ++i) {
      const T gap = std::fabs((i % 2 ? T(1) : T(-1)) * h[i / 2] - cc[i / 2]);
      if (best > gap) { best = gap; k = i; }
    }
    T e[3] = {T(0), T(0), T(0)};
    e[k / 2] = k % 2 ? T(-1) : T(1);
    nrm = vec3<T>{e[0], e[1], e[2]};
    p = c + ((r - best) / T(2)) * nrm;
    dist = -best;
  } else {
    const vec3<T> surf = c + r * dir;  // the sphere's point nearest the box
    p = T(0.5) * vec3<T>{q[0], q[1], q[2]} + T(0.5) * surf;
    nrm = dir;
  }
  con->normal = g2.mat * nrm;
  con->pos = g2.mat * p + g2.pos;
  con->dist = dist - r;
  con->tangent = vec3<T>::zero();
  return 1;
}

}  // namespace sinew::collision
