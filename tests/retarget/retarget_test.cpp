// Retargeting: BVH reading, writing and errors; SMPL-H forward kinematics on a synthetic body
// model; the missing-body-model error; IK with joint limits and couplings; ground correction;
// and round trips (a known motion of our models -> a BVH skeleton of other proportions, units,
// axes and bone frames -> retargeted back); DeepMimic's motion format and humanoid URDF.
#include <doctest/doctest.h>

#include <sstream>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <unistd.h>

#include "sinew/imitation/trajectory.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/retarget/deepmimic.hpp"
#include "sinew/retarget/retarget.hpp"
#include "model_motion.hpp"

using namespace sinew;
using sinew::test::model_source;
using sinew::test::skeleton_motion;

namespace {
#ifndef SINEW_SOURCE_DIR
#define SINEW_SOURCE_DIR "."
#endif
const std::string kRoot = SINEW_SOURCE_DIR;

std::string tmp_path(const std::string& name) {
  return "/tmp/sinew_retarget_" + std::to_string(::getpid()) + "_" + name;
}

Model<double> load_quiet(const std::string& path) {
  std::vector<Diagnostic> w;
  return load_mjcf(path, &w);
}

// Root with position and ZXY rotation channels, a child with XYZ rotations, an End Site.
const char* kBvh = R"(HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Thigh
  {
    OFFSET 10 0 0
    CHANNELS 3 Xrotation Yrotation Zrotation
    End Site
    {
      OFFSET 0 -20 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.0333333
1 2 3 0 0 0 0 0 0
0 0 0 0 0 90 90 0 0
)";

void expect_error(const std::string& text, int line, const std::string& what) {
  const std::string file = "bad.bvh";
  try {
    parse_bvh(text, file);
    FAIL("no error for: " << what);
  } catch (const ModelError& e) {
    const std::string msg = e.what();
    CHECK_MESSAGE(msg.find(file + ":" + std::to_string(line) + ":") != std::string::npos, msg);
    CHECK_MESSAGE(msg.find(what) != std::string::npos, msg);
  }
}

double quat_angle(const double* a, const double* b) {
  const double d = std::fabs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
  return 2 * std::acos(std::min(1.0, d));
}

/// Largest joint error between two qpos sequences: hinge and slide differences, ball and free-root
/// rotations as quaternion angles, and with `root_pos` the free root's translation too.
double worst_joint_error(const Model<double>& m, const std::vector<double>& a_all, const std::vector<double>& b_all,
                         bool root_pos) {
  double worst = 0;
  const size_t N = a_all.size() / size_t(m.nq);
  for (size_t f = 0; f < N; ++f) {
    const double* a = a_all.data() + f * size_t(m.nq);
    const double* b = b_all.data() + f * size_t(m.nq);
    for (int j = 0; j < m.njnt; ++j) {
      const int adr = m.jnt_qposadr[size_t(j)], type = m.jnt_type[size_t(j)];
      if (type == JNT_FREE) {
        worst = std::max(worst, quat_angle(a + adr + 3, b + adr + 3));
        if (root_pos)
          for (int c = 0; c < 3; ++c) worst = std::max(worst, std::fabs(a[adr + c] - b[adr + c]));
      } else if (type == JNT_BALL) worst = std::max(worst, quat_angle(a + adr, b + adr));
      else worst = std::max(worst, std::fabs(a[adr] - b[adr]));
    }
  }
  return worst;
}

/// Z X Y Euler angles (degrees) of R = Rz(a) Rx(b) Ry(c).
void euler_zxy(const mat3<double>& R, double* deg) {
  const double k = 180 / M_PI;
  deg[0] = std::atan2(-R(0, 1), R(1, 1)) * k;
  deg[1] = std::atan2(R(2, 1), std::sqrt(R(0, 1) * R(0, 1) + R(1, 1) * R(1, 1))) * k;
  deg[2] = std::atan2(-R(2, 0), R(2, 2)) * k;
}

/// A BVH of `model`'s motion `qpos` (nframe x nq) on a skeleton of other proportions: one joint
/// per body (body origins are the joint centres), End Sites at `sites`, all lengths times
/// `ratio` (BVH units), Y up, the root shifted by `shift` (BVH units), and every joint's frame
/// turned by a fixed rotation of its own (so the BVH's zero pose is not the model's rest pose).
/// Joint rotations are written as Z X Y Euler angles that reproduce the body orientations.
Bvh model_to_bvh(const Model<double>& model, const std::vector<double>& qpos, double fps, double ratio,
                 vec3<double> shift, const std::vector<std::string>& sites, bool turn_frames = true) {
  const int N = int(qpos.size() / size_t(model.nq)), nb = model.nbody;
  const mat3<double> C{{0, 1, 0, 0, 0, 1, 1, 0, 0}};  // model Z-up -> BVH Y-up: (x, y, z) -> (y, z, x)
  std::vector<mat3<double>> G(static_cast<size_t>(nb));
  for (int b = 1; b < nb; ++b)
    G[size_t(b)] = !turn_frames ? mat3<double>::identity()
                                : quat_to_mat(mul(axis_angle_quat(vec3<double>{0, 0, 1}, 0.3 * b),
                                                  axis_angle_quat(vec3<double>{1, 0, 0}, -0.2 * b)));
  std::vector<std::vector<double>> xpos(static_cast<size_t>(N)), xmat(xpos), sxpos(xpos);
  Data<double> d(model.sizes(), 1);
  const auto w = d.view().world(0);
  for (int f = 0; f < N; ++f) {
    for (int i = 0; i < model.nq; ++i) w.qpos[i] = qpos[size_t(f) * size_t(model.nq) + size_t(i)];
    kinematics(model.view(), w);
    for (int i = 0; i < 3 * nb; ++i) xpos[size_t(f)].push_back(w.xpos[i]);
    for (int i = 0; i < 9 * nb; ++i) xmat[size_t(f)].push_back(w.xmat[i]);
    for (int i = 0; i < 3 * model.nsite; ++i) sxpos[size_t(f)].push_back(w.site_xpos[i]);
  }
  auto Rw = [&](int f, int b) {
    return C * mat3<double>::load(xmat[size_t(f)].data() + 9 * b) * transpose(C) * G[size_t(b)];
  };
  auto X = [&](int f, int b) { return vec3<double>::load(xpos[size_t(f)].data() + 3 * b); };
  Bvh bvh;
  bvh.frame_time = 1 / fps;
  bvh.nframe = N;
  std::vector<int> jid(size_t(nb), -1);
  const std::vector<int> root_ch{BVH_XPOS, BVH_YPOS, BVH_ZPOS, BVH_ZROT, BVH_XROT, BVH_YROT},
      rot_ch{BVH_ZROT, BVH_XROT, BVH_YROT};
  for (int b = 1; b < nb; ++b) {
    const int p = model.body_parentid[size_t(b)];
    double off[3] = {0, 0, 0};
    if (p > 0) (ratio * (transpose(Rw(0, p)) * (C * (X(0, b) - X(0, p))))).store(off);
    jid[size_t(b)] =
        bvh.add_joint(model.body_names[size_t(b)], p > 0 ? jid[size_t(p)] : -1, off, p > 0 ? rot_ch : root_ch);
    for (const std::string& s : sites) {
      const int sid = Model<double>::find(model.site_names, s);
      if (model.site_bodyid[size_t(sid)] != b) continue;
      double so[3];
      (ratio * (transpose(Rw(0, b)) * (C * (vec3<double>::load(sxpos[0].data() + 3 * sid) - X(0, b))))).store(so);
      bvh.add_joint(model.body_names[size_t(b)] + "_end", jid[size_t(b)], so, {}, true);
    }
  }
  for (int f = 0; f < N; ++f)
    for (int b = 1; b < nb; ++b) {
      const int p = model.body_parentid[size_t(b)];
      const mat3<double> L = p > 0 ? transpose(Rw(f, p)) * Rw(f, b) : Rw(f, b);
      double e[3];
      euler_zxy(L, e);
      if (p == 0) {
        const vec3<double> r = ratio * (C * X(f, b)) + shift;
        bvh.motion.insert(bvh.motion.end(), {r.x, r.y, r.z});
      }
      bvh.motion.insert(bvh.motion.end(), {e[0], e[1], e[2]});
    }
  return bvh;
}

/// Options for a source already in the model's frame and units (model_source): no scale fit,
/// Z up, no ground correction.
RetargetOptions model_frame_options() {
  RetargetOptions o;
  o.scale = 1;
  o.source_up = 'z';
  o.ground = GroundMode::none;
  return o;
}

const char* kSkeletonMap = R"(# BVH joint -> skeleton.xml body or site
pelvis pelvis
lumbar lumbar
thorax thorax
head head
head_end site:head_top
upper_arm_r upper_arm_r
forearm_r forearm_r
hand_r hand_r
hand_r_end fingertip_r
upper_arm_l upper_arm_l
forearm_l forearm_l
hand_l hand_l
hand_l_end fingertip_l
thigh_r thigh_r
shank_r shank_r
foot_r foot_r
foot_r_end toe_r
thigh_l thigh_l
shank_l shank_l
foot_l foot_l
foot_l_end toe_l 2.0
)";

/// Synthetic SMPL-H-shaped body model: 52 joints, one vertex per joint, J_regressor = I,
/// shapedirs moving every vertex, kintree_table as uint32 (root parent 4294967295), parents
/// a binary-ish tree (parent(i) = (i - 1) / 2).
void write_body_model(const std::string& path, std::vector<double>& vt, std::vector<double>& sd,
                      std::vector<int>& parents) {
  const int J = 52, V = 52, B = 2;
  vt.resize(V * 3);
  sd.resize(V * 3 * B);
  for (int i = 0; i < V; ++i)
    for (int c = 0; c < 3; ++c) {
      vt[size_t(3 * i + c)] = 0.1 * i * (c + 1) + 0.01 * c;
      for (int b = 0; b < B; ++b) sd[size_t((3 * i + c) * B + b)] = 0.001 * (i + 1) * (b ? -1 : 1) * (c + 1);
    }
  std::vector<double> jr(size_t(J * V), 0.0);
  for (int j = 0; j < J; ++j) jr[size_t(j * V + j)] = 1;
  std::vector<uint32_t> kt(size_t(2 * J));
  parents.resize(J);
  for (int j = 0; j < J; ++j) {
    parents[size_t(j)] = j ? (j - 1) / 2 : -1;
    kt[size_t(j)] = j ? uint32_t((j - 1) / 2) : 4294967295u;
    kt[size_t(J + j)] = uint32_t(j);
  }
  NpyBlob kb;
  kb.descr = "<u4";
  kb.shape = {2, size_t(J)};
  kb.bytes.resize(kt.size() * 4);
  std::memcpy(kb.bytes.data(), kt.data(), kb.bytes.size());
  write_npz(path, {{"v_template", NpyBlob::from(vt.data(), {size_t(V), 3})},
                   {"shapedirs", NpyBlob::from(sd.data(), {size_t(V), 3, size_t(B)})},
                   {"J_regressor", NpyBlob::from(jr.data(), {size_t(J), size_t(V)})},
                   {"kintree_table", kb}});
}
}  // namespace

