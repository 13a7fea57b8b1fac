// Point Jacobians from com_pos's motion dofs (cdof): the building block of mj_jac, shared by
// tendons (wrap paths), constraints (connect, weld, contact rows), the compiler (equality
// references) and retargeting (IK).
//
//   const sinew::vec3<T> col = sinew::point_jac(d, j, p - subtree_com_of_root);  // dJp/dq_j
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"

namespace sinew {

/// Translational Jacobian column of dof j at a point with offset `off` from its tree's
/// subtree_com (one column of mj_jac): lin(cdof_j) + ang(cdof_j) x off. com_pos must be current.
template <class T, class L> SINEW_INLINE vec3<T> point_jac(const WorldData<T, L>& d, int j, vec3<T> off) {
  const vec3<T> ang{d.cdof[6 * j], d.cdof[6 * j + 1], d.cdof[6 * j + 2]};
  const vec3<T> lin{d.cdof[6 * j + 3], d.cdof[6 * j + 4], d.cdof[6 * j + 5]};
  const vec3<T> c = cross(ang, off);
  return {lin.x + c.x, lin.y + c.y, lin.z + c.z};
}

}  // namespace sinew
