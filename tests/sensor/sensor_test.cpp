// Sensor stage: the site volumes of the touch sensor against brute force, sensor compilation
// errors, the NaN of sensors Sinew does not compute, cutoffs and RK4 keeping the first
// evaluation. Values against MuJoCo: tests/python/test_oracle_sensor.py.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "sinew/compiler/compiler.hpp"
#include "sinew/sinew.hpp"

using namespace sinew;

namespace {

/// Inside test of the five site volumes (local frame).
bool inside(int type, const double* s, vec3<double> p, double eps) {
  switch (type) {
    case GEOM_SPHERE: return std::sqrt(dot(p, p)) <= s[0] + eps;
    case GEOM_ELLIPSOID:
      return std::sqrt(p.x * p.x / (s[0] * s[0]) + p.y * p.y / (s[1] * s[1]) + p.z * p.z / (s[2] * s[2])) <= 1 + eps;
    case GEOM_CAPSULE: {
      const double z = std::max(-s[1], std::min(s[1], p.z));
      return std::sqrt(p.x * p.x + p.y * p.y + (p.z - z) * (p.z - z)) <= s[0] + eps;
    }
    case GEOM_CYLINDER: return std::sqrt(p.x * p.x + p.y * p.y) <= s[0] + eps && std::fabs(p.z) <= s[1] + eps;
    default: return std::fabs(p.x) <= s[0] + eps && std::fabs(p.y) <= s[1] + eps && std::fabs(p.z) <= s[2] + eps;
  }
}

}  // namespace

TEST_CASE(
    "ray against the site volumes: the first hit is on the surface, no earlier point is inside, misses never enter") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  const double size[3] = {0.3, 0.2, 0.45};
  for (int type : {GEOM_SPHERE, GEOM_CAPSULE, GEOM_ELLIPSOID, GEOM_CYLINDER, GEOM_BOX}) {
    int hits = 0, misses = 0, starts_inside = 0;
    for (int n = 0; n < 4000; ++n) {
      const vec3<double> p = vec3<double>{u(rng), u(rng), u(rng)} * 0.6;
      vec3<double> v{u(rng), u(rng), u(rng)};
      v = v * (1.0 / std::sqrt(dot(v, v)));
      const double t = sensor_detail::ray_geom_local(type, size, p, v);
      if (inside(type, size, p, -1e-6)) {
        // a ray from inside always exits through the surface
        ++starts_inside;
        REQUIRE(t >= 0);
      }
      // march along the ray: no point before t (or anywhere for a miss) is inside
      const double end = t >= 0 ? t : 4.0;
      bool entered = false;
      for (int k = 0; k < 2000; ++k) {
        const double s = end * (k + 0.5) / 2000;
        if (!inside(type, size, p, 0) && inside(type, size, p + v * s, -1e-9)) entered = true;
      }
      if (t >= 0) {
        ++hits;
        CHECK_FALSE(entered);
        const vec3<double> q = p + v * t;  // on the surface: inside with a little slack, not deep inside
        CHECK(inside(type, size, q, 1e-9));
        CHECK_FALSE(inside(type, size, q, -1e-6));
      } else {
        ++misses;
        CHECK_FALSE(entered);
      }
    }
    CHECK(hits > 400);
    CHECK(misses > 400);
    CHECK(starts_inside > 100);
    MESSAGE("geom type " << type << ": " << hits << " hits (" << starts_inside << " from inside), " << misses
                         << " misses");
  }
}

