// Tendon Jacobians against finite differences of tendon lengths, float against double, and the
// compiler's validation of tendon paths.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "sinew/integrate/integrate_pos.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/kinematics/com_pos.hpp"
#include "sinew/kinematics/kinematics.hpp"
#include "sinew/tendon/tendon.hpp"

using namespace sinew;

namespace {
// every path feature: sphere and cylinder wraps with and without sidesites, an inside sidesite,
// pulleys, a fixed tendon; ball, hinge, slide and free joints
const char* kWraps = R"(
<mujoco model="wraps">
  <compiler angle="radian"/>
  <worldbody>
    <site name="anchor" pos="0 0 0.5"/>
    <site name="anchor2" pos="0.05 0.1 0.45"/>
    <body name="upper">
      <joint name="shoulder" type="ball"/>
      <geom type="capsule" fromto="0 0 0 0 0 -0.3" size="0.03"/>
      <geom name="ball_wrap" type="sphere" pos="0 0 0.02" size="0.05"/>
      <site name="side_out" pos="0.1 0 0.02"/>
      <site name="side_in" pos="0.01 0.01 0.0"/>
      <site name="u1" pos="0.04 0 -0.1"/>
      <site name="u2" pos="-0.04 0 -0.12"/>
      <site name="u3" pos="0.0 0.04 -0.2"/>
      <body name="lower" pos="0 0 -0.3">
        <joint name="elbow" type="hinge" axis="0 1 0" range="-2.5 0.2"/>
        <geom type="capsule" fromto="0 0 0 0.25 0 0" size="0.025"/>
        <geom name="cyl_wrap" type="cylinder" euler="1.5708 0 0" size="0.04 0.05"/>
        <site name="side_cyl" pos="-0.1 0 0"/>
        <site name="l1" pos="0.08 0 0.02"/>
        <site name="l2" pos="0.15 0.01 -0.02"/>
        <body name="hand" pos="0.25 0 0">
          <joint name="wrist" type="hinge" axis="0 0 1" range="-1 1"/>
          <joint name="slide" type="slide" axis="1 0 0" range="-0.02 0.02"/>
          <geom type="box" size="0.04 0.02 0.01" pos="0.04 0 0"/>
          <site name="h1" pos="0.06 0.01 0"/>
        </body>
      </body>
    </body>
    <body name="free" pos="0.4 0 0.2">
      <freejoint/>
      <geom type="sphere" size="0.04"/>
      <site name="f1" pos="0.03 0 0"/>
    </body>
  </worldbody>
  <tendon>
    <spatial><site site="anchor"/><site site="u1"/><site site="l1"/></spatial>
    <spatial><site site="anchor2"/><geom geom="ball_wrap" sidesite="side_out"/><site site="u2"/></spatial>
    <spatial><site site="anchor"/><geom geom="ball_wrap"/><site site="u3"/></spatial>
    <spatial><site site="anchor"/><geom geom="ball_wrap" sidesite="side_in"/><site site="u1"/></spatial>
    <spatial><site site="u2"/><geom geom="cyl_wrap" sidesite="side_cyl"/><site site="l2"/><site site="h1"/></spatial>
    <spatial><site site="u3"/><geom geom="cyl_wrap"/><site site="l1"/></spatial>
    <spatial>
      <site site="anchor"/><site site="u1"/><pulley divisor="2"/><site site="u2"/><site site="l2"/>
      <pulley divisor="3"/><site site="u3"/><site site="h1"/>
    </spatial>
    <spatial><site site="h1"/><site site="f1"/></spatial>
    <fixed><joint joint="elbow" coef="1"/><joint joint="wrist" coef="-0.5"/><joint joint="slide" coef="2"/></fixed>
  </tendon>
</mujoco>
)";

template <class T> struct World {
  Data<T> data;
  WorldData<T, WorldOuter> d;
  explicit World(const Model<T>& m) : data(m.sizes(), 1), d(data.view().world(0)) {}
};

template <class T> void lengths(const Model<T>& m, World<T>& w, const std::vector<double>& q) {
  const ModelView<T> v = m.view();
  for (int k = 0; k < m.nq; ++k) w.d.qpos[k] = T(q[size_t(k)]);
  kinematics(v, w.d);
  com_pos(v, w.d);
  tendon_world(v, w.d);
}

