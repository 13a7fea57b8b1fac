// Which narrowphase function handles a pair of geom types (MuJoCo's mjCOLLISIONFUNC table,
// restricted to what Sinew implements), and the most contacts it can return.
#pragma once
#include "sinew/collision/box.hpp"
#include "sinew/collision/convex.hpp"
#include "sinew/collision/hfield.hpp"
#include "sinew/collision/plane.hpp"
#include "sinew/collision/primitive.hpp"
#include "sinew/model/enums.hpp"

namespace sinew::collision {

inline constexpr int kMaxNarrow = kBoxBoxMax;  ///< most contacts collide() writes for one pair

enum PairFunc : int {
  PF_NONE = 0,          ///< MuJoCo has no function either (plane-plane, plane-hfield): never collides
  PF_UNSUPPORTED = -1,  ///< MuJoCo collides it, Sinew does not yet
  PF_PLANE_SPHERE = 1,
  PF_PLANE_CAPSULE,
  PF_PLANE_ELLIPSOID,
  PF_PLANE_CYLINDER,
  PF_PLANE_BOX,
  PF_SPHERE_SPHERE,
  PF_SPHERE_CAPSULE,
  PF_CAPSULE_CAPSULE,
  PF_CONVEX,
  PF_SPHERE_BOX,
  PF_SPHERE_CYLINDER,
  PF_HFIELD,  ///< height field against a convex geom (hfield.hpp; collision_world calls it itself)
  PF_PLANE_MESH,
  PF_CAPSULE_BOX,
  PF_BOX_BOX
};

/// Function for types t1 <= t2.
SINEW_INLINE int pair_func(int t1, int t2) {
  if (t1 == GEOM_PLANE) {
    switch (t2) {
      case GEOM_PLANE:
      case GEOM_HFIELD: return PF_NONE;
      case GEOM_SPHERE: return PF_PLANE_SPHERE;
      case GEOM_CAPSULE: return PF_PLANE_CAPSULE;
      case GEOM_ELLIPSOID: return PF_PLANE_ELLIPSOID;
      case GEOM_CYLINDER: return PF_PLANE_CYLINDER;
      case GEOM_BOX: return PF_PLANE_BOX;
      case GEOM_MESH: return PF_PLANE_MESH;
      default: return PF_UNSUPPORTED;
    }
  }
  if (t1 == GEOM_HFIELD && t2 == GEOM_HFIELD) return PF_NONE;
  if (t1 == GEOM_HFIELD && t2 >= GEOM_SPHERE && t2 <= GEOM_MESH) return PF_HFIELD;
  if (t1 == GEOM_SPHERE && t2 == GEOM_SPHERE) return PF_SPHERE_SPHERE;
  if (t1 == GEOM_SPHERE && t2 == GEOM_CAPSULE) return PF_SPHERE_CAPSULE;
  if (t1 == GEOM_CAPSULE && t2 == GEOM_CAPSULE) return PF_CAPSULE_CAPSULE;
  if (t1 == GEOM_SPHERE && t2 == GEOM_BOX) return PF_SPHERE_BOX;
  if (t1 == GEOM_SPHERE && t2 == GEOM_CYLINDER) return PF_SPHERE_CYLINDER;
  if (t1 == GEOM_CAPSULE && t2 == GEOM_BOX) return PF_CAPSULE_BOX;
  if (t1 == GEOM_BOX && t2 == GEOM_BOX) return PF_BOX_BOX;
  // mjc_Convex in MuJoCo 3.4's table: ellipsoid, cylinder and mesh pairs (except sphere-cylinder,
  // a closed form there), ellipsoid-box, cylinder-box, box-mesh, mesh-mesh: one contact each
  // without multiccd, up to 4 or 5 with it (convex_maxcontact)
  if (t2 == GEOM_ELLIPSOID && (t1 == GEOM_SPHERE || t1 == GEOM_CAPSULE || t1 == GEOM_ELLIPSOID)) return PF_CONVEX;
  if (t2 == GEOM_CYLINDER && (t1 == GEOM_CAPSULE || t1 == GEOM_ELLIPSOID || t1 == GEOM_CYLINDER)) return PF_CONVEX;
  if (t2 == GEOM_BOX && (t1 == GEOM_ELLIPSOID || t1 == GEOM_CYLINDER)) return PF_CONVEX;
  if (t2 == GEOM_MESH && t1 >= GEOM_SPHERE && t1 <= GEOM_MESH) return PF_CONVEX;
  return PF_UNSUPPORTED;
}

/// Most contacts collide() writes for a pair of these types (multiccd: the option's flag).
SINEW_INLINE int pair_maxcontact(int t1, int t2, bool multiccd = false) {
  switch (pair_func(t1, t2)) {
    case PF_CONVEX: return convex_maxcontact(t1, t2, multiccd, true);  // a margin allows 5
    case PF_PLANE_CAPSULE:
    case PF_CAPSULE_CAPSULE:
    case PF_CAPSULE_BOX: return 2;
    case PF_PLANE_CYLINDER:
    case PF_PLANE_BOX: return 4;
    case PF_PLANE_MESH: return 3;
    case PF_BOX_BOX: return kBoxBoxMax;
    case PF_HFIELD: return kMaxConPair;
    case PF_NONE:
    case PF_UNSUPPORTED: return 0;
    default: return 1;
  }
}

/// Runs the narrowphase of a pair (g1.type <= g2.type); returns the number of contacts written
/// to con (at most pair_maxcontact, <= kMaxNarrow). ccd_tol, ccd_iter: opt.ccd_tolerance, opt.ccd_iterations.
template <class T>
SINEW_INLINE int collide(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2,
                         T ccd_tol = T(1e-6), int ccd_iter = 35, bool multiccd = false) {
  switch (pair_func(g1.type, g2.type)) {
    case PF_PLANE_SPHERE: return plane_sphere(con, margin, g1, g2);
    case PF_PLANE_CAPSULE: return plane_capsule(con, margin, g1, g2);
    case PF_PLANE_ELLIPSOID: return plane_ellipsoid(con, margin, g1, g2);
    case PF_PLANE_CYLINDER: return plane_cylinder(con, margin, g1, g2);
    case PF_PLANE_BOX: return plane_box(con, margin, g1, g2);
    case PF_PLANE_MESH: return plane_mesh(con, margin, g1, g2);
    case PF_SPHERE_SPHERE: return sphere_sphere(con, margin, g1, g2);
    case PF_SPHERE_CAPSULE: return sphere_capsule(con, margin, g1, g2);
    case PF_CAPSULE_CAPSULE: return capsule_capsule(con, margin, g1, g2);
    case PF_CONVEX: return convex_pair(con, margin, g1, g2, ccd_tol, ccd_iter, multiccd);
    case PF_SPHERE_BOX: return sphere_box(con, margin, g1, g2);
    case PF_SPHERE_CYLINDER: return sphere_cylinder(con, margin, g1, g2);
    case PF_CAPSULE_BOX: return capsule_box(con, margin, g1, g2);
    case PF_BOX_BOX: return box_box(con, margin, g1, g2);
    default: return 0;
  }
}

}  // namespace sinew::collision
