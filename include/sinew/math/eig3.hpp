// Eigen-decomposition of a symmetric 3x3 matrix by quaternion Jacobi rotations, reproducing the
// MuJoCo compiler's routine (mjuu_eig3 in user_util.cc) operation by operation, so principal
// inertias come out in the same order (decreasing) and the principal frame with the same
// quaternion (same axis order and sign) as mjModel's body_iquat / mesh_quat.
//
//   double eigval[3], eigvec[9], q[4];
//   sinew::eig3(eigval, eigvec, q, full);   // full: row-major symmetric 3x3
//   // column i of eigvec (row-major) is the axis of eigval[i]; eigvec = mat(q)
//
// Also the handful of MuJoCo compiler helpers (mjuu_*) that the mesh and body compilers need in
// the same floating-point order: quat -> matrix, normalize with MuJoCo's tolerances, quaternion
// product, frame accumulation. Plain double, usable on host and device.
#pragma once
#include <cmath>

#include "sinew/config.hpp"

namespace sinew {

/// MuJoCo's mjEPS (1e-14): the compiler's normalization tolerance.
inline constexpr double mj_eps = 1e-14;

namespace uu {

/// Normalizes vec[0..n) in place unless its norm is below mjEPS (then untouched, returns 0) or
/// already within mjEPS of 1 (mjuu_normvec). Returns the original norm.
SINEW_INLINE double normvec(double* vec, int n) {
  double nrm = 0;
  for (int i = 0; i < n; ++i) nrm += vec[i] * vec[i];
  if (nrm < mj_eps) return 0;
  nrm = std::sqrt(nrm);
  if (std::abs(nrm - 1) > mj_eps) {
    for (int i = 0; i < n; ++i) vec[i] /= nrm;
  }
  return nrm;
}

/// Rotation matrix (row-major) of a unit quaternion (w, x, y, z) (mjuu_quat2mat).
SINEW_INLINE void quat2mat(double* res, const double* q) {
  if (q[0] == 1 && q[1] == 0 && q[2] == 0 && q[3] == 0) {
    for (int i = 0; i < 9; ++i) res[i] = (i % 4 == 0) ? 1.0 : 0.0;
    return;
  }
  double q00 = q[0] * q[0], q01 = q[0] * q[1], q02 = q[0] * q[2], q03 = q[0] * q[3];
  double q11 = q[1] * q[1], q12 = q[1] * q[2], q13 = q[1] * q[3];
  double q22 = q[2] * q[2], q23 = q[2] * q[3], q33 = q[3] * q[3];
  res[0] = q00 + q11 - q22 - q33;
  res[4] = q00 - q11 + q22 - q33;
  res[8] = q00 - q11 - q22 + q33;
  res[1] = 2 * (q12 - q03);
  res[2] = 2 * (q13 + q02);
  res[3] = 2 * (q12 + q03);
  res[5] = 2 * (q23 - q01);
  res[6] = 2 * (q13 - q02);
  res[7] = 2 * (q23 + q01);
}

/// res = mat * vec (mjuu_mulvecmat); res may alias vec.
SINEW_INLINE void mulvecmat(double* res, const double* vec, const double* mat) {
  double t0 = mat[0] * vec[0] + mat[1] * vec[1] + mat[2] * vec[2];
  double t1 = mat[3] * vec[0] + mat[4] * vec[1] + mat[5] * vec[2];
  double t2 = mat[6] * vec[0] + mat[7] * vec[1] + mat[8] * vec[2];
  res[0] = t0;
  res[1] = t1;
  res[2] = t2;
}

/// res = mat' * vec (mjuu_mulvecmatT); res may alias vec.
SINEW_INLINE void mulvecmatT(double* res, const double* vec, const double* mat) {
  double t0 = mat[0] * vec[0] + mat[3] * vec[1] + mat[6] * vec[2];
  double t1 = mat[1] * vec[0] + mat[4] * vec[1] + mat[7] * vec[2];
  double t2 = mat[2] * vec[0] + mat[5] * vec[1] + mat[8] * vec[2];
  res[0] = t0;
  res[1] = t1;
  res[2] = t2;
}

/// res = A * B, 3x3 row-major (mjuu_mulmat); res may alias.
SINEW_INLINE void mulmat(double* res, const double* A, const double* B) {
  double t[9];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) t[3 * r + c] = A[3 * r] * B[c] + A[3 * r + 1] * B[3 + c] + A[3 * r + 2] * B[6 + c];
  for (int i = 0; i < 9; ++i) res[i] = t[i];
}

/// res = qa * qb, then normalized with normvec (mjuu_mulquat); res may alias.
SINEW_INLINE void mulquat(double* res, const double* qa, const double* qb) {
  double t[4] = {qa[0] * qb[0] - qa[1] * qb[1] - qa[2] * qb[2] - qa[3] * qb[3],
                 qa[0] * qb[1] + qa[1] * qb[0] + qa[2] * qb[3] - qa[3] * qb[2],
                 qa[0] * qb[2] - qa[1] * qb[3] + qa[2] * qb[0] + qa[3] * qb[1],
                 qa[0] * qb[3] + qa[1] * qb[2] - qa[2] * qb[1] + qa[3] * qb[0]};
  normvec(t, 4);
  for (int i = 0; i < 4; ++i) res[i] = t[i];
}

/// pos += mat(quat) * childpos; quat = quat * childquat (mjuu_frameaccum).
SINEW_INLINE void frameaccum(double* pos, double* quat, const double* childpos, const double* childquat) {
  double mat[9], vec[3];
  quat2mat(mat, quat);
  mulvecmat(vec, childpos, mat);
  pos[0] += vec[0];
  pos[1] += vec[1];
  pos[2] += vec[2];
  mulquat(quat, quat, childquat);
}

}  // namespace uu

