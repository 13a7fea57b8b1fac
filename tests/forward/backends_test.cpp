// Batched stepping: backends, layouts and precisions run the same functors, and worlds stay
// independent.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "sinew/compiler/compiler.hpp"
#include "sinew/sinew.hpp"

using namespace sinew;

namespace {
const char* kTree = R"(
<mujoco model="tree">
  <option timestep="0.002"/>
  <worldbody>
    <body name="torso" pos="0 0 1">
      <freejoint/>
      <geom type="capsule" size="0.1 0.2" density="900"/>
      <body name="arm" pos="0.2 0 0.1">
        <joint name="shoulder" type="ball" damping="0.3" stiffness="2"/>
        <geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.04"/>
        <body name="forearm" pos="0.3 0 0">
          <joint name="elbow" type="hinge" axis="0 1 0" damping="0.1" armature="0.01"/>
          <geom type="box" size="0.12 0.03 0.03" pos="0.12 0 0"/>
        </body>
      </body>
      <body name="leg" pos="0 0 -0.3">
        <joint name="hip" type="hinge" axis="1 0 0" stiffness="3" springref="10"/>
        <joint name="slide" type="slide" axis="0 0 1" damping="1"/>
        <geom type="ellipsoid" size="0.05 0.06 0.2" pos="0 0 -0.2"/>
      </body>
    </body>
  </worldbody>
</mujoco>)";

template <class T, class L, class E> std::vector<T> run(E e, const Model<double>& md, int nworld, int nstep) {
  const Model<T> m = md.cast<T>();
  Data<T, L> d(m, nworld);
  reset(e, m.view(), d.view());
  std::vector<T> qvel(size_t(nworld) * m.nv);
  for (size_t k = 0; k < qvel.size(); ++k) qvel[k] = T(std::sin(0.37 * double(k)));
  d.set_all("qvel", qvel);
  for (int s = 0; s < nstep; ++s) step(e, m.view(), d.view());
  std::vector<T> out = d.get_all("qpos");
  std::vector<T> v = d.get_all("qvel");
  out.insert(out.end(), v.begin(), v.end());
  return out;
}
}  // namespace

TEST_CASE("serial and OpenMP agree bit for bit, in both layouts") {
  Model<double> m = load_mjcf_string(kTree);
  for (int integrator : {INT_EULER, INT_RK4}) {
    m.opt.integrator = integrator;
    const auto a = run<double, WorldOuter>(exec::serial, m, 37, 50);
    const auto b = run<double, WorldOuter>(exec::omp, m, 37, 50);
    const auto c = run<double, WorldInner>(exec::omp, m, 37, 50);
    REQUIRE(a.size() == b.size());
    CHECK(a == b);
    CHECK(a == c);
  }
}

TEST_CASE("sensors, fluid forces and contacts read the same in both layouts") {
  // per-world views of Data fields must index through the layout (a raw pointer into a
  // WorldInner span would read other worlds' values)
  std::string xml = kTree;
  xml.replace(xml.find("<option timestep=\"0.002\"/>"), 27,
              "<option timestep=\"0.002\" density=\"1.2\" viscosity=\"1e-5\" wind=\"0.3 0 0\"/>");
  xml.replace(xml.find("<worldbody>"), 11, "<worldbody><geom type=\"plane\" size=\"5 5 .1\" pos=\"0 0 0.5\"/>");
  xml.replace(xml.find("</worldbody>"), 12,
              "</worldbody><sensor><velocimeter site=\"s\"/><gyro site=\"s\"/><accelerometer site=\"s\"/>"
              "<force site=\"s\"/><torque site=\"s\"/><framelinvel objtype=\"body\" objname=\"arm\"/>"
              "<subtreelinvel body=\"torso\"/><subtreeangmom body=\"torso\"/><rangefinder site=\"s\"/></sensor>");
  xml.replace(xml.find("<geom type=\"box\""), 0, "<site name=\"s\" pos=\"0.2 0 0\" euler=\"3 0.2 0\"/>");
  const Model<double> m = load_mjcf_string(xml);
  REQUIRE(m.nsensor == 9);
  const auto sensors = [&](auto layout) {
    using L = decltype(layout);
    Data<double, L> d(m, 5);
    reset(exec::serial, m.view(), d.view());
    std::vector<double> qvel(size_t(5) * m.nv);
    for (size_t k = 0; k < qvel.size(); ++k) qvel[k] = std::sin(0.37 * double(k));
    d.set_all("qvel", qvel);
    for (int s = 0; s < 200; ++s) step(exec::serial, m.view(), d.view());
    std::vector<double> out = d.get_all("sensordata");
    for (const char* f : {"qfrc_fluid", "cfrc_ext"}) {
      const std::vector<double> v = d.get_all(f);
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  };
  const std::vector<double> a = sensors(WorldOuter{}), b = sensors(WorldInner{});
  CHECK(a == b);
  // the floor contacts reached cfrc_ext (its 6 x nbody x 5 values end the vector)
  double ext = 0;
  for (size_t k = a.size() - size_t(30 * m.nbody); k < a.size(); ++k) ext = std::max(ext, std::fabs(a[k]));
  CHECK(ext > 1.0);
  for (double x : a) CHECK(std::isfinite(x));
}

TEST_CASE("float follows double over a short horizon") {
  Model<double> m = load_mjcf_string(kTree);
  const auto a = run<double, WorldOuter>(exec::serial, m, 4, 100);
  const auto b = run<float, WorldOuter>(exec::serial, m, 4, 100);
  double err = 0, scale = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    err = std::max(err, std::fabs(a[k] - double(b[k])));
    scale = std::max(scale, std::fabs(a[k]));
  }
  // float32 rounding (6e-8) accumulated over 100 steps of a free-floating tree: bound 1e-4 of
  // the state's scale; measured about 1e-6.
  CHECK(err < 1e-4 * scale);
}

