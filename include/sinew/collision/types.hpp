// Shared types of the narrowphase: a geom's world pose and size, and the pre-contact every pair
// function writes (mjContact's geometric part before parameters are attached).
//
// Conventions (MuJoCo's): `normal` points from geom 1 to geom 2; `dist` is the signed distance
// (negative in penetration); `pos` is midway between the two surfaces along the normal; a pair
// function reports a contact when dist <= margin and
// returns how many it wrote (margin: the pair's margin, the larger of the geoms' in MuJoCo 3.4). `tangent` is zero unless the function fixes the frame's second axis
// (plane-capsule: the capsule axis); make_frame completes it.
#pragma once
#include "sinew/math/math.hpp"

namespace sinew::collision {

template <class T> struct GeomPose {
  vec3<T> pos;
  mat3<T> mat;
  vec3<T> size;
  int type;
  const T* vert = nullptr;  ///< mesh: its vertices in the geom frame (mesh_vert), 3 * nvert
  int nvert = 0;
  const int* graph = nullptr;  ///< mesh: its convex hull graph (mesh_graph), nullptr when it has none
  T rbound = T(0);             ///< bounding-sphere radius (geom_rbound; plane-mesh uses it)
  // mesh polygons (multiccd): normals and vertex lists of this mesh's polygons (indexed by
  // mesh-local polygon id; vertex lists address the global polyvert), polygons of each vertex
  // (indexed by mesh-local vertex id; address the global polymap)
  const T* polynormal = nullptr;
  const int *polyvertadr = nullptr, *polyvertnum = nullptr, *polyvert = nullptr;
  const int *polymapadr = nullptr, *polymapnum = nullptr, *polymap = nullptr;
};

template <class T> struct PreContact {
  T dist;
  vec3<T> pos;
  vec3<T> normal;
  vec3<T> tangent;
};

/// Completes a contact frame from its normal (row 0) and optional tangent (row 1), as
/// mju_makeFrame: normalized normal; tangent (0,1,0) or, when the normal is close to y, (0,0,1)
/// if none was given; tangent orthogonalized and normalized; row 2 = normal x tangent.
template <class T> SINEW_INLINE void make_frame(vec3<T> n, vec3<T> t, T frame[9]) {
  normalize(n);
  if (norm(t) < T(0.5)) {
    if (n.y < T(0.5) && n.y > T(-0.5)) t = {T(0), T(1), T(0)};
    else t = {T(0), T(0), T(1)};
  }
  t -= dot(n, t) * n;
  normalize(t);
  const vec3<T> b = cross(n, t);
  frame[0] = n.x;
  frame[1] = n.y;
  frame[2] = n.z;
  frame[3] = t.x;
  frame[4] = t.y;
  frame[5] = t.z;
  frame[6] = b.x;
  frame[7] = b.y;
  frame[8] = b.z;
}

}  // namespace sinew::collision
