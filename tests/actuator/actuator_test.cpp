// Actuator resolution (io/mjcf.hpp) and compilation (compiler/actuator.hpp): the shortcuts'
// parameters against MuJoCo's documented defaults (checked against mujoco 3.4.0's compiled
// models), one actuator default per class written through by every shortcut, limited flags,
// moment sparsity, acc0, and the actuation stage on a small model. Field-by-field agreement on
// the real models is tests/python/test_oracle_actuator.py.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "sinew/forward/step.hpp"
#include "sinew/compiler/compiler.hpp"

using sinew::Model;

namespace {
Model<double> load(const std::string& actuators, const std::string& extra = "") {
  std::vector<sinew::Diagnostic> w;
  return sinew::load_mjcf_string("<mujoco>" + extra +
                                     "<worldbody><body><joint name=\"j\" range=\"-1 0.5\"/><geom size=\".1\"/>"
                                     "<body pos=\"0 0 -0.3\"><joint name=\"k\"/><geom size=\".1\"/></body></body>"
                                     "</worldbody><actuator>" +
                                     actuators + "</actuator></mujoco>",
                                 ".", &w);
}
}  // namespace

TEST_CASE("motor, position, velocity, intvelocity, damper, cylinder shortcuts") {
  Model<double> m = load(
      "<motor joint=\"j\"/>"
      "<position joint=\"k\" kp=\"2\" kv=\"0.5\" timeconst=\"0.1\"/>"
      "<velocity joint=\"k\" kv=\"3\"/>"
      "<intvelocity joint=\"j\" kp=\"4\" actrange=\"-1 1\"/>"
      "<damper joint=\"k\" kv=\"2\" ctrlrange=\"0 1\"/>"
      "<cylinder joint=\"k\" diameter=\"2\"/>"
      "<position joint=\"j\" inheritrange=\"0.5\"/>");
  REQUIRE(m.nu == 7);
  REQUIRE(m.na == 3);
  // motor: gain 1, no dynamics, no bias
  CHECK(m.actuator_gaintype[0] == sinew::GAIN_FIXED);
  CHECK(m.actuator_biastype[0] == sinew::BIAS_NONE);
  CHECK(m.actuator_gainprm[0] == 1);
  CHECK(m.actuator_dynprm[0] == 1);  // global default dynprm[0] = 1 stays
  CHECK(m.actuator_actadr[0] == -1);
  // position with timeconst: filterexact, gain kp, bias (0, -kp, -kv)
  CHECK(m.actuator_dyntype[1] == sinew::DYN_FILTEREXACT);
  CHECK(m.actuator_dynprm[10] == 0.1);
  CHECK(m.actuator_gainprm[10] == 2);
  CHECK(m.actuator_biasprm[11] == -2);
  CHECK(m.actuator_biasprm[12] == -0.5);
  CHECK(m.actuator_actadr[1] == 0);
  // velocity: gain kv, bias (0, 0, -kv)
  CHECK(m.actuator_gainprm[20] == 3);
  CHECK(m.actuator_biasprm[22] == -3);
  CHECK(m.actuator_biastype[2] == sinew::BIAS_AFFINE);
  // intvelocity: integrator, actlimited
  CHECK(m.actuator_dyntype[3] == sinew::DYN_INTEGRATOR);
  CHECK(m.actuator_actlimited[3] == 1);
  CHECK(m.actuator_biasprm[31] == -4);
  // damper: affine gain (0, 0, -kv), ctrllimited
  CHECK(m.actuator_gaintype[4] == sinew::GAIN_AFFINE);
  CHECK(m.actuator_gainprm[42] == -2);
  CHECK(m.actuator_ctrllimited[4] == 1);
  // cylinder: filter, area from the diameter
  CHECK(m.actuator_dyntype[5] == sinew::DYN_FILTER);
  CHECK(m.actuator_gainprm[50] == doctest::Approx(M_PI));
  // inheritrange: ctrlrange = mean +- radius * inheritrange of the joint range (compiled to
  // radians: the default angle unit is degrees), limited
  const double deg = M_PI / 180;
  CHECK(m.actuator_ctrllimited[6] == 1);
  CHECK(m.actuator_ctrlrange[12] == doctest::Approx((-0.25 - 0.375) * deg));
  CHECK(m.actuator_ctrlrange[13] == doctest::Approx((-0.25 + 0.375) * deg));
  // moment sparsity: one dof per hinge
  CHECK(m.nJmom == 7);
  CHECK(m.moment_colind[1] == 1);
}

