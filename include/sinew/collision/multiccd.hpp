// Native CCD, several contacts per pair (MuJoCo 3.4's multiccd with nativeccd): when both geoms
// are boxes or meshes and the pair has no margin, the nearest face of EPA's final polytope names
// the features of the two shapes in contact (a vertex, an edge or a face of each, by the box
// corners and mesh vertices behind its three vertices). If a face of one shape is aligned with a
// face of the other (normals opposite within mjFACE_TOL), or an edge of one lies in a face of the
// other (perpendicular to its normal within mjEDGE_TOL), the face (or edge) is clipped against
// the other face's side planes (Sutherland-Hodgman) and the clipped polygon's vertices become the
// contacts, pruned to the quadrilateral of largest area when there are more than four; every
// contact gets the depth of the first and the face normal scaled by that depth as its direction.
// Otherwise the single EPA contact stands. Faces come from the box's six sides and from a mesh's
// polygons (Model::mesh_poly*: coplanar hull triangles merged by the compiler, as MuJoCo's
// mjCMesh::MakePolygons).
//
// A Sinew implementation of the algorithm MuJoCo 3.4 ships (engine_collision_gjk.c, "MultiCCD"),
// reproducing its decisions step by step so that the contacts are the same points in the same
// order. Device code: fixed-size arrays of mjMAX_POLYVERT (150) vertices.
#pragma once
#include <cmath>

#include "sinew/collision/ccd_support.hpp"

