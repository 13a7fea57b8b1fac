// MuJoCo's muscle (muscle/mujoco_muscle.hpp): exact values against MuJoCo 3.4.0's mju_muscleGain,
// mju_muscleBias and mju_muscleDynamics (reference numbers printed by the mujoco 3.4.0 Python
// bindings), the curves' shape, the velocity derivative against central finite differences, and
// activation clamping in next_activation.
#include <doctest/doctest.h>

#include <cmath>

#include "sinew/actuator/actuation.hpp"
#include "sinew/muscle/mujoco_muscle.hpp"

namespace {
// MuJoCo's <muscle> defaults, force < 0 (F0 = scale / acc0)
const double kPrm[10] = {0.75, 1.05, -1, 200, 0.5, 1.6, 1.5, 1.3, 1.2, 0};
const double kLR[2] = {0.1, 0.3};
const double kAcc0 = 2.5;
}  // namespace

TEST_CASE("muscle gain and bias match MuJoCo 3.4.0 bit for bit") {
  // len, vel, mju_muscleGain, mju_muscleBias
  const double ref[][4] = {{0.05, 0.0, -19.599999999999984, 0.0},
                           {0.12, -0.05, -44.24416, 0.0},
                           {0.2, 0.01, -75.03520000000002, 0.0},
                           {0.28, 0.3, -95.78666666666666, -0.2311111111111115},
                           {0.33, -0.5, -18.997222222222213, -5.214444444444464},
                           {0.4, 0.02, -64.58666666666664, -23.111111111111146}};
  for (const auto& r : ref) {
    CHECK(sinew::muscle_gain(r[0], r[1], kLR, kAcc0, kPrm) == r[2]);
    CHECK(sinew::muscle_bias(r[0], kLR, kAcc0, kPrm) == r[3]);
  }
}

TEST_CASE("muscle activation dynamics match MuJoCo 3.4.0, hard and smooth switching") {
  // ctrl, act, tausmooth, mju_muscleDynamics
  const double ref[][4] = {{0.8, 0.2, 0.0, 75.00000000000001},
                           {0.1, 0.7, 0.0, -23.249999999999996},
                           {1.5, -0.1, 0.0, 220.0},
                           {0.5, 0.45, 0.3, 3.043457405986184},
                           {0.2, 0.5, 0.3, -9.375},
                           {0.9, 1.3, 0.2, -20.0}};
  for (const auto& r : ref) {
    const double dyn[3] = {0.01, 0.04, r[2]};
    CHECK(sinew::muscle_dynamics(r[0], r[1], dyn) == r[3]);
  }
}

TEST_CASE("force-length, force-velocity and passive curves") {
  using sinew::muscle_gain_length;
  CHECK(muscle_gain_length(1.0, 0.5, 1.6) == 1.0);
  CHECK(muscle_gain_length(0.5, 0.5, 1.6) == 0.0);
  CHECK(muscle_gain_length(1.6, 0.5, 1.6) == 0.0);
  CHECK(muscle_gain_length(0.4, 0.5, 1.6) == 0.0);
  CHECK(muscle_gain_length(0.75, 0.5, 1.6) == doctest::Approx(0.5).epsilon(1e-15));  // a = (lmin+1)/2
  CHECK(muscle_gain_length(1.3, 0.5, 1.6) == doctest::Approx(0.5).epsilon(1e-15));   // b = (1+lmax)/2
  CHECK(sinew::muscle_force_velocity(-1.0, 1.2) == 0.0);
  CHECK(sinew::muscle_force_velocity(0.0, 1.2) == 1.0);
  CHECK(sinew::muscle_force_velocity(0.2, 1.2) == doctest::Approx(1.2));
  CHECK(sinew::muscle_force_velocity(5.0, 1.2) == 1.2);
  CHECK(sinew::muscle_passive_length(1.0, 1.6) == 0.0);
  CHECK(sinew::muscle_passive_length(1.3, 1.6) == doctest::Approx(0.5));
  CHECK(sinew::muscle_passive_length(1.6, 1.6) == doctest::Approx(1.5));
  // force >= 0 is the peak force itself, force = 0 really gives 0 N
  double prm[10];
  for (int k = 0; k < 10; ++k) prm[k] = kPrm[k];
  prm[2] = 0;
  CHECK(sinew::muscle_gain(0.2, 0.0, kLR, kAcc0, prm) == 0.0);
  prm[2] = 10;
  const double len1 = 0.1 + 0.25 * (0.2 / 0.3);  // L = range0 + (len - LR0) / L0 = 1
  CHECK(sinew::muscle_gain(len1, 0.0, kLR, kAcc0, prm) == doctest::Approx(-10.0));
  CHECK(sinew::muscle_gain(len1, 0.0, kLR, kAcc0, kPrm) == doctest::Approx(-200.0 / 2.5));
}

