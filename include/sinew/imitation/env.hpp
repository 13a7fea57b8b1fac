// A batched motion-imitation environment: the engine (Model, Data, step) plus the task (a
// reference trajectory, a reward, observations, terminations), over nworld worlds.
//
//   sinew::ImitationEnv<double, sinew::exec::OpenMP> env(sinew::exec::omp, model, ref, 1024, cfg);
//   env.reset();                       // reference state initialization in every world
//   env.step(actions);                 // nworld x nu actions in [-1, 1], in the policy's memory
//   env.reward_ptr(); env.obs_ptr(); env.terminated_ptr(); ...   // batched outputs, same memory
//
// Every per-world piece of work is a functor launched with the policy (no host round trip per
// step; host copies only through the *_host() accessors). Worlds that terminate or are
// truncated are reset at the end of the step (auto-reset): the returned observation of such a
// world is the first one of its new episode, and reward/terminated/truncated/info belong to the
// finished step; the last observation of the finished episode is in final_obs_ptr() (what a
// learner bootstraps its value from at a truncation). With ImitationConfig::auto_reset off
// (evaluation), finished worlds keep stepping at their clip's last reference frame instead.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/forward/step.hpp"
#include "sinew/imitation/observation.hpp"
#include "sinew/imitation/reward.hpp"
#include "sinew/imitation/termination.hpp"
#include "sinew/compiler/add_site.hpp"
#include "sinew/model/device_model.hpp"

