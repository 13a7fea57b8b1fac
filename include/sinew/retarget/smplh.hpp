// AMASS SMPL-H motion sequences: joint positions from the pose parameters and a body-model file
// that the user supplies. Host only.
//
//   sinew::SmplhSequence seq = sinew::load_amass_sequence("walk_poses.npz");
//   sinew::SmplhBodyModel bm = sinew::load_smplh_body_model("smplh/male/model.npz");  // not shipped
//   std::vector<double> p = sinew::smplh_joint_positions(bm, seq);   // nframe x 52 x 3, metres, Z up
//
// Sequence (.npz, AMASS): `poses` (N, 156) axis-angle rotations of the 52 joints (root first,
// then 21 body joints, then 15 per hand), `trans` (N, 3) root translation, `betas` shape
// coefficients (16 for SMPL-H; extra or missing ones are cut or taken as zero), `gender`, and the
// frame rate as `mocap_framerate` or `mocap_frame_rate`. AMASS stores the world Z up.
//
// Body model (.npz, SMPL-H from the MANO site, e.g. smplh/male/model.npz): `v_template` (V, 3),
// `shapedirs` (V, 3, B), `J_regressor` (J, V) dense, `kintree_table` (2, J) whose first row holds
// the parents. Rest joints: J_rest = J_regressor (v_template + shapedirs . betas). Forward
// kinematics: R_i = R_parent(i) exp(pose_i), p_0 = J_rest_0 + trans, p_i = p_parent(i) +
// R_parent(i) (J_rest_i - J_rest_parent(i)), as SMPL's linear blend skinning places its joints.
//
// SMPL-H is licensed by the Max Planck Institute for Intelligent Systems and may not be
// redistributed, so Sinew does not ship it: without the body-model file, loading fails with an
// error that says where to get it.
#pragma once
#include <cmath>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <map>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "sinew/io/npz.hpp"
#include "sinew/io/error.hpp"
#include "sinew/math/math.hpp"

