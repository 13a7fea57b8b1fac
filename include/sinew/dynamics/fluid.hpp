// Fluid forces of one world (MuJoCo 3.4.0's mj_fluid, engine_passive.c), into qfrc_fluid: with
// opt.density or opt.viscosity nonzero, every body with mass gets one of two models, in the
// body's or the geom's local frame, with the velocity taken relative to opt.wind:
//
// - inertia box (the default): the body's equivalent box (sides from its principal inertia:
//   b_x = sqrt(max(mjMINVAL, I_y + I_z - I_x) / mass * 6), ...); viscous (Stokes) force and torque
//   of the sphere of mean diameter, plus quadratic drag force and torque of the box;
// - ellipsoid (when any geom of the body has fluidshape="ellipsoid"; then per such geom): the
//   geom's equivalent ellipsoid with its coefficients in geom_fluid (compiled by
//   geom_fluid_coefs): added-mass gyroscopic terms, Magnus and Kutta lift, blunt and slender
//   quadratic drag, angular drag and Stokes viscosity, scaled by the interaction coefficient.
//
// The wrench is applied at the body's centre of mass (box) or the geom's centre (ellipsoid), as
// mj_applyFT. Reads xipos, ximat, geom_xpos, geom_xmat, subtree_com, cvel, cdof.
//
// fluid_qderiv / ellipsoid_jtbj: the velocity derivatives of both models, which MuJoCo's implicit
// and implicitfast integrators put into qDeriv (mjd_inertiaBoxFluid, mjd_ellipsoidFluid).
#pragma once
#include <cmath>

#include "sinew/config.hpp"
#include "sinew/data/data.hpp"
#include "sinew/dynamics/apply_ft.hpp"
#include "sinew/dynamics/rne_post.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

namespace fluid_detail {

template <class T> SINEW_HD inline void cross(T r[3], const T a[3], const T b[3]) {
  r[0] = a[1] * b[2] - a[2] * b[1];
  r[1] = a[2] * b[0] - a[0] * b[2];
  r[2] = a[0] * b[1] - a[1] * b[0];
}
template <class T> SINEW_HD inline T norm3(const T a[3]) { return std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]); }
template <class T> SINEW_HD inline T pow2(T v) { return v * v; }
template <class T> SINEW_HD inline T pow4(T v) { return (v * v) * (v * v); }
template <class T> SINEW_HD inline T maxv(T a, T b) { return a > b ? a : b; }
template <class T> SINEW_HD inline T minv(T a, T b) { return a < b ? a : b; }

/// mj_objectVelocity(flg_local = 1) of a frame at `pos` with orientation `rot` on body b, minus
/// the wind (in the same frame) from the linear part: lvel = [angular; linear].
template <class T, class L>
SINEW_HD inline void local_velocity(const ModelView<T>& m, const WorldData<T, L>& d, int b, const T pos[3],
                                    const T rot[9], T lvel[6]) {
  vec3<T> ang = vec3<T>::zero(), lin = vec3<T>::zero();
  if (m.body_weldid[b] != 0) object_velocity(m, d, b, vec3<T>{pos[0], pos[1], pos[2]}, ang, lin);
  const T tran[6] = {ang.x, ang.y, ang.z, lin.x, lin.y, lin.z};
  for (int h = 0; h < 2; ++h)
    for (int r = 0; r < 3; ++r)
      lvel[3 * h + r] = rot[r] * tran[3 * h] + rot[3 + r] * tran[3 * h + 1] + rot[6 + r] * tran[3 * h + 2];
  // the wind seen in this frame (mju_transformSpatial of [0; wind]: no angular part)
  for (int r = 0; r < 3; ++r)
    lvel[3 + r] -= rot[r] * m.opt.wind[0] + rot[3 + r] * m.opt.wind[1] + rot[6 + r] * m.opt.wind[2];
}

