// Model compiler, shared pieces: orientation alternatives (quat, axisangle, xyaxes, zaxis,
// euler with the compiler's angle unit and sequence), <frame> composition, geom/site size checks
// and fromto, as MuJoCo 3.4.0's user_objects.cc (ResolveOrientation, mjCFrame, mjCGeom::Compile).
#pragma once
#include <cmath>
#include <string>

#include "sinew/compiler/geom_inertia.hpp"
#include "sinew/io/error.hpp"
#include "sinew/io/mjcf_spec.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

namespace detail {

[[noreturn]] inline void compile_fail(const SourceLocation& w, const std::string& what) { throw ModelError(w, what); }

/// Resolves an orientation into quat (ResolveOrientation in user_objects.cc). Returns an error
/// message or nullptr.
inline const char* resolve_orientation(double quat[4], const OrientSpec& o, bool degree, const std::string& seq) {
  using namespace cmath;
  for (int i = 0; i < 4; ++i) quat[i] = o.quat[i];
  switch (o.kind) {
    case OrientSpec::QUAT: normvec(quat, 4); return nullptr;
    case OrientSpec::AXISANGLE: {
      double a[4] = {o.v[0], o.v[1], o.v[2], o.v[3]};
      if (degree) a[3] = a[3] / 180.0 * kPi;
      if (normvec(a, 3) < kEps) return "axisangle too small";
      double h = a[3] / 2;
      quat[0] = std::cos(h);
      quat[1] = std::sin(h) * a[0];
      quat[2] = std::sin(h) * a[1];
      quat[3] = std::sin(h) * a[2];
      return nullptr;
    }
    case OrientSpec::XYAXES: {
      double x[6];
      for (int i = 0; i < 6; ++i) x[i] = o.v[i];
      if (normvec(x, 3) < kEps) return "xaxis too small";
      double d = x[0] * x[3] + x[1] * x[4] + x[2] * x[5];
      x[3] -= x[0] * d;
      x[4] -= x[1] * d;
      x[5] -= x[2] * d;
      if (normvec(x + 3, 3) < kEps) return "yaxis too small";
      double z[3];
      cross(z, x, x + 3);
      if (normvec(z, 3) < kEps) return "cross(xaxis, yaxis) too small";
      frame2quat(quat, x, x + 3, z);
      return nullptr;
    }
    case OrientSpec::ZAXIS: {
      double z[3] = {o.v[0], o.v[1], o.v[2]};
      if (normvec(z, 3) < kEps) return "zaxis too small";
      z2quat(quat, z);
      return nullptr;
    }
    case OrientSpec::EULER: {
      double e[3] = {o.v[0], o.v[1], o.v[2]};
      if (degree)
        for (double& x : e) x = x / 180.0 * kPi;
      quat[0] = 1;
      quat[1] = quat[2] = quat[3] = 0;
      for (int i = 0; i < 3; ++i) {
        double r[4] = {std::cos(e[i] / 2), 0, 0, 0}, sa = std::sin(e[i] / 2);
        char c = seq[size_t(i)];
        if (c == 'x' || c == 'X') r[1] = sa;
        else if (c == 'y' || c == 'Y') r[2] = sa;
        else if (c == 'z' || c == 'Z') r[3] = sa;
        else return "euler sequence can only contain x, y, z, X, Y, Z";
        if (c == 'x' || c == 'y' || c == 'z') mulquat(quat, quat, r);  // intrinsic: post-multiply
        else mulquat(quat, r, quat);                                   // extrinsic: pre-multiply
      }
      normvec(quat, 4);
      return nullptr;
    }
  }
  return nullptr;
}

inline void compile_frame(ModelSpec& s, int f) {
  FrameSpec& fr = s.frames[size_t(f)];
  if (fr.compiled) return;
  for (int i = 0; i < 3; ++i) fr.cpos[i] = fr.pos[i];
  if (const char* e = resolve_orientation(fr.cquat, fr.orient, s.compiler.degree, s.compiler.eulerseq))
    compile_fail(fr.where, std::string("orientation error in frame: ") + e);
  if (fr.parent >= 0) {
    compile_frame(s, fr.parent);
    const FrameSpec& p = s.frames[size_t(fr.parent)];
    cmath::frame_accum_child(p.cpos, p.cquat, fr.cpos, fr.cquat);
  }
  cmath::normvec(fr.cquat, 4);
  fr.compiled = true;
}

/// mjCModel's frame tests (user_model.cc IsSamePose / IsNullPose): element-wise within 1e-6, the
/// quaternions up to sign.
inline bool same_pose(const double* pos1, const double* pos2, const double* q1, const double* q2) {
  constexpr double eps = 1e-6;
  if (pos1 && pos2)
    for (int i = 0; i < 3; ++i)
      if (!(std::abs(pos1[i] - pos2[i]) < eps)) return false;
  if (!q1 || !q2) return true;
  bool minus = true, plus = true;
  for (int i = 0; i < 4; ++i) {
    minus = minus && std::abs(q1[i] - q2[i]) < eps;
    plus = plus && std::abs(q1[i] + q2[i]) < eps;
  }
  return minus || plus;
}

/// mjtSameFrame of a frame at (pos, quat) on a body whose inertial frame is (ipos, iquat); a
/// body's own inertial frame passes ipos = iquat = nullptr (BODY and BODYROT only).
inline int sameframe(const double* pos, const double* quat, const double* ipos, const double* iquat) {
  static const double zero[3] = {0, 0, 0}, unit[4] = {1, 0, 0, 0};
  if (same_pose(pos, zero, quat, unit)) return SAMEFRAME_BODY;
  if (same_pose(nullptr, nullptr, quat, unit)) return SAMEFRAME_BODYROT;
  if (ipos && same_pose(pos, ipos, quat, iquat)) return SAMEFRAME_INERTIA;
  if (iquat && same_pose(nullptr, nullptr, quat, iquat)) return SAMEFRAME_INERTIAROT;
  return SAMEFRAME_NONE;
}

/// Number of size parameters each geom type needs (mjGEOMINFO).
inline int geom_nsize(int type) {
  switch (type) {
    case GEOM_PLANE: return 3;
    case GEOM_HFIELD: return 0;
    case GEOM_SPHERE: return 1;
    case GEOM_CAPSULE:
    case GEOM_CYLINDER: return 2;
    case GEOM_ELLIPSOID:
    case GEOM_BOX: return 3;
    default: return 0;
  }
}

inline void check_size(const double* size, int type, const SourceLocation& w, const char* what) {
  if (type == GEOM_PLANE) {
    if (size[2] <= 0) compile_fail(w, "plane size(3) must be positive");
    return;
  }
  for (int i = 0; i < geom_nsize(type); ++i)
    if (size[i] <= 0) compile_fail(w, "size " + std::to_string(i) + " must be positive in " + what);
}

// fromto -> pos, quat, size (shared by geoms and sites)
inline void apply_fromto(const double* ft, int type, double* pos, double* quat, double* size, const SourceLocation& w,
                         const char* what) {
  if (type != GEOM_CAPSULE && type != GEOM_CYLINDER && type != GEOM_ELLIPSOID && type != GEOM_BOX)
    compile_fail(w, std::string("fromto requires capsule, cylinder, box or ellipsoid in ") + what);
  if (pos[0] || pos[1] || pos[2]) compile_fail(w, std::string("both pos and fromto defined in ") + what);
  double v[3] = {ft[0] - ft[3], ft[1] - ft[4], ft[2] - ft[5]};
  size[1] = cmath::normvec(v, 3) / 2;
  if (size[1] < cmath::kEps) compile_fail(w, std::string("fromto points too close in ") + what);
  if (type == GEOM_ELLIPSOID || type == GEOM_BOX) {
    size[2] = size[1];
    size[1] = size[0];
  }
  pos[0] = (ft[0] + ft[3]) / 2;
  pos[1] = (ft[1] + ft[4]) / 2;
  pos[2] = (ft[2] + ft[5]) / 2;
  cmath::z2quat(quat, v);
}

}  // namespace detail

}  // namespace sinew
