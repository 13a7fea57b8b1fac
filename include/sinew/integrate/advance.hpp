// State advance shared by the integrators (mj_advance): act += h act_dot, qvel += h qacc, then
// qpos with the new velocity (or the given one), time += h; qacc is kept as the warm start.
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/integrate/integrate_pos.hpp"

namespace sinew {

template <class T, class L, class SA, class SQ, class SV>
SINEW_HD inline void advance(const ModelView<T>& m, const WorldData<T, L>& d, const SA& act_dot, const SQ& qacc,
                             const SV* qvel) {
  const T h = m.opt.timestep;
  if (!m.opt.disabled(DSBL_ACTUATION))
    for (int i = 0; i < m.size.na; ++i) d.act[i] += h * act_dot[i];
  for (int i = 0; i < m.size.nv; ++i) d.qvel[i] += h * qacc[i];
  if (qvel) integrate_pos(m, d.qpos, *qvel, h);
  else integrate_pos(m, d.qpos, d.qvel, h);
  d.time[0] += h;
  for (int i = 0; i < m.size.nv; ++i) d.qacc_warmstart[i] = d.qacc[i];
}

}  // namespace sinew
