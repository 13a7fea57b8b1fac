// integrate/: semi-implicit Euler and RK4 on a free fall (RK4 is exact on a quadratic), and the
// quaternion update of a spinning ball joint.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>
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

TEST_CASE("integrate: work space follows the integrator; a Data made for another one is refused") {
  Model<double> m = faller("Euler");
  m.dof_damping.assign(size_t(m.nv), 0.5);  // damping: Euler integrates it implicitly (qH)
  {
    const Data<double> d(m, 1);  // Euler, eulerdamp enabled: qH, no qDeriv, no RK4 stages
    CHECK(d.info().qH_n == m.nM);
    CHECK(d.info().qHDiagInv_n == m.nv);
    CHECK(d.info().qDeriv_n == 0);
    CHECK(d.info().rk_X_n == 0);
    Model<double> rk = m;  // RK4 with the flags on keeps qH too (a step2-style Euler update uses it)
    rk.opt.integrator = INT_RK4;
    CHECK(Data<double>(rk, 1).info().qH_n == m.nM);
  }
  m.opt.disableflags |= DSBL_EULERDAMP;  // set directly: Data's constructor follows m.opt
  Data<double> euler_data(m, 1);
  CHECK(euler_data.info().qH_n == 0);
  CHECK(euler_data.info().qHDiagInv_n == 0);
  reset(exec::serial, m.view(), euler_data.view());
  step(exec::serial, m.view(), euler_data.view());  // needs none of them
  CHECK(euler_data.get("qvel", 0)[2] == doctest::Approx(-9.81 * 0.01).epsilon(1e-14));

  for (int integrator : {INT_RK4, INT_IMPLICITFAST, INT_IMPLICIT}) {
    CAPTURE(integrator);
    Model<double> other = m;
    other.opt.integrator = integrator;
    // the Data made for Euler without eulerdamp lacks this integrator's space: a clear error
    try {
      step(exec::serial, other.view(), euler_data.view());
      FAIL("step accepted a Data made for another integrator");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("another integrator") != std::string::npos);
    }
    CHECK_NOTHROW(forward(exec::serial, other.view(), euler_data.view()));  // forward needs none of it
    // made after the change (directly on opt, no recompilation): it steps, and matches a Data
    // sized by compile_solver_sizes
    Data<double> d(other, 1);
    CHECK(d.info().qDeriv_n == (integrator == INT_RK4 ? 0 : m.nM));
    CHECK(d.info().qH_n == (integrator == INT_IMPLICITFAST ? m.nM : 0));
    CHECK(d.info().rk_X_n == (integrator == INT_RK4 ? 4 * (m.nq + m.nv + m.na) : 0));
    CHECK(d.info().qLU_n == (integrator == INT_IMPLICIT ? m.nv * m.nv : 0));
    reset(exec::serial, other.view(), d.view());
    for (int s = 0; s < 10; ++s) step(exec::serial, other.view(), d.view());
    CHECK(d.status()[0] == STATUS_OK);
    Model<double> compiled = other;
    compile_solver_sizes(compiled);
    const DataLayoutInfo li(compiled.sizes());
    CHECK(li.nreal == d.info().nreal);
    CHECK(li.nint == d.info().nint);
  }
}
