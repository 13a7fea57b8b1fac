// DeepMimic motion clips (Peng et al. 2018) and their humanoid: a retargeting source like BVH and
// SMPL-H. Host only.
//
//   sinew::DeepMimicSkeleton sk = sinew::load_deepmimic_skeleton("pybullet_data/humanoid/humanoid.urdf");
//   sinew::DeepMimicMotion mo = sinew::load_deepmimic_motion("pybullet_data/data/motions/humanoid3d_walk.txt");
//   sinew::SourceMotion src = sinew::source_from_deepmimic(sk, mo);  // metres, Y up, uniform frame rate
//
// Motion format (JSON): {"Loop": "wrap" | "none", "Frames": [[dt, root position (3), root
// quaternion (w, x, y, z), chest (4), neck (4), right hip (4), right knee (1, rad), right ankle
// (4), right shoulder (4), right elbow (1), left hip (4), left knee (1), left ankle (4), left
// shoulder (4), left elbow (1)], ...]}: 44 numbers per frame, `dt` the time to the next frame
// (0 on the last one). Other keys (RightJoints, LeftJoints) are ignored.
//
// Skeleton: the URDF the pybullet wheel ships (pybullet_data/humanoid/humanoid.urdf): joints of
// type fixed (root, wrists), spherical (a quaternion each) and revolute (an angle about `axis`),
// origins `xyz` / `rpy` in the parent link's frame. DeepMimic's pybullet environment loads it with
// globalScaling 0.25 (the clips' root positions are metres at that scale), the default `scale`
// here. A joint's world frame: p = p_parent + R_parent (scale xyz), R = R_parent R_rpy R_joint; the
// root joint's parent link (`base`) is placed at the frame's root position and quaternion.
//
// source_from_deepmimic gives one source joint per URDF joint (named as in the URDF: root, chest,
// neck, right_hip, right_knee, right_ankle, right_shoulder, right_elbow, right_wrist, left_...),
// with world rotations and the rest pose (every rotation the identity: upright, arms down), so
// orientation targets can be calibrated on it (RetargetOptions::orient_from_rest). Clips whose frame durations differ (one frame of humanoid3d_roll lasts
// two) are resampled at the median rate: root position and revolute angles linearly, quaternions
// by slerp (at most 4x the clip's frames, else an error); clips of uniform rate keep their
// frames as they are.
//
// Errors name the file and what is wrong: JSON syntax (with the line), a missing or malformed
// key, a frame that is not 44 finite numbers (frame and column named), a negative duration, a
// zero quaternion; a URDF joint of the motion missing or of another type, an unknown parent link.
// Files must be regular files: URDFs of at most 256 MiB, motions of at most 64 MiB.
#pragma once
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tinyxml2.h>

#include "sinew/imitation/trajectory.hpp"
#include "sinew/io/error.hpp"
#include "sinew/io/mjcf_reader.hpp"
#include "sinew/math/math.hpp"
#include "sinew/retarget/retarget.hpp"

