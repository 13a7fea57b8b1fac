// Motion imitation: trajectory .npz I/O (own writer, numpy.savez, numpy.savez_compressed),
// resampling, reward terms against their formulas, environment resets and terminations.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "sinew/imitation/env.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/io/npy.hpp"
#include <unistd.h>

using namespace sinew;

namespace {
#ifndef SINEW_SOURCE_DIR
#define SINEW_SOURCE_DIR "."
#endif
const std::string kRoot = SINEW_SOURCE_DIR;  // repository root

std::string tmp_path(const std::string& name) {
  return "/tmp/sinew_imitation_" + std::to_string(::getpid()) + "_" + name;
}

// A floating body with a ball-jointed limb: free root, ball and hinge joints.
const char* kFreeXml = R"(<mujoco model="float">
  <option timestep="0.002"><flag contact="disable" gravity="disable"/></option>
  <worldbody>
    <body name="pelvis" pos="0 0 1">
      <freejoint name="root"/>
      <geom type="sphere" size="0.1" mass="2"/>
      <site name="pelvis_site"/>
      <body name="thigh" pos="0 0.1 -0.1">
        <joint name="hip" type="ball"/>
        <geom type="capsule" fromto="0 0 0 0 0 -0.3" size="0.04" mass="1"/>
        <site name="knee" pos="0 0 -0.3"/>
        <body name="shank" pos="0 0 -0.3">
          <joint name="knee" type="hinge" axis="0 1 0"/>
          <geom type="capsule" fromto="0 0 0 0 0 -0.3" size="0.03" mass="0.5"/>
          <site name="ankle" pos="0.02 0 -0.3"/>
        </body>
      </body>
    </body>
  </worldbody>
</mujoco>)";

Model<double> free_model() {
  const std::string p = tmp_path("float.xml");
  std::ofstream(p) << kFreeXml;
  return load_mjcf(p);
}

// Analytic motion of the floating model at time t: root translation linear, root and hip
// rotations with constant local angular velocity, knee linear in time.
const vec3<double> kW0{0.3, -0.2, 0.5}, kW1{-0.4, 0.7, 0.1}, kV{0.5, -0.1, 0.2};
void analytic(double t, double* q, double* v) {
  const quat<double> r0 = axis_angle_quat(vec3<double>{0, 0, 1}, 0.3);
  const quat<double> r = mul(r0, axis_angle_quat(kW0 * (1 / norm(kW0)), norm(kW0) * t));
  const quat<double> h = axis_angle_quat(kW1 * (1 / norm(kW1)), norm(kW1) * t);
  q[0] = 0.1 + kV.x * t;
  q[1] = -0.2 + kV.y * t;
  q[2] = 1.0 + kV.z * t;
  r.store(q + 3);
  h.store(q + 7);
  q[11] = 0.2 + 0.8 * t;
  if (v) {
    v[0] = kV.x;
    v[1] = kV.y;
    v[2] = kV.z;
    v[3] = kW0.x;
    v[4] = kW0.y;
    v[5] = kW0.z;
    v[6] = kW1.x;
    v[7] = kW1.y;
    v[8] = kW1.z;
    v[9] = 0.8;
  }
}

Trajectory analytic_trajectory(const Model<double>& m, double freq, int nframe, double t0 = 0) {
  Trajectory t = trajectory_for(m, freq);
  std::vector<double> q(size_t(nframe) * 12), v(size_t(nframe) * 10);
  for (int f = 0; f < nframe; ++f) analytic(t0 + f / freq, q.data() + 12 * f, v.data() + 10 * f);
  add_clip(t, q, v);
  return t;
}

bool python_numpy() { return std::system("python3 -c 'import numpy' >/dev/null 2>&1") == 0; }
}  // namespace

TEST_CASE("trajectory npz: write/read round trip, and numpy reads it") {
  const Model<double> m = free_model();
  Trajectory t = analytic_trajectory(m, 30, 7);
  Trajectory t2 = analytic_trajectory(m, 30, 5, 1.0);
  add_clip(t, std::vector<double>(t2.qpos), std::vector<double>(t2.qvel));
  fill_kinematics(exec::serial, m, t);
  const std::string p = tmp_path("rt.npz");
  save_trajectory(p, t);
  const Trajectory r = load_trajectory(p);
  CHECK(r.nframe() == 12);
  CHECK(r.nclip() == 2);
  CHECK(r.split_points == std::vector<int>{0, 7, 12});
  CHECK(r.frequency == 30);
  CHECK(r.joint_names == std::vector<std::string>{"root", "hip", "knee"});
  CHECK(r.jnt_type == std::vector<int>{JNT_FREE, JNT_BALL, JNT_HINGE});
  CHECK(r.qpos == t.qpos);
  CHECK(r.qvel == t.qvel);
  CHECK(r.xpos == t.xpos);
  CHECK(r.xquat == t.xquat);
  CHECK(r.cvel == t.cvel);
  CHECK(r.subtree_com == t.subtree_com);
  CHECK(r.site_xpos == t.site_xpos);
  CHECK(r.site_xmat == t.site_xmat);
  CHECK(r.site_names == m.site_names);
  CHECK(r.model_arrays.at("body_pos").as_double() == m.body_pos);
  if (python_numpy()) {
    const std::string cmd = "python3 -c \"import numpy as np; d=np.load('" + p +
                            "'); assert d['qpos'].shape==(12,12); assert list(d['split_points'])==[0,7,12]; "
                            "assert list(d['joint_names'])==['root','hip','knee']; assert float(d['frequency'])==30.0; "
                            "assert d['site_xmat'].shape==(12,3,9)\"";
    CHECK(std::system(cmd.c_str()) == 0);
  }
  std::remove(p.c_str());
}

