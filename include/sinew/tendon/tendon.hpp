// Tendon lengths, Jacobians and velocities of one world (mj_tendon, and the tendon part of
// mj_fwdVelocity).
//
//   sinew::tendon_world(m, d);            // after com_pos: ten_length, ten_J
//   sinew::tendon_velocity_world(m, d);   // ten_velocity = ten_J qvel
//
// ten_J is stored sparse with a structure fixed at compile time (Model::ten_J_rowadr, rownnz,
// colind: for each tendon the sorted dofs that can move it), so nothing here allocates and the
// row of tendon i lives at ten_J[ten_J_rowadr[i] ... + ten_J_rownnz[i]]. Entries that happen to be
// zero in a configuration (a wrap not active) are stored as zeros.
//
// Fixed tendon: L = sum coef_k qpos[joint_k], J = coef_k at the joints' dofs.
// Spatial tendon: a path of sites, pulleys and site-geom-site wraps. Each straight piece adds
// |p1 - p0| / divisor (divisor of the last pulley, initially 1); when its end points sit on
// different bodies the row gains u^T (Jp(p1) - Jp(p0)) / divisor, u the unit direction, Jp the
// point Jacobian cdof_lin + cdof_ang x (p - subtree_com[root]). Tangent points count as fixed to
// the geom's body: the path length is stationary in them, so this is the exact derivative.
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/kinematics/jacobian.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"
#include "sinew/tendon/wrap.hpp"

