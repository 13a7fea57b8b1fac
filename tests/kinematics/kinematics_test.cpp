// kinematics/: forward kinematics of a planar two-link arm against its closed form, and the
// point Jacobian (point_jac) against finite differences of the same point.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "sinew/compiler/compiler.hpp"
#include "sinew/kinematics/com_pos.hpp"
#include "sinew/kinematics/jacobian.hpp"
#include "sinew/kinematics/kinematics.hpp"

using namespace sinew;

namespace {
const char* kArm = R"(<mujoco><worldbody>
  <body name="upper"><joint name="a" axis="0 1 0"/><geom type="capsule" fromto="0 0 0 0 0 -0.5" size="0.02"/>
    <body name="lower" pos="0 0 -0.5"><joint name="b" axis="0 1 0"/><geom type="capsule" fromto="0 0 0 0 0 -0.3" size="0.02"/>
      <site name="tip" pos="0 0 -0.3"/></body></body></worldbody></mujoco>)";

vec3<double> tip_at(const Model<double>& m, Data<double>& data, double a, double b) {
  data.set("qpos", 0, {a, b});
  const auto d = data.view().world(0);
  kinematics(m.view(), d);
  com_pos(m.view(), d);
  return get3(d.site_xpos, 0);
}
}  // namespace

TEST_CASE("kinematics: a two-link arm's tip follows its closed form; point_jac is its derivative") {
  const Model<double> m = load_mjcf_string(kArm, ".");
  Data<double> data(m, 1);
  for (double a : {0.0, 0.4, -1.1})
    for (double b : {0.0, 0.7, 2.0}) {
      const vec3<double> p = tip_at(m, data, a, b);
      // a rotation about +y by a maps (0, 0, -l) to (-l sin a, 0, -l cos a)
      CHECK(p.x == doctest::Approx(-(0.5 * std::sin(a) + 0.3 * std::sin(a + b))).epsilon(1e-14));
      CHECK(p.z == doctest::Approx(-(0.5 * std::cos(a) + 0.3 * std::cos(a + b))).epsilon(1e-14));
      CHECK(std::abs(p.y) < 1e-15);
      const auto d = data.view().world(0);
      const vec3<double> off = p - get3(d.subtree_com, m.body_rootid[2]);
      const double h = 1e-7;
      for (int j = 0; j < 2; ++j) {
        const vec3<double> col = point_jac(d, j, off);
        const vec3<double> fd = (tip_at(m, data, a + (j == 0) * h, b + (j == 1) * h) -
                                 tip_at(m, data, a - (j == 0) * h, b - (j == 1) * h)) *
                                (0.5 / h);
        tip_at(m, data, a, b);
        CHECK(col.x == doctest::Approx(fd.x).epsilon(1e-6));
        CHECK(col.z == doctest::Approx(fd.z).epsilon(1e-6));
      }
    }
}
