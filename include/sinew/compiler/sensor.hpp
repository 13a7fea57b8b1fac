// Sensor compilation: Model::pending <sensor> elements -> sensor_* arrays and nsensordata, with
// mjModel's values (type, datatype, needstage, objtype/objid, reftype/refid, dim, adr, cutoff,
// noise), so the fields compare one to one with MuJoCo and sensordata has MuJoCo's layout.
//
//   std::vector<std::string> unsupported;
//   sinew::compile_sensors(model, &unsupported);   // called by the MJCF loader
//
// sensor/sensor.hpp computes the types listed by sensor_computed(); every other sensor keeps its
// place in sensordata, is listed in `unsupported` (the loader turns the list into one warning
// naming each sensor) and reads NaN. Sensor kinds whose size cannot be known without features
// Sinew lacks (tactile; sensor plugins are refused by the reader) are a ModelError naming the
// element.
#pragma once
#include <sstream>
#include <string>
#include <vector>

#include "sinew/compiler/tendon.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

namespace sensor_compile_detail {

struct Kind {
  const char* element;
  int type, datatype, stage, dim;
  const char* attach;  ///< "site", "joint", "tendon", "actuator", "body", "frame", "" (none), "other" (not resolved)
};

// element, type, datatype, needstage, dim, how the sensed object is named (mjCSensor::Compile)
inline const Kind* kinds() {
  static const Kind k[] = {{"touch", SENS_TOUCH, DATATYPE_POSITIVE, STAGE_ACC, 1, "site"},
                           {"accelerometer", SENS_ACCELEROMETER, DATATYPE_REAL, STAGE_ACC, 3, "site"},
                           {"velocimeter", SENS_VELOCIMETER, DATATYPE_REAL, STAGE_VEL, 3, "site"},
                           {"gyro", SENS_GYRO, DATATYPE_REAL, STAGE_VEL, 3, "site"},
                           {"force", SENS_FORCE, DATATYPE_REAL, STAGE_ACC, 3, "site"},
                           {"torque", SENS_TORQUE, DATATYPE_REAL, STAGE_ACC, 3, "site"},
                           {"magnetometer", SENS_MAGNETOMETER, DATATYPE_REAL, STAGE_POS, 3, "site"},
                           {"rangefinder", SENS_RANGEFINDER, DATATYPE_POSITIVE, STAGE_POS, 1, "site"},
                           {"camprojection", SENS_CAMPROJECTION, DATATYPE_REAL, STAGE_POS, 2, "other"},
                           {"jointpos", SENS_JOINTPOS, DATATYPE_REAL, STAGE_POS, 1, "joint"},
                           {"jointvel", SENS_JOINTVEL, DATATYPE_REAL, STAGE_VEL, 1, "joint"},
                           {"tendonpos", SENS_TENDONPOS, DATATYPE_REAL, STAGE_POS, 1, "tendon"},
                           {"tendonvel", SENS_TENDONVEL, DATATYPE_REAL, STAGE_VEL, 1, "tendon"},
                           {"actuatorpos", SENS_ACTUATORPOS, DATATYPE_REAL, STAGE_POS, 1, "actuator"},
                           {"actuatorvel", SENS_ACTUATORVEL, DATATYPE_REAL, STAGE_VEL, 1, "actuator"},
                           {"actuatorfrc", SENS_ACTUATORFRC, DATATYPE_REAL, STAGE_ACC, 1, "actuator"},
                           {"jointactuatorfrc", SENS_JOINTACTFRC, DATATYPE_REAL, STAGE_ACC, 1, "joint"},
                           {"tendonactuatorfrc", SENS_TENDONACTFRC, DATATYPE_REAL, STAGE_ACC, 1, "tendon"},
                           {"ballquat", SENS_BALLQUAT, DATATYPE_QUATERNION, STAGE_POS, 4, "joint"},
                           {"ballangvel", SENS_BALLANGVEL, DATATYPE_REAL, STAGE_VEL, 3, "joint"},
                           {"jointlimitpos", SENS_JOINTLIMITPOS, DATATYPE_REAL, STAGE_POS, 1, "joint"},
                           {"jointlimitvel", SENS_JOINTLIMITVEL, DATATYPE_REAL, STAGE_VEL, 1, "joint"},
                           {"jointlimitfrc", SENS_JOINTLIMITFRC, DATATYPE_REAL, STAGE_ACC, 1, "joint"},
                           {"tendonlimitpos", SENS_TENDONLIMITPOS, DATATYPE_REAL, STAGE_POS, 1, "tendon"},
                           {"tendonlimitvel", SENS_TENDONLIMITVEL, DATATYPE_REAL, STAGE_VEL, 1, "tendon"},
                           {"tendonlimitfrc", SENS_TENDONLIMITFRC, DATATYPE_REAL, STAGE_ACC, 1, "tendon"},
                           {"framepos", SENS_FRAMEPOS, DATATYPE_REAL, STAGE_POS, 3, "frame"},
                           {"framequat", SENS_FRAMEQUAT, DATATYPE_QUATERNION, STAGE_POS, 4, "frame"},
                           {"framexaxis", SENS_FRAMEXAXIS, DATATYPE_AXIS, STAGE_POS, 3, "frame"},
                           {"frameyaxis", SENS_FRAMEYAXIS, DATATYPE_AXIS, STAGE_POS, 3, "frame"},
                           {"framezaxis", SENS_FRAMEZAXIS, DATATYPE_AXIS, STAGE_POS, 3, "frame"},
                           {"framelinvel", SENS_FRAMELINVEL, DATATYPE_REAL, STAGE_VEL, 3, "frame"},
                           {"frameangvel", SENS_FRAMEANGVEL, DATATYPE_REAL, STAGE_VEL, 3, "frame"},
                           {"framelinacc", SENS_FRAMELINACC, DATATYPE_REAL, STAGE_ACC, 3, "frame"},
                           {"frameangacc", SENS_FRAMEANGACC, DATATYPE_REAL, STAGE_ACC, 3, "frame"},
                           {"subtreecom", SENS_SUBTREECOM, DATATYPE_REAL, STAGE_POS, 3, "body"},
                           {"subtreelinvel", SENS_SUBTREELINVEL, DATATYPE_REAL, STAGE_VEL, 3, "body"},
                           {"subtreeangmom", SENS_SUBTREEANGMOM, DATATYPE_REAL, STAGE_VEL, 3, "body"},
                           {"insidesite", SENS_INSIDESITE, DATATYPE_POSITIVE, STAGE_POS, 1, "other"},
                           {"distance", SENS_GEOMDIST, DATATYPE_REAL, STAGE_POS, 1, "other"},
                           {"normal", SENS_GEOMNORMAL, DATATYPE_AXIS, STAGE_POS, 3, "other"},
                           {"fromto", SENS_GEOMFROMTO, DATATYPE_REAL, STAGE_POS, 6, "other"},
                           {"contact", SENS_CONTACT, DATATYPE_REAL, STAGE_ACC, 0, "other"},
                           {"e_potential", SENS_E_POTENTIAL, DATATYPE_REAL, STAGE_POS, 1, ""},
                           {"e_kinetic", SENS_E_KINETIC, DATATYPE_REAL, STAGE_VEL, 1, ""},
                           {"clock", SENS_CLOCK, DATATYPE_REAL, STAGE_POS, 1, ""},
                           {"tactile", SENS_TACTILE, DATATYPE_REAL, STAGE_ACC, 0, "other"},
                           {"user", SENS_USER, DATATYPE_REAL, STAGE_ACC, 0, "other"},
                           {"plugin", SENS_PLUGIN, DATATYPE_REAL, STAGE_ACC, 0, "other"},
                           {nullptr, 0, 0, 0, 0, nullptr}};
  return k;
}

/// Object type and id of a frame object named by objtype/objname (or reftype/refname).
inline void frame_object(const Model<double>& m, const PendingElement& p, const char* tkey, const char* nkey, int& type,
                         int& id) {
  using tendon_compile_detail::attr;
  using tendon_compile_detail::fail;
  const std::string* t = attr(p, tkey);
  const std::string* n = attr(p, nkey);
  if (!t || !n || n->empty()) fail(p, std::string("sensor needs both '") + tkey + "' and '" + nkey + "'");
  const std::vector<std::string>* names = nullptr;
  if (*t == "body") {
    type = OBJ_BODY;
    names = &m.body_names;
  } else if (*t == "xbody") {
    type = OBJ_XBODY;
    names = &m.body_names;
  } else if (*t == "geom") {
    type = OBJ_GEOM;
    names = &m.geom_names;
  } else if (*t == "site") {
    type = OBJ_SITE;
    names = &m.site_names;
  } else if (*t == "camera") {  // Sinew keeps no cameras: the sensor is laid out and reads NaN
    type = OBJ_CAMERA;
    id = -1;
    return;
  } else fail(p, std::string("'") + tkey + "' must be body, xbody, geom, site or camera, not '" + *t + "'");
  id = Model<double>::find(*names, *n);
  if (id < 0) fail(p, "sensor: unknown " + *t + " '" + *n + "'");
}

}  // namespace sensor_compile_detail

