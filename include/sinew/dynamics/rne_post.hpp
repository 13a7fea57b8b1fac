// Quantities computed after the constraint solver, for sensors and users (MuJoCo 3.4.0's
// mj_rnePostConstraint and mj_subtreeVel, engine_core_smooth.c):
//
//   rne_post_constraint(m, d);  // cacc, cfrc_ext, cfrc_int (6 x nbody each, [angular; linear],
//                               // com-based, world-oriented)
//   subtree_vel(m, d);          // subtree_linvel, subtree_angmom (3 x nbody)
//   object_velocity / object_acceleration: a point moving with a body (mj_objectVelocity /
//   mj_objectAcceleration, world-oriented); the latter needs cacc
//
// cacc: body accelerations with the world accelerating at -gravity (so an accelerometer reads
// gravity at rest); cfrc_ext: external wrenches on each body (xfrc_applied, contact forces and
// connect/weld equality forces); cfrc_int: the wrench each body receives from its parent, i.e.
// cinert cacc + cvel x* (cinert cvel) - cfrc_ext, accumulated over the subtree.
//
// The sensor stage calls them when a sensor needs them (accelerometer, force, torque,
// framelinacc, frameangacc; subtreelinvel, subtreeangmom), as MuJoCo's mj_sensorVel/Acc do.
// Reads the outputs of forward (qacc, efc_force, contacts).
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

namespace rne_post_detail {

/// mju_transformSpatial of a force [torque; force] from oldpos to newpos (world-oriented).
template <class T> SINEW_INLINE vec6<T> move_force(const vec6<T>& f, vec3<T> newpos, vec3<T> oldpos) {
  const vec3<T> c = cross(newpos - oldpos, f.lin());
  vec6<T> r = f;
  r[0] = f[0] - c.x;
  r[1] = f[1] - c.y;
  r[2] = f[2] - c.z;
  return r;
}

template <class T, class L> SINEW_INLINE void add6(const WorldData<T, L>& d, int b, const vec6<T>& f, T sign) {
  for (int k = 0; k < 6; ++k) {
    if (sign > T(0)) d.cfrc_ext[6 * b + k] += f[k];
    else d.cfrc_ext[6 * b + k] -= f[k];
  }
}

}  // namespace rne_post_detail

/// Contact force of contact c in its contact frame ([normal, tangent1, tangent2, torsion,
/// rolling1, rolling2], mj_contactForce) from its rows starting at `adr`.
template <class T, class L>
SINEW_HD inline void contact_force_local(const ModelView<T>& m, const WorldData<T, L>& d, int c, int adr, T out[6]) {
  for (int k = 0; k < 6; ++k) out[k] = T(0);
  const int dim = d.contact_dim[c];
  if (d.efc_type[adr] == CNSTR_CONTACT_PYRAMIDAL && dim > 1) {
    out[0] = T(0);
    for (int i = 0; i < 2 * (dim - 1); ++i) out[0] += d.efc_force[adr + i];
    for (int i = 0; i < dim - 1; ++i)
      out[i + 1] = (d.efc_force[adr + 2 * i] - d.efc_force[adr + 2 * i + 1]) * d.contact_friction[5 * c + i];
  } else {
    for (int i = 0; i < dim; ++i) out[i] = d.efc_force[adr + i];
  }
  (void)m;
}

