// libFuzzer target for the .npy and .npz readers (io/npz.hpp): an input that starts like a .npy
// file goes to NpyBlob::parse, anything else to read_npz_bytes (libzip's archive layer, then our
// .npy parser per entry); every array that parses is then read back as numbers or strings, as
// the trajectory and checkpoint loaders do. Readers may throw std::exception on bad input (a
// clear error); they must not crash, hang, read out of bounds or allocate more than the limits.
//
//   bash tests/fuzz/run.sh 300      # clang's libFuzzer with ASan + UBSan, 300 s per target
//   (CTest's fuzz_replay runs corpus/ and crashes/ through it on every test run)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

#include "sinew/io/npz.hpp"

namespace {
void touch(const sinew::NpyBlob& b) {
  try {
    if (b.is_string()) b.as_strings();
    else if (!b.is_object()) b.as_double();
  } catch (const std::exception&) {}
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* p = reinterpret_cast<const char*>(data);
  try {
    if (size >= 6 && std::memcmp(p, "\x93NUMPY", 6) == 0) {
      touch(sinew::NpyBlob::parse(p, size, "fuzz.npy"));
    } else {
      for (const auto& [name, blob] : sinew::read_npz_bytes(p, size, "fuzz.npz")) touch(blob);
    }
  } catch (const std::exception&) {}
  return 0;
}
