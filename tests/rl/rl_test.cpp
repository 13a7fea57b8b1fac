// The learner (include/sinew/rl/): networks, optimizers, GAE, the PPO loss and the normalizers
// against finite differences, formulas and hand-worked examples (double); checkpoints, resume
// and reproducibility of the trainer on models/arm.xml.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "sinew/compiler/compiler.hpp"
#include <Eigen/SVD>

#include "sinew/rl/evaluate.hpp"

using namespace sinew;
using namespace sinew::rl;

namespace {
const std::string kRoot = SINEW_SOURCE_DIR;

std::vector<double> randn(size_t n, unsigned long long seed, double scale = 1.0) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * normal01(seed, 0, i);
  return v;
}

/// sum(dout . net(x)) for the gradient checks.
double mlp_objective(Mlp<double, HostSpace>& net, const std::vector<double>& x, int batch,
                     const std::vector<double>& dout) {
  const double* y = net.forward(exec::serial, x.data(), batch);
  double s = 0;
  for (size_t i = 0; i < dout.size(); ++i) s += dout[i] * y[i];
  return s;
}

void check_mlp_gradients(bool layernorm) {
  const int batch = 5, in = 4, out = 3;
  Mlp<double, HostSpace> net(MlpSpec{in, out, {6, 5}, layernorm});
  net.init(3, 0.7);
  // perturb the LayerNorm scales and offsets away from 1 and 0 so that their gradients matter
  auto& p = net.param_buffer();
  const auto noise = randn(p.size(), 11, 0.1);
  for (size_t i = 0; i < p.size(); ++i) p[i] += noise[i];
  const auto x = randn(size_t(batch * in), 5);
  const auto dout = randn(size_t(batch * out), 7);
  mlp_objective(net, x, batch, dout);
  std::vector<double> dx(x.size());
  net.backward(exec::serial, dout.data(), dx.data());
  const std::vector<double> g(net.grad(), net.grad() + net.nparam());
  const double h = 1e-6;
  double worst = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double p0 = p[i];
    p[i] = p0 + h;
    const double fp = mlp_objective(net, x, batch, dout);
    p[i] = p0 - h;
    const double fm = mlp_objective(net, x, batch, dout);
    p[i] = p0;
    const double fd = (fp - fm) / (2 * h);
    worst = std::max(worst, std::fabs(fd - g[i]) / std::max(1.0, std::fabs(fd)));
  }
  std::vector<double> xx = x;
  for (size_t i = 0; i < x.size(); ++i) {
    xx[i] = x[i] + h;
    const double fp = mlp_objective(net, xx, batch, dout);
    xx[i] = x[i] - h;
    const double fm = mlp_objective(net, xx, batch, dout);
    xx[i] = x[i];
    const double fd = (fp - fm) / (2 * h);
    worst = std::max(worst, std::fabs(fd - dx[i]) / std::max(1.0, std::fabs(fd)));
  }
  MESSAGE("MLP gradient, layernorm " << layernorm << ": worst relative error " << worst);
  // central differences with h = 1e-6 in double: truncation O(h^2) ~ 1e-12, rounding ~1e-16 / h ~ 1e-10
  CHECK(worst < 1e-7);
}

sinew::Trajectory arm_motion(const Model<double>& m, double sh0, double sh1, double el0, double el1, double pr1,
                             double seconds) {
  const double fps = 30;
  const int n = int(seconds * fps) + 1;
  std::vector<double> q(size_t(n) * size_t(m.nq), 0.0);
  for (int f = 0; f < n; ++f) {
    const double tau = double(f) / (n - 1);
    const double s = 0.5 - 0.5 * std::cos(2 * M_PI * tau);  // out and back
    q[size_t(f) * 3 + 0] = sh0 + (sh1 - sh0) * s;
    q[size_t(f) * 3 + 1] = el0 + (el1 - el0) * s;
    q[size_t(f) * 3 + 2] = pr1 * s;
  }
  Trajectory t = trajectory_for(m, fps);
  add_clip(t, q);
  return t;
}

Trajectory control_rate(const Model<double>& m, const Trajectory& t, int substeps = 5) {
  Trajectory r = resample(t, 1.0 / (m.opt.timestep * substeps));
  fill_kinematics(exec::serial, m, r);
  return r;
}