/// Rotates the local wrench lfrc = [torque; force] to the world and applies it at `point` on body b.
template <class T, class L>
SINEW_HD inline void apply_local(const ModelView<T>& m, const WorldData<T, L>& d, int b, const T point[3],
                                 const T rot[9], const T lfrc[6]) {
  T w[6];
  for (int h = 0; h < 2; ++h)
    for (int r = 0; r < 3; ++r)
      w[3 * h + r] = rot[3 * r] * lfrc[3 * h] + rot[3 * r + 1] * lfrc[3 * h + 1] + rot[3 * r + 2] * lfrc[3 * h + 2];
  apply_ft_point(m, d, b, vec3<T>{point[0], point[1], point[2]}, vec3<T>{w[3], w[4], w[5]}, vec3<T>{w[0], w[1], w[2]},
                 d.qfrc_fluid);
}

template <class T, class L> SINEW_HD inline void inertia_box(const ModelView<T>& m, const WorldData<T, L>& d, int i) {
  const T* inertia = m.body_inertia + 3 * i;
  const T mass = m.body_mass[i], mv = min_val<T>();
  const T box[3] = {std::sqrt(maxv(mv, inertia[1] + inertia[2] - inertia[0]) / mass * T(6)),
                    std::sqrt(maxv(mv, inertia[0] + inertia[2] - inertia[1]) / mass * T(6)),
                    std::sqrt(maxv(mv, inertia[0] + inertia[1] - inertia[2]) / mass * T(6))};
  T pos[3], rot[9];
  for (int k = 0; k < 3; ++k) pos[k] = d.xipos[3 * i + k];
  for (int k = 0; k < 9; ++k) rot[k] = d.ximat[9 * i + k];
  T lvel[6], lfrc[6] = {T(0), T(0), T(0), T(0), T(0), T(0)};
  local_velocity(m, d, i, pos, rot, lvel);
  const T pi = T(3.14159265358979323846), rho = m.opt.density, mu = m.opt.viscosity;
  if (mu > T(0)) {
    const T diam = (box[0] + box[1] + box[2]) / T(3);
    for (int k = 0; k < 3; ++k) lfrc[k] = lvel[k] * (-pi * diam * diam * diam * mu);
    for (int k = 0; k < 3; ++k) lfrc[3 + k] = lvel[3 + k] * (T(-3) * pi * diam * mu);
  }
  if (rho > T(0)) {
    lfrc[3] -= T(0.5) * rho * box[1] * box[2] * std::fabs(lvel[3]) * lvel[3];
    lfrc[4] -= T(0.5) * rho * box[0] * box[2] * std::fabs(lvel[4]) * lvel[4];
    lfrc[5] -= T(0.5) * rho * box[0] * box[1] * std::fabs(lvel[5]) * lvel[5];
    lfrc[0] -= rho * box[0] * (pow4(box[1]) + pow4(box[2])) * std::fabs(lvel[0]) * lvel[0] / T(64);
    lfrc[1] -= rho * box[1] * (pow4(box[0]) + pow4(box[2])) * std::fabs(lvel[1]) * lvel[1] / T(64);
    lfrc[2] -= rho * box[2] * (pow4(box[0]) + pow4(box[1])) * std::fabs(lvel[2]) * lvel[2] / T(64);
  }
  apply_local(m, d, i, pos, rot, lfrc);
}