std::vector<double> random_qpos(const Model<double>& m, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::normal_distribution<double> g;
  std::vector<double> q = m.qpos0;
  for (int j = 0; j < m.njnt; ++j) {
    const int a = m.jnt_qposadr[size_t(j)], t = m.jnt_type[size_t(j)];
    if (t == JNT_FREE || t == JNT_BALL) {
      if (t == JNT_FREE) {
        for (int k = 0; k < 3; ++k) q[size_t(a + k)] += 0.3 * u(rng);
      }
      const int qa = t == JNT_FREE ? a + 3 : a;
      double n = 0;
      for (int k = 0; k < 4; ++k) {
        q[size_t(qa + k)] = g(rng);
        n += q[size_t(qa + k)] * q[size_t(qa + k)];
      }
      for (int k = 0; k < 4; ++k) q[size_t(qa + k)] /= std::sqrt(n);
    } else if (m.jnt_limited[size_t(j)]) {
      const double lo = m.jnt_range[size_t(2 * j)], hi = m.jnt_range[size_t(2 * j + 1)];
      q[size_t(a)] = lo + (hi - lo) * 0.5 * (u(rng) + 1);
    } else {
      q[size_t(a)] += u(rng);
    }
  }
  return q;
}

std::vector<double> dense_row(const Model<double>& m, const WorldData<double, WorldOuter>& d, int t) {
  std::vector<double> r(size_t(m.nv), 0.0);
  for (int k = m.ten_J_rowadr[size_t(t)]; k < m.ten_J_rowadr[size_t(t)] + m.ten_J_rownnz[size_t(t)]; ++k)
    r[size_t(m.ten_J_colind[size_t(k)])] = d.ten_J[k];
  return r;
}
}  // namespace

TEST_CASE("tendon: ten_J is the derivative of ten_length (central differences, random directions)") {
  const Model<double> m = load_mjcf_string(kWraps);
  REQUIRE(m.ntendon == 9);
  World<double> w(m), wp(m), wm(m);
  const ModelView<double> v = m.view();
  std::mt19937 rng(7);
  std::normal_distribution<double> g;
  const double eps = 1e-6;
  for (int s = 0; s < 200; ++s) {
    const std::vector<double> q = random_qpos(m, rng);
    std::vector<double> dir(size_t(m.nv));
    for (auto& x : dir) x = g(rng);
    std::vector<double> qp = q, qm = q;
    integrate_pos(v, qp.data(), dir.data(), eps);
    integrate_pos(v, qm.data(), dir.data(), -eps);
    lengths(m, w, q);
    lengths(m, wp, qp);
    lengths(m, wm, qm);
    for (int t = 0; t < m.ntendon; ++t) {
      const std::vector<double> J = dense_row(m, w.d, t);
      double jv = 0;
      for (int k = 0; k < m.nv; ++k) jv += J[size_t(k)] * dir[size_t(k)];
      const double fd = (wp.d.ten_length[t] - wm.d.ten_length[t]) / (2 * eps);
      // the inside wrap's Newton stops at |f| <= 1e-6 (MuJoCo's tolerance): its tangent point
      // is stationary only to that level, so its difference quotient is noisier
      const double tol = t == 3 ? 1e-5 : 1e-7;
      INFO("state " << s << " tendon " << t);
      CHECK(std::fabs(fd - jv) <= tol * std::max(1.0, std::fabs(jv)));
    }
  }
}

TEST_CASE("tendon: float agrees with double") {
  const Model<double> md = load_mjcf_string(kWraps);
  const Model<float> mf = md.cast<float>();
  World<double> wd(md);
  World<float> wf(mf);
  std::mt19937 rng(11);
  double el = 0, ej = 0, el_inside = 0;
  for (int s = 0; s < 200; ++s) {
    const std::vector<double> q = random_qpos(md, rng);
    lengths(md, wd, q);
    lengths(mf, wf, q);
    for (int t = 0; t < md.ntendon; ++t) {
      const double e = std::fabs(double(wf.d.ten_length[t]) - wd.d.ten_length[t]);
      if (t == 3) el_inside = std::max(el_inside, e);
      else el = std::max(el, e);
    }
    for (int k = 0; k < md.nJten; ++k) {
      CHECK(std::isfinite(wf.d.ten_J[k]));
      ej = std::max(ej, std::fabs(double(wf.d.ten_J[k]) - wd.d.ten_J[k]));
    }
  }
  MESSAGE("float vs double: ten_length " << el << " (inside wrap " << el_inside << "), ten_J " << ej);
  // float32 roundoff through a 3-level tree and the wrap geometry (lengths ~0.5 m). The arc
  // angle is MuJoCo's acos of a dot product of unit vectors, whose float rounding near +-1 is
  // amplified to ~sqrt(2 eps) = 5e-4 rad: times a 4 cm radius, up to ~1e-5 m for short arcs
  // (measured 5.9e-6 m on the sidesite cylinder wrap, 0.6 m tendon)
  CHECK(el < 1.5e-5);
  CHECK(el_inside < 2e-5);
  CHECK(ej < 2e-5);
}

