// Unit tests of the wrap geometry (sinew::wrap, MuJoCo's mju_wrap) on cases computed by hand:
// straight segments that miss the geom, a symmetric sphere wrap with a known arc, a cylinder
// helix, the sidesite choosing the side, the inside wrap, and degenerate inputs.
#include <doctest/doctest.h>

#include <cmath>

#include "sinew/tendon/wrap.hpp"

using namespace sinew;

namespace {
constexpr double kPi = 3.14159265358979323846;

template <class T> bool finite6(const T* p) {
  for (int i = 0; i < 6; ++i)
    if (!std::isfinite(double(p[i]))) return false;
  return true;
}

/// Length of the path x0 - t0 - (arc) - t1 - x1.
template <class T> double path_length(vec3<T> x0, vec3<T> x1, const T* w, T wlen) {
  const vec3<T> t0{w[0], w[1], w[2]}, t1{w[3], w[4], w[5]};
  return double(norm(t0 - x0)) + double(wlen) + double(norm(x1 - t1));
}
}  // namespace

TEST_CASE_TEMPLATE("wrap: a segment clear of the geom does not wrap", T, float, double) {
  const mat3<T> I = mat3<T>::identity();
  T w[6];
  // passes 1 m away from a sphere of radius 0.1
  CHECK(wrap<T>(w, {T(-1), T(1), T(0)}, {T(1), T(1), T(0)}, vec3<T>::zero(), I, T(0.1), WRAP_SPHERE, nullptr) == T(-1));
  // same for a cylinder (only the cross-section matters)
  CHECK(wrap<T>(w, {T(-1), T(1), T(-3)}, {T(1), T(1), T(3)}, vec3<T>::zero(), I, T(0.1), WRAP_CYLINDER, nullptr) ==
        T(-1));
  // an end point inside the sphere: no wrap
  CHECK(wrap<T>(w, {T(0.05), T(0), T(0)}, {T(1), T(0), T(0)}, vec3<T>::zero(), I, T(0.1), WRAP_SPHERE, nullptr) ==
        T(-1));
}

TEST_CASE_TEMPLATE("wrap: symmetric sphere wrap has the textbook arc", T, float, double) {
  // x0 = (-d, h), x1 = (d, h) in the xy plane of a unit sphere, h small: the segment cuts the
  // sphere. Checked through the defining properties (tangent points on the sphere, tangent
  // segments perpendicular to the radius, arc = angle between them) and the closed form below.
  const T d = T(2), h = T(0.25), r = T(1);
  const vec3<T> x0{-d, h, T(0)}, x1{d, h, T(0)};
  T w[6];
  const T len = wrap<T>(w, x0, x1, vec3<T>::zero(), mat3<T>::identity(), r, WRAP_SPHERE, nullptr);
  REQUIRE(len > T(0));
  const vec3<T> t0{w[0], w[1], w[2]}, t1{w[3], w[4], w[5]};
  const double tol = sizeof(T) == 4 ? 2e-6 : 1e-12;
  CHECK(std::fabs(double(norm(t0)) - 1) < tol);
  CHECK(std::fabs(double(norm(t1)) - 1) < tol);
  CHECK(std::fabs(double(dot(t0, x0 - t0))) < tol);  // tangent: radius perpendicular to the line
  CHECK(std::fabs(double(dot(t1, x1 - t1))) < tol);
  // the shorter way round goes over +y (the segment's side)
  CHECK(t0.y > T(0));
  CHECK(t1.y > T(0));
  const double ang = std::acos(double(dot(t0, t1)));
  CHECK(std::fabs(double(len) - ang) < 10 * tol);
  // closed form: an end point at distance s sees its tangent point acos(1/s) from its own
  // direction; the directions are at pi - atan(h/d) and atan(h/d): arc = pi - 2 atan(h/d) - 2 acos(1/s)
  const double s = std::sqrt(double(d) * double(d) + double(h) * double(h));
  const double arc = (kPi - 2 * std::atan(double(h) / double(d))) - 2 * std::acos(1 / s);
  CHECK(std::fabs(double(len) - arc) < 10 * tol);
  // total path = 2 sqrt(s^2 - 1) + arc
  CHECK(std::fabs(path_length(x0, x1, w, len) - (2 * std::sqrt(s * s - 1) + arc)) < 10 * tol);
}

