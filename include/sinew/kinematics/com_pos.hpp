// Centre-of-mass quantities of one world (mj_comPos): subtree centres of mass, com-based body
// inertias and com-based dof motion axes.
//
// Reads xipos, ximat, xmat, xanchor, xaxis. Writes subtree_com (nbody x 3), cinert (nbody x 10),
// cdof (nv x 6). Spatial quantities are taken about subtree_com[body_rootid].
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

template <class T, class L> SINEW_HD inline void com_pos(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nbody = m.size.nbody;
  for (int i = 0; i < nbody; ++i) set3(d.subtree_com, i, m.body_mass[i] * get3(d.xipos, i));
  for (int i = nbody - 1; i > 0; --i) {
    const int p = m.body_parentid[i];
    set3(d.subtree_com, p, get3(d.subtree_com, p) + get3(d.subtree_com, i));
  }
  for (int i = 0; i < nbody; ++i) {
    if (m.body_subtreemass[i] < min_val<T>()) set3(d.subtree_com, i, get3(d.xipos, i));
    else set3(d.subtree_com, i, (T(1) / m.body_subtreemass[i]) * get3(d.subtree_com, i));
  }

  for (int k = 0; k < 10; ++k) d.cinert[k] = T(0);
  for (int i = 1; i < nbody; ++i) {
    const vec3<T> dif = get3(d.xipos, i) - get3(d.subtree_com, m.body_rootid[i]);
    set10(d.cinert, i, inertia_com(vec3<T>::load(m.body_inertia + 3 * i), getm(d.ximat, i), dif, m.body_mass[i]));
  }

  for (int j = 0; j < m.size.njnt; ++j) {
    const int b = m.jnt_bodyid[j];
    int da = m.jnt_dofadr[j];
    // from the anchor to the reference point: v(ref) = axis x (ref - anchor) (mju_dofCom)
    const vec3<T> offset = get3(d.subtree_com, m.body_rootid[b]) - get3(d.xanchor, j);
    switch (m.jnt_type[j]) {
      case JNT_FREE:
        for (int k = 0; k < 3; ++k) {
          vec3<T> e = vec3<T>::zero();
          e[k] = T(1);
          set6(d.cdof, da + k, dof_com(e, offset, false));
        }
        da += 3;
        [[fallthrough]];
      case JNT_BALL: {
        const mat3<T> xm = getm(d.xmat, b);
        for (int k = 0; k < 3; ++k) set6(d.cdof, da + k, dof_com(xm.col(k), offset, true));
        break;
      }
      case JNT_SLIDE: set6(d.cdof, da, dof_com(get3(d.xaxis, j), offset, false)); break;
      default: set6(d.cdof, da, dof_com(get3(d.xaxis, j), offset, true));
    }
  }
}

}  // namespace sinew
