// Native CCD, the shapes: a geom as the convex solver sees it (pose, support kind, half the pair
// margin), its support function (MuJoCo's, with hill climbing on a mesh's hull graph) and the
// Minkowski-difference vertex. The algorithm and its references: collision/convex.hpp.
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
        if (v > best) {
          ib = i;
          best = v;
        }
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
                          l.z >= T(0) ? g.size.z : -g.size.z} +
          g.pos;
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
            if (v > best) {
              best = v;
              im = sub;
            }
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
        if (v > best) {
          best = v;
          ib = i;
        }
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

}  // namespace ccd
}  // namespace sinew::collision
