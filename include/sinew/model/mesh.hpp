// Mesh compilation for mass properties, reproducing MuJoCo 3.4.0's mjCMesh::Process
// (user_mesh.cc) step by step and in the same floating-point order. Host only.
//
//   sinew::MeshSource src = sinew::read_stl("femur.stl");
//   double scale[3] = {1, 1, 1}, refpos[3] = {0, 0, 0}, refquat[4] = {1, 0, 0, 0};
//   sinew::CompiledMesh cm = sinew::compile_mesh(src, scale, sinew::MeshInertia::legacy,
//                                                refpos, refquat, "femur.xml:12: <mesh>");
//   // a <geom type="mesh"> using it, with density rho and no explicit mass:
//   double mass = rho * cm.volume_ref(), inertia[3];
//   sinew::mesh_geom_inertia(cm, mass, inertia);
//   sinew::apply_mesh_frame(cm, geom_pos, geom_quat);   // geom frame := mesh principal frame
//
// What MuJoCo does, in order (and this header does):
//  1. file meshes with a left-handed scale (sx*sy*sz <= 0) get every face's winding flipped
//     (LoadSTL swaps the 2nd and 3rd vertex); inline meshes are not flipped.
//  2. faces whose (unscaled) area exceeds sqrt(mjMINVAL) contribute directed half-edges; a
//     repeated half-edge means inconsistent orientation, an error only for inertia="exact".
//  3. inertia="convex", or an inline mesh without faces, needs the convex hull (qhull in MuJoCo,
//     an own quickhull here): the hull's triangles replace the missing faces, and with "convex"
//     they are the triangles integrated for volume and inertia (all vertices are kept).
//  4. vertices: v -= refpos; v = R(refquat)' v; v *= scale (this order: refpos is in unscaled
//     units).
//  5. area-weighted face centroid c (error "mesh surface area is too small" if area < 1e-15);
//     volume and centre of mass from the tetrahedra (c, triangle) -- "legacy" takes |volume| of
//     every tetrahedron, "exact"/"convex" signed volumes -- or, for "shell", the surface and the
//     area-weighted centroid; inertia about the CoM from the same triangles (which also
//     recomputes volume/surface, the values kept).
//  6. principal axes by mjuu_eig3 (sinew::eig3): eigenvalues decreasing, quaternion `quat`.
//     Checks: smallest eigenvalue > 0, triangle inequality A + B >= C (rtol 1e-6,
//     atol 1e-9). Inertia box boxsz[i] = sqrt(6 (sum of the other two - own) / volume) / 2.
//  7. vertices moved into the principal frame: v = R(quat)' (v - com); mesh_pos = com,
//     mesh_quat = quat; aamm = bounding box of the processed vertices.
//
// Geoms: mjCGeom::Compile does mjuu_frameaccum(geom_pos, geom_quat, mesh_pos, mesh_quat), i.e.
//   geom_pos  += R(geom_quat) * mesh_pos;   geom_quat = normalize(geom_quat * mesh_quat)
// with geom_pos/geom_quat the geom's frame as written in the MJCF (after its frame/orientation
// are resolved, before the body's frame). apply_mesh_frame() does exactly that. The geom's
// volume is volume_ref() (surface for "shell"), mass = density * volume_ref() (or the given
// mass), and its diagonal inertia is built from the inertia box, mass*(b1^2 + b2^2)/3 etc.
// (mesh_geom_inertia), which equals mass/volume_ref() * inertia[] up to rounding. A body with a
// single geom copies the geom's pos/quat/mass/inertia into ipos/iquat/mass/inertia.
//
// mjModel stores mesh_vert as float32: compare float(vert[i]).
//
// Known MuJoCo 3.4.0 divergence, deliberately not reproduced: its asset cache keys a processed
// mesh on (file, scale, inertia, maxhullvert) but not refpos/refquat, so a second <mesh> of the
// same file and scale with different refpos/refquat (in one model, or in a later compile in the
// same process) silently reuses the first one's result. Sinew compiles every mesh as an
// uncached MuJoCo does. The real models use no refpos/refquat.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/io/stl.hpp"
#include "sinew/math/eig3.hpp"