TEST_CASE_TEMPLATE("wrap: cylinder helix", T, float, double) {
  // end points at heights -H and +H on opposite sides of a unit cylinder: by symmetry the
  // tangent heights split the rise in proportion to the unrolled path, and the wrap length is
  // the helix sqrt(arc^2 + dz^2)
  const T d = T(3), H = T(0.5), r = T(1);
  const vec3<T> x0{-d, T(0.1), -H}, x1{d, T(0.1), H};
  T w[6];
  const T len = wrap<T>(w, x0, x1, vec3<T>::zero(), mat3<T>::identity(), r, WRAP_CYLINDER, nullptr);
  REQUIRE(len > T(0));
  const double tol = sizeof(T) == 4 ? 5e-6 : 1e-12;
  const double s = std::sqrt(9.0 + 0.01), L = std::sqrt(s * s - 1);
  const double arc = (kPi - 2 * std::atan(0.1 / 3.0)) - 2 * std::acos(1 / s);
  const double z0 = -0.5 + 1.0 * L / (2 * L + arc), z1 = -0.5 + 1.0 * (L + arc) / (2 * L + arc);
  CHECK(std::fabs(double(w[2]) - z0) < tol);
  CHECK(std::fabs(double(w[5]) - z1) < tol);
  CHECK(std::fabs(double(len) - std::sqrt(arc * arc + (z1 - z0) * (z1 - z0))) < tol);
  // tangent points on the cylinder surface
  CHECK(std::fabs(std::hypot(double(w[0]), double(w[1])) - 1) < tol);
  CHECK(std::fabs(std::hypot(double(w[3]), double(w[4])) - 1) < tol);
}

TEST_CASE_TEMPLATE("wrap: the sidesite chooses the side and can force a wrap", T, float, double) {
  const mat3<T> I = mat3<T>::identity();
  const vec3<T> x0{T(-2), T(0.2), T(0)}, x1{T(2), T(0.2), T(0)};
  T w[6];
  // without a sidesite the path goes over +y (shorter)
  REQUIRE(wrap<T>(w, x0, x1, vec3<T>::zero(), I, T(1), WRAP_CYLINDER, nullptr) > T(0));
  CHECK(w[1] > T(0));
  // a sidesite at -y sends it the long way, under the cylinder
  const vec3<T> below{T(0), T(-2), T(0)};
  const T len = wrap<T>(w, x0, x1, vec3<T>::zero(), I, T(1), WRAP_CYLINDER, &below);
  REQUIRE(len > T(0));
  CHECK(w[1] < T(0));
  CHECK(w[4] < T(0));
  // the mirror route: arc pi - 2 acos(1/s) + 2 atan(h/d) instead of pi - 2 acos(1/s) - 2 atan(h/d)
  const double sd = std::sqrt(4.0 + 0.04), tol = sizeof(T) == 4 ? 5e-6 : 1e-12;
  CHECK(std::fabs(double(len) - (kPi - 2 * std::acos(1 / sd) + 2 * std::atan(0.1))) < tol);
  // a segment that clears the cylinder on +y wraps anyway when the sidesite is on -y
  const vec3<T> y0{T(-2), T(1.5), T(0)}, y1{T(2), T(1.5), T(0)};
  CHECK(wrap<T>(w, y0, y1, vec3<T>::zero(), I, T(1), WRAP_CYLINDER, nullptr) == T(-1));
  CHECK(wrap<T>(w, y0, y1, vec3<T>::zero(), I, T(1), WRAP_CYLINDER, &below) > T(0));
  // ... and does not when the sidesite is on its own side
  const vec3<T> above{T(0), T(3), T(0)};
  CHECK(wrap<T>(w, y0, y1, vec3<T>::zero(), I, T(1), WRAP_CYLINDER, &above) == T(-1));
}