TrainConfig small_arm_config() {
  TrainConfig c = preset("arm");
  c.nworld = 16;
  c.nsteps = 8;
  c.minibatches = 2;
  c.epochs = 2;
  c.actor_hidden = c.critic_hidden = "16,16";
  c.total_steps = 16 * 8 * 6;
  c.seed = 3;
  return c;
}
}  // namespace

TEST_CASE("rl: MLP gradients (SiLU, with and without LayerNorm) against central differences") {
  check_mlp_gradients(true);
  check_mlp_gradients(false);
}

TEST_CASE("rl: orthogonal initialization gives orthonormal rows or columns times the gain") {
  Mlp<double, HostSpace> net(MlpSpec{7, 2, {5}, false});
  net.init(1, 0.5);
  const auto& L = net.layers();
  const double* w = net.params() + L[0].w;  // 5 x 7: orthonormal rows times sqrt(2)
  for (int a = 0; a < 5; ++a)
    for (int b = 0; b < 5; ++b) {
      double s = 0;
      for (int k = 0; k < 7; ++k) s += w[a * 7 + k] * w[b * 7 + k];
      CHECK(s == doctest::Approx(a == b ? 2.0 : 0.0).epsilon(1e-12).scale(1));
    }
}

TEST_CASE("rl: Adam's step follows its formula") {
  std::vector<double> p = {0.5, -1.0, 2.0}, g1 = {0.1, -0.2, 0.3}, g2 = {-0.05, 0.4, 0.0};
  Optimizer<double, HostSpace> opt({ParamTensor{"x", 0, 3, 1, false}}, 3, OptimizerConfig{});
  std::vector<double> q = p, m(3, 0), v(3, 0);
  const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  int t = 0;
  for (const auto* g : {&g1, &g2}) {
    opt.step(exec::serial, p.data(), g->data(), lr);
    ++t;
    for (int i = 0; i < 3; ++i) {
      m[size_t(i)] = b1 * m[size_t(i)] + (1 - b1) * (*g)[size_t(i)];
      v[size_t(i)] = b2 * v[size_t(i)] + (1 - b2) * (*g)[size_t(i)] * (*g)[size_t(i)];
      q[size_t(i)] -=
          lr * (m[size_t(i)] / (1 - std::pow(b1, t))) / (std::sqrt(v[size_t(i)] / (1 - std::pow(b2, t))) + eps);
    }
  }
  for (int i = 0; i < 3; ++i) CHECK(p[size_t(i)] == doctest::Approx(q[size_t(i)]).epsilon(1e-14));
}

TEST_CASE("rl: Muon's step is Newton-Schulz-orthogonalized Nesterov momentum, scaled by sqrt(max(1, rows/cols))") {
  for (auto [rows, cols] : {std::pair{3, 5}, std::pair{6, 4}}) {
    const int n = rows * cols;
    std::vector<double> p = randn(size_t(n), 21), g = randn(size_t(n), 22), g2 = randn(size_t(n), 23);
    OptimizerConfig oc;
    oc.muon = true;
    Optimizer<double, HostSpace> opt({ParamTensor{"w", 0, rows, cols, true}}, size_t(n), oc);
    const std::vector<double> p0 = p;
    opt.step(exec::serial, p.data(), g.data(), 0.1);
    const std::vector<double> p1 = p;
    opt.step(exec::serial, p.data(), g2.data(), 0.1);
    // reference with Eigen, straight from the formulas
    using M = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    M mom = M::Zero(rows, cols), ref = Eigen::Map<const M>(p0.data(), rows, cols);
    for (const auto* gr : {&g, &g2}) {
      const M G = Eigen::Map<const M>(gr->data(), rows, cols);
      mom = 0.95 * mom + 0.05 * G;
      M X = 0.95 * mom + 0.05 * G;
      const bool tr = rows > cols;
      if (tr) X.transposeInPlace();
      X /= X.norm() + 1e-7;
      for (int k = 0; k < 5; ++k) {
        const M A = X * X.transpose();
        const M B = -4.7750 * A + 2.0315 * A * A;
        X = 3.4445 * X + B * X;
      }
      if (tr) X.transposeInPlace();
      ref -= 0.1 * std::sqrt(std::max(1.0, double(rows) / cols)) * X;
      if (gr == &g)
        for (int i = 0; i < n; ++i) CHECK(p1[size_t(i)] == doctest::Approx(ref.data()[i]).epsilon(1e-12));
    }
    for (int i = 0; i < n; ++i) CHECK(p[size_t(i)] == doctest::Approx(ref.data()[i]).epsilon(1e-12));
    // the orthogonalized update has singular values near 1 (Newton-Schulz's quintic leaves them in ~[0.7, 1.2])
    M U = (Eigen::Map<const M>(p1.data(), rows, cols) - Eigen::Map<const M>(p0.data(), rows, cols)) /
          (-0.1 * std::sqrt(std::max(1.0, double(rows) / cols)));
    Eigen::JacobiSVD<M> svd(U);
    for (int k = 0; k < svd.singularValues().size(); ++k) {
      CHECK(svd.singularValues()(k) > 0.6);
      CHECK(svd.singularValues()(k) < 1.25);
    }
  }
}

