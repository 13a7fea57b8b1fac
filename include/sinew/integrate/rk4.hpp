// Classic fourth-order Runge-Kutta over (qpos, qvel, act) (mj_RungeKutta with N = 4). Stage
// states are formed on the manifold with integrate_pos; each stage runs `stage_forward`, which
// must recompute qacc and act_dot from qpos, qvel, act (step.hpp passes forward_world_skip_sensor:
// sensordata keeps the values of the step's first forward, as in MuJoCo).
#pragma once
#include "sinew/integrate/advance.hpp"

namespace sinew {

template <class T, class L, class Forward>
SINEW_HD inline void rk4(const ModelView<T>& m, const WorldData<T, L>& d, Forward stage_forward) {
  constexpr int N = 4;
  const T A[9] = {T(0.5), T(0), T(0), T(0), T(0.5), T(0), T(0), T(0), T(1)};
  const T B[4] = {T(1) / T(6), T(1) / T(3), T(1) / T(3), T(1) / T(6)};
  const T Ti[3] = {T(0.5), T(0.5), T(1)};
  const int nq = m.size.nq, nv = m.size.nv, na = m.size.na;
  const int nx = nq + nv + na, nf = nv + na;
  const T h = m.opt.timestep, time0 = d.time[0];
  const auto& X = d.rk_X;
  const auto& F = d.rk_F;
  const auto& dX = d.rk_dX;

  for (int k = 0; k < nq; ++k) X[k] = d.qpos[k];
  for (int k = 0; k < nv; ++k) {
    X[nq + k] = d.qvel[k];
    F[k] = d.qacc[k];
  }
  for (int k = 0; k < na; ++k) {
    X[nq + nv + k] = d.act[k];
    F[nv + k] = d.act_dot[k];
  }

  for (int i = 1; i < N; ++i) {
    for (int k = 0; k < 2 * nv + na; ++k) dX[k] = T(0);
    for (int j = 0; j < i; ++j) {
      const T a = A[(i - 1) * (N - 1) + j];
      for (int k = 0; k < nv; ++k) dX[k] += a * X[j * nx + nq + k];
      for (int k = 0; k < nf; ++k) dX[nv + k] += a * F[j * nf + k];
    }
    const auto Xi = subspan(X, i * nx);
    for (int k = 0; k < nx; ++k) Xi[k] = X[k];
    integrate_pos(m, Xi, dX, h);
    for (int k = 0; k < nf; ++k) Xi[nq + k] += h * dX[nv + k];

    for (int k = 0; k < nq; ++k) d.qpos[k] = Xi[k];
    for (int k = 0; k < nv; ++k) d.qvel[k] = Xi[nq + k];
    for (int k = 0; k < na; ++k) d.act[k] = Xi[nq + nv + k];
    d.time[0] = time0 + Ti[i - 1] * h;
    stage_forward(m, d);
    for (int k = 0; k < nv; ++k) F[i * nf + k] = d.qacc[k];
    for (int k = 0; k < na; ++k) F[i * nf + nv + k] = d.act_dot[k];
  }

  for (int k = 0; k < 2 * nv + na; ++k) dX[k] = T(0);
  for (int j = 0; j < N; ++j) {
    for (int k = 0; k < nv; ++k) dX[k] += B[j] * X[j * nx + nq + k];
    for (int k = 0; k < nf; ++k) dX[nv + k] += B[j] * F[j * nf + k];
  }
  d.time[0] = time0;
  for (int k = 0; k < nq; ++k) d.qpos[k] = X[k];
  for (int k = 0; k < nv; ++k) d.qvel[k] = X[nq + k];
  for (int k = 0; k < na; ++k) d.act[k] = X[nq + nv + k];
  const auto dqvel = dX;
  advance(m, d, subspan(dX, 2 * nv), subspan(dX, nv), &dqvel);
}

}  // namespace sinew