namespace sinew {

/// How a mesh's volume and inertia are computed (mjtMeshInertia, same order; MJCF attribute
/// <mesh inertia="...">, default legacy in MuJoCo 3.4.0).
enum class MeshInertia { convex, exact, legacy, shell };

/// A compiled mesh asset: processed geometry and mass properties (mjCMesh after Process()).
struct CompiledMesh {
  std::vector<double> vert;  ///< 3*nvert, in the principal frame (mesh_vert, stored as float)
  std::vector<int> face;     ///< 3*nface (mesh_face)
  std::vector<int> hull;     ///< 3*nhullface, convex hull triangles when one was computed
  MeshInertia mode = MeshInertia::legacy;
  double volume = 0;         ///< volume (not meaningful for shell)
  double surface = 0;        ///< surface area (computed for shell only, as MuJoCo)
  double pos[3] = {0, 0, 0};       ///< centre of mass in the mesh-file frame (mesh_pos)
  double quat[4] = {1, 0, 0, 0};   ///< principal frame in the mesh-file frame (mesh_quat)
  double inertia[3] = {0, 0, 0};   ///< principal inertia per unit density (or area), decreasing
  double boxsz[3] = {0, 0, 0};     ///< half-sizes of the equivalent inertia box
  double aamm[6] = {0, 0, 0, 0, 0, 0};  ///< processed vertices' box: min xyz, max xyz