namespace sinew {

/// One AMASS sequence.
struct SmplhSequence {
  int nframe = 0;
  int pose_width = 0;  ///< values per frame in `poses` (156 for SMPL-H)
  double fps = 0;
  std::string gender;         ///< as stored ("male", "female", "neutral"), empty if absent
  std::vector<double> poses;  ///< nframe x pose_width, axis-angle
  std::vector<double> trans;  ///< nframe x 3
  std::vector<double> betas;
};

/// The parts of an SMPL-H body model that place its joints.
struct SmplhBodyModel {
  int nvert = 0, njoint = 0, nbeta = 0;
  std::vector<double> v_template;   ///< nvert x 3
  std::vector<double> shapedirs;    ///< nvert x 3 x nbeta
  std::vector<double> J_regressor;  ///< njoint x nvert
  std::vector<int> parents;         ///< njoint, -1 for the root
  std::string path;
};

/// Where users get the body model, for error messages and the CLI.
inline const char* smplh_license_note() {
  return "SMPL-H is licensed by the Max Planck Institute for Intelligent Systems and cannot be shipped with Sinew. "
         "Register at https://mano.is.tue.mpg.de (download 'Extended SMPL+H model', the one AMASS uses) and pass the "
         "gender's model.npz (e.g. smplh/male/model.npz) as the body model (--body-model).";
}

/// The 52 SMPL-H joint names (SMPL's first 22, then 15 per hand); other joint counts get SMPL's
/// 24 names or "joint_<i>".
inline std::vector<std::string> smplh_joint_names(int njoint) {
  static const char* body[22] = {"pelvis",     "left_hip",      "right_hip",      "spine1",      "left_knee",
                                 "right_knee", "spine2",        "left_ankle",     "right_ankle", "spine3",
                                 "left_foot",  "right_foot",    "neck",           "left_collar", "right_collar",
                                 "head",       "left_shoulder", "right_shoulder", "left_elbow",  "right_elbow",
                                 "left_wrist", "right_wrist"};
  static const char* fingers[5] = {"index", "middle", "pinky", "ring", "thumb"};
  std::vector<std::string> n;
  if (njoint == 52 || njoint == 24) {
    for (const char* s : body) n.push_back(s);
    if (njoint == 24) {
      n.push_back("left_hand");
      n.push_back("right_hand");
      return n;
    }
    for (const char* side : {"left_", "right_"})
      for (const char* f : fingers)
        for (int k = 1; k <= 3; ++k) n.push_back(std::string(side) + f + std::to_string(k));
    return n;
  }
  for (int i = 0; i < njoint; ++i) n.push_back("joint_" + std::to_string(i));
  return n;
}

namespace smplh_detail {
[[noreturn]] inline void fail(const std::string& file, const std::string& what) {
  throw ModelError(SourceLocation{file, 0, ""}, what);
}

/// Numbers of an npy array as double, also for the unsigned integer dtypes body models use for
/// kintree_table ('<u4', '<u8'), which NpyBlob::as_double does not read.
inline std::vector<double> numbers(const NpyBlob& b, const std::string& file, const std::string& key) {
  if (b.is_object())
    fail(file, "'" + key + "' is a pickled object; convert the body model to plain arrays (numpy.savez)");
  const size_t n = b.size();
  auto conv = [&](auto tag) {
    using S = decltype(tag);
    if (b.bytes.size() < n * sizeof(S)) fail(file, "'" + key + "' is truncated");
    std::vector<double> out(n);
    for (size_t k = 0; k < n; ++k) {
      S v;
      std::memcpy(&v, b.bytes.data() + k * sizeof(S), sizeof(S));
      out[k] = double(v);
    }
    return out;
  };
  if (b.descr == "<u4") return conv(uint32_t{});
  if (b.descr == "<u8") return conv(uint64_t{});
  try {
    return b.as_double();
  } catch (const std::exception& e) { fail(file, "'" + key + "': " + e.what()); }
}

inline const NpyBlob& need(const std::map<std::string, NpyBlob>& a, const std::string& file, const std::string& key,
                           const std::string& what) {
  auto it = a.find(key);
  if (it == a.end()) fail(file, "missing '" + key + "' (" + what + ")");
  return it->second;
}

inline std::map<std::string, NpyBlob> read(const std::string& path) {
  try {
    return read_npz(path);
  } catch (const ModelError&) { throw; } catch (const std::exception& e) {
    std::string what = e.what();  // read_npz's messages start with the path: keep it once
    if (what.rfind(path + ": ", 0) == 0) what = what.substr(path.size() + 2);
    fail(path, what);
  }
}

/// Every dimension of an array must fit an int (a header with a zero-sized dimension can declare
/// any other dimension without bytes behind it).
inline void check_dims(const NpyBlob& b, const std::string& file, const std::string& key) {
  for (size_t d : b.shape)
    if (d > size_t(std::numeric_limits<int>::max()))
      fail(file, "'" + key + "' has a dimension of " + std::to_string(d));
}

inline void check_finite(const std::vector<double>& v, const std::string& file, const std::string& key) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) fail(file, "'" + key + "' has a non-finite value at index " + std::to_string(i));
}
}  // namespace smplh_detail

/// An AMASS SMPL-H sequence from the arrays of its .npz (`path` names it in errors).
inline SmplhSequence amass_sequence_from(const std::map<std::string, NpyBlob>& a, const std::string& path) {
  using namespace smplh_detail;
  SmplhSequence s;
  const NpyBlob& poses = need(a, path, "poses", "(N, 156) axis-angle joint rotations");
  check_dims(poses, path, "poses");
  if (poses.shape.size() != 2 || poses.shape[1] % 3 != 0 || poses.shape[1] == 0)
    fail(path, "'poses' must be (N, 3 x joints), e.g. (N, 156) for SMPL-H");
  s.nframe = int(poses.shape[0]);
  if (s.nframe == 0) fail(path, "'poses' has no frames");
  s.pose_width = int(poses.shape[1]);
  s.poses = numbers(poses, path, "poses");
  const NpyBlob& trans = need(a, path, "trans", "(N, 3) root translation");
  check_dims(trans, path, "trans");
  if (trans.shape.size() != 2 || trans.shape[1] != 3 || int(trans.shape[0]) != s.nframe)
    fail(path, "'trans' must be (N, 3) with the frame count of 'poses'");
  s.trans = numbers(trans, path, "trans");
  if (a.count("betas")) s.betas = numbers(a.at("betas"), path, "betas");
  check_finite(s.poses, path, "poses");
  check_finite(s.trans, path, "trans");
  check_finite(s.betas, path, "betas");
  const char* rate_keys[2] = {"mocap_framerate", "mocap_frame_rate"};
  for (const char* k : rate_keys)
    if (a.count(k)) {
      const std::vector<double> r = numbers(a.at(k), path, k);
      if (r.empty()) fail(path, std::string("'") + k + "' is empty");
      s.fps = r[0];
    }
  if (!(s.fps > 0) || !std::isfinite(s.fps))
    fail(path, "missing or non-positive frame rate ('mocap_framerate' or 'mocap_frame_rate')");
  if (a.count("gender")) {
    const NpyBlob& g = a.at("gender");
    if (g.is_string() && g.size()) s.gender = g.as_strings().at(0);
    else if (g.descr.size() > 2 && g.descr[1] == 'S' && !g.bytes.empty())  // numpy bytes '|S<n>'
      s.gender = std::string(g.bytes.data(), strnlen(g.bytes.data(), g.bytes.size()));
  }
  return s;
}