TEST_CASE("sensor compilation: MuJoCo's layout, checks and errors with file and line") {
  const std::string head =
      "<mujoco><worldbody><body name='b'><freejoint/><geom name='g' size='.1'/><site name='s'/>"
      "<body name='c'><joint name='h' axis='0 1 0' range='-1 1'/><joint name='bj' type='ball'/><geom size='.1'/></body>"
      "</body></worldbody><sensor>\n";
  std::vector<Diagnostic> w;
  const Model<double> m = load_mjcf_string(
      head +
          "<touch name='t' site='s' cutoff='3'/><framequat objtype='body' objname='b'/><ballquat joint='bj'/>"
          "<framepos objtype='site' objname='s' reftype='xbody' refname='c'/><subtreecom body='c'/></sensor></mujoco>",
      ".", &w);
  CHECK(m.nsensor == 5);
  CHECK(m.nsensordata == 1 + 4 + 4 + 3 + 3);
  CHECK(m.sensor_type == std::vector<int>{SENS_TOUCH, SENS_FRAMEQUAT, SENS_BALLQUAT, SENS_FRAMEPOS, SENS_SUBTREECOM});
  CHECK(m.sensor_objtype == std::vector<int>{OBJ_SITE, OBJ_BODY, OBJ_JOINT, OBJ_SITE, OBJ_BODY});
  CHECK(m.sensor_refid == std::vector<int>{-1, -1, -1, 2, -1});
  CHECK(m.sensor_cutoff[0] == 3.0);
  CHECK(find_sensor(m, "t") == 0);
  REQUIRE(w.size() == 1);
  CHECK(w[0].message.find("<framepos> #3 (relative to a reference frame) at <string>:2") != std::string::npos);
  // sizes of kinds Sinew does not compute, as MuJoCo lays them out (NaN, named in the warning)
  w.clear();
  const Model<double> u = load_mjcf_string(
      head +
          "<user dim='4'/><contact geom1='g' data='force torque' num='3'/><framepos objtype='camera' objname='cam'/>"
          "<clock/></sensor></mujoco>",
      ".", &w);
  CHECK(u.sensor_dim == std::vector<int>{4, 18, 3, 1});
  CHECK(u.nsensordata == 26);
  REQUIRE(w.size() == 1);
  CHECK(w[0].message.find("3 sensors Sinew does not compute") != std::string::npos);
  CHECK(w[0].message.find("<framepos> #2 (on a camera)") != std::string::npos);

  auto error_of = [&](const std::string& body) {
    try {
      load_mjcf_string(head + body + "</sensor></mujoco>", ".");
    } catch (const ModelError& e) { return std::string(e.what()); }
    return std::string("no error");
  };
  CHECK(error_of("<tactile geom='g' mesh='m'/>")
            .find("<string>:2: <tactile>: error: sensor <tactile> is not supported") != std::string::npos);
  CHECK(error_of("<framequat objtype='body' objname='b' cutoff='1'/>").find("cutoff applied to axis or quaternion") !=
        std::string::npos);
  CHECK(error_of("<touch site='s' noise='-1'/>").find("negative noise") != std::string::npos);
  CHECK(error_of("<touch site=''/>").find("needs attribute 'site'") != std::string::npos);
  CHECK(error_of("<user/>").find("positive 'dim'") != std::string::npos);
  CHECK(error_of("<jointpos joint='bj'/>").find("joint must be slide or hinge") != std::string::npos);
  CHECK(error_of("<touch site='nosuch'/>").find("unknown site 'nosuch'") != std::string::npos);
  CHECK(error_of("<framepos objtype='light' objname='b'/>").find("must be body, xbody, geom, site or camera") !=
        std::string::npos);
}

TEST_CASE("sensordata: computed values, NaN for what Sinew does not compute, cutoff, RK4 keeps the first evaluation") {
  const char* xml = R"(
<mujoco>
  <option integrator="RK4" timestep="0.01"/>
  <worldbody>
    <body name="b" pos="0 0 1"><joint name="h" axis="0 1 0" damping="0.1"/><geom type="capsule" size=".05 .2" pos="0 0 -.2"/>
      <site name="tip" pos="0 0 -.4"/></body>
  </worldbody>
  <actuator><motor name="m" joint="h"/></actuator>
  <sensor>
    <jointpos joint="h"/><jointvel joint="h" cutoff="0.5"/><clock/><e_kinetic/>
    <actuatorfrc actuator="m"/><framelinvel objtype="site" objname="tip"/>
    <framepos objtype="site" objname="tip" reftype="camera" refname="cam"/>
  </sensor>
</mujoco>)";
  std::vector<Diagnostic> warn;
  const Model<double> m = load_mjcf_string(xml, ".", &warn);
  REQUIRE(warn.size() == 1);  // the kinetic energy and the framepos relative to a camera
  Data<double> d(m.sizes(), 1);
  std::vector<double> qpos{0.3}, qvel{2.0}, ctrl{0.7};
  d.set_all("qpos", qpos);
  d.set_all("qvel", qvel);
  d.set_all("ctrl", ctrl);
  const auto w = d.view().world(0);
  forward_world(m.view(), w);
  CHECK(w.sensordata[0] == 0.3);
  CHECK(w.sensordata[1] == 0.5);  // 2.0 clamped by the cutoff
  CHECK(w.sensordata[2] == 0.0);
  CHECK(std::isnan(w.sensordata[3]));
  CHECK(w.sensordata[4] == doctest::Approx(0.7));
  // tip at 0.4 below a hinge about y turning at 2 rad/s: speed 0.8 perpendicular to the arm
  const double vx = w.sensordata[5], vz = w.sensordata[7];
  CHECK(w.sensordata[6] == doctest::Approx(0).epsilon(1e-12));
  CHECK(std::sqrt(vx * vx + vz * vz) == doctest::Approx(0.8).epsilon(1e-12));
  for (int k = 8; k < 11; ++k) CHECK(std::isnan(w.sensordata[k]));  // relative to a camera: NaN, not the world frame
  CHECK(vx * std::sin(0.3) + vz * std::cos(0.3) == doctest::Approx(0).scale(1).epsilon(1e-12));
  step_world(m.view(), w);
  CHECK(w.sensordata[0] == doctest::Approx(0.3).epsilon(1e-15));  // of the step's first forward, not RK4's last stage
  CHECK(w.sensordata[2] == 0.0);
  CHECK(w.time[0] == doctest::Approx(0.01));
}
