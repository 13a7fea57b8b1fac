// Position integration on the configuration manifold (mj_integratePos): hinge and slide
// coordinates add h*qvel; ball and free rotations integrate the body-frame angular velocity
// through the exponential map.
#pragma once
#include "sinew/data/layout.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

template <class T, class SQ, class SV>
SINEW_HD inline void integrate_pos(const ModelView<T>& m, const SQ& qpos, const SV& qvel, T h) {
  for (int j = 0; j < m.size.njnt; ++j) {
    int pa = m.jnt_qposadr[j], va = m.jnt_dofadr[j];
    const int type = m.jnt_type[j];
    if (type == JNT_FREE || type == JNT_BALL) {
      if (type == JNT_FREE) {
        for (int c = 0; c < 3; ++c) qpos[pa + c] += h * qvel[va + c];
        pa += 3;
        va += 3;
      }
      const quat<T> q = quat_integrate(quat<T>{qpos[pa], qpos[pa + 1], qpos[pa + 2], qpos[pa + 3]},
                                       vec3<T>{qvel[va], qvel[va + 1], qvel[va + 2]}, h);
      qpos[pa] = q.w;
      qpos[pa + 1] = q.x;
      qpos[pa + 2] = q.y;
      qpos[pa + 3] = q.z;
    } else {
      qpos[pa] += h * qvel[va];
    }
  }
}

}  // namespace sinew
