// libFuzzer target for the SMPL-H readers (retarget/smplh.hpp) beyond their .npz layer (which
// fuzz_npz covers): arrays go through the body-model checks and the AMASS sequence checks; a body model that passes is posed (rest joints for shape coefficients, then
// the forward kinematics of a two-frame sequence), and a sequence that passes is posed by a
// small valid body model, as sinew-retarget --amass runs them. Bad arrays must throw (a clear
// error), never crash, read out of bounds or overflow.
//
// Input: a zip archive (a real .npz), or records of [key index: 1 byte][length: 4 bytes, little
// endian][.npy bytes] with the keys of `kKeys`: the arrays reach the checks without the zip
// layer's CRCs, which would reject almost every mutation of an archive.
//
//   bash tests/fuzz/run.sh 300 1 smplh   (CTest's fuzz_replay_smplh replays corpus/smplh and crashes/)
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "sinew/retarget/smplh.hpp"

namespace {
/// A valid three-joint body model (chain 0 <- 1 <- 2) on four vertices with two shape coefficients.
sinew::SmplhBodyModel tiny_body_model() {
  sinew::SmplhBodyModel bm;
  bm.path = "tiny";
  bm.nvert = 4;
  bm.nbeta = 2;
  bm.njoint = 3;
  bm.v_template = {0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0};
  bm.shapedirs.assign(size_t(4 * 3 * 2), 0.01);
  bm.J_regressor = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0.5, 0.5, 0};
  bm.parents = {-1, 0, 1};
  return bm;
}

const char* const kKeys[] = {"v_template", "shapedirs", "J_regressor",     "kintree_table",    "poses",
                             "trans",      "betas",     "mocap_framerate", "mocap_frame_rate", "gender"};

std::map<std::string, sinew::NpyBlob> arrays_of(const uint8_t* data, size_t size) {
  const char* p = reinterpret_cast<const char*>(data);
  if (size >= 2 && p[0] == 'P' && p[1] == 'K') return sinew::read_npz_bytes(p, size, "fuzz.npz");
  std::map<std::string, sinew::NpyBlob> out;
  size_t at = 0;
  while (at + 5 <= size) {
    const size_t key = data[at] % (sizeof(kKeys) / sizeof(kKeys[0]));
    const size_t len =
        size_t(data[at + 1]) | size_t(data[at + 2]) << 8 | size_t(data[at + 3]) << 16 | size_t(data[at + 4]) << 24;
    at += 5;
    const size_t n = len < size - at ? len : size - at;
    try {
      out[kKeys[key]] = sinew::NpyBlob::parse(p + at, n, std::string("fuzz/") + kKeys[key] + ".npy");
    } catch (const std::exception&) {}
    at += n;
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto arrays = arrays_of(data, size);
    try {
      const sinew::SmplhBodyModel bm = sinew::smplh_body_model_from(arrays, "fuzz.npz");
      if (size_t(bm.nvert) * size_t(bm.njoint) <= (size_t(1) << 22)) {
        sinew::SmplhSequence s;
        s.nframe = 2;
        s.pose_width = 3 * bm.njoint;
        s.poses.assign(size_t(2 * s.pose_width), 0.1);
        s.trans.assign(6, 0.0);
        s.betas.assign(size_t(bm.nbeta) + 1, 0.5);
        std::vector<double> rot;
        (void)sinew::smplh_joint_positions(bm, s, &rot);
      }
    } catch (const std::exception&) {}
    try {
      sinew::SmplhSequence s = sinew::amass_sequence_from(arrays, "fuzz.npz");
      if (s.nframe <= 256) {
        std::vector<double> rot;
        (void)sinew::smplh_joint_positions(tiny_body_model(), s, &rot);
      }
    } catch (const std::exception&) {}
  } catch (const std::exception&) {}
  return 0;
}