TEST_CASE("retarget: BVH parse, forward kinematics and write round trip") {
  const Bvh b = parse_bvh(kBvh, "test.bvh");
  REQUIRE(b.njoint() == 3);
  CHECK(b.joints[2].name == "Thigh_end");
  CHECK(b.joints[2].end_site);
  CHECK(b.nchannel == 9);
  CHECK(b.nframe == 2);
  CHECK(b.fps() == doctest::Approx(30).epsilon(1e-5));
  std::vector<double> p = bvh_joint_positions(b);
  // frame 0: translation only
  CHECK(p[0] == 1);
  CHECK(p[1] == 2);
  CHECK(p[2] == 3);
  CHECK(p[3] == doctest::Approx(11));
  CHECK(p[7] == doctest::Approx(-18));
  // frame 1: root Yrotation 90 turns the thigh offset (10,0,0) to (0,0,-10); the thigh's
  // Xrotation 90 then turns the end offset (0,-20,0) to (0,0,-20) in the thigh frame, i.e.
  // Ry(90) (0,0,-20) = (-20,0,0) in the world.
  const double* q = p.data() + 9;
  CHECK(q[3] == doctest::Approx(0).scale(1));
  CHECK(q[5] == doctest::Approx(-10));
  CHECK(q[6] == doctest::Approx(-20));
  CHECK(q[7] == doctest::Approx(0).scale(1));
  CHECK(q[8] == doctest::Approx(-10));

  const std::string path = tmp_path("rt.bvh");
  save_bvh(path, b);
  const Bvh c = load_bvh(path);
  REQUIRE(c.njoint() == b.njoint());
  for (int j = 0; j < b.njoint(); ++j) {
    CHECK(c.joints[size_t(j)].name == b.joints[size_t(j)].name);
    CHECK(c.joints[size_t(j)].parent == b.joints[size_t(j)].parent);
    CHECK(c.joints[size_t(j)].channels == b.joints[size_t(j)].channels);
    for (int k = 0; k < 3; ++k) CHECK(c.joints[size_t(j)].offset[k] == b.joints[size_t(j)].offset[k]);
  }
  REQUIRE(c.motion.size() == b.motion.size());
  for (size_t i = 0; i < b.motion.size(); ++i) CHECK(c.motion[i] == b.motion[i]);
  CHECK(c.frame_time == doctest::Approx(b.frame_time).epsilon(1e-12));
  std::remove(path.c_str());
}