TEST_CASE("a non-finite world is flagged and the others carry on bit-identically") {
  Model<double> m = load_mjcf_string(kTree);
  const ModelView<double> mv = m.view();
  Data<double> ref(m, 3), d(m, 3);
  reset(exec::serial, mv, ref.view());
  reset(exec::serial, mv, d.view());
  std::vector<double> q = d.get("qvel", 1);
  q[6] = std::numeric_limits<double>::quiet_NaN();
  d.set("qvel", 1, q);
  for (int s = 0; s < 20; ++s) {
    step(exec::omp, mv, ref.view());
    step(exec::omp, mv, d.view());
  }
  const auto st = d.status();
  CHECK(st[0] == STATUS_OK);
  CHECK((st[1] & STATUS_NONFINITE) != 0);
  CHECK(st[2] == STATUS_OK);
  CHECK(d.get("qpos", 0) == ref.get("qpos", 0));
  CHECK(d.get("qpos", 2) == ref.get("qpos", 2));
  // resetting that world alone clears it; it then follows the reference from the start
  std::vector<unsigned char> mask = {0, 1, 0};
  reset(exec::serial, mv, d.view(), -1, mask.data());
  CHECK(d.status()[1] == STATUS_OK);
  CHECK(d.get("qpos", 1) == std::vector<double>(m.qpos0.begin(), m.qpos0.end()));
  CHECK(d.get("qpos", 0) == ref.get("qpos", 0));
}

TEST_CASE("the mass matrix factorization solves M x = b") {
  Model<double> m = load_mjcf_string(kTree);
  const ModelView<double> mv = m.view();
  Data<double> d(m, 1);
  reset(exec::serial, mv, d.view());
  std::vector<double> q = d.get("qpos", 0);
  for (int k = 7; k < m.nq; ++k) q[size_t(k)] += 0.3 * std::cos(double(k));
  d.set("qpos", 0, q);
  forward(exec::serial, mv, d.view());
  const WorldData<double, WorldOuter> w = d.view().world(0);
  std::vector<double> b(size_t(m.nv)), x(size_t(m.nv));
  for (int i = 0; i < m.nv; ++i) b[size_t(i)] = x[size_t(i)] = std::sin(1.0 + i);
  Span<double, WorldOuter> xs{x.data()};
  solve_m(mv, w.qLD, w.qLDiagInv, xs);
  for (int r = 0; r < m.nv; ++r) {
    double s = 0;
    for (int c = 0; c < m.nv; ++c) s += mass_entry(mv, w.qM, r, c) * x[size_t(c)];
    CHECK(s == doctest::Approx(b[size_t(r)]).epsilon(1e-12));
  }
}

TEST_CASE("bias forces match the time derivative of momentum (finite differences)") {
  // Without gravity and passive forces, M(q) qacc + qfrc_bias = 0 along a free motion. Check the
  // RNE bias against d/dt (M qvel) - 0.5 qvel^T dM/dq qvel through energy: for a conservative
  // system the kinetic energy is constant, so RK4 energy drift over a short run must be tiny.
  Model<double> m = load_mjcf_string(kTree);
  m.opt.disableflags |= DSBL_GRAVITY | DSBL_SPRING | DSBL_DAMPER;
  m.opt.integrator = INT_RK4;
  m.opt.timestep = 1e-4;
  const ModelView<double> mv = m.view();
  Data<double> d(m, 1);
  reset(exec::serial, mv, d.view());
  std::vector<double> v(size_t(m.nv));
  for (int i = 0; i < m.nv; ++i) v[size_t(i)] = 0.5 * std::cos(0.7 * i);
  d.set("qvel", 0, v);
  auto energy = [&]() {
    forward(exec::serial, mv, d.view());
    const auto w = d.view().world(0);
    double e = 0;
    for (int r = 0; r < m.nv; ++r)
      for (int c = 0; c < m.nv; ++c) e += w.qvel[r] * mass_entry(mv, w.qM, r, c) * w.qvel[c];
    return 0.5 * e;
  };
  const double e0 = energy();
  for (int s = 0; s < 2000; ++s) step(exec::serial, mv, d.view());
  const double e1 = energy();
  CHECK(e0 > 0.01);
  CHECK(std::fabs(e1 - e0) < 1e-8 * e0);
}