namespace sinew {

/// The humanoid's joints, parents before children (the URDF's kinematic tree).
struct DeepMimicSkeleton {
  enum Type { FIXED, SPHERICAL, REVOLUTE };
  struct Joint {
    std::string name;
    Type type = FIXED;
    int parent = -1;                                  ///< index of the parent joint, -1 for the root joint
    double offset[3] = {0, 0, 0};                     ///< origin xyz in the parent link's frame, scaled (m)
    double rpy_rot[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};  ///< origin rpy as a rotation (row-major)
    double axis[3] = {1, 0, 0};  ///< revolute axis (unit), in the joint's frame (URDF's default: x)
    int value_adr = -1;          ///< first column of the joint in a motion frame (after dt), -1: none
  };
  std::vector<Joint> joints;
  std::string file;
  double scale = 0.25;
  int find(const std::string& n) const {
    for (size_t i = 0; i < joints.size(); ++i)
      if (joints[i].name == n) return int(i);
    return -1;
  }
};

/// A clip: per-frame durations and the 43 pose values of each frame (the frame without its dt).
struct DeepMimicMotion {
  static constexpr int kFrameSize = 44;  ///< numbers per frame in the file, dt included
  static constexpr int kPoseSize = 43;
  std::string file, loop;
  int nframe = 0;
  std::vector<double> dt;    ///< nframe
  std::vector<double> pose;  ///< nframe x 43
  const double* frame(int f) const { return pose.data() + size_t(f) * kPoseSize; }
};

namespace deepmimic_detail {

constexpr uintmax_t kMaxFileBytes = uintmax_t(256) << 20;
/// Motions: DeepMimic's clips are under 1 MiB; a parsed JSON tree takes several times its text.
constexpr uintmax_t kMaxMotionBytes = uintmax_t(64) << 20;

/// The motion layout after dt: root position (0..2), root quaternion (3..6), then these joints.
struct PoseJoint {
  const char* name;
  int nvalue;
};
inline constexpr PoseJoint kPoseJoints[] = {{"chest", 4},       {"neck", 4},          {"right_hip", 4},
                                            {"right_knee", 1},  {"right_ankle", 4},   {"right_shoulder", 4},
                                            {"right_elbow", 1}, {"left_hip", 4},      {"left_knee", 1},
                                            {"left_ankle", 4},  {"left_shoulder", 4}, {"left_elbow", 1}};

/// A regular file's text, at most `limit` bytes (io/mjcf_reader.hpp's bounded reader).
inline std::string read_file(const std::string& path, const char* what, uintmax_t limit, const char* limit_of) {
  return mjcf::detail::read_text_file(path, SourceLocation{path, 0, ""}, what, nullptr, limit, limit_of);
}

inline bool parse_numbers(const char* text, double* out, int n) {
  if (!text) return false;
  std::istringstream in(text);
  for (int i = 0; i < n; ++i)
    if (!(in >> out[i]) || !std::isfinite(out[i])) return false;
  std::string rest;
  return !(in >> rest);
}

/// R = Rz(yaw) Ry(pitch) Rx(roll): URDF's fixed-axis roll, pitch, yaw.
inline mat3<double> rpy_matrix(double r, double p, double y) {
  const double cr = std::cos(r), sr = std::sin(r), cp = std::cos(p), sp = std::sin(p), cy = std::cos(y),
               sy = std::sin(y);
  return {{cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr,  //
           sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr,  //
           -sp, cp * sr, cp * cr}};
}

/// Which pose columns hold quaternions (root and spherical joints): their first column.
inline std::vector<int> quaternion_columns() {
  std::vector<int> q{3};
  int adr = 7;
  for (const PoseJoint& j : kPoseJoints) {
    if (j.nvalue == 4) q.push_back(adr);
    adr += j.nvalue;
  }
  return q;
}

}  // namespace deepmimic_detail

/// DeepMimic's humanoid from URDF text (joint names, types, origins and axes), `scale` applied to
/// the origins (0.25: DeepMimic's pybullet environment); `urdf_path` names it in errors.
inline DeepMimicSkeleton parse_deepmimic_skeleton(const std::string& text, const std::string& urdf_path = "<string>",
                                                  double scale = 0.25) {
  using deepmimic_detail::kPoseJoints;
  if (!(scale > 0) || !std::isfinite(scale))
    throw ModelError(SourceLocation{urdf_path, 0, ""}, "the skeleton scale must be a positive number");
  tinyxml2::XMLDocument doc;
  if (doc.Parse(text.data(), text.size()) != tinyxml2::XML_SUCCESS)
    throw ModelError(SourceLocation{urdf_path, doc.ErrorLineNum(), ""}, std::string("XML error: ") + doc.ErrorStr());
  const tinyxml2::XMLElement* robot = doc.FirstChildElement("robot");
  if (!robot) throw ModelError(SourceLocation{urdf_path, 0, ""}, "no <robot> element: not a URDF file");

  struct Raw {
    DeepMimicSkeleton::Joint j;
    std::string parent_link, child_link;
    int line;
  };
  std::vector<Raw> raw;
  for (const tinyxml2::XMLElement* e = robot->FirstChildElement("joint"); e; e = e->NextSiblingElement("joint")) {
    const SourceLocation at{urdf_path, e->GetLineNum(), "joint"};
    Raw r;
    r.line = e->GetLineNum();
    const char* name = e->Attribute("name");
    const char* type = e->Attribute("type");
    if (!name || !type) throw ModelError(at, "a joint needs a name and a type");
    r.j.name = name;
    const std::string t = type;
    if (t == "fixed") r.j.type = DeepMimicSkeleton::FIXED;
    else if (t == "spherical") r.j.type = DeepMimicSkeleton::SPHERICAL;
    else if (t == "revolute" || t == "continuous") r.j.type = DeepMimicSkeleton::REVOLUTE;
    else
      throw ModelError(
          at, "joint '" + r.j.name + "': type '" + t + "' is not one of DeepMimic's (fixed, spherical, revolute)");
    const tinyxml2::XMLElement* p = e->FirstChildElement("parent");
    const tinyxml2::XMLElement* c = e->FirstChildElement("child");
    if (!p || !p->Attribute("link") || !c || !c->Attribute("link"))
      throw ModelError(at, "joint '" + r.j.name + "' needs <parent link> and <child link>");
    r.parent_link = p->Attribute("link");
    r.child_link = c->Attribute("link");
    if (const tinyxml2::XMLElement* o = e->FirstChildElement("origin")) {
      double xyz[3] = {0, 0, 0}, rpy[3] = {0, 0, 0};
      if (o->Attribute("xyz") && !deepmimic_detail::parse_numbers(o->Attribute("xyz"), xyz, 3))
        throw ModelError(at, "joint '" + r.j.name + "': origin xyz must be 3 finite numbers");
      if (o->Attribute("rpy") && !deepmimic_detail::parse_numbers(o->Attribute("rpy"), rpy, 3))
        throw ModelError(at, "joint '" + r.j.name + "': origin rpy must be 3 finite numbers");
      for (int k = 0; k < 3; ++k) r.j.offset[k] = scale * xyz[k];
      deepmimic_detail::rpy_matrix(rpy[0], rpy[1], rpy[2]).store(r.j.rpy_rot);
    }
    if (const tinyxml2::XMLElement* a = e->FirstChildElement("axis")) {
      double ax[3];
      if (!deepmimic_detail::parse_numbers(a->Attribute("xyz"), ax, 3))
        throw ModelError(at, "joint '" + r.j.name + "': axis xyz must be 3 finite numbers");
      const double n = std::sqrt(ax[0] * ax[0] + ax[1] * ax[1] + ax[2] * ax[2]);
      if (n < 1e-12) throw ModelError(at, "joint '" + r.j.name + "': zero axis");
      for (int k = 0; k < 3; ++k) r.j.axis[k] = ax[k] / n;
    }
    raw.push_back(std::move(r));
  }
  if (raw.empty()) throw ModelError(SourceLocation{urdf_path, 0, ""}, "the URDF has no joints");

  // Order: the root joint (its parent link is no joint's child) first, then breadth first.
  DeepMimicSkeleton sk;
  sk.file = urdf_path;
  sk.scale = scale;
  std::map<std::string, int> by_name, by_child;
  for (size_t i = 0; i < raw.size(); ++i) {
    const SourceLocation at{urdf_path, raw[i].line, "joint"};
    if (!by_name.emplace(raw[i].j.name, int(i)).second)
      throw ModelError(at, "repeated joint name '" + raw[i].j.name + "'");
    if (!by_child.emplace(raw[i].child_link, int(i)).second)
      throw ModelError(
          at, "joint '" + raw[i].j.name + "': link '" + raw[i].child_link + "' is already the child of another joint");
  }
  std::vector<std::vector<int>> children(raw.size());
  int root = -1;
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto p = by_child.find(raw[i].parent_link);
    if (p != by_child.end()) {
      children[size_t(p->second)].push_back(int(i));
    } else if (root >= 0) {
      throw ModelError(SourceLocation{urdf_path, raw[i].line, "joint"},
                       "two root joints: '" + raw[size_t(root)].j.name + "' and '" + raw[i].j.name +
                           "' hang from links ('" + raw[size_t(root)].parent_link + "', '" + raw[i].parent_link +
                           "') that no joint makes");
    } else {
      root = int(i);
    }
  }
  if (root < 0) throw ModelError(SourceLocation{urdf_path, 0, ""}, "no root joint: the joints' links form a cycle");
  std::vector<int> placed(raw.size(), -1), queue{root};
  raw[size_t(root)].j.parent = -1;
  for (size_t q = 0; q < queue.size(); ++q) {
    const int i = queue[q];
    placed[size_t(i)] = int(sk.joints.size());
    sk.joints.push_back(raw[size_t(i)].j);
    for (int c : children[size_t(i)]) {
      raw[size_t(c)].j.parent = placed[size_t(i)];
      queue.push_back(c);
    }
  }
  for (size_t i = 0; i < raw.size(); ++i)
    if (placed[i] < 0)
      throw ModelError(SourceLocation{urdf_path, raw[i].line, "joint"},
                       "joint '" + raw[i].j.name + "' is in a cycle of links");

