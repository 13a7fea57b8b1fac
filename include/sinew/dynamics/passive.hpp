// Passive forces of one world (mj_passive, joint part): joint springs toward qpos_spring (ball and
// free rotations through the quaternion difference) and dof dampers.
//
// Reads qpos, qvel. Writes qfrc_spring, qfrc_damper, qfrc_passive (nv).
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

template <class T, class L> SINEW_HD inline void passive(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nv = m.size.nv;
  for (int i = 0; i < nv; ++i) { d.qfrc_spring[i] = T(0); d.qfrc_damper[i] = T(0); }
  if (!m.opt.disabled(DSBL_SPRING)) {
    for (int j = 0; j < m.size.njnt; ++j) {
      const T k = m.jnt_stiffness[j];
      if (k == T(0)) continue;
      const int pa = m.jnt_qposadr[j], da = m.jnt_dofadr[j], type = m.jnt_type[j];
      if (type == JNT_FREE || type == JNT_BALL) {
        int qa = pa, va = da;
        if (type == JNT_FREE) {
          for (int c = 0; c < 3; ++c) d.qfrc_spring[da + c] = -k * (d.qpos[pa + c] - m.qpos_spring[pa + c]);
          qa += 3;
          va += 3;
        }
        const quat<T> q{d.qpos[qa], d.qpos[qa + 1], d.qpos[qa + 2], d.qpos[qa + 3]};
        const vec3<T> dif = sub_quat(q, quat<T>::load(m.qpos_spring + qa));
        for (int c = 0; c < 3; ++c) d.qfrc_spring[va + c] = -k * dif[c];
      } else {
        d.qfrc_spring[da] = -k * (d.qpos[pa] - m.qpos_spring[pa]);
      }
    }
  }
  if (!m.opt.disabled(DSBL_DAMPER))
    for (int i = 0; i < nv; ++i) d.qfrc_damper[i] = -m.dof_damping[i] * d.qvel[i];
  for (int i = 0; i < nv; ++i) d.qfrc_passive[i] = d.qfrc_spring[i] + d.qfrc_damper[i];
}

}  // namespace sinew
