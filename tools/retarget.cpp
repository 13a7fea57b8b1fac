// sinew-retarget: motion capture (BVH, AMASS SMPL-H with a user-supplied body model, or a
// DeepMimic clip with its humanoid's URDF) onto a Sinew model, written as a LocoMuJoCo /
// MuscleMimic trajectory .npz, with quality metrics.
//
//   sinew-retarget MODEL.xml --bvh FILE.bvh --map MAP.txt --out OUT.npz [options]
//   sinew-retarget MODEL.xml --smplh SEQ.npz --body-model smplh/male/model.npz --map MAP.txt --out OUT.npz
//   sinew-retarget MODEL.xml --deepmimic humanoid3d_walk.txt --urdf humanoid.urdf --map MAP.txt --out OUT.npz
//
// Options: --fps F (resample the output), --threads N (OpenMP threads; default all),
// --up y|z (the source's up axis; default y for BVH and DeepMimic, z for AMASS), --urdf-scale S
// (DeepMimic's humanoid; default 0.25, as its pybullet environment), --scale S (skip the scale
// fit), --per-segment (scale each bone to the model's length), --orient-from-rest (calibrate
// orientation targets on the source's rest pose, DeepMimic's), --ground none|frame|clip (default
// frame), --chunks N (frame chunks solved in parallel; default 32, 256 with --backend cuda),
// --backend omp|cuda (cuda: builds with SINEW_ENABLE_CUDA, one GPU thread per chunk).
// MAP.txt: one "source_joint model_body_or_site [weight]" per line; see docs/retargeting.md.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "sinew/compiler/compiler.hpp"
#include "sinew/retarget/deepmimic.hpp"
#include "sinew/retarget/retarget.hpp"

#if SINEW_WITH_CUDA
namespace sinew::retarget_cli {
RetargetResult run_cuda(const Model<double>& model, const SourceMotion& src, const std::vector<KeypointMap>& map,
                        const RetargetOptions& opt);  // retarget_cuda.cu
}
#endif

namespace {
int usage() {
  std::cerr << "usage: sinew-retarget MODEL.xml (--bvh FILE.bvh | --smplh SEQ.npz --body-model MODEL.npz |\n"
               "                      --deepmimic CLIP.txt --urdf HUMANOID.urdf [--urdf-scale S]) --map MAP.txt\n"
               "                      --out OUT.npz [--fps F] [--threads N] [--up y|z] [--scale S]\n"
               "                      [--per-segment] [--orient-from-rest] [--ground none|frame|clip] [--chunks N]\n"
               "                      [--backend omp|cuda]\n";
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string model_path = argv[1], bvh, smplh, body_model, deepmimic, urdf, map_path, out, up, ground = "frame",
              backend = "omp";
  double fps = 0, scale = 0, urdf_scale = 0.25;
  int threads = 0, chunks = 0;
  bool per_segment = false, orient_from_rest = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "sinew-retarget: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--bvh") bvh = val();
    else if (a == "--smplh") smplh = val();
    else if (a == "--body-model") body_model = val();
    else if (a == "--deepmimic") deepmimic = val();
    else if (a == "--urdf") urdf = val();
    else if (a == "--urdf-scale") urdf_scale = std::atof(val().c_str());
    else if (a == "--map") map_path = val();
    else if (a == "--out") out = val();
    else if (a == "--fps") fps = std::atof(val().c_str());
    else if (a == "--threads") threads = std::atoi(val().c_str());
    else if (a == "--up") up = val();
    else if (a == "--scale") scale = std::atof(val().c_str());
    else if (a == "--per-segment") per_segment = true;
    else if (a == "--orient-from-rest") orient_from_rest = true;
    else if (a == "--ground") ground = val();
    else if (a == "--chunks") chunks = std::atoi(val().c_str());
    else if (a == "--backend") backend = val();
    else {
      std::cerr << "sinew-retarget: unknown option " << a << "\n";
      return usage();
    }
  }
  if (int(!bvh.empty()) + int(!smplh.empty()) + int(!deepmimic.empty()) != 1 || map_path.empty() || out.empty())
    return usage();
  if (deepmimic.empty() != urdf.empty()) {
    std::cerr << "sinew-retarget: --deepmimic and --urdf go together\n";
    return 2;
  }
  if (!(urdf_scale > 0)) {
    std::cerr << "sinew-retarget: --urdf-scale takes a positive number\n";
    return 2;
  }
  if (!up.empty() && up != "y" && up != "z") {
    std::cerr << "sinew-retarget: --up takes y or z\n";
    return 2;
  }
  if (ground != "none" && ground != "frame" && ground != "clip") {
    std::cerr << "sinew-retarget: --ground takes none, frame or clip\n";
    return 2;
  }
  if (backend != "omp" && backend != "cuda") {
    std::cerr << "sinew-retarget: --backend takes omp or cuda\n";
    return 2;
  }
