// The source side of retargeting: SourceMotion, a source skeleton's joint positions (and world
// rotations, where known) over time, and its builders from a BVH file and an AMASS SMPL-H
// sequence (DeepMimic: deepmimic.hpp's source_from_deepmimic). Host only.
#pragma once
#include <string>
#include <vector>

#include "sinew/retarget/bvh.hpp"
#include "sinew/retarget/smplh.hpp"

namespace sinew {

/// Joint positions of a source skeleton over time, in the source's units and axes.
struct SourceMotion {
  std::vector<std::string> names;
  std::vector<int> parent;  ///< -1 for a root
  int nframe = 0;
  double fps = 0;
  std::vector<double> pos;  ///< nframe x njoint x 3
  std::vector<double> rot;  ///< nframe x njoint x 9: world rotations (row-major, source axes); empty when unknown
  /// The skeleton's rest pose (every joint at zero), where the source defines one: njoint x 3
  /// positions and njoint x 9 world rotations; empty when unknown. RetargetOptions::orient_from_rest.
  std::vector<double> rest_pos, rest_rot;
  int njoint() const { return int(names.size()); }
  int find(const std::string& n) const {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == n) return int(i);
    return -1;
  }
  const double* at(int f, int j) const { return pos.data() + (size_t(f) * names.size() + size_t(j)) * 3; }
  const double* rot_at(int f, int j) const { return rot.data() + (size_t(f) * names.size() + size_t(j)) * 9; }
};

/// The joints of a BVH file (End Sites included, named "<parent>_end"), with the rest pose (every
/// channel zero).
inline SourceMotion source_from_bvh(const Bvh& b) {
  SourceMotion s;
  for (const BvhJoint& j : b.joints) {
    s.names.push_back(j.name);
    s.parent.push_back(j.parent);
  }
  s.nframe = b.nframe;
  s.fps = b.fps();
  s.pos.resize(size_t(b.nframe) * b.joints.size() * 3);
  s.rot.resize(size_t(b.nframe) * b.joints.size() * 9);
  for (int f = 0; f < b.nframe; ++f)
    bvh_frame_pose(b, f, s.pos.data() + size_t(f) * b.joints.size() * 3,
                   s.rot.data() + size_t(f) * b.joints.size() * 9);
  // the rest pose: every channel zero (the skeleton as its OFFSETs draw it)
  Bvh rest;  // the joints only: the motion is not copied
  rest.joints = b.joints;
  rest.nchannel = b.nchannel;
  rest.nframe = 1;
  rest.motion.assign(size_t(b.nchannel), 0.0);
  s.rest_pos.resize(b.joints.size() * 3);
  s.rest_rot.resize(b.joints.size() * 9);
  bvh_frame_pose(rest, 0, s.rest_pos.data(), s.rest_rot.data());
  return s;
}

/// The joints of an SMPL-H sequence (smplh_joint_names), metres, Z up.
inline SourceMotion source_from_smplh(const SmplhBodyModel& bm, const SmplhSequence& seq) {
  SourceMotion s;
  s.names = smplh_joint_names(bm.njoint);
  s.parent = bm.parents;
  s.nframe = seq.nframe;
  s.fps = seq.fps;
  s.pos = smplh_joint_positions(bm, seq, &s.rot);
  return s;
}

}  // namespace sinew