TEST_CASE("trajectory npz: reads numpy.savez and numpy.savez_compressed files with LocoMuJoCo's keys") {
  if (!python_numpy()) {
    MESSAGE("python3 with numpy not found: skipped");
    return;
  }
  for (const char* fn : {"savez", "savez_compressed"}) {
    const std::string p = tmp_path(std::string(fn) + ".npz");
    const std::string py =
        "import numpy as np\n"
        "N=40\n"
        "rng=np.random.default_rng(0)\n"
        "qpos=np.arange(N*3,dtype=np.float64).reshape(N,3)*0.01\n"
        "qvel=np.ones((N,3))*0.5\n"
        "np." +
        std::string(fn) + "('" + p +
        "', qpos=qpos, qvel=qvel, xpos=rng.random((N,6,3)), xquat=rng.random((N,6,4)),"
        " cvel=rng.random((N,6,6)), subtree_com=rng.random((N,6,3)), site_xpos=rng.random((N,17,3)),"
        " site_xmat=rng.random((N,17,9)), split_points=np.array([0,25,40]),"
        " joint_names=['shoulder_flex','elbow_flex','pronation'], frequency=30.0, njnt=3,"
        " jnt_type=np.array([3,3,3]), body_names=['world','thorax','humerus','forearm','radius','hand'],"
        " site_names=None, metadata=None)\n"
        "np.save('" +
        p + ".xpos.npy', np.load('" + p + "', allow_pickle=True)['xpos'])\n";
    std::ofstream(p + ".py") << py;
    REQUIRE(std::system(("python3 " + p + ".py").c_str()) == 0);
    const Trajectory t = load_trajectory(p);
    CHECK(t.nframe() == 40);
    CHECK(t.split_points == std::vector<int>{0, 25, 40});
    CHECK(t.frequency == 30.0);
    CHECK(t.joint_names == std::vector<std::string>{"shoulder_flex", "elbow_flex", "pronation"});
    CHECK(t.jnt_type == std::vector<int>{3, 3, 3});
    CHECK(t.body_names.size() == 6);
    CHECK(t.site_names.empty());  // None (a pickled object) is not read
    CHECK(t.nbody == 6);
    CHECK(t.nsite == 17);
    CHECK(t.qpos[size_t(3 * 39 + 2)] == doctest::Approx(0.01 * (3 * 39 + 2)).epsilon(1e-15));
    CHECK(t.xpos == read_npy(p + ".xpos.npy").values);
    for (auto s : {p, p + ".py", p + ".xpos.npy"}) std::remove(s.c_str());
  }
}

TEST_CASE("resample: exact on linear translation and constant-rate rotations, qvel in MuJoCo's convention") {
  const Model<double> m = free_model();
  const Trajectory src = analytic_trajectory(m, 30, 31);  // 1 s at 30 fps
  const Trajectory r = resample(src, 100);
  REQUIRE(r.nframe() == 101);
  for (int f = 0; f < r.nframe(); ++f) {
    double q[12], v[10];
    analytic(f / 100.0, q, v);
    for (int i = 0; i < 12; ++i) CHECK(r.qpos[size_t(12 * f + i)] == doctest::Approx(q[i]).epsilon(1e-12));
    for (int i = 0; i < 10; ++i) CHECK(r.qvel[size_t(10 * f + i)] == doctest::Approx(v[i]).epsilon(1e-9));
  }
  // and back down: 100 Hz -> 30 Hz gives the source frames
  const Trajectory back = resample(r, 30);
  REQUIRE(back.nframe() == 31);
  for (size_t k = 0; k < back.qpos.size(); ++k) CHECK(back.qpos[k] == doctest::Approx(src.qpos[k]).epsilon(1e-12));
}

namespace {
ImitationConfig free_cfg() {
  ImitationConfig cfg;
  cfg.substeps = 5;
  cfg.mimic_sites = {"pelvis_site", "knee", "ankle"};
  cfg.obs.nfuture = 2;
  cfg.obs.future_stride = 3;
  return cfg;
}
template <class Env> void set_state(Env& env, int w, const std::vector<double>& q, const std::vector<double>& v) {
  env.data().set("qpos", w, q);
  env.data().set("qvel", w, v);
  forward(exec::serial, env.model_view(), env.data().view());
}
}  // namespace