template <class T, class L> SINEW_HD inline void rne_post_constraint(const ModelView<T>& m, const WorldData<T, L>& d) {
  using rne_post_detail::move_force;
  const int nbody = m.size.nbody;
  for (int k = 0; k < 6 * nbody; ++k) d.cfrc_ext[k] = T(0);
  for (int k = 0; k < 6; ++k) d.cacc[k] = T(0);
  if (!m.opt.disabled(DSBL_GRAVITY))
    for (int k = 0; k < 3; ++k) d.cacc[3 + k] = -m.opt.gravity[k];
  // applied wrenches, moved from the centre of mass to the subtree com
  for (int i = 1; i < nbody; ++i) {
    bool zero = true;
    for (int k = 0; k < 6; ++k) zero = zero && d.xfrc_applied[6 * i + k] == T(0);
    if (zero) continue;
    const vec6<T> f{{d.xfrc_applied[6 * i + 3], d.xfrc_applied[6 * i + 4], d.xfrc_applied[6 * i + 5],
                     d.xfrc_applied[6 * i], d.xfrc_applied[6 * i + 1], d.xfrc_applied[6 * i + 2]}};
    rne_post_detail::add6(d, i, move_force(f, get3(d.subtree_com, m.body_rootid[i]), get3(d.xipos, i)), T(1));
  }
  // contacts (in row order, which is contact order) and connect/weld equalities
  const int nefc = d.nefc[0];
  for (int r = 0; r < nefc;) {
    const int type = d.efc_type[r], id = d.efc_id[r];
    if (type == CNSTR_CONTACT_FRICTIONLESS || type == CNSTR_CONTACT_PYRAMIDAL || type == CNSTR_CONTACT_ELLIPTIC) {
      T l[6];
      contact_force_local(m, d, id, r, l);
      const mat3<T> fr = getm(d.contact_frame, id);  // rows: normal, tangents
      vec6<T> f;
      for (int k = 0; k < 3; ++k) {
        f[k] = fr.m[k] * l[3] + fr.m[3 + k] * l[4] + fr.m[6 + k] * l[5];
        f[3 + k] = fr.m[k] * l[0] + fr.m[3 + k] * l[1] + fr.m[6 + k] * l[2];
      }
      const vec3<T> pos = get3(d.contact_pos, id);
      const int b0 = m.geom_bodyid[d.contact_geom[2 * id]], b1 = m.geom_bodyid[d.contact_geom[2 * id + 1]];
      if (b0) rne_post_detail::add6(d, b0, move_force(f, get3(d.subtree_com, m.body_rootid[b0]), pos), T(-1));
      if (b1) rne_post_detail::add6(d, b1, move_force(f, get3(d.subtree_com, m.body_rootid[b1]), pos), T(1));
      while (r < nefc && d.efc_type[r] == type && d.efc_id[r] == id) ++r;
      continue;
    }
    if (type == CNSTR_EQUALITY && (m.eq_type[id] == EQ_CONNECT || m.eq_type[id] == EQ_WELD)) {
      const bool weld = m.eq_type[id] == EQ_WELD;
      vec6<T> f = vec6<T>::zero();
      for (int k = 0; k < 3; ++k) f[3 + k] = d.efc_force[r + k];
      if (weld)
        for (int k = 0; k < 3; ++k) f[k] = d.efc_force[r + 3 + k];
      const bool body_sem = m.eq_objtype[id] == OBJ_BODY;
      const T* eq = m.eq_data + 11 * id;
      for (int side = 0; side < 2; ++side) {
        const int obj = side == 0 ? m.eq_obj1id[id] : m.eq_obj2id[id];
        const int k = body_sem ? obj : m.site_bodyid[obj];
        if (!k) continue;
        const T* off = body_sem ? eq + 3 * (side == 0 ? (weld ? 1 : 0) : (weld ? 0 : 1)) : m.site_pos + 3 * obj;
        const mat3<T> R = getm(d.xmat, k);
        const vec3<T> pos = get3(d.xpos, k) + R * vec3<T>{off[0], off[1], off[2]};
        rne_post_detail::add6(d, k, move_force(f, get3(d.subtree_com, m.body_rootid[k]), pos),
                              side == 0 ? T(1) : T(-1));
      }
      r += weld ? 6 : 3;
      continue;
    }
    ++r;
  }
  // forward pass: cacc and the body wrenches; backward pass: accumulate over subtrees
  for (int k = 0; k < 6; ++k) d.cfrc_int[k] = T(0);
  for (int j = 1; j < nbody; ++j) {
    const int bda = m.body_dofadr[j], n = m.body_dofnum[j];
    vec6<T> a = vec6<T>::zero();
    for (int i = 0; i < n; ++i) a += d.qvel[bda + i] * get6(d.cdof_dot, bda + i);
    vec6<T> cacc = get6(d.cacc, m.body_parentid[j]) + a;
    a = vec6<T>::zero();
    for (int i = 0; i < n; ++i) a += d.qacc[bda + i] * get6(d.cdof, bda + i);
    cacc += a;
    set6(d.cacc, j, cacc);
    const inertia10<T> in = get10(d.cinert, j);
    const vec6<T> cvel = get6(d.cvel, j);
    vec6<T> fb = mul_inertia(in, cacc);
    fb += cross_force(cvel, mul_inertia(in, cvel));
    for (int k = 0; k < 6; ++k) d.cfrc_int[6 * j + k] = fb[k] - d.cfrc_ext[6 * j + k];
  }
  for (int j = nbody - 1; j > 0; --j) {
    const int p = m.body_parentid[j];
    for (int k = 0; k < 6; ++k) d.cfrc_int[6 * p + k] += d.cfrc_int[6 * j + k];
  }
}