  // The motion's layout: every moving joint of the URDF has its columns, of its type.
  int adr = 7;
  for (const auto& pj : kPoseJoints) {
    const int j = sk.find(pj.name);
    const auto want = pj.nvalue == 4 ? DeepMimicSkeleton::SPHERICAL : DeepMimicSkeleton::REVOLUTE;
    if (j < 0)
      throw ModelError(SourceLocation{urdf_path, 0, ""},
                       std::string("joint '") + pj.name + "' of DeepMimic's motion layout is missing");
    if (sk.joints[size_t(j)].type != want)
      throw ModelError(SourceLocation{urdf_path, 0, ""}, std::string("joint '") + pj.name + "' must be " +
                                                             (pj.nvalue == 4 ? "spherical" : "revolute") +
                                                             " (DeepMimic's motion layout)");
    sk.joints[size_t(j)].value_adr = adr;
    adr += pj.nvalue;
  }
  for (const auto& j : sk.joints)
    if (j.type != DeepMimicSkeleton::FIXED && j.value_adr < 0)
      throw ModelError(SourceLocation{urdf_path, 0, ""},
                       "joint '" + j.name + "' moves but is not in DeepMimic's motion layout");
  return sk;
}

inline DeepMimicSkeleton load_deepmimic_skeleton(const std::string& urdf_path, double scale = 0.25) {
  return parse_deepmimic_skeleton(
      deepmimic_detail::read_file(urdf_path, "URDF file", deepmimic_detail::kMaxFileBytes, "a URDF file"), urdf_path,
      scale);
}

