// What the imitation functors share: the task description (MimicSpec), the per-world context a
// reward, observation or termination functor receives (MimicContext), and the relative site
// quantities of MuscleMimic / LocoMuJoCo (calculate_relative_site_quatities).
#pragma once
#include <cmath>

#include "sinew/data/data.hpp"
#include "sinew/imitation/trajectory.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// The task, in the backend's memory: the root joint and the mimic sites.
template <class T> struct MimicSpec {
  int root_jnt = -1;           ///< the free root joint, or -1 (fixed base: root terms are 0)
  int nsite = 0;               ///< mimic sites; sites[0] is the main ("pelvis") site
  const int* sites = nullptr;  ///< model site ids
};

/// Everything a per-world imitation functor reads: the model, this world's Data, the reference,
/// the current reference frame (absolute index into the stacked arrays) and the episode state.
template <class T, class L> struct MimicContext {
  ModelView<T> m;
  WorldData<T, L> d;
  TrajectoryView<T> ref;
  MimicSpec<T> spec;
  int frame;         ///< reference frame that the current state should match
  int clip;          ///< its clip
  T root_offset[2];  ///< simulated minus reference root xy at reset (removed by the root terms)
  T action_oob;      ///< sum over actuators of the squared out-of-bound part of the last action
  T action_rate =
      T(0);  ///< sum over actuators of (a_t - a_{t-1})^2 of the clipped actions (0 at an episode's first step)
};

namespace imitation {

/// Angle of the rotation between two unit quaternions (sign-invariant).
template <class T> SINEW_INLINE T quat_angle(quat<T> a, quat<T> b) {
  const vec3<T> r = sub_quat(a, b);
  return std::sqrt(dot(r, r));
}

/// 6-D velocity [angular; linear] of a point p with frame R on a body with cvel `cv` (about the
/// root subtree com `c`), in the point's local frame (LocoMuJoCo calc_site_velocities).
template <class T>
SINEW_INLINE void local_velocity(const T* cv, vec3<T> c, vec3<T> p, const mat3<T>& R, vec3<T>& ang, vec3<T>& lin) {
  const vec3<T> w{cv[0], cv[1], cv[2]}, v{cv[3], cv[4], cv[5]};
  lin = mul_transpose(R, v + cross(w, p - c));
  ang = mul_transpose(R, w);
}

/// Site `s` of the simulated world: position, frame, local 6-D velocity.
template <class T, class L>
SINEW_INLINE void sim_site(const MimicContext<T, L>& c, int s, vec3<T>& p, mat3<T>& R, vec3<T>& ang, vec3<T>& lin) {
  const int b = c.m.site_bodyid[s];
  p = get3(c.d.site_xpos, s);
  R = getm(c.d.site_xmat, s);
  T cv[6];
  for (int k = 0; k < 6; ++k) cv[k] = c.d.cvel[6 * b + k];
  local_velocity(cv, get3(c.d.subtree_com, c.m.body_rootid[b]), p, R, ang, lin);
}
/// Site `s` of the reference at frame f.
template <class T, class L>
SINEW_INLINE void ref_site(const MimicContext<T, L>& c, int f, int s, vec3<T>& p, mat3<T>& R, vec3<T>& ang,
                           vec3<T>& lin) {
  const int b = c.m.site_bodyid[s];
  p = c.ref.site_pos(f, s);
  R = c.ref.site_mat(f, s);
  local_velocity(c.ref.body_cvel(f, b), c.ref.body_subtree_com(f, c.m.body_rootid[b]), p, R, ang, lin);
}

/// Relative quantities of mimic site i (i >= 1) with respect to the main site sites[0]: position
/// difference (world frame), rotation vector of R_main^T R_site, and local 6-D velocity difference.
struct RelSite {
  template <class T> struct Value { vec3<T> pos, rot, ang, lin; };
  template <class T, class L> SINEW_HD static Value<T> sim(const MimicContext<T, L>& c, int i) {
    vec3<T> p0, a0, l0, p, a, l;
    mat3<T> R0, R;
    sim_site(c, c.spec.sites[0], p0, R0, a0, l0);
    sim_site(c, c.spec.sites[i], p, R, a, l);
    return {p - p0, mat_to_rotvec(transpose(R0) * R), a - a0, l - l0};
  }
  template <class T, class L> SINEW_HD static Value<T> ref(const MimicContext<T, L>& c, int f, int i) {
    vec3<T> p0, a0, l0, p, a, l;
    mat3<T> R0, R;
    ref_site(c, f, c.spec.sites[0], p0, R0, a0, l0);
    ref_site(c, f, c.spec.sites[i], p, R, a, l);
    return {p - p0, mat_to_rotvec(transpose(R0) * R), a - a0, l - l0};
  }
};

template <class T> SINEW_INLINE T sq(vec3<T> a) { return dot(a, a); }

/// Root (free joint) local 6-D velocity [R^T v_world; w_local] from qpos/qvel arrays.
template <class T> SINEW_INLINE void root_local_vel(const T* q, const T* v, T out[6]) {
  const quat<T> r{q[3], q[4], q[5], q[6]};
  const vec3<T> lin = rotate(conj(r), vec3<T>{v[0], v[1], v[2]});
  out[0] = lin.x;
  out[1] = lin.y;
  out[2] = lin.z;
  out[3] = v[3];
  out[4] = v[4];
  out[5] = v[5];
}

}  // namespace imitation
}  // namespace sinew
