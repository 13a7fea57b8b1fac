// The one doctest main of the test binaries: compiled once per binary, so each *_test.cpp only
// includes <doctest/doctest.h>.
//
// In the CUDA test binary (SINEW_CUDA_TEST_MAIN) it first asks the CUDA runtime for a device and
// exits with 77 when there is none: CTest registers that binary with SKIP_RETURN_CODE 77, so
// machines without a GPU report the test as skipped instead of failed.
#if defined(SINEW_CUDA_TEST_MAIN)
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cuda_runtime_api.h>

#include <cstdio>

int main(int argc, char** argv) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    std::printf("no CUDA device (%s): skipping the CUDA tests\n",
                err != cudaSuccess ? cudaGetErrorString(err) : "device count is 0");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
#else
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#endif