TEST_CASE("reward terms match their formulas; reward is the sum of weights at the reference") {
  const Model<double> m = free_model();
  Trajectory ref = analytic_trajectory(m, 100, 50);
  fill_kinematics(exec::serial, m, ref);
  auto reward = default_mimic_reward<double>();
  ImitationEnv<double, exec::Serial> env(exec::serial, m, ref, 2, free_cfg(), reward);
  env.reset();
  const int f = env.frame_host()[0];
  const std::vector<double> q0(ref.qpos.begin() + 12 * f, ref.qpos.begin() + 12 * f + 12),
      v0(ref.qvel.begin() + 10 * f, ref.qvel.begin() + 10 * f + 10);
  const double wsum = 0.1 + 0.1 + 0.1 + 0.1 + 0.6 + 0.01 + 0.1 + 0.1;

  SUBCASE("at the reference every distance is 0 and r = sum of weights") {
    auto c = env.context(0);
    CHECK(JointPosTerm<double>{}.distance(c) == doctest::Approx(0).epsilon(1e-12));
    CHECK(JointVelTerm<double>{}.distance(c) == 0);
    CHECK(RootPosTerm<double>{}.distance(c) == 0);
    CHECK(RootVelTerm<double>{}.distance(c) == 0);
    CHECK(SitePosTerm<double>{}.distance(c) == doctest::Approx(0).scale(1).epsilon(1e-24));
    CHECK(SiteRotTerm<double>{}.distance(c) < 1e-20);
    CHECK(SiteAngVelTerm<double>{}.distance(c) < 1e-20);
    CHECK(SiteLinVelTerm<double>{}.distance(c) < 1e-20);
    double tv[8];
    CHECK(reward(c, tv) == doctest::Approx(wsum).epsilon(1e-12));
    CHECK(tv[4] == doctest::Approx(0.6).epsilon(1e-12));
  }
  SUBCASE("joint positions: hinge error squared, ball as quaternion angle squared, mean over 3 joints") {
    std::vector<double> q = q0;
    q[11] += 0.2;  // knee
    const quat<double> h = mul(quat<double>::load(q.data() + 7), axis_angle_quat(vec3<double>{1, 0, 0}, 0.3));
    h.store(q.data() + 7);
    const quat<double> r = mul(quat<double>::load(q.data() + 3), axis_angle_quat(vec3<double>{0, 1, 0}, -0.1));
    r.store(q.data() + 3);
    set_state(env, 0, q, v0);
    const double d = JointPosTerm<double>{}.distance(env.context(0));
    CHECK(d == doctest::Approx((0.04 + 0.09 + 0.01) / 3).epsilon(1e-10));
    CHECK(JointVelTerm<double>{}.distance(env.context(0)) == 0);
    double tv[8];
    reward(env.context(0), tv);
    CHECK(tv[0] == doctest::Approx(0.1 * std::exp(-10 * d)).epsilon(1e-12));
  }
  SUBCASE("joint velocities (root excluded), root position with the reset offset, root local velocity") {
    std::vector<double> q = q0, v = v0;
    v[6] += 0.3;
    v[9] -= 0.6;  // hip and knee
    v[0] += 0.4;  // root linear x (world): local 6-D error has norm 0.4
    v[5] += 0.2;  // root angular z (local)
    q[0] += 0.5;
    q[1] -= 0.25;
    q[2] += 0.1;
    set_state(env, 0, q, v);
    auto c = env.context(0);
    CHECK(JointVelTerm<double>{}.distance(c) == doctest::Approx((0.09 + 0.36) / 4).epsilon(1e-12));
    CHECK(RootVelTerm<double>{}.distance(c) == doctest::Approx((0.16 + 0.04) / 6).epsilon(1e-12));
    CHECK(RootPosTerm<double>{}.distance(c) == doctest::Approx((0.25 + 0.0625 + 0.01) / 3).epsilon(1e-12));
    c.root_offset[0] = 0.5;
    c.root_offset[1] = -0.25;  // xy offset at reset removed
    CHECK(RootPosTerm<double>{}.distance(c) == doctest::Approx(0.01 / 3).epsilon(1e-12));
  }
  SUBCASE("site terms: pelvis-relative positions, rotations and local velocities against a direct computation") {
    std::vector<double> q = q0, v = v0;
    q[11] += 0.3;
    v[9] += 1.0;
    v[3] += 0.5;
    set_state(env, 0, q, v);
    const auto c = env.context(0);
    const auto wd = env.data().view().world(0);
    const int sites[3] = {Model<double>::find(m.site_names, "pelvis_site"), Model<double>::find(m.site_names, "knee"),
                          Model<double>::find(m.site_names, "ankle")};
    double dp = 0, dr = 0, da = 0, dl = 0;
    auto vel = [&](const double* cvel, const double* com, const double* p, const double* R, double* ang, double* lin) {
      // [w; v + w x (p - com)] rotated into the site frame
      const double r[3] = {p[0] - com[0], p[1] - com[1], p[2] - com[2]};
      const double w[3] = {cvel[0], cvel[1], cvel[2]};
      const double l[3] = {cvel[3] + w[1] * r[2] - w[2] * r[1], cvel[4] + w[2] * r[0] - w[0] * r[2],
                           cvel[5] + w[0] * r[1] - w[1] * r[0]};
      for (int i = 0; i < 3; ++i) {
        ang[i] = R[i] * w[0] + R[3 + i] * w[1] + R[6 + i] * w[2];
        lin[i] = R[i] * l[0] + R[3 + i] * l[1] + R[6 + i] * l[2];
      }
    };
    auto rotvec_rel = [&](const double* R0, const double* R, double* out) {
      mat3<double> a, b;
      for (int k = 0; k < 9; ++k) {
        a.m[k] = R0[k];
        b.m[k] = R[k];
      }
      const vec3<double> rv = mat_to_rotvec(transpose(a) * b);
      out[0] = rv.x;
      out[1] = rv.y;
      out[2] = rv.z;
    };
    double sp[3][3], sR[3][9], sa[3][3], sl[3][3], rp[3][3], rR[3][9], ra[3][3], rl[3][3];
    for (int i = 0; i < 3; ++i) {
      const int s = sites[i], b = m.site_bodyid[size_t(s)], root = m.body_rootid[size_t(b)];
      double cv[6], com[3];
      for (int k = 0; k < 3; ++k) {
        sp[i][k] = wd.site_xpos[3 * s + k];
        com[k] = wd.subtree_com[3 * root + k];
      }
      for (int k = 0; k < 9; ++k) sR[i][k] = wd.site_xmat[9 * s + k];
      for (int k = 0; k < 6; ++k) cv[k] = wd.cvel[6 * b + k];
      vel(cv, com, sp[i], sR[i], sa[i], sl[i]);
      for (int k = 0; k < 3; ++k) rp[i][k] = ref.site_xpos[size_t((f * m.nsite + s) * 3 + k)];
      for (int k = 0; k < 9; ++k) rR[i][k] = ref.site_xmat[size_t((f * m.nsite + s) * 9 + k)];
      vel(&ref.cvel[size_t((f * m.nbody + b) * 6)], &ref.subtree_com[size_t((f * m.nbody + root) * 3)], rp[i], rR[i],
          ra[i], rl[i]);
    }
    for (int i = 1; i < 3; ++i) {
      double a[3], b[3];
      rotvec_rel(sR[0], sR[i], a);
      rotvec_rel(rR[0], rR[i], b);
      for (int k = 0; k < 3; ++k) {
        dp += std::pow((sp[i][k] - sp[0][k]) - (rp[i][k] - rp[0][k]), 2);
        dr += std::pow(a[k] - b[k], 2);
        da += std::pow((sa[i][k] - sa[0][k]) - (ra[i][k] - ra[0][k]), 2);
        dl += std::pow((sl[i][k] - sl[0][k]) - (rl[i][k] - rl[0][k]), 2);
      }
    }
    CHECK(dp > 1e-4);
    CHECK(da > 1e-3);
    CHECK(SitePosTerm<double>{}.distance(c) == doctest::Approx(dp / 6).epsilon(1e-12));
    CHECK(SiteRotTerm<double>{}.distance(c) == doctest::Approx(dr / 6).epsilon(1e-10));
    CHECK(SiteAngVelTerm<double>{}.distance(c) == doctest::Approx(da / 6).epsilon(1e-12));
    CHECK(SiteLinVelTerm<double>{}.distance(c) == doctest::Approx(dl / 6).epsilon(1e-12));
    CHECK(dr > 1e-3);
  }
  SUBCASE("out-of-bound action penalty and the clip at 0") {
    auto c = env.context(0);
    c.action_oob = 50;  // P = max(-1, -0.5)
    CHECK(reward(c, nullptr) == doctest::Approx(wsum - 0.5).epsilon(1e-12));
    c.action_rate = 3;  // off by default
    CHECK(reward(c, nullptr) == doctest::Approx(wsum - 0.5).epsilon(1e-12));
    auto rr = reward;
    rr.action_rate_scale = 0.05;  // P = -(0.5 + 0.15)
    CHECK(rr(c, nullptr) == doctest::Approx(wsum - 0.65).epsilon(1e-12));
    c.action_rate = 0;
    c.action_oob = 1000;  // P = -1 > ... r = max(0, wsum - 1)
    CHECK(reward(c, nullptr) == doctest::Approx(wsum - 1).epsilon(1e-12));
    auto r2 = make_mimic_reward<double>(SitePosTerm<double>{0.5, 100});
    CHECK(r2(c, nullptr) == 0);
  }

  SUBCASE("extend_reward keeps the base terms and penalties and appends the user's") {
    auto c = env.context(0);
    c.action_oob = 20;
    auto base = reward;
    base.penalty_scale = 0.02;
    const auto ext = extend_reward(base, SitePosTerm<double>{0.3, 100}, JointPosTerm<double>{0.25, 10});
    static_assert(decltype(ext)::nterm == 10);
    double tb[8], te[10];
    const double rb = base(c, tb), re = ext(c, te);
    for (int i = 0; i < 8; ++i) CHECK(te[i] == tb[i]);
    CHECK(te[8] == doctest::Approx(0.3).epsilon(1e-12));
    CHECK(te[9] == doctest::Approx(0.25).epsilon(1e-12));
    CHECK(re == doctest::Approx(rb + 0.55).epsilon(1e-12));  // the same penalty (-0.4) in both
  }
}

