// sinew-imitation-custom-reward: adds a user reward term to MuscleMimic's reward and runs the
// batched imitation environment on models/arm.xml with the arm_reach reference motion.
//
//   sinew-imitation-custom-reward [models/arm.xml] [models/arm_reach.npz] [--nworld N] [--steps S]
//
// A term is one small struct: a weight, a kernel width k and a per-world `distance` (a mean
// squared error) that reads the MimicContext (model, this world's Data, the reference, the
// current frame). The reward adds weight * exp(-k * distance). Here: a fingertip-tracking term in
// world coordinates, and a muscle-effort term (mean squared activation), appended to
// MuscleMimic's default terms with extend_reward (nothing of the default is restated).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <random>
#include <string>

#include "sinew/imitation/env.hpp"
#include "sinew/compiler/compiler.hpp"

// A new term: world-frame distance of one site to its reference position.
template <class T> struct SiteWorldPosTerm {
  T weight = T(0.2), k = T(50);
  int site = 0;
  template <class L> SINEW_HD T distance(const sinew::MimicContext<T, L>& c) const {
    const sinew::vec3<T> e = sinew::get3(c.d.site_xpos, site) - c.ref.site_pos(c.frame, site);
    return sinew::dot(e, e);
  }
};

// Another: muscle effort, mean squared activation (exp(-k * effort) rewards low activation).
template <class T> struct EffortTerm {
  T weight = T(0.05), k = T(5);
  template <class L> SINEW_HD T distance(const sinew::MimicContext<T, L>& c) const {
    T s = 0;
    for (int i = 0; i < c.m.size.na; ++i) s += c.d.act[i] * c.d.act[i];
    return c.m.size.na ? s / T(c.m.size.na) : T(0);
  }
};

int run(const std::string& xml, const std::string& npz, int nworld, int steps);

int main(int argc, char** argv) {
  std::string xml = "models/arm.xml", npz = "models/arm_reach.npz";
  int nworld = 64, steps = 200, pos = 0;
  auto count = [](const char* flag, const char* v) {  // a positive integer, all of it
    char* end = nullptr;
    const long x = std::strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x < 1 || x > 100000000) {
      std::fprintf(stderr, "sinew-imitation-custom-reward: %s takes a positive integer, got '%s'\n", flag, v);
      std::exit(2);
    }
    return int(x);
  };
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--nworld") && i + 1 < argc) nworld = count("--nworld", argv[++i]);
    else if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) steps = count("--steps", argv[++i]);
    else if (argv[i][0] == '-' || pos >= 2) {
      std::fprintf(stderr, "usage: sinew-imitation-custom-reward [MODEL.xml] [MOTION.npz] [--nworld N] [--steps S]\n");
      return 2;
    } else (pos++ == 0 ? xml : npz) = argv[i];
  }
  try {
    return run(xml, npz, nworld, steps);
  } catch (const std::exception& e) {  // a bad model, motion or site: one line naming it, no abort
    std::fprintf(stderr, "sinew-imitation-custom-reward: %s\n", e.what());
    return 1;
  }
}

int run(const std::string& xml, const std::string& npz, int nworld, int steps) {
  using T = double;
  const sinew::Model<double> m = sinew::load_mjcf(xml);
  sinew::ImitationConfig cfg;
  cfg.substeps = 5;
  cfg.mimic_sites = {"clavicle", "elbow_front", "radial_styloid", "fingertip"};
  cfg.obs.nfuture = 2;
  cfg.obs.future_stride = 10;

  // reference: 30 fps file -> control rate (100 Hz), poses by Sinew's kinematics
  sinew::Trajectory ref = sinew::resample(sinew::load_trajectory(npz), 1.0 / (m.opt.timestep * cfg.substeps));
  sinew::fill_kinematics(sinew::exec::omp, m, ref);

  // MuscleMimic's eight terms (bimanual weights), extended by the two user terms
  const int fingertip = sinew::Model<double>::find(m.site_names, "fingertip");
  auto reward = sinew::extend_reward(sinew::default_mimic_reward<T>(true), SiteWorldPosTerm<T>{0.2, 50, fingertip},
                                     EffortTerm<T>{0.05, 5});
  sinew::ImitationEnv<T, sinew::exec::OpenMP, decltype(reward)> env(sinew::exec::omp, m, ref, nworld, cfg, reward);
  env.reset();

  std::mt19937 rng(1);
  std::normal_distribution<T> noise(0.0, 0.3);
  std::vector<T> action(size_t(nworld) * size_t(env.nu()));
  double total = 0;
  int episodes = 0;
  for (int s = 0; s < steps; ++s) {
    for (auto& a : action) a = T(-0.6) + noise(rng);  // a weak random policy
    env.step(action.data());
    for (T r : env.reward_host()) total += r;
    const auto term = env.terminated_host(), trunc = env.truncated_host();
    for (int w = 0; w < nworld; ++w) episodes += term[size_t(w)] || trunc[size_t(w)];
  }
  const auto tv = env.term_values_host();
  std::printf("%d worlds x %d control steps: mean reward %.4f (max %.2f), %d episodes ended\n", nworld, steps,
              total / (double(nworld) * steps), 0.5 + 0.5 + 0.1 + 0.1 + 2.0 + 0.2 + 0.5 + 0.5 + 0.2 + 0.05, episodes);
  std::printf("world 0, last step, term values:");
  for (int i = 0; i < env.nterm(); ++i) std::printf(" %.4f", tv[size_t(i)]);
  std::printf("\nobservation size %d\n", env.nobs());
  return 0;
}