/// Eigenvalues (decreasing), eigenvectors (columns of the row-major `eigvec`) and the quaternion
/// of that frame for the symmetric 3x3 `mat` (mjuu_eig3). Returns the number of Jacobi sweeps.
SINEW_INLINE int eig3(double eigval[3], double eigvec[9], double quat[4], const double mat[9]) {
  constexpr double kEps = 1e-12;
  double D[9], tmp[9], tmp2[9];
  quat[0] = 1;
  quat[1] = quat[2] = quat[3] = 0;

  int iter = 0;
  for (; iter < 500; ++iter) {
    // D = V' * mat * V with V the matrix of the current quaternion
    uu::quat2mat(eigvec, quat);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) tmp2[3 * r + c] = eigvec[3 * c + r];
    uu::mulmat(tmp, tmp2, mat);
    uu::mulmat(D, tmp, eigvec);
    eigval[0] = D[0];
    eigval[1] = D[4];
    eigval[2] = D[8];

    // largest off-diagonal element (row rk, column ck), rotation about axis rotk
    int rk, ck, rotk;
    if (std::abs(D[1]) > std::abs(D[2]) && std::abs(D[1]) > std::abs(D[5])) {
      rk = 0;
      ck = 1;
      rotk = 2;
    } else if (std::abs(D[2]) > std::abs(D[5])) {
      rk = 0;
      ck = 2;
      rotk = 1;
    } else {
      rk = 1;
      ck = 2;
      rotk = 0;
    }
    if (std::abs(D[3 * rk + ck]) < kEps) break;

    // 2x2 symmetric Schur rotation, as a quaternion about axis rotk
    double tau = (D[4 * ck] - D[4 * rk]) / (2 * D[3 * rk + ck]);
    double t = tau >= 0 ? 1.0 / (tau + std::sqrt(1 + tau * tau)) : -1.0 / (-tau + std::sqrt(1 + tau * tau));
    double c = 1.0 / std::sqrt(1 + t * t);
    if (c > 1.0 - kEps) break;

    tmp[1] = tmp[2] = tmp[3] = 0;
    tmp[rotk + 1] = (tau >= 0 ? -std::sqrt(0.5 - 0.5 * c) : std::sqrt(0.5 - 0.5 * c));
    if (rotk == 1) tmp[rotk + 1] = -tmp[rotk + 1];
    tmp[0] = std::sqrt(1.0 - tmp[rotk + 1] * tmp[rotk + 1]);
    uu::normvec(tmp, 4);
    uu::mulquat(quat, quat, tmp);
    uu::normvec(quat, 4);
  }

  // decreasing order: bubble passes on pairs (0,1), (1,2), (0,1); a swap is a 90-degree turn
  for (int j = 0; j < 3; ++j) {
    int j1 = j % 2;
    if (eigval[j1] + kEps < eigval[j1 + 1]) {
      double t = eigval[j1];
      eigval[j1] = eigval[j1 + 1];
      eigval[j1 + 1] = t;
      tmp[0] = 0.707106781186548;  // cos(pi/4), the literal MuJoCo uses
      tmp[1] = tmp[2] = tmp[3] = 0;
      tmp[(j1 + 2) % 3 + 1] = tmp[0];
      uu::mulquat(quat, quat, tmp);
      uu::normvec(quat, 4);
    }
  }

  uu::quat2mat(eigvec, quat);
  return iter;
}

}  // namespace sinew
