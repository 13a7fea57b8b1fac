// libFuzzer target for the BVH reader (retarget/bvh.hpp): parse_bvh, then the forward kinematics
// of every frame (bvh_frame_pose) of a file that parses, as source_from_bvh runs them. Malformed
// input must throw (a clear error), never crash, hang or read out of bounds.
//
//   bash tests/fuzz/run.sh 300 1 bvh   (CTest's fuzz_replay_bvh replays corpus/bvh and crashes/)
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "sinew/retarget/bvh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const sinew::Bvh b = sinew::parse_bvh(std::string(reinterpret_cast<const char*>(data), size), "fuzz.bvh");
    std::vector<double> pos(b.joints.size() * 3), rot(b.joints.size() * 9);
    for (int f = 0; f < b.nframe && f < 64; ++f) sinew::bvh_frame_pose(b, f, pos.data(), rot.data());
  } catch (const std::exception&) {}
  return 0;
}
