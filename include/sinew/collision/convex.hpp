// General convex pairs (MuJoCo's mjc_Convex with its native CCD, nativeccd on by default) for
// the smooth shapes Sinew supports there: ellipsoid against sphere, capsule or ellipsoid.
//
// Method, following MuJoCo's structure (engine_collision_gjk.c, mjc_ccd):
//  - spheres and capsules are first reduced to their cores (point, segment) and GJK measures the
//    core distance; when the cores do not overlap the contact is inflated by the radii ("shallow"
//    case: witness points moved along the normal, dist = core distance - radii);
//  - otherwise (cores overlap, or two ellipsoids) GJK on the full shapes; if they are separated by
//    less than the margin, the GJK witness points give the contact;
//  - if the full shapes overlap, MuJoCo runs EPA. Sinew computes the same quantity, the
//    penetration depth (minimum translation) min over unit n of h1(n) + h2(-n) with h the
//    support functions, by projected-gradient descent on the unit sphere from several seeds.
// Contact: normal n from geom 1 to geom 2, dist = signed distance, pos = midpoint of the witness
// points. GJK here iterates to rounding level (tolerance 1e-15 relative, up to 128 iterations),
// while MuJoCo stops at opt.ccd_tolerance; measured agreement with MuJoCo 3.4 is therefore bounded
// by MuJoCo's own tolerance (see tests/python/test_oracle_collision.py for the numbers).
#pragma once
#include <cmath>

#include "sinew/collision/plane.hpp"
#include "sinew/collision/types.hpp"