/// Compiles the pending sensors (see the file comment). `unsupported`: when given, the names of
/// sensors Sinew does not compute are appended (else they are silently NaN: pass the list).
inline void compile_sensors(Model<double>& m, std::vector<std::string>* unsupported = nullptr) {
  using namespace sensor_compile_detail;
  using tendon_compile_detail::attr;
  using tendon_compile_detail::fail;
  using tendon_compile_detail::real;
  std::vector<const PendingElement*> els;
  for (const auto& p : m.pending)
    if (p.section == "sensor") els.push_back(&p);
  const int n = int(els.size());
  m.nsensor = n;
  m.sensor_names.assign(size_t(n), std::string());
  for (auto* f : {&m.sensor_type, &m.sensor_datatype, &m.sensor_needstage, &m.sensor_objtype, &m.sensor_objid,
                  &m.sensor_reftype, &m.sensor_refid, &m.sensor_dim, &m.sensor_adr})
    f->assign(size_t(n), 0);
  m.sensor_cutoff.assign(size_t(n), 0.0);
  m.sensor_noise.assign(size_t(n), 0.0);
  int adr = 0;
  for (int i = 0; i < n; ++i) {
    const PendingElement& p = *els[size_t(i)];
    const Kind* k = kinds();
    while (k->element && p.kind != k->element) ++k;
    if (!k->element) fail(p, "unknown sensor element <" + p.kind + ">");
    int dim = k->dim;
    if (k->type == SENS_USER) {  // size from its dim attribute
      dim = int(real(p, "dim", 0));
      if (dim < 1) fail(p, "user sensor needs a positive 'dim'");
    } else if (k->type == SENS_CONTACT) {  // num x the sizes of the requested data (mju_condataSize)
      const std::string* data = attr(p, "data");
      std::istringstream fields(data ? *data : std::string("found"));
      int per = 0;
      for (std::string f; fields >> f;) {
        if (f == "found" || f == "dist") per += 1;
        else if (f == "force" || f == "torque" || f == "pos" || f == "normal" || f == "tangent") per += 3;
        else fail(p, "contact sensor: unknown data '" + f + "'");
      }
      dim = int(real(p, "num", 1)) * per;
      if (dim < 1) fail(p, "contact sensor: 'num' and 'data' give no values");
    } else if (dim == 0) {
      fail(p, "sensor <" + p.kind + "> is not supported by Sinew (its data size depends on features Sinew lacks)");
    }
    const size_t s = size_t(i);
    m.sensor_names[s] = p.name;
    m.sensor_type[s] = k->type;
    m.sensor_datatype[s] = k->datatype;
    m.sensor_needstage[s] = k->stage;
    m.sensor_dim[s] = dim;
    m.sensor_adr[s] = adr;
    m.sensor_objtype[s] = OBJ_UNKNOWN;
    m.sensor_objid[s] = -1;
    m.sensor_reftype[s] = OBJ_UNKNOWN;
    m.sensor_refid[s] = -1;
    m.sensor_cutoff[s] = real(p, "cutoff", 0);
    m.sensor_noise[s] = real(p, "noise", 0);
    if (m.sensor_cutoff[s] < 0) fail(p, "sensor: negative cutoff");
    if (m.sensor_noise[s] < 0) fail(p, "negative noise in sensor");
    if (m.sensor_cutoff[s] > 0 && (k->datatype == DATATYPE_AXIS || k->datatype == DATATYPE_QUATERNION))
      fail(p, "cutoff applied to axis or quaternion datatype in sensor");
    adr += dim;

    const std::string at = k->attach;
    auto named = [&](const char* key, const std::vector<std::string>& names, int type) {
      const std::string* v = attr(p, key);
      if (!v || v->empty()) fail(p, "sensor <" + p.kind + "> needs attribute '" + key + "'");
      const int id = Model<double>::find(names, *v);
      if (id < 0) fail(p, "sensor: unknown " + std::string(key) + " '" + *v + "'");
      m.sensor_objtype[s] = type;
      m.sensor_objid[s] = id;
      return id;
    };
    if (at == "site") named("site", m.site_names, OBJ_SITE);
    else if (at == "tendon") {
      const int t = named("tendon", m.tendon_names, OBJ_TENDON);
      if ((k->type == SENS_TENDONLIMITPOS || k->type == SENS_TENDONLIMITVEL || k->type == SENS_TENDONLIMITFRC) &&
          !m.tendon_limited[size_t(t)])
        fail(p, "tendon must be limited in sensor");
    } else if (at == "actuator") named("actuator", m.actuator_names, OBJ_ACTUATOR);
    else if (at == "body") named("body", m.body_names, OBJ_BODY);
    else if (at == "joint") {
      const int j = named("joint", m.jnt_names, OBJ_JOINT);
      const int jt = m.jnt_type[size_t(j)];
      if ((k->type == SENS_JOINTPOS || k->type == SENS_JOINTVEL || k->type == SENS_JOINTACTFRC) && jt != JNT_HINGE &&
          jt != JNT_SLIDE)
        fail(p, "joint must be slide or hinge in sensor");
      if ((k->type == SENS_BALLQUAT || k->type == SENS_BALLANGVEL) && jt != JNT_BALL)
        fail(p, "joint must be ball in sensor");
      if ((k->type == SENS_JOINTLIMITPOS || k->type == SENS_JOINTLIMITVEL || k->type == SENS_JOINTLIMITFRC) &&
          !m.jnt_limited[size_t(j)])
        fail(p, "joint must be limited in sensor");
    } else if (at == "frame") {
      frame_object(m, p, "objtype", "objname", m.sensor_objtype[s], m.sensor_objid[s]);
      if (attr(p, "reftype") || attr(p, "refname"))
        frame_object(m, p, "reftype", "refname", m.sensor_reftype[s], m.sensor_refid[s]);
    }
    const bool ref = m.sensor_reftype[s] != OBJ_UNKNOWN, camera = m.sensor_objtype[s] == OBJ_CAMERA;
    if (unsupported && sensor_reads_nan(k->type, m.sensor_objtype[s], m.sensor_reftype[s]))
      unsupported->push_back("<" + p.kind + ">" + (p.name.empty() ? " #" + std::to_string(i) : " '" + p.name + "'") +
                             (ref      ? " (relative to a reference frame)"
                              : camera ? " (on a camera)"
                                       : "") +
                             " at " + SourceLocation{p.file, p.line, ""}.str());
  }
  m.nsensordata = adr;
  std::vector<PendingElement> rest;
  for (auto& p : m.pending)
    if (p.section != "sensor") rest.push_back(std::move(p));
  m.pending = std::move(rest);
}

}  // namespace sinew