namespace sinew {

struct ImitationConfig {
  int substeps = 5;                      ///< physics steps per control step
  int horizon = 1000;                    ///< control steps before truncation
  std::vector<std::string> mimic_sites;  ///< site names; the first is the main ("pelvis") site
  ObservationConfig obs;
  unsigned long long seed = 0;
  bool auto_reset = true;  ///< reset worlds whose episode ended at the end of step()
};

/// MuscleMimic's 17 mimic points of MyoFullBody (pelvis, lumbar, head, humeri, ulnae, lunates,
/// femurs, tibiae, tali, toes) as sites "<body>_mimic" at the origins of bodies pelvis, lumbar3,
/// head, humerus_r/l, ulna_r/l, lunate_r/l, femur_r/l, tibia_r/l, talus_r/l, toes_r/l (which
/// lumbar vertebra and the sites' offsets are Sinew's choice: MuscleMimic adds its sites in
/// Python). Returns the names, pelvis first, for ImitationConfig::mimic_sites. Call it before
/// filling the reference (fill_kinematics) and building the environment.
inline std::vector<std::string> add_musclemimic_sites(Model<double>& m) {
  static const char* bodies[] = {"pelvis",  "lumbar3",  "head",     "humerus_r", "humerus_l", "ulna_r",
                                 "ulna_l",  "lunate_r", "lunate_l", "femur_r",   "femur_l",   "tibia_r",
                                 "tibia_l", "talus_r",  "talus_l",  "toes_r",    "toes_l"};
  for (const char* b : bodies)  // all or nothing
    if (Model<double>::find(m.body_names, b) < 0)
      throw std::invalid_argument(std::string("add_musclemimic_sites: the model has no body '") + b +
                                  "' (not MyoFullBody?)");
  std::vector<std::string> names;
  for (const char* b : bodies) {
    names.push_back(std::string(b) + "_mimic");
    add_site(m, names.back(), b);
  }
  return names;
}

/// The environment's per-world buffers, declared once: X(type, name, values per world, kept in
/// state()). Each is the member `name_` of ImitationEnv (a Buf on the backend), the pointer `name`
/// of EnvKernel, and, when kept, the array `name` of state() / set_state(). Values per world are
/// written with the names nobs (observation size), nterm (reward terms) and nu (actions).
// clang-format off
#define SINEW_ENV_BUFFERS(X)                                                                                           \
  X(T, obs, nobs, 1)                                                                                                   \
  X(T, final_obs, nobs, 0) X(T, rew, 1, 0) X(T, terms, nterm, 0) X(T, root_off, 2, 1) X(T, oob, 1, 0) X(T, rate, 1, 0) \
      X(T, prev_action, nu, 1) X(unsigned char, terminated, 1, 0) X(unsigned char, truncated, 1, 0)                    \
          X(unsigned char, mask, 1, 0) X(int, clip, 1, 1) X(int, frame, 1, 1) X(int, steps, 1, 1) X(int, reason, 1, 0) \
              X(unsigned long long, counter, 1, 1)

// clang-format on
namespace detail {
template <class T, class L, class Reward> struct EnvKernel {
  ModelView<T> m;
  DataView<T, L> d;
  TrajectoryView<T> ref;
  MimicSpec<T> spec;
  Reward reward;
  MimicTermination<T> term;
  ObservationConfig obs_cfg;
  int nobs, nu, horizon;
  unsigned long long seed;
  const T* action;
#define SINEW_X(type, name, n, kept) type* name;
  SINEW_ENV_BUFFERS(SINEW_X)
#undef SINEW_X
  int* start_clip;

  SINEW_HD MimicContext<T, L> ctx(int w) const {
    return {m, d.world(w), ref, spec, frame[w], clip[w], {root_off[2 * w], root_off[2 * w + 1]}, oob[w], rate[w]};
  }
};

/// Maps actions in [-1, 1] onto each actuator's ctrlrange (clipped; unlimited actuators take the
/// action as is) and records, for the penalties, the squared out-of-bound part and the squared
/// change of the clipped action since the previous control step (0 at an episode's first step;
/// a NaN action counts as 0 there and sets the control to 0).
template <class T, class L, class R> struct ActionFn {
  EnvKernel<T, L, R> k;
  SINEW_HD void operator()(int w) const {
    const auto d = k.d.world(w);
    T s = 0, r = 0;
    T* prev = k.prev_action + ptrdiff_t(w) * k.nu;
    const bool first = k.steps[w] == 0;
    for (int u = 0; u < k.nu; ++u) {
      const T a = k.action[ptrdiff_t(w) * k.nu + u];
      const T c = a < T(-1) ? T(-1) : (a > T(1) ? T(1) : a);
      if (a == a) s += (a - c) * (a - c);
      const T cr = c == c ? c : T(0);
      if (!first) r += (cr - prev[u]) * (cr - prev[u]);
      prev[u] = cr;
      if (!(a == a)) {
        d.ctrl[u] = T(0);  // a NaN action: control 0, as MuJoCo replaces a bad control (no NaN reaches the observation)
      } else if (k.m.actuator_ctrllimited[u]) {
        const T lo = k.m.actuator_ctrlrange[2 * u], hi = k.m.actuator_ctrlrange[2 * u + 1];
        d.ctrl[u] = lo + (c + T(1)) * T(0.5) * (hi - lo);
      } else {
        d.ctrl[u] = a;
      }
    }
    k.oob[w] = s;
    k.rate[w] = r;
  }
};

/// Advances the phase, evaluates reward and termination, and marks finished worlds in `mask`.
template <class T, class L, class R> struct PostStepFn {
  EnvKernel<T, L, R> k;
  SINEW_HD void operator()(int w) const {
    if (k.frame[w] < k.ref.clip_end(k.clip[w]) - 1) k.frame[w] += 1;  // stays in the clip without auto-reset
    k.steps[w] += 1;
    const MimicContext<T, L> c = k.ctx(w);
    const int why = k.term(c);
    T* tv = k.terms + ptrdiff_t(w) * R::nterm;
    if (why & TERM_NONFINITE) {
      k.rew[w] = T(0);
      for (int i = 0; i < R::nterm; ++i) tv[i] = T(0);
    } else {
      k.rew[w] = k.reward(c, tv);
    }
    k.reason[w] = why;
    k.terminated[w] = why != 0;
    k.truncated[w] = why == 0 && (k.frame[w] >= k.ref.clip_end(k.clip[w]) - 1 || k.steps[w] >= k.horizon);
    k.mask[w] = k.terminated[w] || k.truncated[w];
  }
};

/// Reference state initialization of the worlds in `mask`: a random clip and start frame (or,
/// where start_clip[w] >= 0, that clip's first frame), qpos and qvel copied from the reference,
/// everything else as reset_world leaves it; then forward.
template <class T, class L, class R> struct ResetEnvFn {
  EnvKernel<T, L, R> k;
  SINEW_HD void operator()(int w) const {
    if (!k.mask[w]) return;
    const auto d = k.d.world(w);
    reset_world(k.m, d, -1);
    Phase p = sample_phase(k.ref, k.seed, w, k.counter[w]++, 2);
    if (k.start_clip[w] >= 0) p = {k.start_clip[w], k.ref.clip_start(k.start_clip[w])};
    k.clip[w] = p.clip;
    k.frame[w] = p.frame;
    k.steps[w] = 0;
    k.root_off[2 * w] = T(0);
    k.root_off[2 * w + 1] = T(0);
    k.oob[w] = T(0);
    k.rate[w] = T(0);
    for (int i = 0; i < k.m.size.nq; ++i) d.qpos[i] = k.ref.qpos_at(p.frame)[i];
    for (int i = 0; i < k.m.size.nv; ++i) d.qvel[i] = k.ref.qvel_at(p.frame)[i];
    forward_world(k.m, d);
  }
};

template <class T, class L, class R> struct ObsFn {
  EnvKernel<T, L, R> k;
  bool masked;
  T* out;  ///< nworld x nobs
  SINEW_HD void operator()(int w) const {
    if (masked && !k.mask[w]) return;
    write_observation(k.ctx(w), k.obs_cfg, out + ptrdiff_t(w) * k.nobs);
  }
};
}  // namespace detail

template <class T, class E, class Reward = DefaultMimicReward<T>, class L = WorldOuter> class ImitationEnv {
 public:
  using Space = typename E::space;
  template <class S> using Buf = typename detail::Buffer<S, Space>::type;

  /// `ref` must be at the control rate 1 / (timestep * substeps) (see resample) with body and
  /// site poses filled (fill_kinematics), for the same model.
  ImitationEnv(E exec, const Model<double>& model, const Trajectory& ref, int nworld, ImitationConfig cfg,
               Reward reward = Reward{}, MimicTermination<T> termination = {})
      : exec_(exec),
        model_(model.template cast<T>()),
        data_(model_, nworld),
        ref_(ref),
        cfg_(std::move(cfg)),
        nworld_(nworld) {
    const std::string why = step_unsupported(model_.opt);
    if (!why.empty()) throw std::invalid_argument("ImitationEnv: " + why);
    if (ref.nq != model.nq || ref.nv != model.nv)
      throw std::invalid_argument("ImitationEnv: trajectory and model disagree on nq/nv");
    if (ref.nsite != model.nsite || ref.nbody != model.nbody)
      throw std::invalid_argument(
          "ImitationEnv: trajectory body/site poses are not this model's (run fill_kinematics)");
    const double rate = 1.0 / (model.opt.timestep * cfg_.substeps);
    if (std::fabs(ref.frequency - rate) > 1e-6 * rate)
      throw std::invalid_argument("ImitationEnv: trajectory at " + std::to_string(ref.frequency) +
                                  " Hz, control rate " + std::to_string(rate) + " Hz: resample the trajectory first");
    for (int c = 0; c < ref.nclip(); ++c)
      if (ref.clip_length(c) < 2) throw std::invalid_argument("ImitationEnv: every clip needs at least 2 frames");
    int root = -1;
    for (int j = 0; j < model.njnt; ++j)
      if (model.jnt_type[size_t(j)] == JNT_FREE && model.body_parentid[size_t(model.jnt_bodyid[size_t(j)])] == 0) {
        root = j;
        break;
      }
    std::vector<int> sites;
    for (const auto& n : cfg_.mimic_sites) {
      const int s = Model<double>::find(model.site_names, n);
      if (s < 0) throw std::invalid_argument("ImitationEnv: no site named '" + n + "'");
      sites.push_back(s);
    }
    sites_ = Buf<int>(sites.begin(), sites.end());
#if defined(__CUDACC__)
    if constexpr (std::is_same_v<Space, DeviceSpace>) { dmodel_ = std::make_unique<DeviceModel<T>>(model_); }
#endif
    nobs_ = observation_size(model_, root, int(sites.size()), cfg_.obs);
    const size_t W = size_t(nworld);
    {
      const int nobs = nobs_, nterm = Reward::nterm, nu = model.nu;
#define SINEW_X(type, name, n, kept) name##_.resize(W* size_t(n));
      SINEW_ENV_BUFFERS(SINEW_X)
#undef SINEW_X
    }
    start_clip_ = Buf<int>(W, -1);
    k_.m = model_view();
    k_.d = data_.view();
    k_.ref = ref_.view();
    k_.spec.root_jnt = root;
    k_.spec.nsite = int(sites.size());
    k_.spec.sites = ptr(sites_);
    k_.reward = reward;
    k_.term = termination;
    k_.obs_cfg = cfg_.obs;
    k_.nobs = nobs_;
    k_.nu = model.nu;
    k_.horizon = cfg_.horizon;
    k_.seed = cfg_.seed;
    k_.action = nullptr;
#define SINEW_X(type, name, n, kept) k_.name = ptr(name##_);
    SINEW_ENV_BUFFERS(SINEW_X)
#undef SINEW_X
    k_.start_clip = ptr(start_clip_);
  }

  int nworld() const { return nworld_; }
  int nobs() const { return nobs_; }
  int nu() const { return model_.nu; }
  static constexpr int nterm() { return Reward::nterm; }
  int root_joint() const { return k_.spec.root_jnt; }

  /// Reference state initialization of every world.
  void reset() { reset(std::vector<unsigned char>(size_t(nworld_), 1)); }
  /// Reference state initialization of the worlds with mask[w] != 0 (host mask); others untouched.
  void reset(const std::vector<unsigned char>& mask) {
    if (mask.size() != size_t(nworld_)) throw std::invalid_argument("ImitationEnv::reset: mask needs nworld entries");
    mask_ = Buf<unsigned char>(mask.begin(), mask.end());
    k_.mask = ptr(mask_);
    reset_masked();
  }
  /// As reset(mask), with the mask (nworld entries) in the policy's memory: no host round trip.
  void reset_where(const unsigned char* mask) {
    unsigned char* saved = k_.mask;
    k_.mask = const_cast<unsigned char*>(mask);
    reset_masked();
    k_.mask = saved;
  }
  /// Worlds reset from now on start at the first frame of clip start_clip[w] (-1: random clip
  /// and frame, the default). Host vector of nworld entries; evaluation starts every clip this way.
  void set_start_clips(const std::vector<int>& start_clip) {
    if (start_clip.size() != size_t(nworld_))
      throw std::invalid_argument("ImitationEnv::set_start_clips: needs nworld entries");
    for (int c : start_clip)
      if (c >= ref_.view().nclip)
        throw std::invalid_argument("ImitationEnv::set_start_clips: no clip " + std::to_string(c));
    start_clip_ = Buf<int>(start_clip.begin(), start_clip.end());
    k_.start_clip = ptr(start_clip_);
  }

  /// One control step: actions (nworld x nu, world-major, in the policy's memory space) mapped
  /// onto ctrlrange, `substeps` physics steps, then forward, reward, termination, auto-reset and
  /// observations.
  void step(const T* actions) {
    k_.action = actions;
    parallel_for(exec_, nworld_, detail::ActionFn<T, L, Reward>{k_});
    if constexpr (is_host_policy_v<E>) {
      sinew::step(exec_, k_.m, k_.d, cfg_.substeps, true);  // one launch: substeps steps, then forward
    } else {  // on a GPU: one kernel per step (a fused kernel would be one more large kernel to compile)
      for (int s = 0; s < cfg_.substeps; ++s) sinew::step(exec_, k_.m, k_.d);
      forward(exec_, k_.m, k_.d);
    }
    parallel_for(exec_, nworld_, detail::PostStepFn<T, L, Reward>{k_});
    if (cfg_.auto_reset) {
      parallel_for(exec_, nworld_, detail::ObsFn<T, L, Reward>{k_, true, k_.final_obs});
      parallel_for(exec_, nworld_, detail::ResetEnvFn<T, L, Reward>{k_});
    }
    parallel_for(exec_, nworld_, detail::ObsFn<T, L, Reward>{k_, false, k_.obs});
    k_.action = nullptr;
  }

  // Batched outputs in the policy's memory space (world-major).
  const T* obs_ptr() const { return k_.obs; }  ///< nworld x nobs
  T* obs_mutable_ptr() { return k_.obs; }      ///< for a learner that sanitizes observations in place
  /// nworld x nobs: for worlds whose episode ended in the last step (terminated or truncated),
  /// the observation of the episode's last state, before the auto-reset; other rows stale.
  const T* final_obs_ptr() const { return k_.final_obs; }
  const T* reward_ptr() const { return k_.rew; }         ///< nworld
  const T* term_values_ptr() const { return k_.terms; }  ///< nworld x nterm: w_i exp(-k_i d_i)
  const unsigned char* terminated_ptr() const { return k_.terminated; }
  const unsigned char* truncated_ptr() const { return k_.truncated; }
  const int* reason_ptr() const { return k_.reason; }  ///< TerminationReason bits of the last step
  const int* clip_ptr() const { return k_.clip; }
  const int* frame_ptr() const { return k_.frame; }  ///< absolute reference frame of the current state
  const int* episode_steps_ptr() const { return k_.steps; }

  // Host copies (for tests and host-side training loops).
  std::vector<T> obs_host() const { return to_host(obs_); }
  std::vector<T> final_obs_host() const { return to_host(final_obs_); }
  std::vector<T> reward_host() const { return to_host(rew_); }
  std::vector<T> term_values_host() const { return to_host(terms_); }
  std::vector<unsigned char> terminated_host() const { return to_host(terminated_); }
  std::vector<unsigned char> truncated_host() const { return to_host(truncated_); }
  std::vector<int> reason_host() const { return to_host(reason_); }
  std::vector<int> clip_host() const { return to_host(clip_); }
  std::vector<int> frame_host() const { return to_host(frame_); }
  std::vector<int> episode_steps_host() const { return to_host(steps_); }

  Data<T, L, Space>& data() { return data_; }
  const Model<T>& model() const { return model_; }
  ModelView<T> model_view() const {
#if defined(__CUDACC__)
    if constexpr (std::is_same_v<Space, DeviceSpace>) return dmodel_->view();
#endif
    return model_.view();
  }
  /// The context functors see for world w (host policies only: reads host memory).
  MimicContext<T, L> context(int w) const { return k_.ctx(w); }

  /// Everything that decides the environment's future given the same actions (the worlds'
  /// state and inputs, the episode bookkeeping, the current observations), as named host
  /// arrays: a learner checkpoints it so that a resumed run continues bit-identically.
  std::vector<std::pair<std::string, std::vector<double>>> state() const {
    std::vector<std::pair<std::string, std::vector<double>>> s;
    for (const char* f : state_fields()) {
      auto v = data_.get_all(f);
      s.push_back({f, std::vector<double>(v.begin(), v.end())});
    }
    auto put = [&](const char* n, const auto& b) {
      auto v = to_host(b);
      s.push_back({n, std::vector<double>(v.begin(), v.end())});
    };
#define SINEW_X(type, name, n, kept) \
  if (kept) put(#name, name##_);
    SINEW_ENV_BUFFERS(SINEW_X)
#undef SINEW_X
    return s;
  }
  /// Restores what state() returned (same model and nworld); a missing or mis-sized array is an
  /// error naming it.
  void set_state(const std::vector<std::pair<std::string, std::vector<double>>>& s) {
    auto find = [&](const std::string& n, size_t size) -> const std::vector<double>& {
      for (const auto& [k, v] : s)
        if (k == n) {
          if (v.size() != size)
            throw std::invalid_argument("environment state '" + n + "' has " + std::to_string(v.size()) +
                                        " values, this environment needs " + std::to_string(size));
          return v;
        }
      throw std::invalid_argument("environment state lacks '" + n + "'");
    };
    const size_t W = size_t(nworld_);
    for (const char* f : state_fields()) {
      const auto& v = find(f, W * size_t(data_.field_size(f)));
      data_.set_all(f, std::vector<T>(v.begin(), v.end()));
    }
    auto get = [&](const char* n, auto& b) {
      using V = typename std::decay_t<decltype(b)>::value_type;
      const auto& v = find(n, b.size());
      std::vector<V> h(v.size());
      for (size_t i = 0; i < v.size(); ++i) h[i] = V(v[i]);
      std::copy(h.begin(), h.end(), b.begin());
    };
#define SINEW_X(type, name, n, kept) \
  if (kept) get(#name, name##_);
    SINEW_ENV_BUFFERS(SINEW_X)
#undef SINEW_X
  }

 private:
  template <class B> static auto ptr(B& b) { return detail::Buffer<typename B::value_type, Space>::ptr(b); }

  void reset_masked() {
    parallel_for(exec_, nworld_, detail::ResetEnvFn<T, L, Reward>{k_});
    parallel_for(exec_, nworld_, detail::ObsFn<T, L, Reward>{k_, true, k_.obs});
  }
  static std::vector<const char*> state_fields() {
    return {"time", "qpos", "qvel", "act", "ctrl", "qacc_warmstart", "qfrc_applied", "xfrc_applied"};
  }

  E exec_;
  Model<T> model_;
#if defined(__CUDACC__)
  std::unique_ptr<DeviceModel<T>> dmodel_;
#endif
  Data<T, L, Space> data_;
  TrajectoryBuffers<T, Space> ref_;
  ImitationConfig cfg_;
  int nworld_, nobs_ = 0;
  Buf<int> sites_, start_clip_;
#define SINEW_X(type, name, n, kept) Buf<type> name##_;
  SINEW_ENV_BUFFERS(SINEW_X)
#undef SINEW_X
  detail::EnvKernel<T, L, Reward> k_;
};

}  // namespace sinew

#undef SINEW_ENV_BUFFERS