/// Parses a DeepMimic motion (JSON text); `file` names it in errors.
inline DeepMimicMotion parse_deepmimic_motion(const std::string& text, const std::string& file = "<string>") {
  using json = nlohmann::json;
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    const size_t at = std::min(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const int line = 1 + int(std::count(text.begin(), text.begin() + std::ptrdiff_t(at), '\n'));
    std::string what = e.what();
    const size_t c = what.find(": ");  // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    throw ModelError(SourceLocation{file, line, ""},
                     "JSON error: " + (c == std::string::npos ? what : what.substr(c + 2)));
  }
  const SourceLocation at{file, 0, ""};
  if (!doc.is_object()) throw ModelError(at, "a DeepMimic motion is a JSON object with \"Frames\"");
  DeepMimicMotion m;
  m.file = file;
  if (auto l = doc.find("Loop"); l != doc.end()) {
    if (!l->is_string()) throw ModelError(at, "\"Loop\" must be a string");
    m.loop = l->get<std::string>();
  }
  const auto fr = doc.find("Frames");
  if (fr == doc.end() || !fr->is_array()) throw ModelError(at, "\"Frames\" (an array of frames) is missing");
  if (fr->size() < 2)
    throw ModelError(at, "a motion needs at least 2 frames, this one has " + std::to_string(fr->size()));
  // a frame is 44 numbers: at least 88 bytes of text; more "frames" than that are empty or malformed
  if (fr->size() > text.size() / 88 + 1)
    throw ModelError(at, std::to_string(fr->size()) + " frames in " + std::to_string(text.size()) +
                             " bytes: frames must be arrays of 44 numbers");
  m.nframe = int(fr->size());
  m.dt.resize(size_t(m.nframe));
  m.pose.resize(size_t(m.nframe) * DeepMimicMotion::kPoseSize);
  for (int f = 0; f < m.nframe; ++f) {
    const json& row = (*fr)[size_t(f)];
    const std::string which = "frame " + std::to_string(f);
    if (!row.is_array() || row.size() != size_t(DeepMimicMotion::kFrameSize))
      throw ModelError(at,
                       which + ": expected an array of 44 numbers (dt, root position and quaternion, 12 joints), got " +
                           (row.is_array() ? std::to_string(row.size()) + " values" : std::string(row.type_name())));
    for (int k = 0; k < DeepMimicMotion::kFrameSize; ++k) {
      const json& v = row[size_t(k)];
      if (!v.is_number()) throw ModelError(at, which + ", column " + std::to_string(k) + ": not a number");
      const double x = v.get<double>();
      if (!std::isfinite(x)) throw ModelError(at, which + ", column " + std::to_string(k) + ": not finite");
      if (k == 0) {
        if (x < 0) throw ModelError(at, which + ": negative duration " + std::to_string(x));
        m.dt[size_t(f)] = x;
      } else {
        m.pose[size_t(f) * DeepMimicMotion::kPoseSize + size_t(k - 1)] = x;
      }
    }
    for (int c : deepmimic_detail::quaternion_columns()) {
      double* q = &m.pose[size_t(f) * DeepMimicMotion::kPoseSize + size_t(c)];
      const double n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
      if (n < 1e-6)
        throw ModelError(
            at, which + ", columns " + std::to_string(c + 1) + "-" + std::to_string(c + 4) + ": zero quaternion");
      for (int k = 0; k < 4; ++k) q[k] /= n;
    }
  }
  double total = 0;
  for (int f = 0; f + 1 < m.nframe; ++f) total += m.dt[size_t(f)];
  if (!(total > 0)) throw ModelError(at, "the frames' durations add up to zero");
  return m;
}