/// Reads an AMASS SMPL-H sequence .npz.
inline SmplhSequence load_amass_sequence(const std::string& path) {
  return amass_sequence_from(smplh_detail::read(path), path);
}

inline SmplhBodyModel smplh_body_model_from(const std::map<std::string, NpyBlob>& a, const std::string& path);

/// Reads the SMPL-H body model the user supplies. An empty path or a missing file fails with an
/// error explaining that SMPL-H cannot be shipped and where to get it.
inline SmplhBodyModel load_smplh_body_model(const std::string& path) {
  using namespace smplh_detail;
  if (path.empty())
    fail("<no body model>",
         std::string("an SMPL-H body model file is required to turn AMASS pose parameters into joint positions. ") +
             smplh_license_note());
  if (!std::ifstream(path).good())
    fail(path, std::string("cannot open the SMPL-H body model. ") + smplh_license_note());
  return smplh_body_model_from(read(path), path);
}

/// An SMPL-H body model from the arrays of its .npz (`path` names it in errors).
inline SmplhBodyModel smplh_body_model_from(const std::map<std::string, NpyBlob>& a, const std::string& path) {
  using namespace smplh_detail;
  SmplhBodyModel bm;
  bm.path = path;
  const NpyBlob& vt = need(a, path, "v_template", "(V, 3) template vertices");
  check_dims(vt, path, "v_template");
  if (vt.shape.size() != 2 || vt.shape[1] != 3 || vt.shape[0] == 0) fail(path, "'v_template' must be (V, 3)");
  bm.nvert = int(vt.shape[0]);
  bm.v_template = numbers(vt, path, "v_template");
  const NpyBlob& sd = need(a, path, "shapedirs", "(V, 3, B) shape blend shapes");
  check_dims(sd, path, "shapedirs");
  if (sd.shape.size() != 3 || int(sd.shape[0]) != bm.nvert || sd.shape[1] != 3)
    fail(path, "'shapedirs' must be (V, 3, B) with V of v_template");
  bm.nbeta = int(sd.shape[2]);
  bm.shapedirs = numbers(sd, path, "shapedirs");
  const NpyBlob& jr = need(a, path, "J_regressor", "(J, V) joint regressor");
  check_dims(jr, path, "J_regressor");
  if (jr.shape.size() != 2 || int(jr.shape[1]) != bm.nvert || jr.shape[0] == 0)
    fail(path, "'J_regressor' must be a dense (J, V) array with V of v_template");
  bm.njoint = int(jr.shape[0]);
  bm.J_regressor = numbers(jr, path, "J_regressor");
  const NpyBlob& kt = need(a, path, "kintree_table", "(2, J) parents");
  check_dims(kt, path, "kintree_table");
  if (kt.shape.size() != 2 || kt.shape[0] != 2 || int(kt.shape[1]) != bm.njoint)
    fail(path, "'kintree_table' must be (2, J) with J of J_regressor");
  const std::vector<double> k = numbers(kt, path, "kintree_table");
  bm.parents.resize(size_t(bm.njoint));
  for (int j = 0; j < bm.njoint; ++j) {
    const double p = k[size_t(j)];
    // the root's parent is -1 or, in uint32 tables, 4294967295 (NaN: no parent either)
    bm.parents[size_t(j)] = (p >= 0 && p < bm.njoint) ? int(p) : -1;
    if (p >= 0 && p < bm.njoint && p != double(int(p)))
      fail(path, "'kintree_table': joint " + std::to_string(j) + " has a non-integer parent");
    if (bm.parents[size_t(j)] >= j)
      fail(path, "'kintree_table': joint " + std::to_string(j) + " must come after its parent");
    if (j > 0 && bm.parents[size_t(j)] < 0) fail(path, "'kintree_table': only joint 0 may be a root");
  }
  check_finite(bm.v_template, path, "v_template");
  check_finite(bm.shapedirs, path, "shapedirs");
  check_finite(bm.J_regressor, path, "J_regressor");
  return bm;
}