TEST_CASE("rl: global gradient-norm clipping") {
  std::vector<double> a = {3, 0}, b = {4};
  GradNorm<exec::Serial, HostSpace, double> gn;
  const double* sq = gn.sumsq(exec::serial, {{a.data(), 2}, {b.data(), 1}});
  CHECK(sq[0] == 25.0);
  gn.clip(exec::serial, {{a.data(), 2}, {b.data(), 1}}, sq, 1.0);
  CHECK(a[0] == doctest::Approx(0.6));
  CHECK(b[0] == doctest::Approx(0.8));
}

TEST_CASE("rl: GAE on a hand-worked example with a termination, a truncation and a rollout end") {
  // one world, 5 steps: steps 0-1 an episode truncated at step 1 (bootstrap V(s_final) = 10),
  // steps 2-3 an episode terminated at step 3, step 4 runs on (V(s_5) = 4)
  const double g = 0.5, l = 0.5;
  const std::vector<double> r = {1, 2, 3, 4, 5}, v = {1, 1, 2, 2, 3}, boot = {0, 10, 0, 0, 0}, last = {4};
  const std::vector<unsigned char> term = {0, 0, 0, 1, 0}, done = {0, 1, 0, 1, 0};
  std::vector<double> adv(5), ret(5);
  GaeFn<double>{r.data(),   v.data(),   boot.data(), last.data(), term.data(), done.data(),
                adv.data(), ret.data(), 5,           1,           g,           l}(0);
  // by hand: d4 = 5 + 0.5*4 - 3 = 4; A4 = 4
  //          d3 = 4 - 2 = 2 (terminated); A3 = 2
  //          d2 = 3 + 0.5*2 - 2 = 2; A2 = 2 + 0.25*2 = 2.5
  //          d1 = 2 + 0.5*10 - 1 = 6 (truncated); A1 = 6
  //          d0 = 1 + 0.5*1 - 1 = 0.5; A0 = 0.5 + 0.25*6 = 2
  const double want[5] = {2, 6, 2.5, 2, 4};
  for (int t = 0; t < 5; ++t) {
    CHECK(adv[size_t(t)] == doctest::Approx(want[t]));
    CHECK(ret[size_t(t)] == doctest::Approx(want[t] + v[size_t(t)]));
  }
}

