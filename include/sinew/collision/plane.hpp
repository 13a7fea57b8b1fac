// Plane against sphere, capsule, cylinder, box (MuJoCo's closed forms, engine_collision_primitive.c)
// and against ellipsoid and mesh (mjc_PlaneConvex: the support point along -normal; for a mesh up
// to two more vertices within the margin). Geom 1 is the plane; its normal is the plane's z axis;
// the plane is infinite (its size is visual only).
#pragma once
#include <cmath>

#include "sinew/collision/types.hpp"

namespace sinew::collision {

template <class T>
SINEW_INLINE int plane_sphere_raw(PreContact<T>* con, T margin, const GeomPose<T>& pl, vec3<T> c, T r) {
  const vec3<T> n = pl.mat.col(2);
  const T cdist = dot(c - pl.pos, n);
  if (cdist > margin + r) return 0;
  con->dist = cdist - r;
  con->normal = n;
  con->pos = c + (-con->dist / T(2) - r) * n;
  con->tangent = vec3<T>::zero();
  return 1;
}

template <class T>
SINEW_INLINE int plane_sphere(PreContact<T>* con, T margin, const GeomPose<T>& pl, const GeomPose<T>& g) {
  return plane_sphere_raw(con, margin, pl, g.pos, g.size.x);
}

template <class T>
SINEW_INLINE int plane_capsule(PreContact<T>* con, T margin, const GeomPose<T>& pl, const GeomPose<T>& g) {
  const vec3<T> axis = g.mat.col(2), seg = g.size.y * axis;
  const int n1 = plane_sphere_raw(con, margin, pl, g.pos + seg, g.size.x);
  const int n2 = plane_sphere_raw(con + n1, margin, pl, g.pos - seg, g.size.x);
  if (n1) con[0].tangent = axis;
  if (n2) con[n1].tangent = axis;
  return n1 + n2;
}

template <class T>
SINEW_INLINE int plane_box(PreContact<T>* con, T margin, const GeomPose<T>& pl, const GeomPose<T>& g) {
  const vec3<T> n = pl.mat.col(2);
  const T dist = dot(g.pos - pl.pos, n);
  int cnt = 0;
  for (int i = 0; i < 8; ++i) {
    const vec3<T> v = {(i & 1) ? g.size.x : -g.size.x, (i & 2) ? g.size.y : -g.size.y, (i & 4) ? g.size.z : -g.size.z};
    const vec3<T> corner = g.mat * v;
    const T ldist = dot(n, corner);
    if (dist + ldist > margin || ldist > T(0)) continue;
    con[cnt].dist = dist + ldist;
    con[cnt].normal = n;
    con[cnt].tangent = vec3<T>::zero();
    con[cnt].pos = corner + g.pos + (-con[cnt].dist / T(2)) * n;
    if (++cnt >= 4) return 4;
  }
  return cnt;
}

template <class T>
SINEW_INLINE int plane_cylinder(PreContact<T>* con, T margin, const GeomPose<T>& pl, const GeomPose<T>& g) {
  const vec3<T> n = pl.mat.col(2);
  vec3<T> axis = g.mat.col(2);
  T prjaxis = dot(n, axis);
  if (prjaxis > T(0)) {
    axis = -axis;
    prjaxis = -prjaxis;
  }
  const T dist0 = dot(g.pos - pl.pos, n);
  vec3<T> vec = prjaxis * axis - n;
  const T len = norm(vec);
  if (len >= min_val<T>()) vec = (g.size.x / len) * vec;
  else vec = g.size.x * g.mat.col(0);
  const T prjvec = dot(vec, n);
  axis = g.size.y * axis;
  prjaxis *= g.size.y;
  int cnt = 0;
  auto put = [&](T d, vec3<T> p) {
    con[cnt].dist = d;
    con[cnt].pos = p + (-d * T(0.5)) * n;
    con[cnt].normal = n;
    con[cnt].tangent = vec3<T>::zero();
    ++cnt;
  };
  if (dist0 + prjaxis + prjvec <= margin) put(dist0 + prjaxis + prjvec, g.pos + vec + axis);
  else return 0;
  if (dist0 - prjaxis + prjvec <= margin) put(dist0 - prjaxis + prjvec, g.pos + vec - axis);
  const T prjvec1 = -prjvec * T(0.5);
  if (dist0 + prjaxis + prjvec1 <= margin) {
    vec3<T> vec1 = cross(vec, axis);
    normalize(vec1);
    vec1 = (g.size.x * std::sqrt(T(3)) / T(2)) * vec1;
    put(dist0 + prjaxis + prjvec1, g.pos + vec1 + axis + T(-0.5) * vec);
    put(dist0 + prjaxis + prjvec1, g.pos - vec1 + axis + T(-0.5) * vec);
  }
  return cnt;
}

/// Support point of an ellipsoid along unit direction dir (mjc_ellipsoidSupport).
template <class T> SINEW_INLINE vec3<T> ellipsoid_support(const GeomPose<T>& g, vec3<T> dir) {
  const vec3<T> l = mul_transpose(g.mat, dir);
  vec3<T> t = {l.x * g.size.x, l.y * g.size.y, l.z * g.size.z};
  const T nrm = norm(t);
  if (nrm < min_val<T>()) t = {g.size.x, T(0), T(0)};
  else {
    const T inv = T(1) / nrm;
    t = {t.x * inv * g.size.x, t.y * inv * g.size.y, t.z * inv * g.size.z};
  }
  return g.mat * t + g.pos;
}

template <class T>
SINEW_INLINE int plane_ellipsoid(PreContact<T>* con, T margin, const GeomPose<T>& pl, const GeomPose<T>& g) {
  const vec3<T> n = pl.mat.col(2);
  const vec3<T> s = ellipsoid_support(g, -n);
  const T dist = dot(s - pl.pos, n);
  if (dist > margin) return 0;
  con->dist = dist;
  con->pos = s + (T(-0.5) * dist) * n;
  con->normal = n;
  con->tangent = vec3<T>::zero();
  return 1;
}

/// mjc_PlaneConvex for a mesh (MuJoCo 3.4). The first contact is at the support vertex along
/// -normal found by MuJoCo's libccd support function (mjccd_support, not the native-CCD one): an
/// exhaustive search for a mesh without a hull graph, else hill climbing on the graph from hull
/// vertex 0 (compared first). Then at most two more vertices closer to the plane than the
/// margin, each at least 0.3 rbound from the first contact: the support vertex's hull-graph
/// neighbours in the graph's (qhull's) order, or, without a graph, all vertices in order.
template <class T>
SINEW_INLINE int plane_mesh(PreContact<T>* con, T margin, const GeomPose<T>& pl, const GeomPose<T>& g) {
  constexpr int kMaxPlaneMesh = 3;
  const T tol = T(0.3);
  const vec3<T> n = pl.mat.col(2);
  const vec3<T> dir = -n;
  const vec3<T> locdir = mul_transpose(g.mat, dir);
  const auto vdot = [&](int vi) { return dot(locdir, vec3<T>::load(g.vert + 3 * vi)); };
  int meshindex = -1, best = -1;  // meshindex: a global id without a graph, a local one with it
  const int numvert = g.graph ? g.graph[0] : 0;
  const int* edgeadr = g.graph ? g.graph + 2 : nullptr;
  const int* globalid = g.graph ? g.graph + 2 + numvert : nullptr;
  const int* edge = g.graph ? g.graph + 2 + 2 * numvert : nullptr;
  if (!g.graph) {
    T top = T(-1e10);
    for (int i = 0; i < g.nvert; ++i) {
      const T v = vdot(i);
      if (v > top) {
        top = v;
        best = i;
      }
    }
    meshindex = best;
  } else {
    int im = 0;
    T top = vdot(globalid[im]);
    for (bool change = true; change;) {
      change = false;
      for (int i = edgeadr[im], loc; (loc = edge[i]) >= 0; ++i) {
        const T v = vdot(globalid[loc]);
        if (v > top) {
          top = v;
          im = loc;
          change = true;
        }
      }
    }
    meshindex = im;
    best = globalid[im];
  }
  // MuJoCo: no support vertex (NaN pose) gives the geom origin
  const vec3<T> v = best >= 0 ? g.mat * vec3<T>::load(g.vert + 3 * best) + g.pos : g.pos;
  const T dist = dot(n, v - pl.pos);
  if (dist > margin) return 0;
  con[0].dist = dist;
  con[0].pos = v + (T(-0.5) * dist) * n;
  con[0].normal = n;
  con[0].tangent = vec3<T>::zero();
  int count = 1;
  const vec3<T> first = con[0].pos;
  const T threshold = dot(n, g.pos - pl.pos) - margin;
  const auto add = [&](int vi) {  // addplanemesh
    const vec3<T> p = g.mat * vec3<T>::load(g.vert + 3 * vi) + g.pos;
    if (norm(p - first) < tol * g.rbound) return;
    PreContact<T>& c = con[count++];
    c.dist = dot(n, p - pl.pos);
    c.pos = p + (T(-0.5) * c.dist) * n;
    c.normal = n;
    c.tangent = vec3<T>::zero();
  };
  if (!g.graph) {
    for (int i = 0; i < g.nvert && count < kMaxPlaneMesh; ++i)
      if (vdot(i) > threshold && i != meshindex) add(i);
  } else {
    for (int i = edgeadr[meshindex], loc; (loc = edge[i]) >= 0 && count < kMaxPlaneMesh; ++i)
      if (vdot(globalid[loc]) > threshold) add(globalid[loc]);
  }
  return count;
}

}  // namespace sinew::collision
