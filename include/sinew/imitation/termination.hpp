// Early termination of one world (MuscleMimic's training thresholds by default; evaluation uses
// 0.3 m and 0.5 m). Returns a bit set of the reasons, 0 when the world goes on.
#pragma once
#include "sinew/imitation/common.hpp"

namespace sinew {

enum TerminationReason : int {
  TERM_SITE_DEVIATION = 1 << 0,    ///< mean pelvis-relative site deviation > site_deviation
  TERM_ROOT_POSITION = 1 << 1,     ///< root position error (xy offset at reset removed) > root_position
  TERM_ROOT_ORIENTATION = 1 << 2,  ///< root orientation error (quaternion angle) > root_orientation
  TERM_NONFINITE = 1 << 3,         ///< the world's status is not OK or its state is not finite
};

template <class T> struct MimicTermination {
  T site_deviation = T(1.0), root_position = T(1.0), root_orientation = T(1.0);

  template <class L> SINEW_HD int operator()(const MimicContext<T, L>& c) const {
    const auto& m = c.m;
    const auto& d = c.d;
    if (d.status[0] != STATUS_OK) return TERM_NONFINITE;
    for (int i = 0; i < m.size.nq; ++i)
      if (!std::isfinite(d.qpos[i])) return TERM_NONFINITE;
    for (int i = 0; i < m.size.nv; ++i)
      if (!std::isfinite(d.qvel[i])) return TERM_NONFINITE;
    for (int i = 0; i < m.size.na; ++i)
      if (!std::isfinite(d.act[i])) return TERM_NONFINITE;
    int why = 0;
    if (c.spec.nsite > 1) {
      T s = 0;
      for (int i = 1; i < c.spec.nsite; ++i)
        s += norm(imitation::RelSite::sim(c, i).pos - imitation::RelSite::ref(c, c.frame, i).pos);
      if (s / T(c.spec.nsite - 1) > site_deviation) why |= TERM_SITE_DEVIATION;
    }
    if (c.spec.root_jnt >= 0) {
      const int a = m.jnt_qposadr[c.spec.root_jnt];
      const T* qr = c.ref.qpos_at(c.frame) + a;
      const vec3<T> e{d.qpos[a] - c.root_offset[0] - qr[0], d.qpos[a + 1] - c.root_offset[1] - qr[1],
                      d.qpos[a + 2] - qr[2]};
      if (norm(e) > root_position) why |= TERM_ROOT_POSITION;
      if (imitation::quat_angle(getq(subspan(d.qpos, a + 3), 0), quat<T>{qr[3], qr[4], qr[5], qr[6]}) >
          root_orientation)
        why |= TERM_ROOT_ORIENTATION;
    }
    return why;
  }
};

}  // namespace sinew
