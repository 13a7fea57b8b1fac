// Adding sites to a compiled model, as MuscleMimic adds its mimic sites to MyoFullBody at run
// time (the model files stay unmodified):
//
//   sinew::Model<double> m = sinew::load_mjcf(path);
//   sinew::add_site(m, "femur_r_mimic", "femur_r");                 // at the body's origin
//   sinew::add_site(m, "toe_r_mimic", "toes_r", {0.03, 0, 0});      // offset in the body frame
//
// Sites are appended (existing site ids, which tendons and sensors refer to, do not change). Do
// it before making Data, DeviceModel copies or reference trajectories (fill_kinematics) for the
// model: they are sized by nsite.
#pragma once
#include <cmath>
#include <stdexcept>
#include <string>

#include "sinew/compiler/frames.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Appends a sphere site `name` (size 0.005 m, group 0) on body `body` at `pos` with orientation
/// `quat` (w, x, y, z; normalized here) in the body frame; returns its id. Errors: unknown body,
/// duplicate site name, a non-finite or zero quaternion.
inline int add_site(Model<double>& m, const std::string& name, const std::string& body, const double pos[3] = nullptr,
                    const double quat[4] = nullptr) {
  const int b = Model<double>::find(m.body_names, body);
  if (b < 0) throw std::invalid_argument("add_site: no body named '" + body + "'");
  if (!name.empty() && Model<double>::find(m.site_names, name) >= 0)
    throw std::invalid_argument("add_site: a site named '" + name + "' exists already");
  double q[4] = {1, 0, 0, 0};
  if (quat) {
    const double n = std::sqrt(quat[0] * quat[0] + quat[1] * quat[1] + quat[2] * quat[2] + quat[3] * quat[3]);
    if (!(n > 0) || !std::isfinite(n))
      throw std::invalid_argument("add_site: the quaternion of '" + name + "' is zero or not finite");
    for (int k = 0; k < 4; ++k) q[k] = quat[k] / n;
  }
  m.site_names.push_back(name);
  m.site_type.push_back(GEOM_SPHERE);
  m.site_bodyid.push_back(b);
  m.site_group.push_back(0);
  for (int k = 0; k < 3; ++k) {
    m.site_size.push_back(k == 0 ? 0.005 : 0.0);
    m.site_pos.push_back(pos ? pos[k] : 0.0);
  }
  for (int k = 0; k < 4; ++k) m.site_quat.push_back(q[k]);
  m.site_sameframe.push_back(detail::sameframe(&m.site_pos[m.site_pos.size() - 3], q, &m.body_ipos[size_t(3 * b)],
                                               &m.body_iquat[size_t(4 * b)]));
  m.nsite += 1;
  return m.nsite - 1;
}

inline int add_site(Model<double>& m, const std::string& name, const std::string& body, vec3<double> pos) {
  const double p[3] = {pos.x, pos.y, pos.z};
  return add_site(m, name, body, p);
}

}  // namespace sinew