TEST_CASE("rl: the PPO loss gradient against central differences (clipped and unclipped samples)") {
  const int B = 6, nu = 3;
  std::vector<double> mean = randn(size_t(B * nu), 31, 0.5), act = randn(size_t(B * nu), 32),
                      log_std = {-0.3, 0.1, 0.2};
  std::vector<double> value = randn(size_t(B), 33), ret = randn(size_t(B), 34), v_old = randn(size_t(B), 35, 0.1),
                      adv = randn(size_t(B), 36), logp_old(static_cast<size_t>(B));
  std::vector<unsigned char> valid = {1, 1, 1, 0, 1, 1};
  for (int i = 0; i < B; ++i)  // old log-probabilities near the new ones: some ratios in, some out of the clip range
    logp_old[size_t(i)] =
        gaussian_log_prob(act.data() + i * nu, mean.data() + i * nu, log_std.data(), nu) + 0.3 * normal01(37, 0, i);
  for (int i = 0; i < B; ++i) v_old[size_t(i)] += value[size_t(i)] + (i % 2 ? 0.5 : 0.0);  // some value clips active
  double astat[3] = {0, 0, 0};
  for (int i = 0; i < B; ++i)
    if (valid[size_t(i)]) {
      astat[0] += 1;
      astat[1] += adv[size_t(i)];
      astat[2] += adv[size_t(i)] * adv[size_t(i)];
    }
  PpoCoefficients c{0.2, 0.2, 0.5, 0.01};
  auto loss = [&](std::vector<double>& dm, std::vector<double>& dv, std::vector<double>& dls) {
    dm.assign(size_t(B * nu), 0);
    dv.assign(size_t(B), 0);
    std::vector<double> rows(size_t(B * nu)), st(size_t(B * ppo_nstat));
    PpoLossFn<double> f{
        mean.data(),  value.data(), log_std.data(), act.data(), logp_old.data(), adv.data(), ret.data(), v_old.data(),
        valid.data(), astat,        dm.data(),      dv.data(),  rows.data(),     st.data(),  nu,         c};
    for (int i = 0; i < B; ++i) f(i);
    dls.assign(size_t(nu), -c.entropy_coef);
    for (int i = 0; i < B; ++i)
      for (int u = 0; u < nu; ++u) dls[size_t(u)] += rows[size_t(i * nu + u)];
    double L = 0;
    for (int i = 0; i < B; ++i)
      L += (st[size_t(i * ppo_nstat + 1)] + c.value_coef * st[size_t(i * ppo_nstat + 2)]) / astat[0];
    return L - c.entropy_coef * gaussian_entropy(log_std.data(), nu);
  };
  std::vector<double> dm, dv, dls, t1, t2, t3;
  loss(dm, dv, dls);
  const double h = 1e-6;
  double worst = 0;
  auto fd = [&](double& x, double analytic) {
    const double x0 = x;
    x = x0 + h;
    const double fp = loss(t1, t2, t3);
    x = x0 - h;
    const double fm = loss(t1, t2, t3);
    x = x0;
    worst = std::max(worst, std::fabs((fp - fm) / (2 * h) - analytic));
  };
  for (int k = 0; k < B * nu; ++k) fd(mean[size_t(k)], dm[size_t(k)]);
  for (int k = 0; k < B; ++k) fd(value[size_t(k)], dv[size_t(k)]);
  for (int u = 0; u < nu; ++u) fd(log_std[size_t(u)], dls[size_t(u)]);
  MESSAGE("PPO loss gradient: worst absolute error " << worst);
  CHECK(worst < 1e-7);
  // the dropped sample contributes nothing
  for (int u = 0; u < nu; ++u) CHECK(dm[size_t(3 * nu + u)] == 0.0);
  CHECK(dv[3] == 0.0);
}

TEST_CASE("rl: running mean and variance equal the two-pass statistics of every valid row seen") {
  const int n = 3;
  RunningMeanStd<HostSpace> rms(n);
  std::vector<double> all;
  for (int batch = 0; batch < 4; ++batch) {
    const int rows = 5 + batch;
    std::vector<float> x(size_t(rows * n));
    std::vector<unsigned char> valid(static_cast<size_t>(rows));
    for (int i = 0; i < rows; ++i) {
      valid[size_t(i)] = (i + batch) % 4 != 0;
      for (int j = 0; j < n; ++j) {
        x[size_t(i * n + j)] = float(1 + j + (j + 1) * normal01(41, batch, size_t(i * n + j)));
        if (valid[size_t(i)]) all.push_back(double(x[size_t(i * n + j)]));
      }
    }
    x[0] = valid[0] ? x[0] : NAN;  // an invalid row may hold anything
    rms.update(exec::serial, x.data(), rows, valid.data());
  }
  const size_t N = all.size() / n;
  CHECK(rms.count_host() == double(N));
  const auto mean = rms.mean_host(), var = rms.var_host();
  for (int j = 0; j < n; ++j) {
    double m = 0, v = 0;
    for (size_t i = 0; i < N; ++i) m += all[i * n + size_t(j)];
    m /= double(N);
    for (size_t i = 0; i < N; ++i) v += (all[i * n + size_t(j)] - m) * (all[i * n + size_t(j)] - m);
    v /= double(N);
    CHECK(mean[size_t(j)] == doctest::Approx(m).epsilon(1e-12));
    CHECK(var[size_t(j)] == doctest::Approx(v).epsilon(1e-12));
  }
  // normalization: (x - mean) / sqrt(var + 1e-8), clipped
  std::vector<double> x = {mean[0] + 100 * std::sqrt(var[0]), mean[1], mean[2] - std::sqrt(var[2] + normalizer_eps)},
                      y(3);
  normalize(exec::serial, rms, x.data(), y.data(), 1, 5.0);
  CHECK(y[0] == 5.0);
  CHECK(y[1] == doctest::Approx(0.0).scale(1));
  CHECK(y[2] == doctest::Approx(-1.0));
}