TEST_CASE("terminations: site deviation, root position, root orientation, non-finite") {
  const Model<double> m = free_model();
  Trajectory ref = analytic_trajectory(m, 100, 50);
  fill_kinematics(exec::serial, m, ref);
  ImitationEnv<double, exec::Serial> env(exec::serial, m, ref, 1, free_cfg());
  env.reset();
  const int f = env.frame_host()[0];
  const std::vector<double> q0(ref.qpos.begin() + 12 * f, ref.qpos.begin() + 12 * f + 12),
      v0(ref.qvel.begin() + 10 * f, ref.qvel.begin() + 10 * f + 10);
  MimicTermination<double> term;
  CHECK(term(env.context(0)) == 0);
  std::vector<double> q = q0;
  q[0] += 1.5;
  set_state(env, 0, q, v0);
  CHECK(term(env.context(0)) == TERM_ROOT_POSITION);
  q = q0;
  mul(quat<double>::load(q.data() + 3), axis_angle_quat(vec3<double>{1, 0, 0}, 1.2)).store(q.data() + 3);
  set_state(env, 0, q, v0);
  CHECK(term(env.context(0)) == TERM_ROOT_ORIENTATION);
  q = q0;
  q[11] += 3.0;
  axis_angle_quat(vec3<double>{1, 0, 0}, 3.0).store(q.data() + 7);
  set_state(env, 0, q, v0);
  term.site_deviation = 0.3;
  CHECK(term(env.context(0)) == TERM_SITE_DEVIATION);
  q = q0;
  q[11] = NAN;
  env.data().set("qpos", 0, q);
  CHECK(term(env.context(0)) == TERM_NONFINITE);
}

