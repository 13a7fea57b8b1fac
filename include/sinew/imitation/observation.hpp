// Observation of one world, written as a flat row of `observation_size(m, spec, cfg)` values:
//
//   [root height (1), root orientation quat (4)]       only with a free root joint
//   joint qpos (nq, free root excluded)  joint qvel (nv, free root excluded)
//   [root local 6-D velocity (6)]                      only with a free root joint
//   per actuator: actuator_length, actuator_velocity, actuator_force, ctrl, act   (5 nu; act = 0
//                 for actuators without activation state)
//   touch: sensordata of every touch sensor of the model, in sensor order    (cfg.touch)
//   goal: for j = 0..nfuture: reference frame f_j = min(frame + j*future_stride, clip end - 1):
//         the pelvis-relative positions of mimic sites 1..nsite-1 (3 each), then, with a free
//         root and cfg.future_root, the root delta (6): R^T (p_ref(f_j) + offset - p), with p, R
//         the simulated root's position and frame and offset the xy offset at reset, and the
//         rotation vector of R^T R_ref(f_j)
//   phase: (frame - clip start) / (clip length - 1)
//   current relative sites (cfg.rel_sites): for mimic sites 1..nsite-1, RelSite::sim: position,
//         rotation vector, local angular and linear velocity relative to the main site (12 each)
#pragma once
#include "sinew/imitation/common.hpp"

namespace sinew {

struct ObservationConfig {
  int nfuture = 4;          ///< future goal frames after the current one
  int future_stride = 20;   ///< frames between goal frames (0.2 s at 100 Hz)
  bool touch = true;        ///< the model's touch sensors
  bool future_root = true;  ///< root deltas of the goal frames (free root only)
  bool rel_sites = true;    ///< current pelvis-relative site poses and velocities
};

/// Number of touch sensors of a model.
template <class T> int touch_sensor_count(const Model<T>& m) {
  int n = 0;
  for (int i = 0; i < m.nsensor; ++i) n += m.sensor_type[size_t(i)] == SENS_TOUCH;
  return n;
}

/// Number of observation values per world.
template <class T> int observation_size(const Model<T>& m, int root_jnt, int nmimic, const ObservationConfig& cfg) {
  const bool root = root_jnt >= 0;
  const int rel = nmimic > 1 ? nmimic - 1 : 0;
  return (root ? 5 : 0) + m.nq - (root ? 7 : 0) + m.nv - (root ? 6 : 0) + (root ? 6 : 0) + 5 * m.nu +
         (cfg.touch ? touch_sensor_count(m) : 0) + (cfg.nfuture + 1) * (3 * rel + (root && cfg.future_root ? 6 : 0)) +
         1 + (cfg.rel_sites ? 12 * rel : 0);
}

/// Writes the observation of the context's world to out[0 .. observation_size).
template <class T, class L>
SINEW_HD void write_observation(const MimicContext<T, L>& c, const ObservationConfig& cfg, T* out) {
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
  if (cfg.touch)
    for (int i = 0; i < m.size.nsensor; ++i)
      if (m.sensor_type[i] == SENS_TOUCH) out[o++] = d.sensordata[m.sensor_adr[i]];
  const int start = c.ref.clip_start(c.clip), end = c.ref.clip_end(c.clip);
  auto put = [&](vec3<T> v) {
    out[o++] = v.x;
    out[o++] = v.y;
    out[o++] = v.z;
  };
  for (int j = 0; j <= cfg.nfuture; ++j) {
    int f = c.frame + j * cfg.future_stride;
    if (f > end - 1) f = end - 1;
    for (int i = 1; i < c.spec.nsite; ++i) put(c.ref.site_pos(f, c.spec.sites[i]) - c.ref.site_pos(f, c.spec.sites[0]));
    if (rj >= 0 && cfg.future_root) {
      const T* qr = c.ref.qpos_at(f);
      const quat<T> r{d.qpos[ra + 3], d.qpos[ra + 4], d.qpos[ra + 5], d.qpos[ra + 6]};
      const quat<T> rr{qr[ra + 3], qr[ra + 4], qr[ra + 5], qr[ra + 6]};
      const vec3<T> dp{qr[ra] + c.root_offset[0] - d.qpos[ra], qr[ra + 1] + c.root_offset[1] - d.qpos[ra + 1],
                       qr[ra + 2] - d.qpos[ra + 2]};
      put(rotate(conj(r), dp));
      put(mat_to_rotvec(transpose(quat_to_mat(r)) * quat_to_mat(rr)));
    }
  }
  out[o++] = end - start > 1 ? T(c.frame - start) / T(end - start - 1) : T(0);
  if (cfg.rel_sites)
    for (int i = 1; i < c.spec.nsite; ++i) {
      const auto v = imitation::RelSite::sim(c, i);
      put(v.pos);
      put(v.rot);
      put(v.ang);
      put(v.lin);
    }
}

}  // namespace sinew
