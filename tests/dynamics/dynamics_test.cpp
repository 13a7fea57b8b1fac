// dynamics/: the composite-rigid-body mass matrix and the bias forces of a pendulum against
// their closed forms (I + m l^2; m g l sin q).
#include <doctest/doctest.h>

#include <cmath>

#include "sinew/dynamics/crb.hpp"
#include "sinew/dynamics/rne.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/kinematics/com_pos.hpp"
#include "sinew/kinematics/com_vel.hpp"
#include "sinew/kinematics/kinematics.hpp"

using namespace sinew;

TEST_CASE("dynamics: a pendulum's mass matrix is I + m l^2 and its bias force m g l sin q") {
  const Model<double> m = load_mjcf_string(R"(<mujoco><option gravity="0 0 -9.81"/><worldbody>
    <body><joint axis="0 1 0"/><inertial pos="0 0 -0.4" mass="2" diaginertia="0.01 0.03 0.02"/></body>
    </worldbody></mujoco>)",
                                           ".");
  Data<double> data(m, 1);
  for (double q : {0.0, 0.3, 1.2}) {
    data.set("qpos", 0, {q});
    const auto d = data.view().world(0);
    kinematics(m.view(), d);
    com_pos(m.view(), d);
    crb(m.view(), d);
    com_vel(m.view(), d);
    rne(m.view(), d);
    CHECK(d.qM[0] == doctest::Approx(0.03 + 2 * 0.4 * 0.4).epsilon(1e-14));
    // gravity pulls the mass (at -0.4 z rotated by q about +y) back toward q = 0
    CHECK(d.qfrc_bias[0] == doctest::Approx(2 * 9.81 * 0.4 * std::sin(q)).epsilon(1e-12));
  }
}