TEST_CASE("environment: RSI, per-world reset, auto-reset of a diverged world, others bit-identical") {
  const Model<double> m = load_mjcf(kRoot + "/models/arm.xml");
  ImitationConfig cfg;
  cfg.mimic_sites = {"clavicle", "elbow_front", "radial_styloid", "fingertip"};
  cfg.seed = 7;
  Trajectory ref = resample(load_trajectory(kRoot + "/models/arm_reach.npz"), 100);
  REQUIRE(ref.nframe() == 201);
  fill_kinematics(exec::omp, m, ref);
  const int nw = 6;
  ImitationEnv<double, exec::OpenMP> a(exec::omp, m, ref, nw, cfg), b(exec::omp, m, ref, nw, cfg);
  a.reset();
  b.reset();
  CHECK(a.nobs() == 3 + 3 + 5 * 6 + 5 * 3 * 3 + 1 + 3 * 12);  // no free root, no touch sensors
  // reference state initialization: qpos/qvel equal the reference frame, reward at maximum
  const auto frames = a.frame_host();
  for (int w = 0; w < nw; ++w) {
    const auto q = a.data().get("qpos", w);
    for (int i = 0; i < 3; ++i) CHECK(q[size_t(i)] == ref.qpos[size_t(3 * frames[size_t(w)] + i)]);
    auto c = a.context(w);
    CHECK(default_mimic_reward<double>()(c, nullptr) == doctest::Approx(1.21).epsilon(1e-9));
  }
  CHECK(a.obs_host() == b.obs_host());
  // reset with a mask touches only the selected worlds
  {
    const auto obs0 = a.obs_host();
    const auto q0 = a.data().get_all("qpos");
    std::vector<unsigned char> mask(nw, 0);
    mask[1] = 1;
    a.reset(mask);
    b.reset(mask);
    const auto obs1 = a.obs_host();
    const auto q1 = a.data().get_all("qpos");
    for (int w = 0; w < nw; ++w)
      if (w != 1) {
        for (int i = 0; i < 3; ++i) CHECK(q1[size_t(3 * w + i)] == q0[size_t(3 * w + i)]);
        for (int i = 0; i < a.nobs(); ++i) CHECK(obs1[size_t(w * a.nobs() + i)] == obs0[size_t(w * a.nobs() + i)]);
      }
    CHECK(a.episode_steps_host()[1] == 0);
  }
  std::vector<double> act(size_t(nw) * 6);
  int ended = 0;
  for (int s = 0; s < 60; ++s) {
    for (size_t k = 0; k < act.size(); ++k) act[k] = std::sin(0.1 * s + double(k)) * 1.3;  // some out of bounds
    if (s == 10) {                                                                         // world 3 of `b` diverges
      auto q = b.data().get("qpos", 3);
      q[0] = NAN;
      b.data().set("qpos", 3, q);
    }
    a.step(act.data());
    b.step(act.data());
    if (s == 10) {
      CHECK(b.terminated_host()[3] == 1);
      CHECK(b.reason_host()[3] == TERM_NONFINITE);
      CHECK(b.reward_host()[3] == 0);
      CHECK(b.episode_steps_host()[3] == 0);  // auto-reset
      CHECK(b.data().status()[3] == STATUS_OK);
      CHECK(std::isfinite(b.data().get("qpos", 3)[0]));
    }
    const auto ra = a.reward_host(), rb = b.reward_host();
    const auto oa = a.obs_host(), ob = b.obs_host();
    const auto qa = a.data().get_all("qpos"), qb = b.data().get_all("qpos");
    for (int w = 0; w < nw; ++w) {
      if (w == 3 && s >= 10) continue;
      CHECK(ra[size_t(w)] == rb[size_t(w)]);
      for (int i = 0; i < a.nobs(); ++i) CHECK(oa[size_t(w * a.nobs() + i)] == ob[size_t(w * b.nobs() + i)]);
      for (int i = 0; i < 3; ++i) CHECK(qa[size_t(3 * w + i)] == qb[size_t(3 * w + i)]);
    }
    const auto tr = a.truncated_host(), te = a.terminated_host();
    for (int w = 0; w < nw; ++w) {
      ended += tr[size_t(w)] || te[size_t(w)];
      CHECK(ra[size_t(w)] >= 0);
      CHECK(ra[size_t(w)] <= 1.21 + 1e-12);
    }
  }
  (void)ended;
  const auto fr = a.frame_host();
  for (int w = 0; w < nw; ++w) CHECK(fr[size_t(w)] < 201);
}

