// constraint/: a hinge limit row appears past the limit with MuJoCo's sign conventions, and the
// constraint force holds a pendulum at its limit against gravity.
#include <doctest/doctest.h>

#include <cmath>

#include "sinew/forward/forward.hpp"
#include "sinew/compiler/compiler.hpp"

using namespace sinew;

TEST_CASE("constraint: a joint limit row, its sign, and the force that holds the limit") {
  const Model<double> m = load_mjcf_string(R"(<mujoco><compiler angle="radian"/><worldbody>
    <body><joint axis="0 1 0" range="-0.5 0.5"/><inertial pos="0 0 -0.4" mass="2" diaginertia="0.01 0.03 0.02"/></body>
    </worldbody></mujoco>)",
                                           ".");
  Data<double> data(m, 1);
  const auto d = data.view().world(0);
  data.set("qpos", 0, {0.2});
  forward_world(m.view(), d);
  CHECK(d.nefc[0] == 0);
  data.set("qpos", 0, {0.6});
  forward_world(m.view(), d);
  REQUIRE(d.nefc[0] == 1);
  CHECK(d.efc_type[0] == CNSTR_LIMIT_JOINT);
  CHECK(d.efc_pos[0] == doctest::Approx(0.5 - 0.6).epsilon(1e-14));  // MuJoCo: range[1] - q for the upper side
  CHECK(d.efc_J[0] == -1.0);
  // gravity pushes the pendulum further past its upper limit; the row pushes back
  CHECK(d.qfrc_constraint[0] < 0);
  CHECK(d.qacc[0] < d.qacc_smooth[0]);
}