  /// The volume a geom's mass refers to: surface for shell meshes, volume otherwise.
  double volume_ref() const { return mode == MeshInertia::shell ? surface : volume; }
  int nvert() const { return int(vert.size() / 3); }
  int nface() const { return int(face.size() / 3); }
};

/// Parses the MJCF `inertia` attribute of <mesh>; throws ModelError on unknown keywords.
inline MeshInertia parse_mesh_inertia(const std::string& s, const std::string& where) {
  if (s == "convex") return MeshInertia::convex;
  if (s == "exact") return MeshInertia::exact;
  if (s == "legacy") return MeshInertia::legacy;
  if (s == "shell") return MeshInertia::shell;
  throw ModelError(SourceLocation{where, 0, ""}, "invalid mesh inertia '" + s + "'");
}

namespace detail {

/// Area of triangle (v1, v2, v3); unit normal (if `normal`) and centroid (if `center`).
/// Degenerate triangles (|cross| < mjMINVAL) have area 0 and a not-normalized normal.
inline double mesh_triangle(double* normal, double* center, const double* v1, const double* v2,
                            const double* v3) {
  double local[3];
  double* n = normal ? normal : local;
  if (center) {
    center[0] = (v1[0] + v2[0] + v3[0]) / 3;
    center[1] = (v1[1] + v2[1] + v3[1]) / 3;
    center[2] = (v1[2] + v2[2] + v3[2]) / 3;
  }
  double b[3] = {v2[0] - v1[0], v2[1] - v1[1], v2[2] - v1[2]};
  double c[3] = {v3[0] - v1[0], v3[1] - v1[1], v3[2] - v1[2]};
  n[0] = b[1] * c[2] - b[2] * c[1];
  n[1] = b[2] * c[0] - b[0] * c[2];
  n[2] = b[0] * c[1] - b[1] * c[0];
  double len = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  if (len < min_val<double>()) return 0;
  if (normal) {
    n[0] /= len;
    n[1] /= len;
    n[2] /= len;
  }
  return 0.5 * len;
}

/// Convex hull of points (3*n coordinates) by quickhull; outward-oriented triangles of point
/// indices. Points within a relative tolerance of a face are treated as on it (dropped), like
/// qhull's merging of coplanar points. Throws std::runtime_error for degenerate (flat) input.
inline std::vector<int> convex_hull(const std::vector<double>& pts) {
  const int n = int(pts.size() / 3);
  auto P = [&](int i) { return &pts[3 * size_t(i)]; };
  if (n < 4) throw std::runtime_error("fewer than 4 points");
  double scale = 0;
  for (double x : pts) scale = std::max(scale, std::abs(x));
  const double eps = 1e-13 * std::max(scale, 1e-300) * 3;

  struct Face {
    int v[3];
    double nrm[3], off;
    bool alive;
    std::vector<int> outside;
  };
  std::vector<Face> faces;
  auto sub = [](const double* a, const double* b, double* r) {
    r[0] = a[0] - b[0]; r[1] = a[1] - b[1]; r[2] = a[2] - b[2];
  };
  auto cross = [](const double* a, const double* b, double* r) {
    r[0] = a[1] * b[2] - a[2] * b[1];
    r[1] = a[2] * b[0] - a[0] * b[2];
    r[2] = a[0] * b[1] - a[1] * b[0];
  };
  auto dist = [&](const Face& f, int p) {
    const double* x = P(p);
    return f.nrm[0] * x[0] + f.nrm[1] * x[1] + f.nrm[2] * x[2] - f.off;
  };
  auto make_face = [&](int a, int b, int c) {
    Face f;
    f.v[0] = a; f.v[1] = b; f.v[2] = c;
    double e1[3], e2[3];
    sub(P(b), P(a), e1);
    sub(P(c), P(a), e2);
    cross(e1, e2, f.nrm);
    double len = std::sqrt(f.nrm[0] * f.nrm[0] + f.nrm[1] * f.nrm[1] + f.nrm[2] * f.nrm[2]);
    if (len > 0) for (double& x : f.nrm) x /= len;
    f.off = f.nrm[0] * P(a)[0] + f.nrm[1] * P(a)[1] + f.nrm[2] * P(a)[2];
    f.alive = true;
    return f;
  };

  // initial simplex: extreme pair, farthest from their line, farthest from their plane
  int i0 = 0, i1 = 0;
  for (int ax = 0; ax < 3 && i0 == i1; ++ax) {
    int lo = 0, hi = 0;
    for (int i = 1; i < n; ++i) {
      if (P(i)[ax] < P(lo)[ax]) lo = i;
      if (P(i)[ax] > P(hi)[ax]) hi = i;
    }
    if (P(hi)[ax] - P(lo)[ax] > eps) { i0 = lo; i1 = hi; }
  }
  if (i0 == i1) throw std::runtime_error("all points coincide");
  double d01[3];
  sub(P(i1), P(i0), d01);
  int i2 = -1;
  double best = 0;
  for (int i = 0; i < n; ++i) {
    double d[3], c[3];
    sub(P(i), P(i0), d);
    cross(d01, d, c);
    double a = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    if (a > best) { best = a; i2 = i; }
  }
  if (i2 < 0 || best <= eps * std::sqrt(d01[0] * d01[0] + d01[1] * d01[1] + d01[2] * d01[2]))
    throw std::runtime_error("points are collinear");
  Face base = make_face(i0, i1, i2);
  int i3 = -1;
  best = 0;
  for (int i = 0; i < n; ++i) {
    double d = std::abs(dist(base, i));
    if (d > best) { best = d; i3 = i; }
  }
  if (i3 < 0 || best <= eps) throw std::runtime_error("points are coplanar");
  if (dist(base, i3) > 0) std::swap(i1, i2);  // base must face away from i3
  faces.push_back(make_face(i0, i1, i2));
  faces.push_back(make_face(i0, i3, i1));
  faces.push_back(make_face(i1, i3, i2));
  faces.push_back(make_face(i2, i3, i0));

  // directed edge (a, b) -> face holding it
  std::unordered_map<uint64_t, int> edge;
  auto ekey = [](int a, int b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); };
  auto add_edges = [&](int fi) {
    const Face& f = faces[fi];
    for (int k = 0; k < 3; ++k) edge[ekey(f.v[k], f.v[(k + 1) % 3])] = fi;
  };
  for (int fi = 0; fi < 4; ++fi) add_edges(fi);

