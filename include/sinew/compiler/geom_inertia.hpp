// Mass properties as MuJoCo's compiler computes them: primitive geom volumes and diagonal
// inertias (solid and shell), the symmetric 3x3 eigen decomposition that gives principal axes
// (same Jacobi sweep, ordering and sign conventions as MuJoCo, so body_iquat matches), and the
// helpers that combine inertias of several geoms in a common frame. Host only, double precision.
//
//   double vol = sinew::geom_volume(sinew::GEOM_CAPSULE, size, false);
//   double I[3]; sinew::geom_inertia(sinew::GEOM_CAPSULE, size, mass, false, I);
//   double q[4], d[3]; sinew::full_inertia_principal(full6, q, d);  // full6 = xx yy zz xy xz yz
#pragma once
#include <algorithm>
#include <cmath>

#include "sinew/math/eig3.hpp"
#include "sinew/model/enums.hpp"

namespace sinew {
namespace cmath {

/// MuJoCo's compiler epsilon (mjEPS).
inline constexpr double kEps = mj_eps;
inline constexpr double kPi = 3.14159265358979323846;

// MuJoCo's compiler helpers (mjuu_*), shared with the mesh compiler.
using uu::mulmat;
using uu::mulquat;
using uu::normvec;
using uu::quat2mat;

/// res = R v (row-major R).
inline void mulmatvec(double* res, const double* m, const double* v) {
  double t[3] = {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
                 m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
  res[0] = t[0];
  res[1] = t[1];
  res[2] = t[2];
}

/// Rotates v by q (mjuu_rotVecQuat); res may alias v.
inline void rotvec(double* res, const double* v, const double* q) {
  if (v[0] == 0 && v[1] == 0 && v[2] == 0) {
    res[0] = res[1] = res[2] = 0;
    return;
  }
  if (q[0] == 1 && q[1] == 0 && q[2] == 0 && q[3] == 0) {
    res[0] = v[0];
    res[1] = v[1];
    res[2] = v[2];
    return;
  }
  double t[3] = {q[0] * v[0] + q[2] * v[2] - q[3] * v[1], q[0] * v[1] + q[3] * v[0] - q[1] * v[2],
                 q[0] * v[2] + q[1] * v[1] - q[2] * v[0]};
  double r[3] = {v[0] + 2 * (q[2] * t[2] - q[3] * t[1]), v[1] + 2 * (q[3] * t[0] - q[1] * t[2]),
                 v[2] + 2 * (q[1] * t[1] - q[2] * t[0])};
  res[0] = r[0];
  res[1] = r[1];
  res[2] = r[2];
}

inline void cross(double* a, const double* b, const double* c) {
  double t[3] = {b[1] * c[2] - b[2] * c[1], b[2] * c[0] - b[0] * c[2], b[0] * c[1] - b[1] * c[0]};
  a[0] = t[0];
  a[1] = t[1];
  a[2] = t[2];
}

/// pos, quat <- (pos, quat) * (childpos, childquat) (mjuu_frameaccum).
inline void frame_accum(double* pos, double* quat, const double* cpos, const double* cquat) {
  double m[9], v[3];
  quat2mat(m, quat);
  mulmatvec(v, m, cpos);
  pos[0] += v[0];
  pos[1] += v[1];
  pos[2] += v[2];
  mulquat(quat, quat, cquat);
}

/// (cpos, cquat) <- (pos, quat) * (cpos, cquat) (mjuu_frameaccumChild).
inline void frame_accum_child(const double* pos, const double* quat, double* cpos, double* cquat) {
  double p[3] = {pos[0], pos[1], pos[2]}, q[4] = {quat[0], quat[1], quat[2], quat[3]};
  frame_accum(p, q, cpos, cquat);
  for (int i = 0; i < 3; ++i) cpos[i] = p[i];
  for (int i = 0; i < 4; ++i) cquat[i] = q[i];
}

/// Inverse of a frame (mjuu_frameinvert).
inline void frame_invert(double* npos, double* nquat, const double* pos, const double* quat) {
  double qn[4] = {quat[0], -quat[1], -quat[2], -quat[3]}, m[9];
  quat2mat(m, qn);
  mulmatvec(npos, m, pos);
  npos[0] = -npos[0];
  npos[1] = -npos[1];
  npos[2] = -npos[2];
  for (int i = 0; i < 4; ++i) nquat[i] = qn[i];
}

/// Minimal rotation taking +z to vec (mjuu_z2quat).
inline void z2quat(double* q, const double* vec) {
  const double z[3] = {0, 0, 1};
  cross(q + 1, z, vec);
  double s = normvec(q + 1, 3);
  if (s < 1e-10) {
    q[1] = 1;
    q[2] = q[3] = 0;
  }
  double ang = std::atan2(s, vec[2]);
  q[0] = std::cos(ang / 2);
  q[1] *= std::sin(ang / 2);
  q[2] *= std::sin(ang / 2);
  q[3] *= std::sin(ang / 2);
}

/// Quaternion of the frame whose columns are x, y, z (mjuu_frame2quat).
inline void frame2quat(double* q, const double* x, const double* y, const double* z) {
  const double* m[3] = {x, y, z};  // m[c][r]
  if (m[0][0] + m[1][1] + m[2][2] > 0) {
    q[0] = 0.5 * std::sqrt(1 + m[0][0] + m[1][1] + m[2][2]);
    q[1] = 0.25 * (m[1][2] - m[2][1]) / q[0];
    q[2] = 0.25 * (m[2][0] - m[0][2]) / q[0];
    q[3] = 0.25 * (m[0][1] - m[1][0]) / q[0];
  } else if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
    q[1] = 0.5 * std::sqrt(1 + m[0][0] - m[1][1] - m[2][2]);
    q[0] = 0.25 * (m[1][2] - m[2][1]) / q[1];
    q[2] = 0.25 * (m[1][0] + m[0][1]) / q[1];
    q[3] = 0.25 * (m[2][0] + m[0][2]) / q[1];
  } else if (m[1][1] > m[2][2]) {
    q[2] = 0.5 * std::sqrt(1 - m[0][0] + m[1][1] - m[2][2]);
    q[0] = 0.25 * (m[2][0] - m[0][2]) / q[2];
    q[1] = 0.25 * (m[1][0] + m[0][1]) / q[2];
    q[3] = 0.25 * (m[2][1] + m[1][2]) / q[2];
  } else {
    q[3] = 0.5 * std::sqrt(1 - m[0][0] - m[1][1] + m[2][2]);
    q[0] = 0.25 * (m[0][1] - m[1][0]) / q[3];
    q[1] = 0.25 * (m[2][0] + m[0][2]) / q[3];
    q[2] = 0.25 * (m[2][1] + m[1][2]) / q[3];
  }
  normvec(q, 4);
}

}  // namespace cmath

/// Principal frame of a full inertia (xx, yy, zz, xy, xz, yz): quat and diagonal. Returns false
/// when an eigenvalue is not positive (MuJoCo: "inertia must have positive eigenvalues").
inline bool full_inertia_principal(const double full6[6], double quat[4], double diag[3]) {
  double full[9] = {full6[0], full6[3], full6[4], full6[3], full6[1], full6[5], full6[4], full6[5], full6[2]};
  double vec[9];
  eig3(diag, vec, quat, full);
  return diag[2] >= cmath::kEps;
}

/// Full inertia (xx, yy, zz, xy, xz, yz) of a diagonal inertia rotated by quat
/// (mjuu_globalinertia).
inline void rotated_inertia(double global[6], const double local[3], const double quat[4]) {
  double m[9];
  cmath::quat2mat(m, quat);
  double t[9] = {m[0] * local[0], m[3] * local[0], m[6] * local[0], m[1] * local[1], m[4] * local[1],
                 m[7] * local[1], m[2] * local[2], m[5] * local[2], m[8] * local[2]};
  global[0] = m[0] * t[0] + m[1] * t[3] + m[2] * t[6];
  global[1] = m[3] * t[1] + m[4] * t[4] + m[5] * t[7];
  global[2] = m[6] * t[2] + m[7] * t[5] + m[8] * t[8];
  global[3] = m[0] * t[1] + m[1] * t[4] + m[2] * t[7];
  global[4] = m[0] * t[2] + m[1] * t[5] + m[2] * t[8];
  global[5] = m[3] * t[2] + m[4] * t[5] + m[5] * t[8];
}

/// Parallel-axis term of a point mass at offset d (mjuu_offcenter), same layout.
inline void offcenter_inertia(double res[6], double mass, const double d[3]) {
  res[0] = mass * (d[1] * d[1] + d[2] * d[2]);
  res[1] = mass * (d[0] * d[0] + d[2] * d[2]);
  res[2] = mass * (d[0] * d[0] + d[1] * d[1]);
  res[3] = -mass * d[0] * d[1];
  res[4] = -mass * d[0] * d[2];
  res[5] = -mass * d[1] * d[2];
}

/// Volume (solid) or surface area (shell) of a primitive geom; 0 for planes and meshes (the
/// mesh volume comes from the compiled mesh). Hfields use the box formula, as MuJoCo does.
inline double geom_volume(int type, const double size[3], bool shell) {
  using cmath::kPi;
  switch (type) {
    case GEOM_SPHERE: {
      double r = size[0];
      return shell ? 4 * kPi * r * r : 4 * kPi * r * r * r / 3;
    }
    case GEOM_CAPSULE: {
      double h = 2 * size[1], r = size[0];
      return shell ? 4 * kPi * r * r + 2 * kPi * r * h : kPi * (r * r * h + 4 * r * r * r / 3);
    }
    case GEOM_CYLINDER: {
      double h = 2 * size[1], r = size[0];
      return shell ? 2 * kPi * r * r + 2 * kPi * r * h : kPi * r * r * h;
    }
    case GEOM_ELLIPSOID: {
      if (!shell) return 4 * kPi * size[0] * size[1] * size[2] / 3;
      const double p = 1.6075;  // Thomsen's approximation of the surface area
      double t = std::pow(size[0] * size[1], p) + std::pow(size[1] * size[2], p) + std::pow(size[2] * size[0], p);
      return 4 * kPi * std::pow(t / 3, 1 / p);
    }
    case GEOM_HFIELD:
    case GEOM_BOX:
      return shell ? 8 * (size[0] * size[1] + size[1] * size[2] + size[2] * size[0]) : size[0] * size[1] * size[2] * 8;
    default: return 0;
  }
}

/// Diagonal inertia of a primitive geom of the given mass about its own frame.
inline void geom_inertia(int type, const double size[3], double mass, bool shell, double I[3]) {
  I[0] = I[1] = I[2] = 0;
  switch (type) {
    case GEOM_SPHERE:
      if (!shell) I[0] = I[1] = I[2] = 2 * mass * size[0] * size[0] / 5;
      else I[0] = I[1] = I[2] = 2 * mass * size[0] * size[0] / 3;
      return;
    case GEOM_CAPSULE: {
      double hh = size[1], h = 2 * size[1], r = size[0];
      if (!shell) {
        double ms = mass * 4 * r / (4 * r + 3 * h);  // two hemispheres
        double mc = mass - ms;
        I[0] = I[1] = mc * (3 * r * r + h * h) / 12;
        I[2] = mc * r * r / 2;
        double is = 2 * ms * r * r / 5;
        I[0] += is + ms * h * (3 * r + 2 * h) / 8;
        I[1] += is + ms * h * (3 * r + 2 * h) / 8;
        I[2] += is;
      } else {
        double As = 4 * cmath::kPi * r * r, Ac = 2 * cmath::kPi * r * h;
        double ms = mass * As / (As + Ac), mc = mass - ms;
        I[0] = I[1] = mc * (6 * r * r + h * h) / 12;
        I[2] = mc * r * r;
        double is = 2 * ms * r * r / 3, com = r / 2, p = hh + com;
        I[0] += is + ms * (p * p - com * com);
        I[1] += is + ms * (p * p - com * com);
        I[2] += is;
      }
      return;
    }
    case GEOM_CYLINDER: {
      double hh = size[1], h = 2 * hh, r = size[0];
      if (!shell) {
        I[0] = I[1] = mass * (3 * r * r + h * h) / 12;
        I[2] = mass * r * r / 2;
      } else {
        double Ad = cmath::kPi * r * r, Ac = 2 * cmath::kPi * r * h;
        double md = mass * Ad / (2 * Ad + Ac), mc = mass - 2 * md;
        I[0] = I[1] = mc * (6 * r * r + h * h) / 12;
        I[2] = mc * r * r;
        double idx = md * r * r / 4 + md * hh * hh, idz = md * r * r / 2;
        I[0] += 2 * idx;
        I[1] += 2 * idx;
        I[2] += 2 * idz;
      }
      return;
    }
    case GEOM_ELLIPSOID: {
      double s00 = size[0] * size[0], s11 = size[1] * size[1], s22 = size[2] * size[2];
      if (!shell) {
        I[0] = mass * (s11 + s22) / 5;
        I[1] = mass * (s00 + s22) / 5;
        I[2] = mass * (s00 + s11) / 5;
      } else {
        // thin shell: expanded ellipsoid minus the solid one, as MuJoCo approximates it
        const double e = 1e-6;
        double Va = 4 * cmath::kPi * size[0] * size[1] * size[2] / 3;
        double ae = size[0] + e, be = size[1] + e, ce = size[2] + e;
        double Vb = 4 * cmath::kPi * ae * be * ce / 3;
        double rho = mass / (Vb - Va), ma = Va * rho, mb = Vb * rho;
        I[0] = mb * (be * be + ce * ce) / 5 - ma * (s11 + s22) / 5;
        I[1] = mb * (ae * ae + ce * ce) / 5 - ma * (s00 + s22) / 5;
        I[2] = mb * (ae * ae + be * be) / 5 - ma * (s00 + s11) / 5;
      }
      return;
    }
    case GEOM_HFIELD:
    case GEOM_BOX: {
      double s00 = size[0] * size[0], s11 = size[1] * size[1], s22 = size[2] * size[2];
      if (!shell) {
        I[0] = mass * (s11 + s22) / 3;
        I[1] = mass * (s00 + s22) / 3;
        I[2] = mass * (s00 + s11) / 3;
      } else {
        double lx = 2 * size[0], ly = 2 * size[1], lz = 2 * size[2];
        double A0 = lx * ly, A1 = ly * lz, A2 = lz * lx, At = 2 * (A0 + A1 + A2);
        double m0 = mass * A0 / At, m1 = mass * A1 / At, m2 = mass * A2 / At;
        double Ix0 = m0 * ly * ly / 12, Iy0 = m0 * lx * lx / 12, Iz0 = m0 * (lx * lx + ly * ly) / 12;
        double Ix1 = m1 * (ly * ly + lz * lz) / 12, Iy1 = m1 * lz * lz / 12, Iz1 = m1 * ly * ly / 12;
        double Ix2 = m2 * lz * lz / 12, Iy2 = m2 * (lx * lx + lz * lz) / 12, Iz2 = m2 * lx * lx / 12;
        I[0] = 2 * (m0 * s22 + m2 * s11 + Ix0 + Ix1 + Ix2);
        I[1] = 2 * (m0 * s22 + m1 * s00 + Iy0 + Iy1 + Iy2);
        I[2] = 2 * (m1 * s00 + m2 * s11 + Iz0 + Iz1 + Iz2);
      }
      return;
    }
    default: return;
  }
}

/// Radius of the geom's bounding sphere about its frame (mesh: from the half extents `size`,
/// which the compiler sets from the mesh's bounding box).
inline double geom_rbound(int type, const double size[3], const double* hfield_size = nullptr) {
  switch (type) {
    case GEOM_HFIELD:
      return std::sqrt(hfield_size[0] * hfield_size[0] + hfield_size[1] * hfield_size[1] +
                       std::max(hfield_size[2] * hfield_size[2], hfield_size[3] * hfield_size[3]));
    case GEOM_SPHERE: return size[0];
    case GEOM_CAPSULE: return size[0] + size[1];
    case GEOM_CYLINDER: return std::sqrt(size[0] * size[0] + size[1] * size[1]);
    case GEOM_ELLIPSOID: return std::max(std::max(size[0], size[1]), size[2]);
    case GEOM_BOX:
    case GEOM_MESH:
    case GEOM_SDF: return std::sqrt(size[0] * size[0] + size[1] * size[1] + size[2] * size[2]);
    default: return 0;
  }
}

/// Added-mass coefficient kappa of an ellipsoid with semi-axes (dx, dy, dz) along x
/// (mjCGeom::GetAddedMassKappa): the integral over l in [0, inf) of dx dy dz / sqrt((dx^2 + l)^3
/// (dy^2 + l) (dz^2 + l)) by MuJoCo's 15-point Gauss-Kronrod rule after l = x^3 / (1 - x)^2 (its
/// tabulated nodes, node derivatives and weights, so the result is MuJoCo's to rounding).
inline double fluid_added_mass_kappa(double dx, double dy, double dz) {
  static constexpr double w[15] = {0.01146766, 0.03154605, 0.05239501, 0.07032663, 0.08450236,
                                   0.09517529, 0.10221647, 0.10474107, 0.10221647, 0.09517529,
                                   0.08450236, 0.07032663, 0.05239501, 0.03154605, 0.01146766};
  static constexpr double l[15] = {
      7.865151709349917e-08, 1.7347976913907274e-05, 0.0003548008144506193, 0.002846636252924549,
      0.014094260903596077,  0.053063261727396636,   0.17041978741317773,   0.5,
      1.4036301548686991,    3.9353484827022642,     11.644841677041734,    39.53187807410903,
      177.5711362220801,     1429.4772912937397,     54087.416549217705};
  static constexpr double dl[15] = {
      5.538677720489877e-05, 0.002080868285293228, 0.016514126520723166, 0.07261900344370877,
      0.23985243401862602,   0.6868318249020725,   1.8551129519182894,   5.0,
      14.060031152313941,    43.28941239611009,    156.58546376397112,   747.9826085305024,
      5827.4042950027115,    116754.0197944512,    25482945.327264845};
  const double ix2 = 1.0 / (dx * dx), iy2 = 1.0 / (dy * dy), iz2 = 1.0 / (dz * dz);
  const double scale = std::pow(dx * dx * dx * dy * dz, 0.4);  // l scaled by d^2 for stability
  double kappa = 0.0;
  for (int i = 0; i < 15; ++i) {
    const double lambda = scale * l[i];
    const double denom = (1 + lambda * ix2) * std::sqrt((1 + lambda * ix2) * (1 + lambda * iy2) * (1 + lambda * iz2));
    kappa += scale * dl[i] / denom * w[i];
  }
  return kappa * ix2;
}

/// The 12 geom_fluid coefficients of a geom with fluidshape="ellipsoid" (mjCGeom::SetFluidCoefs):
/// [interaction 1, blunt drag, slender drag, angular drag, Kutta lift, Magnus lift (fluidcoef),
/// virtual mass (3), virtual inertia (3)] of the geom's equivalent ellipsoid (sphere: r r r,
/// capsule: r r r+h, cylinder: r r h, others: size).
inline void geom_fluid_coefs(int type, const double size[3], const double fluidcoef[5], double out[12]) {
  double dx = size[0], dy = size[1], dz = size[2];
  if (type == GEOM_SPHERE) dy = dz = size[0];
  else if (type == GEOM_CAPSULE) {
    dy = size[0];
    dz = size[1] + size[0];
  } else if (type == GEOM_CYLINDER) {
    dy = size[0];
    dz = size[1];
  }
  const double pi = 3.14159265358979323846, eps = 1e-14;  // mjPI, mjEPS (user_util.h)
  const double volume = 4.0 / 3.0 * pi * dx * dy * dz;
  const double kx = fluid_added_mass_kappa(dx, dy, dz);
  const double ky = fluid_added_mass_kappa(dy, dz, dx);
  const double kz = fluid_added_mass_kappa(dz, dx, dy);
  const auto p2 = [](double v) { return v * v; };
  const double ixf = p2(dy * dy - dz * dz) * std::abs(kz - ky) /
                     std::max(eps, std::abs(2 * (dy * dy - dz * dz) + (dy * dy + dz * dz) * (ky - kz)));
  const double iyf = p2(dz * dz - dx * dx) * std::abs(kx - kz) /
                     std::max(eps, std::abs(2 * (dz * dz - dx * dx) + (dz * dz + dx * dx) * (kz - kx)));
  const double izf = p2(dx * dx - dy * dy) * std::abs(ky - kx) /
                     std::max(eps, std::abs(2 * (dx * dx - dy * dy) + (dx * dx + dy * dy) * (kx - ky)));
  out[0] = 1;
  for (int i = 0; i < 5; ++i) out[1 + i] = fluidcoef[i];
  out[6] = volume * kx / std::max(eps, 2 - kx);
  out[7] = volume * ky / std::max(eps, 2 - ky);
  out[8] = volume * kz / std::max(eps, 2 - kz);
  out[9] = volume * ixf / 5;
  out[10] = volume * iyf / 5;
  out[11] = volume * izf / 5;
}

}  // namespace sinew