inline DeepMimicMotion load_deepmimic_motion(const std::string& path) {
  return parse_deepmimic_motion(
      deepmimic_detail::read_file(path, "DeepMimic motion", deepmimic_detail::kMaxMotionBytes, "a DeepMimic motion"),
      path);
}

/// Frames at a uniform rate: the clip's own frames when every duration but the last is the
/// median one (relative 1e-4), otherwise poses interpolated at k / fps for k = 0 .. (floor of
/// the clip's length times fps). `fps` 0: 1 / the median duration.
inline DeepMimicMotion deepmimic_uniform(const DeepMimicMotion& m, double fps = 0) {
  if (m.nframe < 2 || m.dt.size() != size_t(m.nframe) || m.pose.size() != size_t(m.nframe) * DeepMimicMotion::kPoseSize)
    throw std::invalid_argument("deepmimic_uniform: a motion of at least 2 frames with its durations and poses");
  if (!(fps >= 0) || !std::isfinite(fps))
    throw std::invalid_argument("deepmimic_uniform: fps must be 0 (the median rate) or positive");
  std::vector<double> d(m.dt.begin(), m.dt.end() - 1);
  std::vector<double> pos;
  for (double x : d)
    if (x > 0) pos.push_back(x);
  std::nth_element(pos.begin(), pos.begin() + std::ptrdiff_t(pos.size() / 2), pos.end());
  const double med = pos[pos.size() / 2];
  if (fps <= 0) fps = 1 / med;
  bool uniform = std::abs(fps * med - 1) < 1e-4;
  for (double x : d) uniform = uniform && std::abs(x - med) <= 1e-4 * med;
  if (uniform) {
    DeepMimicMotion u = m;
    std::fill(u.dt.begin(), u.dt.end() - 1, 1 / fps);
    return u;
  }
  std::vector<double> t(size_t(m.nframe), 0);
  for (int f = 1; f < m.nframe; ++f) t[size_t(f)] = t[size_t(f) - 1] + m.dt[size_t(f) - 1];
  const double length = t.back();
  const double count = std::floor(length * fps + 1e-9) + 1;
  if (!(count <= 4.0 * m.nframe))  // NaN and inf included: never sized from extreme durations
    throw ModelError(SourceLocation{m.file, 0, ""},
                     "resampling at " + std::to_string(fps) + " Hz would turn " + std::to_string(m.nframe) +
                         " frames into " + std::to_string(count) +
                         " (more than 4x: the frame durations are too uneven, or the rate too high)");
  if (count < 2)
    throw ModelError(SourceLocation{m.file, 0, ""},
                     "resampling at " + std::to_string(fps) + " Hz leaves fewer than 2 frames");
  const int n = int(count);
  DeepMimicMotion u;
  u.file = m.file;
  u.loop = m.loop;
  u.nframe = n;
  u.dt.assign(size_t(n), 1 / fps);
  u.dt.back() = 0;
  u.pose.resize(size_t(n) * DeepMimicMotion::kPoseSize);
  const std::vector<int> qcols = deepmimic_detail::quaternion_columns();
  int seg = 0;
  for (int k = 0; k < n; ++k) {
    const double tk = std::min(k / fps, length);
    while (seg + 2 < m.nframe && t[size_t(seg) + 1] <= tk) ++seg;
    const double span = t[size_t(seg) + 1] - t[size_t(seg)];
    const double a = span > 0 ? std::clamp((tk - t[size_t(seg)]) / span, 0.0, 1.0) : 1.0;
    const double* p0 = m.frame(seg);
    const double* p1 = m.frame(seg + 1);
    double* out = u.pose.data() + size_t(k) * DeepMimicMotion::kPoseSize;
    for (int c = 0; c < DeepMimicMotion::kPoseSize; ++c) out[c] = (1 - a) * p0[c] + a * p1[c];
    for (int c : qcols)
      detail::slerp(quat<double>::load(p0 + c), quat<double>::load(p1 + c), a)
          .store(out + c);  // imitation/trajectory.hpp
  }
  return u;
}

