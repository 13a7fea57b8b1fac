// PPO on the batched imitation environment (MuscleMimic's training loop): T-step rollouts of all
// worlds into buffers on the backend, GAE, E epochs x B shuffled minibatches, clipped surrogate
// and value losses, global gradient-norm clip, Adam or Muon, linear learning-rate decay, running
// observation and reward normalization. docs/training.md describes the algorithm and every
// hyper-parameter.
//
//   sinew::rl::TrainConfig cfg = sinew::rl::preset("arm");
//   sinew::rl::PpoTrainer<float, sinew::exec::OpenMP> tr(sinew::exec::omp, model, ref, cfg);
//   while (tr.env_steps() < cfg.total_steps) { sinew::rl::UpdateLog log = tr.update(); ... }
//   tr.save("final.npz");
//
// Every per-world and per-sample piece of work is a functor on the policy; the matrix products go
// through rl::gemm. On exec::Cuda nothing crosses to the host per environment step or per
// minibatch: the host reads back only the logged scalars once per update (and copies each
// epoch's shuffle to the device).
//
// A world whose state turns non-finite (TERM_NONFINITE) or whose observation does is
// terminated and reset; its sample is dropped (zero weight in every loss and statistic) and
// counted (UpdateLog::dropped); no NaN reaches the networks.
#pragma once
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "sinew/imitation/env.hpp"
#include "sinew/rl/config.hpp"
#include "sinew/rl/gae.hpp"
#include "sinew/rl/gaussian.hpp"
#include "sinew/rl/mlp.hpp"
#include "sinew/rl/normalizer.hpp"
#include "sinew/rl/optimizer.hpp"
#include "sinew/rl/ppo_loss.hpp"
#include "sinew/rl/trainer_kernels.hpp"

