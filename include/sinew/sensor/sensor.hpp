// The sensor stage (mj_sensorPos, mj_sensorVel, mj_sensorAcc without noise): fills
// Data::sensordata at the addresses model/compile_sensor.hpp assigned, with MuJoCo's values for
// the types sensor_computed() lists. Every input a sensor reads is final once forward has run, so
// one pass at the end of forward_world gives what MuJoCo's three passes give. Sensors Sinew does
// not compute (listed in a load warning) read NaN. With DSBL_SENSOR sensordata is left alone, as
// in MuJoCo. Cutoffs apply as in MuJoCo: REAL values clamped to [-cutoff, cutoff], POSITIVE ones
// to at most cutoff, axes and quaternions never.
//
// touch: the normal forces of the contacts that involve the site's body and whose contact point,
// cast along the contact normal (pointing away from the sensor's body), hits the site's volume
// (mju_rayGeom for sphere, capsule, ellipsoid, cylinder and box sites).
#pragma once
#include <cmath>

#include "sinew/constraint/types.hpp"
#include "sinew/data/data.hpp"
#include "sinew/dynamics/rne_post.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {
namespace sensor_detail {


/// Smallest non-negative root of a x^2 + 2 b x + c = 0 (roots in x[2], -1 where none), or -1.
template <class T> SINEW_INLINE T ray_quad(T a, T b, T c, T x[2]) {
  T det = b * b - a * c;
  if (det < min_val<T>()) {
    x[0] = x[1] = T(-1);
    return T(-1);
  }
  det = std::sqrt(det);
  x[0] = (-b - det) / a;
  x[1] = (-b + det) / a;
  if (x[0] >= T(0)) return x[0];
  if (x[1] >= T(0)) return x[1];
  return T(-1);
}

/// Distance along the ray p + t v (t >= 0) to a sphere of squared radius r2 centred at 0, or -1.
template <class T> SINEW_INLINE T ray_sphere(vec3<T> p, vec3<T> v, T r2) {
  const T a = dot(v, v);
  if (a < min_val<T>()) return T(-1);
  T x[2];
  return ray_quad(a, dot(v, p), dot(p, p) - r2, x);
}

/// Distance along a ray given in the geom's frame (lp, lv) to a geom of the given type and size,
/// or -1 when it misses (mju_rayGeom's primitives; bounding-sphere tests included).
template <class T> SINEW_INLINE T ray_geom_local(int type, const T* size, vec3<T> lp, vec3<T> lv) {
  const T s0 = size[0], s1 = size[1], s2 = size[2];
  T x = T(-1), xx[2];
  auto keep = [&x](T sol) {
    if (sol >= T(0) && (x < T(0) || sol < x)) x = sol;
  };
  switch (type) {
    case GEOM_SPHERE:
      return ray_sphere(lp, lv, s0 * s0);
    case GEOM_ELLIPSOID: {
      const T i0 = T(1) / (s0 * s0), i1 = T(1) / (s1 * s1), i2 = T(1) / (s2 * s2);
      const T a = i0 * lv.x * lv.x + i1 * lv.y * lv.y + i2 * lv.z * lv.z;
      const T b = i0 * lv.x * lp.x + i1 * lv.y * lp.y + i2 * lv.z * lp.z;
      const T c = i0 * lp.x * lp.x + i1 * lp.y * lp.y + i2 * lp.z * lp.z - T(1);
      return ray_quad(a, b, c, xx);
    }
    case GEOM_CAPSULE: {
      const T r = s0 + s1;
      if (ray_sphere(lp, lv, r * r) < T(0)) return T(-1);
      T a = lv.x * lv.x + lv.y * lv.y;
      T b = lv.x * lp.x + lv.y * lp.y;
      T c = lp.x * lp.x + lp.y * lp.y - s0 * s0;
      const T sol = ray_quad(a, b, c, xx);
      if (sol >= T(0) && std::fabs(lp.z + sol * lv.z) <= s1) keep(sol);
      a += lv.z * lv.z;
      for (int side = 1; side >= -1; side -= 2) {  // top cap, then bottom cap
        const vec3<T> d{lp.x, lp.y, lp.z - T(side) * s1};
        ray_quad(a, dot(lv, d), dot(d, d) - s0 * s0, xx);
        for (int i = 0; i < 2; ++i) {
          const T z = lp.z + xx[i] * lv.z;
          if (xx[i] >= T(0) && (side > 0 ? z >= s1 : z <= -s1)) keep(xx[i]);
        }
      }
      return x;
    }
    case GEOM_CYLINDER: {
      if (ray_sphere(lp, lv, s0 * s0 + s1 * s1) < T(0)) return T(-1);
      if (std::fabs(lv.z) > min_val<T>())
        for (int side = -1; side <= 1; side += 2) {
          const T sol = (T(side) * s1 - lp.z) / lv.z;
          if (sol >= T(0)) {
            const T p0 = lp.x + sol * lv.x, p1 = lp.y + sol * lv.y;
            if (p0 * p0 + p1 * p1 <= s0 * s0) keep(sol);
          }
        }
      const T sol = ray_quad(lv.x * lv.x + lv.y * lv.y, lv.x * lp.x + lv.y * lp.y, lp.x * lp.x + lp.y * lp.y - s0 * s0, xx);
      if (sol >= T(0) && std::fabs(lp.z + sol * lv.z) <= s1) keep(sol);
      return x;
    }
    case GEOM_BOX: {
      if (ray_sphere(lp, lv, s0 * s0 + s1 * s1 + s2 * s2) < T(0)) return T(-1);
      const T p[3] = {lp.x, lp.y, lp.z}, v[3] = {lv.x, lv.y, lv.z};
      const int face[3][2] = {{1, 2}, {0, 2}, {0, 1}};
      for (int i = 0; i < 3; ++i) {
        if (std::fabs(v[i]) <= min_val<T>()) continue;
        for (int side = -1; side <= 1; side += 2) {
          const T sol = (T(side) * size[i] - p[i]) / v[i];
          if (sol < T(0)) continue;
          const int j = face[i][0], k = face[i][1];
          if (std::fabs(p[j] + sol * v[j]) <= size[j] && std::fabs(p[k] + sol * v[k]) <= size[k]) keep(sol);
        }
      }
      return x;
    }
    default:
      return T(-1);
  }
}

/// Body whose velocity an object of a frame sensor follows, and the object's position and frame.
template <class T, class L>
SINEW_INLINE int frame_of(const ModelView<T>& m, const WorldData<T, L>& d, int objtype, int id, vec3<T>& pos, mat3<T>& R) {
  switch (objtype) {
    case OBJ_XBODY: pos = get3(d.xpos, id); R = getm(d.xmat, id); return id;
    case OBJ_BODY: pos = get3(d.xipos, id); R = getm(d.ximat, id); return id;
    case OBJ_GEOM: pos = get3(d.geom_xpos, id); R = getm(d.geom_xmat, id); return m.geom_bodyid[id];
    default: pos = get3(d.site_xpos, id); R = getm(d.site_xmat, id); return m.site_bodyid[id];
  }
}

template <class T> SINEW_INLINE quat<T> model_quat(const T* q, int i) { return {q[4 * i], q[4 * i + 1], q[4 * i + 2], q[4 * i + 3]}; }

/// Orientation of a frame object as MuJoCo composes it (not from the rotation matrix).
template <class T, class L> SINEW_INLINE quat<T> frame_quat(const ModelView<T>& m, const WorldData<T, L>& d, int objtype, int id) {
  switch (objtype) {
    case OBJ_XBODY: return getq(d.xquat, id);
    case OBJ_BODY: return mul(getq(d.xquat, id), model_quat(m.body_iquat, id));
    case OBJ_GEOM: return mul(getq(d.xquat, m.geom_bodyid[id]), model_quat(m.geom_quat, id));
    default: return mul(getq(d.xquat, m.site_bodyid[id]), model_quat(m.site_quat, id));
  }
}

/// 6-D velocity [angular; linear] of point `pos` moving with body `b`, in the world frame
/// (mj_objectVelocity with flg_local = 0).
template <class T, class L> SINEW_INLINE void object_velocity(const ModelView<T>& m, const WorldData<T, L>& d, int b, vec3<T> pos,
                                                              vec3<T>& ang, vec3<T>& lin) {
  const T* cv = &d.cvel[6 * b];
  ang = vec3<T>{cv[0], cv[1], cv[2]};
  lin = vec3<T>{cv[3], cv[4], cv[5]} + cross(ang, pos - get3(d.subtree_com, m.body_rootid[b]));
}

/// Force of the first constraint row of the given type and id, or 0 (jointlimitfrc, tendonlimitfrc).
template <class T, class L> SINEW_INLINE T row_force(const WorldData<T, L>& d, int type, int id) {
  const int nefc = d.nefc[0];
  for (int r = 0; r < nefc; ++r)
    if (d.efc_type[r] == type && d.efc_id[r] == id) return d.efc_force[r];
  return T(0);
}

/// The first row of the given type and id: its distance (efc_pos - efc_margin) or its velocity, or 0
/// (jointlimitpos/vel, tendonlimitpos/vel).
template <class T, class L> SINEW_INLINE T row_value(const WorldData<T, L>& d, int type, int id, bool vel) {
  const int nefc = d.nefc[0];
  for (int r = 0; r < nefc; ++r)
    if (d.efc_type[r] == type && d.efc_id[r] == id) return vel ? d.efc_vel[r] : d.efc_pos[r] - d.efc_margin[r];
  return T(0);
}

/// The touch sensor on site s (see the file comment).
template <class T, class L> SINEW_INLINE T touch(const ModelView<T>& m, const WorldData<T, L>& d, int s) {
  const int body = m.site_bodyid[s];
  const vec3<T> spos = get3(d.site_xpos, s);
  const mat3<T> sR = getm(d.site_xmat, s);
  const int nefc = d.nefc[0];
  T sum = T(0);
  for (int r = 0; r < nefc; ++r) {
    const int type = d.efc_type[r];
    if (type != CNSTR_CONTACT_FRICTIONLESS && type != CNSTR_CONTACT_PYRAMIDAL && type != CNSTR_CONTACT_ELLIPTIC) continue;
    const int c = d.efc_id[r];
    if (r > 0 && d.efc_type[r - 1] == type && d.efc_id[r - 1] == c) continue;  // not the contact's first row
    const int b0 = m.geom_bodyid[d.contact_geom[2 * c]], b1 = m.geom_bodyid[d.contact_geom[2 * c + 1]];
    if (body != b0 && body != b1) continue;
    // normal force (mj_contactForce: a pyramid's edge forces sum to the normal force)
    T fn = d.efc_force[r];
    if (type == CNSTR_CONTACT_PYRAMIDAL) {
      const int n = 2 * (d.contact_dim[c] - 1);
      for (int i = 1; i < n; ++i) fn += d.efc_force[r + i];
    }
    if (fn <= T(0)) continue;
    vec3<T> ray{d.contact_frame[9 * c], d.contact_frame[9 * c + 1], d.contact_frame[9 * c + 2]};
    const T len = std::sqrt(dot(ray, ray));
    ray = len < min_val<T>() ? vec3<T>{T(1), T(0), T(0)} : ray * (T(1) / len);
    if (body == b1) ray = ray * T(-1);
    const vec3<T> lp = mul_transpose(sR, get3(d.contact_pos, c) - spos), lv = mul_transpose(sR, ray);
    if (ray_geom_local(m.site_type[s], &m.site_size[3 * s], lp, lv) >= T(0)) sum += fn;
  }
  return sum;
}

}  // namespace sensor_detail

