// General convex pairs: MuJoCo 3.4's mjc_Convex with its native CCD (nativeccd on, MuJoCo's
// default), for every pair of types its collision table sends there that Sinew supports:
// ellipsoid with sphere, capsule, ellipsoid; cylinder with capsule, ellipsoid, cylinder; box with
// ellipsoid, cylinder; mesh with sphere, capsule, ellipsoid, cylinder, box and mesh. One contact
// per pair (MuJoCo's count without multiccd). A mesh's support point is MuJoCo's: hill climbing
// on its convex hull graph (mesh_graph, qhull's neighbour order) from the previous answer for
// meshes of >= 10 vertices, else an exhaustive search, so ties resolve as in MuJoCo.
//
// A Sinew implementation of the algorithm MuJoCo documents and ships (engine_collision_gjk.c,
// engine_collision_convex.c), reproducing its decisions so that the result is the same point of
// the same iteration, not just a point within tolerance:
//  - shapes: the support functions of the geoms, each inflated by half the pair's margin (so
//    that shapes closer than the margin overlap); a contact exists when the inflated shapes
//    overlap, and its dist is margin - depth;
//  - spheres and capsules first shrink to their cores (point, segment); GJK measures the core
//    distance (with a cutoff of the radii) and, when the cores are apart, the contact is the GJK
//    witness pair moved out by the radii along their difference ("inflate");
//  - otherwise GJK (Frank-Wolfe duality-gap stop at opt.ccd_tolerance, at most opt.ccd_iterations
//    iterations, Montanari et al.'s signed-volume sub-distance algorithm; intersection-only
//    variant once a tetrahedron exists) decides overlap, and EPA (a polytope grown from the GJK
//    simplex: a hexahedron around a segment or triangle, or the tetrahedron; the face nearest the
//    origin expanded through the support point along its normal until the upper and lower depth
//    bounds are within opt.ccd_tolerance) gives the depth and the witness points (barycentric
//    coordinates of the origin's projection on the nearest face).
// Contact: pos the midpoint of the witness points x1 (geom 1) and x2 (geom 2), normal
// normalize(x1 - x2), dist margin + (signed distance of the inflated shapes).
//
// Device code: no heap, no recursion (EPA's horizon search is an explicit depth-first stack in
// the recursion's order, which fixes the order of new faces), fixed-size arrays: ccd_iterations
// is clamped to kCcdMaxIter and the polytope holds kCcdMaxFaces faces (MuJoCo: max(6N, 1000);
// running out stops EPA early in both).
#pragma once
#include <cfloat>
#include <cmath>

#include "sinew/collision/types.hpp"
#include "sinew/model/enums.hpp"

