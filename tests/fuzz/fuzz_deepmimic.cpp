// libFuzzer target for the DeepMimic readers (retarget/deepmimic.hpp): an input that starts with
// '<' is a humanoid URDF for parse_deepmimic_skeleton, anything else a motion clip for
// parse_deepmimic_motion (nlohmann/json, then our checks); a clip that parses is resampled and
// run through the forward kinematics of a fixed valid humanoid, a skeleton that parses through a
// fixed valid clip. Readers may throw std::exception on bad input (a clear error); they must not
// crash, hang, read out of bounds or allocate without bound.
//
//   bash tests/fuzz/run.sh 300 1 deepmimic
//   (CTest's fuzz_replay_deepmimic runs corpus/deepmimic and crashes/ through it on every test run)
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "sinew/retarget/deepmimic.hpp"

namespace {
// DeepMimic's humanoid joint tree (names, types, parents) with unit offsets.
const char* kUrdf = R"(<robot name="h">
<joint name="root" type="fixed"><parent link="base"/><child link="root"/></joint>
<joint name="chest" type="spherical"><parent link="root"/><child link="chest"/><origin xyz="0 1 0"/></joint>
<joint name="neck" type="spherical"><parent link="chest"/><child link="neck"/><origin xyz="0 1 0"/></joint>
<joint name="right_hip" type="spherical"><parent link="root"/><child link="right_hip"/><origin xyz="0 0 1"/></joint>
<joint name="right_knee" type="revolute"><parent link="right_hip"/><child link="right_knee"/><origin xyz="0 -2 0"/><axis xyz="0 0 1"/></joint>
<joint name="right_ankle" type="spherical"><parent link="right_knee"/><child link="right_ankle"/><origin xyz="0 -2 0"/></joint>
<joint name="right_shoulder" type="spherical"><parent link="chest"/><child link="right_shoulder"/><origin xyz="0 1 1"/></joint>
<joint name="right_elbow" type="revolute"><parent link="right_shoulder"/><child link="right_elbow"/><origin xyz="0 -1 0"/><axis xyz="0 0 1"/></joint>
<joint name="left_hip" type="spherical"><parent link="root"/><child link="left_hip"/><origin xyz="0 0 -1"/></joint>
<joint name="left_knee" type="revolute"><parent link="left_hip"/><child link="left_knee"/><origin xyz="0 -2 0"/><axis xyz="0 0 1"/></joint>
<joint name="left_ankle" type="spherical"><parent link="left_knee"/><child link="left_ankle"/><origin xyz="0 -2 0"/></joint>
<joint name="left_shoulder" type="spherical"><parent link="chest"/><child link="left_shoulder"/><origin xyz="0 1 -1"/></joint>
<joint name="left_elbow" type="revolute"><parent link="left_shoulder"/><child link="left_elbow"/><origin xyz="0 -1 0"/><axis xyz="0 0 1"/></joint>
</robot>)";

std::string clip() {
  const std::string f =
      "[0.05, 0, 0.9, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0.1, 1, 0, 0, 0, 1, 0, 0, 0, 0.1, "
      "1, 0, 0, 0, 0.1, 1, 0, 0, 0, 1, 0, 0, 0, 0.1]";
  return "{\"Loop\": \"wrap\", \"Frames\": [" + f + ", " + f + "]}";
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    if (size > 0 && data[0] == '<') {
      const sinew::DeepMimicSkeleton sk = sinew::parse_deepmimic_skeleton(text, "fuzz.urdf");
      sinew::source_from_deepmimic(sk, sinew::parse_deepmimic_motion(clip(), "clip.txt"));
    } else {
      static const sinew::DeepMimicSkeleton sk = sinew::parse_deepmimic_skeleton(kUrdf, "h.urdf");
      const sinew::DeepMimicMotion m = sinew::parse_deepmimic_motion(text, "fuzz.txt");
      sinew::source_from_deepmimic(sk, m);
    }
  } catch (const std::exception&) {}
  return 0;
}