TEST_CASE("rl: configuration by name, JSON round trip, and clear errors for bad names and values") {
  TrainConfig c = preset("arm");
  c.set("lr", "3e-4");
  c.set("actor_hidden=64x3");
  c.set("optimizer", "muon");
  CHECK(c.lr == 3e-4);
  CHECK(TrainConfig::widths("actor_hidden", c.actor_hidden) == std::vector<int>{64, 64, 64});
  TrainConfig d = preset("fullbody");
  d.apply_json(c.to_json());
  CHECK(d.to_json() == c.to_json());
  auto msg = [&](auto f) {
    try {
      f();
    } catch (const std::exception& e) { return std::string(e.what()); }
    return std::string();
  };
  CHECK(msg([&] { c.set("learning_rate", "1"); }).find("unknown hyper-parameter 'learning_rate'") != std::string::npos);
  CHECK(msg([&] { c.set("lr", "fast"); }).find("parameter 'lr' takes a finite number, got 'fast'") !=
        std::string::npos);
  CHECK(msg([&] { c.set("nworld", "-3"); }).find("parameter 'nworld' takes an integer") != std::string::npos);
  CHECK(msg([&] { c.set("optimizer", "sgd"); }).find("'sgd' is not one of muon, adam") != std::string::npos);
  CHECK(msg([&] { c.set("layernorm", "maybe"); }).find("'layernorm' takes true or false") != std::string::npos);
  CHECK(msg([&] { c.set("oops"); }).find("--set takes name=value") != std::string::npos);
  CHECK(msg([&] { preset("leg"); }).find("unknown preset 'leg'") != std::string::npos);
}

TEST_CASE(
    "rl: same seed, same log; checkpoint round trip and bit-identical resume; mismatched checkpoints are named "
    "errors") {
  const Model<double> m = load_mjcf(kRoot + "/models/arm.xml");
  const Trajectory ref = control_rate(m, load_trajectory(kRoot + "/models/arm_reach.npz"));
  const TrainConfig cfg = small_arm_config();
  auto run = [&](int updates, int threads, const std::string& save_at_2, const std::string& resume) {
    PpoTrainer<float, exec::OpenMP> tr(exec::OpenMP{threads}, m, ref, cfg);
    if (!resume.empty()) tr.load(resume, PpoTrainer<float, exec::OpenMP>::Load::resume);
    std::vector<std::vector<double>> logs;
    while (tr.updates() < updates) {
      UpdateLog l = tr.update();
      l.wall_s = l.steps_per_s = l.sim_share = l.learn_share = 0;  // timings differ run to run
      logs.push_back(log_values(l));
      for (double& x : logs.back())
        if (std::isnan(x)) x = -1;  // no episode ended: NaN lengths, compared as equal
      if (tr.updates() == 2 && !save_at_2.empty()) tr.save(save_at_2);
    }
    std::vector<float> params(tr.actor().params(), tr.actor().params() + tr.actor().nparam());
    return std::pair{logs, params};
  };
  const std::string ck = "/tmp/sinew_rl_test_ck.npz";
  const auto a = run(4, 2, ck, "");
  const auto b = run(4, 2, "", "");
  CHECK(a.first == b.first);  // same seed, same log (bitwise)
  CHECK(a.second == b.second);
  const auto one = run(4, 1, "", "");
  CHECK(one.first == a.first);  // and the same on one thread
  const auto c = run(4, 2, "", ck);
  REQUIRE(c.first.size() == 2);
  CHECK(c.first[0] == a.first[2]);  // resumed at update 2: updates 3 and 4 bit-identical
  CHECK(c.first[1] == a.first[3]);
  CHECK(c.second == a.second);
  // the checkpoint holds every parameter by name, readable as plain arrays
  const auto arrays = read_npz(ck);
  CHECK(arrays.at("actor.layer0.weight").shape == std::vector<size_t>{16, 121});
  CHECK(arrays.at("log_std").shape == std::vector<size_t>{6});
  CHECK(arrays.count("opt_m.critic.layer2.bias"));
  CHECK(arrays.at("config").as_strings().at(0).find("\"actor_hidden\": \"16,16\"") != std::string::npos);
  // a checkpoint of another network or another observation is refused, naming the array
  auto msg = [&](TrainConfig other) {
    try {
      PpoTrainer<float, exec::OpenMP> tr(exec::omp, m, ref, other);
      tr.load(ck, PpoTrainer<float, exec::OpenMP>::Load::init);
    } catch (const std::exception& e) { return std::string(e.what()); }
    return std::string();
  };
  TrainConfig wider = cfg;
  wider.actor_hidden = "32,16";
  CHECK(msg(wider).find("'actor.layer0.weight' has shape (16, 121), this network needs (32, 121)") !=
        std::string::npos);
  TrainConfig fewer = cfg;
  fewer.nfuture = 1;
  CHECK(msg(fewer).find("checkpoint observation size 121") != std::string::npos);
  TrainConfig deeper = cfg;
  deeper.actor_hidden = "16";
  CHECK(msg(deeper).find("checkpoint has 'actor.layer2.weight': its network is deeper") != std::string::npos);
  std::remove(ck.c_str());
}

