// The extension contract of docs/design.md, tested: the staged pipeline (one launch per stage) is
// exactly what `step` runs, bit for bit, for Euler, implicitfast, RK4 and implicit; `step_with` runs a user
// stage in every forward pass of a step (RK4's inner evaluations included) and equals `step`
// when the stage does what a preset input would; SINEW_WORLD_STAGE works outside namespace sinew.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "sinew/compiler/compiler.hpp"
#include "sinew/sinew.hpp"

namespace user {  // a user's namespace: the macro must name Sinew's types itself
template <class T, class L> SINEW_HD void damp_ctrl(const sinew::ModelView<T>& m, const sinew::WorldData<T, L>& d) {
  for (int u = 0; u < m.size.nu; ++u) d.ctrl[u] *= T(0.5);
}
SINEW_WORLD_STAGE(DampCtrl, damp_ctrl)
}  // namespace user

namespace {
using namespace sinew;
const std::string kRoot = SINEW_SOURCE_DIR;

const char* integrators[] = {"Euler", "implicitfast", "RK4", "implicit"};

/// All of a Data's real and integer memory as bytes (for bit-for-bit comparison).
template <class T> std::vector<char> bytes_of(const Data<T>& d) {
  std::vector<T> rb;
  std::vector<int> ib;
  const auto v = d.host_view(rb, ib);
  const char* r = reinterpret_cast<const char*>(v.real);
  const char* i = reinterpret_cast<const char*>(v.ints);
  std::vector<char> b(r, r + d.info().nreal * size_t(d.nworld()) * sizeof(T));
  b.insert(b.end(), i, i + d.info().nint * size_t(d.nworld()) * sizeof(int));
  return b;
}

struct Case {
  Model<double> m;
  Data<double> a, b;
};
Case make(const std::string& file, const char* integrator, int nworld) {
  std::vector<Diagnostic> warnings;
  Case c{load_mjcf(kRoot + "/models/" + file, &warnings), {}, {}};
  apply_option(c.m, "integrator", integrator);
  c.a = Data<double>(c.m, nworld);
  c.b = Data<double>(c.m, nworld);
  for (Data<double>* d : {&c.a, &c.b}) {
    reset(exec::serial, c.m.view(), d->view());
    std::vector<double> qv(size_t(nworld) * size_t(c.m.nv)), u(size_t(nworld) * size_t(c.m.nu));
    for (size_t k = 0; k < qv.size(); ++k) qv[k] = 0.3 * std::sin(0.7 * double(k));
    for (size_t k = 0; k < u.size(); ++k) u[k] = 0.5 + 0.4 * std::sin(1.3 * double(k));
    d->set_all("qvel", qv);
    if (!u.empty()) d->set_all("ctrl", u);
  }
  return c;
}
}  // namespace

TEST_CASE("the staged pipeline of docs/design.md is exactly step, for every integrator") {
  for (const char* file : {"arm.xml", "skeleton.xml"})
    for (const char* integ : integrators) {
      INFO(file << ", " << integ);
      Case c = make(file, integ, 3);
      const auto mv = c.m.view();
      const auto da = c.a.view(), db = c.b.view();
      for (int s = 0; s < 25; ++s) {
        step(exec::omp, mv, da);
        fwd_position(exec::omp, mv, db);
        fwd_velocity(exec::omp, mv, db);
        fwd_actuation(exec::omp, mv, db);
        fwd_acceleration(exec::omp, mv, db);
        fwd_constraint(exec::omp, mv, db);
        sensors(exec::omp, mv, db);
        integrate(exec::omp, mv, db);
      }
      CHECK(bytes_of(c.a) == bytes_of(c.b));
    }
}

namespace {
/// Sets a constant generalized force on dof 0 and counts its calls (host backends only).
struct ConstantPush {
  double tau;
  std::atomic<int>* calls;
  template <class T, class L> void operator()(const ModelView<T>&, const WorldData<T, L>& d) const {
    d.qfrc_applied[0] = T(tau);
    calls->fetch_add(1);
  }
};
struct Nothing {
  template <class T, class L> SINEW_HD void operator()(const ModelView<T>&, const WorldData<T, L>&) const {}
};
struct Spring {
  template <class T, class L> SINEW_HD void operator()(const ModelView<T>&, const WorldData<T, L>& d) const {
    d.qfrc_applied[0] = T(-50) * d.qpos[0];
  }
};
}  // namespace

TEST_CASE("step_with runs a user stage in every forward pass, RK4's substeps included") {
  for (const char* integ : integrators) {
    INFO(integ);
    Case c = make("arm.xml", integ, 2);
    const auto mv = c.m.view();
    const auto da = c.a.view(), db = c.b.view();
    std::vector<double> push(size_t(2) * size_t(c.m.nv), 0.0);
    push[0] = push[size_t(c.m.nv)] = 0.7;
    c.a.set_all("qfrc_applied", push);  // the preset input ...
    std::atomic<int> calls{0};
    for (int s = 0; s < 20; ++s) {
      step(exec::serial, mv, da);
      step_with<UserStageAt::after_actuation>(exec::serial, mv, db, ConstantPush{0.7, &calls});  // ... as a stage
    }
    CHECK(bytes_of(c.a) == bytes_of(c.b));
    CHECK(calls.load() == 2 * 20 * (std::string(integ) == "RK4" ? 4 : 1));
  }
}

TEST_CASE("a state-dependent stage follows RK4's inner states; a no-op stage changes nothing") {
  Case c = make("arm.xml", "RK4", 1);
  const auto mv = c.m.view();
  for (int s = 0; s < 10; ++s) {
    step(exec::serial, mv, c.a.view());
    step_with<UserStageAt::after_position>(exec::serial, mv, c.b.view(), Nothing{});
  }
  CHECK(bytes_of(c.a) == bytes_of(c.b));
  // a spring on dof 0 evaluated at each RK4 stage differs from the same spring frozen at the step's start
  Case e = make("arm.xml", "RK4", 1);
  for (int s = 0; s < 10; ++s) {
    std::vector<double> f(size_t(e.m.nv), 0.0);
    f[0] = -50 * e.a.get("qpos", 0)[0];
    e.a.set("qfrc_applied", 0, f);
    step(exec::serial, e.m.view(), e.a.view());
    step_with<UserStageAt::after_velocity>(exec::serial, e.m.view(), e.b.view(), Spring{});
  }
  CHECK(e.a.get("qpos", 0) != e.b.get("qpos", 0));
}

TEST_CASE("SINEW_WORLD_STAGE compiles in a user's namespace and skips flagged worlds") {
  Case c = make("arm.xml", "Euler", 2);
  c.a.view().world(1).status[0] = STATUS_NONFINITE;
  const std::vector<double> before = c.a.get("ctrl", 1), ctrl0 = c.a.get("ctrl", 0);
  parallel_for(exec::omp, 2, user::DampCtrl<double, WorldOuter>{c.m.view(), c.a.view()});
  CHECK(c.a.get("ctrl", 1) == before);
  CHECK(c.a.get("ctrl", 0)[0] == doctest::Approx(0.5 * ctrl0[0]));
}

TEST_CASE("step(exec, m, d, nstep) is nstep calls of step; then_forward adds one forward") {
  for (const char* integ : integrators) {
    INFO(integ);
    Case c = make("skeleton.xml", integ, 3);
    const auto mv = c.m.view();
    for (int s = 0; s < 12; ++s) step(exec::omp, mv, c.a.view());
    forward(exec::omp, mv, c.a.view());
    step(exec::omp, mv, c.b.view(), 12, true);
    CHECK(bytes_of(c.a) == bytes_of(c.b));
  }
}
