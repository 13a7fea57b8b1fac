// RetargetOptions: the settings of sinew::retarget (retarget.hpp; docs/retargeting.md).
#pragma once

namespace sinew {

/// Ground correction: none, each free tree lifted by its penetration in every frame, or by the
/// clip's largest.
enum class GroundMode { none, per_frame, whole_clip };

struct RetargetOptions {
  char source_up = 'y';            ///< 'y' (BVH) or 'z' (AMASS): the source's up axis
  double scale = 0;                ///< > 0: use this scale; 0: fit it (bone-length least squares)
  bool per_segment_scale = false;  ///< scale each source bone to the model's bone length (see retargeting.md)
  int scale_fit_frames = 10;       ///< source frames averaged for the bone lengths
  int max_iter_seed = 200;         ///< LM iterations of each chunk's first frame
  int max_iter = 50;               ///< LM iterations of a warm-started frame
  double step_tol = 1e-10;         ///< stop when the largest step component is below this (rad or m)
  double lambda0 = 1e-6;           ///< initial LM damping (m^2 per unit dof^2)
  int nchunk = 32;                 ///< frame chunks solved in parallel (results do not depend on threads)
  bool align_root = true;          ///< yaw and translation fit of free roots on frame 0 before the IK
  bool orient_from_rest =
      false;  ///< calibrate orientation targets on the source's rest pose against the model at qpos0 (see retargeting.md)
  GroundMode ground = GroundMode::per_frame;
  double floor_z = 0;           ///< height of the floor
  double ground_clearance = 0;  ///< lowest collision point is lifted to floor_z + this
  double tendon_jump = 0.01;    ///< tendon-jump threshold in m per frame at 30 Hz (scaled by 30 / fps)
  double limit_tol = 1e-6;      ///< a limited joint this far outside its range counts as a violation
  int batch = 64;               ///< worlds (frames) per batch in the evaluation pass
};

}  // namespace sinew