/// mj_ellipsoidFluidModel's per-geom force (without local accelerations, as MuJoCo).
template <class T>
SINEW_HD inline void ellipsoid_force(const T lvel[6], T rho, T mu, const T s[3], const T* c, T lfrc[6]) {
  const T pi = T(3.14159265358979323846), mv = min_val<T>();
  const T lin[3] = {lvel[3], lvel[4], lvel[5]}, ang[3] = {lvel[0], lvel[1], lvel[2]};
  const T blunt = c[1], slender = c[2], angdrag = c[3], kutta = c[4], magnus = c[5];
  const T* vmass = c + 6;
  const T* vinert = c + 9;
  // added mass (mj_addedMassForces)
  const T lin_mom[3] = {rho * vmass[0] * lin[0], rho * vmass[1] * lin[1], rho * vmass[2] * lin[2]};
  const T ang_mom[3] = {rho * vinert[0] * ang[0], rho * vinert[1] * ang[1], rho * vinert[2] * ang[2]};
  T f[3], t1[3], t2[3];
  cross(f, lin_mom, ang);
  cross(t1, lin_mom, lin);
  cross(t2, ang_mom, ang);
  for (int k = 0; k < 3; ++k) lfrc[k] += t1[k];
  for (int k = 0; k < 3; ++k) lfrc[k] += t2[k];
  for (int k = 0; k < 3; ++k) lfrc[3 + k] += f[k];
  // lift and drag (mj_viscousForces)
  const T volume = T(4) / T(3) * pi * s[0] * s[1] * s[2];
  const T dmax = maxv(maxv(s[0], s[1]), s[2]), dmin = minv(minv(s[0], s[1]), s[2]);
  const T dmid = s[0] + s[1] + s[2] - dmax - dmin;
  const T Amax = pi * dmax * dmid;
  T mag[3];
  cross(mag, ang, lin);
  for (int k = 0; k < 3; ++k) mag[k] *= magnus * rho * volume;
  const T proj_denom =
      pow4(s[1] * s[2]) * pow2(lin[0]) + pow4(s[2] * s[0]) * pow2(lin[1]) + pow4(s[0] * s[1]) * pow2(lin[2]);
  const T proj_num = pow2(s[1] * s[2] * lin[0]) + pow2(s[2] * s[0] * lin[1]) + pow2(s[0] * s[1] * lin[2]);
  const T Aproj = pi * std::sqrt(proj_denom / maxv(mv, proj_num));
  const T nrm[3] = {pow2(s[1] * s[2]) * lin[0], pow2(s[2] * s[0]) * lin[1], pow2(s[0] * s[1]) * lin[2]};
  const T cos_alpha = proj_num / maxv(mv, norm3(lin) * proj_denom);
  T circ[3], kf[3];
  cross(circ, nrm, lin);
  for (int k = 0; k < 3; ++k) circ[k] *= kutta * rho * cos_alpha * Aproj;
  cross(kf, circ, lin);
  const T eqD = T(2) / T(3) * (s[0] + s[1] + s[2]);
  const T lin_visc_force = T(3) * pi * eqD;
  const T lin_visc_torq = pi * eqD * eqD * eqD;
  const T Imax = T(8) / T(15) * pi * dmid * pow4(dmax);
  T II[3];
  for (int dir = 0; dir < 3; ++dir) {
    const T d0 = s[dir], d1 = s[(dir + 1) % 3], d2 = s[(dir + 2) % 3];
    II[dir] = T(8) / T(15) * pi * d0 * pow4(maxv(d1, d2));
  }
  const T mom[3] = {ang[0] * (angdrag * II[0] + slender * (Imax - II[0])),
                    ang[1] * (angdrag * II[1] + slender * (Imax - II[1])),
                    ang[2] * (angdrag * II[2] + slender * (Imax - II[2]))};
  const T drag_lin = mu * lin_visc_force + rho * norm3(lin) * (Aproj * blunt + slender * (Amax - Aproj));
  const T drag_ang = mu * lin_visc_torq + rho * norm3(mom);
  for (int k = 0; k < 3; ++k) lfrc[k] -= drag_ang * ang[k];
  for (int k = 0; k < 3; ++k) lfrc[3 + k] += mag[k] + kf[k] - drag_lin * lin[k];
}

/// Whether body b uses the ellipsoid model (any of its geoms has fluidshape="ellipsoid"); else the
/// inertia box.
template <class T> SINEW_HD inline bool uses_ellipsoid(const ModelView<T>& m, int b) {
  for (int j = 0; j < m.body_geomnum[b]; ++j)
    if (m.geom_fluid[12 * (m.body_geomadr[b] + j)] > T(0)) return true;
  return false;
}

/// A geom's semi-axes (mju_geomSemiAxes), world position and orientation.
template <class T, class L>
SINEW_HD inline void geom_frame(const ModelView<T>& m, const WorldData<T, L>& d, int g, T s[3], T pos[3], T rot[9]) {
  const T* size = m.geom_size + 3 * g;
  const int type = m.geom_type[g];
  s[0] = size[0];
  s[1] = size[1];
  s[2] = size[2];
  if (type == GEOM_SPHERE) s[1] = s[2] = size[0];
  else if (type == GEOM_CAPSULE) {
    s[1] = size[0];
    s[2] = size[1] + size[0];
  } else if (type == GEOM_CYLINDER) {
    s[1] = size[0];
    s[2] = size[1];
  }
  for (int k = 0; k < 3; ++k) pos[k] = d.geom_xpos[3 * g + k];
  for (int k = 0; k < 9; ++k) rot[k] = d.geom_xmat[9 * g + k];
}