  auto assign = [&](const std::vector<int>& cand, const std::vector<int>& fids) {
    for (int p : cand) {
      for (int fi : fids) {
        if (dist(faces[fi], p) > eps) {
          faces[fi].outside.push_back(p);
          break;
        }
      }
    }
  };
  {
    std::vector<int> all;
    for (int i = 0; i < n; ++i)
      if (i != i0 && i != i1 && i != i2 && i != i3) all.push_back(i);
    assign(all, {0, 1, 2, 3});
  }

  std::vector<int> stack = {0, 1, 2, 3};
  std::vector<int> visible, mark(faces.size(), 0);
  int stamp = 0;
  while (!stack.empty()) {
    int fi = stack.back();
    stack.pop_back();
    if (!faces[fi].alive || faces[fi].outside.empty()) continue;
    // farthest outside point
    int p = faces[fi].outside[0];
    double dmax = dist(faces[fi], p);
    for (int q : faces[fi].outside) {
      double d = dist(faces[fi], q);
      if (d > dmax) { dmax = d; p = q; }
    }
    // visible region, grown from fi across edges
    ++stamp;
    mark.resize(faces.size(), 0);
    visible.assign(1, fi);
    mark[fi] = stamp;
    std::vector<std::pair<int, int>> horizon;
    for (size_t k = 0; k < visible.size(); ++k) {
      const Face f = faces[visible[k]];
      for (int e = 0; e < 3; ++e) {
        int a = f.v[e], b = f.v[(e + 1) % 3];
        auto it = edge.find(ekey(b, a));
        if (it == edge.end()) throw std::runtime_error("broken hull topology");
        int g = it->second;
        if (mark[g] == stamp) continue;
        if (dist(faces[g], p) > eps) {
          mark[g] = stamp;
          visible.push_back(g);
        }
      }
    }
    for (int v : visible) {
      const Face& f = faces[v];
      for (int e = 0; e < 3; ++e) {
        int a = f.v[e], b = f.v[(e + 1) % 3];
        int g = edge[ekey(b, a)];
        if (mark[g] != stamp) horizon.emplace_back(a, b);
      }
    }
    std::vector<int> orphans;
    for (int v : visible) {
      Face& f = faces[v];
      f.alive = false;
      for (int e = 0; e < 3; ++e) edge.erase(ekey(f.v[e], f.v[(e + 1) % 3]));
      for (int q : f.outside)
        if (q != p) orphans.push_back(q);
      f.outside.clear();
    }
    std::vector<int> fresh;
    for (auto [a, b] : horizon) {
      faces.push_back(make_face(a, b, p));
      int id = int(faces.size()) - 1;
      add_edges(id);
      fresh.push_back(id);
    }
    assign(orphans, fresh);
    for (int id : fresh) stack.push_back(id);
  }

  std::vector<int> out;
  for (const Face& f : faces)
    if (f.alive) out.insert(out.end(), f.v, f.v + 3);
  return out;
}

}  // namespace detail

