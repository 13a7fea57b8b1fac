// Recursive Newton-Euler bias forces of one world (mj_rne with zero acceleration):
// qfrc_bias = C(q, qdot) qdot + g(q), gravity included unless disabled.
//
// Reads cinert, cvel, cdof, cdof_dot, qvel. Writes qfrc_bias (nv); uses rne_cacc, rne_cfrc.
#pragma once
#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

template <class T, class L> SINEW_HD inline void rne(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nbody = m.size.nbody;
  vec6<T> a0 = vec6<T>::zero();
  if (!m.opt.disabled(DSBL_GRAVITY))
    for (int k = 0; k < 3; ++k) a0[3 + k] = -m.opt.gravity[k];
  set6(d.rne_cacc, 0, a0);
  set6(d.rne_cfrc, 0, vec6<T>::zero());
  for (int i = 1; i < nbody; ++i) {
    const int bda = m.body_dofadr[i];
    vec6<T> tmp = vec6<T>::zero();
    for (int j = 0; j < m.body_dofnum[i]; ++j) tmp += d.qvel[bda + j] * get6(d.cdof_dot, bda + j);
    const vec6<T> cacc = get6(d.rne_cacc, m.body_parentid[i]) + tmp;
    set6(d.rne_cacc, i, cacc);
    const inertia10<T> in = get10(d.cinert, i);
    const vec6<T> cvel = get6(d.cvel, i);
    set6(d.rne_cfrc, i, mul_inertia(in, cacc) + cross_force(cvel, mul_inertia(in, cvel)));
  }
  for (int i = nbody - 1; i > 0; --i) {
    const int p = m.body_parentid[i];
    if (p) set6(d.rne_cfrc, p, get6(d.rne_cfrc, p) + get6(d.rne_cfrc, i));
  }
  for (int i = 0; i < m.size.nv; ++i) d.qfrc_bias[i] = dot(get6(d.cdof, i), get6(d.rne_cfrc, m.dof_bodyid[i]));
}

}  // namespace sinew
