// Com-based velocities of one world (mj_comVel).
//
// Reads qvel, cdof. Writes cvel (nbody x 6) and cdof_dot (nv x 6) = cvel(parent side) x cdof.
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

template <class T, class L> SINEW_HD inline void com_vel(const ModelView<T>& m, const WorldData<T, L>& d) {
  set6(d.cvel, 0, vec6<T>::zero());
  for (int i = 1; i < m.size.nbody; ++i) {
    const int bda = m.body_dofadr[i];
    vec6<T> cvel = get6(d.cvel, m.body_parentid[i]);
    const int ndof = m.body_dofnum[i];
    for (int j = 0; j < ndof; ++j) {
      const int dof = bda + j;
      const int type = m.jnt_type[m.dof_jntid[dof]];
      if (type == JNT_FREE || type == JNT_BALL) {
        int r = dof;  // first rotational dof
        if (type == JNT_FREE) {
          vec6<T> v = vec6<T>::zero();
          for (int k = 0; k < 3; ++k) {
            set6(d.cdof_dot, dof + k, vec6<T>::zero());
            v += d.qvel[dof + k] * get6(d.cdof, dof + k);
          }
          cvel += v;
          r = dof + 3;
        }
        for (int k = 0; k < 3; ++k) set6(d.cdof_dot, r + k, cross_motion(cvel, get6(d.cdof, r + k)));
        vec6<T> v = vec6<T>::zero();
        for (int k = 0; k < 3; ++k) v += d.qvel[r + k] * get6(d.cdof, r + k);
        cvel += v;
        j = r + 2 - bda;
      } else {
        const vec6<T> cd = get6(d.cdof, dof);
        set6(d.cdof_dot, dof, cross_motion(cvel, cd));
        cvel += d.qvel[dof] * cd;
      }
    }
    set6(d.cvel, i, cvel);
  }
}

}  // namespace sinew