TEST_CASE("retarget: malformed BVH files name file, line and the problem") {
  const std::string good = kBvh;
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  expect_error(good.substr(0, good.rfind("0 0 0 0 0 90")), 19, "truncated motion");
  expect_error(replace("0 0 0 0 0 90 90 0 0", "0 0 0 0 0 90 90 0"), 20, "has 8 values, the hierarchy has 9");
  expect_error(replace("1 2 3 0", "1 nan 3 0"), 19, "non-finite value 'nan'");
  expect_error(replace("1 2 3 0", "1 2x 3 0"), 19, "expected a number");
  expect_error(replace("Xrotation Yrotation Zrotation", "Xrotation Wrotation Zrotation"), 9,
               "unknown channel 'Wrotation'");
  expect_error(replace("CHANNELS 3 Xrot", "CHANNELS 7 Xrot"), 9, "channel count");
  expect_error(replace("Frame Time: 0.0333333", "Frame Time: 0"), 18, "Frame Time must be positive");
  expect_error(replace("    }\n  }\n}\nMOTION", "    }\n  }\nMOTION"), 14, "is not closed");
  expect_error(replace("OFFSET 10 0 0", "OFFST 10 0 0"), 8, "expected 'OFFSET'");
  expect_error(good + "1 2 3 4 5 6 7 8 9\n", 21, "more frame lines");
  expect_error(replace("Frames: 2", "Frames: 99999999"), 20, "truncated motion");
  expect_error("", 1, "expected HIERARCHY");
  CHECK_THROWS_AS(load_bvh("/nonexistent/x.bvh"), ModelError);
}

TEST_CASE("retarget: SMPL-H forward kinematics on a synthetic body model") {
  const std::string bm_path = tmp_path("body.npz"), seq_path = tmp_path("seq.npz");
  std::vector<double> vt, sd;
  std::vector<int> parents;
  write_body_model(bm_path, vt, sd, parents);
  const int N = 2;
  std::vector<double> poses(size_t(N) * 156, 0.0), trans{1, 2, 3, 0, 0, 0}, betas(16, 0.0);
  betas[0] = 0.5;
  betas[1] = -1.0;  // the model has 2 shape directions: the other 14 are ignored
  betas[5] = 100.0;
  poses[2] = M_PI / 2;          // frame 0: root 90 deg about z
  poses[3 * 1 + 0] = M_PI / 2;  // joint 1: 90 deg about x
  const double rate = 60;
  const std::vector<std::string> gender{"male"};
  write_npz(seq_path, {{"poses", NpyBlob::from(poses.data(), {size_t(N), 156})},
                       {"trans", NpyBlob::from(trans.data(), {size_t(N), 3})},
                       {"betas", NpyBlob::from(betas.data(), {16})},
                       {"gender", NpyBlob::strings(gender)},
                       {"mocap_framerate", NpyBlob::scalar(rate)}});
  const SmplhSequence seq = load_amass_sequence(seq_path);
  CHECK(seq.nframe == 2);
  CHECK(seq.fps == 60);
  CHECK(seq.gender == "male");
  const SmplhBodyModel bm = load_smplh_body_model(bm_path);
  REQUIRE(bm.njoint == 52);
  CHECK(bm.parents == parents);
  const std::vector<double> J = smplh_rest_joints(bm, seq.betas);
  for (int i = 0; i < 52 * 3; ++i)
    CHECK(J[size_t(i)] == doctest::Approx(vt[size_t(i)] + 0.5 * sd[size_t(2 * i)] - sd[size_t(2 * i + 1)]));
  const std::vector<double> p = smplh_joint_positions(bm, seq);
  auto Jv = [&](int j) { return vec3<double>::load(J.data() + 3 * j); };
  auto Pv = [&](int f, int j) { return vec3<double>::load(p.data() + (size_t(f) * 52 + size_t(j)) * 3); };
  const mat3<double> Rz{{0, -1, 0, 1, 0, 0, 0, 0, 1}}, Rx{{1, 0, 0, 0, 0, -1, 0, 1, 0}};
  const vec3<double> p0 = Jv(0) + vec3<double>{1, 2, 3};
  const vec3<double> p1 = p0 + Rz * (Jv(1) - Jv(0));
  const vec3<double> p3 = p1 + Rz * Rx * (Jv(3) - Jv(1));  // parent(3) = 1
  const vec3<double> p2 = p0 + Rz * (Jv(2) - Jv(0));
  for (int c = 0; c < 3; ++c) {
    CHECK(Pv(0, 0)[c] == doctest::Approx(p0[c]));
    CHECK(Pv(0, 1)[c] == doctest::Approx(p1[c]));
    CHECK(Pv(0, 2)[c] == doctest::Approx(p2[c]));
    CHECK(Pv(0, 3)[c] == doctest::Approx(p3[c]));
    CHECK(Pv(1, 51)[c] == doctest::Approx(Jv(51)[c]));  // frame 1: rest pose, no translation
  }
  const SourceMotion src = source_from_smplh(bm, seq);
  CHECK(src.names[0] == "pelvis");
  CHECK(src.names[21] == "right_wrist");
  CHECK(src.names[51] == "right_thumb3");
  // the other frame-rate key and a bad sequence
  write_npz(seq_path, {{"poses", NpyBlob::from(poses.data(), {size_t(N), 156})},
                       {"trans", NpyBlob::from(trans.data(), {size_t(N), 3})},
                       {"mocap_frame_rate", NpyBlob::scalar(30.0)}});
  CHECK(load_amass_sequence(seq_path).fps == 30);
  write_npz(seq_path, {{"poses", NpyBlob::from(poses.data(), {size_t(N), 156})}});
  CHECK_THROWS_WITH_AS(load_amass_sequence(seq_path), doctest::Contains("missing 'trans'"), ModelError);
  std::remove(bm_path.c_str());
  std::remove(seq_path.c_str());
}

TEST_CASE("retarget: a missing SMPL-H body model fails with the licensing note") {
  for (const std::string& path : {std::string(), std::string("/nonexistent/smplh/male/model.npz")}) {
    try {
      load_smplh_body_model(path);
      FAIL("no error");
    } catch (const ModelError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("cannot be shipped") != std::string::npos);
      CHECK(msg.find("mano.is.tue.mpg.de") != std::string::npos);
      if (!path.empty()) CHECK(msg.find(path) != std::string::npos);
    }
  }
}

TEST_CASE("retarget: keypoint map errors") {
  CHECK_THROWS_WITH_AS(parse_keypoint_map("a b\nc\n", "m.txt"), doctest::Contains("m.txt:2:"), ModelError);
  CHECK_THROWS_WITH_AS(parse_keypoint_map("a b -1\n", "m.txt"), doctest::Contains("positive"), ModelError);
  const Model<double> m = load_quiet(kRoot + "/models/skeleton.xml");
  SourceMotion s = model_source(m, std::vector<double>(m.qpos0.begin(), m.qpos0.end()), 30);
  CHECK_THROWS_WITH_AS(retarget(exec::serial, m, s, parse_keypoint_map("pelvis nobody\n", "m.txt")),
                       doctest::Contains("m.txt:1:"), ModelError);
  CHECK_THROWS_WITH_AS(retarget(exec::serial, m, s, parse_keypoint_map("nojoint pelvis\n", "m.txt")),
                       doctest::Contains("not in the source skeleton"), ModelError);
}