template <class T, class L> SINEW_HD inline void ellipsoid(const ModelView<T>& m, const WorldData<T, L>& d, int b) {
  for (int j = 0; j < m.body_geomnum[b]; ++j) {
    const int g = m.body_geomadr[b] + j;
    const T* c = m.geom_fluid + 12 * g;
    if (c[0] == T(0)) continue;
    T s[3], pos[3], rot[9];
    geom_frame(m, d, g, s, pos, rot);
    T lvel[6], lfrc[6] = {T(0), T(0), T(0), T(0), T(0), T(0)};
    local_velocity(m, d, b, pos, rot, lvel);
    ellipsoid_force(lvel, m.opt.density, m.opt.viscosity, s, c, lfrc);
    for (int k = 0; k < 6; ++k) lfrc[k] = lfrc[k] * c[0];
    apply_local(m, d, b, pos, rot, lfrc);
  }
}

// ---- velocity derivatives of the ellipsoid model (MuJoCo's mjd_ellipsoidFluid and its parts)

/// d cross(a, b) / d a (Da) and / d b (Db), 3 x 3 row-major (mjd_cross).
template <class T> SINEW_HD inline void d_cross(const T a[3], const T b[3], T Da[9], T Db[9]) {
  for (int i = 0; i < 9; ++i) Da[i] = Db[i] = T(0);
  Da[1] = b[2];
  Da[2] = -b[1];
  Da[3] = -b[2];
  Da[5] = b[0];
  Da[6] = b[1];
  Da[7] = -b[0];
  Db[1] = -a[2];
  Db[2] = a[1];
  Db[3] = a[2];
  Db[5] = -a[0];
  Db[6] = -a[1];
  Db[7] = a[0];
}
/// MuJoCo's addToQuadrant: B[6 (3 cq + k) + 3 rq + l] += D[3 k + l].
template <class T> SINEW_HD inline void add_quadrant(T B[36], const T D[9], int cq, int rq) {
  for (int k = 0; k < 3; ++k)
    for (int l = 0; l < 3; ++l) B[6 * (3 * cq + k) + 3 * rq + l] += D[3 * k + l];
}
template <class T> SINEW_HD inline T max_moment(const T s[3], int dir) {
  const T pi = T(3.14159265358979323846);
  return T(8.0 / 15.0) * pi * s[dir] * pow2(pow2(maxv(s[(dir + 1) % 3], s[(dir + 2) % 3])));
}

