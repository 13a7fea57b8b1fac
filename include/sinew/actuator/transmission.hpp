// Actuator transmissions of one world (mj_transmission): actuator_length and the sparse
// actuator_moment (rows moment_rowadr/rownnz/colind of the Model, fixed at compile time); and
// actuator_velocity = moment qvel (mj_fwdVelocity's actuator part).
//
// Transmissions: joint and jointinparent on hinge/slide joints (length = gear0 q, moment gear0),
// joint on ball joints (length = gear[0:3] . rotation vector, moment gear[0:3]) and free joints
// (length 0, moment gear[0:6]); tendon (length = gear0 ten_length, moment = gear0 ten_J, with the
// tendon's sparsity). The compiler rejects the others (site, body, slider-crank) and
// jointinparent on ball/free joints.
//
//   transmission_world(m, d);        // after tendon_world and the mass matrix
//   actuator_velocity_world(m, d);   // after tendon_velocity_world
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

template <class T, class L> SINEW_HD inline void transmission_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  for (int i = 0; i < m.size.nu; ++i) {
    const int adr = m.moment_rowadr[i];
    const int id = m.actuator_trnid[2 * i];
    const T* gear = m.actuator_gear + 6 * i;
    const int trn = m.actuator_trntype[i];
    if (trn == TRN_JOINT || trn == TRN_JOINTINPARENT) {
      const int type = m.jnt_type[id];
      const int qa = m.jnt_qposadr[id];
      if (type == JNT_SLIDE || type == JNT_HINGE) {
        d.actuator_length[i] = d.qpos[qa] * gear[0];
        d.actuator_moment[adr] = gear[0];
      } else if (type == JNT_BALL) {
        quat<T> q{d.qpos[qa], d.qpos[qa + 1], d.qpos[qa + 2], d.qpos[qa + 3]};
        normalize(q);
        const vec3<T> axis = quat_to_vel(q, T(1));
        d.actuator_length[i] = axis.x * gear[0] + axis.y * gear[1] + axis.z * gear[2];
        for (int k = 0; k < 3; ++k) d.actuator_moment[adr + k] = gear[k];
      } else {
        d.actuator_length[i] = T(0);
        for (int k = 0; k < 6; ++k) d.actuator_moment[adr + k] = gear[k];
      }
    } else if (trn == TRN_TENDON) {
      d.actuator_length[i] = d.ten_length[id] * gear[0];
      const int ta = m.ten_J_rowadr[id], tn = m.ten_J_rownnz[id];
      for (int k = 0; k < tn; ++k) d.actuator_moment[adr + k] = d.ten_J[ta + k] * gear[0];
    }
  }
}

template <class T, class L>
SINEW_HD inline void actuator_velocity_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  const bool off = m.opt.disabled(DSBL_ACTUATION);
  for (int i = 0; i < m.size.nu; ++i) {
    T v = T(0);
    if (!off) {
      const int adr = m.moment_rowadr[i], n = m.moment_rownnz[i];
      for (int k = 0; k < n; ++k) v += d.actuator_moment[adr + k] * d.qvel[m.moment_colind[adr + k]];
    }
    d.actuator_velocity[i] = v;
  }
}

}  // namespace sinew