/// Compiles a mesh asset as MuJoCo 3.4.0 does for mass properties (see the header comment).
/// scale, refpos, refquat: the <mesh> attributes. `where` names the mesh in error messages.
/// Throws ModelError with MuJoCo's messages.
inline CompiledMesh compile_mesh(const MeshSource& src, const double scale[3], MeshInertia mode,
                                 const double refpos[3], const double refquat[4],
                                 const std::string& where) {
  auto fail = [&](const std::string& what) { return ModelError(SourceLocation{where, 0, ""}, what); };
  using detail::mesh_triangle;
  constexpr double minval = min_val<double>();

  CompiledMesh m;
  m.mode = mode;
  m.vert = src.vert;
  m.face = src.face;

  // CheckInitialMesh
  if (m.vert.size() % 3) throw fail("vertex data must be a multiple of 3");
  if (m.vert.size() < 12) throw fail("at least 4 vertices required");
  if (m.face.size() % 3) throw fail("face data must be a multiple of 3");
  for (size_t i = 0; i < m.vert.size(); ++i)
    if (!std::isfinite(m.vert[i])) throw fail("vertex coordinate " + std::to_string(i / 3) + " is not finite");
  const int nvert = m.nvert();
  for (size_t i = 0; i < m.face.size(); ++i)
    if (m.face[i] < 0 || m.face[i] >= nvert)
      throw fail("in face " + std::to_string(i / 3) + ", vertex index " + std::to_string(m.face[i]) +
                 " does not exist");

  // left-handed scale flips the winding of file meshes at load time
  bool righthand = scale[0] * scale[1] * scale[2] > 0;
  if (!src.file.empty() && !righthand)
    for (size_t i = 0; i + 2 < m.face.size(); i += 3) std::swap(m.face[i + 1], m.face[i + 2]);

  // half-edges of non-degenerate faces (unscaled vertices); repeated => inconsistent orientation
  if (!m.face.empty()) {
    std::vector<std::pair<int, int>> halfedge;
    const double* V = m.vert.data();
    for (size_t i = 0; i < m.face.size(); i += 3) {
      int v0 = m.face[i], v1 = m.face[i + 1], v2 = m.face[i + 2];
      if (mesh_triangle(nullptr, nullptr, V + 3 * v0, V + 3 * v1, V + 3 * v2) > std::sqrt(minval)) {
        halfedge.emplace_back(v0, v1);
        halfedge.emplace_back(v1, v2);
        halfedge.emplace_back(v2, v0);
      }
    }
    std::stable_sort(halfedge.begin(), halfedge.end());
    auto it = std::adjacent_find(halfedge.begin(), halfedge.end());
    if (it != halfedge.end() && mode == MeshInertia::exact)
      throw fail("faces of mesh have inconsistent orientation. Please check the faces containing "
                 "the vertices " + std::to_string(it->first + 1) + " and " +
                 std::to_string(it->second + 1) + ".");
  }

  // convex hull (MakeGraph) when inertia is convex or no faces were given
  if (mode == MeshInertia::convex || m.face.empty()) {
    try {
      m.hull = detail::convex_hull(m.vert);
    } catch (const std::runtime_error& e) {
      throw fail(std::string("qhull error: ") + e.what());
    }
    if (m.face.empty()) m.face = m.hull;
  }

  // ApplyTransformations: refpos, refquat, scale
  if (refpos[0] != 0 || refpos[1] != 0 || refpos[2] != 0) {
    for (int i = 0; i < nvert; ++i)
      for (int k = 0; k < 3; ++k) m.vert[3 * i + k] -= refpos[k];
  }
  if (refquat[0] != 1 || refquat[1] != 0 || refquat[2] != 0 || refquat[3] != 0) {
    double q[4] = {refquat[0], refquat[1], refquat[2], refquat[3]}, mat[9];
    uu::normvec(q, 4);
    uu::quat2mat(mat, q);
    for (int i = 0; i < nvert; ++i) uu::mulvecmatT(&m.vert[3 * i], &m.vert[3 * i], mat);
  }
  if (scale[0] != 1 || scale[1] != 1 || scale[2] != 1) {
    for (int i = 0; i < nvert; ++i)
      for (int k = 0; k < 3; ++k) m.vert[3 * i + k] *= scale[k];
  }

  const double* V = m.vert.data();
  auto vp = [&](const std::vector<double>& vv, int id) { return vv.data() + 3 * size_t(id); };

  // area-weighted centroid of the faces
  double facecen[3] = {0, 0, 0}, total_area = 0;
  for (size_t i = 0; i < m.face.size(); i += 3) {
    double center[3];
    double area = mesh_triangle(nullptr, center, V + 3 * m.face[i], V + 3 * m.face[i + 1],
                                V + 3 * m.face[i + 2]);
    for (int k = 0; k < 3; ++k) facecen[k] += area * center[k];
    total_area += area;
  }
  if (total_area >= minval)
    for (int k = 0; k < 3; ++k) facecen[k] /= total_area;
  else
    throw fail("mesh surface area is too small");

  // triangles integrated for volume and inertia
  const std::vector<int>& F = (mode == MeshInertia::convex) ? m.hull : m.face;

  // volume (or surface) and centre of mass
  double com[3] = {0, 0, 0};
  if (mode == MeshInertia::shell) {
    double surface = 0;
    for (size_t i = 0; i < m.face.size(); i += 3) {
      double center[3];
      double area = mesh_triangle(nullptr, center, V + 3 * m.face[i], V + 3 * m.face[i + 1],
                                  V + 3 * m.face[i + 2]);
      surface += area;
      for (int k = 0; k < 3; ++k) com[k] += area * (center[k] * 3.0 / 4.0 + facecen[k] / 4.0);
    }
    if (surface >= minval)
      for (int k = 0; k < 3; ++k) com[k] /= surface;
    m.surface = surface;
    if (surface < minval) throw fail("mesh surface area is too small");
  } else {
    double total = 0;
    for (size_t i = 0; i < F.size(); i += 3) {
      double normal[3], center[3];
      double area = mesh_triangle(normal, center, V + 3 * F[i], V + 3 * F[i + 1], V + 3 * F[i + 2]);
      double vec[3] = {center[0] - facecen[0], center[1] - facecen[1], center[2] - facecen[2]};
      double volume = (vec[0] * normal[0] + vec[1] * normal[1] + vec[2] * normal[2]) * area / 3;
      if (mode == MeshInertia::legacy) volume = std::abs(volume);
      total += volume;
      for (int k = 0; k < 3; ++k) com[k] += volume * (center[k] * 3.0 / 4.0 + facecen[k] / 4.0);
    }
    if (total >= minval)
      for (int k = 0; k < 3; ++k) com[k] /= total;
    m.volume = total;
    if (total < minval) {
      if (total < 0) throw fail("mesh volume is negative (misoriented triangles)");
      throw fail("mesh volume is too small. Try setting inertia to shell");
    }
  }

  // inertia about the centre of mass (also recomputes volume / surface)
  std::vector<double> vc(m.vert.size());
  for (int i = 0; i < nvert; ++i)
    for (int k = 0; k < 3; ++k) vc[3 * i + k] = m.vert[3 * i + k] - com[k];
  const int kk[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {0, 2}, {1, 2}};
  double Pm[6] = {0, 0, 0, 0, 0, 0}, total_volume = 0;
  const bool shell = mode == MeshInertia::shell;
  const std::vector<int>& FI = shell ? m.face : F;
  for (size_t i = 0; i < FI.size(); i += 3) {
    const double* D = vp(vc, FI[i]);
    const double* E = vp(vc, FI[i + 1]);
    const double* G = vp(vc, FI[i + 2]);
    double normal[3], center[3];
    double area = mesh_triangle(normal, center, D, E, G);
    double volume = shell ? area
                          : (center[0] * normal[0] + center[1] * normal[1] + center[2] * normal[2]) * area / 3;
    if (mode == MeshInertia::legacy) volume = std::abs(volume);
    total_volume += volume;
    const int C = shell ? 12 : 20;
    for (int j = 0; j < 6; ++j) {
      int a = kk[j][0], b = kk[j][1];
      Pm[j] += volume / C *
               (2 * (D[a] * D[b] + E[a] * E[b] + G[a] * G[b]) + D[a] * E[b] + D[b] * E[a] +
                D[a] * G[b] + D[b] * G[a] + E[a] * G[b] + E[b] * G[a]);
    }
  }
  if (shell)
    m.surface = total_volume;
  else
    m.volume = total_volume;

  double full[9] = {Pm[1] + Pm[2], -Pm[3], -Pm[4],
                    -Pm[3], Pm[0] + Pm[2], -Pm[5],
                    -Pm[4], -Pm[5], Pm[0] + Pm[1]};
  double eigval[3], eigvec[9], q[4];
  eig3(eigval, eigvec, q, full);

  if (eigval[2] <= 0) throw fail("eigenvalue of mesh inertia must be positive");
  constexpr double atol = 1e-9, rtol = 1e-6;
  if (eigval[0] + eigval[1] < eigval[2] * (1.0 - rtol) - atol ||
      eigval[0] + eigval[2] < eigval[1] * (1.0 - rtol) - atol ||
      eigval[1] + eigval[2] < eigval[0] * (1.0 - rtol) - atol)
    throw fail("eigenvalues of mesh inertia violate A + B >= C");

  const double vref = m.volume_ref();
  m.boxsz[0] = 0.5 * std::sqrt(6 * (eigval[1] + eigval[2] - eigval[0]) / vref);
  m.boxsz[1] = 0.5 * std::sqrt(6 * (eigval[0] + eigval[2] - eigval[1]) / vref);
  m.boxsz[2] = 0.5 * std::sqrt(6 * (eigval[0] + eigval[1] - eigval[2]) / vref);
  for (int k = 0; k < 3; ++k) m.inertia[k] = eigval[k];

  // move vertices into the principal frame: v = R(q)' (v - com)
  for (int i = 0; i < nvert; ++i)
    for (int k = 0; k < 3; ++k) m.vert[3 * i + k] -= com[k];
  double neg[4] = {q[0], -q[1], -q[2], -q[3]}, mat[9];
  uu::quat2mat(mat, neg);
  m.aamm[0] = m.aamm[1] = m.aamm[2] = 1e10;
  m.aamm[3] = m.aamm[4] = m.aamm[5] = -1e10;
  for (int i = 0; i < nvert; ++i) {
    double* v = &m.vert[3 * i];
    uu::mulvecmat(v, v, mat);
    for (int k = 0; k < 3; ++k) {
      m.aamm[k] = std::min(m.aamm[k], v[k]);
      m.aamm[3 + k] = std::max(m.aamm[3 + k], v[k]);
    }
  }
  for (int k = 0; k < 3; ++k) m.pos[k] = com[k];
  for (int k = 0; k < 4; ++k) m.quat[k] = q[k];
  return m;
}

/// The geom frame composition of mjCGeom::Compile for a mesh geom (mjuu_frameaccum):
/// geom_pos += R(geom_quat) mesh_pos; geom_quat = normalize(geom_quat * mesh_quat).
inline void apply_mesh_frame(const CompiledMesh& mesh, double geom_pos[3], double geom_quat[4]) {
  uu::frameaccum(geom_pos, geom_quat, mesh.pos, mesh.quat);
}

/// Diagonal inertia of a mesh geom of the given mass, as mjCGeom::SetInertia computes it from
/// the inertia box (equal to mass / volume_ref() * mesh.inertia up to rounding).
inline void mesh_geom_inertia(const CompiledMesh& mesh, double mass, double inertia[3]) {
  const double* b = mesh.boxsz;
  inertia[0] = mass * (b[1] * b[1] + b[2] * b[2]) / 3;
  inertia[1] = mass * (b[0] * b[0] + b[2] * b[2]) / 3;
  inertia[2] = mass * (b[0] * b[0] + b[1] * b[1]) / 3;
}

}  // namespace sinew
