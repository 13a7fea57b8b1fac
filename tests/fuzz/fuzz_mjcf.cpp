// libFuzzer target for the MJCF reader and compiler (io/mjcf.hpp, compiler/compiler.hpp): the bytes as a model file,
// parsed, expanded (defaults, includes, frames) and compiled into a Model, as load_mjcf does.
// Includes and assets resolve against a folder that does not exist, so a fuzzed file reads no
// other file. Malformed or unsupported input must throw (a ModelError naming file, line and
// element), never crash, hang or allocate without bound.
//
//   bash tests/fuzz/run.sh 300 1 mjcf   (CTest's fuzz_replay_mjcf replays corpus/mjcf and crashes/)
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "sinew/compiler/compiler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    std::vector<sinew::Diagnostic> warnings;
    sinew::load_mjcf_string(std::string(reinterpret_cast<const char*>(data), size), "/nonexistent-sinew-fuzz",
                            &warnings);
  } catch (const std::exception&) {}
  return 0;
}