TEST_CASE("observation: every block at its offset (free root, touch, goals with root deltas, relative sites)") {
  // the floating model with a touch sensor: contacts are disabled there, so touch reads 0
  std::string xml = kFreeXml;
  xml.replace(xml.find("</mujoco>"), 9, "<sensor><touch site=\"pelvis_site\"/></sensor></mujoco>");
  const std::string path = tmp_path("float_touch.xml");
  std::ofstream(path) << xml;
  const Model<double> m = load_mjcf(path);
  Trajectory ref = analytic_trajectory(m, 100, 50);
  fill_kinematics(exec::serial, m, ref);
  ImitationEnv<double, exec::Serial> env(exec::serial, m, ref, 1, free_cfg());
  // root 5, joints 5 + 4, root velocity 6, touch 1, 3 goal frames x (2 sites x 3 + root delta 6), phase, 2 x 12
  REQUIRE(env.nobs() == 5 + 5 + 4 + 6 + 1 + 3 * (6 + 6) + 1 + 24);
  env.reset();
  const int f = env.frame_host()[0];
  std::vector<double> q(ref.qpos.begin() + 12 * f, ref.qpos.begin() + 12 * f + 12), v(10, 0.0);
  q[0] += 0.2;
  q[2] -= 0.1;
  mul(quat<double>::load(q.data() + 3), axis_angle_quat(vec3<double>{0, 0, 1}, 0.4)).store(q.data() + 3);
  q[11] += 0.3;
  v[3] = 0.5;
  v[9] = -1.0;
  set_state(env, 0, q, v);
  std::vector<double> obs(size_t(env.nobs()));
  write_observation(env.context(0), free_cfg().obs, obs.data());
  CHECK(obs[0] == q[2]);
  for (int k = 0; k < 4; ++k) CHECK(obs[size_t(1 + k)] == q[size_t(3 + k)]);
  for (int k = 0; k < 5; ++k) CHECK(obs[size_t(5 + k)] == q[size_t(7 + k)]);
  for (int k = 0; k < 4; ++k) CHECK(obs[size_t(10 + k)] == v[size_t(6 + k)]);
  CHECK(obs[20] == env.data().get("sensordata", 0)[0]);
  const quat<double> r = quat<double>::load(q.data() + 3);
  const int sites[3] = {Model<double>::find(m.site_names, "pelvis_site"), Model<double>::find(m.site_names, "knee"),
                        Model<double>::find(m.site_names, "ankle")};
  int o = 21;
  for (int j = 0; j < 3; ++j) {
    const int fj = std::min(f + 3 * j, 49);
    auto site = [&](int s, int k) { return ref.site_xpos[size_t((fj * m.nsite + s) * 3 + k)]; };
    for (int i = 1; i < 3; ++i)
      for (int k = 0; k < 3; ++k)
        CHECK(obs[size_t(o++)] == doctest::Approx(site(sites[i], k) - site(sites[0], k)).epsilon(1e-14));
    const double* qr = &ref.qpos[size_t(12 * fj)];
    const vec3<double> dp = rotate(conj(r), vec3<double>{qr[0] - q[0], qr[1] - q[1], qr[2] - q[2]});
    CHECK(obs[size_t(o++)] == doctest::Approx(dp.x).epsilon(1e-12));
    CHECK(obs[size_t(o++)] == doctest::Approx(dp.y).epsilon(1e-12));
    CHECK(obs[size_t(o++)] == doctest::Approx(dp.z).epsilon(1e-12));
    const double ang = std::sqrt(obs[size_t(o)] * obs[size_t(o)] + obs[size_t(o + 1)] * obs[size_t(o + 1)] +
                                 obs[size_t(o + 2)] * obs[size_t(o + 2)]);
    CHECK(ang == doctest::Approx(imitation::quat_angle(r, quat<double>::load(qr + 3))).epsilon(1e-10));
    CHECK(ang > 0.3);
    o += 3;
  }
  CHECK(obs[size_t(o++)] == doctest::Approx(double(f) / 49).epsilon(1e-15));
  const auto c = env.context(0);
  for (int i = 1; i < 3; ++i) {
    const auto rs = imitation::RelSite::sim(c, i);
    for (const vec3<double>& x : {rs.pos, rs.rot, rs.ang, rs.lin}) {
      CHECK(obs[size_t(o++)] == x.x);
      CHECK(obs[size_t(o++)] == x.y);
      CHECK(obs[size_t(o++)] == x.z);
    }
  }
  CHECK(o == env.nobs());
  // blocks switched off
  ImitationConfig cfg = free_cfg();
  cfg.obs.touch = cfg.obs.future_root = cfg.obs.rel_sites = false;
  ImitationEnv<double, exec::Serial> lean(exec::serial, m, ref, 1, cfg);
  CHECK(lean.nobs() == 5 + 5 + 4 + 6 + 3 * 6 + 1);
}

