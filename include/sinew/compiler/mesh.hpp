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
//  3. inertia="convex", an inline mesh without faces, or a mesh a collision geom uses, gets the
//     convex hull graph (qhull, as MuJoCo: mesh_graph): the hull's triangles replace missing
//     faces, and with "convex" they are the triangles integrated for volume and inertia (all
//     vertices are kept).
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
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sinew/compiler/mesh_polygons.hpp"
#include "sinew/io/error.hpp"
#include "sinew/io/stl.hpp"
#include "sinew/math/eig3.hpp"
#include "sinew/model/enums.hpp"

// qhull (Debian's libqhull-dev, reentrant libqhull_r: link qhull_r), MuJoCo's hull builder.
#include <libqhull_r/libqhull_r.h>
#include <libqhull_r/poly_r.h>
// qhull's True/False macros are used only inside its headers; keep them out of users' code
#undef True
#undef False

namespace sinew {

/// A compiled mesh asset: processed geometry and mass properties (mjCMesh after Process()).
struct CompiledMesh {
  std::vector<double> vert;  ///< 3*nvert, in the principal frame (mesh_vert, stored as float)
  std::vector<int> face;     ///< 3*nface (mesh_face)
  std::vector<int> hull;     ///< 3*nhullface, convex hull triangles when one was computed
  std::vector<int> graph;    ///< the convex hull graph (make_graph) when one was built (mesh_graph)
  /// coplanar hull (or, without a hull, mesh) triangles merged (compiler/mesh_polygons.hpp),
  /// normals in the principal frame
  MeshPolygons poly;
  MeshInertia mode = MeshInertia::legacy;
  double volume = 0;                    ///< volume (not meaningful for shell)
  double surface = 0;                   ///< surface area (computed for shell only, as MuJoCo)
  double pos[3] = {0, 0, 0};            ///< centre of mass in the mesh-file frame (mesh_pos)
  double quat[4] = {1, 0, 0, 0};        ///< principal frame in the mesh-file frame (mesh_quat)
  double inertia[3] = {0, 0, 0};        ///< principal inertia per unit density (or area), decreasing
  double boxsz[3] = {0, 0, 0};          ///< half-sizes of the equivalent inertia box
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
inline double mesh_triangle(double* normal, double* center, const double* v1, const double* v2, const double* v3) {
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

/// qhull's part of MakeGraph, kept free of C++ objects because qhull reports errors by longjmp.
/// Returns a malloc'ed graph (see make_graph) or nullptr; *bad = 1 for a point id out of range.
inline int* qhull_graph(const double* pts, int n, int maxhullvert, int* size, int* bad) {
  facetT* facet;
  vertexT *vertex, *vertex1;
  char opt[64];
  if (maxhullvert > -1) std::snprintf(opt, sizeof opt, "qhull Qt TA%d", maxhullvert - 4);
  else std::snprintf(opt, sizeof opt, "qhull Qt");
  qhT qh_qh;
  qhT* qh = &qh_qh;
  int* graph = nullptr;
  int curlong, totlong;
  *size = 0;
  *bad = 0;
  qh_zero(qh, stderr);
  qh_init_A(qh, stdin, stdout, stderr, 0, nullptr);
  const int exitcode = setjmp(qh->errexit);
  qh->NOerrexit = 0;
  if (!exitcode) {
    qh_initflags(qh, opt);
    qh_init_B(qh, const_cast<double*>(pts), n, 3, 0);
    qh_qhull(qh);
    qh_triangulate(qh);
    qh_vertexneighbors(qh);
    const int numvert = qh->num_vertices, numface = qh->num_facets;
    *size = 2 + 3 * numvert + 6 * numface;
    graph = static_cast<int*>(std::malloc(sizeof(int) * size_t(*size)));
    graph[0] = numvert;
    graph[1] = numface;
    int* vert_edgeadr = graph + 2;
    int* vert_globalid = graph + 2 + numvert;
    int* edge_localid = graph + 2 + 2 * numvert;
    int* face_globalid = graph + 2 + 3 * numvert + 3 * numface;
    int i = 0, adr = 0;
    FORALLvertices {
      const int pid = qh_pointid(qh, vertex->point);
      if (pid < 0 || pid >= n) {
        *bad = 1;
        break;
      }
      vert_edgeadr[i] = adr;
      vert_globalid[i] = pid;
      const int start = adr;
      for (void** fp = &vertex->neighbors->e[0].p; (facet = static_cast<facetT*>(*fp)); ++fp) {
        int cnt = 0;
        for (void** vp = &facet->vertices->e[0].p; (vertex1 = static_cast<vertexT*>(*vp)); ++vp) {
          ++cnt;
          const int pid1 = qh_pointid(qh, vertex1->point);
          if (pid1 < 0 || pid1 >= n) {
            *bad = 1;
            break;
          }
          if (pid != pid1) {
            int j = start;
            while (j < adr && edge_localid[j] != pid1) ++j;
            if (j >= adr) edge_localid[adr++] = pid1;
          }
        }
        if (cnt != 3) *bad = 2;
      }
      edge_localid[adr++] = -1;
      ++i;
    }
    if (!*bad && adr != numvert + 3 * numface) *bad = 2;
    adr = 0;
    if (!*bad) {
      FORALLfacets {
        int ii = 0, ind[3] = {0, 1, 2};
        if (facet->toporient) {
          ind[0] = 1;
          ind[1] = 0;
        }
        for (void** vp = &facet->vertices->e[0].p; (vertex1 = static_cast<vertexT*>(*vp)); ++vp) {
          if (ii >= 3) {
            *bad = 2;
            break;
          }
          face_globalid[adr + ind[ii++]] = qh_pointid(qh, vertex1->point);
        }
        adr += 3;
      }
    }
    qh->NOerrexit = 1;
    qh_freeqhull(qh, 0);  // !qh_ALL: keep the short memory for qh_memfreeshort
    qh_memfreeshort(qh, &curlong, &totlong);
    return graph;
  }
  qh->NOerrexit = 1;
  qh_freeqhull(qh, 0);  // !qh_ALL: keep the short memory for qh_memfreeshort
  qh_memfreeshort(qh, &curlong, &totlong);
  std::free(graph);
  *size = -1;
  return nullptr;
}

/// The convex hull graph of points (3*n coordinates) exactly as MuJoCo 3.4's mjCMesh::MakeGraph
/// builds it with qhull ("qhull Qt", plus "TA<maxhullvert - 4>" when maxhullvert > -1):
///   numvert, numface, vert_edgeadr[numvert], vert_globalid[numvert],
///   edge_localid[numvert + 3 numface] (per hull vertex its neighbours' local ids, -1 ends),
///   face_globalid[3 numface] (outward triangles of point ids).
/// The neighbour order (qhull's) decides MuJoCo's hill-climbing support and plane-mesh contacts.
/// Throws std::runtime_error when qhull fails (flat or degenerate points).
inline std::vector<int> make_graph(const std::vector<double>& pts, int maxhullvert) {
  const int n = int(pts.size() / 3);
  int size = 0, bad = 0;
  int* g = qhull_graph(pts.data(), n, maxhullvert, &size, &bad);
  if (!g) throw std::runtime_error("qhull failed on " + std::to_string(n) + " points (flat or degenerate)");
  std::vector<int> graph(g, g + size);
  std::free(g);
  if (bad) throw std::runtime_error("qhull returned a malformed hull");
  const int numvert = graph[0], numface = graph[1];
  int* vert_globalid = graph.data() + 2 + numvert;
  int* edge_localid = graph.data() + 2 + 2 * numvert;
  std::vector<int> local(size_t(n), -1);
  for (int v = 0; v < numvert; ++v) local[size_t(vert_globalid[v])] = v;
  for (int i = 0; i < numvert + 3 * numface; ++i)
    if (edge_localid[i] >= 0) edge_localid[i] = local[size_t(edge_localid[i])];
  return graph;
}

/// The hull's triangles (face_globalid) of a graph from make_graph.
inline std::vector<int> graph_faces(const std::vector<int>& graph) {
  const int numvert = graph[0], numface = graph[1];
  const int* f = graph.data() + 2 + 3 * numvert + 3 * numface;
  return std::vector<int>(f, f + 3 * numface);
}

/// The error of a mesh asset: `where` names it (file or element), MuJoCo's message follows.
inline ModelError mesh_error(const std::string& where, const std::string& what) {
  return ModelError(SourceLocation{where, 0, ""}, what);
}

/// MuJoCo's CheckInitialMesh (sizes, finite vertices, face indices), the winding flip of
/// left-handed scales on file meshes, and the orientation check of exact inertia (repeated
/// half-edges of non-degenerate faces).
inline void check_mesh(CompiledMesh& m, const MeshSource& src, const double scale[3], MeshInertia mode,
                       const std::string& where) {
  constexpr double minval = min_val<double>();
  // CheckInitialMesh
  if (m.vert.size() % 3) throw mesh_error(where, "vertex data must be a multiple of 3");
  if (m.vert.size() < 12) throw mesh_error(where, "at least 4 vertices required");
  if (m.face.size() % 3) throw mesh_error(where, "face data must be a multiple of 3");
  for (size_t i = 0; i < m.vert.size(); ++i)
    if (!std::isfinite(m.vert[i]))
      throw mesh_error(where, "vertex coordinate " + std::to_string(i / 3) + " is not finite");
  const int nvert = m.nvert();
  for (size_t i = 0; i < m.face.size(); ++i)
    if (m.face[i] < 0 || m.face[i] >= nvert)
      throw mesh_error(where, "in face " + std::to_string(i / 3) + ", vertex index " + std::to_string(m.face[i]) +
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
      throw mesh_error(where,
                       "faces of mesh have inconsistent orientation. Please check the faces containing "
                       "the vertices " +
                           std::to_string(it->first + 1) + " and " + std::to_string(it->second + 1) + ".");
  }
}

/// ApplyTransformations: refpos, refquat, scale.
inline void apply_transformations(CompiledMesh& m, const double refpos[3], const double refquat[4],
                                  const double scale[3]) {
  const int nvert = m.nvert();
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
}

/// The area-weighted face centroid, then the volume (or, for shell inertia, the surface) and the
/// centre of mass over the triangles F, as mjCMesh::Process.
inline void mesh_com(CompiledMesh& m, MeshInertia mode, const std::vector<int>& F, double com[3],
                     const std::string& where) {
  using detail::mesh_triangle;
  constexpr double minval = min_val<double>();
  const double* V = m.vert.data();
  // area-weighted centroid of the faces
  double facecen[3] = {0, 0, 0}, total_area = 0;
  for (size_t i = 0; i < m.face.size(); i += 3) {
    double center[3];
    double area = mesh_triangle(nullptr, center, V + 3 * m.face[i], V + 3 * m.face[i + 1], V + 3 * m.face[i + 2]);
    for (int k = 0; k < 3; ++k) facecen[k] += area * center[k];
    total_area += area;
  }
  if (total_area >= minval)
    for (int k = 0; k < 3; ++k) facecen[k] /= total_area;
  else throw mesh_error(where, "mesh surface area is too small");

  // volume (or surface) and centre of mass
  if (mode == MeshInertia::shell) {
    double surface = 0;
    for (size_t i = 0; i < m.face.size(); i += 3) {
      double center[3];
      double area = mesh_triangle(nullptr, center, V + 3 * m.face[i], V + 3 * m.face[i + 1], V + 3 * m.face[i + 2]);
      surface += area;
      for (int k = 0; k < 3; ++k) com[k] += area * (center[k] * 3.0 / 4.0 + facecen[k] / 4.0);
    }
    if (surface >= minval)
      for (int k = 0; k < 3; ++k) com[k] /= surface;
    m.surface = surface;
    if (surface < minval) throw mesh_error(where, "mesh surface area is too small");
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
      if (total < 0) throw mesh_error(where, "mesh volume is negative (misoriented triangles)");
      throw mesh_error(where, "mesh volume is too small. Try setting inertia to shell");
    }
  }
}

}  // namespace detail

/// Compiles a mesh asset as MuJoCo 3.4.0 does for mass properties (see the header comment).
/// scale, refpos, refquat: the <mesh> attributes. `where` names the mesh in error messages.
/// Throws ModelError with MuJoCo's messages.
/// needhull: a collision geom uses the mesh (MuJoCo's needhull_: the hull graph is built then,
/// and whenever inertia is convex or faces are missing); maxhullvert: <mesh maxhullvert>, -1 all.
inline CompiledMesh compile_mesh(const MeshSource& src, const double scale[3], MeshInertia mode, const double refpos[3],
                                 const double refquat[4], const std::string& where, bool needhull = false,
                                 int maxhullvert = -1) {
  using detail::mesh_error;
  using detail::mesh_triangle;

  CompiledMesh m;
  m.mode = mode;
  m.vert = src.vert;
  m.face = src.face;

  detail::check_mesh(m, src, scale, mode, where);
  const int nvert = m.nvert();

  // convex hull graph (MakeGraph, on the vertices as read) when a collision geom or convex
  // inertia needs it or no faces were given; its triangles replace missing faces (CopyGraph)
  if (needhull || mode == MeshInertia::convex || m.face.empty()) {
    try {
      m.graph = detail::make_graph(m.vert, maxhullvert);
    } catch (const std::runtime_error& e) { throw mesh_error(where, std::string("qhull error: ") + e.what()); }
    m.hull = detail::graph_faces(m.graph);
    if (m.face.empty()) m.face = m.hull;
  }
  detail::make_polygons(m.poly, m.vert, m.graph.empty() ? m.face : m.hull);

  detail::apply_transformations(m, refpos, refquat, scale);

  auto vp = [&](const std::vector<double>& vv, int id) { return vv.data() + 3 * size_t(id); };

  // triangles integrated for volume and inertia
  const std::vector<int>& F = (mode == MeshInertia::convex) ? m.hull : m.face;
  double com[3] = {0, 0, 0};
  detail::mesh_com(m, mode, F, com, where);

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
    double volume = shell ? area : (center[0] * normal[0] + center[1] * normal[1] + center[2] * normal[2]) * area / 3;
    if (mode == MeshInertia::legacy) volume = std::abs(volume);
    total_volume += volume;
    const int C = shell ? 12 : 20;
    for (int j = 0; j < 6; ++j) {
      int a = kk[j][0], b = kk[j][1];
      Pm[j] += volume / C *
               (2 * (D[a] * D[b] + E[a] * E[b] + G[a] * G[b]) + D[a] * E[b] + D[b] * E[a] + D[a] * G[b] + D[b] * G[a] +
                E[a] * G[b] + E[b] * G[a]);
    }
  }
  if (shell) m.surface = total_volume;
  else m.volume = total_volume;

  double full[9] = {Pm[1] + Pm[2], -Pm[3], -Pm[4], -Pm[3], Pm[0] + Pm[2], -Pm[5], -Pm[4], -Pm[5], Pm[0] + Pm[1]};
  double eigval[3], eigvec[9], q[4];
  eig3(eigval, eigvec, q, full);

  if (eigval[2] <= 0) throw mesh_error(where, "eigenvalue of mesh inertia must be positive");
  constexpr double atol = 1e-9, rtol = 1e-6;
  if (eigval[0] + eigval[1] < eigval[2] * (1.0 - rtol) - atol ||
      eigval[0] + eigval[2] < eigval[1] * (1.0 - rtol) - atol ||
      eigval[1] + eigval[2] < eigval[0] * (1.0 - rtol) - atol)
    throw mesh_error(where, "eigenvalues of mesh inertia violate A + B >= C");

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
  detail::polygon_normals(m.poly, m.vert);
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