TEST_CASE("retarget: IK honours joint limits and joint couplings") {
  const Model<double> m = load_quiet(kRoot + "/models/skeleton.xml");
  // targets from poses that break the model's rules: right elbow hyperextended (-0.4 < 0), the
  // spine with thoracic = lumbar instead of 0.5 lumbar, left knee beyond its range
  std::vector<double> q = skeleton_motion(m, 3, 30);
  for (int f = 0; f < 3; ++f) {
    double* qf = q.data() + size_t(f) * size_t(m.nq);
    qf[13] = -0.4;
    qf[7] = 0.4;
    qf[8] = 0.4;
    qf[29] = 2.9;
  }
  const SourceMotion src = model_source(m, q, 30);
  RetargetOptions opt = model_frame_options();
  const RetargetResult r = retarget(exec::serial, m, src, parse_keypoint_map(kSkeletonMap), opt);
  CHECK(r.metrics.ncoupling == 1);
  CHECK(r.metrics.joint_limit_violations == 0);
  CHECK(r.metrics.max_coupling_error < 1e-12);
  for (int f = 0; f < 3; ++f) {
    const double* qf = r.qpos.data() + size_t(f) * size_t(m.nq);
    CHECK(qf[13] == 0.0);  // elbow held at its lower bound
    CHECK(qf[29] == 2.6);  // knee at its upper bound
    CHECK(qf[8] == doctest::Approx(0.5 * qf[7]).epsilon(1e-14));
    CHECK(qf[7] > 0.3);  // the spine still bends toward the targets
  }
  CHECK(r.metrics.position_rmse > 1e-3);  // the targets cannot be reached exactly
  // without limits and couplings the same targets are matched
  Model<double> free = m;
  for (int& l : free.jnt_limited) l = 0;
  free.eq_active0.assign(free.eq_active0.size(), 0);
  const RetargetResult u = retarget(exec::serial, free, src, parse_keypoint_map(kSkeletonMap), opt);
  // (positions alone cannot tell the elbow at -0.4 from +0.4 with the upper arm turned half a
  // turn, so only the match is checked)
  CHECK(u.metrics.position_rmse < 1e-8);
  CHECK(u.qpos[7] == doctest::Approx(0.4).epsilon(1e-7));  // the spine as in the targets, uncoupled
  CHECK(u.qpos[8] == doctest::Approx(0.4).epsilon(1e-7));
}

TEST_CASE("retarget: ground-penetration correction lifts free roots") {
  const Model<double> m = load_quiet(kRoot + "/models/skeleton.xml");
  std::vector<double> q = skeleton_motion(m, 4, 30);
  for (int f = 0; f < 4; ++f) q[size_t(f) * size_t(m.nq) + 2] = 0.6 + 0.02 * f;  // feet below the floor
  const SourceMotion src = model_source(m, q, 30);
  RetargetOptions opt = model_frame_options();
  const RetargetResult raw = retarget(exec::serial, m, src, parse_keypoint_map(kSkeletonMap), opt);
  CHECK(raw.metrics.max_penetration > 0.05);
  CHECK(raw.metrics.position_rmse < 1e-8);
  opt.ground = GroundMode::per_frame;
  const RetargetResult fixed = retarget(exec::serial, m, src, parse_keypoint_map(kSkeletonMap), opt);
  CHECK(fixed.metrics.max_penetration < 1e-12);
  CHECK(fixed.metrics.max_ground_lift == doctest::Approx(raw.metrics.max_penetration));
  for (int f = 0; f < 4; ++f) {
    const double lift = fixed.qpos[size_t(f) * size_t(m.nq) + 2] - raw.qpos[size_t(f) * size_t(m.nq) + 2];
    CHECK(lift > 0);
    for (int i = 3; i < m.nq; ++i)
      CHECK(fixed.qpos[size_t(f) * size_t(m.nq) + size_t(i)] == raw.qpos[size_t(f) * size_t(m.nq) + size_t(i)]);
  }
  opt.ground = GroundMode::whole_clip;
  const RetargetResult clip = retarget(exec::serial, m, src, parse_keypoint_map(kSkeletonMap), opt);
  for (int f = 0; f < 4; ++f)
    CHECK(clip.qpos[size_t(f) * size_t(m.nq) + 2] - raw.qpos[size_t(f) * size_t(m.nq) + 2] ==
          doctest::Approx(raw.metrics.max_penetration));

  // lowest points of each primitive against closed forms: a free body falling through the floor
  const char* xml = R"(<mujoco><worldbody>
    <body pos="0 0 0.05" euler="0.3 0.2 0.1"><freejoint/>
      <geom name="g" type="box" size="0.1 0.2 0.3"/><site name="s"/></body>
  </worldbody></mujoco>)";
  for (const char* shape : {"sphere", "capsule", "ellipsoid", "box", "cylinder"}) {
    std::string x = xml;
    x.replace(x.find("box"), 3, shape);
    const Model<double> b = load_mjcf_string(x);
    Data<double> d(b.sizes(), 1);
    const auto w = d.view().world(0);
    for (int i = 0; i < b.nq; ++i) w.qpos[i] = b.qpos0[size_t(i)];
    kinematics(b.view(), w);
    // brute force over the surface: sample directions, support point along -z
    const mat3<double> R = getm(w.geom_xmat, 0);
    const double* s = b.geom_size.data();
    double lo = 1e9;
    for (int i = 0; i <= 400; ++i)
      for (int k = 0; k < 400; ++k) {
        const double th = M_PI * i / 400, ph = 2 * M_PI * k / 400;
        const vec3<double> u{std::sin(th) * std::cos(ph), std::sin(th) * std::sin(ph), std::cos(th)};
        vec3<double> pl;  // a surface point in the geom frame
        const std::string sh = shape;
        if (sh == "sphere") pl = s[0] * u;
        else if (sh == "ellipsoid") pl = {s[0] * u.x, s[1] * u.y, s[2] * u.z};
        else if (sh == "box") pl = {std::copysign(s[0], u.x), std::copysign(s[1], u.y), std::copysign(s[2], u.z)};
        else if (sh == "capsule") pl = vec3<double>{0, 0, std::copysign(s[1], u.z)} + s[0] * u;
        else {
          const double rr = std::sqrt(u.x * u.x + u.y * u.y);
          pl = rr > 0 ? vec3<double>{s[0] * u.x / rr, s[0] * u.y / rr, std::copysign(s[1], u.z)}
                      : vec3<double>{0, 0, std::copysign(s[1], u.z)};
        }
        lo = std::min(lo, (get3(w.geom_xpos, 0) + R * pl).z);
      }
    SourceMotion src1;
    src1.names = {"s"};
    src1.parent = {-1};
    src1.nframe = 1;
    src1.fps = 30;
    src1.pos = {w.site_xpos[0], w.site_xpos[1], w.site_xpos[2]};
    const RetargetResult rr = retarget(exec::serial, b, src1, parse_keypoint_map("s s\n"), model_frame_options());
    // 400 x 400 sampled directions find the lowest surface point to within ~1e-5 m
    CHECK_MESSAGE(std::fabs(rr.metrics.max_penetration + lo) < 1e-4, shape);
  }
}