TEST_CASE("touch sensors reach the observation; action-rate and activation penalties") {
  const char* xml = R"(<mujoco>
  <option timestep="0.002"/>
  <worldbody><geom type="plane" size="2 2 .1"/>
    <body name="box" pos="0 0 .1"><freejoint/><geom type="box" size=".1 .1 .1" mass="2"/>
      <site name="base" type="box" size=".11 .11 .02" pos="0 0 -.1"/><site name="top" pos="0 0 .1"/>
      <body name="arm" pos="0 0 .1"><joint name="h" axis="0 1 0" range="-1 1"/><geom type="capsule" fromto="0 0 0 .2 0 0" size=".02" mass=".1"/>
        <site name="tip" pos=".2 0 0"/></body></body>
  </worldbody>
  <actuator><muscle joint="h" lengthrange="0.5 1.5" ctrlrange="0 1"/><motor joint="h" ctrlrange="-2 2"/></actuator>
  <sensor><touch name="base_touch" site="base"/></sensor>
</mujoco>)";
  const std::string path = tmp_path("touch_box.xml");
  std::ofstream(path) << xml;
  const Model<double> m = load_mjcf(path);
  REQUIRE(m.na == 1);
  Trajectory ref = trajectory_for(m, 100);
  std::vector<double> q(size_t(200) * 8);
  for (int f = 0; f < 200; ++f) {
    const double qf[8] = {0, 0, 0.1, 1, 0, 0, 0, 0.002 * f};
    std::copy(qf, qf + 8, q.begin() + 8 * f);
  }
  add_clip(ref, q);
  fill_kinematics(exec::serial, m, ref);
  ImitationConfig cfg;
  cfg.mimic_sites = {"top", "tip"};
  cfg.obs.nfuture = 0;
  auto reward = default_mimic_reward<double>();
  reward.action_rate_scale = 0.1;
  reward.activation_scale = 0.5;
  ImitationEnv<double, exec::Serial, DefaultMimicReward<double>> env(exec::serial, m, ref, 2, cfg, reward);
  // root 5, joint 1 + 1, root velocity 6, 2 actuators x 5, touch 1, goal 3 + root delta 6, phase, relative site 12
  REQUIRE(env.nobs() == 5 + 2 + 6 + 10 + 1 + 9 + 1 + 12);
  env.reset();
  std::vector<double> a1{0.5, 0.2, 3.0, -0.4}, a2{-0.5, 0.6, 0.0, NAN};
  env.step(a1.data());
  CHECK(env.context(0).action_rate == 0);  // an episode's first step
  CHECK(env.context(1).action_oob == doctest::Approx(4.0).epsilon(1e-15));
  env.step(a2.data());
  REQUIRE(env.episode_steps_host() == std::vector<int>{2, 2});  // no world ended (its reset clears the rate)
  CHECK(env.context(0).action_rate == doctest::Approx(1.0 * 1.0 + 0.4 * 0.4).epsilon(1e-15));
  CHECK(env.context(1).action_rate ==
        doctest::Approx(1.0 + 0.4 * 0.4).epsilon(1e-15));  // 1 -> 0 and NaN -> 0 counted as 0
  // the box rests on the floor: its base site's touch sensor carries about its weight
  const std::vector<double> sd = env.data().get("sensordata", 0);
  CHECK(sd[0] > 5.0);
  const auto obs = env.obs_host();
  CHECK(obs[23] == sd[0]);
  // penalties: activation mean square over the one muscle, action rate, out of bounds
  const auto c = env.context(0);
  double tv[8];
  default_mimic_reward<double>()(c, tv);
  double terms = 0;
  for (double x : tv) terms += x;
  const double act = env.data().get("act", 0)[0];
  CHECK(act > 0);
  const double expect = terms - (0.01 * c.action_oob + 0.1 * c.action_rate + 0.5 * act * act);
  CHECK(reward(c, nullptr) == doctest::Approx(std::max(0.0, expect)).epsilon(1e-12));
}

