// Mesh polygons, reproducing MuJoCo 3.4.0's mjCMesh::MakePolygons and MakePolygonNormals
// (user_mesh.cc): the triangles of a mesh's convex hull (its own triangles when it has no hull) of
// (nearly) equal normal merged into polygons, each a loop of vertex ids, with its unit normal, and
// for each vertex the polygons holding it. MuJoCo stores them as mesh_poly* for every mesh; its
// multi-contact convex collision (collision/multiccd.hpp) reads a mesh's faces from them. Host
// only; used by compiler/mesh.hpp.
//
//   sinew::MeshPolygons p;
//   sinew::detail::make_polygons(p, vert, hull_triangles);   // vertices as read
//   sinew::detail::polygon_normals(p, vert_in_principal_frame);
#pragma once
#include <cmath>
#include <set>
#include <utility>
#include <vector>

namespace sinew {

/// Polygons of a mesh (mesh_polyvert, mesh_polynormal, mesh_polymap, mesh-local ids).
struct MeshPolygons {
  std::vector<std::vector<int>> polygons;     ///< vertex loops
  std::vector<double> polygon_normals;        ///< 3 per polygon
  std::vector<std::vector<int>> polygon_map;  ///< per vertex, the polygons it belongs to
};

namespace detail {

/// mjuu_makenormal: unit normal of triangle (a, b, c); a degenerate one (|n| < mjEPS) gets
/// (1, 0, 0) divided by its tiny norm, as MuJoCo (the division is not skipped there either).
inline void make_normal(double n[3], const double* a, const double* b, const double* c) {
  const double ab[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
  const double ac[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
  n[0] = ab[1] * ac[2] - ab[2] * ac[1];
  n[1] = ab[2] * ac[0] - ab[0] * ac[2];
  n[2] = ab[0] * ac[1] - ab[1] * ac[0];
  const double nrm = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  if (nrm < 1e-14) {  // mjEPS
    n[0] = 1;
    n[1] = 0;
    n[2] = 0;
  }
  n[0] /= nrm;
  n[1] /= nrm;
  n[2] /= nrm;
}

/// One polygon being merged from triangles of (nearly) the same normal: its boundary as directed
/// edges, grouped in islands (triangles not yet connected to each other), as MuJoCo 3.4's
/// MeshPolygon (user_mesh.cc) keeps it, so that the loops and their order are MuJoCo's.
struct MergedPolygon {
  std::vector<std::pair<int, int>> edges;
  std::vector<int> islands;
  int nisland = 1;
  double normal[3];

  MergedPolygon(const double* v1, const double* v2, const double* v3, int i1, int i2, int i3) {
    make_normal(normal, v1, v2, v3);
    edges = {{i1, i2}, {i2, i3}, {i3, i1}};
    islands = {0, 0, 0};
  }

  void combine(int& a, int& b) {
    if (b < a) std::swap(a, b);
    for (int& k : islands) {
      if (k == b) k = a;
      else if (k > b) --k;
    }
  }

  /// Takes away the reverse of edge (p, q) if the polygon has it; joins its island.
  bool attach(int p, int q, int& island) {
    for (size_t i = 0; i < edges.size(); ++i)
      if (edges[i].first == q && edges[i].second == p) {
        int other = islands[i];
        if (island == -1) island = other;
        else if (other != island) {
          --nisland;
          combine(island, other);
        }
        edges.erase(edges.begin() + long(i));
        islands.erase(islands.begin() + long(i));
        return true;
      }
    return false;
  }

  void insert(int v1, int v2, int v3) {
    int island = -1;
    const bool add1 = !attach(v1, v2, island);
    const bool add2 = !attach(v2, v3, island);
    const bool add3 = !attach(v3, v1, island);
    if (island == -1) island = nisland++;
    if (add1) {
      edges.push_back({v1, v2});
      islands.push_back(island);
    }
    if (add2) {
      edges.push_back({v2, v3});
      islands.push_back(island);
    }
    if (add3) {
      edges.push_back({v3, v1});
      islands.push_back(island);
    }
  }

  /// The vertex loops, one per island, each walked from the island's first edge.
  std::vector<std::vector<int>> paths() const {
    if (edges.size() == 3) return {{edges[0].first, edges[1].first, edges[2].first}};
    std::vector<std::vector<int>> out;
    for (int i = 0; i < nisland; ++i) {
      std::vector<int> path;
      for (size_t j = 0; j < edges.size(); ++j)
        if (islands[j] == i) {
          path.push_back(edges[j].first);
          path.push_back(edges[j].second);
          break;
        }
      if (path.empty()) continue;
      int next = path.back();
      for (size_t l = 0; l < edges.size(); ++l) {
        bool finished = false;
        for (size_t k = 1; k < edges.size(); ++k)  // MuJoCo's loop starts at 1 too
          if (islands[k] == i && edges[k].first == next) {
            next = edges[k].second;
            if (next == path[0]) {
              out.push_back(path);
              finished = true;
              break;
            }
            path.push_back(next);
            break;
          }
        if (finished) break;
      }
    }
    return out;
  }
};

/// MuJoCo's ordering of polygons by normal: equal when the normals are within mjFACE_TOL
/// (cos ~ 0.0016 rad), else by component. Not a strict weak order; std::set walks it exactly as
/// MuJoCo's std::set does, which is what fixes which polygon a triangle joins.
inline bool polygon_less(const MergedPolygon& p1, const MergedPolygon& p2) {
  const double* n1 = p1.normal;
  const double* n2 = p2.normal;
  if (n1[0] * n2[0] + n1[1] * n2[1] + n1[2] * n2[2] > 0.99999872) return false;
  if (std::abs(n1[0] - n2[0]) > 1e-15) return n1[0] > n2[0];  // mjMINVAL
  if (std::abs(n1[1] - n2[1]) > 1e-15) return n1[1] > n2[1];
  if (std::abs(n1[2] - n2[2]) > 1e-15) return n1[2] > n2[2];
  return false;
}

/// mjCMesh::MakePolygons: merges the hull's triangles (the mesh's own without a hull) of equal
/// normal into polygons; vertices as read (before scale and frame). Normals are recomputed after
/// the vertices reach the principal frame (polygon_normals_final).
inline void make_polygons(MeshPolygons& m, const std::vector<double>& vert, const std::vector<int>& F) {
  std::set<MergedPolygon, bool (*)(const MergedPolygon&, const MergedPolygon&)> set(polygon_less);
  const double* V = vert.data();
  for (size_t i = 0; i + 2 < F.size(); i += 3) {
    const int a = F[i], b = F[i + 1], c = F[i + 2];
    MergedPolygon face(V + 3 * size_t(a), V + 3 * size_t(b), V + 3 * size_t(c), a, b, c);
    auto it = set.find(face);
    if (it == set.end()) set.insert(std::move(face));
    else const_cast<MergedPolygon&>(*it).insert(a, b, c);
  }
  m.polygons.clear();
  m.polygon_map.assign(vert.size() / 3, {});
  for (const MergedPolygon& p : set)
    for (std::vector<int>& path : p.paths()) {
      if (path.size() < 3) continue;
      m.polygons.push_back(std::move(path));
    }
  for (size_t i = 0; i < m.polygons.size(); ++i)
    for (int v : m.polygons[i]) m.polygon_map[size_t(v)].push_back(int(i));
}

/// mjCMesh::MakePolygonNormals: each polygon's normal from its first three vertices, in the
/// principal frame.
inline void polygon_normals(MeshPolygons& m, const std::vector<double>& vert) {
  m.polygon_normals.assign(3 * m.polygons.size(), 0.0);
  const double* V = vert.data();
  for (size_t i = 0; i < m.polygons.size(); ++i) {
    const std::vector<int>& p = m.polygons[i];
    make_normal(&m.polygon_normals[3 * i], V + 3 * size_t(p[0]), V + 3 * size_t(p[1]), V + 3 * size_t(p[2]));
  }
}

}  // namespace detail
}  // namespace sinew