/// The sensor stage of one world (see the file comment); forward_world calls it last.
template <class T, class L> SINEW_HD inline void sensor_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  using namespace sensor_detail;
  if (m.opt.disabled(DSBL_SENSOR)) return;
  bool post = false, subtree = false;  // computed once, when the first sensor needs them
  for (int i = 0; i < m.size.nsensor; ++i) {
    const int type = m.sensor_type[i], id = m.sensor_objid[i], adr = m.sensor_adr[i], dim = m.sensor_dim[i];
    auto out = subspan(d.sensordata, adr);
    auto put3 = [&out](vec3<T> v) { out[0] = v.x; out[1] = v.y; out[2] = v.z; };
    if (sensor_reads_nan(type, m.sensor_objtype[i], m.sensor_reftype[i])) {
      for (int k = 0; k < dim; ++k) out[k] = T(NAN);
      continue;
    }
    if (!post && (type == SENS_ACCELEROMETER || type == SENS_FORCE || type == SENS_TORQUE ||
                  type == SENS_FRAMELINACC || type == SENS_FRAMEANGACC)) {
      rne_post_constraint(m, d);
      post = true;
    }
    if (!subtree && (type == SENS_SUBTREELINVEL || type == SENS_SUBTREEANGMOM)) {
      subtree_vel(m, d);
      subtree = true;
    }
    switch (type) {
      case SENS_TOUCH: out[0] = touch(m, d, id); break;
      case SENS_ACCELEROMETER: {
        vec3<T> ang, lin;
        object_acceleration(m, d, m.site_bodyid[id], get3(d.site_xpos, id), ang, lin);
        put3(mul_transpose(getm(d.site_xmat, id), lin));
        break;
      }
      case SENS_FORCE:
      case SENS_TORQUE: {
        // the wrench from the parent, moved to the site and expressed in its frame
        const int b = m.site_bodyid[id];
        const vec6<T> f = get6(d.cfrc_int, b);
        const vec3<T> tq = f.ang() - cross(get3(d.site_xpos, id) - get3(d.subtree_com, m.body_rootid[b]), f.lin());
        put3(mul_transpose(getm(d.site_xmat, id), type == SENS_FORCE ? f.lin() : tq));
        break;
      }
      case SENS_MAGNETOMETER:
        put3(mul_transpose(getm(d.site_xmat, id), vec3<T>{m.opt.magnetic[0], m.opt.magnetic[1], m.opt.magnetic[2]}));
        break;
      case SENS_JOINTLIMITPOS: out[0] = row_value(d, CNSTR_LIMIT_JOINT, id, false); break;
      case SENS_JOINTLIMITVEL: out[0] = row_value(d, CNSTR_LIMIT_JOINT, id, true); break;
      case SENS_TENDONLIMITPOS: out[0] = row_value(d, CNSTR_LIMIT_TENDON, id, false); break;
      case SENS_TENDONLIMITVEL: out[0] = row_value(d, CNSTR_LIMIT_TENDON, id, true); break;
      case SENS_JOINTACTFRC: out[0] = d.qfrc_actuator[m.jnt_dofadr[id]]; break;
      case SENS_TENDONACTFRC: {
        T frc = T(0);
        for (int j = 0; j < m.size.nu; ++j)
          if (m.actuator_trntype[j] == TRN_TENDON && m.actuator_trnid[2 * j] == id) frc += d.actuator_force[j];
        out[0] = frc;
        break;
      }
      case SENS_SUBTREELINVEL: put3(get3(d.subtree_linvel, id)); break;
      case SENS_SUBTREEANGMOM: put3(get3(d.subtree_angmom, id)); break;
      case SENS_VELOCIMETER:
      case SENS_GYRO: {
        vec3<T> ang, lin;
        object_velocity(m, d, m.site_bodyid[id], get3(d.site_xpos, id), ang, lin);
        const mat3<T> R = getm(d.site_xmat, id);
        put3(mul_transpose(R, type == SENS_GYRO ? ang : lin));
        break;
      }
      case SENS_JOINTPOS: out[0] = d.qpos[m.jnt_qposadr[id]]; break;
      case SENS_JOINTVEL: out[0] = d.qvel[m.jnt_dofadr[id]]; break;
      case SENS_TENDONPOS: out[0] = d.ten_length[id]; break;
      case SENS_TENDONVEL: out[0] = d.ten_velocity[id]; break;
      case SENS_ACTUATORPOS: out[0] = d.actuator_length[id]; break;
      case SENS_ACTUATORVEL: out[0] = d.actuator_velocity[id]; break;
      case SENS_ACTUATORFRC: out[0] = d.actuator_force[id]; break;
      case SENS_BALLQUAT: {
        const int a = m.jnt_qposadr[id];
        T q[4] = {d.qpos[a], d.qpos[a + 1], d.qpos[a + 2], d.qpos[a + 3]};
        const T n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
        if (n < min_val<T>()) { q[0] = T(1); q[1] = q[2] = q[3] = T(0); }
        else for (int k = 0; k < 4; ++k) q[k] /= n;
        for (int k = 0; k < 4; ++k) out[k] = q[k];
        break;
      }
      case SENS_BALLANGVEL: {
        const int a = m.jnt_dofadr[id];
        for (int k = 0; k < 3; ++k) out[k] = d.qvel[a + k];
        break;
      }
      case SENS_JOINTLIMITFRC: out[0] = row_force(d, CNSTR_LIMIT_JOINT, id); break;
      case SENS_TENDONLIMITFRC: out[0] = row_force(d, CNSTR_LIMIT_TENDON, id); break;
      case SENS_FRAMEPOS:
      case SENS_FRAMEXAXIS:
      case SENS_FRAMEYAXIS:
      case SENS_FRAMEZAXIS: {
        vec3<T> p;
        mat3<T> R;
        frame_of(m, d, m.sensor_objtype[i], id, p, R);
        if (type == SENS_FRAMEPOS) put3(p);
        else {
          const int k = type - SENS_FRAMEXAXIS;
          put3(vec3<T>{R.m[k], R.m[3 + k], R.m[6 + k]});
        }
        break;
      }
      case SENS_FRAMEQUAT: {
        const quat<T> q = frame_quat(m, d, m.sensor_objtype[i], id);
        out[0] = q.w; out[1] = q.x; out[2] = q.y; out[3] = q.z;
        break;
      }
      case SENS_FRAMELINVEL:
      case SENS_FRAMEANGVEL:
      case SENS_FRAMELINACC:
      case SENS_FRAMEANGACC: {
        vec3<T> p, ang, lin;
        mat3<T> R;
        const int b = frame_of(m, d, m.sensor_objtype[i], id, p, R);
        if (type == SENS_FRAMELINACC || type == SENS_FRAMEANGACC) object_acceleration(m, d, b, p, ang, lin);
        else object_velocity(m, d, b, p, ang, lin);
        put3(type == SENS_FRAMEANGVEL || type == SENS_FRAMEANGACC ? ang : lin);
        break;
      }
      case SENS_SUBTREECOM: put3(get3(d.subtree_com, id)); break;
      case SENS_CLOCK: out[0] = d.time[0]; break;
      default: break;
    }
    const T cut = m.sensor_cutoff[i];
    if (cut > T(0)) {
      const int dt = m.sensor_datatype[i];
      for (int k = 0; k < dim; ++k) {
        if (dt == DATATYPE_REAL) out[k] = out[k] < -cut ? -cut : (out[k] > cut ? cut : out[k]);
        else if (dt == DATATYPE_POSITIVE && out[k] > cut) out[k] = cut;
      }
    }
  }
}

/// Index of the sensor named `name` in a host Model, or -1.
template <class T> inline int find_sensor(const Model<T>& m, const std::string& name) { return Model<T>::find(m.sensor_names, name); }

}  // namespace sinew