TEST_CASE("retarget: round trip skeleton.xml -> BVH of other proportions -> skeleton.xml") {
  const Model<double> m = load_quiet(kRoot + "/models/skeleton.xml");
  const double fps = 30;
  const int N = 60;
  const std::vector<double> truth = skeleton_motion(m, N, fps);
  // BVH in centimetres, every bone 1.2x longer (ratio 120), Y up, shifted 50 cm sideways and
  // 30 cm forward, each joint frame turned by its own fixed rotation.
  const double ratio = 120;
  const vec3<double> shift{50, 0, -30};
  const std::vector<std::string> sites{"head_top", "fingertip_r", "fingertip_l", "toe_r", "toe_l"};
  const std::string path = tmp_path("skeleton.bvh");
  save_bvh(path, model_to_bvh(m, truth, fps, ratio, shift, sites));
  const Bvh bvh = load_bvh(path);
  std::remove(path.c_str());
  const SourceMotion src = source_from_bvh(bvh);
  const std::vector<KeypointMap> map = parse_keypoint_map(kSkeletonMap, "skeleton_map.txt");
  RetargetOptions opt;  // defaults: Y up, fitted scale, 32 chunks, per-frame ground correction
  opt.nchunk = 8;
  const RetargetResult r = retarget(exec::omp, m, src, map, opt);
  MESSAGE(r.metrics.report());
  CHECK(r.metrics.scale == doctest::Approx(1 / ratio).epsilon(1e-9));
  // Tolerances. The BVH holds 10 significant digits, so the keypoints carry ~1e-9 relative
  // noise (1e-9 of 120 cm is ~1e-11 m), and the IK stops when its step is below 1e-10; the
  // worst recovered angle is then ~1e-7 rad (a ball joint's twist, seen only through a bent
  // elbow or knee, amplifies the noise). We allow 1e-6 rad (hinge angles, quaternion angle
  // distance of balls and the root) and 1e-7 m (root height; horizontal root position up to the
  // known shift of the BVH), 10x and 100x over what is observed, still far below anything
  // visible (1e-6 rad moves the end of a 1 m limb by 1 um).
  const vec3<double> expect_shift{shift.z / ratio, shift.x / ratio, 0};  // BVH (x, y, z) -> model (z, x, y)
  double worst_angle = 0, worst_root = 0;
  for (int f = 0; f < N; ++f) {
    const double* a = truth.data() + size_t(f) * size_t(m.nq);
    const double* b = r.qpos.data() + size_t(f) * size_t(m.nq);
    for (int c = 0; c < 3; ++c) worst_root = std::max(worst_root, std::fabs(b[c] - a[c] - expect_shift[c]));
    for (int j = 0; j < m.njnt; ++j) {
      const int adr = m.jnt_qposadr[size_t(j)], type = m.jnt_type[size_t(j)];
      if (type == JNT_FREE) worst_angle = std::max(worst_angle, quat_angle(a + adr + 3, b + adr + 3));
      else if (type == JNT_BALL) worst_angle = std::max(worst_angle, quat_angle(a + adr, b + adr));
      else worst_angle = std::max(worst_angle, std::fabs(a[adr] - b[adr]));
    }
  }
  MESSAGE("round trip: worst joint angle error " << worst_angle << " rad, worst root position error " << worst_root
                                                 << " m");
  CHECK(worst_angle < 1e-6);
  CHECK(worst_root < 1e-7);
  CHECK(r.metrics.position_rmse < 1e-7);
  CHECK(r.metrics.joint_limit_violations == 0);
  CHECK(r.metrics.max_coupling_error < 1e-12);
  CHECK(r.metrics.max_ground_lift == 0);  // the motion keeps its feet above the floor
  // serial and OpenMP give the same result (the chunking does not depend on the policy)
  const RetargetResult s = retarget(exec::serial, m, src, map, opt);
  CHECK(s.qpos == r.qpos);
  // the trajectory is saved in the LocoMuJoCo format and reads back
  const std::string out = tmp_path("skeleton.npz");
  save_trajectory(out, r.trajectory);
  const Trajectory t = load_trajectory(out);
  std::remove(out.c_str());
  CHECK(t.nframe() == N);
  CHECK(t.frequency == doctest::Approx(fps));
  CHECK(t.qpos == r.qpos);
}

TEST_CASE("retarget: per-segment scaling recovers a skeleton of non-uniform proportions") {
  const Model<double> m = load_quiet(kRoot + "/models/skeleton.xml");
  const double fps = 30, ratio = 120;
  const int N = 40;
  const std::vector<double> truth = skeleton_motion(m, N, fps);
  const std::vector<std::string> sites{"head_top", "fingertip_r", "fingertip_l", "toe_r", "toe_l"};
  Bvh bvh = model_to_bvh(m, truth, fps, ratio, {0, 0, 0}, sites);
  // every bone gets its own length: factors 0.7 .. 1.5 of the uniformly scaled skeleton
  for (int j = 1; j < bvh.njoint(); ++j)
    for (double& o : bvh.joints[size_t(j)].offset) o *= 0.7 + 0.2 * double((j * 7) % 5);
  const SourceMotion src = source_from_bvh(bvh);
  const std::vector<KeypointMap> map = parse_keypoint_map(kSkeletonMap, "skeleton_map.txt");
  RetargetOptions opt;
  opt.nchunk = 4;
  opt.scale = 1 / ratio;  // the root's motion keeps the uniform scale
  opt.per_segment_scale = true;
  const RetargetResult r = retarget(exec::omp, m, src, map, opt);
  MESSAGE(r.metrics.report());
  CHECK(r.metrics.min_segment_scale < 0.75 / ratio);
  CHECK(r.metrics.max_segment_scale > 1.2 / ratio);
  auto worst_angle = [&](const RetargetResult& res) { return worst_joint_error(m, truth, res.qpos, true); };
  // same tolerance and reasoning as the uniform round trip (1e-6 rad; root position in m too):
  // the bone directions are the source's and their lengths the model's, so the targets are the
  // model's own keypoints
  const double w = worst_angle(r);
  MESSAGE("per-segment round trip: worst joint angle / root position error " << w);
  CHECK(w < 1e-6);
  CHECK(r.metrics.position_rmse < 1e-7);
  // with one uniform scale the same source cannot be matched: the IK spreads the residual
  opt.per_segment_scale = false;
  const RetargetResult u = retarget(exec::omp, m, src, map, opt);
  MESSAGE("uniform scale on the same source: worst error " << worst_angle(u) << ", keypoint RMSE "
                                                           << u.metrics.position_rmse);
  CHECK(worst_angle(u) > 1e-2);
  CHECK(u.metrics.position_rmse > 1e-3);
  CHECK(u.metrics.max_segment_scale == 0);
}