TEST_CASE("smooth switching sigmoid") {
  CHECK(sinew::muscle_sigmoid(-0.1) == 0.0);
  CHECK(sinew::muscle_sigmoid(1.1) == 1.0);
  CHECK(sinew::muscle_sigmoid(0.5) == 0.5);
  const double x = 0.3;
  CHECK(sinew::muscle_sigmoid(x) == doctest::Approx(6 * std::pow(x, 5) - 15 * std::pow(x, 4) + 10 * x * x * x));
}

TEST_CASE("d gain / d velocity against central finite differences") {
  for (double len : {0.12, 0.2, 0.26, 0.33})
    for (double vel : {-0.6, -0.2, -0.01, 0.01, 0.05, 0.09}) {
      const double h = 1e-7;
      const double fd =
          (sinew::muscle_gain(len, vel + h, kLR, kAcc0, kPrm) - sinew::muscle_gain(len, vel - h, kLR, kAcc0, kPrm)) /
          (2 * h);
      const double an = sinew::muscle_gain_vel(len, vel, kLR, kAcc0, kPrm);
      CHECK(an == doctest::Approx(fd).epsilon(1e-6).scale(1.0));
    }
  // saturated regions: V <= -1 and V >= fvmax - 1 have zero slope
  CHECK(sinew::muscle_gain_vel(0.2, -1.0, kLR, kAcc0, kPrm) == 0.0);
  CHECK(sinew::muscle_gain_vel(0.2, 10.0, kLR, kAcc0, kPrm) == 0.0);
}

TEST_CASE("float muscle curves stay within single-precision rounding of double") {
  const float prm[10] = {0.75f, 1.05f, -1, 200, 0.5f, 1.6f, 1.5f, 1.3f, 1.2f, 0};
  const float lr[2] = {0.1f, 0.3f};
  for (double len : {0.12, 0.2, 0.28, 0.33}) {
    const double g = sinew::muscle_gain(len, 0.02, kLR, kAcc0, kPrm);
    const float gf = sinew::muscle_gain(float(len), 0.02f, lr, 2.5f, prm);
    CHECK(double(gf) == doctest::Approx(g).epsilon(1e-5).scale(1.0));
  }
}

TEST_CASE("next_activation: filterexact's exact update and actrange clamping") {
  int dyntype[1] = {sinew::DYN_FILTEREXACT}, actlimited[1] = {1};
  double dynprm[10] = {0.1}, actrange[2] = {-0.5, 0.5};
  sinew::ModelView<double> m{};
  m.opt.timestep = 0.01;
  m.actuator_dyntype = dyntype;
  m.actuator_actlimited = actlimited;
  m.actuator_dynprm = dynprm;
  m.actuator_actrange = actrange;
  // act(h) = act + act_dot tau (1 - exp(-h/tau)): the filter's exact solution for constant ctrl
  const double act = 0.1, ctrl = 0.3, act_dot = (ctrl - act) / 0.1;
  CHECK(sinew::next_activation(m, 0, act, act_dot) == doctest::Approx(ctrl + (act - ctrl) * std::exp(-0.1)));
  CHECK(sinew::next_activation(m, 0, 0.4, 50.0) == 0.5);
  CHECK(sinew::next_activation(m, 0, -0.4, -50.0) == -0.5);
  dyntype[0] = sinew::DYN_MUSCLE;
  actlimited[0] = 0;
  CHECK(sinew::next_activation(m, 0, 0.4, 50.0) == doctest::Approx(0.4 + 0.5));  // Euler, unclamped
}
