// Forward kinematics of one world: body, inertial-frame, joint-anchor, geom and site poses
// (mj_kinematics).
//
//   sinew::kinematics(model_view, data_view.world(w));
//
// Reads qpos (nq). Writes xpos, xquat, xmat, xipos, ximat (nbody), xanchor, xaxis (njnt),
// geom_xpos, geom_xmat (ngeom), site_xpos, site_xmat (nsite).
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

namespace detail {

/// Pose of a frame attached to body b at (pos, quat) in body coordinates (mj_local2Global), written
/// to element i of (xpos_out, xmat_out). As MuJoCo, a frame that coincides with the body's frame or
/// its inertial frame (`sameframe`, decided by the compiler within 1e-6) copies that frame's
/// position and / or orientation instead of composing them.
template <class T, class L>
SINEW_INLINE void local_to_global(const WorldData<T, L>& d, int b, const T* pos, const T* q, const Span<T, L>& xpos_out,
                                  const Span<T, L>& xmat_out, int i, int sameframe) {
  if (sameframe == SAMEFRAME_BODY || sameframe == SAMEFRAME_INERTIA) {
    const bool body = sameframe == SAMEFRAME_BODY;
    set3(xpos_out, i, body ? get3(d.xpos, b) : get3(d.xipos, b));
    setm(xmat_out, i, body ? getm(d.xmat, b) : getm(d.ximat, b));
    return;
  }
  const mat3<T> bm = getm(d.xmat, b);
  set3(xpos_out, i, bm * vec3<T>::load(pos) + get3(d.xpos, b));
  if (sameframe == SAMEFRAME_BODYROT) setm(xmat_out, i, bm);
  else if (sameframe == SAMEFRAME_INERTIAROT) setm(xmat_out, i, getm(d.ximat, b));
  else setm(xmat_out, i, quat_to_mat(mul(getq(d.xquat, b), quat<T>::load(q))));
}

}  // namespace detail

template <class T, class L> SINEW_HD inline void kinematics(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nbody = m.size.nbody;
  // world body
  set3(d.xpos, 0, vec3<T>::zero());
  setq(d.xquat, 0, quat<T>::identity());
  setm(d.xmat, 0, mat3<T>::identity());
  set3(d.xipos, 0, vec3<T>::zero());
  setm(d.ximat, 0, mat3<T>::identity());

  for (int i = 1; i < nbody; ++i) {
    vec3<T> xpos;
    quat<T> xquat;
    const int jntadr = m.body_jntadr[i], jntnum = m.body_jntnum[i];
    if (jntnum == 1 && m.jnt_type[jntadr] == JNT_FREE) {
      const int a = m.jnt_qposadr[jntadr];
      xpos = {d.qpos[a], d.qpos[a + 1], d.qpos[a + 2]};
      xquat = {d.qpos[a + 3], d.qpos[a + 4], d.qpos[a + 5], d.qpos[a + 6]};
      normalize(xquat);
      set3(d.xanchor, jntadr, xpos);
      set3(d.xaxis, jntadr, vec3<T>::load(m.jnt_axis + 3 * jntadr));
    } else {
      const int pid = m.body_parentid[i];
      const vec3<T> bpos = vec3<T>::load(m.body_pos + 3 * i);
      const quat<T> bquat = quat<T>::load(m.body_quat + 4 * i);
      if (pid) {
        xpos = getm(d.xmat, pid) * bpos + get3(d.xpos, pid);
        xquat = mul(getq(d.xquat, pid), bquat);
      } else {
        xpos = bpos;
        xquat = bquat;
      }
      for (int j = 0; j < jntnum; ++j) {
        const int jid = jntadr + j, a = m.jnt_qposadr[jid];
        const vec3<T> jaxis = vec3<T>::load(m.jnt_axis + 3 * jid);
        const vec3<T> jpos = vec3<T>::load(m.jnt_pos + 3 * jid);
        const vec3<T> xaxis = rotate(xquat, jaxis);
        const vec3<T> xanchor = rotate(xquat, jpos) + xpos;
        const int type = m.jnt_type[jid];
        if (type == JNT_SLIDE) {
          xpos += (d.qpos[a] - m.qpos0[a]) * xaxis;
        } else if (type == JNT_BALL || type == JNT_HINGE) {
          quat<T> qloc;
          if (type == JNT_BALL) {
            qloc = {d.qpos[a], d.qpos[a + 1], d.qpos[a + 2], d.qpos[a + 3]};
            normalize(qloc);
          } else {
            qloc = axis_angle_quat(jaxis, d.qpos[a] - m.qpos0[a]);
          }
          xquat = mul(xquat, qloc);
          xpos = xanchor - rotate(xquat, jpos);
        }
        set3(d.xanchor, jid, xanchor);
        set3(d.xaxis, jid, xaxis);
      }
    }
    normalize(xquat);
    setq(d.xquat, i, xquat);
    set3(d.xpos, i, xpos);
    setm(d.xmat, i, quat_to_mat(xquat));
  }

  for (int i = 1; i < nbody; ++i)
    detail::local_to_global(d, i, m.body_ipos + 3 * i, m.body_iquat + 4 * i, d.xipos, d.ximat, i, m.body_sameframe[i]);
  for (int g = 0; g < m.size.ngeom; ++g)
    detail::local_to_global(d, m.geom_bodyid[g], m.geom_pos + 3 * g, m.geom_quat + 4 * g, d.geom_xpos, d.geom_xmat, g,
                            m.geom_sameframe[g]);
  for (int s = 0; s < m.size.nsite; ++s)
    detail::local_to_global(d, m.site_bodyid[s], m.site_pos + 3 * s, m.site_quat + 4 * s, d.site_xpos, d.site_xmat, s,
                            m.site_sameframe[s]);
}

}  // namespace sinew
