// Known motions of our own models for the retargeting tests (tests/retarget/retarget_test.cpp and
// the CUDA parity test tests/cuda/retarget_parity.cu): a source skeleton made of a model's own
// bodies and sites, and a smooth motion of models/skeleton.xml.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "sinew/kinematics/kinematics.hpp"
#include "sinew/retarget/retarget.hpp"

namespace sinew::test {

/// A source motion made of the model's own body and site positions and rotations over the
/// frames in qpos (names: the body names, and "<body>_end" for sites, as model_to_bvh names its
/// End Sites), positions times `scale`, Z up.
inline SourceMotion model_source(const Model<double>& model, const std::vector<double>& qpos, double fps,
                                 double scale = 1) {
  SourceMotion s;
  for (int b = 0; b < model.nbody; ++b) {
    s.names.push_back(model.body_names[size_t(b)]);
    s.parent.push_back(b ? model.body_parentid[size_t(b)] : -1);
  }
  for (int i = 0; i < model.nsite; ++i) {
    s.names.push_back(model.body_names[size_t(model.site_bodyid[size_t(i)])] + "_end");
    s.parent.push_back(model.site_bodyid[size_t(i)]);
  }
  s.nframe = int(qpos.size() / size_t(model.nq));
  s.fps = fps;
  Data<double> d(model.sizes(), 1);
  const auto w = d.view().world(0);
  for (int f = 0; f < s.nframe; ++f) {
    for (int i = 0; i < model.nq; ++i) w.qpos[i] = qpos[size_t(f) * size_t(model.nq) + size_t(i)];
    kinematics(model.view(), w);
    for (int i = 0; i < 3 * model.nbody; ++i) s.pos.push_back(scale * w.xpos[i]);
    for (int i = 0; i < 3 * model.nsite; ++i) s.pos.push_back(scale * w.site_xpos[i]);
    for (int i = 0; i < 9 * model.nbody; ++i) s.rot.push_back(w.xmat[i]);
    for (int i = 0; i < 9 * model.nsite; ++i) s.rot.push_back(w.site_xmat[i]);
  }
  return s;
}

// skeleton.xml qpos layout: root 0..6, lumbar 7, thoracic 8, shoulder_r 9..12, elbow_r 13,
// shoulder_l 14..17, elbow_l 18, hip_r 19..22, knee_r 23, ankle_r 24, hip_l 25..28, knee_l 29, ankle_l 30.
inline void put_ball(double* q, vec3<double> rv) {
  vec3<double> a = rv;
  const double ang = normalize(a);
  axis_angle_quat(a, ang).store(q);
}

/// A smooth motion of skeleton.xml inside its joint ranges, with the spine coupling satisfied.
inline std::vector<double> skeleton_motion(const Model<double>& m, int N, double fps) {
  std::vector<double> out;
  for (int f = 0; f < N; ++f) {
    const double t = f / fps, s = std::sin(M_PI * t), c = std::cos(M_PI * t);
    std::vector<double> q(m.qpos0.begin(), m.qpos0.end());
    q[0] = 0.3 * t;
    q[1] = 0.05 * s;
    q[2] = 1.02 + 0.02 * std::sin(2 * M_PI * t);
    mul(axis_angle_quat(vec3<double>{0, 0, 1}, 0.4 * s), axis_angle_quat(vec3<double>{1, 0, 0}, 0.05 * c)).store(&q[3]);
    q[7] = 0.3 * s;
    q[8] = 0.5 * q[7];
    put_ball(&q[9], {0.5 * s, 0.3, 0.2 * c});
    q[13] = 1.0 + 0.4 * s;
    put_ball(&q[14], {-0.3 * s, -0.2, 0.4 * c});
    q[18] = 0.8 - 0.3 * s;
    put_ball(&q[19], {0.1, -0.4 + 0.3 * s, 0.1 * c});
    q[23] = 0.8 + 0.4 * s;
    q[24] = -0.2 + 0.2 * s;
    put_ball(&q[25], {-0.1 * c, -0.3 * s, 0.05});
    q[29] = 0.6 - 0.2 * s;
    q[30] = 0.1 * c;
    out.insert(out.end(), q.begin(), q.end());
  }
  return out;
}

}  // namespace sinew::test