namespace sinew {
namespace tendon_detail {

/// Last dof of the closest body with dofs at or above b (-1 for a body welded to the world).
template <class T> SINEW_INLINE int last_dof(const ModelView<T>& m, int b) {
  while (b > 0 && m.body_dofnum[b] == 0) b = m.body_parentid[b];
  return b > 0 ? m.body_dofadr[b] + m.body_dofnum[b] - 1 : -1;
}

/// Adds scale * dif^T (Jp(p1 on body b1) - Jp(p0 on body b0)) to the sparse row [adr, adr+nnz).
/// The two dof chains are walked together from the deepest dof up (dof_parentid < dof), and the
/// row's sorted colind from its end, as mj_jacDifPair does. The walk stops where the chains
/// meet: for a dof shared by both points the difference of the two columns is
/// cdof_ang x (p1 - p0) (same tree, same reference point), whose component along dif =
/// (p1 - p0) / |p1 - p0| is zero, so the shared ancestors (the root's free joint, the spine
/// below a leg muscle...) contribute nothing. MuJoCo computes them anyway and gets rounding noise
/// (~1e-17 per entry); Sinew leaves exact zeros there.
template <class T, class L>
SINEW_INLINE void add_segment_jac(const ModelView<T>& m, const WorldData<T, L>& d, int adr, int nnz, int b0, vec3<T> p0,
                                  int b1, vec3<T> p1, vec3<T> dif, T scale) {
  const vec3<T> off0 = p0 - get3(d.subtree_com, m.body_rootid[b0]);
  const vec3<T> off1 = p1 - get3(d.subtree_com, m.body_rootid[b1]);
  int i0 = last_dof(m, b0), i1 = last_dof(m, b1);
  int k = adr + nnz - 1;
  while ((i0 >= 0 || i1 >= 0) && i0 != i1) {
    const int j = i0 > i1 ? i0 : i1;
    vec3<T> jd = vec3<T>::zero();
    if (j == i1) jd = point_jac(d, j, off1);
    if (j == i0) jd = jd - point_jac(d, j, off0);
    const T t = jd.x * dif.x + jd.y * dif.y + jd.z * dif.z;
    while (k > adr && m.ten_J_colind[k] > j) --k;  // the compiler put every chain dof in the row
    d.ten_J[k] += t * scale;
    if (j == i1) i1 = m.dof_parentid[i1];
    if (j == i0) i0 = m.dof_parentid[i0];
  }
}

}  // namespace tendon_detail

/// Tendon lengths and sparse Jacobians of one world. Reads qpos, site_xpos, geom_xpos,
/// geom_xmat, subtree_com, cdof. Writes ten_length (ntendon), ten_J (nJten).
template <class T, class L> SINEW_HD inline void tendon_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  using namespace tendon_detail;
  for (int i = 0; i < m.size.ntendon; ++i) {
    const int adr = m.tendon_adr[i], num = m.tendon_num[i];
    const int jadr = m.ten_J_rowadr[i], jnnz = m.ten_J_rownnz[i];
    for (int k = 0; k < jnnz; ++k) d.ten_J[jadr + k] = T(0);
    T len = T(0);

    // fixed tendon
    if (m.wrap_type[adr] == WRAP_JOINT) {
      for (int w = adr; w < adr + num; ++w) {
        const int jnt = m.wrap_objid[w];
        const T coef = m.wrap_prm[w];
        len += coef * d.qpos[m.jnt_qposadr[jnt]];
        const int dof = m.jnt_dofadr[jnt];
        int k = jadr;
        while (k < jadr + jnnz - 1 && m.ten_J_colind[k] != dof) ++k;
        d.ten_J[k] += coef;
      }
      d.ten_length[i] = len;
      continue;
    }

    // spatial tendon
    T divisor = T(1);
    int j = 0;
    while (j < num - 1) {
      const int type0 = m.wrap_type[adr + j];
      int type1 = m.wrap_type[adr + j + 1];
      const int id0 = m.wrap_objid[adr + j];
      int id1 = m.wrap_objid[adr + j + 1];
      if (type0 == WRAP_PULLEY || type1 == WRAP_PULLEY) {
        if (type0 == WRAP_PULLEY) divisor = m.wrap_prm[adr + j];
        ++j;
        continue;
      }

      // a piece starts at a site; it is site-site or site-geom-site
      vec3<T> pnt[4];
      int body[4];
      pnt[0] = get3(d.site_xpos, id0);
      body[0] = m.site_bodyid[id0];
      T wlen = T(-1);
      int wrapid = -1;
      if (type1 == WRAP_SPHERE || type1 == WRAP_CYLINDER) {
        wrapid = id1;
        const T prm = m.wrap_prm[adr + j + 1];
        const int side = int(prm < T(0) ? prm - T(0.5) : prm + T(0.5));
        id1 = m.wrap_objid[adr + j + 2];
        vec3<T> sidepos = vec3<T>::zero();
        if (side >= 0) sidepos = get3(d.site_xpos, side);
        T tan[6];
        wlen = wrap<T>(tan, get3(d.site_xpos, id0), get3(d.site_xpos, id1), get3(d.geom_xpos, wrapid),
                       getm(d.geom_xmat, wrapid), m.geom_size[3 * wrapid], type1, side >= 0 ? &sidepos : nullptr);
        if (wlen >= T(0)) {
          pnt[1] = {tan[0], tan[1], tan[2]};
          pnt[2] = {tan[3], tan[4], tan[5]};
        }
      }

      // each straight piece's length is computed once and reused for its unit direction
      // (MuJoCo's mju_normalize3 returns the same norm); x / 1 == x, so the common divisor 1 is
      // skipped without changing a bit
      int nseg;
      vec3<T> sdif[3];
      T slen[3];
      if (wlen < T(0)) pnt[1] = get3(d.site_xpos, id1);
      sdif[0] = pnt[1] - pnt[0];
      slen[0] = norm(sdif[0]);
      if (wlen < T(0)) {
        body[1] = m.site_bodyid[id1];
        len += divisor == T(1) ? slen[0] : slen[0] / divisor;
        nseg = 1;
      } else {
        pnt[3] = get3(d.site_xpos, id1);
        body[1] = body[2] = m.geom_bodyid[wrapid];
        body[3] = m.site_bodyid[id1];
        sdif[2] = pnt[3] - pnt[2];
        slen[2] = norm(sdif[2]);
        const T piece = slen[0] + wlen + slen[2];
        len += divisor == T(1) ? piece : piece / divisor;
        nseg = 3;
      }

      for (int k = 0; k < nseg; ++k) {
        if (body[k] == body[k + 1]) continue;  // the arc (k = 1) always lies on the geom's body
        vec3<T> dif = sdif[k];
        if (slen[k] < min_val<T>()) {
          dif = {T(1), T(0), T(0)};  // mju_normalize3 of a zero vector
        } else {
          const T inv = T(1) / slen[k];
          dif = {dif.x * inv, dif.y * inv, dif.z * inv};
        }
        add_segment_jac(m, d, jadr, jnnz, body[k], pnt[k], body[k + 1], pnt[k + 1], dif, T(1) / divisor);
      }
      j += wrapid >= 0 ? 2 : 1;
    }
    d.ten_length[i] = len;
  }
}

/// Tendon velocities ten_velocity = ten_J qvel (ntendon). Reads ten_J, qvel.
template <class T, class L>
SINEW_HD inline void tendon_velocity_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  for (int i = 0; i < m.size.ntendon; ++i) {
    const int adr = m.ten_J_rowadr[i], end = adr + m.ten_J_rownnz[i];
    T v = T(0);
    for (int k = adr; k < end; ++k) v += d.ten_J[k] * d.qvel[m.ten_J_colind[k]];
    d.ten_velocity[i] = v;
  }
}

}  // namespace sinew
