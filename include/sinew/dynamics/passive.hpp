// Passive forces of one world (mj_passive: springs and dampers): joint springs toward qpos_spring
// (ball and free rotations through the quaternion difference), dof dampers, tendon springs (with
// the springlength deadband) and tendon dampers.
//
// Gravity compensation of bodies with gravcomp != 0 (mj_gravcomp) goes to qfrc_gravcomp, fluid
// forces (dynamics/fluid.hpp) to qfrc_fluid. With springs and dampers both disabled, MuJoCo
// skips all of them (qfrc_passive = 0), and so does Sinew.
//
// Reads qpos, qvel, ten_length, ten_velocity, ten_J, xipos, subtree_com, cdof (and for fluids
// ximat, geom_xpos, geom_xmat, cvel). Writes qfrc_spring, qfrc_damper, qfrc_gravcomp, qfrc_fluid
// and their sum qfrc_passive (nv).
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/dynamics/apply_ft.hpp"
#include "sinew/dynamics/fluid.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Tendon springs and dampers (the tendon part of mj_springdamper), added to qfrc_spring and
/// qfrc_damper through ten_J^T. The spring has a deadband: no force while lengthspring[0] <=
/// ten_length <= lengthspring[1], else stiffness times the distance to the nearer bound.
/// Reads ten_length, ten_velocity, ten_J.
template <class T, class L> SINEW_HD inline void tendon_passive(const ModelView<T>& m, const WorldData<T, L>& d) {
  const bool spring = !m.opt.disabled(DSBL_SPRING), damper = !m.opt.disabled(DSBL_DAMPER);
  for (int i = 0; i < m.size.ntendon; ++i) {
    const T k = spring ? m.tendon_stiffness[i] : T(0);
    const T b = damper ? m.tendon_damping[i] : T(0);
    if (k == T(0) && b == T(0)) continue;
    const T len = d.ten_length[i], lower = m.tendon_lengthspring[2 * i], upper = m.tendon_lengthspring[2 * i + 1];
    T frc_spring = T(0);
    if (len > upper) frc_spring = k * (upper - len);
    else if (len < lower) frc_spring = k * (lower - len);
    const T frc_damper = -b * d.ten_velocity[i];
    if (frc_spring == T(0) && frc_damper == T(0)) continue;
    const int adr = m.ten_J_rowadr[i], end = adr + m.ten_J_rownnz[i];
    for (int j = adr; j < end; ++j) {
      const int c = m.ten_J_colind[j];
      d.qfrc_spring[c] += d.ten_J[j] * frc_spring;
      d.qfrc_damper[c] += d.ten_J[j] * frc_damper;
    }
  }
}

template <class T, class L> SINEW_HD inline void passive(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nv = m.size.nv;
  for (int i = 0; i < nv; ++i) {
    d.qfrc_spring[i] = T(0);
    d.qfrc_damper[i] = T(0);
  }
  if (m.opt.disabled(DSBL_SPRING) && m.opt.disabled(DSBL_DAMPER)) {
    // MuJoCo skips every passive force, gravity compensation and fluid forces included
    for (int i = 0; i < nv; ++i) {
      d.qfrc_gravcomp[i] = T(0);
      d.qfrc_fluid[i] = T(0);
      d.qfrc_passive[i] = T(0);
    }
    return;
  }
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
  tendon_passive(m, d);
  // gravity compensation (mj_gravcomp): -gravity * mass * gravcomp at each body's centre of mass
  for (int i = 0; i < nv; ++i) d.qfrc_gravcomp[i] = T(0);
  const vec3<T> g{m.opt.gravity[0], m.opt.gravity[1], m.opt.gravity[2]};
  if (!m.opt.disabled(DSBL_GRAVITY) && norm(g) != T(0))
    for (int b = 1; b < m.size.nbody; ++b)
      if (m.body_gravcomp[b] != T(0))
        apply_ft_com(m, d, b, (-(m.body_mass[b] * m.body_gravcomp[b])) * g, vec3<T>::zero(), d.qfrc_gravcomp);
  const bool fluid = fluid_forces(m, d);
  // MuJoCo's order: spring + damper, then fluid, then gravity compensation
  for (int i = 0; i < nv; ++i) {
    T f = d.qfrc_spring[i] + d.qfrc_damper[i];
    if (fluid) f += d.qfrc_fluid[i];
    d.qfrc_passive[i] = f + d.qfrc_gravcomp[i];
  }
}

}  // namespace sinew
