// Generalized force of a Cartesian force and torque applied at a body's centre of mass
// (mj_applyFT at xipos): qfrc[j] += cdof_j . [torque + r x force; force] for every dof j that
// moves the body, r = xipos - subtree_com[root]; apply_ft_point: the same at any point.
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Last dof of the nearest ancestor of body b (b included) that has dofs, or -1.
template <class T> SINEW_HD inline int body_last_dof(const ModelView<T>& m, int b) {
  for (int a = b; a > 0; a = m.body_parentid[a])
    if (m.body_dofnum[a]) return m.body_dofadr[a] + m.body_dofnum[a] - 1;
  return -1;
}

/// mj_applyFT of force f and torque t at a world point on body b, added to qfrc.
template <class T, class L, class S>
SINEW_HD inline void apply_ft_point(const ModelView<T>& m, const WorldData<T, L>& d, int b, vec3<T> point, vec3<T> f,
                                    vec3<T> t, const S& qfrc) {
  const vec3<T> r = point - get3(d.subtree_com, m.body_rootid[b]);
  const vec3<T> tc = t + cross(r, f);
  const vec6<T> w{{tc.x, tc.y, tc.z, f.x, f.y, f.z}};
  for (int j = body_last_dof(m, b); j >= 0; j = m.dof_parentid[j]) qfrc[j] += dot(get6(d.cdof, j), w);
}

template <class T, class L, class S>
SINEW_HD inline void apply_ft_com(const ModelView<T>& m, const WorldData<T, L>& d, int b, vec3<T> f, vec3<T> t,
                                  const S& qfrc) {
  apply_ft_point(m, d, b, get3(d.xipos, b), f, t, qfrc);
}

}  // namespace sinew
