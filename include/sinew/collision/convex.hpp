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
//
// Files: collision/ccd_support.hpp (shapes and support points), collision/gjk.hpp (GJK), this
// one (EPA and mjc_Convex's driver).
#pragma once
#include <cfloat>
#include <cmath>

#include "sinew/collision/gjk.hpp"
#include "sinew/collision/multiccd.hpp"
#include "sinew/collision/types.hpp"
#include "sinew/model/enums.hpp"

namespace sinew::collision {
namespace ccd {

// ------------------------------------------------------------------------------------ EPA

template <class T> struct Face {
  vec3<T> v;  ///< projection of the origin on the face (its outward normal times |v|)
  T dist2;    ///< |v|^2
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
  f.vert[0] = a;
  f.vert[1] = b;
  f.vert[2] = c;
  f.adj[0] = n0;
  f.adj[1] = n1;
  f.adj[2] = n2;
  if (!project_origin_plane(f.v, pt.verts[c].w, pt.verts[b].w, pt.verts[a].w)) {
    f.dist2 = T(0);
    f.index = -1;
    return T(0);
  }
  f.dist2 = dot(f.v, f.v);
  f.index = -1;
  return f.dist2;
}

template <class T>
SINEW_INLINE void tri_coords(T lam[3], const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& p) {
  T M[3], C[3];
  tri_minors(M, a, b, c);
  int i, j;
  const T mmax = pick_plane(M, i, j);
  tri_areas(C, a, b, c, p, i, j);
  lam[0] = C[0] / mmax;
  lam[1] = C[1] / mmax;
  lam[2] = C[2] / mmax;
}

template <class T>
SINEW_INLINE bool point_in_triangle(const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& p) {
  T l[3];
  tri_coords(l, a, b, c, p);
  if (l[0] < T(0) || l[1] < T(0) || l[2] < T(0)) return false;
  const vec3<T> q = l[0] * a + l[1] * b + l[2] * c;
  return norm(q - p) < min_val<T>();
}

template <class T>
SINEW_INLINE bool same_side(const vec3<T>& p0, const vec3<T>& p1, const vec3<T>& p2, const vec3<T>& p3) {
  const vec3<T> n = cross(p1 - p0, p2 - p0);
  const T d1 = dot(n, p3 - p0), d2 = dot(n, -p0);
  return (d1 > T(0) && d2 > T(0)) || (d1 < T(0) && d2 < T(0));
}

template <class T>
SINEW_INLINE bool origin_in_tetra(const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& d) {
  return same_side(a, b, c, d) && same_side(b, c, d, a) && same_side(c, d, a, b) && same_side(d, a, b, c);
}

template <class T> SINEW_INLINE void map_initial(Polytope<T>& pt, int n) {
  for (int i = 0; i < n; ++i) {
    pt.map[i] = i;
    pt.faces[i].index = i;
  }
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
template <class T>
SINEW_INLINE int retry_triangle(Polytope<T>& pt, Status<T>& st, Obj<T>& o1, Obj<T>& o2, int a, int b, int c) {
  const Vert<T> va = pt.verts[a], vb = pt.verts[b], vc = pt.verts[c];
  st.simplex[0] = va;
  st.simplex[1] = vb;
  st.simplex[2] = vc;
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
    if (std::fabs(df[i]) < small) {
      small = std::fabs(df[i]);
      k = i;
    }
  vec3<T> e = vec3<T>::zero();
  e[k] = T(1);
  const vec3<T> d1 = cross(e, df);
  // rotation by 120 degrees about df
  const T ln = norm(df);
  const T u1 = df.x / ln, u2 = df.y / ln, u3 = df.z / ln;
  const T sn = T(0.86602540378), cs = T(-0.5);
  mat3<T> R;
  R.m[0] = cs + u1 * u1 * (1 - cs);
  R.m[1] = u1 * u2 * (1 - cs) - u3 * sn;
  R.m[2] = u1 * u3 * (1 - cs) + u2 * sn;
  R.m[3] = u2 * u1 * (1 - cs) + u3 * sn;
  R.m[4] = cs + u2 * u2 * (1 - cs);
  R.m[5] = u2 * u3 * (1 - cs) - u1 * sn;
  R.m[6] = u1 * u3 * (1 - cs) - u2 * sn;
  R.m[7] = u2 * u3 * (1 - cs) + u1 * sn;
  R.m[8] = cs + u3 * u3 * (1 - cs);
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

template <class T> SINEW_INLINE int edge_of(const Face<T>& f, int v) {
  return f.vert[0] == v ? 0 : (f.vert[1] == v ? 1 : 2);
}

/// Deletes every face visible from w connected to `start` (itself deleted) and lists the horizon
/// edges (face, edge) in the order of a depth-first search that crosses edges start.adj[0..3),
/// then each deleted face's other two edges in turn: a closed loop around the hole.
template <class T> SINEW_INLINE int horizon(Polytope<T>& pt, int start, const vec3<T>& w, int* hf, int* he) {
  int ne = 0;
  auto visible = [&](int f) {
    const Face<T>& F = pt.faces[f];
    return dot(F.v, w) - F.dist2 > min_val<T>();
  };
  struct Frame {
    int f, e, k;
  };
  Frame stack[kCcdMaxFaces];
  auto explore = [&](int f0, int e0) {
    // returns whether f0 was visible (and explored)
    if (!visible(f0)) return false;
    delete_face(pt, f0);
    int top = 0;
    stack[0] = {f0, e0, 1};
    while (top >= 0) {
      Frame& fr = stack[top];
      if (fr.k > 2) {
        --top;
        continue;
      }
      const int i = (fr.e + fr.k) % 3;
      ++fr.k;
      const int a = pt.faces[fr.f].adj[i];
      if (pt.faces[a].index > -2) {
        const int ae = edge_of(pt.faces[a], pt.faces[fr.f].vert[(i + 1) % 3]);
        if (visible(a) && top + 1 < kCcdMaxFaces) {
          delete_face(pt, a);
          stack[++top] = {a, ae, 1};
        } else if (ne < kCcdMaxFaces) {
          hf[ne] = a;
          he[ne] = ae;
          ++ne;
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
    if (!explore(a, ae) && ne < kCcdMaxFaces) {
      hf[ne] = a;
      he[ne] = ae;
      ++ne;
    }
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
/// `out_face`: the nearest face (multicontact's features).
template <class T>
SINEW_INLINE bool epa(Status<T>& st, Polytope<T>& pt, Obj<T>& o1, Obj<T>& o2, bool discrete, int* out_face = nullptr) {
  T upper = maxlimit<T>(), upper2 = maxlimit<T>();
  const T tol = (discrete && sizeof(T) == sizeof(double)) ? min_val<T>() : st.tol;
  int face = -1;
  int hf[kCcdMaxFaces], he[kCcdMaxFaces];
  for (int k = 0; k < st.kmax; ++k) {
    const int prev = face;
    T lower2 = maxlimit<T>();
    for (int i = 0; i < pt.nmap; ++i)
      if (pt.faces[pt.map[i]].dist2 < lower2) {
        face = pt.map[i];
        lower2 = pt.faces[face].dist2;
      }
    if (lower2 > upper2 || face < 0) {
      face = prev;
      break;
    }
    if (lower2 <= T(0)) break;
    if (pt.nverts >= kCcdMaxVerts) break;
    const T lower = std::sqrt(lower2);
    const int wi = add_support(pt, o1, o2, pt.faces[face].v, lower);
    const vec3<T> w = pt.verts[wi].w;
    const T up = dot(pt.faces[face].v, w) / lower;
    if (up < upper) {
      upper = up;
      upper2 = upper * upper;
    }
    if (upper - lower < tol) break;
    if (discrete) {  // a repeated support point: converged
      bool rep = false;
      for (int i = 0; i < pt.nverts - 1; ++i)
        if (pt.verts[wi].i1 == pt.verts[i].i1 && pt.verts[wi].i2 == pt.verts[i].i2) {
          rep = true;
          break;
        }
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
  if (out_face) *out_face = face;
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

/// mjc_ccd: returns the signed distance of the margin-inflated shapes (< 0: contact, witness
/// points in st.x1, st.x2). With `multi` (a box/mesh pair without margin, multiccd on), a
/// penetrating pair also gets multicontact's points there (multi->nx > 0; collision/multiccd.hpp).
template <class T>
SINEW_INLINE T ccd(Status<T>& st, Obj<T>& o1, Obj<T>& o2, T tol, int kmax, Multi<T>* multi = nullptr) {
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
    if (c1) {
      r1 = g1.size.x + T(0.5) * m1;
      o1.kind = k1 == K_SPHERE ? K_POINT : K_LINE;
      o1.margin = T(0);
    }
    if (c2) {
      r2 = g2.size.x + T(0.5) * m2;
      o2.kind = k2 == K_SPHERE ? K_POINT : K_LINE;
      o2.margin = T(0);
    }
    st.cutoff = r1 + r2;
    gjk(st, o1, o2, discrete);
    st.cutoff = T(0);
    o1.kind = k1;
    o1.margin = m1;
    o2.kind = k2;
    o2.margin = m2;
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
    int face = -1;
    if (ret == 0 && !epa(st, pt, o1, o2, discrete, &face)) st.dist = T(0);
    else if (ret == 0 && multi) {
      const Face<T>& f = pt.faces[face];
      MultiScratch<T> scratch;
      multicontact(*multi, scratch, pt.verts[f.vert[0]], pt.verts[f.vert[1]], pt.verts[f.vert[2]], st.x1, st.x2, *o1.g,
                   *o2.g);
    }
  }
  return st.dist;
}

/// mjc_CCDIteration with native CCD: the contacts of one CCD run (one, or multicontact's).
template <class T>
SINEW_INLINE int ccd_contacts(PreContact<T>* con, Obj<T>& o1, Obj<T>& o2, T margin, T tol, int kmax, bool multi) {
  Status<T> st;
  Multi<T> mc;
  const T dist = ccd(st, o1, o2, tol, kmax, multi ? &mc : nullptr);
  if (!(dist < T(0))) return 0;
  const int n = mc.nx > 0 ? mc.nx : 1;
  for (int i = 0; i < n; ++i) {
    const vec3<T> x1 = mc.nx > 0 ? mc.x1[i] : st.x1, x2 = mc.nx > 0 ? mc.x2[i] : st.x2;
    con[i].dist = margin + dist;
    vec3<T> nrm = x1 - x2;
    normalize(nrm);
    con[i].normal = nrm;
    con[i].pos = {T(0.5) * (x1.x + x2.x), T(0.5) * (x1.y + x2.y), T(0.5) * (x1.z + x2.z)};
    con[i].tangent = vec3<T>::zero();
  }
  return n;
}

/// mju_rotateFrame: turns a pose by rot about origin.
template <class T> SINEW_INLINE void rotate_pose(GeomPose<T>& g, const mat3<T>& rot, const vec3<T>& origin) {
  g.mat = rot * g.mat;
  const vec3<T> rel = origin - g.pos;
  vec3<T> v = rot * rel;
  v -= rel;
  g.pos -= v;
}

}  // namespace ccd

/// Most contacts mjc_Convex returns for a pair of these types: box/mesh pairs without margin
/// with multiccd 4 (multicontact), other pairs of non-round shapes with multiccd 5 (the first
/// and four from perturbed poses), else 1.
inline constexpr int kPerturbMax = 5;  ///< contacts of MuJoCo's perturbation search: the first and four more

SINEW_INLINE int convex_maxcontact(int t1, int t2, bool multiccd, bool margin) {
  if (!multiccd) return 1;
  const bool bm1 = t1 == GEOM_BOX || t1 == GEOM_MESH, bm2 = t2 == GEOM_BOX || t2 == GEOM_MESH;
  if (bm1 && bm2 && !margin) return ccd::kMultiMax;
  if (t1 == GEOM_SPHERE || t1 == GEOM_ELLIPSOID || t2 == GEOM_SPHERE || t2 == GEOM_ELLIPSOID) return 1;
  return kPerturbMax;
}

/// mjc_Convex (native CCD) for geoms g1, g2 in MuJoCo's order (type1 <= type2). tol, iterations:
/// opt.ccd_tolerance, opt.ccd_iterations (clamped to kCcdMaxIter). multiccd (opt's flag): a
/// box/mesh pair without margin takes multicontact's points (up to 4); any other pair of
/// non-round shapes whose first run found one contact is run again with both geoms turned by
/// +-1e-3 rad about the contact's tangent axes (g1 one way, g2 the other, about the contact
/// point), keeping each new contact farther than 1e-3 min(rbound) from those kept, with the
/// first contact's depth (MuJoCo's perturbation search, up to 5).
template <class T>
SINEW_INLINE int convex_pair(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2, T tol,
                             int iterations, bool multiccd = false) {
  ccd::Obj<T> o1{&g1, ccd::full_kind<T>(g1.type), margin, -1, -1};
  ccd::Obj<T> o2{&g2, ccd::full_kind<T>(g2.type), margin, -1, -1};
  const int kmax = iterations < kCcdMaxIter ? iterations : kCcdMaxIter;
  const int maxc = convex_maxcontact(g1.type, g2.type, multiccd, margin > T(0));
  int ncon = ccd::ccd_contacts(con, o1, o2, margin, tol, kmax, maxc == ccd::kMultiMax);
  if (maxc != kPerturbMax || ncon != 1) return ncon;
  // perturbation search (the shapes' support caches carry over, as MuJoCo's objects do)
  T frame[9];
  make_frame(con[0].normal, con[0].tangent, frame);
  const T rb = g1.rbound < g2.rbound ? g1.rbound : g2.rbound;
  const T tolerance = T(1e-3) * rb;
  const vec3<T> origin = con[0].pos;
  GeomPose<T> p1 = g1, p2 = g2;
  o1.g = &p1;
  o2.g = &p2;
  for (int axis = 0; axis < 2; ++axis)
    for (int sgn = 0; sgn < 2; ++sgn) {
      const T angle = sgn == 0 ? T(-1e-3) : T(1e-3);
      const T s = std::sin(angle * T(0.5));
      const quat<T> q = {std::cos(angle * T(0.5)), frame[3 + 3 * axis] * s, frame[4 + 3 * axis] * s,
                         frame[5 + 3 * axis] * s};
      const mat3<T> rot = quat_to_mat(q);
      p1 = g1;
      p2 = g2;
      ccd::rotate_pose(p1, rot, origin);
      ccd::rotate_pose(p2, transpose(rot), origin);
      PreContact<T> c;
      if (!ccd::ccd_contacts(&c, o1, o2, margin, tol, kmax, false)) continue;
      bool distinct = true;
      for (int i = 0; i < ncon; ++i) {
        const vec3<T> d = con[i].pos - c.pos;
        if (std::sqrt(d.x * d.x + d.y * d.y + d.z * d.z) <= tolerance) {
          distinct = false;
          break;
        }
      }
      if (!distinct) continue;
      c.dist = con[0].dist;
      con[ncon++] = c;
    }
  return ncon;
}

}  // namespace sinew::collision
