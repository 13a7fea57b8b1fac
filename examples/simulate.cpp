// sinew-simulate: the main job. Loads an MJCF model, simulates many worlds from slightly
// different initial velocities, each with its own constant random excitation of the actuators
// (muscles), and reports what happened and the throughput.
//
//   sinew-simulate models/branched_tree.xml --nworld 1024 --steps 1000 [--backend omp|serial]
//       [--precision double|float] [--seed S]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "sinew/compiler/compiler.hpp"
#include "sinew/sinew.hpp"

namespace {

/// Kinetic energy 0.5 qvel^T M qvel of one world, from the sparse mass matrix.
template <class T, class L> double kinetic_energy(const sinew::ModelView<T>& m, const sinew::WorldData<T, L>& d) {
  double e = 0;
  for (int r = 0; r < m.size.nv; ++r)
    for (int c = 0; c < m.size.nv; ++c)
      e += double(d.qvel[r]) * double(sinew::mass_entry(m, d.qM, r, c)) * double(d.qvel[c]);
  return 0.5 * e;
}

template <class T, class E> int simulate(E exec, const sinew::Model<double>& md, int nworld, int nstep, unsigned seed) {
  using namespace sinew;
  const Model<T> m = md.template cast<T>();
  const ModelView<T> mv = m.view();
  Data<T> data(m, nworld);
  const DataView<T, WorldOuter> dv = data.view();
  reset(exec, mv, dv, m.nkey > 0 ? 0 : -1);

  // every world starts from the same pose with its own small random velocity and its own constant
  // excitation, drawn uniformly from each actuator's ctrlrange (zero for actuators without one)
  std::mt19937 rng(seed);
  std::normal_distribution<double> n01(0.0, 0.1);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::vector<T> qvel = data.get_all("qvel");
  for (auto& v : qvel) v += T(n01(rng));
  data.set_all("qvel", qvel);
  std::vector<T> ctrl(size_t(nworld) * size_t(m.nu));
  for (size_t k = 0; k < ctrl.size(); ++k) {
    const size_t u = k % size_t(m.nu);
    if (m.actuator_ctrllimited[u])
      ctrl[k] = T(md.actuator_ctrlrange[2 * u] +
                  (md.actuator_ctrlrange[2 * u + 1] - md.actuator_ctrlrange[2 * u]) * u01(rng));
  }
  if (m.nu) data.set_all("ctrl", ctrl);

  forward(exec, mv, dv);
  double e0 = 0;
  for (int w = 0; w < nworld; ++w) e0 += kinetic_energy(mv, dv.world(w));

  const auto t0 = std::chrono::steady_clock::now();
  for (int s = 0; s < nstep; ++s) step(exec, mv, dv);
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  forward(exec, mv, dv);
  double e1 = 0;
  int bad = 0;
  std::vector<double> qmin(size_t(m.nq), 1e300), qmax(size_t(m.nq), -1e300);
  const std::vector<int> status = data.status();
  for (int w = 0; w < nworld; ++w) {
    if (status[size_t(w)] != STATUS_OK) {
      ++bad;
      continue;
    }
    const WorldData<T, WorldOuter> wd = dv.world(w);
    e1 += kinetic_energy(mv, wd);
    for (int i = 0; i < m.nq; ++i) {
      qmin[size_t(i)] = std::min(qmin[size_t(i)], double(wd.qpos[i]));
      qmax[size_t(i)] = std::max(qmax[size_t(i)], double(wd.qpos[i]));
    }
  }
  const int good = nworld - bad;
  std::printf("simulated %d worlds x %d steps (%.3f s of model time each)\n", nworld, nstep, nstep * md.opt.timestep);
  std::printf("  mean kinetic energy: %.6g J at start, %.6g J at end\n", e0 / nworld, good ? e1 / good : 0.0);
  if (good)
    for (int j = 0; j < m.njnt && j < 8; ++j) {
      const int a = m.jnt_qposadr[size_t(j)];
      if (m.jnt_type[size_t(j)] != JNT_HINGE && m.jnt_type[size_t(j)] != JNT_SLIDE) continue;
      std::printf("  joint %-16s final position across worlds: %8.4f .. %8.4f\n", md.jnt_names[size_t(j)].c_str(),
                  qmin[size_t(a)], qmax[size_t(a)]);
    }
  std::printf("  worlds flagged non-finite: %d\n", bad);
  std::printf("  wall time %.3f s: %.0f world-steps/s (%.2f us per world-step)\n", sec, double(nworld) * nstep / sec,
              1e6 * sec / (double(nworld) * nstep));
  return bad ? 2 : 0;
}

[[noreturn]] void usage(const std::string& msg) {
  std::cerr << "sinew-simulate: " << msg
            << "\nusage: sinew-simulate MODEL.xml [--nworld W] [--steps N] [--backend omp|serial] "
               "[--precision double|float] [--seed S]\n";
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, backend = "omp", precision = "double";
  int nworld = 1024, nstep = 1000;
  unsigned seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--nworld") nworld = std::stoi(next());
      else if (a == "--steps") nstep = std::stoi(next());
      else if (a == "--backend") backend = next();
      else if (a == "--precision") precision = next();
      else if (a == "--seed") seed = unsigned(std::stoul(next()));
      else if (!a.empty() && a[0] == '-') usage("unknown argument '" + a + "'");
      else path = a;
    } catch (const std::logic_error&) { usage("bad value for " + a); }
  }
  if (path.empty()) usage("no model given");
  if (nworld < 1 || nstep < 0) usage("--nworld must be >= 1 and --steps >= 0");
  if (backend != "omp" && backend != "serial") usage("backend must be omp or serial");
  if (precision != "double" && precision != "float") usage("precision must be double or float");
  try {
    sinew::Model<double> m = sinew::load_mjcf(path);
    std::printf("model %s: nq %d, nv %d, bodies %d, joints %d, geoms %d, sites %d, actuators %d, tendons %d\n",
                path.c_str(), m.nq, m.nv, m.nbody, m.njnt, m.ngeom, m.nsite, m.nu, m.ntendon);
    std::printf("backend %s (%d threads), %s precision, timestep %g s\n", backend.c_str(),
                backend == "omp" ? omp_get_max_threads() : 1, precision.c_str(), m.opt.timestep);
    if (backend == "omp")
      return precision == "float" ? simulate<float>(sinew::exec::omp, m, nworld, nstep, seed)
                                  : simulate<double>(sinew::exec::omp, m, nworld, nstep, seed);
    return precision == "float" ? simulate<float>(sinew::exec::serial, m, nworld, nstep, seed)
                                : simulate<double>(sinew::exec::serial, m, nworld, nstep, seed);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
