// Native CCD, GJK: the signed-volume sub-distance helpers, the intersection test continuing from
// a full simplex, and GJK with MuJoCo's stopping rules. The algorithm and its references:
// collision/convex.hpp.
#pragma once
#include <cmath>

#include "sinew/collision/ccd_support.hpp"

namespace sinew::collision {
namespace ccd {

template <class T> SINEW_INLINE bool equal3(const vec3<T>& a, const vec3<T>& b) {
  return std::fabs(a.x - b.x) < min_val<T>() && std::fabs(a.y - b.y) < min_val<T>() &&
         std::fabs(a.z - b.z) < min_val<T>();
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
template <class T>
SINEW_INLINE bool project_origin_plane(vec3<T>& res, const vec3<T>& a, const vec3<T>& b, const vec3<T>& c) {
  const vec3<T> ba = b - a, ca = c - a, cb = c - b;
  vec3<T> n = cross(cb, ba);
  T nv = dot(n, b), nn = dot(n, n);
  if (nn == T(0)) return false;
  if (nv != T(0) && nn > min_val<T>()) {
    res = (nv / nn) * n;
    return true;
  }
  n = cross(ba, ca);
  nv = dot(n, a);
  nn = dot(n, n);
  if (nn == T(0)) return false;
  if (nv != T(0) && nn > min_val<T>()) {
    res = (nv / nn) * n;
    return true;
  }
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
    if (std::fabs(m) >= std::fabs(mu)) {
      mu = m;
      k = i;
    }
  }
  const T c1 = p[k] - b[k], c2 = a[k] - p[k];
  if (sign2(mu, c1) && sign2(mu, c2)) {
    lam[0] = c1 / mu;
    lam[1] = c2 / mu;
  } else {
    lam[0] = T(0);
    lam[1] = T(1);
  }
}

/// The 2x2 minors of [a b c; 1 1 1] that pick the projection plane of a triangle.
template <class T> SINEW_INLINE void tri_minors(T M[3], const vec3<T>& a, const vec3<T>& b, const vec3<T>& c) {
  M[0] = b.y * c.z - b.z * c.y - a.y * c.z + a.z * c.y + a.y * b.z - a.z * b.y;
  M[1] = b.x * c.z - b.z * c.x - a.x * c.z + a.z * c.x + a.x * b.z - a.z * b.x;
  M[2] = b.x * c.y - b.y * c.x - a.x * c.y + a.y * c.x + a.x * b.y - a.y * b.x;
}

/// Signed areas of (p, b, c), (p, c, a), (p, a, b) in the plane of axes (i, j).
template <class T>
SINEW_INLINE void tri_areas(T C[3], const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& p, int i,
                            int j) {
  C[0] = p[i] * b[j] + p[j] * c[i] + b[i] * c[j] - p[i] * c[j] - p[j] * b[i] - c[i] * b[j];
  C[1] = p[i] * c[j] + p[j] * a[i] + c[i] * a[j] - p[i] * a[j] - p[j] * c[i] - a[i] * c[j];
  C[2] = p[i] * a[j] + p[j] * b[i] + a[i] * b[j] - p[i] * b[j] - p[j] * a[i] - b[i] * a[j];
}

template <class T> SINEW_INLINE T pick_plane(const T M[3], int& i, int& j) {
  const T m0 = std::fabs(M[0]), m1 = std::fabs(M[1]), m2 = std::fabs(M[2]);
  if (m0 >= m1 && m0 >= m2) {
    i = 1;
    j = 2;
    return M[0];
  }
  if (m1 >= m2) {
    i = 0;
    j = 2;
    return M[1];
  }
  i = 0;
  j = 1;
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
    lam[0] = C[0] / mmax;
    lam[1] = C[1] / mmax;
    lam[2] = C[2] / mmax;
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
      lam[e] = T(0);
      lam[E[e][0]] = l[0];
      lam[E[e][1]] = l[1];
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
    if (d[3] == T(0) || d[2] == T(0) || d[1] == T(0) || d[0] == T(0)) {
      st.iter = k;
      return -1;
    }
    const int i = d[0] < d[1] ? 0 : 1, j = d[2] < d[3] ? 2 : 3;
    const int f = d[i] < d[j] ? i : j;
    if (d[f] > T(0)) {
      for (int q = 0; q < 4; ++q) st.simplex[q] = s[p[q]];
      st.nsimplex = 4;
      st.iter = k;
      return 1;
    }
    s[p[f]] = minkowski(o1, o2, n[f]);
    if (dot(n[f], s[p[f]].w) < T(0)) {
      st.nsimplex = 0;
      st.iter = k;
      return 0;
    }
    const int a = (f + 1) & 3, b = (f + 2) & 3;
    const int t = p[a];
    p[a] = p[b];
    p[b] = t;
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
        st.iter = k;
        st.nsimplex = 0;
        st.dist = maxlimit<T>();
        return;
      }
    } else if (st.cutoff < maxlimit<T>()) {
      const T vs = dot(x, s), vv = dot(x, x);
      if (vs > T(0) && vs * vs / vv >= cut2) {
        st.iter = k;
        st.nsimplex = 0;
        st.dist = maxlimit<T>();
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
      st.iter = k;
      st.nsimplex = 0;
      st.dist = maxlimit<T>();
      return;
    }
    vec3<T> nx = vec3<T>::zero();
    for (int i = 0; i < n; ++i) nx += lam[i] * S[i].w;
    if (equal3(nx, x)) break;
    x = nx;
    if (n == 4) {
      xn = T(0);
      break;
    }
  }
  if (n > 0) {
    vec3<T> p1 = vec3<T>::zero(), p2 = vec3<T>::zero();
    for (int i = 0; i < n; ++i) {
      p1 += lam[i] * S[i].a;
      p2 += lam[i] * S[i].b;
    }
    st.x1 = p1;
    st.x2 = p2;
  }
  st.iter = k;
  st.nsimplex = n;
  st.dist = xn;
}

}  // namespace ccd
}  // namespace sinew::collision
