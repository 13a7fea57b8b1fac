// Tendon wrapping around spheres and cylinders (MuJoCo's mju_wrap, engine_util_misc.c).
//
//   T pnt[6];   // two tangent points, world frame
//   T len = sinew::wrap<T>(pnt, x0, x1, geom_pos, geom_mat, radius, WRAP_SPHERE, side_or_null);
//   // len < 0: the straight segment x0-x1 misses the geom (no wrap); else the arc/helix length
//
// The problem is solved in the geom frame, in 2-D: for a sphere in the plane through its centre
// and both end points, for a cylinder in its cross-section (the height is interpolated afterwards
// along the path). Two candidate tangent pairs exist; without a sidesite the shorter wins, with
// one the pair whose chord points towards the sidesite. A sidesite inside the geom selects the
// "inside" wrap: a single point on the circle where the path is stationary (Newton on
// asin(A z) + asin(B z) - 2 asin(z) + G = 0), arc length 0.
//
// Numerics follow MuJoCo's order of operations. Where MuJoCo can produce NaN or inf (acos of a
// rounded dot product slightly above 1, a Newton step past z = -1, the cylinder's height
// interpolation with zero path length), the guard below returns the limit value instead; in every
// case where MuJoCo's result is finite the result is the same. Device code: no allocation, no
// exceptions.
#pragma once
#include <cmath>

#include "sinew/config.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/enums.hpp"