/// The 6 x 6 derivative B of a geom's local fluid wrench [torque; force] with respect to its local
/// velocity [angular; linear] (mjd_ellipsoidFluid's B: Magnus, Kutta lift, drag, angular drag,
/// added mass), symmetrized for implicitfast as MuJoCo does.
template <class T>
SINEW_HD inline void ellipsoid_B(const T lvel[6], T rho, T mu, const T s[3], const T* c, bool symmetrize, T B[36]) {
  const T pi = T(3.14159265358979323846), mv = min_val<T>();
  const T blunt = c[1], slender = c[2], angdrag = c[3], kutta = c[4], magnus = c[5];
  const T* vmass = c + 6;
  const T* vinert = c + 9;
  for (int i = 0; i < 36; ++i) B[i] = T(0);
  T D[9], Da[9], Db[9];
  {  // Magnus
    const T volume = T(4.0 / 3.0) * pi * s[0] * s[1] * s[2];
    const T mc = magnus * rho * volume;
    const T lin[3] = {mc * lvel[3], mc * lvel[4], mc * lvel[5]}, ang[3] = {mc * lvel[0], mc * lvel[1], mc * lvel[2]};
    d_cross(ang, lin, Da, Db);
    add_quadrant(B, Da, 1, 0);
    add_quadrant(B, Db, 1, 1);
  }
  const T a = pow2(s[1] * s[2]), b = pow2(s[2] * s[0]), cc = pow2(s[0] * s[1]);
  const T aa = a * a, bb = b * b, c2 = cc * cc;
  const T x = lvel[3], y = lvel[4], z = lvel[5];
  const T xx = x * x, yy = y * y, zz = z * z, xy = x * y, yz = y * z, xz = x * z;
  const T proj_denom = aa * xx + bb * yy + c2 * zz;
  const T proj_num = a * xx + b * yy + cc * zz;
  {  // Kutta lift
    const T norm2 = xx + yy + zz;
    const T df_denom = pi * kutta * rho / maxv(mv, std::sqrt(proj_denom * proj_num * norm2));
    const T dfx = yy * (a - b) + zz * (a - cc);
    const T dfy = xx * (b - a) + zz * (b - cc);
    const T dfz = xx * (cc - a) + yy * (cc - b);
    const T proj_term = proj_num / maxv(mv, proj_denom);
    const T cos_term = proj_num / maxv(mv, norm2);
    D[0] = a - a;
    D[1] = b - a;
    D[2] = cc - a;
    D[3] = a - b;
    D[4] = b - b;
    D[5] = cc - b;
    D[6] = a - cc;
    D[7] = b - cc;
    D[8] = cc - cc;
    for (int i = 0; i < 9; ++i) D[i] = D[i] * (T(2) * proj_num);
    const T inner[3] = {aa * proj_term - a + cos_term, bb * proj_term - b + cos_term, c2 * proj_term - cc + cos_term};
    for (int i = 0; i < 3; ++i) {
      D[i] += inner[i] * dfx;
      D[3 + i] += inner[i] * dfy;
      D[6 + i] += inner[i] * dfz;
    }
    D[0] *= xx;
    D[1] *= xy;
    D[2] *= xz;
    D[3] *= xy;
    D[4] *= yy;
    D[5] *= yz;
    D[6] *= xz;
    D[7] *= yz;
    D[8] *= zz;
    D[0] -= dfx * proj_num;
    D[4] -= dfy * proj_num;
    D[8] -= dfz * proj_num;
    for (int i = 0; i < 9; ++i) D[i] = D[i] * df_denom;
    add_quadrant(B, D, 1, 1);
  }
  const T d_max = maxv(maxv(s[0], s[1]), s[2]), d_min = minv(minv(s[0], s[1]), s[2]);
  const T d_mid = s[0] + s[1] + s[2] - d_max - d_min;
  const T eq_sphere_D = T(2.0 / 3.0) * (s[0] + s[1] + s[2]);
  {  // drag
    const T A_max = pi * d_max * d_mid;
    const T dA_coef = pi / maxv(mv, std::sqrt(proj_num * proj_num * proj_num * proj_denom));
    const T A_proj = pi * std::sqrt(proj_denom / maxv(mv, proj_num));
    const T norm = std::sqrt(xx + yy + zz);
    const T inv_norm = T(1.0) / maxv(mv, norm);
    const T lin_coef = mu * T(3.0) * pi * eq_sphere_D;
    const T quad_coef = rho * (A_proj * blunt + slender * (A_max - A_proj));
    const T Aproj_coef = rho * norm * (blunt - slender);
    const T dA[3] = {Aproj_coef * dA_coef * a * x * (b * yy * (a - b) + cc * zz * (a - cc)),
                     Aproj_coef * dA_coef * b * y * (a * xx * (b - a) + cc * zz * (b - cc)),
                     Aproj_coef * dA_coef * cc * z * (a * xx * (cc - a) + b * yy * (cc - b))};
    D[0] = xx;
    D[1] = xy;
    D[2] = xz;
    D[3] = xy;
    D[4] = yy;
    D[5] = yz;
    D[6] = xz;
    D[7] = yz;
    D[8] = zz;
    const T inner = xx + yy + zz;
    D[0] += inner;
    D[4] += inner;
    D[8] += inner;
    for (int i = 0; i < 9; ++i) D[i] = D[i] * (-quad_coef * inv_norm);
    for (int i = 0; i < 3; ++i) {
      D[i] += dA[i] * -x;
      D[3 + i] += dA[i] * -y;
      D[6 + i] += dA[i] * -z;
    }
    D[0] -= lin_coef;
    D[4] -= lin_coef;
    D[8] -= lin_coef;
    add_quadrant(B, D, 1, 1);
  }
  {  // angular drag and Stokes torque
    const T lin_visc_torq_coef = pi * eq_sphere_D * eq_sphere_D * eq_sphere_D;
    const T I_max = T(8.0 / 15.0) * pi * d_mid * (d_max * d_max) * (d_max * d_max);
    const T II[3] = {max_moment(s, 0), max_moment(s, 1), max_moment(s, 2)};
    const T wx = lvel[0], wy = lvel[1], wz = lvel[2];
    const T mom_coef[3] = {angdrag * II[0] + slender * (I_max - II[0]), angdrag * II[1] + slender * (I_max - II[1]),
                           angdrag * II[2] + slender * (I_max - II[2])};
    const T mom_visc[3] = {wx * mom_coef[0], wy * mom_coef[1], wz * mom_coef[2]};
    const T density = rho / maxv(mv, norm3(mom_visc));
    const T mom_sq[3] = {-density * wx * mom_coef[0] * mom_coef[0], -density * wy * mom_coef[1] * mom_coef[1],
                         -density * wz * mom_coef[2] * mom_coef[2]};
    const T lin_coef = mu * lin_visc_torq_coef;
    for (int i = 0; i < 9; ++i) D[i] = T(0);
    D[0] = D[4] = D[8] = wx * mom_sq[0] + wy * mom_sq[1] + wz * mom_sq[2] - lin_coef;
    for (int i = 0; i < 3; ++i) {
      D[i] += mom_sq[i] * wx;
      D[3 + i] += mom_sq[i] * wy;
      D[6 + i] += mom_sq[i] * wz;
    }
    add_quadrant(B, D, 0, 0);
  }
  {  // added mass
    const T lin[3] = {lvel[3], lvel[4], lvel[5]}, ang[3] = {lvel[0], lvel[1], lvel[2]};
    const T vlm[3] = {rho * vmass[0] * lin[0], rho * vmass[1] * lin[1], rho * vmass[2] * lin[2]};
    const T vam[3] = {rho * vinert[0] * ang[0], rho * vinert[1] * ang[1], rho * vinert[2] * ang[2]};
    d_cross(vam, ang, Da, Db);
    add_quadrant(B, Db, 0, 0);
    for (int i = 0; i < 9; ++i) Da[i] *= rho * vinert[i % 3];
    add_quadrant(B, Da, 0, 0);
    d_cross(vlm, lin, Da, Db);
    add_quadrant(B, Db, 0, 1);
    for (int i = 0; i < 9; ++i) Da[i] *= rho * vmass[i % 3];
    add_quadrant(B, Da, 0, 1);
    d_cross(vlm, ang, Da, Db);
    add_quadrant(B, Db, 1, 0);
    for (int i = 0; i < 9; ++i) Da[i] *= rho * vmass[i % 3];
    add_quadrant(B, Da, 1, 1);
  }
  if (symmetrize) {
    T S[36];
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j) S[6 * i + j] = T(0.5) * (B[6 * i + j] + B[6 * j + i]);
    for (int i = 0; i < 36; ++i) B[i] = S[i];
  }
}