namespace sinew::collision {

/// A convex shape for support queries: kind 0 point, 1 segment (half-length size.y along z),
/// 2 sphere, 3 capsule, 4 ellipsoid.
template <class T> struct ConvexShape {
  const GeomPose<T>* g;
  int kind;
};

template <class T> SINEW_INLINE vec3<T> support(const ConvexShape<T>& s, vec3<T> dir) {
  const GeomPose<T>& g = *s.g;
  normalize(dir);
  switch (s.kind) {
    case 0: return g.pos;
    case 1: { const vec3<T> z = g.mat.col(2); return g.pos + (dot(z, dir) >= T(0) ? g.size.y : -g.size.y) * z; }
    case 2: return g.pos + g.size.x * dir;
    case 3: {
      const vec3<T> z = g.mat.col(2);
      return g.pos + g.size.x * dir + (dot(z, dir) >= T(0) ? g.size.y : -g.size.y) * z;
    }
    default: return ellipsoid_support(g, dir);
  }
}

/// Result of the GJK distance query between A and B.
template <class T> struct GjkResult {
  bool overlap;  ///< the shapes intersect (or touch within rounding)
  T dist;        ///< distance when separated
  vec3<T> a, b;  ///< witness points on A and B when separated
};

namespace detail {
template <class T> struct SimplexVertex { vec3<T> w, a, b; };

/// Closest point to the origin on the simplex s[0..n) (n = 1..4); reduces s to the supporting
/// sub-simplex and returns the barycentric weights in lam. Returns false when the origin is
/// inside a tetrahedron.
template <class T> SINEW_INLINE bool closest_simplex(SimplexVertex<T>* s, int& n, T* lam) {
  if (n == 1) { lam[0] = T(1); return true; }
  if (n == 2) {
    const vec3<T> A = s[0].w, B = s[1].w, ab = B - A;
    const T t = -dot(A, ab), dd = dot(ab, ab);
    if (t <= T(0) || dd <= T(0)) { n = 1; lam[0] = T(1); return true; }
    if (t >= dd) { s[0] = s[1]; n = 1; lam[0] = T(1); return true; }
    lam[1] = t / dd; lam[0] = T(1) - lam[1];
    return true;
  }
  if (n == 3) {
    // Ericson, closest point on triangle to P = origin
    const vec3<T> A = s[0].w, B = s[1].w, C = s[2].w;
    const vec3<T> ab = B - A, ac = C - A, ap = -A;
    const T d1 = dot(ab, ap), d2 = dot(ac, ap);
    if (d1 <= T(0) && d2 <= T(0)) { n = 1; lam[0] = T(1); return true; }
    const vec3<T> bp = -B;
    const T d3 = dot(ab, bp), d4 = dot(ac, bp);
    if (d3 >= T(0) && d4 <= d3) { s[0] = s[1]; n = 1; lam[0] = T(1); return true; }
    const T vc = d1 * d4 - d3 * d2;
    if (vc <= T(0) && d1 >= T(0) && d3 <= T(0)) {
      const T v = d1 / (d1 - d3);
      n = 2; lam[0] = T(1) - v; lam[1] = v; return true;
    }
    const vec3<T> cp = -C;
    const T d5 = dot(ab, cp), d6 = dot(ac, cp);
    if (d6 >= T(0) && d5 <= d6) { s[0] = s[2]; n = 1; lam[0] = T(1); return true; }
    const T vb = d5 * d2 - d1 * d6;
    if (vb <= T(0) && d2 >= T(0) && d6 <= T(0)) {
      const T w = d2 / (d2 - d6);
      s[1] = s[2]; n = 2; lam[0] = T(1) - w; lam[1] = w; return true;
    }
    const T va = d3 * d6 - d5 * d4;
    if (va <= T(0) && (d4 - d3) >= T(0) && (d5 - d6) >= T(0)) {
      const T w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
      s[0] = s[1]; s[1] = s[2]; n = 2; lam[0] = T(1) - w; lam[1] = w; return true;
    }
    const T den = T(1) / (va + vb + vc);
    lam[1] = vb * den; lam[2] = vc * den; lam[0] = T(1) - lam[1] - lam[2];
    return true;
  }
  // tetrahedron: the origin is inside unless it lies outside some face; take the best face
  const int face[4][3] = {{0, 1, 2}, {0, 3, 1}, {0, 2, 3}, {1, 3, 2}};
  const int opp[4] = {3, 2, 1, 0};
  T best = T(-1);
  SimplexVertex<T> bs[3];
  int bn = 0;
  T bl[3] = {T(0), T(0), T(0)};
  for (int f = 0; f < 4; ++f) {
    const vec3<T> A = s[face[f][0]].w, B = s[face[f][1]].w, C = s[face[f][2]].w, D = s[opp[f]].w;
    const vec3<T> nrm = cross(B - A, C - A);
    const T sp = dot(-A, nrm), sd = dot(D - A, nrm);
    if (sp * sd >= T(0)) continue;  // origin on the same side as the opposite vertex
    SimplexVertex<T> t[3] = {s[face[f][0]], s[face[f][1]], s[face[f][2]]};
    int tn = 3;
    T tl[3];
    closest_simplex(t, tn, tl);
    vec3<T> p = vec3<T>::zero();
    for (int k = 0; k < tn; ++k) p += tl[k] * t[k].w;
    const T d2 = dot(p, p);
    if (best < T(0) || d2 < best) {
      best = d2; bn = tn;
      for (int k = 0; k < tn; ++k) { bs[k] = t[k]; bl[k] = tl[k]; }
    }
  }
  if (best < T(0)) return false;
  n = bn;
  for (int k = 0; k < n; ++k) { s[k] = bs[k]; lam[k] = bl[k]; }
  return true;
}
}  // namespace detail

/// GJK distance between convex shapes A and B.
template <class T> SINEW_INLINE GjkResult<T> gjk(const ConvexShape<T>& A, const ConvexShape<T>& B) {
  using detail::SimplexVertex;
  GjkResult<T> r{false, T(0), vec3<T>::zero(), vec3<T>::zero()};
  SimplexVertex<T> s[4];
  int n = 1;
  vec3<T> d = B.g->pos - A.g->pos;
  if (dot(d, d) < min_val<T>()) d = {T(1), T(0), T(0)};
  s[0].a = support(A, -d);
  s[0].b = support(B, d);
  s[0].w = s[0].a - s[0].b;
  T lam[4] = {T(1), T(0), T(0), T(0)};
  vec3<T> v = s[0].w;
  const T eps = T(sizeof(T) == 4 ? 1e-6 : 1e-13);
  for (int it = 0; it < 128; ++it) {
    const T vv = dot(v, v);
    if (vv <= T(1e-30)) { r.overlap = true; return r; }
    const vec3<T> a = support(A, -v), b = support(B, v), w = a - b;
    if (vv - dot(v, w) <= eps * vv) break;  // no progress: v is the closest point
    bool dup = false;
    for (int k = 0; k < n; ++k)
      if (s[k].w.x == w.x && s[k].w.y == w.y && s[k].w.z == w.z) dup = true;
    if (dup) break;
    s[n].a = a; s[n].b = b; s[n].w = w;
    ++n;
    if (!detail::closest_simplex(s, n, lam)) { r.overlap = true; return r; }
    vec3<T> nv = vec3<T>::zero();
    for (int k = 0; k < n; ++k) nv += lam[k] * s[k].w;
    if (dot(nv, nv) >= vv) break;  // rounding: keep the previous estimate
    v = nv;
    if (n == 4) { r.overlap = true; return r; }
  }
  vec3<T> pa = vec3<T>::zero(), pb = vec3<T>::zero();
  for (int k = 0; k < n; ++k) { pa += lam[k] * s[k].a; pb += lam[k] * s[k].b; }
  r.a = pa; r.b = pb;
  r.dist = norm(v);
  if (r.dist <= T(sizeof(T) == 4 ? 1e-6 : 1e-12)) r.overlap = true;
  return r;
}

/// Penetration of overlapping A and B: the unit n minimizing f(n) = h_A(n) + h_B(-n) (n points
/// from A to B); returns f (the depth, >= 0) and the witness points.
template <class T>
SINEW_INLINE T penetration(const ConvexShape<T>& A, const ConvexShape<T>& B, vec3<T>& nbest, vec3<T>& abest, vec3<T>& bbest) {
  auto f = [&](vec3<T> n, vec3<T>& a, vec3<T>& b) {
    a = support(A, n);
    b = support(B, -n);
    return dot(a - b, n);
  };
  vec3<T> seeds[13];
  seeds[0] = B.g->pos - A.g->pos;
  if (dot(seeds[0], seeds[0]) < min_val<T>()) seeds[0] = {T(0), T(0), T(1)};
  for (int k = 0; k < 3; ++k) {
    seeds[1 + 2 * k] = A.g->mat.col(k); seeds[2 + 2 * k] = -A.g->mat.col(k);
    seeds[7 + 2 * k] = B.g->mat.col(k); seeds[8 + 2 * k] = -B.g->mat.col(k);
  }
  T fbest = T(0);
  bool have = false;
  for (int sd = 0; sd < 13; ++sd) {
    vec3<T> n = seeds[sd];
    normalize(n);
    vec3<T> a, b;
    T fn = f(n, a, b);
    T step = T(1) / (norm(a - b) + T(1));
    for (int it = 0; it < 400; ++it) {
      const vec3<T> s = a - b;
      const vec3<T> g = s - dot(s, n) * n;  // gradient of f on the sphere
      const T gg = dot(g, g);
      if (gg <= T(sizeof(T) == 4 ? 1e-12 : 1e-28)) break;
      bool moved = false;
      for (int ls = 0; ls < 40; ++ls) {
        vec3<T> m = n - step * g;
        normalize(m);
        vec3<T> ma, mb;
        const T fm = f(m, ma, mb);
        if (fm < fn - T(1e-4) * step * gg) {
          n = m; a = ma; b = mb; fn = fm; moved = true;
          step *= T(2);
          break;
        }
        step *= T(0.5);
      }
      if (!moved) break;
    }
    if (!have || fn < fbest) { have = true; fbest = fn; nbest = n; abest = a; bbest = b; }
  }
  return fbest;
}

/// mjc_Convex for the supported smooth pairs. g1.type <= g2.type (MuJoCo's order), g2 an ellipsoid.
template <class T> SINEW_INLINE int convex_pair(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  auto full_kind = [](int type) { return type == GEOM_SPHERE ? 2 : (type == GEOM_CAPSULE ? 3 : 4); };
  const bool core1 = g1.type == GEOM_SPHERE || g1.type == GEOM_CAPSULE;
  const bool core2 = g2.type == GEOM_SPHERE || g2.type == GEOM_CAPSULE;
  auto emit = [&](T dist, vec3<T> a, vec3<T> b, vec3<T> n) {
    if (dist > margin) return 0;
    con->dist = dist;
    con->pos = T(0.5) * (a + b);
    con->normal = n;
    con->tangent = vec3<T>::zero();
    return 1;
  };
  if (core1 || core2) {
    const ConvexShape<T> A{&g1, core1 ? (g1.type == GEOM_SPHERE ? 0 : 1) : full_kind(g1.type)};
    const ConvexShape<T> B{&g2, core2 ? (g2.type == GEOM_SPHERE ? 0 : 1) : full_kind(g2.type)};
    const T r1 = core1 ? g1.size.x : T(0), r2 = core2 ? g2.size.x : T(0);
    const GjkResult<T> c = gjk(A, B);
    if (!c.overlap) {
      vec3<T> n = c.b - c.a;
      normalize(n);
      return emit(c.dist - r1 - r2, c.a + r1 * n, c.b - r2 * n, n);
    }
  }
  const ConvexShape<T> A{&g1, full_kind(g1.type)}, B{&g2, full_kind(g2.type)};
  const GjkResult<T> c = gjk(A, B);
  if (!c.overlap) {
    vec3<T> n = c.b - c.a;
    normalize(n);
    return emit(c.dist, c.a, c.b, n);
  }
  vec3<T> n, a, b;
  const T depth = penetration(A, B, n, a, b);
  return emit(-depth, a, b, n);
}

}  // namespace sinew::collision
