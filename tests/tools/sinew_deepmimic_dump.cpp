// sinew_deepmimic_dump: a DeepMimic clip on its humanoid as Sinew's retargeting source, for
// comparison against pybullet's forward kinematics (tests/python/test_deepmimic.py).
//
//   sinew_deepmimic_dump URDF MOTION OUTDIR [SCALE]
//
// OUTDIR receives pos.npy (nframe x njoint x 3, m), rot.npy (nframe x njoint x 3 x 3, world
// rotations), names.txt (one joint per line) and fps.txt. With a clip of unequal frame durations
// the frames are the resampled ones (deepmimic_uniform). Errors: one line, exit 1.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "sinew/io/npy.hpp"
#include "sinew/retarget/deepmimic.hpp"

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: sinew_deepmimic_dump URDF MOTION OUTDIR [SCALE]\n";
    return 2;
  }
  try {
    const double scale = argc == 5 ? std::atof(argv[4]) : 0.25;
    const sinew::DeepMimicSkeleton sk = sinew::load_deepmimic_skeleton(argv[1], scale);
    const sinew::SourceMotion s = sinew::source_from_deepmimic(sk, sinew::load_deepmimic_motion(argv[2]));
    const std::string out = argv[3];
    const size_t nf = size_t(s.nframe), nj = size_t(s.njoint());
    sinew::write_npy(out + "/pos.npy", s.pos.data(), {nf, nj, 3});
    sinew::write_npy(out + "/rot.npy", s.rot.data(), {nf, nj, 3, 3});
    std::ofstream names(out + "/names.txt");
    for (const std::string& n : s.names) names << n << "\n";
    std::ofstream(out + "/fps.txt") << s.fps << "\n";
  } catch (const std::exception& e) {
    std::cerr << "sinew_deepmimic_dump: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