/// Row r (0-2 angular, 3-5 linear) of the Jacobian of the point `pos` on body b at dof k, in the
/// frame `rot` (mj_jac's column, rotated: rot' J).
template <class T, class L>
SINEW_HD inline T local_jac(const WorldData<T, L>& d, const T off[3], const T rot[9], int r, int k) {
  const vec6<T> cd = get6(d.cdof, k);
  T w[3];
  if (r < 3) {
    for (int q = 0; q < 3; ++q) w[q] = cd[q];
  } else {
    const T ang[3] = {cd[0], cd[1], cd[2]};
    T c[3];
    cross(c, ang, off);
    for (int q = 0; q < 3; ++q) w[q] = cd[3 + q] + c[q];
  }
  const int a = r % 3;
  return rot[a] * w[0] + rot[3 + a] * w[1] + rot[6 + a] * w[2];
}

/// The chain's last dof for body b (its own, or the nearest ancestor's with dofs), -1 if none.
template <class T> SINEW_HD inline int chain_top(const ModelView<T>& m, int b) {
  while (b && m.body_dofnum[b] == 0) b = m.body_parentid[b];
  return b ? m.body_dofadr[b] + m.body_dofnum[b] - 1 : -1;
}

/// For every ellipsoid-model geom of body b: add(k, c, v) with v = (J' B J)(k, c) for k in the
/// body's dof chain and c = k and its ancestors (lower) or every chain dof (full).
template <class T, class L, class Add>
SINEW_HD inline void ellipsoid_jtbj(const ModelView<T>& m, const WorldData<T, L>& d, int b, bool symmetrize, bool full,
                                    Add&& add) {
  const int k0 = chain_top(m, b);
  if (k0 < 0) return;
  const int root = m.body_rootid[b];
  for (int j = 0; j < m.body_geomnum[b]; ++j) {
    const int g = m.body_geomadr[b] + j;
    const T* c = m.geom_fluid + 12 * g;
    if (c[0] == T(0)) continue;
    T s[3], pos[3], rot[9], lvel[6], B[36];
    geom_frame(m, d, g, s, pos, rot);
    local_velocity(m, d, b, pos, rot, lvel);
    ellipsoid_B(lvel, m.opt.density, m.opt.viscosity, s, c, symmetrize, B);
    const T off[3] = {pos[0] - d.subtree_com[3 * root], pos[1] - d.subtree_com[3 * root + 1],
                      pos[2] - d.subtree_com[3 * root + 2]};
    for (int k = k0; k >= 0; k = m.dof_parentid[k]) {
      T Jk[6], v[6];
      for (int r = 0; r < 6; ++r) Jk[r] = local_jac(d, off, rot, r, k);
      for (int q = 0; q < 6; ++q) {
        v[q] = T(0);
        for (int r = 0; r < 6; ++r) v[q] += Jk[r] * B[6 * r + q];
      }
      for (int cdof = full ? k0 : k; cdof >= 0; cdof = m.dof_parentid[cdof]) {
        T val = T(0);
        for (int q = 0; q < 6; ++q) val += v[q] * local_jac(d, off, rot, q, cdof);
        add(k, cdof, val);
      }
    }
  }
}
}  // namespace fluid_detail