template <class T, class L> SINEW_HD inline void subtree_vel(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nbody = m.size.nbody;
  // the body's com velocity (mj_objectVelocity at xipos, world-oriented; static bodies: 0)
  const auto body_vel = [&](int i, vec3<T>& ang, vec3<T>& lin) {
    if (m.body_weldid[i] == 0) ang = lin = vec3<T>::zero();
    else object_velocity(m, d, i, get3(d.xipos, i), ang, lin);
  };
  for (int i = 0; i < nbody; ++i) {
    vec3<T> ang, lin;
    body_vel(i, ang, lin);
    const T mass = m.body_mass[i];
    set3(d.subtree_linvel, i, vec3<T>{lin.x * mass, lin.y * mass, lin.z * mass});
    const mat3<T> R = getm(d.ximat, i);
    vec3<T> dv = mul_transpose(R, ang);
    dv.x *= m.body_inertia[3 * i];
    dv.y *= m.body_inertia[3 * i + 1];
    dv.z *= m.body_inertia[3 * i + 2];
    set3(d.subtree_angmom, i, R * dv);
  }
  for (int i = nbody - 1; i >= 0; --i) {
    if (i) {
      const int p = m.body_parentid[i];
      set3(d.subtree_linvel, p, get3(d.subtree_linvel, p) + get3(d.subtree_linvel, i));
    }
    const T s = T(1) / (m.body_subtreemass[i] > min_val<T>() ? m.body_subtreemass[i] : min_val<T>());
    const vec3<T> v = get3(d.subtree_linvel, i);
    set3(d.subtree_linvel, i, vec3<T>{v.x * s, v.y * s, v.z * s});
  }
  for (int i = nbody - 1; i > 0; --i) {
    const int p = m.body_parentid[i];
    vec3<T> ang, lin;
    body_vel(i, ang, lin);
    const T mass = m.body_mass[i];
    vec3<T> dx = get3(d.xipos, i) - get3(d.subtree_com, i);
    vec3<T> dv = lin - get3(d.subtree_linvel, i);
    set3(d.subtree_angmom, i, get3(d.subtree_angmom, i) + cross(dx, vec3<T>{dv.x * mass, dv.y * mass, dv.z * mass}));
    set3(d.subtree_angmom, p, get3(d.subtree_angmom, p) + get3(d.subtree_angmom, i));
    dx = get3(d.subtree_com, i) - get3(d.subtree_com, p);
    dv = get3(d.subtree_linvel, i) - get3(d.subtree_linvel, p);
    const T sm = m.body_subtreemass[i];
    set3(d.subtree_angmom, p, get3(d.subtree_angmom, p) + cross(dx, vec3<T>{dv.x * sm, dv.y * sm, dv.z * sm}));
  }
}

/// 6-D velocity [angular; linear] of point `pos` moving with body `b`, in the world frame
/// (mj_objectVelocity with flg_local = 0).
template <class T, class L>
SINEW_HD inline void object_velocity(const ModelView<T>& m, const WorldData<T, L>& d, int b, vec3<T> pos, vec3<T>& ang,
                                     vec3<T>& lin) {
  const vec6<T> cv = get6(d.cvel, b);
  ang = cv.ang();
  lin = cv.lin() + cross(ang, pos - get3(d.subtree_com, m.body_rootid[b]));
}

/// 6-D acceleration [angular; linear] of a point `pos` moving with body b, world-oriented
/// (mj_objectAcceleration with flg_local = 0; needs rne_post_constraint's cacc).
template <class T, class L>
SINEW_HD inline void object_acceleration(const ModelView<T>& m, const WorldData<T, L>& d, int b, vec3<T> pos,
                                         vec3<T>& ang, vec3<T>& lin) {
  if (m.body_weldid[b] == 0) {
    ang = lin = vec3<T>::zero();
    return;
  }
  const vec3<T> dif = pos - get3(d.subtree_com, m.body_rootid[b]);
  const vec6<T> a = get6(d.cacc, b), v = get6(d.cvel, b);
  ang = a.ang();
  lin = a.lin() - cross(dif, ang);
  const vec3<T> vlin = v.lin() - cross(dif, v.ang());
  lin = lin + cross(v.ang(), vlin);
}

}  // namespace sinew