namespace sinew::collision {
namespace ccd {

inline constexpr int kMaxPolyVert = 150;  ///< mjMAX_POLYVERT: most vertices of a face used here
inline constexpr int kMultiMax = 4;       ///< contacts of one box/mesh pair with multiccd
template <class T> SINEW_INLINE constexpr T face_tol() { return T(0.99999872); }     // mjFACE_TOL
template <class T> SINEW_INLINE constexpr T edge_tol() { return T(0.00159999931); }  // mjEDGE_TOL

/// The contact points multicontact found (x1 on geom 1, x2 on geom 2); nx = 0: keep EPA's one.
template <class T> struct Multi {
  int nx = 0;
  vec3<T> x1[kMultiMax], x2[kMultiMax];
};

/// Scratch of multicontact (large: kept out of the caller's frame until needed).
template <class T> struct MultiScratch {
  vec3<T> face1[kMaxPolyVert], face2[kMaxPolyVert], endverts[kMaxPolyVert];
  vec3<T> n1[kMaxPolyVert], n2[kMaxPolyVert];
  int idx1[kMaxPolyVert], idx2[kMaxPolyVert];
  vec3<T> pn[kMaxPolyVert];
  T pd[kMaxPolyVert];
  vec3<T> poly1[2 * kMaxPolyVert], poly2[2 * kMaxPolyVert];
};

template <class T> SINEW_INLINE bool equal3_ccd(const vec3<T>& a, const vec3<T>& b) {
  return std::fabs(a.x - b.x) < min_val<T>() && std::fabs(a.y - b.y) < min_val<T>() &&
         std::fabs(a.z - b.z) < min_val<T>();
}

template <class T> SINEW_INLINE T area4(const vec3<T>& a, const vec3<T>& b, const vec3<T>& c, const vec3<T>& d) {
  const vec3<T> ad = d - a, db = b - d, bc = c - b, ca = a - c;
  const vec3<T> g = cross(ad, db) + cross(bc, ca);
  return T(0.5) * norm(g);
}

/// polygonQuad: indices of the quadrilateral of largest area among the polygon's vertices
/// (MuJoCo's rotating search; needs n >= 4).
template <class T> SINEW_INLINE void polygon_quad(int res[4], const vec3<T>* p, int n) {
  const auto nx = [n](int i) { return i == n - 1 ? 0 : i + 1; };
  int a = 0, b = 1, c = 2, d = 3;
  res[0] = a, res[1] = b, res[2] = c, res[3] = d;
  T m = area4(p[a], p[b], p[c], p[d]), mn;
  for (; a < n; ++a) {
    while (true) {
      mn = area4(p[a], p[b], p[c], p[nx(d)]);
      if (mn <= m) break;
      m = mn;
      d = nx(d);
      res[0] = a, res[1] = b, res[2] = c, res[3] = d;
      while (true) {
        mn = area4(p[a], p[b], p[nx(c)], p[d]);
        if (mn <= m) break;
        m = mn;
        c = nx(c);
        res[0] = a, res[1] = b, res[2] = c, res[3] = d;
      }
      while (true) {
        mn = area4(p[a], p[nx(b)], p[c], p[d]);
        if (mn <= m) break;
        m = mn;
        b = nx(b);
        res[0] = a, res[1] = b, res[2] = c, res[3] = d;
      }
    }
    if (b == a) {
      b = nx(b);
      if (c == b) {
        c = nx(c);
        if (d == c) d = nx(d);
      }
    }
  }
}

/// Normal of the plane through edge (v1, v2) perpendicular to a face of normal n; returns its
/// offset (planeNormal).
template <class T> SINEW_INLINE T plane_normal(vec3<T>& res, const vec3<T>& v1, const vec3<T>& v2, const vec3<T>& n) {
  const vec3<T> v3 = v1 + n;
  res = cross(v2 - v1, v3 - v1);
  return dot(res, v1);
}

template <class T> SINEW_INLINE bool halfspace(const vec3<T>& a, const vec3<T>& n, const vec3<T>& p) {
  return dot(p - a, n) > -min_val<T>();
}

/// Intersection of plane (pn, pd) with segment (a, b) written to res when inside; returns t.
template <class T>
SINEW_INLINE T plane_intersect(vec3<T>& res, const vec3<T>& pn, T pd, const vec3<T>& a, const vec3<T>& b) {
  const vec3<T> ab = b - a;
  const T temp = dot(pn, ab);
  if (temp == T(0)) return maxlimit<T>();
  const T t = (pd - dot(pn, a)) / temp;
  if (t >= T(0) && t <= T(1)) res = {a.x + t * ab.x, a.y + t * ab.y, a.z + t * ab.z};
  return t;
}

/// polygonClip: clips face2 against the side planes of face1 (normal n); the clipped vertices
/// are the contacts on geom 2, geom 1's points are them minus dir.
template <class T>
SINEW_INLINE void polygon_clip(Multi<T>& out, MultiScratch<T>& s, const vec3<T>* face1, int nface1,
                               const vec3<T>* face2, int nface2, const vec3<T>& n, const vec3<T>& dir) {
  if (nface1 < 3) return;
  for (int i = 0; i < nface1 - 1; ++i) s.pd[i] = plane_normal(s.pn[i], face1[i], face1[i + 1], n);
  s.pd[nface1 - 1] = plane_normal(s.pn[nface1 - 1], face1[nface1 - 1], face1[0], n);
  vec3<T>* polygon = s.poly1;
  vec3<T>* clipped = s.poly2;
  int npolygon = nface2, nclipped = 0;
  for (int i = 0; i < nface2; ++i) polygon[i] = face2[i];
  for (int e = 0; e < nface1; ++e) {
    for (int i = 0; i < npolygon; ++i) {
      const vec3<T> P = polygon[i];
      const vec3<T> Q = i < npolygon - 1 ? polygon[i + 1] : polygon[0];
      const bool in1 = halfspace(face1[e], s.pn[e], P);
      const bool in2 = halfspace(face1[e], s.pn[e], Q);
      if (!in1 && !in2) continue;
      if (in1 && in2) {
        clipped[nclipped++] = Q;
        continue;
      }
      const T t = plane_intersect(clipped[nclipped++], s.pn[e], s.pd[e], P, Q);
      if (t < T(0) || t > T(1)) nclipped--;
      if (in2) clipped[nclipped++] = Q;
    }
    vec3<T>* tmp = polygon;
    polygon = clipped;
    clipped = tmp;
    npolygon = nclipped;
    nclipped = 0;
  }
  if (npolygon < 1) return;
  if (npolygon > 4) {  // max_contacts (4) < 5: the largest quadrilateral
    int r[4];
    polygon_quad(r, polygon, npolygon);
    out.nx = 4;
    for (int i = 0; i < 4; ++i) {
      out.x2[i] = polygon[r[i]];
      out.x1[i] = out.x2[i] - dir;
    }
    return;
  }
  int k = 0;
  for (int i = 0; i < npolygon; ++i) {
    bool skip = false;
    for (int j = 0; j < k; ++j)
      if (equal3_ccd(out.x2[j], polygon[i])) {
        skip = true;
        break;
      }
    if (skip) continue;
    out.x2[k] = polygon[i];
    out.x1[k] = out.x2[k] - dir;
    ++k;
  }
  out.nx = k;
}

/// Up to two integers common to two arrays (intersect).
SINEW_INLINE int intersect2(int res[2], const int* a, const int* b, int n, int m) {
  int count = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j)
      if (a[i] == b[j]) {
        res[count++] = a[i];
        if (count == 2) return 2;
      }
  return count;
}

/// meshNormals: world normals (and polygon ids) of the mesh polygons that hold the feature
/// (a face: all three vertices; an edge: both; a vertex).
template <class T>
SINEW_INLINE int mesh_normals(vec3<T>* res, int* resind, int dim, const GeomPose<T>& g, int v1, int v2, int v3) {
  const auto normal = [&](int p) { return g.mat * vec3<T>::load(g.polynormal + 3 * p); };
  if (dim == 3) {
    int edgeset[2], faceset[2];
    int n = intersect2(edgeset, g.polymap + g.polymapadr[v1], g.polymap + g.polymapadr[v2], g.polymapnum[v1],
                       g.polymapnum[v2]);
    if (n == 0) return 0;
    n = intersect2(faceset, edgeset, g.polymap + g.polymapadr[v3], n, g.polymapnum[v3]);
    if (n == 0) return 0;
    res[0] = normal(faceset[0]);
    resind[0] = faceset[0];
    return 1;
  }
  if (dim == 2) {
    int edgeset[2];
    const int n = intersect2(edgeset, g.polymap + g.polymapadr[v1], g.polymap + g.polymapadr[v2], g.polymapnum[v1],
                             g.polymapnum[v2]);
    for (int i = 0; i < n; ++i) {
      res[i] = normal(edgeset[i]);
      resind[i] = edgeset[i];
    }
    return n;
  }
  if (dim == 1) {
    int num = g.polymapnum[v1];
    if (num > kMaxPolyVert) num = kMaxPolyVert;
    for (int i = 0; i < num; ++i) {
      const int p = g.polymap[g.polymapadr[v1] + i];
      res[i] = normal(p);
      resind[i] = p;
    }
    return num;
  }
  return 0;
}

/// The feature is an edge (v1, v2): its direction and far end.
template <class T> SINEW_INLINE int one_edge(vec3<T>* res, vec3<T>* endverts, const vec3<T>& v1, const vec3<T>& v2) {
  endverts[0] = v2;
  res[0] = v2 - v1;
  normalize(res[0]);
  return 1;
}

/// meshEdgeNormals: directions of the mesh edges at the feature (the edge itself; from a vertex,
/// the edge to its predecessor in every polygon holding it) and their far ends.
template <class T>
SINEW_INLINE int mesh_edge_normals(vec3<T>* res, vec3<T>* endverts, int dim, const GeomPose<T>& g, const vec3<T>& v1,
                                   const vec3<T>& v2, int v1i) {
  if (dim == 2) return one_edge(res, endverts, v1, v2);
  if (dim == 1) {
    int num = g.polymapnum[v1i];
    if (num > kMaxPolyVert) num = kMaxPolyVert;
    const int* map = g.polymap + g.polymapadr[v1i];
    for (int i = 0; i < num; ++i) {
      const int adr = g.polyvertadr[map[i]], nvert = g.polyvertnum[map[i]];
      for (int j = 0; j < nvert; ++j)
        if (g.polyvert[adr + j] == v1i) {
          const int k = j == 0 ? nvert - 1 : j - 1;
          endverts[i] = g.mat * vec3<T>::load(g.vert + 3 * g.polyvert[adr + k]) + g.pos;
          res[i] = endverts[i] - v1;
          normalize(res[i]);
          break;
        }
    }
    return num;
  }
  return 0;
}

template <class T> SINEW_INLINE vec3<T> box_axis(const mat3<T>& m, T x, T y, T z) { return m * vec3<T>{x, y, z}; }

/// boxNormals2: the box side whose normal is within mjFACE_TOL of n.
template <class T> SINEW_INLINE int box_normals2(vec3<T>* res, int* resind, const mat3<T>& mat, const vec3<T>& n) {
  const T normals[18] = {1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1};
  vec3<T> l = mul_transpose(mat, n);
  l = (T(1) / std::sqrt(dot(l, l))) * l;
  for (int i = 0; i < 6; ++i) {
    const vec3<T> a = {normals[3 * i], normals[3 * i + 1], normals[3 * i + 2]};
    if (dot(l, a) > face_tol<T>()) {
      res[0] = box_axis(mat, a.x, a.y, a.z);
      resind[0] = i;
      return 1;
    }
  }
  return 0;
}

/// boxNormals: the box sides holding the feature given by corner ids (bit k: + along axis k).
template <class T>
SINEW_INLINE int box_normals(vec3<T>* res, int* resind, int dim, const mat3<T>& mat, int v1, int v2, int v3,
                             const vec3<T>& dir) {
  if (dim == 3) {
    int c = 0;
    const int x = ((v1 & 1) && (v2 & 1) && (v3 & 1)) - (!(v1 & 1) && !(v2 & 1) && !(v3 & 1));
    const int y = ((v1 & 2) && (v2 & 2) && (v3 & 2)) - (!(v1 & 2) && !(v2 & 2) && !(v3 & 2));
    const int z = ((v1 & 4) && (v2 & 4) && (v3 & 4)) - (!(v1 & 4) && !(v2 & 4) && !(v3 & 4));
    res[0] = box_axis(mat, T(x), T(y), T(z));
    const int sgn = x + y + z;
    if (x) resind[c++] = 0;
    if (y) resind[c++] = 2;
    if (z) resind[c++] = 4;
    if (sgn == -1) resind[0]++;
    return c == 1 ? 1 : box_normals2(res, resind, mat, dir);
  }
  if (dim == 2) {
    int c = 0;
    const int x = ((v1 & 1) && (v2 & 1)) - (!(v1 & 1) && !(v2 & 1));
    const int y = ((v1 & 2) && (v2 & 2)) - (!(v1 & 2) && !(v2 & 2));
    const int z = ((v1 & 4) && (v2 & 4)) - (!(v1 & 4) && !(v2 & 4));
    if (x) {
      res[0] = box_axis(mat, T(x), T(0), T(0));
      resind[c++] = x > 0 ? 0 : 1;
    }
    if (y) {
      res[c] = box_axis(mat, T(0), T(y), T(0));
      resind[c++] = y > 0 ? 2 : 3;
    }
    if (z) {
      res[1] = box_axis(mat, T(0), T(0), T(z));  // MuJoCo writes the second slot here
      resind[c++] = z > 0 ? 4 : 5;
    }
    return c == 2 ? 2 : box_normals2(res, resind, mat, dir);
  }
  if (dim == 1) {
    const T x = (v1 & 1) ? T(1) : T(-1), y = (v1 & 2) ? T(1) : T(-1), z = (v1 & 4) ? T(1) : T(-1);
    res[0] = box_axis(mat, x, T(0), T(0));
    res[1] = box_axis(mat, T(0), y, T(0));
    res[2] = box_axis(mat, T(0), T(0), z);
    resind[0] = x > T(0) ? 0 : 1;
    resind[1] = y > T(0) ? 2 : 3;
    resind[2] = z > T(0) ? 4 : 5;
    return 3;
  }
  return 0;
}

/// boxEdgeNormals: directions of the box edges at the feature and their far ends.
template <class T>
SINEW_INLINE int box_edge_normals(vec3<T>* res, vec3<T>* endverts, int dim, const GeomPose<T>& g, const vec3<T>& v1,
                                  const vec3<T>& v2, int v1i) {
  if (dim == 2) return one_edge(res, endverts, v1, v2);
  if (dim == 1) {
    const T x = (v1i & 1) ? g.size.x : -g.size.x;
    const T y = (v1i & 2) ? g.size.y : -g.size.y;
    const T z = (v1i & 4) ? g.size.z : -g.size.z;
    const vec3<T> c[3] = {{-x, y, z}, {x, -y, z}, {x, y, -z}};
    for (int i = 0; i < 3; ++i) {
      endverts[i] = g.mat * c[i] + g.pos;
      res[i] = endverts[i] - v1;
      normalize(res[i]);
    }
    return 3;
  }
  return 0;
}

/// boxFace: the four corners of side idx (0 +x, 1 -x, 2 +y, 3 -y, 4 +z, 5 -z) in MuJoCo's order.
template <class T> SINEW_INLINE int box_face(vec3<T>* res, const GeomPose<T>& g, int idx) {
  const T a = g.size.x, b = g.size.y, c = g.size.z;
  const signed char S[6][4][3] = {
      {{1, 1, 1}, {1, 1, -1}, {1, -1, -1}, {1, -1, 1}}, {{-1, 1, -1}, {-1, 1, 1}, {-1, -1, 1}, {-1, -1, -1}},
      {{-1, 1, -1}, {1, 1, -1}, {1, 1, 1}, {-1, 1, 1}}, {{-1, -1, 1}, {1, -1, 1}, {1, -1, -1}, {-1, -1, -1}},
      {{-1, 1, 1}, {1, 1, 1}, {1, -1, 1}, {-1, -1, 1}}, {{1, 1, -1}, {-1, 1, -1}, {-1, -1, -1}, {1, -1, -1}}};
  if (idx < 0 || idx > 5) return 0;
  for (int i = 0; i < 4; ++i) {
    const vec3<T> l = {S[idx][i][0] > 0 ? a : -a, S[idx][i][1] > 0 ? b : -b, S[idx][i][2] > 0 ? c : -c};
    res[i] = g.mat * l + g.pos;
  }
  return 4;
}

/// meshFace: polygon idx of the mesh in world coordinates, vertices in reverse order.
template <class T> SINEW_INLINE int mesh_face(vec3<T>* res, const GeomPose<T>& g, int idx) {
  const int adr = g.polyvertadr[idx];
  int nvert = g.polyvertnum[idx];
  if (nvert > kMaxPolyVert) nvert = kMaxPolyVert;
  int j = 0;
  for (int i = nvert - 1; i >= 0; --i) res[j++] = g.mat * vec3<T>::load(g.vert + 3 * g.polyvert[adr + i]) + g.pos;
  return nvert;
}

template <class T> SINEW_INLINE bool aligned_faces(int res[2], const vec3<T>* v, int nv, const vec3<T>* w, int nw) {
  for (int i = 0; i < nv; ++i)
    for (int j = 0; j < nw; ++j)
      if (dot(v[i], w[j]) < -face_tol<T>()) {
        res[0] = i;
        res[1] = j;
        return true;
      }
  return false;
}

template <class T>
SINEW_INLINE bool aligned_face_edge(int res[2], const vec3<T>* edge, int nedge, const vec3<T>* face, int nface) {
  for (int i = 0; i < nface; ++i)
    for (int j = 0; j < nedge; ++j)
      if (std::fabs(dot(edge[j], face[i])) < edge_tol<T>()) {
        res[0] = j;
        res[1] = i;
        return true;
      }
  return false;
}

/// simplexDim: 1, 2 or 3 distinct ids among (i1, i2, i3); with two, the distinct pair is moved
/// to the first two places.
template <class T> SINEW_INLINE int simplex_dim(int& i1, int& i2, int& i3, vec3<T>& p2, const vec3<T>& p3) {
  if (i1 != i2) return (i3 == i1 || i3 == i2) ? 2 : 3;
  if (i1 != i3) {
    i2 = i3;
    p2 = p3;
    return 2;
  }
  return 1;
}

/// multicontact: contacts of a box/mesh pair from EPA's nearest face (vertices a, b, c of the
/// polytope, first-contact witnesses x1, x2). out.nx stays 0 when no aligned features are found.
template <class T>
SINEW_INLINE void multicontact(Multi<T>& out, MultiScratch<T>& s, const Vert<T>& A, const Vert<T>& B, const Vert<T>& C,
                               const vec3<T>& x1, const vec3<T>& x2, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  int v11i = A.i1, v12i = B.i1, v13i = C.i1;
  int v21i = A.i2, v22i = B.i2, v23i = C.i2;
  const vec3<T> v11 = A.a, v13 = C.a, v21 = A.b, v23 = C.b;
  vec3<T> v12 = B.a, v22 = B.b;
  int nface1 = simplex_dim(v11i, v12i, v13i, v12, v13);
  int nface2 = simplex_dim(v21i, v22i, v23i, v22, v23);
  int nn1 = 0, nn2 = 0;
  const vec3<T> dir = x2 - x1, dir_neg = x1 - x2;
  const bool box1 = g1.type == GEOM_BOX, box2 = g2.type == GEOM_BOX;
  nn1 = box1 ? box_normals(s.n1, s.idx1, nface1, g1.mat, v11i, v12i, v13i, dir_neg)
             : mesh_normals(s.n1, s.idx1, nface1, g1, v11i, v12i, v13i);
  nn2 = box2 ? box_normals(s.n2, s.idx2, nface2, g2.mat, v21i, v22i, v23i, dir)
             : mesh_normals(s.n2, s.idx2, nface2, g2, v21i, v22i, v23i);
  int res[2];
  bool edgecon1 = false, edgecon2 = false;
  if (!aligned_faces(res, s.n1, nn1, s.n2, nn2)) {
    if (nface1 < 3 && nface1 <= nface2) {  // an edge or vertex of geom 1 on a face of geom 2
      nn1 = box1 ? box_edge_normals(s.n1, s.endverts, nface1, g1, v11, v12, v11i)
                 : mesh_edge_normals(s.n1, s.endverts, nface1, g1, v11, v12, v11i);
      if (!aligned_face_edge(res, s.n1, nn1, s.n2, nn2)) return;
      edgecon1 = true;
    } else if (nface2 < 3) {
      nn2 = box2 ? box_edge_normals(s.n2, s.endverts, nface2, g2, v21, v22, v21i)
                 : mesh_edge_normals(s.n2, s.endverts, nface2, g2, v21, v22, v21i);
      if (!aligned_face_edge(res, s.n2, nn2, s.n1, nn1)) return;
      edgecon2 = true;
    } else {
      return;
    }
  }
  const int i = res[0], j = res[1];
  if (edgecon1) {
    s.face1[0] = A.a;
    s.face1[1] = s.endverts[i];
    nface1 = 2;
  } else {
    const int ind = edgecon2 ? s.idx1[j] : s.idx1[i];
    nface1 = box1 ? box_face(s.face1, g1, ind) : mesh_face(s.face1, g1, ind);
  }
  if (edgecon2) {
    s.face2[0] = A.b;
    s.face2[1] = s.endverts[i];
    nface2 = 2;
  } else {
    nface2 = box2 ? box_face(s.face2, g2, s.idx2[j]) : mesh_face(s.face2, g2, s.idx2[j]);
  }
  const T dn = norm(dir);
  if (edgecon1) {
    polygon_clip(out, s, s.face2, nface2, s.face1, nface1, s.n2[j], dn * s.n2[j]);
    return;
  }
  if (edgecon2) {
    polygon_clip(out, s, s.face1, nface1, s.face2, nface2, s.n1[j], -dn * s.n1[j]);
    return;
  }
  polygon_clip(out, s, s.face1, nface1, s.face2, nface2, s.n1[i], dn * s.n2[j]);
}

}  // namespace ccd
}  // namespace sinew::collision