/// Rest joint positions (njoint x 3) for shape coefficients `betas` (cut to, or padded with
/// zeros to, the model's nbeta).
inline std::vector<double> smplh_rest_joints(const SmplhBodyModel& bm, const std::vector<double>& betas) {
  const int nb = std::min(bm.nbeta, int(betas.size()));
  std::vector<double> v(bm.v_template);
  for (int i = 0; i < bm.nvert; ++i)
    for (int c = 0; c < 3; ++c) {
      const double* sd = bm.shapedirs.data() + (size_t(i) * 3 + size_t(c)) * size_t(bm.nbeta);
      double s = 0;
      for (int b = 0; b < nb; ++b) s += sd[b] * betas[size_t(b)];
      v[size_t(i) * 3 + size_t(c)] += s;
    }
  std::vector<double> J(size_t(bm.njoint) * 3, 0.0);
  for (int j = 0; j < bm.njoint; ++j) {
    const double* r = bm.J_regressor.data() + size_t(j) * size_t(bm.nvert);
    for (int i = 0; i < bm.nvert; ++i)
      if (r[i] != 0)
        for (int c = 0; c < 3; ++c) J[size_t(j) * 3 + size_t(c)] += r[i] * v[size_t(i) * 3 + size_t(c)];
  }
  return J;
}

/// World joint positions of every frame (nframe x njoint x 3), in the sequence's frame (AMASS: Z up,
/// metres); with `rot`, also the joints' world rotations (nframe x njoint x 9, row-major).
inline std::vector<double> smplh_joint_positions(const SmplhBodyModel& bm, const SmplhSequence& s,
                                                 std::vector<double>* rot = nullptr) {
  if (s.pose_width < 3 * bm.njoint)
    throw ModelError(SourceLocation{bm.path, 0, ""}, "the body model has " + std::to_string(bm.njoint) +
                                                         " joints but the sequence's poses have only " +
                                                         std::to_string(s.pose_width / 3) + " rotations per frame");
  const std::vector<double> J = smplh_rest_joints(bm, s.betas);
  const size_t nj = size_t(bm.njoint);
  std::vector<double> out(size_t(s.nframe) * nj * 3);
  std::vector<mat3<double>> R(nj);
  if (rot) rot->assign(size_t(s.nframe) * nj * 9, 0.0);
  for (int f = 0; f < s.nframe; ++f) {
    const double* pose = s.poses.data() + size_t(f) * size_t(s.pose_width);
    double* p = out.data() + size_t(f) * nj * 3;
    for (size_t j = 0; j < nj; ++j) {
      vec3<double> aa{pose[3 * j], pose[3 * j + 1], pose[3 * j + 2]};
      const double ang = normalize(aa);
      const mat3<double> local = quat_to_mat(axis_angle_quat(aa, ang));
      const int par = bm.parents[j];
      const vec3<double> rest = vec3<double>::load(J.data() + 3 * j);
      if (par < 0) {
        R[j] = local;
        (rest + vec3<double>::load(s.trans.data() + size_t(f) * 3)).store(p + 3 * j);
      } else {
        const size_t q = size_t(par);
        R[j] = R[q] * local;
        (vec3<double>::load(p + 3 * q) + R[q] * (rest - vec3<double>::load(J.data() + 3 * q))).store(p + 3 * j);
      }
      if (rot) R[j].store(rot->data() + (size_t(f) * nj + j) * 9);
    }
  }
  return out;
}

}  // namespace sinew