TEST_CASE("retarget: orientation targets recover the twist of a straight limb") {
  const Model<double> m = load_quiet(kRoot + "/models/skeleton.xml");
  const double fps = 30, ratio = 120;
  const int N = 40;
  // the right elbow straightens by frame 8 and stays straight while the shoulder twists about the
  // arm's axis: upper arm, forearm, hand and fingertip are then collinear, and positions alone
  // cannot see the twist
  std::vector<double> truth = skeleton_motion(m, N, fps);
  for (int f = 0; f < N; ++f) {
    double* q = truth.data() + size_t(f) * size_t(m.nq);
    const double t = f / fps;
    q[13] = std::max(0.0, 0.8 - 0.1 * f);
    mul(quat<double>::load(q + 9), axis_angle_quat(vec3<double>{0, 0, 1}, 1.2 * std::sin(M_PI * t))).store(q + 9);
  }
  const std::vector<std::string> sites{"head_top", "fingertip_r", "fingertip_l", "toe_r", "toe_l"};
  const SourceMotion src = source_from_bvh(model_to_bvh(m, truth, fps, ratio, {0, 0, 0}, sites));
  REQUIRE(src.rot.size() == src.pos.size() * 3);
  std::string map_text = kSkeletonMap;
  map_text += "# orientation targets\n";
  RetargetOptions opt;
  opt.nchunk = 4;
  auto worst_angle = [&](const RetargetResult& res) { return worst_joint_error(m, truth, res.qpos, false); };
  const RetargetResult pos_only = retarget(exec::omp, m, src, parse_keypoint_map(map_text), opt);
  CHECK(pos_only.metrics.norient == 0);
  const double wp = worst_angle(pos_only);
  // forearm and hand: orientation targets (the keypoint lines of the map are replaced)
  std::string oriented;
  std::istringstream in(map_text);
  for (std::string line; std::getline(in, line);) {
    if (line == "forearm_r forearm_r" || line == "hand_r hand_r") line += " 1 orient=0.5";
    oriented += line + "\n";
  }
  const RetargetResult r = retarget(exec::omp, m, src, parse_keypoint_map(oriented), opt);
  MESSAGE(r.metrics.report());
  const double wo = worst_angle(r);
  MESSAGE("straight-arm twist: worst joint angle error " << wp << " rad with positions only, " << wo
                                                         << " with orientation targets");
  CHECK(wp > 0.1);
  CHECK(wo < 1e-6);  // the round trips' tolerance (see there)
  CHECK(r.metrics.norient == 2);
  CHECK(r.metrics.orientation_rmse < 1e-7);
  CHECK(r.metrics.position_rmse < 1e-7);
  // serial and OpenMP agree here too
  CHECK(retarget(exec::serial, m, src, parse_keypoint_map(oriented), opt).qpos == r.qpos);
  // Calibrated on the rest pose instead of frame 0. With the bones' own frames turned (as above)
  // the BVH's zero pose is not the skeleton at qpos0, and the rest calibration is off by those
  // turns; with the bodies' frames (skeleton.xml's are world-aligned at qpos0) it is as exact.
  opt.orient_from_rest = true;
  const RetargetResult turned = retarget(exec::omp, m, src, parse_keypoint_map(oriented), opt);
  const SourceMotion plain = source_from_bvh(model_to_bvh(m, truth, fps, ratio, {0, 0, 0}, sites, false));
  const RetargetResult rr = retarget(exec::omp, m, plain, parse_keypoint_map(oriented), opt);
  MESSAGE("orient_from_rest: worst joint angle error " << worst_angle(turned) << " rad (turned bone frames), "
                                                       << worst_angle(rr) << " (the bodies' frames)");
  CHECK(worst_angle(turned) > 0.1);
  CHECK(worst_angle(rr) < 1e-6);
  CHECK(rr.metrics.orientation_rmse < 1e-7);
  SourceMotion no_rest = src;
  no_rest.rest_rot.clear();
  CHECK_THROWS_WITH_AS(retarget(exec::omp, m, no_rest, parse_keypoint_map(oriented), opt),
                       doctest::Contains("orient_from_rest needs the source's rest pose"), std::invalid_argument);
}

TEST_CASE("retarget: keypoint map orientation weights") {
  const auto k = parse_keypoint_map("a b\nc d 2\ne f orient=0.5\ng h 3 orient=4\n");
  CHECK(k[0].orient == 0);
  CHECK(k[1].weight == 2);
  CHECK(k[2].weight == 1);
  CHECK(k[2].orient == 0.5);
  CHECK(k[3].weight == 3);
  CHECK(k[3].orient == 4);
  auto error_of = [](const std::string& t) {
    try {
      parse_keypoint_map(t, "m.txt");
    } catch (const ModelError& e) { return std::string(e.what()); }
    return std::string("no error");
  };
  CHECK(error_of("a b 1 2").find("m.txt:1") != std::string::npos);
  CHECK(error_of("a b orient=").find("orientation weight must be a positive number") != std::string::npos);
  CHECK(error_of("a b orient=-1").find("orientation weight") != std::string::npos);
  CHECK(error_of("a b orient=1 orient=2").find("given once") != std::string::npos);
}

TEST_CASE("retarget: round trip of arm_reach.npz through a BVH onto the fixed-base arm (tendon metrics)") {
  const Model<double> m = load_quiet(kRoot + "/models/arm.xml");
  const Trajectory ref = load_trajectory(kRoot + "/models/arm_reach.npz");
  const double ratio = 1.2;  // metres, 1.2x longer bones
  const std::string path = tmp_path("arm.bvh");
  save_bvh(path, model_to_bvh(m, ref.qpos, ref.frequency, ratio, {0.3, -0.1, 0.2}, {"fingertip"}));
  const SourceMotion src = source_from_bvh(load_bvh(path));
  std::remove(path.c_str());
  const auto map = parse_keypoint_map(
      "thorax thorax\nhumerus humerus\nforearm forearm\nradius radius\nhand hand\nhand_end fingertip\n");
  const RetargetResult r = retarget(exec::omp, m, src, map);
  MESSAGE(r.metrics.report());
  CHECK(r.metrics.scale == doctest::Approx(1 / ratio).epsilon(1e-9));
  CHECK(r.metrics.ntendon == 6);
  CHECK(r.metrics.tendon_jump_rate == 0);  // a smooth reach: no tendon moves 1 cm per frame
  // same tolerance and reasoning as the skeleton round trip; pronation is seen only through the
  // 1 cm offset of the hand from the forearm's axis, which still pins it exactly
  double worst = 0;
  for (size_t i = 0; i < ref.qpos.size(); ++i) worst = std::max(worst, std::fabs(ref.qpos[i] - r.qpos[i]));
  MESSAGE("arm round trip: worst joint angle error " << worst << " rad");
  CHECK(worst < 1e-6);
  // a tendon-jump threshold below the motion's largest per-frame length change counts jumps
  RetargetOptions opt;
  opt.tendon_jump = 1e-4;
  CHECK(retarget(exec::serial, m, src, map, opt).metrics.tendon_jump_rate > 0);
}

// ---- DeepMimic ----

