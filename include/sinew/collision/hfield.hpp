// Height field against a convex geom (sphere, capsule, ellipsoid, cylinder, box, mesh): MuJoCo
// 3.4's mjc_ConvexHField (engine_collision_convex.c) with its native CCD.
//
// The height field (hfield_size = [x radius, y radius, elevation z, base depth]; nrow x ncol
// elevations in [0, 1] scaled by size[2]) is cut into triangular prisms, two per grid cell; each
// prism whose top reaches the geom's lowest point and lies in the geom's bounding box (in the
// hfield frame) is collided with the geom by the same GJK/EPA as every convex pair (convex.hpp),
// the prism's top raised by the margin and the geom inflated by margin/2. Each prism in
// penetration gives a contact (dist = -depth), at most 50 per pair (mjMAXCONPAIR), in MuJoCo's
// row/column/triangle order; the mesh support query keeps its last vertex from prism to prism, as
// MuJoCo's CCD object does.
#pragma once
#include <cmath>

#include "sinew/collision/convex.hpp"
#include "sinew/collision/types.hpp"

namespace sinew::collision {

inline constexpr int kMaxConPair = 50;  // mjMAXCONPAIR

/// A height field as the collider reads it: pose, size (4), grid, elevations (nrow * ncol).
template <class T> struct HFieldPose {
  vec3<T> pos;
  mat3<T> mat;
  const T* size;
  int nrow, ncol;
  const T* data;
};

/// Collides hfield h with convex geom g (world pose; rbound its bounding radius). emit(pc) is
/// called for each contact; returns their number.
template <class T, class Emit>
SINEW_INLINE int hfield_convex(const HFieldPose<T>& h, const GeomPose<T>& g, T rbound, T margin, T tol, int iterations,
                               Emit&& emit) {
  const T size0 = h.size[0], size1 = h.size[1], size2 = h.size[2], size3 = h.size[3];
  const int nrow = h.nrow, ncol = h.ncol;
  // geom position in the hfield frame; bounding-sphere test against the hfield's box
  const vec3<T> pos = mul_transpose(h.mat, g.pos - h.pos);
  const T radius = rbound + margin;
  if ((size0 < pos.x - radius) || (-size0 > pos.x + radius) || (size1 < pos.y - radius) || (-size1 > pos.y + radius) ||
      (size2 < pos.z - radius) || (-size3 > pos.z + radius))
    return 0;
  // the geom in the hfield frame
  GeomPose<T> rel = g;
  rel.pos = pos;
  rel.mat = transpose(h.mat) * g.mat;
  ccd::Obj<T> o2{&rel, ccd::full_kind<T>(g.type), T(0), -1, -1};
  // bounding box of the geom (support points along the hfield axes)
  vec3<T> dir = vec3<T>::zero();
  dir.x = T(1);
  const T xmax = ccd::support(o2, dir).x;
  dir.x = T(-1);
  const T xmin = ccd::support(o2, dir).x;
  dir.x = T(0);
  dir.y = T(1);
  const T ymax = ccd::support(o2, dir).y;
  dir.y = T(-1);
  const T ymin = ccd::support(o2, dir).y;
  dir.y = T(0);
  dir.z = T(1);
  const T zmax = ccd::support(o2, dir).z;
  dir.z = T(-1);
  const T zmin = ccd::support(o2, dir).z;
  if ((xmin - margin > size0) || (xmax + margin < -size0) || (ymin - margin > size1) || (ymax + margin < -size1) ||
      (zmin - margin > size2) || (zmax + margin < -size3))
    return 0;
  // sub-grid of the cells under the box
  int cmin = int(std::floor((xmin + size0) / (T(2) * size0) * T(ncol - 1)));
  int cmax = int(std::ceil((xmax + size0) / (T(2) * size0) * T(ncol - 1)));
  int rmin = int(std::floor((ymin + size1) / (T(2) * size1) * T(nrow - 1)));
  int rmax = int(std::ceil((ymax + size1) / (T(2) * size1) * T(nrow - 1)));
  cmin = cmin > 0 ? cmin : 0;
  cmax = cmax < ncol - 1 ? cmax : ncol - 1;
  rmin = rmin > 0 ? rmin : 0;
  rmax = rmax < nrow - 1 ? rmax : nrow - 1;
  o2.margin = margin;
  const T dx = (T(2) * size0) / T(ncol - 1), dy = (T(2) * size1) / T(nrow - 1);
  // the prism: vertices 0-2 at the base, 3-5 their tops (addPrismVert shifts them along)
  GeomPose<T> pg = g;
  pg.type = GEOM_HFIELD;
  T prism[18];
  for (int k = 0; k < 18; ++k) prism[k] = T(0);
  prism[2] = prism[5] = prism[8] = -size3;
  pg.vert = prism;
  pg.nvert = 6;
  ccd::Obj<T> o1{&pg, ccd::K_PRISM, T(0), -1, -1};
  const auto add_vert = [&](int r, int c, int i) {
    for (int k = 0; k < 3; ++k) {
      prism[k] = prism[3 + k];
      prism[3 + k] = prism[6 + k];
      prism[9 + k] = prism[12 + k];
      prism[12 + k] = prism[15 + k];
    }
    const int dr = 1 - i;
    prism[6] = prism[15] = dx * T(c) - size0;
    prism[7] = prism[16] = dy * T(r + dr) - size1;
    prism[17] = h.data[(r + dr) * ncol + c] * size2;
    prism[17] += margin;
  };
  const int kmax = iterations < kCcdMaxIter ? iterations : kCcdMaxIter;
  int ncon = 0;
  for (int r = rmin; r < rmax; ++r) {
    add_vert(r, cmin, 0);
    add_vert(r, cmin, 1);
    for (int c = cmin + 1; c <= cmax; ++c) {
      for (int i = 0; i < 2; ++i) {
        add_vert(r, c, i);
        if (prism[11] < zmin && prism[14] < zmin && prism[17] < zmin) continue;
        ccd::Status<T> st;
        const T dist = ccd::ccd(st, o1, o2, tol, kmax);
        if (!(dist < T(0))) continue;
        vec3<T> n = st.x1 - st.x2;
        normalize(n);
        if (n.x == T(0) && n.y == T(0) && n.z == T(0)) continue;
        const vec3<T> p = T(0.5) * (st.x1 + st.x2);
        PreContact<T> pc;
        pc.dist = dist;
        pc.normal = h.mat * n;
        pc.pos = h.mat * p + h.pos;
        pc.tangent = vec3<T>::zero();
        emit(pc);
        if (++ncon >= kMaxConPair) return ncon;
      }
    }
  }
  return ncon;
}

}  // namespace sinew::collision
