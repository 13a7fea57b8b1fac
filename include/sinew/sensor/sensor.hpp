// The sensor stage (mj_sensorPos, mj_sensorVel, mj_sensorAcc without noise): fills
// Data::sensordata at the addresses compiler/sensor.hpp assigned, with MuJoCo's values for
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

#include "sinew/data/data.hpp"
#include "sinew/dynamics/rne_post.hpp"
#include "sinew/sensor/ray.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {
namespace sensor_detail {
using ray_detail::ray_geom_local;

/// Body whose velocity an object of a frame sensor follows, and the object's position and frame.
template <class T, class L>
SINEW_INLINE int frame_of(const ModelView<T>& m, const WorldData<T, L>& d, int objtype, int id, vec3<T>& pos,
                          mat3<T>& R) {
  switch (objtype) {
    case OBJ_XBODY:
      pos = get3(d.xpos, id);
      R = getm(d.xmat, id);
      return id;
    case OBJ_BODY:
      pos = get3(d.xipos, id);
      R = getm(d.ximat, id);
      return id;
    case OBJ_GEOM:
      pos = get3(d.geom_xpos, id);
      R = getm(d.geom_xmat, id);
      return m.geom_bodyid[id];
    default:
      pos = get3(d.site_xpos, id);
      R = getm(d.site_xmat, id);
      return m.site_bodyid[id];
  }
}

template <class T> SINEW_INLINE quat<T> model_quat(const T* q, int i) {
  return {q[4 * i], q[4 * i + 1], q[4 * i + 2], q[4 * i + 3]};
}

/// Orientation of a frame object as MuJoCo composes it (not from the rotation matrix).
template <class T, class L>
SINEW_INLINE quat<T> frame_quat(const ModelView<T>& m, const WorldData<T, L>& d, int objtype, int id) {
  switch (objtype) {
    case OBJ_XBODY: return getq(d.xquat, id);
    case OBJ_BODY: return mul(getq(d.xquat, id), model_quat(m.body_iquat, id));
    case OBJ_GEOM: return mul(getq(d.xquat, m.geom_bodyid[id]), model_quat(m.geom_quat, id));
    default: return mul(getq(d.xquat, m.site_bodyid[id]), model_quat(m.site_quat, id));
  }
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
    if (type != CNSTR_CONTACT_FRICTIONLESS && type != CNSTR_CONTACT_PYRAMIDAL && type != CNSTR_CONTACT_ELLIPTIC)
      continue;
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
    auto put3 = [&out](vec3<T> v) {
      out[0] = v.x;
      out[1] = v.y;
      out[2] = v.z;
    };
    if (sensor_reads_nan(type, m.sensor_objtype[i], m.sensor_reftype[i])) {
      for (int k = 0; k < dim; ++k) out[k] = T(NAN);
      continue;
    }
    if (!post && (type == SENS_ACCELEROMETER || type == SENS_FORCE || type == SENS_TORQUE || type == SENS_FRAMELINACC ||
                  type == SENS_FRAMEANGACC)) {
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
      case SENS_RANGEFINDER: {
        // along the site's z axis, the site's own body excluded, static geoms included (mj_ray)
        const mat3<T> R = getm(d.site_xmat, id);
        out[0] = ray_world(m, d, get3(d.site_xpos, id), R.col(2), m.site_bodyid[id], true);
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
        if (n < min_val<T>()) {
          q[0] = T(1);
          q[1] = q[2] = q[3] = T(0);
        } else
          for (int k = 0; k < 4; ++k) q[k] /= n;
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
        out[0] = q.w;
        out[1] = q.x;
        out[2] = q.y;
        out[3] = q.z;
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
template <class T> inline int find_sensor(const Model<T>& m, const std::string& name) {
  return Model<T>::find(m.sensor_names, name);
}

}  // namespace sinew