#if !SINEW_WITH_CUDA
  if (backend == "cuda") {
    std::cerr
        << "sinew-retarget: --backend cuda: this build has no CUDA backend (configure with SINEW_ENABLE_CUDA=ON)\n";
    return 2;
  }
#endif
  if (chunks <= 0) chunks = backend == "cuda" ? 256 : 32;
  try {
    std::vector<sinew::Diagnostic> warnings;  // load warnings (constraints not simulated...) do not concern retargeting
    const sinew::Model<double> model = sinew::load_mjcf(model_path, &warnings);
    sinew::SourceMotion src;
    sinew::RetargetOptions opt;
    if (!bvh.empty()) {
      src = sinew::source_from_bvh(sinew::load_bvh(bvh));
      opt.source_up = 'y';
    } else if (!deepmimic.empty()) {
      const sinew::DeepMimicMotion clip = sinew::load_deepmimic_motion(deepmimic);
      src = sinew::source_from_deepmimic(sinew::load_deepmimic_skeleton(urdf, urdf_scale), clip);
      opt.source_up = 'y';
      std::printf("DeepMimic clip: %d frames (loop %s), %d at %g Hz\n", clip.nframe,
                  clip.loop.empty() ? "-" : clip.loop.c_str(), src.nframe, src.fps);
    } else {
      const sinew::SmplhBodyModel bm = sinew::load_smplh_body_model(body_model);  // first: the licensing note
      const sinew::SmplhSequence seq = sinew::load_amass_sequence(smplh);
      src = sinew::source_from_smplh(bm, seq);
      opt.source_up = 'z';
      if (!seq.gender.empty())
        std::printf("AMASS sequence: %d frames at %g Hz, gender %s\n", seq.nframe, seq.fps, seq.gender.c_str());
    }
    if (!up.empty()) opt.source_up = up[0];
    opt.scale = scale;
    opt.per_segment_scale = per_segment;
    opt.orient_from_rest = orient_from_rest;
    opt.nchunk = chunks;
    opt.ground = ground == "none"   ? sinew::GroundMode::none
                 : ground == "clip" ? sinew::GroundMode::whole_clip
                                    : sinew::GroundMode::per_frame;
    sinew::exec::OpenMP pol;
    pol.threads = threads;
    const auto map = sinew::load_keypoint_map(map_path);
#if SINEW_WITH_CUDA
    sinew::RetargetResult r = backend == "cuda" ? sinew::retarget_cli::run_cuda(model, src, map, opt)
                                                : sinew::retarget(pol, model, src, map, opt);
#else
    sinew::RetargetResult r = sinew::retarget(pol, model, src, map, opt);
#endif
    sinew::Trajectory tr = fps > 0 ? sinew::resample(r.trajectory, fps) : r.trajectory;
    sinew::fill_kinematics(pol, model, tr);
    sinew::save_trajectory(out, tr);
    std::printf("%s", r.metrics.report().c_str());
    std::printf("wrote %s: %d frames at %g Hz\n", out.c_str(), tr.nframe(), tr.frequency);
  } catch (const std::exception& e) {
    std::cerr << "sinew-retarget: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