namespace {
// DeepMimic's humanoid reduced to what the tests check by hand: the layout's twelve joints and a
// fixed wrist, unit offsets along axes (scale 0.5 in the tests), one origin with an rpy.
std::string deepmimic_urdf(const std::string& knee_type = "revolute") {
  std::string u = "<robot name=\"h\">\n";
  auto joint = [&](const std::string& n, const std::string& type, const std::string& parent, const std::string& xyz,
                   const std::string& extra = "") {
    u += "<joint name=\"" + n + "\" type=\"" + type + "\"><parent link=\"" + parent + "\"/><child link=\"" + n +
         "\"/><origin rpy=\"0 0 0\" xyz=\"" + xyz + "\"/>" + extra + "</joint>\n";
  };
  joint("root", "fixed", "base", "0 0 0");
  joint("chest", "spherical", "root", "0 1 0");
  joint("neck", "spherical", "chest", "0 1 0");
  for (const char* side : {"right", "left"}) {
    const std::string s = side, z = s == "right" ? "1" : "-1";
    joint(s + "_hip", "spherical", "root", "0 0 " + z);
    joint(s + "_knee", knee_type, s + "_hip", "0 -2 0", "<axis xyz=\"0 0 2\"/>");
    joint(s + "_ankle", "spherical", s + "_knee", "0 -2 0");
    joint(s + "_shoulder", "spherical", "chest", "0 1 " + z);
    joint(s + "_elbow", "revolute", s + "_shoulder", "0 -1 0", "<axis xyz=\"0 0 1\"/>");
    joint(s + "_wrist", "fixed", s + "_elbow", "0 -1 0");
  }
  return u + "</robot>\n";
}

// A frame: dt, root at (1, 0.9, 0) turned by `yaw` about Y, identity joints except the right hip
// (hip_angle about Z) and the right knee (knee rad).
std::vector<double> deepmimic_frame(double dt, double yaw, double hip_angle, double knee) {
  std::vector<double> f{dt, 1, 0.9, 0, std::cos(yaw / 2), 0, std::sin(yaw / 2), 0};
  auto id = [&] { f.insert(f.end(), {1, 0, 0, 0}); };
  id();
  id();                                                                         // chest, neck
  f.insert(f.end(), {std::cos(hip_angle / 2), 0, 0, std::sin(hip_angle / 2)});  // right hip
  f.push_back(knee);                                                            // right knee
  id();
  id();
  f.push_back(0);  // right ankle, shoulder, elbow
  id();
  f.push_back(0);
  id();
  id();
  f.push_back(0);  // left hip, knee, ankle, shoulder, elbow
  return f;
}

std::string deepmimic_json(const std::vector<std::vector<double>>& frames) {
  std::ostringstream o;
  o.precision(17);
  o << "{\n\"Loop\": \"wrap\",\n\"Frames\":\n[\n";
  for (size_t i = 0; i < frames.size(); ++i) {
    o << "[";
    for (size_t k = 0; k < frames[i].size(); ++k) o << (k ? ", " : "") << frames[i][k];
    o << "]" << (i + 1 < frames.size() ? ",\n" : "\n");
  }
  o << "]\n}\n";
  return o.str();
}

std::string deepmimic_error(const std::string& text) {
  try {
    parse_deepmimic_motion(text, "clip.txt");
  } catch (const ModelError& e) { return e.what(); }
  return "";
}
}  // namespace

TEST_CASE("retarget: DeepMimic skeleton and forward kinematics against hand-computed frames") {
  const DeepMimicSkeleton sk = parse_deepmimic_skeleton(deepmimic_urdf(), "h.urdf", 0.5);
  REQUIRE(sk.joints.size() == 15);
  CHECK(sk.joints[0].name == "root");
  CHECK(sk.joints[0].parent == -1);
  CHECK(sk.joints[size_t(sk.find("right_knee"))].value_adr == 19);  // 3 + 4 + chest 4 + neck 4 + hip 4
  CHECK(sk.joints[size_t(sk.find("left_elbow"))].value_adr == 42);
  CHECK(sk.joints[size_t(sk.find("right_knee"))].axis[2] == 1.0);   // normalized
  CHECK(sk.joints[size_t(sk.find("right_hip"))].offset[2] == 0.5);  // scaled

  // Frame 1 of a two-frame clip: root yawed 90 deg about Y, right hip 90 deg about Z, knee -0.5 rad.
  const double pi = 3.14159265358979323846;
  const DeepMimicMotion m = parse_deepmimic_motion(
      deepmimic_json({deepmimic_frame(0.1, 0, 0, 0), deepmimic_frame(0, pi / 2, pi / 2, -0.5)}), "clip.txt");
  REQUIRE(m.nframe == 2);
  CHECK(m.loop == "wrap");
  CHECK(m.frame(1)[19] == -0.5);  // the right knee's angle as written (file column 20)
  const SourceMotion src = source_from_deepmimic(sk, m);
  REQUIRE(src.nframe == 2);
  CHECK(src.fps == doctest::Approx(10));
  // By hand: root R = Ry(90): x -> -z, z -> x. Right hip at root + R (0, 0, 0.5) = (1.5, 0.9, 0).
  // Hip turned Rz(90) in the root frame: its (0, -1, 0) offset to the knee becomes (1, 0, 0) in the
  // root frame, (0, 0, -1) in the world: knee (1.5, 0.9, -1). The knee's -0.5 rad about Z turns the
  // shank's (0, -1, 0) into (-sin 0.5, -cos 0.5, 0) in the hip frame; Rz(90) makes it
  // (cos 0.5, -sin 0.5, 0), Ry(90) (0, -sin 0.5, -cos 0.5): ankle (1.5, 0.9 - sin 0.5, -1 - cos 0.5).
  const double* hip = src.at(1, src.find("right_hip"));
  const double* knee = src.at(1, src.find("right_knee"));
  const double* ankle = src.at(1, src.find("right_ankle"));
  const double want[3][3] = {{1.5, 0.9, 0}, {1.5, 0.9, -1}, {1.5, 0.9 - std::sin(0.5), -1 - std::cos(0.5)}};
  const double* got[3] = {hip, knee, ankle};
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 3; ++k) CHECK(got[j][k] == doctest::Approx(want[j][k]).epsilon(1e-12));
  // The wrist hangs 2 below the shoulder (identity arm), the shoulder 0.5 above and 0.5 beside the chest.
  const double* wrist = src.at(0, src.find("left_wrist"));
  CHECK(wrist[0] == doctest::Approx(1));
  CHECK(wrist[1] == doctest::Approx(0.9 + 0.5 + 0.5 - 1));
  CHECK(wrist[2] == doctest::Approx(-0.5));
  // The knee's world rotation: Ry(90) Rz(90) Rz(-0.5) applied to x.
  const double* Rk = src.rot_at(1, src.find("right_knee"));
  CHECK(Rk[0 * 3 + 0] == doctest::Approx(0).epsilon(1e-12));
  CHECK(Rk[1 * 3 + 0] == doctest::Approx(std::sin(pi / 2 - 0.5)).epsilon(1e-12));
  CHECK(Rk[2 * 3 + 0] == doctest::Approx(-std::cos(pi / 2 - 0.5)).epsilon(1e-12));
}