TEST_CASE("muscle shortcut defaults and one actuator default per class") {
  Model<double> m = load(
      "<muscle joint=\"j\" lengthrange=\"0 1\"/>"
      "<muscle class=\"c\" joint=\"k\" lengthrange=\"0 1\" force=\"7\"/>"
      "<motor class=\"c\" joint=\"k\"/>",
      "<default><default class=\"c\"><muscle timeconst=\"0.02 0.06\" scale=\"100\"/>"
      "<general ctrlrange=\"0 2\"/></default></default>");
  // <muscle> defaults: timeconst (0.01, 0.04), range (0.75, 1.05), force -1, scale 200, lmin 0.5,
  // lmax 1.6, vmax 1.5, fpmax 1.3, fvmax 1.2; biasprm = gainprm
  const double g[9] = {0.75, 1.05, -1, 200, 0.5, 1.6, 1.5, 1.3, 1.2};
  for (int k = 0; k < 9; ++k) {
    CHECK(m.actuator_gainprm[size_t(k)] == g[k]);
    CHECK(m.actuator_biasprm[size_t(k)] == g[k]);
  }
  CHECK(m.actuator_dynprm[0] == 0.01);
  CHECK(m.actuator_dynprm[1] == 0.04);
  CHECK(m.actuator_ctrllimited[0] == 0);  // a muscle's ctrl is not limited unless a range is given
  // class c: the muscle default's timeconst and scale, the general default's ctrlrange
  CHECK(m.actuator_dynprm[10] == 0.02);
  CHECK(m.actuator_dynprm[11] == 0.06);
  CHECK(m.actuator_gainprm[13] == 100);
  CHECK(m.actuator_gainprm[12] == 7);
  CHECK(m.actuator_ctrllimited[1] == 1);
  CHECK(m.actuator_ctrlrange[3] == 2);
  // a motor in class c starts from the same default actuator: the muscle's dynprm stays, but
  // the motor shortcut resets the types and gain
  CHECK(m.actuator_dyntype[2] == sinew::DYN_NONE);
  CHECK(m.actuator_gaintype[2] == sinew::GAIN_FIXED);
  CHECK(m.actuator_biastype[2] == sinew::BIAS_NONE);
  CHECK(m.actuator_gainprm[20] == 1);
  CHECK(m.actuator_dynprm[20] == 0.02);
  // acc0 = ||M^-1 moment||, lengths at qpos0
  CHECK(m.actuator_acc0[0] > 0);
  CHECK(m.actuator_length0[0] == 0);
}

TEST_CASE("filterexact actuator: actuation and the exact activation update") {
  Model<double> m = load("<general joint=\"k\" dyntype=\"filterexact\" dynprm=\"0.05\" ctrlrange=\"-1 1\"/>");
  auto data = sinew::Data<double>(m.sizes(), 1);
  auto v = m.view();
  auto dv = data.view();
  sinew::reset(sinew::exec::serial, v, dv);
  data.set("ctrl", 0, {3.0});  // clamped to 1
  sinew::forward(sinew::exec::serial, v, dv);
  CHECK(data.get("act_dot", 0)[0] == doctest::Approx(1.0 / 0.05));
  CHECK(data.get("actuator_force", 0)[0] == 0.0);  // force = gain * act, act = 0
  sinew::integrate(sinew::exec::serial, v, dv);
  const double h = m.opt.timestep;
  CHECK(data.get("act", 0)[0] == doctest::Approx(1 - std::exp(-h / 0.05)).epsilon(1e-14));
}

TEST_CASE("lengthrange by simulation pushes a muscle on a limited joint into its soft limits") {
  // mj_setLengthRange with the joint limit active: the length (the joint angle, gear 1) settles
  // just past each end of the range (-1 and 0.5 degrees), where the limit's soft constraint
  // balances the push; MuJoCo 3.4.0 gives (-0.01792197, 0.00919533) (tests/python compare
  // these fields on many models)
  Model<double> m = load("<muscle joint=\"j\"/>");
  CHECK(m.actuator_lengthrange[0] == doctest::Approx(-0.01792197).epsilon(1e-6));
  CHECK(m.actuator_lengthrange[1] == doctest::Approx(0.00919533).epsilon(1e-6));
  CHECK(m.actuator_lengthrange[0] < m.jnt_range[0]);
  CHECK(m.actuator_lengthrange[1] > m.jnt_range[1]);
}

TEST_CASE("actuator errors name file and line") {
  CHECK_THROWS_WITH_AS(load("<general site=\"s\"/>"), doctest::Contains("transmission 'site' is not supported yet"),
                       sinew::ModelError);
  CHECK_THROWS_WITH_AS(load("<muscle joint=\"k\" lengthrange=\"0 1\" lmin=\"1.2\"/>"),
                       doctest::Contains("lmin<1<lmax required in muscle"), sinew::ModelError);
  CHECK_THROWS_WITH_AS(sinew::load_mjcf_string("<mujoco><compiler autolimits=\"false\"/><worldbody><body>"
                                               "<joint name=\"k\"/><geom size=\".1\"/></body></worldbody><actuator>"
                                               "<motor joint=\"k\" ctrlrange=\"0 1\"/></actuator></mujoco>"),
                       doctest::Contains("actuator has `ctrlrange` but not `ctrllimited`"), sinew::ModelError);
  CHECK_THROWS_WITH_AS(load("<position joint=\"k\" kv=\"1\" dampratio=\"1\"/>"),
                       doctest::Contains("kv and dampratio cannot both be defined"), sinew::ModelError);
}
