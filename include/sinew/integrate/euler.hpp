// Semi-implicit Euler (mj_Euler). When the eulerdamp and damper flags are enabled (the default)
// and any dof has damping, damping is integrated implicitly: qacc = (M + h diag(damping))^-1 (qfrc_smooth +
// qfrc_constraint).
#pragma once
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/integrate/advance.hpp"

namespace sinew {

template <class T, class L> SINEW_HD inline void euler(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nv = m.size.nv;
  bool damping = false;
  // MuJoCo 3.4 integrates damping implicitly only when both eulerdamp and the dampers are enabled
  if (m.opt.euler_damping_possible())
    for (int i = 0; i < nv && !damping; ++i) damping = m.dof_damping[i] > T(0);
  if (!damping) {
    advance(m, d, d.act_dot, d.qacc, static_cast<const Span<T, L>*>(nullptr));
    return;
  }
  for (int k = 0; k < m.size.nM; ++k) d.qH[k] = d.qM[k];
  for (int i = 0; i < nv; ++i) d.qH[m.dof_Madr[i]] += m.opt.timestep * m.dof_damping[i];
  advance_implicit(m, d);
}

}  // namespace sinew