TEST_CASE_TEMPLATE("wrap: inside wrap is stationary", T, float, double) {
  // sidesite inside the circle: one point on the circle, arc 0, at which the path
  // x0 - p - x1 is stationary along the circle (reflection law: equal angles with the normal)
  const mat3<T> I = mat3<T>::identity();
  const vec3<T> x0{T(-1.5), T(1.3), T(0)}, x1{T(2), T(1.6), T(0)};  // segment clear of the circle
  const vec3<T> inside{T(0), T(0.3), T(0)};
  T w[6];
  const T len = wrap<T>(w, x0, x1, vec3<T>::zero(), I, T(1), WRAP_CYLINDER, &inside);
  REQUIRE(len == T(0));
  const vec3<T> p{w[0], w[1], w[2]};
  CHECK(w[0] == w[3]);
  CHECK(w[1] == w[4]);
  const double tol = sizeof(T) == 4 ? 2e-5 : 1e-9;
  CHECK(std::fabs(std::hypot(double(p.x), double(p.y)) - 1) < tol);
  // d/dtheta (|x0 - p| + |x1 - p|) = 0 with dp/dtheta = (-p.y, p.x)
  const vec3<T> tdir{-p.y, p.x, T(0)};
  vec3<T> u0 = p - x0, u1 = p - x1;
  const double g = double(dot(u0, tdir)) / double(norm(u0)) + double(dot(u1, tdir)) / double(norm(u1));
  // MuJoCo's Newton stops at |f| <= 1e-6, so the stationarity residual is ~1e-7, not roundoff
  CHECK(std::fabs(g) < (sizeof(T) == 4 ? 1e-3 : 1e-6));
  // the point faces the end points (y > 0), not the far side
  CHECK(p.y > T(0));
}

TEST_CASE_TEMPLATE("wrap: degenerate inputs give finite results", T, float, double) {
  const mat3<T> I = mat3<T>::identity();
  T w[6] = {T(0), T(0), T(0), T(0), T(0), T(0)};
  // end point at the centre
  CHECK(wrap<T>(w, vec3<T>::zero(), {T(1), T(0), T(0)}, vec3<T>::zero(), I, T(0.1), WRAP_SPHERE, nullptr) == T(-1));
  // both end points on the same ray (parallel p0, p1: the sphere's fallback plane)
  T len = wrap<T>(w, {T(1), T(0), T(0)}, {T(2), T(0), T(0)}, vec3<T>::zero(), I, T(0.1), WRAP_SPHERE, nullptr);
  CHECK(len == T(-1));
  // diametrically opposite end points (p0 x p1 = 0, segment through the centre)
  len = wrap<T>(w, {T(-1), T(0), T(0)}, {T(1), T(0), T(0)}, vec3<T>::zero(), I, T(0.1), WRAP_SPHERE, nullptr);
  CHECK(len > T(0));
  CHECK(finite6(w));
  CHECK(std::isfinite(double(len)));
  // identical end points
  len = wrap<T>(w, {T(1), T(0), T(0)}, {T(1), T(0), T(0)}, vec3<T>::zero(), I, T(0.1), WRAP_CYLINDER, nullptr);
  CHECK(len == T(-1));
  // zero radius
  CHECK(wrap<T>(w, {T(-1), T(0), T(0)}, {T(1), T(0), T(0)}, vec3<T>::zero(), I, T(0), WRAP_SPHERE, nullptr) == T(-1));
  // end points on the cylinder surface, sidesite inside
  const vec3<T> c{T(0), T(0), T(0.3)};
  len = wrap<T>(w, {T(1), T(0), T(0)}, {T(1), T(0), T(1)}, vec3<T>::zero(), I, T(1), WRAP_CYLINDER, &c);
  CHECK(std::isfinite(double(len)));
  CHECK(finite6(w));
  // sidesite exactly at the centre with a wrapping segment
  len = wrap<T>(w, {T(-2), T(0.1), T(0)}, {T(2), T(0.1), T(0)}, vec3<T>::zero(), I, T(1), WRAP_SPHERE, &c);
  CHECK(std::isfinite(double(len)));
  CHECK(finite6(w));
  // nearly tangent segment: acos of a dot product rounded above 1 must not give NaN
  for (int k = 0; k < 200; ++k) {
    const T y = T(1) - T(k) * T(1e-9);
    len = wrap<T>(w, {T(-3), y, T(0)}, {T(3), y, T(0)}, vec3<T>::zero(), I, T(1), WRAP_SPHERE, nullptr);
    CHECK(std::isfinite(double(len)));
    CHECK(finite6(w));
  }
}
