// libFuzzer target for the STL reader (io/stl.hpp): binary and ASCII STL through parse_stl (the
// bytes of a file), vertex merging included. Malformed input must throw, never crash or hang.
//
//   bash tests/fuzz/run.sh 300 1 stl   (CTest's fuzz_replay_stl replays corpus/stl and crashes/)
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "sinew/io/stl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    sinew::parse_stl(std::string(reinterpret_cast<const char*>(data), size), "fuzz.stl");
  } catch (const std::exception&) {}
  return 0;
}