TEST_CASE("rl: a world driven to NaN is terminated, reset and dropped from the update; the networks stay finite") {
  const Model<double> m = load_mjcf(kRoot + "/models/arm.xml");
  const Trajectory ref = control_rate(m, load_trajectory(kRoot + "/models/arm_reach.npz"));
  PpoTrainer<double, exec::OpenMP> tr(exec::omp, m, ref, small_arm_config());
  tr.update();
  std::vector<double> q = tr.env().data().get("qvel", 5);
  q[1] = NAN;
  tr.env().data().set("qvel", 5, q);
  const UpdateLog l = tr.update();
  CHECK(l.dropped >= 1);
  CHECK(std::isfinite(l.reward));
  CHECK(std::isfinite(l.policy_loss));
  for (size_t i = 0; i < tr.actor().nparam(); ++i) REQUIRE(std::isfinite(tr.actor().params()[i]));
  for (size_t i = 0; i < tr.critic().nparam(); ++i) REQUIRE(std::isfinite(tr.critic().params()[i]));
  const auto st = tr.env().data().status();
  CHECK(st[5] == STATUS_OK);  // reset
  const UpdateLog l2 = tr.update();
  CHECK(l2.dropped == 0);
}

TEST_CASE("rl: the arm preset learns a reaching motion it was not tuned on (fixed seed, evaluation thresholds)") {
  // Not models/arm_reach.npz (the main job's motion): a slower out-and-back reach with other
  // amplitudes and another time course (cosine, not minimum jerk). The forearm stays neutral:
  // the arm has no pronator muscle, so a pronation target is not reachable.
  const Model<double> m = load_mjcf(kRoot + "/models/arm.xml");
  const Trajectory ref = control_rate(m, arm_motion(m, 0.4, 1.5, 1.5, 0.5, 0.0, 2.5));
  TrainConfig cfg = preset("arm");
  cfg.seed = 1;
  cfg.total_steps = 1500000;
  PpoTrainer<float, exec::OpenMP> tr(exec::omp, m, ref, cfg);
  UpdateLog first, last;
  while (tr.env_steps() < cfg.total_steps) {
    last = tr.update();
    if (last.update == 1) first = last;
  }
  const EvalResult r = evaluate(exec::omp, m, ref, tr);
  MESSAGE("arm learning: reward " << first.reward << " -> " << last.reward << ", joint_r " << r.overall.joint_r
                                  << ", joint_rmse " << r.overall.joint_rmse << ", site_error " << r.overall.site_error
                                  << ", early " << r.early_rate << ", " << last.steps_per_s << " env steps/s");
  CHECK(r.early_rate == 0);
  CHECK(r.overall.joint_r >= 0.95);
  CHECK(r.overall.joint_rmse <= 0.1);
  CHECK(r.overall.site_error <= 0.03);
  CHECK(r.clips.at(0).frames == ref.clip_length(0));
}