TEST_CASE("retarget: DeepMimic clips of unequal frame durations are resampled at the median rate") {
  const DeepMimicSkeleton sk = parse_deepmimic_skeleton(deepmimic_urdf(), "h.urdf", 0.5);
  // Durations 0.1, 0.2 (a dropped frame), 0.1: times 0, 0.1, 0.3, 0.4 -> 5 frames at 10 Hz.
  const DeepMimicMotion m =
      parse_deepmimic_motion(deepmimic_json({deepmimic_frame(0.1, 0, 0, 0), deepmimic_frame(0.2, 0, 0, 0.2),
                                             deepmimic_frame(0.1, 0, 1.0, 0.6), deepmimic_frame(0, 0, 1.0, 0.8)}));
  const DeepMimicMotion u = deepmimic_uniform(m);
  REQUIRE(u.nframe == 5);
  CHECK(u.frame(1)[19] == doctest::Approx(0.2));
  CHECK(u.frame(2)[19] == doctest::Approx(0.4));  // halfway between 0.2 and 0.6
  CHECK(u.frame(4)[19] == doctest::Approx(0.8));
  // The hip quaternion at t = 0.2 is the slerp halfway from identity to 1 rad about Z: 0.5 rad.
  CHECK(u.frame(2)[15] == doctest::Approx(std::cos(0.25)));
  CHECK(u.frame(2)[18] == doctest::Approx(std::sin(0.25)));
  // Uniform clips keep their frames.
  const DeepMimicMotion same = deepmimic_uniform(parse_deepmimic_motion(deepmimic_json(
      {deepmimic_frame(0.05, 0, 0, 0), deepmimic_frame(0.05, 0, 0, 0.3), deepmimic_frame(0, 0, 0, 0.1)})));
  REQUIRE(same.nframe == 3);
  CHECK(same.frame(1)[19] == 0.3);
  CHECK(source_from_deepmimic(sk, same).fps == doctest::Approx(20));
}

TEST_CASE("retarget: malformed DeepMimic motions and skeletons name the file and the item") {
  const std::string good = deepmimic_json({deepmimic_frame(0.1, 0, 0, 0), deepmimic_frame(0, 0, 0, 0)});
  CHECK(deepmimic_error(good).empty());
  CHECK(deepmimic_error("{\n\"Frames\": [\n[1, 2,\n]}").find("clip.txt:4: error: JSON error") != std::string::npos);
  CHECK(deepmimic_error("[1, 2]").find("JSON object") != std::string::npos);
  CHECK(deepmimic_error("{\"Loop\": \"wrap\"}").find("\"Frames\"") != std::string::npos);
  CHECK(deepmimic_error(deepmimic_json({deepmimic_frame(0.1, 0, 0, 0)})).find("at least 2 frames") !=
        std::string::npos);
  std::vector<double> shortf = deepmimic_frame(0.1, 0, 0, 0);
  shortf.pop_back();
  CHECK(deepmimic_error(deepmimic_json({deepmimic_frame(0.1, 0, 0, 0), shortf}))
            .find("frame 1: expected an array of 44 numbers") != std::string::npos);
  std::vector<double> zq = deepmimic_frame(0.1, 0, 0, 0);
  zq[8] = zq[9] = zq[10] = zq[11] = 0;  // the chest's quaternion
  CHECK(deepmimic_error(deepmimic_json({zq, zq})).find("frame 0, columns 8-11: zero quaternion") != std::string::npos);
  std::vector<double> neg = deepmimic_frame(-0.1, 0, 0, 0);
  CHECK(deepmimic_error(deepmimic_json({neg, neg})).find("frame 0: negative duration") != std::string::npos);
  std::string str_value = good;
  str_value.replace(str_value.find("[0.10000000000000001"), 20, "[\"x\"");
  CHECK(deepmimic_error(str_value).find("frame 0, column 0: not a number") != std::string::npos);

  // durations that would resample into ~1e12 frames are refused (fuzz/crashes/deepmimic/uneven_1e12.txt)
  const DeepMimicMotion uneven =
      parse_deepmimic_motion(deepmimic_json({deepmimic_frame(1e-9, 0, 0, 0), deepmimic_frame(1e-9, 0, 0, 0),
                                             deepmimic_frame(1e3, 0, 0, 0), deepmimic_frame(0, 0, 0, 0)}));
  CHECK_THROWS_WITH_AS(deepmimic_uniform(uneven), doctest::Contains("frame durations are too uneven"), ModelError);

  auto skel_error = [](const std::string& text) -> std::string {
    try {
      parse_deepmimic_skeleton(text, "h.urdf");
    } catch (const ModelError& e) { return e.what(); }
    return "";
  };
  CHECK(skel_error(deepmimic_urdf()).empty());
  CHECK(skel_error(deepmimic_urdf("spherical")).find("'right_knee' must be revolute") != std::string::npos);
  std::string no_neck = deepmimic_urdf();
  no_neck.replace(no_neck.find("name=\"neck\""), 11, "name=\"nek\"");
  CHECK(skel_error(no_neck).find("'neck' of DeepMimic's motion layout is missing") != std::string::npos);
  CHECK(skel_error("<robot><joint name=\"a\" type=\"prismatic\"/></robot>")
            .find("h.urdf:1: <joint>: error: joint 'a': type 'prismatic'") != std::string::npos);
  CHECK(skel_error("<robot><joint").find("h.urdf:1: error: XML error") != std::string::npos);
  CHECK(skel_error("<notrobot/>").find("not a URDF") != std::string::npos);
  std::string bad_xyz = deepmimic_urdf();
  bad_xyz.replace(bad_xyz.find("xyz=\"0 1 0\""), 11, "xyz=\"0 nan 0\"");
  CHECK(skel_error(bad_xyz).find("origin xyz must be 3 finite numbers") != std::string::npos);
  // A second root (a parent link nobody makes) is named.
  std::string two_roots = deepmimic_urdf();
  two_roots.replace(two_roots.find("<parent link=\"chest\"/><child link=\"neck\""), 22, "<parent link=\"torso\"/>");
  CHECK(skel_error(two_roots).find("two root joints: 'root' and 'neck' hang from links ('base', 'torso')") !=
        std::string::npos);
  std::string twice = deepmimic_urdf();
  twice.replace(twice.find("name=\"neck\""), 11, "name=\"chest\"");
  CHECK(skel_error(twice).find("repeated joint name 'chest'") != std::string::npos);
  // a revolute joint without <axis> turns about x, URDF's default
  std::string no_axis = deepmimic_urdf();
  no_axis.replace(no_axis.find("<axis xyz=\"0 0 2\"/>"), 19, "");
  CHECK(
      parse_deepmimic_skeleton(no_axis).joints[size_t(parse_deepmimic_skeleton(no_axis).find("right_knee"))].axis[0] ==
      1.0);
}