TEST_CASE("tendon: velocity is ten_J qvel") {
  const Model<double> m = load_mjcf_string(kWraps);
  World<double> w(m);
  std::mt19937 rng(3);
  std::normal_distribution<double> g;
  lengths(m, w, random_qpos(m, rng));
  for (int k = 0; k < m.nv; ++k) w.d.qvel[k] = g(rng);
  tendon_velocity_world(m.view(), w.d);
  for (int t = 0; t < m.ntendon; ++t) {
    const std::vector<double> J = dense_row(m, w.d, t);
    double v = 0;
    for (int k = 0; k < m.nv; ++k) v += J[size_t(k)] * w.d.qvel[k];
    CHECK(std::fabs(v - w.d.ten_velocity[t]) < 1e-14);
  }
}

TEST_CASE("tendon: compiler validation names the tendon's line") {
  auto load = [](const std::string& tendon) {
    const std::string xml = std::string(R"(<mujoco><worldbody><site name="s0"/><site name="s2" pos="0 1 0"/>
      <body><joint name="j"/><geom name="g" type="sphere" size=".1"/><geom name="b" type="box" size=".1 .1 .1"/>
      <site name="s1" pos="1 0 0"/></body></worldbody>
      <tendon>
)") + tendon + "\n</tendon></mujoco>";
    return load_mjcf_string(xml);
  };
  auto fails_with = [&](const std::string& tendon, const std::string& what) {
    try {
      load(tendon);
      FAIL("no error for " << tendon);
    } catch (const ModelError& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK(msg.find(what) != std::string::npos);
      CHECK(msg.find(":5") != std::string::npos);  // the tendon element's line
    }
  };
  fails_with(R"(<spatial><site site="s0"/><geom geom="b"/><site site="s1"/></spatial>)", "is not sphere or cylinder");
  fails_with(R"(<spatial><geom geom="g"/><site site="s1"/></spatial>)", "not bracketed by sites");
  fails_with(R"(<spatial><site site="s0"/></spatial>)", "at least two objects");
  fails_with(R"(<spatial><site site="zz"/><site site="s1"/></spatial>)", "site 'zz' not found");
  fails_with(R"(<spatial><site site="s0"/><geom geom="g" sidesite="q"/><site site="s1"/></spatial>)",
             "side site 'q' not found");
  fails_with(R"(<spatial><site site="s1"/><site site="s1"/></spatial>)", "is repeated");
  fails_with(R"(<spatial><site site="s0"/><site site="s1"/><pulley divisor="2"/></spatial>)", "ends with pulley");
  fails_with(
      R"(<spatial><site site="s0"/><site site="s1"/><pulley divisor="0"/><site site="s0"/><site site="s2"/></spatial>)",
      "zero divisor");
  fails_with(R"(<spatial armature="1"><site site="s0"/><geom geom="g"/><site site="s1"/></spatial>)",
             "geom wrapping not supported by tendon armature");
  fails_with(R"(<spatial springlength="1 0"><site site="s0"/><site site="s1"/></spatial>)", "invalid springlength");
  fails_with(R"(<spatial limited="true"><site site="s0"/><site site="s1"/></spatial>)", "invalid limits");
  fails_with(R"(<fixed><joint joint="nope" coef="1"/></fixed>)", "joint 'nope' not found");
  fails_with(R"(<fixed><joint joint="j"/></fixed>)", "requires attribute 'coef'");

  // accepted: springlength with one value is a pair; limited auto from the range
  const Model<double> m =
      load(R"(<spatial range="0 2" springlength="0.7" stiffness="1"><site site="s0"/><site site="s1"/></spatial>)");
  CHECK(m.tendon_limited[0] == 1);
  CHECK(m.tendon_lengthspring[0] == 0.7);
  CHECK(m.tendon_lengthspring[1] == 0.7);
  CHECK(m.tendon_length0[0] == doctest::Approx(1.0));
}