namespace sinew::rl {

/// The reward of a configuration: MuscleMimic's eight terms with the configured weights.
template <class T> DefaultMimicReward<T> reward_from(const TrainConfig& c) {
  auto r = make_mimic_reward<T>(JointPosTerm<T>{T(c.w_qpos), T(10)}, JointVelTerm<T>{T(c.w_qvel), T(2)},
                                RootPosTerm<T>{T(c.w_root_pos), T(10)}, RootVelTerm<T>{T(c.w_root_vel), T(10)},
                                SitePosTerm<T>{T(c.w_site_pos), T(100)}, SiteRotTerm<T>{T(c.w_site_rot), T(10)},
                                SiteAngVelTerm<T>{T(c.w_site_angvel), T(0.1)},
                                SiteLinVelTerm<T>{T(c.w_site_linvel), T(0.1)});
  r.penalty_scale = T(c.penalty_scale);
  r.action_rate_scale = T(c.action_rate_scale);
  r.activation_scale = T(c.activation_scale);
  return r;
}

/// The environment configuration of a training configuration (termination: training thresholds).
inline ImitationConfig env_config(const TrainConfig& c) {
  ImitationConfig e;
  e.substeps = c.substeps;
  e.horizon = c.horizon;
  e.mimic_sites = TrainConfig::split(c.mimic_sites);
  e.obs.nfuture = c.nfuture;
  e.obs.future_stride = c.future_stride;
  e.obs.touch = c.obs_touch;
  e.obs.future_root = c.obs_future_root;
  e.obs.rel_sites = c.obs_rel_sites;
  e.seed = (unsigned long long)c.seed ^ 0x5EED5EEDull;
  return e;
}

/// What one update measured (host). Means are over the update's valid samples.
struct UpdateLog {
  long long update = 0, env_steps = 0;
  double wall_s = 0, steps_per_s = 0, sim_share = 0, learn_share = 0;
  double reward = 0;
  std::vector<double> terms;  ///< each reward term's mean
  double episode_length = NAN, termination_rate = NAN;
  long long episodes = 0, dropped = 0;
  double policy_loss = 0, value_loss = 0, approx_kl = 0, clip_fraction = 0, entropy = 0, std = 0, lr = 0, grad_norm = 0;
};

/// Column names of log.csv, in UpdateLog order (term columns named after the reward terms).
inline std::vector<std::string> log_columns(const std::vector<std::string>& term_names) {
  std::vector<std::string> c = {"update",    "env_steps",   "wall_s", "env_steps_per_s",
                                "sim_share", "learn_share", "reward"};
  for (const auto& t : term_names) c.push_back("reward_" + t);
  for (const char* n : {"episode_length", "termination_rate", "episodes", "dropped", "policy_loss", "value_loss",
                        "approx_kl", "clip_fraction", "entropy", "std", "lr", "grad_norm"})
    c.push_back(n);
  return c;
}
inline std::vector<double> log_values(const UpdateLog& l) {
  std::vector<double> v = {double(l.update), double(l.env_steps), l.wall_s, l.steps_per_s,
                           l.sim_share,      l.learn_share,       l.reward};
  v.insert(v.end(), l.terms.begin(), l.terms.end());
  for (double x : {l.episode_length, l.termination_rate, double(l.episodes), double(l.dropped), l.policy_loss,
                   l.value_loss, l.approx_kl, l.clip_fraction, l.entropy, l.std, l.lr, l.grad_norm})
    v.push_back(x);
  return v;
}
/// The names of the default reward's terms, in order.
inline std::vector<std::string> default_term_names() {
  return {"qpos", "qvel", "root_pos", "root_vel", "site_pos", "site_rot", "site_angvel", "site_linvel"};
}

template <class T, class E, class Reward = DefaultMimicReward<T>> class PpoTrainer {
 public:
  using Space = typename E::space;
  using Env = ImitationEnv<T, E, Reward>;

  PpoTrainer(E e, const Model<double>& model, const Trajectory& ref, TrainConfig cfg, Reward reward)
      : e_(e),
        cfg_(std::move(cfg)),
        env_(e, model, ref, cfg_.nworld, env_config(cfg_), reward, termination(cfg_, false)) {
    static_assert(Reward::nterm <= max_log_terms, "too many reward terms for the log");
    W_ = cfg_.nworld;
    nobs_ = env_.nobs();
    nu_ = env_.nu();
    if (nu_ <= 0) throw std::invalid_argument("PpoTrainer: the model has no actuators");
    const long long nsample = (long long)W_ * cfg_.nsteps;
    if (cfg_.minibatches > nsample)
      throw std::invalid_argument("PpoTrainer: minibatches (" + std::to_string(cfg_.minibatches) +
                                  ") exceeds the samples per update (" + std::to_string(nsample) + ")");
    actor_ = Mlp<T, Space>(MlpSpec{nobs_, nu_, TrainConfig::widths("actor_hidden", cfg_.actor_hidden), cfg_.layernorm});
    critic_ =
        Mlp<T, Space>(MlpSpec{nobs_, 1, TrainConfig::widths("critic_hidden", cfg_.critic_hidden), cfg_.layernorm});
    actor_.init((unsigned long long)cfg_.seed, 0.01, 1);
    critic_.init((unsigned long long)cfg_.seed, 1.0, 2);
    if (!(cfg_.init_std > 0)) throw std::invalid_argument("init_std must be positive");
    from_host(log_std_, std::vector<T>(size_t(nu_), T(std::log(cfg_.init_std))));
    log_std_grad_.resize(size_t(nu_));
    OptimizerConfig oc{cfg_.optimizer == "muon", cfg_.adam_b1,       cfg_.adam_b2,       cfg_.adam_eps,
                       cfg_.muon_momentum,       cfg_.muon_nesterov, cfg_.muon_ns_steps, cfg_.weight_decay};
    OptimizerConfig adam = oc;
    adam.muon = false;
    opt_actor_ = Optimizer<T, Space>(mlp_tensors(actor_.spec(), "actor."), actor_.nparam(), oc);
    opt_critic_ = Optimizer<T, Space>(mlp_tensors(critic_.spec(), "critic."), critic_.nparam(), oc);
    opt_log_std_ = Optimizer<T, Space>({ParamTensor{"log_std", 0, nu_, 1, false}}, size_t(nu_), adam);
    obs_rms_ = RunningMeanStd<Space>(nobs_);
    ret_rms_ = RunningMeanStd<Space>(1);
    const size_t N = size_t(nsample), Wz = size_t(W_);
    obs_buf_.resize(N * size_t(nobs_));
    act_buf_.resize(N * size_t(nu_));
    logp_buf_.resize(N);
    val_buf_.resize(N);
    rew_buf_.resize(N);
    boot_buf_.resize(N);
    adv_buf_.resize(N);
    ret_buf_.resize(N);
    valid_buf_.resize(N);
    term_buf_.resize(N);
    done_buf_.resize(N);
    last_val_.resize(Wz);
    tmp_obs_.resize(Wz * size_t(nobs_));
    trunc_ok_.resize(Wz);
    raw_rew_.resize(Wz);
    from_host(ret_run_, std::vector<T>(Wz, T(0)));
    from_host(ep_len_, std::vector<int>(Wz, 0));
    from_host(bad_carry_, std::vector<unsigned char>(Wz, 0));
    from_host(need_reset_, std::vector<unsigned char>(Wz, 0));
    from_host(obs_ok_, std::vector<unsigned char>(Wz, 1));
    nacc_ = Reward::nterm + 5;
    acc_.resize(Wz * size_t(nacc_));
    acc_sum_.resize(size_t(max_log_terms + 5));
    mb_ = int(N / size_t(cfg_.minibatches));
    const size_t M = size_t(mb_);
    mobs_.resize(M * size_t(nobs_));
    mact_.resize(M * size_t(nu_));
    mlogp_.resize(M);
    madv_.resize(M);
    mret_.resize(M);
    mval_.resize(M);
    mvalid_.resize(M);
    dmean_.resize(M * size_t(nu_));
    dvalue_.resize(M);
    dlogstd_rows_.resize(M * size_t(nu_));
    stats_rows_.resize(M * size_t(ppo_nstat));
    adv_stats_.resize(3);
    stat_mb_.resize(ppo_nstat);
    stat_sum_.resize(ppo_nstat + 1);
    perm_.resize(N);
    env_.reset();
  }
  /// With MuscleMimic's reward, weighted as the configuration says.
  PpoTrainer(E e, const Model<double>& model, const Trajectory& ref,
             TrainConfig cfg) requires std::is_same_v<Reward, DefaultMimicReward<T>>
      : PpoTrainer(e, model, ref, cfg, reward_from<T>(cfg)) {}

  Env& env() { return env_; }
  TrainConfig& config() { return cfg_; }
  Mlp<T, Space>& actor() { return actor_; }
  Mlp<T, Space>& critic() { return critic_; }
  RunningMeanStd<Space>& obs_normalizer() { return obs_rms_; }
  std::vector<T> log_std_host() const { return to_host(log_std_); }
  long long env_steps() const { return env_steps_; }
  long long updates() const { return update_; }
  long long total_updates() const {
    const long long per = (long long)W_ * cfg_.nsteps;
    return std::max(1LL, (cfg_.total_steps + per - 1) / per);
  }
  int nobs() const { return nobs_; }
  int nu() const { return nu_; }

  /// MuscleMimic's termination thresholds of the configuration: training or evaluation.
  static MimicTermination<T> termination(const TrainConfig& c, bool eval) {
    MimicTermination<T> t;
    t.site_deviation = T(eval ? c.eval_site_deviation : c.term_site_deviation);
    t.root_position = T(eval ? c.eval_root_position : c.term_root_position);
    t.root_orientation = T(eval ? c.eval_root_orientation : c.term_root_orientation);
    return t;
  }

  /// Learning rate at the current update.
  double learning_rate() const {
    if (cfg_.lr_schedule == "constant") return cfg_.lr;
    const double f = std::min(1.0, double(update_) / double(total_updates()));
    return cfg_.lr * (1.0 - (1.0 - cfg_.lr_final_fraction) * f);
  }

  /// One PPO update: a rollout of nsteps control steps in every world, then the learning phase.
  UpdateLog update() {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    double sim = 0;
    parallel_for(e_, W_ * nacc_, detail::FillFn<double>{raw<double, Space>(acc_), 0.0});
    const int T_ = cfg_.nsteps;
    for (int t = 0; t < T_; ++t) {
      const size_t base = size_t(t) * size_t(W_);
      T* obs_t = raw<T, Space>(obs_buf_) + base * size_t(nobs_);
      T* env_obs = env_.obs_mutable_ptr();
      if (cfg_.obs_norm) {
        obs_rms_.update(e_, (const T*)env_obs, W_, ptr(obs_ok_));
        normalize(e_, obs_rms_, (const T*)env_obs, obs_t, W_, cfg_.obs_clip);
      } else {
        copy(env_obs, obs_t, size_t(W_) * size_t(nobs_));
      }
      const T* mean = actor_.forward(e_, obs_t, W_);
      parallel_for(e_, W_,
                   GaussianSampleFn<T>{mean, ptr(log_std_), ptr(act_buf_) + base * size_t(nu_), ptr(logp_buf_) + base,
                                       nu_, (unsigned long long)cfg_.seed, (unsigned long long)rng_step_, false});
      ++rng_step_;
      copy(critic_.forward(e_, obs_t, W_), ptr(val_buf_) + base, size_t(W_));
      const auto s0 = clock::now();
      env_.step(ptr(act_buf_) + base * size_t(nu_));
      sync();
      sim += std::chrono::duration<double>(clock::now() - s0).count();
      parallel_for(e_, W_,
                   detail::PostStepFn<T>{env_.reward_ptr(),
                                         env_.term_values_ptr(),
                                         env_.obs_ptr(),
                                         env_.final_obs_ptr(),
                                         env_.terminated_ptr(),
                                         env_.truncated_ptr(),
                                         env_.reason_ptr(),
                                         ptr(bad_carry_),
                                         ptr(need_reset_),
                                         ptr(valid_buf_) + base,
                                         ptr(term_buf_) + base,
                                         ptr(done_buf_) + base,
                                         ptr(trunc_ok_),
                                         ptr(ret_run_),
                                         ptr(raw_rew_),
                                         ptr(ep_len_),
                                         ptr(acc_),
                                         nobs_,
                                         Reward::nterm,
                                         nacc_,
                                         T(cfg_.gamma)});
      if (cfg_.reward_norm) ret_rms_.update(e_, (const T*)ptr(ret_run_), W_, ptr(valid_buf_) + base);
      parallel_for(
          e_, W_,
          detail::ScaleRewardFn<T>{ptr(raw_rew_), ptr(done_buf_) + base, cfg_.reward_norm ? ret_rms_.var() : nullptr,
                                   ptr(ret_run_), ptr(rew_buf_) + base});
      env_.reset_where(ptr(need_reset_));
      parallel_for(e_, W_, detail::SanitizeObsFn<T>{env_obs, ptr(bad_carry_), ptr(need_reset_), ptr(obs_ok_), nobs_});
      // V(s_final) of truncated episodes
      parallel_for(
          e_, W_ * nobs_,
          detail::FinalObsFn<T>{env_.final_obs_ptr(), ptr(trunc_ok_), cfg_.obs_norm ? obs_rms_.mean() : nullptr,
                                obs_rms_.var(), ptr(tmp_obs_), nobs_, cfg_.obs_clip});
      copy(critic_.forward(e_, ptr(tmp_obs_), W_), ptr(boot_buf_) + base, size_t(W_));
      env_steps_ += W_;
    }
    // V(s_T)
    if (cfg_.obs_norm) normalize(e_, obs_rms_, env_.obs_ptr(), ptr(tmp_obs_), W_, cfg_.obs_clip);
    else copy(env_.obs_ptr(), ptr(tmp_obs_), size_t(W_) * size_t(nobs_));
    copy(critic_.forward(e_, ptr(tmp_obs_), W_), ptr(last_val_), size_t(W_));
    parallel_for(e_, W_,
                 GaeFn<T>{ptr(rew_buf_), ptr(val_buf_), ptr(boot_buf_), ptr(last_val_), ptr(term_buf_), ptr(done_buf_),
                          ptr(adv_buf_), ptr(ret_buf_), T_, W_, T(cfg_.gamma), T(cfg_.gae_lambda)});
    sync();
    const auto t1 = clock::now();
    UpdateLog log = learn();
    sync();
    const auto t2 = clock::now();
    // statistics of the rollout
    red_.template sum<max_log_terms + 5>(e_, W_, detail::AccRowsFn{ptr(acc_), nacc_}, ptr(acc_sum_));
    const std::vector<double> a = to_host(acc_sum_);
    const int nt = Reward::nterm;
    const double nvalid = double(W_) * T_ - a[size_t(nt + 4)];
    log.reward = nvalid > 0 ? a[0] / nvalid : NAN;
    for (int k = 0; k < nt; ++k) log.terms.push_back(nvalid > 0 ? a[size_t(1 + k)] / nvalid : NAN);
    log.episodes = (long long)a[size_t(nt + 1)];
    log.episode_length = log.episodes ? a[size_t(nt + 2)] / double(log.episodes) : NAN;
    log.termination_rate = log.episodes ? a[size_t(nt + 3)] / double(log.episodes) : NAN;
    log.dropped = (long long)a[size_t(nt + 4)];
    ++update_;
    const double rollout_s = std::chrono::duration<double>(t1 - t0).count(),
                 learn_s = std::chrono::duration<double>(t2 - t1).count();
    wall_ += rollout_s + learn_s;
    log.update = update_;
    log.env_steps = env_steps_;
    log.wall_s = wall_;
    log.steps_per_s = double(W_) * T_ / (rollout_s + learn_s);
    log.sim_share = sim / (rollout_s + learn_s);
    log.learn_share = 1.0 - log.sim_share;
    return log;
  }

  /// Deterministic (mean) actions of the current policy for nrow raw observations (normalized
  /// with the frozen statistics), into `action` (policy memory, nrow x nu).
  void act_deterministic(const T* raw_obs, int nrow, T* action) {
    if (size_t(nrow) * size_t(nobs_) > tmp_obs_.size()) tmp_obs_.resize(size_t(nrow) * size_t(nobs_));
    if (cfg_.obs_norm) normalize(e_, obs_rms_, raw_obs, ptr(tmp_obs_), nrow, cfg_.obs_clip);
    else copy(raw_obs, ptr(tmp_obs_), size_t(nrow) * size_t(nobs_));
    copy(actor_.forward(e_, ptr(tmp_obs_), nrow), action, size_t(nrow) * size_t(nu_));
  }

  // ---- checkpoints ----

  /// What load() takes from a checkpoint.
  enum class Load {
    resume,    ///< everything: continues the run bit-identically (CPU)
    init,      ///< weights, log-std and normalizers: a new run (fine-tuning) starts from them
    evaluate,  ///< weights, log-std and the observation normalizer
  };

  /// Writes the checkpoint (.npz, readable with numpy alone): every parameter by name, the
  /// log-std, the optimizers' moments and step counts, the normalizers, the counters, the
  /// configuration (JSON) and the environments' state.
  void save(const std::string& path) {
    std::vector<std::pair<std::string, NpyBlob>> a;
    auto tensor = [&](const std::string& name, const std::vector<T>& flat, const ParamTensor& t) {
      std::vector<size_t> shape = t.cols > 1 || t.matrix ? std::vector<size_t>{size_t(t.rows), size_t(t.cols)}
                                                         : std::vector<size_t>{size_t(t.rows)};
      a.push_back({name, NpyBlob::from(flat.data() + t.offset, shape)});
    };
    auto net = [&](Mlp<T, Space>& n, Optimizer<T, Space>& o, const std::string& prefix) {
      const auto p = to_host(n.param_buffer()), m = to_host(o.m()), v = to_host(o.v());
      for (const auto& t : mlp_tensors(n.spec(), prefix)) {
        tensor(t.name, p, t);
        tensor("opt_m." + t.name, m, t);
        tensor("opt_v." + t.name, v, t);
      }
      a.push_back({"opt_step." + prefix.substr(0, prefix.size() - 1), NpyBlob::scalar(int64_t(o.step_count()))});
    };
    net(actor_, opt_actor_, "actor.");
    net(critic_, opt_critic_, "critic.");
    {
      const ParamTensor t{"log_std", 0, nu_, 1, false};
      tensor("log_std", to_host(log_std_), t);
      tensor("opt_m.log_std", to_host(opt_log_std_.m()), t);
      tensor("opt_v.log_std", to_host(opt_log_std_.v()), t);
      a.push_back({"opt_step.log_std", NpyBlob::scalar(int64_t(opt_log_std_.step_count()))});
    }
    auto vec = [&](const std::string& n, const std::vector<double>& v) {
      a.push_back({n, NpyBlob::from(v.data(), {v.size()})});
    };
    vec("obs_norm.mean", obs_rms_.mean_host());
    vec("obs_norm.var", obs_rms_.var_host());
    a.push_back({"obs_norm.count", NpyBlob::scalar(obs_rms_.count_host())});
    vec("return_norm.mean", ret_rms_.mean_host());
    vec("return_norm.var", ret_rms_.var_host());
    a.push_back({"return_norm.count", NpyBlob::scalar(ret_rms_.count_host())});
    a.push_back({"update", NpyBlob::scalar(int64_t(update_))});
    a.push_back({"env_steps", NpyBlob::scalar(int64_t(env_steps_))});
    a.push_back({"rng_step", NpyBlob::scalar(int64_t(rng_step_))});
    a.push_back({"wall_s", NpyBlob::scalar(wall_)});
    a.push_back({"obs_size", NpyBlob::scalar(int64_t(nobs_))});
    a.push_back({"action_size", NpyBlob::scalar(int64_t(nu_))});
    a.push_back({"nworld", NpyBlob::scalar(int64_t(W_))});
    a.push_back({"precision", NpyBlob::strings({sizeof(T) == 4 ? "float" : "double"})});
    a.push_back({"config", NpyBlob::strings({cfg_.to_json()})});
    for (const auto& [k, v] : env_.state()) vec("env." + k, v);
    auto dv = [](const auto& host) { return std::vector<double>(host.begin(), host.end()); };
    vec("trainer.return", dv(to_host(ret_run_)));
    vec("trainer.episode_length", dv(to_host(ep_len_)));
    vec("trainer.bad_carry", dv(to_host(bad_carry_)));
    vec("trainer.obs_ok", dv(to_host(obs_ok_)));
    write_npz(path, a);
  }

  /// Reads a checkpoint written by save(); a missing array or one whose shape does not fit
  /// this model, observation or network is an error naming it and the file.
  void load(const std::string& path, Load what) {
    const auto a = read_npz(path);
    auto need = [&](const std::string& k) -> const NpyBlob& {
      auto it = a.find(k);
      if (it == a.end()) throw std::runtime_error(path + ": checkpoint lacks '" + k + "'");
      return it->second;
    };
    auto shape_str = [](const std::vector<size_t>& s) {
      std::string o = "(";
      for (size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
      return o + (s.size() == 1 ? ",)" : ")");
    };
    auto scalar = [&](const std::string& k) { return need(k).as_double().at(0); };
    const int ck_obs = int(scalar("obs_size")), ck_nu = int(scalar("action_size"));
    if (ck_obs != nobs_)
      throw std::runtime_error(path + ": checkpoint observation size " + std::to_string(ck_obs) +
                               ", this model and configuration give " + std::to_string(nobs_));
    if (ck_nu != nu_)
      throw std::runtime_error(path + ": checkpoint action size " + std::to_string(ck_nu) + ", this model has " +
                               std::to_string(nu_) + " actuators");
    auto into = [&](const std::string& k, std::vector<T>& flat, const ParamTensor& t) {
      const NpyBlob& b = need(k);
      const std::vector<size_t> want = t.cols > 1 || t.matrix ? std::vector<size_t>{size_t(t.rows), size_t(t.cols)}
                                                              : std::vector<size_t>{size_t(t.rows)};
      if (b.shape != want)
        throw std::runtime_error(path + ": '" + k + "' has shape " + shape_str(b.shape) + ", this network needs " +
                                 shape_str(want));
      const auto v = b.as_double();
      for (size_t i = 0; i < v.size(); ++i) flat[t.offset + i] = T(v[i]);
    };
    auto net = [&](Mlp<T, Space>& n, Optimizer<T, Space>& o, const std::string& prefix) {
      std::vector<T> p(n.nparam()), m(p.size()), v(p.size());
      const auto tensors = mlp_tensors(n.spec(), prefix);
      const std::string extra = prefix + "layer" + std::to_string(n.layers().size()) + ".weight";
      if (a.count(extra))
        throw std::runtime_error(path + ": checkpoint has '" + extra +
                                 "': its network is deeper than this configuration's");
      for (const auto& t : tensors) into(t.name, p, t);
      from_host(n.param_buffer(), p);
      if (what == Load::resume) {
        for (const auto& t : tensors) {
          into("opt_m." + t.name, m, t);
          into("opt_v." + t.name, v, t);
        }
        from_host(o.m(), m);
        from_host(o.v(), v);
        o.set_step_count((long long)scalar("opt_step." + prefix.substr(0, prefix.size() - 1)));
      }
    };
    net(actor_, opt_actor_, "actor.");
    net(critic_, opt_critic_, "critic.");
    {
      const ParamTensor t{"log_std", 0, nu_, 1, false};
      std::vector<T> l(static_cast<size_t>(nu_));
      into("log_std", l, t);
      from_host(log_std_, l);
      if (what == Load::resume) {
        std::vector<T> m(static_cast<size_t>(nu_)), v(m.size());
        into("opt_m.log_std", m, t);
        into("opt_v.log_std", v, t);
        from_host(opt_log_std_.m(), m);
        from_host(opt_log_std_.v(), v);
        opt_log_std_.set_step_count((long long)scalar("opt_step.log_std"));
      }
    }
    auto vec = [&](const std::string& k, size_t n) {
      const auto v = need(k).as_double();
      if (v.size() != n)
        throw std::runtime_error(path + ": '" + k + "' has " + std::to_string(v.size()) + " values, expected " +
                                 std::to_string(n));
      return v;
    };
    obs_rms_.set_host(vec("obs_norm.mean", size_t(nobs_)), vec("obs_norm.var", size_t(nobs_)),
                      scalar("obs_norm.count"));
    if (what != Load::evaluate)
      ret_rms_.set_host(vec("return_norm.mean", 1), vec("return_norm.var", 1), scalar("return_norm.count"));
    if (what != Load::resume) return;
    if (int(scalar("nworld")) != W_)
      throw std::runtime_error(path + ": resuming needs the checkpoint's nworld (" +
                               std::to_string(int(scalar("nworld"))) + "), got " + std::to_string(W_));
    update_ = (long long)scalar("update");
    env_steps_ = (long long)scalar("env_steps");
    rng_step_ = (long long)scalar("rng_step");
    wall_ = scalar("wall_s");
    std::vector<std::pair<std::string, std::vector<double>>> st;
    for (const auto& [k, v] : a)
      if (k.rfind("env.", 0) == 0) st.push_back({k.substr(4), v.as_double()});
    env_.set_state(st);
    auto back = [&](const std::string& k, auto& buf) {
      using V = typename std::decay_t<decltype(buf)>::value_type;
      const auto v = vec(k, size_t(W_));
      from_host(buf, std::vector<V>(v.begin(), v.end()));
    };
    back("trainer.return", ret_run_);
    back("trainer.episode_length", ep_len_);
    back("trainer.bad_carry", bad_carry_);
    back("trainer.obs_ok", obs_ok_);
  }

 private:
  UpdateLog learn() {
    UpdateLog log;
    const int N = W_ * cfg_.nsteps;
    const double lr = learning_rate();
    parallel_for(e_, ppo_nstat + 1, detail::FillFn<double>{ptr(stat_sum_), 0.0});
    PpoCoefficients pc{cfg_.clip, cfg_.value_clip, cfg_.value_coef, cfg_.entropy_coef};
    int nmb = 0;
    for (int ep = 0; ep < cfg_.epochs; ++ep) {
      // shuffle: Fisher-Yates on the host from the counter generator, copied once per epoch
      std::vector<int> perm(static_cast<size_t>(N));
      for (int i = 0; i < N; ++i) perm[size_t(i)] = i;
      for (int i = N - 1; i > 0; --i) {
        const int j = int(uniform01((unsigned long long)cfg_.seed ^ 0x5A5A5A5Aull, int(update_ * cfg_.epochs + ep),
                                    (unsigned long long)i) *
                          (i + 1));
        std::swap(perm[size_t(i)], perm[size_t(std::min(j, i))]);
      }
      from_host(perm_, perm);
      for (int b = 0; b < cfg_.minibatches; ++b) {
        parallel_for(e_, mb_,
                     detail::GatherFn<T>{ptr(perm_), b * mb_, nobs_, nu_, ptr(obs_buf_), ptr(act_buf_), ptr(logp_buf_),
                                         ptr(adv_buf_), ptr(ret_buf_), ptr(val_buf_), ptr(valid_buf_), ptr(mobs_),
                                         ptr(mact_), ptr(mlogp_), ptr(madv_), ptr(mret_), ptr(mval_), ptr(mvalid_)});
        minibatch_step(pc, lr);
        ++nmb;
      }
    }
    const std::vector<double> s = to_host(stat_sum_);
    const double n = s[0] > 0 ? s[0] : 1;
    log.policy_loss = s[1] / n;
    log.value_loss = s[2] / n;
    log.approx_kl = s[3] / n;
    log.clip_fraction = s[4] / n;
    const std::vector<T> ls = to_host(log_std_);
    double lsum = 0, ssum = 0;
    for (T v : ls) {
      lsum += double(v);
      ssum += std::exp(double(v));
    }
    log.entropy = lsum + nu_ * 0.5 * (1.0 + log_2pi);
    log.std = ssum / nu_;
    log.lr = lr;
    log.grad_norm = s[size_t(ppo_nstat)] / std::max(1, nmb);
    return log;
  }

  /// Forward, loss, backward, clip and optimizer step on the gathered minibatch; the gradient
  /// norm before clipping is added to stat_sum_[ppo_nstat] on the backend (nothing is read back).
  void minibatch_step(const PpoCoefficients& pc, double lr) {
    const int B = mb_;
    const T* mean = actor_.forward(e_, ptr(mobs_), B);
    const T* value = critic_.forward(e_, ptr(mobs_), B);
    red_.template sum<3>(e_, B, detail::AdvMomentsFn<T>{ptr(madv_), ptr(mvalid_)}, ptr(adv_stats_));
    parallel_for(e_, B,
                 PpoLossFn<T>{mean, value, ptr(log_std_), ptr(mact_), ptr(mlogp_), ptr(madv_), ptr(mret_), ptr(mval_),
                              ptr(mvalid_), ptr(adv_stats_), ptr(dmean_), ptr(dvalue_), ptr(dlogstd_rows_),
                              ptr(stats_rows_), nu_, pc});
    parallel_for(e_, nu_,
                 detail::LogStdGradFn<T>{ptr(dlogstd_rows_), B, nu_, T(cfg_.entropy_coef), ptr(log_std_grad_)});
    red_.template sum<ppo_nstat>(e_, B, detail::StatRowFn{ptr(stats_rows_)}, ptr(stat_mb_));
    parallel_for(e_, 1, detail::AccumulateFn{ptr(stat_mb_), ptr(stat_sum_), ppo_nstat});
    actor_.backward(e_, ptr(dmean_));
    critic_.backward(e_, ptr(dvalue_));
    const double* sq = gnorm_.sumsq(
        e_, {{actor_.grad(), actor_.nparam()}, {ptr(log_std_grad_), size_t(nu_)}, {critic_.grad(), critic_.nparam()}});
    gnorm_.clip(
        e_, {{actor_.grad(), actor_.nparam()}, {ptr(log_std_grad_), size_t(nu_)}, {critic_.grad(), critic_.nparam()}},
        sq, cfg_.max_grad_norm);
    opt_actor_.step(e_, actor_.params(), actor_.grad(), lr);
    opt_log_std_.step(e_, ptr(log_std_), ptr(log_std_grad_), lr);
    opt_critic_.step(e_, critic_.params(), critic_.grad(), lr);
    parallel_for(e_, 1, detail::AccumulateSqrtFn{sq, ptr(stat_sum_) + ppo_nstat});
  }

  template <class B> static auto* ptr(B& b) { return sinew::detail::Buffer<typename B::value_type, Space>::ptr(b); }
  void copy(const T* src, T* dst, size_t n) { parallel_for(e_, int(n), detail::CopyFn<T>{src, dst}); }
  void sync() {
#if defined(__CUDACC__)
    if constexpr (std::is_same_v<Space, DeviceSpace>) cudaStreamSynchronize(e_.stream);
#endif
  }

  E e_;
  TrainConfig cfg_;
  Env env_;
  int W_ = 0, nobs_ = 0, nu_ = 0, nacc_ = 0, mb_ = 0;
  Mlp<T, Space> actor_, critic_;
  Buf<T, Space> log_std_, log_std_grad_;
  Optimizer<T, Space> opt_actor_, opt_critic_, opt_log_std_;
  RunningMeanStd<Space> obs_rms_, ret_rms_;
  GradNorm<E, Space, T> gnorm_;
  Reducer<Space> red_;
  Buf<T, Space> obs_buf_, act_buf_, logp_buf_, val_buf_, rew_buf_, boot_buf_, adv_buf_, ret_buf_, last_val_, tmp_obs_,
      raw_rew_, ret_run_;
  Buf<unsigned char, Space> valid_buf_, term_buf_, done_buf_, trunc_ok_, bad_carry_, need_reset_, obs_ok_;
  Buf<int, Space> ep_len_, perm_;
  Buf<double, Space> acc_, acc_sum_, adv_stats_, stat_mb_, stat_sum_, stats_rows_;
  Buf<T, Space> mobs_, mact_, mlogp_, madv_, mret_, mval_, dmean_, dvalue_, dlogstd_rows_;
  Buf<unsigned char, Space> mvalid_;
  long long update_ = 0, env_steps_ = 0, rng_step_ = 0;
  double wall_ = 0;
};

}  // namespace sinew::rl