/// World positions and rotations of every skeleton joint in one frame of 43 pose values.
inline void deepmimic_frame_pose(const DeepMimicSkeleton& sk, const double* pose, double* pos, double* rot = nullptr) {
  std::vector<mat3<double>> R(sk.joints.size());
  for (size_t j = 0; j < sk.joints.size(); ++j) {
    const DeepMimicSkeleton::Joint& J = sk.joints[j];
    vec3<double> p0;
    mat3<double> R0;
    if (J.parent < 0) {  // the base link: the frame's root position and quaternion
      p0 = vec3<double>{pose[0], pose[1], pose[2]};
      R0 = quat_to_mat(quat<double>::load(pose + 3));
    } else {
      p0 = vec3<double>::load(pos + 3 * size_t(J.parent));
      R0 = R[size_t(J.parent)];
    }
    (R0 * vec3<double>::load(J.offset) + p0).store(pos + 3 * j);
    mat3<double> r = R0 * mat3<double>::load(J.rpy_rot);
    if (J.type == DeepMimicSkeleton::SPHERICAL) r = r * quat_to_mat(quat<double>::load(pose + J.value_adr));
    else if (J.type == DeepMimicSkeleton::REVOLUTE)
      r = r * quat_to_mat(axis_angle_quat(vec3<double>::load(J.axis), pose[J.value_adr]));
    R[j] = r;
    if (rot) r.store(rot + 9 * j);
  }
}

/// The clip as a retargeting source (metres, Y up; see deepmimic_uniform for the frame rate).
inline SourceMotion source_from_deepmimic(const DeepMimicSkeleton& sk, const DeepMimicMotion& motion, double fps = 0) {
  const DeepMimicMotion u = deepmimic_uniform(motion, fps);
  SourceMotion s;
  for (const auto& j : sk.joints) {
    s.names.push_back(j.name);
    s.parent.push_back(j.parent);
  }
  s.nframe = u.nframe;
  s.fps = 1 / u.dt[0];
  const size_t nj = sk.joints.size();
  s.pos.resize(size_t(u.nframe) * nj * 3);
  s.rot.resize(size_t(u.nframe) * nj * 9);
  for (int f = 0; f < u.nframe; ++f)
    deepmimic_frame_pose(sk, u.frame(f), s.pos.data() + size_t(f) * nj * 3, s.rot.data() + size_t(f) * nj * 9);
  // The rest pose: root at the origin, every rotation the identity (the humanoid stands upright,
  // arms down, facing +x).
  double rest[DeepMimicMotion::kPoseSize] = {};
  for (int c : deepmimic_detail::quaternion_columns()) rest[c] = 1;
  s.rest_pos.resize(nj * 3);
  s.rest_rot.resize(nj * 9);
  deepmimic_frame_pose(sk, rest, s.rest_pos.data(), s.rest_rot.data());
  return s;
}

}  // namespace sinew
