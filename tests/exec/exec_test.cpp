// exec/: parallel_for on the serial and OpenMP policies covers each index once, the two-index
// form covers the grid, a thread count is restored; Buffer's host round trip.
#include <doctest/doctest.h>

#include <atomic>
#include <vector>

#include <omp.h>

#include "sinew/exec/buffer.hpp"
#include "sinew/exec/parallel_for.hpp"

using namespace sinew;

namespace {
struct Mark {
  int* out;
  SINEW_HD void operator()(int i) const { out[i] += i + 1; }
};
struct Mark2 {
  int* out;
  int m;
  SINEW_HD void operator()(int i, int j) const { out[i * m + j] += 1; }
};
}  // namespace

TEST_CASE("exec: every index once on serial and OpenMP; the grid form; threads restored; buffers") {
  for (int n : {0, 1, 7, 1000}) {
    std::vector<int> a(size_t(n), 0), b(size_t(n), 0);
    parallel_for(exec::serial, n, Mark{a.data()});
    parallel_for(exec::OpenMP{2}, n, Mark{b.data()});
    CHECK(a == b);
    for (int i = 0; i < n; ++i) CHECK(a[size_t(i)] == i + 1);
  }
  std::vector<int> g(6 * 5, 0);
  parallel_for(exec::omp, 6, 5, Mark2{g.data(), 5});
  CHECK(g == std::vector<int>(30, 1));
  const int before = omp_get_max_threads();
  parallel_for(exec::OpenMP{1}, 10, Mark{std::vector<int>(10).data()});
  CHECK(omp_get_max_threads() == before);
  Buffer<float, HostSpace> buf;
  from_host(buf, std::vector<double>{1.5, 2.5});
  CHECK(to_host(buf) == std::vector<float>{1.5f, 2.5f});
}
