// sinew_downstream: loads an MJCF model, steps 8 worlds with the OpenMP backend and prints each
// world's qpos. Each world starts with its own small velocity, so the rows differ.
//
//   sinew_downstream MODEL.xml [STEPS]
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <sinew/compiler/compiler.hpp>
#include <sinew/sinew.hpp>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: sinew_downstream MODEL.xml [STEPS]\n");
    return 1;
  }
  const int nworld = 8;
  const int nstep = argc > 2 ? std::stoi(argv[2]) : 100;
  try {
    const sinew::Model<double> model = sinew::load_mjcf(argv[1]);
    sinew::Data<double> data(model, nworld);
    const auto m = model.view();
    const auto d = data.view();
    sinew::reset(sinew::exec::omp, m, d);
    for (int w = 0; w < nworld; ++w) data.set("qvel", w, std::vector<double>(size_t(model.nv), 0.1 * w));
    for (int s = 0; s < nstep; ++s) sinew::step(sinew::exec::omp, m, d);

    std::printf("%s: nq %d, %d worlds, %d steps\n", argv[1], model.nq, nworld, nstep);
    for (int w = 0; w < nworld; ++w) {
      std::printf("world %d qpos", w);
      for (double q : data.get("qpos", w)) std::printf(" %.6f", q);
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sinew_downstream: %s\n", e.what());
    return 1;
  }
  return 0;
}