TEST_CASE("MyoFullBody: MuscleMimic's mimic sites added at run time, the full observation, float worlds on OpenMP") {
  // the model comes from the musclemimic-models wheel (tests/setup.sh installs it); never copied here
  std::string path;
  if (FILE* p = popen("python3 -c 'import musclemimic_models as m; print(m.get_xml_path(\"myofullbody\"))' 2>/dev/null",
                      "r")) {
    char buf[4096] = {0};
    if (std::fgets(buf, sizeof buf, p)) path = buf;
    pclose(p);
  }
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  if (path.empty()) {
    WARN_MESSAGE(false, "musclemimic-models is not installed: MyoFullBody environment not tested");
    return;
  }
  std::vector<Diagnostic> warn;
  Model<double> m = load_mjcf(path, &warn);
  const int nsite0 = m.nsite;
  ImitationConfig cfg;
  cfg.mimic_sites = add_musclemimic_sites(m);
  REQUIRE(cfg.mimic_sites.size() == 17);
  CHECK(m.nsite == nsite0 + 17);
  CHECK_THROWS_AS(add_site(m, "pelvis_mimic", "pelvis"), std::invalid_argument);
  CHECK_THROWS_AS(add_site(m, "x", "no_such_body"), std::invalid_argument);
  // reference: the keyframe held for half a second at the control rate (a standing clip)
  const double rate = 1 / (m.opt.timestep * cfg.substeps);
  Trajectory ref = trajectory_for(m, rate);
  std::vector<double> q;
  for (int f = 0; f < 50; ++f) q.insert(q.end(), m.key_qpos.begin(), m.key_qpos.begin() + m.nq);
  add_clip(ref, q);
  fill_kinematics(exec::omp, m, ref);
  const int nw = 4;
  ImitationEnv<float, exec::OpenMP> env(exec::omp, m, ref, nw, cfg);
  // root 5, joints 122 + 122, root velocity 6, 416 muscles x 5, 4 touch sensors, 5 goal frames x
  // (16 x 3 + 6), phase, 16 x 12 relative-site values
  CHECK(env.nobs() == 5 + 122 + 122 + 6 + 5 * 416 + 4 + 5 * (16 * 3 + 6) + 1 + 16 * 12);
  CHECK(env.nobs() == 2802);
  env.reset();
  for (int w = 0; w < nw; ++w)
    CHECK(default_mimic_reward<float>()(env.context(w), nullptr) == doctest::Approx(1.21).epsilon(1e-4));
  std::vector<float> act(size_t(nw) * size_t(env.nu()), 0.0f);
  float touch = 0;
  for (int s = 0; s < 20; ++s) {  // the keyframe holds the feet just above the floor: they land within ~50 ms
    env.step(act.data());
    const auto obs = env.obs_host();
    const auto rew = env.reward_host();
    for (int w = 0; w < nw; ++w) {
      CHECK(std::isfinite(rew[size_t(w)]));
      for (int i = 0; i < env.nobs(); ++i) REQUIRE(std::isfinite(obs[size_t(w * env.nobs() + i)]));
      for (int k = 0; k < 4; ++k) touch = std::max(touch, obs[size_t(w * env.nobs() + 2335 + k)]);
    }
  }
  MESSAGE("MyoFullBody: largest foot touch value in the observation " << touch << " N");
  CHECK(touch > 10.0f);  // the feet land: the touch block sees it
}

TEST_CASE("environment: truncation at the end of the clip and at the horizon") {
  const Model<double> m = load_mjcf(kRoot + "/models/arm.xml");
  Trajectory ref = resample(load_trajectory(kRoot + "/models/arm_reach.npz"), 100);
  fill_kinematics(exec::serial, m, ref);
  ImitationConfig cfg;
  cfg.mimic_sites = {"clavicle", "fingertip"};
  cfg.horizon = 5;
  ImitationEnv<double, exec::Serial> env(exec::serial, m, ref, 3, cfg, default_mimic_reward<double>(),
                                         MimicTermination<double>{1e9, 1e9, 1e9});
  env.reset();
  std::vector<double> act(3 * 6, -1.0);
  for (int s = 1; s <= 5; ++s) {
    const auto f0 = env.frame_host();
    env.step(act.data());
    const auto tr = env.truncated_host(), te = env.terminated_host();
    for (int w = 0; w < 3; ++w) {
      CHECK(te[size_t(w)] == 0);
      const bool clip_end = f0[size_t(w)] + 1 >= 200;
      if (s < 5 && !clip_end) CHECK(tr[size_t(w)] == 0);
      if (s == 5) CHECK(tr[size_t(w)] == 1);
    }
  }
  CHECK(env.episode_steps_host() == std::vector<int>{0, 0, 0});
}
