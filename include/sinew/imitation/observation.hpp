// Observation of one world, written as a flat row of `observation_size(m, spec, cfg)` values:
//
//   [root height (1), root orientation quat (4)]       only with a free root joint
//   joint qpos (nq, free root excluded)  joint qvel (nv, free root excluded)
//   [root local 6-D velocity (6)]                      only with a free root joint
//   per actuator: actuator_length, actuator_velocity, actuator_force, ctrl, act   (5 nu; act = 0
//                 for actuators without activation state)
//   goal: for j = 0..nfuture: reference frame min(frame + j*future_stride, clip end - 1): the
//         pelvis-relative positions of mimic sites 1..nsite-1 (3 each)
//   phase: (frame - clip start) / (clip length - 1)
#pragma once
#include "sinew/imitation/common.hpp"

namespace sinew {

struct ObservationConfig {
  int nfuture = 4;        ///< future goal frames after the current one
  int future_stride = 20; ///< frames between goal frames (0.2 s at 100 Hz)
};

/// Number of observation values per world.
template <class T> int observation_size(const Model<T>& m, int root_jnt, int nmimic, const ObservationConfig& cfg) {
  const bool root = root_jnt >= 0;
  return (root ? 5 : 0) + m.nq - (root ? 7 : 0) + m.nv - (root ? 6 : 0) + (root ? 6 : 0) + 5 * m.nu +
         (cfg.nfuture + 1) * 3 * (nmimic > 1 ? nmimic - 1 : 0) + 1;
}

/// Writes the observation of the context's world to out[0 .. observation_size).
template <class T, class L> SINEW_HD void write_observation(const MimicContext<T, L>& c, const ObservationConfig& cfg, T* out) {
  const auto& m = c.m;
  const auto& d = c.d;
  int o = 0;
  const int rj = c.spec.root_jnt;
  const int ra = rj >= 0 ? m.jnt_qposadr[rj] : -100, rv = rj >= 0 ? m.jnt_dofadr[rj] : -100;
  if (rj >= 0) {
    out[o++] = d.qpos[ra + 2];
    for (int k = 0; k < 4; ++k) out[o++] = d.qpos[ra + 3 + k];
  }
  for (int i = 0; i < m.size.nq; ++i)
    if (i < ra || i >= ra + 7) out[o++] = d.qpos[i];
  for (int i = 0; i < m.size.nv; ++i)
    if (i < rv || i >= rv + 6) out[o++] = d.qvel[i];
  if (rj >= 0) {
    T q[7], v[6];
    for (int k = 0; k < 7; ++k) q[k] = d.qpos[ra + k];
    for (int k = 0; k < 6; ++k) v[k] = d.qvel[rv + k];
    imitation::root_local_vel(q, v, out + o);
    o += 6;
  }
  for (int u = 0; u < m.size.nu; ++u) {
    out[o++] = d.actuator_length[u];
    out[o++] = d.actuator_velocity[u];
    out[o++] = d.actuator_force[u];
    out[o++] = d.ctrl[u];
    out[o++] = m.actuator_actnum[u] > 0 ? d.act[m.actuator_actadr[u]] : T(0);
  }
  const int start = c.ref.clip_start(c.clip), end = c.ref.clip_end(c.clip);
  for (int j = 0; j <= cfg.nfuture; ++j) {
    int f = c.frame + j * cfg.future_stride;
    if (f > end - 1) f = end - 1;
    for (int i = 1; i < c.spec.nsite; ++i) {
      const vec3<T> p = c.ref.site_pos(f, c.spec.sites[i]) - c.ref.site_pos(f, c.spec.sites[0]);
      out[o++] = p.x; out[o++] = p.y; out[o++] = p.z;
    }
  }
  out[o++] = end - start > 1 ? T(c.frame - start) / T(end - start - 1) : T(0);
}

}  // namespace sinew