namespace sinew {
namespace wrap_detail {

/// In-place normalization of an n-vector (mju_normalize): a vector shorter than min_val becomes
/// (1, 0, ...). Returns the length before normalization.
template <class T> SINEW_INLINE T normalize_n(T* v, int n) {
  T s = T(0);
  for (int i = 0; i < n; ++i) s += v[i] * v[i];
  const T len = std::sqrt(s);
  if (len < min_val<T>()) {
    v[0] = T(1);
    for (int i = 1; i < n; ++i) v[i] = T(0);
  } else {
    const T inv = T(1) / len;
    for (int i = 0; i < n; ++i) v[i] *= inv;
  }
  return len;
}

/// Machine epsilon of float or double (numeric_limits is not usable in nvcc device code without
/// --expt-relaxed-constexpr).
template <class T> SINEW_INLINE constexpr T epsilon() {
  return sizeof(T) == 4 ? T(1.1920928955078125e-7) : T(2.220446049250313e-16);
}

template <class T> SINEW_INLINE T max_of(T a, T b) { return a > b ? a : b; }  // mjMAX

template <class T> SINEW_INLINE T clamp_unit(T x) { return x < T(-1) ? T(-1) : (x > T(1) ? T(1) : x); }

/// Whether the 2-D segments p1-p2 and p3-p4 intersect (parallel segments never do).
template <class T> SINEW_INLINE bool segments_intersect(const T* p1, const T* p2, const T* p3, const T* p4) {
  const T det = (p4[1] - p3[1]) * (p2[0] - p1[0]) - (p4[0] - p3[0]) * (p2[1] - p1[1]);
  if (std::fabs(det) < min_val<T>()) return false;
  const T a = ((p4[0] - p3[0]) * (p1[1] - p3[1]) - (p4[1] - p3[1]) * (p1[0] - p3[0])) / det;
  const T b = ((p2[0] - p1[0]) * (p1[1] - p3[1]) - (p2[1] - p1[1]) * (p1[0] - p3[0])) / det;
  return a >= T(0) && a <= T(1) && b >= T(0) && b <= T(1);
}

/// Arc length on the circle from p0 to p1 (2-D points on the circle); `ind` selects the
/// direction of travel (the candidate index of wrap_circle).
template <class T> SINEW_INLINE T arc_length(const T* p0, const T* p1, int ind, T radius) {
  T a[2] = {p0[0], p0[1]}, b[2] = {p1[0], p1[1]};
  normalize_n(a, 2);
  normalize_n(b, 2);
  // the rounded dot product of two unit vectors can exceed 1: acos would return NaN
  T angle = std::acos(clamp_unit(a[0] * b[0] + a[1] * b[1]));
  const T cr = p0[1] * p1[0] - p0[0] * p1[1];
  if ((cr > T(0) && ind) || (cr < T(0) && !ind)) angle = T(2) * T(3.14159265358979323846) - angle;
  return radius * angle;
}

/// 2-D wrap of the segment end[0..1] - end[2..3] around the circle of `radius` at the origin.
/// `side` (2-D, scaled to the radius) or null. Writes the tangent points to pnt[4]; returns the
/// arc length, or -1 when the segment does not wrap.
template <class T> SINEW_INLINE T wrap_circle(T* pnt, const T* end, const T* side, T radius) {
  const T sqlen0 = end[0] * end[0] + end[1] * end[1];
  const T sqlen1 = end[2] * end[2] + end[3] * end[3];
  const T sqrad = radius * radius;
  if (sqlen0 < sqrad || sqlen1 < sqrad || radius < min_val<T>()) return T(-1);

  const T dif[2] = {end[2] - end[0], end[3] - end[1]};
  const T dd = dif[0] * dif[0] + dif[1] * dif[1];
  if (dd < min_val<T>()) return T(-1);

  // closest point of the segment to the centre
  T a = -(dif[0] * end[0] + dif[1] * end[1]) / dd;
  if (a < T(0)) a = T(0);
  else if (a > T(1)) a = T(1);
  T tmp[2] = {a * dif[0] + end[0], a * dif[1] + end[1]};
  // segment clear of the circle, and (without a sidesite, or) on the sidesite's side: no wrap
  if (tmp[0] * tmp[0] + tmp[1] * tmp[1] > sqrad && (!side || side[0] * tmp[0] + side[1] * tmp[1] >= T(0))) return T(-1);

  const T sqrt0 = std::sqrt(sqlen0 - sqrad);
  const T sqrt1 = std::sqrt(sqlen1 - sqrad);

  // the two tangent pairs and how good each is
  T sol[2][2][2], good[2];
  for (int i = 0; i < 2; ++i) {
    const T sgn = i == 0 ? T(1) : T(-1);
    sol[i][0][0] = (end[0] * sqrad + sgn * radius * end[1] * sqrt0) / sqlen0;
    sol[i][0][1] = (end[1] * sqrad - sgn * radius * end[0] * sqrt0) / sqlen0;
    sol[i][1][0] = (end[2] * sqrad - sgn * radius * end[3] * sqrt1) / sqlen1;
    sol[i][1][1] = (end[3] * sqrad + sgn * radius * end[2] * sqrt1) / sqlen1;
    if (side) {
      // chord direction closest to the sidesite
      tmp[0] = sol[i][0][0] + sol[i][1][0];
      tmp[1] = sol[i][0][1] + sol[i][1][1];
      normalize_n(tmp, 2);
      good[i] = tmp[0] * side[0] + tmp[1] * side[1];
    } else {
      // shorter chord
      tmp[0] = sol[i][0][0] - sol[i][1][0];
      tmp[1] = sol[i][0][1] - sol[i][1][1];
      good[i] = -(tmp[0] * tmp[0] + tmp[1] * tmp[1]);
    }
    // tangent lines that cross each other are not a valid path
    if (segments_intersect(end, sol[i][0], end + 2, sol[i][1])) good[i] = T(-10000);
  }

  const int i = good[0] > good[1] ? 0 : 1;
  pnt[0] = sol[i][0][0];
  pnt[1] = sol[i][0][1];
  pnt[2] = sol[i][1][0];
  pnt[3] = sol[i][1][1];
  if (segments_intersect(end, pnt, end + 2, pnt + 2)) return T(-1);
  return arc_length(sol[i][0], sol[i][1], i, radius);
}

/// 2-D inside wrap (sidesite inside the geom): one point on the circle where the path
/// end0 - pnt - end1 is stationary. Writes pnt[0..1] = pnt[2..3]; returns 0, or -1 for no wrap.
template <class T> SINEW_INLINE T wrap_inside(T* pnt, const T* end, T radius) {
  const int maxiter = 20;
  const T zinit = T(1) - T(1e-7);
  const T tolerance = T(1e-6);

  const T len0 = std::sqrt(end[0] * end[0] + end[1] * end[1]);
  const T len1 = std::sqrt(end[2] * end[2] + end[3] * end[3]);
  const T dif[2] = {end[2] - end[0], end[3] - end[1]};
  const T dd = dif[0] * dif[0] + dif[1] * dif[1];

  if (len0 <= radius || len1 <= radius || radius < min_val<T>() || len0 < min_val<T>() || len1 < min_val<T>())
    return T(-1);

  // the straight segment cuts the circle: no wrap
  if (dd > min_val<T>()) {
    const T a = -(dif[0] * end[0] + dif[1] * end[1]) / dd;
    if (a > T(0) && a < T(1)) {
      const T t0 = end[0] + a * dif[0], t1 = end[1] + a * dif[1];
      if (std::sqrt(t0 * t0 + t1 * t1) <= radius) return T(-1);
    }
  }

  // fallback for numerical failure: the direction of the mean of the end points
  pnt[0] = T(0.5) * (end[0] + end[2]);
  pnt[1] = T(0.5) * (end[1] + end[3]);
  normalize_n(pnt, 2);
  pnt[0] *= radius;
  pnt[1] *= radius;
  pnt[2] = pnt[0];
  pnt[3] = pnt[1];

  // f(z) = asin(A z) + asin(B z) - 2 asin(z) + G
  const T A = radius / len0;
  const T B = radius / len1;
  const T cosG = (len0 * len0 + len1 * len1 - dd) / (T(2) * len0 * len1);
  if (cosG < T(-1) + min_val<T>()) return T(-1);
  if (cosG > T(1) - min_val<T>()) return T(0);
  const T G = std::acos(cosG);

  T z = zinit;
  T f = std::asin(A * z) + std::asin(B * z) - T(2) * std::asin(z) + G;
  if (f > T(0)) return T(0);  // the initial point is already past the root

  // MuJoCo's tolerance on f is 1e-6. Near z = 1 the rounding of z alone moves f by about
  // eps |df| (|df| ~ 100 there), which in float is ~1e-5: the iteration would stall above the
  // tolerance and fall back. So the tolerance is raised to f's noise level, 4 eps (|df| + 4); in
  // double that stays below 1e-6 for |df| < 1e9, i.e. MuJoCo's criterion exactly.
  T ftol = tolerance;
  int iter = 0;
  for (; iter < maxiter && std::fabs(f) > ftol; ++iter) {
    const T df = A / max_of(min_val<T>(), std::sqrt(T(1) - z * z * A * A)) +
                 B / max_of(min_val<T>(), std::sqrt(T(1) - z * z * B * B)) -
                 T(2) / max_of(min_val<T>(), std::sqrt(T(1) - z * z));
    if (df > -min_val<T>()) return T(0);
    ftol = max_of(tolerance, T(4) * epsilon<T>() * (T(4) - df));
    const T z1 = z - f / df;
    if (z1 > z) return T(0);
    // f(-1) > 0 always (A, B < 1), so the root lies in (-1, z); a step past -1 would make asin
    // NaN (MuJoCo does not check): keep the fallback point instead
    if (!(z1 >= T(-1))) return T(0);
    z = z1;
    f = std::asin(A * z) + std::asin(B * z) - T(2) * std::asin(z) + G;
    if (f > ftol) return T(0);
  }
  if (iter >= maxiter) return T(0);

  // rotate the end point with the positive cross product by the stationary angle
  T vec[2];
  T ang;
  if (end[0] * end[3] - end[1] * end[2] > T(0)) {
    vec[0] = end[0];
    vec[1] = end[1];
    ang = std::asin(z) - std::asin(A * z);
  } else {
    vec[0] = end[2];
    vec[1] = end[3];
    ang = std::asin(z) - std::asin(B * z);
  }
  normalize_n(vec, 2);
  const T c = std::cos(ang), s = std::sin(ang);
  pnt[0] = radius * (c * vec[0] - s * vec[1]);
  pnt[1] = radius * (s * vec[0] + c * vec[1]);
  pnt[2] = pnt[0];
  pnt[3] = pnt[1];
  return T(0);
}

}  // namespace wrap_detail

/// Wraps the segment x0-x1 around a sphere or cylinder (`type` WRAP_SPHERE or WRAP_CYLINDER) of
/// `radius` at xpos with orientation xmat (row-major 3x3, geom_xmat). `side`: the sidesite's
/// world position, or null. On a wrap, writes the two tangent points (world frame) to wpnt[0..5]
/// and returns the length of the path on the geom (>= 0); returns -1 for no wrap.
template <class T>
SINEW_INLINE T wrap(T* wpnt, vec3<T> x0, vec3<T> x1, vec3<T> xpos, const mat3<T>& xmat, T radius, int type,
                    const vec3<T>* side) {
  using wrap_detail::normalize_n;
  // end points in the geom frame
  const vec3<T> p0 = mul_transpose(xmat, x0 - xpos);
  const vec3<T> p1 = mul_transpose(xmat, x1 - xpos);
  if (norm(p0) < min_val<T>() || norm(p1) < min_val<T>()) return T(-1);

  // 2-D frame of the circle problem
  vec3<T> ax0, ax1;
  if (type == WRAP_SPHERE) {
    ax0 = p0;
    normalize_n(&ax0.x, 3);
    vec3<T> normal = cross(p0, p1);
    const T nrm = normalize_n(&normal.x, 3);
    if (nrm < min_val<T>()) {
      // p0, p1 parallel: any plane through them; pick one away from ax0's largest component
      int i = 0;
      if (std::fabs(ax0.y) > std::fabs(ax0.x) && std::fabs(ax0.y) > std::fabs(ax0.z)) i = 1;
      if (std::fabs(ax0.z) > std::fabs(ax0.x) && std::fabs(ax0.z) > std::fabs(ax0.y)) i = 2;
      vec3<T> a1{T(1), T(1), T(1)};
      a1[i] = T(0);
      normal = cross(ax0, a1);
      normalize_n(&normal.x, 3);
    }
    ax1 = cross(normal, ax0);
    normalize_n(&ax1.x, 3);
  } else {
    ax0 = {T(1), T(0), T(0)};
    ax1 = {T(0), T(1), T(0)};
  }

  const T d[4] = {dot(p0, ax0), dot(p0, ax1), dot(p1, ax0), dot(p1, ax1)};

  T sd[2] = {T(0), T(0)};
  bool inside = false;
  if (side) {
    const vec3<T> s = mul_transpose(xmat, *side - xpos);
    sd[0] = dot(s, ax0);
    sd[1] = dot(s, ax1);
    normalize_n(sd, 2);
    sd[0] *= radius;
    sd[1] *= radius;
    inside = norm(s) < radius;
  }

  T pnt[4];
  T wlen =
      inside ? wrap_detail::wrap_inside(pnt, d, radius) : wrap_detail::wrap_circle(pnt, d, side ? sd : nullptr, radius);
  if (wlen < T(0)) return T(-1);

  // back to 3-D, geom frame
  vec3<T> res[2];
  for (int i = 0; i < 2; ++i) res[i] = pnt[2 * i] * ax0 + pnt[2 * i + 1] * ax1;

  if (type == WRAP_CYLINDER) {
    // heights of the tangent points: linear in the path length from x0 to x1
    const T e00 = p0.x - res[0].x, e01 = p0.y - res[0].y, e10 = p1.x - res[1].x, e11 = p1.y - res[1].y;
    const T L0 = std::sqrt(e00 * e00 + e01 * e01);
    const T L1 = std::sqrt(e10 * e10 + e11 * e11);
    // a zero path (both end points on the circle at the tangent point) has no slope: MuJoCo
    // divides 0 by 0 there; the floor keeps both heights at p0's
    const T total = wrap_detail::max_of(min_val<T>(), L0 + wlen + L1);
    res[0].z = p0.z + (p1.z - p0.z) * L0 / total;
    res[1].z = p0.z + (p1.z - p0.z) * (L0 + wlen) / total;
    const T height = std::fabs(res[1].z - res[0].z);
    wlen = std::sqrt(wlen * wlen + height * height);
  }

  const vec3<T> w0 = xmat * res[0] + xpos, w1 = xmat * res[1] + xpos;
  wpnt[0] = w0.x;
  wpnt[1] = w0.y;
  wpnt[2] = w0.z;
  wpnt[3] = w1.x;
  wpnt[4] = w1.y;
  wpnt[5] = w1.z;
  return wlen;
}

}  // namespace sinew