/// Adds the velocity derivative of the fluid forces to qDeriv (lower triangle, qM layout), as
/// MuJoCo's mjd_passive_vel: inertia-box bodies (mjd_inertiaBoxFluid: the body Jacobian at its
/// centre of mass in its inertia frame, J' B J per row with B the derivative of that row's force
/// along its own velocity: Stokes viscosity, quadratic drag 2 |v|) and, when ellipsoid_lower,
/// ellipsoid-model geoms with their 6 x 6 B symmetrized (implicitfast). The implicit integrator
/// passes false and adds the ellipsoid terms unsymmetrized itself (ellipsoid_jtbj). `row`: nv
/// scratch.
/// Whether mjd_passive_vel adds fluid terms: fluid forces on (density or viscosity) and springs
/// and dampers not both disabled.
template <class T> SINEW_HD inline bool fluid_qderiv_on(const ModelView<T>& m) {
  return (m.opt.viscosity != T(0) || m.opt.density != T(0)) &&
         !(m.opt.disabled(DSBL_SPRING) && m.opt.disabled(DSBL_DAMPER));
}

template <class T, class L, class SD, class SR>
SINEW_HD inline void fluid_qderiv(const ModelView<T>& m, const WorldData<T, L>& d, const SD& qDeriv, const SR& row,
                                  bool ellipsoid_lower) {
  using namespace fluid_detail;
  if (!fluid_qderiv_on(m)) return;
  const T pi = T(3.14159265358979323846), rho = m.opt.density, mu = m.opt.viscosity, mv = min_val<T>();
  for (int i = 0; i < m.size.nbody; ++i) {
    if (m.body_mass[i] < mv) continue;
    if (uses_ellipsoid(m, i)) {
      if (ellipsoid_lower)  // implicitfast: B symmetrized, the lower triangle in qM's layout
        ellipsoid_jtbj(m, d, i, true, false, [&](int k, int c, T v) {
          int p = m.dof_Madr[k];
          for (int q = k; q != c; q = m.dof_parentid[q]) ++p;
          qDeriv[p] += v;
        });
      continue;
    }
    const int k0 = chain_top(m, i);  // fixed bodies move with their parent
    if (k0 < 0) continue;
    const T* inertia = m.body_inertia + 3 * i;
    const T mass = m.body_mass[i];
    const T box[3] = {std::sqrt(maxv(mv, inertia[1] + inertia[2] - inertia[0]) / mass * T(6)),
                      std::sqrt(maxv(mv, inertia[0] + inertia[2] - inertia[1]) / mass * T(6)),
                      std::sqrt(maxv(mv, inertia[0] + inertia[1] - inertia[2]) / mass * T(6))};
    T pos[3], rot[9], lvel[6];
    for (int k = 0; k < 3; ++k) pos[k] = d.xipos[3 * i + k];
    for (int k = 0; k < 9; ++k) rot[k] = d.ximat[9 * i + k];
    local_velocity(m, d, i, pos, rot, lvel);
    T B[6] = {T(0), T(0), T(0), T(0), T(0), T(0)};
    if (mu > T(0)) {
      const T diam = (box[0] + box[1] + box[2]) / T(3);
      for (int k = 0; k < 3; ++k) {
        B[k] += -pi * diam * diam * diam * mu;
        B[3 + k] += T(-3) * pi * diam * mu;
      }
    }
    if (rho > T(0)) {
      B[0] += -rho * box[0] * (pow4(box[1]) + pow4(box[2])) * T(2) * std::fabs(lvel[0]) / T(64);
      B[1] += -rho * box[1] * (pow4(box[0]) + pow4(box[2])) * T(2) * std::fabs(lvel[1]) / T(64);
      B[2] += -rho * box[2] * (pow4(box[0]) + pow4(box[1])) * T(2) * std::fabs(lvel[2]) / T(64);
      B[3] += T(-0.5) * rho * box[1] * box[2] * T(2) * std::fabs(lvel[3]);
      B[4] += T(-0.5) * rho * box[0] * box[2] * T(2) * std::fabs(lvel[4]);
      B[5] += T(-0.5) * rho * box[0] * box[1] * T(2) * std::fabs(lvel[5]);
    }
    const int root = m.body_rootid[i];
    const T off[3] = {pos[0] - d.subtree_com[3 * root], pos[1] - d.subtree_com[3 * root + 1],
                      pos[2] - d.subtree_com[3 * root + 2]};
    for (int r = 0; r < 6; ++r) {
      if (B[r] == T(0)) continue;
      for (int k = k0; k >= 0; k = m.dof_parentid[k]) row[k] = local_jac(d, off, rot, r, k);
      for (int k = k0; k >= 0; k = m.dof_parentid[k]) {
        const T s = row[k] * B[r];
        int p = m.dof_Madr[k];
        for (int c = k; c >= 0; c = m.dof_parentid[c], ++p) qDeriv[p] += s * row[c];
      }
    }
  }
}

/// Fluid forces into qfrc_fluid (zeroed first). Returns whether the model has any (density or
/// viscosity nonzero).
template <class T, class L> SINEW_HD inline bool fluid_forces(const ModelView<T>& m, const WorldData<T, L>& d) {
  for (int i = 0; i < m.size.nv; ++i) d.qfrc_fluid[i] = T(0);
  if (m.opt.viscosity == T(0) && m.opt.density == T(0)) return false;
  for (int b = 0; b < m.size.nbody; ++b) {
    if (m.body_mass[b] < min_val<T>()) continue;
    if (fluid_detail::uses_ellipsoid(m, b)) fluid_detail::ellipsoid(m, d, b);
    else fluid_detail::inertia_box(m, d, b);
  }
  return true;
}

}  // namespace sinew
