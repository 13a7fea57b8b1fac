// collision/: sphere-sphere and sphere-plane contacts against their closed forms (distance,
// normal, position halfway into the overlap).
#include <doctest/doctest.h>

#include <string>

#include "sinew/collision/collision.hpp"
#include "sinew/forward/step.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/kinematics/kinematics.hpp"

using namespace sinew;

namespace {
WorldData<double, WorldOuter> collide(const Model<double>& m, Data<double>& data) {
  const auto d = data.view().world(0);
  reset_world(m.view(), d, -1);  // qpos0: the bodies where the file puts them
  kinematics(m.view(), d);
  collision_world(m.view(), d);
  return d;
}
}  // namespace

TEST_CASE("collision: two overlapping spheres, a sphere on a plane") {
  const Model<double> s2 = load_mjcf_string(R"(<mujoco><worldbody>
    <body><freejoint/><geom type="sphere" size="0.1"/></body>
    <body pos="0.15 0 0"><freejoint/><geom type="sphere" size="0.1"/></body></worldbody></mujoco>)",
                                            ".");
  Data<double> a(s2, 1);
  auto d = collide(s2, a);
  REQUIRE(d.ncon[0] == 1);
  CHECK(d.contact_dist[0] == doctest::Approx(-0.05).epsilon(1e-14));
  CHECK(d.contact_frame[0] == doctest::Approx(1.0));                 // normal along +x, from geom 0 to geom 1
  CHECK(d.contact_pos[0] == doctest::Approx(0.075).epsilon(1e-14));  // the middle of the overlap

  const Model<double> sp = load_mjcf_string(R"(<mujoco><worldbody><geom type="plane" size="1 1 0.1"/>
    <body pos="0.2 0.1 0.05"><freejoint/><geom type="sphere" size="0.1"/></body></worldbody></mujoco>)",
                                            ".");
  Data<double> b(sp, 1);
  d = collide(sp, b);
  REQUIRE(d.ncon[0] == 1);
  CHECK(d.contact_dist[0] == doctest::Approx(-0.05).epsilon(1e-14));
  CHECK(d.contact_frame[2] == doctest::Approx(1.0));  // normal +z
  CHECK(d.contact_pos[2] == doctest::Approx(-0.025).epsilon(1e-14));
  CHECK(d.contact_pos[0] == doctest::Approx(0.2).epsilon(1e-14));
}