namespace sinew::collision {

inline constexpr int kCcdMaxIter = 64;
inline constexpr int kCcdMaxVerts = 5 + kCcdMaxIter;
inline constexpr int kCcdMaxFaces = 384;

namespace ccd {

enum Kind : int { K_POINT, K_LINE, K_SPHERE, K_CAPSULE, K_ELLIPSOID, K_CYLINDER, K_BOX, K_MESH, K_PRISM };

template <class T> SINEW_INLINE constexpr T maxval() { return T(1e10); }  // mjMAXVAL
inline constexpr int kHillclimbMin = 10;  ///< mjMESH_HILLCLIMB_MIN: smaller meshes are searched exhaustively
template <class T> SINEW_INLINE constexpr T maxlimit() { return sizeof(T) == 4 ? T(FLT_MAX) : T(DBL_MAX); }

/// A geom as seen by the convex solver: its pose, which support function, half the pair margin.
template <class T> struct Obj {
  const GeomPose<T>* g;
  int kind;
  T margin;       ///< pair margin (support points move out by margin/2 when > 0)
  int vertindex;  ///< mesh: vertex of the previous support query (searched first), -1 none
  int meshindex;  ///< mesh with a hull graph: hull vertex (local id) the last hill climb ended at, -1 none
};

template <class T> SINEW_INLINE int full_kind(int type) {
  switch (type) {
    case GEOM_SPHERE: return K_SPHERE;
    case GEOM_CAPSULE: return K_CAPSULE;
    case GEOM_ELLIPSOID: return K_ELLIPSOID;
    case GEOM_CYLINDER: return K_CYLINDER;
    case GEOM_BOX: return K_BOX;
    default: return K_MESH;
  }
}

/// Support point of the shape along unit dir (plus margin/2 along dir).
template <class T> SINEW_INLINE vec3<T> support(Obj<T>& o, const vec3<T>& dir) {
  const GeomPose<T>& g = *o.g;
  vec3<T> r;
  switch (o.kind) {
    case K_POINT: r = g.pos; break;
    case K_LINE: {
      const T s = dot(g.mat.col(2), dir) >= T(0) ? g.size.y : -g.size.y;
      r = g.pos + s * g.mat.col(2);
      break;
    }
    case K_SPHERE: r = g.pos + g.size.x * dir; break;
    case K_PRISM: {  // height-field prism (hfield.hpp): g.vert holds 6 vertices, the top three last
      const int istart = dir.z < T(0) ? 0 : 3;
      int ib = istart;
      T best = dot(vec3<T>::load(g.vert + 3 * istart), dir);
      for (int i = istart + 1; i < istart + 3; ++i) {
        const T v = dot(vec3<T>::load(g.vert + 3 * i), dir);
        if (v > best) { ib = i; best = v; }
      }
      r = vec3<T>::load(g.vert + 3 * ib);
      break;
    }
    case K_CAPSULE: {
      const vec3<T> l = mul_transpose(g.mat, dir);
      vec3<T> s = g.size.x * l;
      s.z += (l.z >= T(0) ? g.size.y : -g.size.y);
      r = g.mat * s + g.pos;
      break;
    }
    case K_ELLIPSOID: {
      const vec3<T> l = mul_transpose(g.mat, dir);
      vec3<T> s = {l.x * g.size.x, l.y * g.size.y, l.z * g.size.z};
      const T n2 = dot(s, s);
      if (n2 < min_val<T>() * min_val<T>()) {
        r = g.size.x * g.mat.col(0) + g.pos;
      } else {
        const T inv = T(1) / std::sqrt(n2);
        s = {s.x * (inv * g.size.x), s.y * (inv * g.size.y), s.z * (inv * g.size.z)};
        r = g.mat * s + g.pos;
      }
      break;
    }
    case K_CYLINDER: {
      const vec3<T> l = mul_transpose(g.mat, dir);
      const T n2 = l.x * l.x + l.y * l.y;
      const T scl = n2 >= min_val<T>() * min_val<T>() ? g.size.x / std::sqrt(n2) : T(0);
      r = g.mat * vec3<T>{scl * l.x, scl * l.y, l.z >= T(0) ? g.size.y : -g.size.y} + g.pos;
      break;
    }
    case K_BOX: {
      const vec3<T> l = mul_transpose(g.mat, dir);
      r = g.mat * vec3<T>{l.x >= T(0) ? g.size.x : -g.size.x, l.y >= T(0) ? g.size.y : -g.size.y,
                          l.z >= T(0) ? g.size.z : -g.size.z} + g.pos;
      o.vertindex = (l.x >= T(0) ? 1 : 0) | (l.y >= T(0) ? 2 : 0) | (l.z >= T(0) ? 4 : 0);
      break;
    }
    default: {  // mesh: the vertex with the largest projection
      const vec3<T> l = mul_transpose(g.mat, dir);
      if (g.graph && g.nvert >= kHillclimbMin) {
        // mjc_hillclimbSupport: from the last answer (or hull vertex 0) move to the best
        // neighbour until none is better; the start vertex itself is not compared first
        const int numvert = g.graph[0];
        const int* edgeadr = g.graph + 2;
        const int* globalid = g.graph + 2 + numvert;
        const int* edge = g.graph + 2 + 2 * numvert;
        T best = -T(FLT_MAX);
        int prev = -1, im = o.meshindex >= 0 ? o.meshindex : 0;
        while (im != prev) {
          prev = im;
          for (int i = edgeadr[im], sub; (sub = edge[i]) >= 0; ++i) {
            const T v = dot(l, vec3<T>::load(g.vert + 3 * globalid[sub]));
            if (v > best) { best = v; im = sub; }
          }
        }
        o.meshindex = im;
        o.vertindex = globalid[im];
        r = g.mat * vec3<T>::load(g.vert + 3 * globalid[im]) + g.pos;
        break;
      }
      // mjc_meshSupport: exhaustive search (the previous answer wins ties)
      T best = -T(FLT_MAX);
      int ib = 0;
      if (o.vertindex >= 0) {
        ib = o.vertindex;
        best = dot(l, vec3<T>::load(g.vert + 3 * ib));
      }
      for (int i = 0; i < g.nvert; ++i) {
        const T v = dot(l, vec3<T>::load(g.vert + 3 * i));
        if (v > best) { best = v; ib = i; }
      }
      o.vertindex = ib;
      r = g.mat * vec3<T>::load(g.vert + 3 * ib) + g.pos;
      break;
    }
  }
  if (o.margin > T(0)) r += (T(0.5) * o.margin) * dir;
  return r;
}

/// A point of the Minkowski difference with the two support points it came from.
template <class T> struct Vert {
  vec3<T> w, a, b;
  int i1, i2;  ///< box corner / mesh vertex behind a and b (-1: smooth shape)
};

template <class T> struct Status {
  Vert<T> simplex[4];
  int nsimplex;
  vec3<T> x1, x2;  ///< witness points (in: starting points)
  T dist;
  int iter;
  T tol;
  int kmax;
  T cutoff;
};

/// S_{A-B}(d) for unit d: A's support along d, B's along -d.
template <class T> SINEW_INLINE Vert<T> minkowski(Obj<T>& o1, Obj<T>& o2, const vec3<T>& d) {
  Vert<T> v;
  v.a = support(o1, d);
  v.b = support(o2, -d);
  v.w = v.a - v.b;
  v.i1 = o1.vertindex;
  v.i2 = o2.vertindex;
  return v;
}

template <class T> SINEW_INLINE bool equal3(const vec3<T>& a, const vec3<T>& b) {
  return std::fabs(a.x - b.x) < min_val<T>() && std::fabs(a.y - b.y) < min_val<T>() && std::fabs(a.z - b.z) < min_val<T>();
}

template <class T> SINEW_INLINE T det3(const vec3<T>& a, const vec3<T>& b, const vec3<T>& c) {
  return a.x * (b.y * c.z - b.z * c.y) + a.y * (b.z * c.x - b.x * c.z) + a.z * (b.x * c.y - b.y * c.x);
}

template <class T> SINEW_INLINE int sign2(T a, T b) {
  if (a > T(0) && b > T(0)) return 1;
  if (a < T(0) && b < T(0)) return -1;
  return 0;
}

/// Projection of the origin on the plane through a, b, c; returns false when degenerate.
template <class T> SINEW_INLINE bool project_origin_plane(vec3<T>& res, const vec3<T>& a, const vec3<T>& b, const vec3<T>& c) {
  const vec3<T> ba = b - a, ca = c - a, cb = c - b;
  vec3<T> n = cross(cb, ba);
  T nv = dot(n, b), nn = dot(n, n);
  if (nn == T(0)) return false;
  if (nv != T(0) && nn > min_val<T>()) { res = (nv / nn) * n; return true; }
  n = cross(ba, ca);
  nv = dot(n, a);
  nn = dot(n, n);
  if (nn == T(0)) return false;
  if (nv != T(0) && nn > min_val<T>()) { res = (nv / nn) * n; return true; }
  n = cross(ca, cb);
  nv = dot(n, c);
  nn = dot(n, n);
  res = (nv / nn) * n;
  return true;
}

/// Barycentric weights of the point of segment [a, b] closest to the origin.
template <class T> SINEW_INLINE void closest1(T lam[2], const vec3<T>& a, const vec3<T>& b) {
  const vec3<T> d = b - a;
  const T s = -(dot(b, d) / dot(d, d));
  const vec3<T> p = b + s * d;
  T mu = T(0);
  int k = 0;
  for (int i = 0; i < 3; ++i) {
    const T m = a[i] - b[i];
    if (std::fabs(m) >= std::fabs(mu)) { mu = m; k = i; }
  }
  const T c1 = p[k] - b[k], c2 = a[k] - p[k];
  if (sign2(mu, c1) && sign2(mu, c2)) { lam[0] = c1 / mu; lam[1] = c2 / mu; }
  else { lam[0] = T(0); lam[1] = T(1); }
}

/// The 2x2 minors of [a b c; 1 1 1] that pick the projection plane of a triangle.
template <class T> SINEW_INLINE void tri_minors(T M[3], const vec3<T>& a, const vec3<T>& b, const vec3<T>& c) {
  M[0] = b.y * c.z - b.z * c.y - a.y * c.z + a.z * c.y + a.y * b.z - a.z * b.y;
  M[1] = b.x * c.z - b.z * c.x - a.x * c.z + a.z * c.x + a.x * b.z - a.z * b.x;
  M[2] = b.x * c.y - b.y * c.x - a.x * c.y + a.y * c.x + a.x * b.y - a.y * b.x;
}

/// Signed areas of (p, b, c), (p, c, a), (p, a, b) in the plane of axes (i, j).
template <class T>
SINEW_INLINE void tri_areas(T C[3], const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& p, int i, int j) {
  C[0] = p[i] * b[j] + p[j] * c[i] + b[i] * c[j] - p[i] * c[j] - p[j] * b[i] - c[i] * b[j];
  C[1] = p[i] * c[j] + p[j] * a[i] + c[i] * a[j] - p[i] * a[j] - p[j] * c[i] - a[i] * c[j];
  C[2] = p[i] * a[j] + p[j] * b[i] + a[i] * b[j] - p[i] * b[j] - p[j] * a[i] - b[i] * a[j];
}

template <class T> SINEW_INLINE T pick_plane(const T M[3], int& i, int& j) {
  const T m0 = std::fabs(M[0]), m1 = std::fabs(M[1]), m2 = std::fabs(M[2]);
  if (m0 >= m1 && m0 >= m2) { i = 1; j = 2; return M[0]; }
  if (m1 >= m2) { i = 0; j = 2; return M[1]; }
  i = 0; j = 1;
  return M[2];
}

/// Barycentric weights of the point of triangle abc closest to the origin.
template <class T> SINEW_INLINE void closest2(T lam[3], const vec3<T>& a, const vec3<T>& b, const vec3<T>& c) {
  vec3<T> p;
  if (!project_origin_plane(p, a, b, c)) {
    closest1(lam, a, b);
    lam[2] = T(0);
    return;
  }
  T M[3], C[3];
  tri_minors(M, a, b, c);
  int i, j;
  const T mmax = pick_plane(M, i, j);
  tri_areas(C, a, b, c, p, i, j);
  const int s0 = sign2(mmax, C[0]), s1 = sign2(mmax, C[1]), s2 = sign2(mmax, C[2]);
  if (s0 && s1 && s2) {
    lam[0] = C[0] / mmax; lam[1] = C[1] / mmax; lam[2] = C[2] / mmax;
    return;
  }
  // the closest point is on an edge: the nearest of the edges opposite a vertex whose weight
  // sign disagrees (edges bc, ac, ab in turn; the first candidate taken, later ones if nearer)
  const vec3<T>* V[3] = {&a, &b, &c};
  const int sg[3] = {s0, s1, s2};
  const int E[3][2] = {{1, 2}, {0, 2}, {0, 1}};
  T best = maxval<T>();
  bool first = true;
  for (int e = 0; e < 3; ++e) {
    if (sg[e]) continue;
    T l[2];
    closest1(l, *V[E[e][0]], *V[E[e][1]]);
    const vec3<T> x = l[0] * *V[E[e][0]] + l[1] * *V[E[e][1]];
    const T d = dot(x, x);
    if (first || d < best) {
      lam[e] = T(0); lam[E[e][0]] = l[0]; lam[E[e][1]] = l[1];
      best = d;
      first = false;
    }
  }
}

/// Barycentric weights of the point of tetrahedron abcd closest to the origin.
template <class T>
SINEW_INLINE void closest3(T lam[4], const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& d) {
  const T C[4] = {-det3(b, c, d), det3(a, c, d), -det3(a, b, d), det3(a, b, c)};
  const T det = C[0] + C[1] + C[2] + C[3];
  const int sg[4] = {sign2(det, C[0]), sign2(det, C[1]), sign2(det, C[2]), sign2(det, C[3])};
  if (sg[0] && sg[1] && sg[2] && sg[3]) {
    for (int k = 0; k < 4; ++k) lam[k] = C[k] / det;
    return;
  }
  const vec3<T>* V[4] = {&a, &b, &c, &d};
  T best = maxval<T>();
  bool first = true;
  for (int f = 0; f < 4; ++f) {
    if (sg[f]) continue;
    int id[3], n = 0;
    for (int k = 0; k < 4; ++k)
      if (k != f) id[n++] = k;
    T l[3];
    closest2(l, *V[id[0]], *V[id[1]], *V[id[2]]);
    const vec3<T> x = l[0] * *V[id[0]] + l[1] * *V[id[1]] + l[2] * *V[id[2]];
    const T dd = dot(x, x);
    if (first || dd < best) {
      lam[f] = T(0);
      for (int k = 0; k < 3; ++k) lam[id[k]] = l[k];
      best = dd;
      first = false;
    }
  }
}

/// Signed distance of the origin to the plane of (a, b, c) with normal (c - a) x (b - a);
/// maxval when the normal cannot be normalized (n left unnormalized then).
template <class T> SINEW_INLINE T face_distance(vec3<T>& n, const Vert<T>& a, const Vert<T>& b, const Vert<T>& c) {
  n = cross(c.w - a.w, b.w - a.w);
  const T nn = dot(n, n);
  if (nn > min_val<T>() * min_val<T>() && nn < maxval<T>() * maxval<T>()) {
    n = (T(1) / std::sqrt(nn)) * n;
    return dot(n, a.w);
  }
  return maxlimit<T>();
}

/// Intersection test continuing from a full GJK simplex: 1 overlap (status simplex holds a
/// tetrahedron containing the origin), 0 separated, -1 undecided.
template <class T> SINEW_INLINE int gjk_intersect(Status<T>& st, Obj<T>& o1, Obj<T>& o2) {
  Vert<T> s[4] = {st.simplex[0], st.simplex[1], st.simplex[2], st.simplex[3]};
  int p[4] = {0, 1, 2, 3};
  int k = st.iter;
  for (; k < st.kmax; ++k) {
    vec3<T> n[4];
    T d[4];
    d[0] = face_distance(n[0], s[p[2]], s[p[1]], s[p[3]]);
    d[1] = face_distance(n[1], s[p[0]], s[p[2]], s[p[3]]);
    d[2] = face_distance(n[2], s[p[1]], s[p[0]], s[p[3]]);
    d[3] = face_distance(n[3], s[p[0]], s[p[1]], s[p[2]]);
    if (d[3] == T(0) || d[2] == T(0) || d[1] == T(0) || d[0] == T(0)) { st.iter = k; return -1; }
    const int i = d[0] < d[1] ? 0 : 1, j = d[2] < d[3] ? 2 : 3;
    const int f = d[i] < d[j] ? i : j;
    if (d[f] > T(0)) {
      for (int q = 0; q < 4; ++q) st.simplex[q] = s[p[q]];
      st.nsimplex = 4;
      st.iter = k;
      return 1;
    }
    s[p[f]] = minkowski(o1, o2, n[f]);
    if (dot(n[f], s[p[f]].w) < T(0)) { st.nsimplex = 0; st.iter = k; return 0; }
    const int a = (f + 1) & 3, b = (f + 2) & 3;
    const int t = p[a]; p[a] = p[b]; p[b] = t;
  }
  st.iter = k;
  return -1;
}

/// GJK from the starting points st.x1 - st.x2. st.cutoff > 0: distance wanted (stops once the
/// shapes are provably farther than cutoff, dist = maxlimit); otherwise intersection only.
/// dist: |x| of the last iterate, 0 when the simplex became a tetrahedron around the origin.
template <class T> SINEW_INLINE void gjk(Status<T>& st, Obj<T>& o1, Obj<T>& o2, bool discrete) {
  const bool get_dist = st.cutoff > T(0);
  bool backup = !get_dist;
  Vert<T>* S = st.simplex;
  int n = 0, k = 0;
  T lam[4] = {T(1), T(0), T(0), T(0)};
  const T cut2 = st.cutoff * st.cutoff;
  const T eps = discrete ? T(0) : T(0.5) * st.tol * st.tol;
  vec3<T> x = st.x1 - st.x2;
  T xn = T(0);
  for (; k < st.kmax; ++k) {
    xn = dot(x, x);
    if (xn < min_val<T>() * min_val<T>()) break;
    xn = std::sqrt(xn);
    const vec3<T> dn = (T(1) / xn) * x;
    S[n] = minkowski(o1, o2, -dn);
    const vec3<T> s = S[n].w;
    if (dot(x, x - s) < eps) {  // Frank-Wolfe duality gap
      if (!k) n = 1;
      break;
    }
    if (!get_dist) {
      if (dot(x, s) > T(0)) {
        st.iter = k; st.nsimplex = 0; st.dist = maxlimit<T>();
        return;
      }
    } else if (st.cutoff < maxlimit<T>()) {
      const T vs = dot(x, s), vv = dot(x, x);
      if (vs > T(0) && vs * vs / vv >= cut2) {
        st.iter = k; st.nsimplex = 0; st.dist = maxlimit<T>();
        return;
      }
    }
    if (n == 3 && backup) {
      st.iter = k;
      const int r = gjk_intersect(st, o1, o2);
      if (r != -1) {  // decided: overlap (st.simplex holds the tetrahedron) or apart
        st.dist = r > 0 ? T(0) : maxlimit<T>();
        return;
      }
      k = st.iter;
      backup = false;
    }
    lam[0] = lam[1] = lam[2] = lam[3] = T(0);
    if (n + 1 == 4) closest3(lam, S[0].w, S[1].w, S[2].w, S[3].w);
    else if (n + 1 == 3) closest2(lam, S[0].w, S[1].w, S[2].w);
    else if (n + 1 == 2) closest1(lam, S[0].w, S[1].w);
    else lam[0] = T(1);
    n = 0;
    for (int i = 0; i < 4; ++i) {
      if (lam[i] == T(0)) continue;
      S[n] = S[i];
      lam[n++] = lam[i];
    }
    if (n < 1) {
      st.iter = k; st.nsimplex = 0; st.dist = maxlimit<T>();
      return;
    }
    vec3<T> nx = vec3<T>::zero();
    for (int i = 0; i < n; ++i) nx += lam[i] * S[i].w;
    if (equal3(nx, x)) break;
    x = nx;
    if (n == 4) { xn = T(0); break; }
  }
  if (n > 0) {
    vec3<T> p1 = vec3<T>::zero(), p2 = vec3<T>::zero();
    for (int i = 0; i < n; ++i) { p1 += lam[i] * S[i].a; p2 += lam[i] * S[i].b; }
    st.x1 = p1;
    st.x2 = p2;
  }
  st.iter = k;
  st.nsimplex = n;
  st.dist = xn;
}

// ------------------------------------------------------------------------------------ EPA

template <class T> struct Face {
  vec3<T> v;   ///< projection of the origin on the face (its outward normal times |v|)
  T dist2;     ///< |v|^2
  int vert[3];
  int adj[3];  ///< neighbour across edge (vert[i], vert[i+1])
  int index;   ///< slot in the candidate map; -1 not a candidate; -2 deleted
};

template <class T> struct Polytope {
  Vert<T> verts[kCcdMaxVerts];
  Face<T> faces[kCcdMaxFaces];
  int map[kCcdMaxFaces];
  int nverts, nfaces, nmap;
};

template <class T> SINEW_INLINE int add_vert(Polytope<T>& pt, const Vert<T>& v) {
  pt.verts[pt.nverts] = v;
  return pt.nverts++;
}

/// Adds the Minkowski support point along d (|d| = dn) to the polytope.
template <class T> SINEW_INLINE int add_support(Polytope<T>& pt, Obj<T>& o1, Obj<T>& o2, const vec3<T>& d, T dn) {
  vec3<T> u = {T(1), T(0), T(0)};
  if (dn > min_val<T>()) u = {d.x / dn, d.y / dn, d.z / dn};
  pt.verts[pt.nverts] = minkowski(o1, o2, u);
  return pt.nverts++;
}

/// Appends a face (a, b, c) with its neighbours; returns its squared distance to the origin (0
/// when the origin's projection is undefined).
template <class T> SINEW_INLINE T attach(Polytope<T>& pt, int a, int b, int c, int n0, int n1, int n2) {
  Face<T>& f = pt.faces[pt.nfaces++];
  f.vert[0] = a; f.vert[1] = b; f.vert[2] = c;
  f.adj[0] = n0; f.adj[1] = n1; f.adj[2] = n2;
  if (!project_origin_plane(f.v, pt.verts[c].w, pt.verts[b].w, pt.verts[a].w)) {
    f.dist2 = T(0);
    f.index = -1;
    return T(0);
  }
  f.dist2 = dot(f.v, f.v);
  f.index = -1;
  return f.dist2;
}

template <class T> SINEW_INLINE void tri_coords(T lam[3], const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& p) {
  T M[3], C[3];
  tri_minors(M, a, b, c);
  int i, j;
  const T mmax = pick_plane(M, i, j);
  tri_areas(C, a, b, c, p, i, j);
  lam[0] = C[0] / mmax; lam[1] = C[1] / mmax; lam[2] = C[2] / mmax;
}

template <class T> SINEW_INLINE bool point_in_triangle(const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& p) {
  T l[3];
  tri_coords(l, a, b, c, p);
  if (l[0] < T(0) || l[1] < T(0) || l[2] < T(0)) return false;
  const vec3<T> q = l[0] * a + l[1] * b + l[2] * c;
  return norm(q - p) < min_val<T>();
}

template <class T> SINEW_INLINE bool same_side(const vec3<T>& p0, const vec3<T>& p1, const vec3<T>& p2, const vec3<T>& p3) {
  const vec3<T> n = cross(p1 - p0, p2 - p0);
  const T d1 = dot(n, p3 - p0), d2 = dot(n, -p0);
  return (d1 > T(0) && d2 > T(0)) || (d1 < T(0) && d2 < T(0));
}

template <class T> SINEW_INLINE bool origin_in_tetra(const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& d) {
  return same_side(a, b, c, d) && same_side(b, c, d, a) && same_side(c, d, a, b) && same_side(d, a, b, c);
}

template <class T> SINEW_INLINE void map_initial(Polytope<T>& pt, int n) {
  for (int i = 0; i < n; ++i) { pt.map[i] = i; pt.faces[i].index = i; }
  pt.nmap = n;
}

/// Hexahedron around the triangle st.simplex[0..3) (apexes along both normals); 0 on success.
template <class T> SINEW_INLINE int polytope3(Polytope<T>& pt, Status<T>& st, Obj<T>& o1, Obj<T>& o2) {
  const vec3<T> a = st.simplex[0].w, b = st.simplex[1].w, c = st.simplex[2].w;
  const vec3<T> n = cross(b - a, c - a);
  const T nn = norm(n);
  if (nn < min_val<T>()) return 1;
  const int i1 = add_vert(pt, st.simplex[0]), i2 = add_vert(pt, st.simplex[1]), i3 = add_vert(pt, st.simplex[2]);
  const int i5 = add_support(pt, o1, o2, -n, nn);
  const int i4 = add_support(pt, o1, o2, n, nn);
  if (point_in_triangle(a, b, c, pt.verts[i4].w)) return 2;
  if (point_in_triangle(a, b, c, pt.verts[i5].w)) return 3;
  // (st.dist is 0 here, so MuJoCo's origin-inside check of the hexahedron never applies)
  const int F[6][6] = {{i4, i1, i2, 1, 3, 2}, {i4, i3, i1, 2, 4, 0}, {i4, i2, i3, 0, 5, 1},
                       {i5, i2, i1, 5, 0, 4}, {i5, i1, i3, 3, 1, 5}, {i5, i3, i2, 4, 2, 3}};
  for (int f = 0; f < 6; ++f)
    if (attach(pt, F[f][0], F[f][1], F[f][2], F[f][3], F[f][4], F[f][5]) < min_val<T>() * min_val<T>()) return 4;
  map_initial(pt, 6);
  return 0;
}

/// Restarts from the triangle (a, b, c) of the polytope (the origin lies on its plane).
template <class T> SINEW_INLINE int retry_triangle(Polytope<T>& pt, Status<T>& st, Obj<T>& o1, Obj<T>& o2, int a, int b, int c) {
  const Vert<T> va = pt.verts[a], vb = pt.verts[b], vc = pt.verts[c];
  st.simplex[0] = va; st.simplex[1] = vb; st.simplex[2] = vc;
  st.nsimplex = 3;
  pt.nfaces = 0;
  pt.nverts = 0;
  return polytope3(pt, st, o1, o2);
}

/// Hexahedron around the segment st.simplex[0..2) (three points at 120 degrees around it).
template <class T> SINEW_INLINE int polytope2(Polytope<T>& pt, Status<T>& st, Obj<T>& o1, Obj<T>& o2) {
  const vec3<T> a = st.simplex[0].w, b = st.simplex[1].w;
  const vec3<T> df = b - a;
  T small = maxval<T>();
  int k = 0;
  for (int i = 0; i < 3; ++i)
    if (std::fabs(df[i]) < small) { small = std::fabs(df[i]); k = i; }
  vec3<T> e = vec3<T>::zero();
  e[k] = T(1);
  const vec3<T> d1 = cross(e, df);
  // rotation by 120 degrees about df
  const T ln = norm(df);
  const T u1 = df.x / ln, u2 = df.y / ln, u3 = df.z / ln;
  const T sn = T(0.86602540378), cs = T(-0.5);
  mat3<T> R;
  R.m[0] = cs + u1 * u1 * (1 - cs); R.m[1] = u1 * u2 * (1 - cs) - u3 * sn; R.m[2] = u1 * u3 * (1 - cs) + u2 * sn;
  R.m[3] = u2 * u1 * (1 - cs) + u3 * sn; R.m[4] = cs + u2 * u2 * (1 - cs); R.m[5] = u2 * u3 * (1 - cs) - u1 * sn;
  R.m[6] = u1 * u3 * (1 - cs) - u2 * sn; R.m[7] = u2 * u3 * (1 - cs) + u1 * sn; R.m[8] = cs + u3 * u3 * (1 - cs);
  const vec3<T> d2 = R * d1, d3 = R * d2;
  const int i1 = add_vert(pt, st.simplex[0]), i2 = add_vert(pt, st.simplex[1]);
  const int i3 = add_support(pt, o1, o2, d1, norm(d1));
  const int i4 = add_support(pt, o1, o2, d2, norm(d2));
  const int i5 = add_support(pt, o1, o2, d3, norm(d3));
  const int F[6][6] = {{i1, i3, i4, 1, 3, 2}, {i1, i5, i3, 2, 4, 0}, {i1, i4, i5, 0, 5, 1},
                       {i2, i4, i3, 5, 0, 4}, {i2, i3, i5, 3, 1, 5}, {i2, i5, i4, 4, 2, 3}};
  for (int f = 0; f < 6; ++f)
    if (attach(pt, F[f][0], F[f][1], F[f][2], F[f][3], F[f][4], F[f][5]) < min_val<T>() * min_val<T>())
      return retry_triangle(pt, st, o1, o2, F[f][0], F[f][1], F[f][2]);
  // the hexahedron must be convex: the ray a->b crosses the triangle of the three new points
  {
    const vec3<T> ab = b - a, a3 = pt.verts[i3].w - a, a4 = pt.verts[i4].w - a, a5 = pt.verts[i5].w - a;
    const T v1 = det3(a3, a4, ab), v2 = det3(a4, a5, ab), v3 = det3(a5, a3, ab);
    const bool pos = v1 >= T(0) && v2 >= T(0) && v3 >= T(0), neg = v1 <= T(0) && v2 <= T(0) && v3 <= T(0);
    if (!pos && !neg) return 6;
  }
  map_initial(pt, 6);
  return 0;
}

/// The GJK tetrahedron itself.
template <class T> SINEW_INLINE int polytope4(Polytope<T>& pt, Status<T>& st, Obj<T>& o1, Obj<T>& o2) {
  const int i1 = add_vert(pt, st.simplex[0]), i2 = add_vert(pt, st.simplex[1]);
  const int i3 = add_vert(pt, st.simplex[2]), i4 = add_vert(pt, st.simplex[3]);
  const int F[4][6] = {{i1, i2, i3, 1, 3, 2}, {i1, i4, i2, 2, 3, 0}, {i1, i3, i4, 0, 3, 1}, {i4, i3, i2, 2, 0, 1}};
  for (int f = 0; f < 4; ++f)
    if (attach(pt, F[f][0], F[f][1], F[f][2], F[f][3], F[f][4], F[f][5]) < min_val<T>() * min_val<T>())
      return retry_triangle(pt, st, o1, o2, F[f][0], F[f][1], F[f][2]);
  if (!origin_in_tetra(pt.verts[i1].w, pt.verts[i2].w, pt.verts[i3].w, pt.verts[i4].w)) return 5;
  map_initial(pt, 4);
  return 0;
}

template <class T> SINEW_INLINE void delete_face(Polytope<T>& pt, int f) {
  Face<T>& F = pt.faces[f];
  if (F.index >= 0) {
    pt.map[F.index] = pt.map[--pt.nmap];
    pt.faces[pt.map[F.index]].index = F.index;
  }
  F.index = -2;
}

template <class T> SINEW_INLINE int edge_of(const Face<T>& f, int v) { return f.vert[0] == v ? 0 : (f.vert[1] == v ? 1 : 2); }

/// Deletes every face visible from w connected to `start` (itself deleted) and lists the horizon
/// edges (face, edge) in the order of a depth-first search that crosses edges start.adj[0..3),
/// then each deleted face's other two edges in turn: a closed loop around the hole.
template <class T> SINEW_INLINE int horizon(Polytope<T>& pt, int start, const vec3<T>& w, int* hf, int* he) {
  int ne = 0;
  auto visible = [&](int f) { const Face<T>& F = pt.faces[f]; return dot(F.v, w) - F.dist2 > min_val<T>(); };
  struct Frame { int f, e, k; };
  Frame stack[kCcdMaxFaces];
  auto explore = [&](int f0, int e0) {
    // returns whether f0 was visible (and explored)
    if (!visible(f0)) return false;
    delete_face(pt, f0);
    int top = 0;
    stack[0] = {f0, e0, 1};
    while (top >= 0) {
      Frame& fr = stack[top];
      if (fr.k > 2) { --top; continue; }
      const int i = (fr.e + fr.k) % 3;
      ++fr.k;
      const int a = pt.faces[fr.f].adj[i];
      if (pt.faces[a].index > -2) {
        const int ae = edge_of(pt.faces[a], pt.faces[fr.f].vert[(i + 1) % 3]);
        if (visible(a) && top + 1 < kCcdMaxFaces) {
          delete_face(pt, a);
          stack[++top] = {a, ae, 1};
        } else if (ne < kCcdMaxFaces) {
          hf[ne] = a; he[ne] = ae; ++ne;
        }
      }
    }
    return true;
  };
  delete_face(pt, start);
  const Face<T> S = pt.faces[start];
  for (int q = 0; q < 3; ++q) {
    const int a = S.adj[q];
    if (q > 0 && pt.faces[a].index <= -2) continue;
    const int ae = edge_of(pt.faces[a], S.vert[(q + 1) % 3]);
    if (!explore(a, ae) && ne < kCcdMaxFaces) { hf[ne] = a; he[ne] = ae; ++ne; }
  }
  return ne;
}

template <class T> SINEW_INLINE void witness(const Polytope<T>& pt, const Face<T>& f, vec3<T>& x1, vec3<T>& x2) {
  const Vert<T>& a = pt.verts[f.vert[0]];
  const Vert<T>& b = pt.verts[f.vert[1]];
  const Vert<T>& c = pt.verts[f.vert[2]];
  T l[3];
  tri_coords(l, a.w, b.w, c.w, f.v);
  x1 = l[0] * a.a + l[1] * b.a + l[2] * c.a;
  x2 = l[0] * a.b + l[1] * b.b + l[2] * c.b;
}

/// EPA; returns false on an unrecoverable degeneracy (no contact). On success st.x1, st.x2,
/// st.dist = -depth.
template <class T> SINEW_INLINE bool epa(Status<T>& st, Polytope<T>& pt, Obj<T>& o1, Obj<T>& o2, bool discrete) {
  T upper = maxlimit<T>(), upper2 = maxlimit<T>();
  const T tol = (discrete && sizeof(T) == sizeof(double)) ? min_val<T>() : st.tol;
  int face = -1;
  int hf[kCcdMaxFaces], he[kCcdMaxFaces];
  for (int k = 0; k < st.kmax; ++k) {
    const int prev = face;
    T lower2 = maxlimit<T>();
    for (int i = 0; i < pt.nmap; ++i)
      if (pt.faces[pt.map[i]].dist2 < lower2) { face = pt.map[i]; lower2 = pt.faces[face].dist2; }
    if (lower2 > upper2 || face < 0) { face = prev; break; }
    if (lower2 <= T(0)) break;
    if (pt.nverts >= kCcdMaxVerts) break;
    const T lower = std::sqrt(lower2);
    const int wi = add_support(pt, o1, o2, pt.faces[face].v, lower);
    const vec3<T> w = pt.verts[wi].w;
    const T up = dot(pt.faces[face].v, w) / lower;
    if (up < upper) { upper = up; upper2 = upper * upper; }
    if (upper - lower < tol) break;
    if (discrete) {  // a repeated support point: converged
      bool rep = false;
      for (int i = 0; i < pt.nverts - 1; ++i)
        if (pt.verts[wi].i1 == pt.verts[i].i1 && pt.verts[wi].i2 == pt.verts[i].i2) { rep = true; break; }
      if (rep) break;
    }
    const int ne = horizon(pt, face, w, hf, he);
    if (ne < 3) return false;
    const int nf = pt.nfaces;
    if (ne > kCcdMaxFaces - nf) break;  // out of face storage (MuJoCo warns and stops too)
    for (int i = 0; i < ne; ++i) {
      const int cur = nf + i;
      const int prv = i == 0 ? nf + ne - 1 : cur - 1;
      const int nxt = nf + (i + 1) % ne;
      Face<T>& H = pt.faces[hf[i]];
      const int v1 = H.vert[he[i]], v2 = H.vert[(he[i] + 1) % 3];
      H.adj[he[i]] = cur;
      const T d2 = attach(pt, wi, v2, v1, prv, hf[i], nxt);
      if (d2 == T(0)) return false;
      if (d2 >= lower2 && d2 <= upper2) {
        const int m = pt.nmap++;
        pt.map[m] = cur;
        pt.faces[cur].index = m;
      }
    }
    if (!pt.nmap) break;
  }
  if (face < 0) return false;
  witness(pt, pt.faces[face], st.x1, st.x2);
  st.dist = -std::sqrt(pt.faces[face].dist2);
  return true;
}

/// Moves the witness points out by the core radii r1, r2 along their difference.
template <class T> SINEW_INLINE void inflate(Status<T>& st, T r1, T r2) {
  vec3<T> n = st.x2 - st.x1;
  normalize(n);
  if (r1 != T(0)) st.x1 += r1 * n;
  if (r2 != T(0)) st.x2 -= r2 * n;
  st.dist -= r1 + r2;
}

/// Starting point of GJK in a shape (mjc_center): the geom's position; a prism's vertex mean.
template <class T> SINEW_INLINE vec3<T> center(const Obj<T>& o) {
  if (o.kind != K_PRISM) return o.g->pos;
  vec3<T> c = vec3<T>::zero();
  for (int i = 0; i < 6; ++i) c += vec3<T>::load(o.g->vert + 3 * i);
  return (T(1) / T(6)) * c;
}

/// mjc_ccd with one contact: returns the signed distance of the margin-inflated shapes (< 0:
/// contact, witness points in st.x1, st.x2).
template <class T> SINEW_INLINE T ccd(Status<T>& st, Obj<T>& o1, Obj<T>& o2, T tol, int kmax) {
  const GeomPose<T>& g1 = *o1.g;
  const GeomPose<T>& g2 = *o2.g;
  st.x1 = center(o1);
  st.x2 = center(o2);
  st.iter = 0;
  st.tol = tol;
  st.kmax = kmax;
  st.cutoff = T(0);
  st.nsimplex = 0;
  const bool c1 = o1.kind == K_SPHERE || o1.kind == K_CAPSULE, c2 = o2.kind == K_SPHERE || o2.kind == K_CAPSULE;
  const bool discrete = o1.margin == T(0) && o2.margin == T(0) &&
                        (o1.kind == K_BOX || o1.kind == K_MESH || o1.kind == K_PRISM) &&
                        (o2.kind == K_BOX || o2.kind == K_MESH || o2.kind == K_PRISM);
  if (c1 || c2) {
    const int k1 = o1.kind, k2 = o2.kind;
    const T m1 = o1.margin, m2 = o2.margin;
    T r1 = T(0), r2 = T(0);
    if (c1) { r1 = g1.size.x + T(0.5) * m1; o1.kind = k1 == K_SPHERE ? K_POINT : K_LINE; o1.margin = T(0); }
    if (c2) { r2 = g2.size.x + T(0.5) * m2; o2.kind = k2 == K_SPHERE ? K_POINT : K_LINE; o2.margin = T(0); }
    st.cutoff = r1 + r2;
    gjk(st, o1, o2, discrete);
    st.cutoff = T(0);
    o1.kind = k1; o1.margin = m1;
    o2.kind = k2; o2.margin = m2;
    if (st.dist > tol) {  // the cores are apart: inflate by radius + margin/2
      inflate(st, r1, r2);
      if (st.dist > st.cutoff) st.dist = maxlimit<T>();
      return st.dist;
    }
    st.iter = 0;
    st.x1 = center(o1);
    st.x2 = center(o2);
  }
  gjk(st, o1, o2, discrete);
  if (st.dist <= tol && st.nsimplex > 1) {
    st.dist = T(0);
    Polytope<T> pt;
    pt.nfaces = pt.nmap = pt.nverts = 0;
    int ret;
    if (st.nsimplex == 2) ret = polytope2(pt, st, o1, o2);
    else if (st.nsimplex == 3) ret = polytope3(pt, st, o1, o2);
    else ret = polytope4(pt, st, o1, o2);
    if (ret == 0 && !epa(st, pt, o1, o2, discrete)) st.dist = T(0);
  }
  return st.dist;
}

}  // namespace ccd

/// mjc_Convex (native CCD, one contact) for geoms g1, g2 in MuJoCo's order (type1 <= type2).
/// tol, iterations: opt.ccd_tolerance, opt.ccd_iterations (clamped to kCcdMaxIter).
template <class T>
SINEW_INLINE int convex_pair(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2, T tol, int iterations) {
  ccd::Obj<T> o1{&g1, ccd::full_kind<T>(g1.type), margin, -1, -1};
  ccd::Obj<T> o2{&g2, ccd::full_kind<T>(g2.type), margin, -1, -1};
  ccd::Status<T> st;
  const int kmax = iterations < kCcdMaxIter ? iterations : kCcdMaxIter;
  const T dist = ccd::ccd(st, o1, o2, tol, kmax);
  if (!(dist < T(0))) return 0;
  con->dist = margin + dist;
  vec3<T> n = st.x1 - st.x2;
  normalize(n);
  con->normal = n;
  con->pos = T(0.5) * (st.x1 + st.x2);
  con->tangent = vec3<T>::zero();
  return 1;
}

}  // namespace sinew::collision
