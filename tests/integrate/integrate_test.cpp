// integrate/: semi-implicit Euler and RK4 on a free fall (RK4 is exact on a quadratic), and the
// quaternion update of a spinning ball joint.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "sinew/forward/step.hpp"
#include "sinew/compiler/compiler.hpp"

using namespace sinew;

namespace {
Model<double> faller(const char* integrator) {
  Model<double> m = load_mjcf_string(R"(<mujoco><option timestep="0.01" gravity="0 0 -9.81"/><worldbody>
    <body pos="0 0 10"><freejoint/><geom type="sphere" size="0.1" contype="0" conaffinity="0"/></body>
    </worldbody></mujoco>)",
                                     ".");
  apply_option(m, "integrator", integrator);
  return m;
}
}  // namespace

TEST_CASE("integrate: Euler and RK4 on a free fall, a ball joint's quaternion") {
  {
    const Model<double> m = faller("Euler");
    Data<double> data(m, 1);
    const auto d = data.view().world(0);
    reset_world(m.view(), d, -1);
    step_world(m.view(), d);
    CHECK(d.qvel[2] == doctest::Approx(-9.81 * 0.01).epsilon(1e-14));
    CHECK(d.qpos[2] == doctest::Approx(10 - 9.81 * 0.01 * 0.01).epsilon(1e-14));  // position from the new velocity
  }
  {
    const Model<double> m = faller("RK4");
    Data<double> data(m, 1);
    const auto d = data.view().world(0);
    reset_world(m.view(), d, -1);
    for (int s = 0; s < 50; ++s) step_world(m.view(), d);
    CHECK(d.qpos[2] == doctest::Approx(10 - 0.5 * 9.81 * 0.5 * 0.5).epsilon(1e-12));
  }
  {
    Model<double> m = load_mjcf_string(R"(<mujoco><option timestep="0.001" gravity="0 0 0"/><worldbody>
      <body><joint type="ball"/><geom type="sphere" size="0.1"/></body></worldbody></mujoco>)",
                                       ".");
    Data<double> data(m, 1);
    const auto d = data.view().world(0);
    reset_world(m.view(), d, -1);
    data.set("qvel", 0, {0, 0, 2.0});  // 2 rad/s about z: a sphere keeps spinning
    for (int s = 0; s < 500; ++s) step_world(m.view(), d);
    CHECK(d.qpos[0] == doctest::Approx(std::cos(0.5)).epsilon(1e-9));  // 1 rad after 0.5 s
    CHECK(d.qpos[3] == doctest::Approx(std::sin(0.5)).epsilon(1e-9));
  }
}
