// Small math types: identities that pin MuJoCo's conventions (w-first quaternions, row-major
// matrices, [angular; linear] spatial vectors).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "sinew/math/cholesky.hpp"
#include "sinew/math/math.hpp"

using namespace sinew;

TEST_CASE_TEMPLATE("quaternion rotation agrees with the rotation matrix", T, double, float) {
  const T tol = std::is_same_v<T, double> ? T(1e-14) : T(1e-6);
  quat<T> q{T(0.3), T(-0.5), T(0.7), T(0.2)};
  normalize(q);
  const vec3<T> v{T(0.4), T(-1.3), T(2.1)};
  const vec3<T> a = rotate(q, v), b = quat_to_mat(q) * v;
  for (int i = 0; i < 3; ++i) CHECK(std::fabs(a[i] - b[i]) < tol);
  // rotation preserves length; conj inverts
  CHECK(std::fabs(norm(a) - norm(v)) < 4 * tol);
  const vec3<T> back = rotate(conj(q), a);
  for (int i = 0; i < 3; ++i) CHECK(std::fabs(back[i] - v[i]) < 4 * tol);
}

TEST_CASE("axis-angle, quat_to_vel and sub_quat are consistent") {
  const vec3<double> axis{0.0, 0.6, 0.8};
  const quat<double> q = axis_angle_quat(axis, 0.7);
  const vec3<double> w = quat_to_vel(q, 1.0);
  CHECK(w.x == doctest::Approx(0.0).epsilon(1e-15));
  CHECK(w.y == doctest::Approx(0.6 * 0.7).epsilon(1e-14));
  CHECK(w.z == doctest::Approx(0.8 * 0.7).epsilon(1e-14));
  // angles beyond pi wrap to the short way round
  const vec3<double> w2 = quat_to_vel(axis_angle_quat(axis, 4.0), 1.0);
  CHECK(w2.z == doctest::Approx(0.8 * (4.0 - 2 * M_PI)).epsilon(1e-13));
  // sub_quat(qa, qb) is expressed in qb's frame: qb * exp(dif) == qa
  const quat<double> qb = axis_angle_quat(vec3<double>{1, 0, 0}, 0.4);
  const quat<double> qa = mul(qb, q);
  const vec3<double> d = sub_quat(qa, qb);
  CHECK(d.y == doctest::Approx(w.y).epsilon(1e-13));
  CHECK(d.z == doctest::Approx(w.z).epsilon(1e-13));
}

TEST_CASE("quat_integrate follows a constant body-frame angular velocity") {
  quat<double> q = axis_angle_quat(vec3<double>{0, 0, 1}, 0.3);
  const vec3<double> w{0, 0, 2.0};
  for (int i = 0; i < 10; ++i) q = quat_integrate(q, w, 0.01);
  const quat<double> ref = axis_angle_quat(vec3<double>{0, 0, 1}, 0.3 + 0.2);
  CHECK(q.w == doctest::Approx(ref.w).epsilon(1e-14));
  CHECK(q.z == doctest::Approx(ref.z).epsilon(1e-14));
}

TEST_CASE("normalize falls back like MuJoCo for tiny inputs") {
  quat<double> q{0, 0, 0, 0};
  normalize(q);
  CHECK(q.w == 1.0);
  vec3<double> v{0, 0, 0};
  CHECK(normalize(v) == 0.0);
  CHECK(v.x == 1.0);
}

TEST_CASE("com inertia times motion equals the rigid-body momentum") {
  // a point-like body of mass 2 at offset r from the reference point, rotating at w about the
  // point: linear momentum m (v + w x r) and angular momentum r x p + I w
  const vec3<double> inert{0.1, 0.2, 0.3};
  const mat3<double> R = quat_to_mat(axis_angle_quat(vec3<double>{0, 1, 0}, 0.5));
  const vec3<double> r{0.3, -0.2, 0.5};
  const double mass = 2.0;
  const inertia10<double> I = inertia_com(inert, R, r, mass);
  const vec6<double> v{{0.1, -0.4, 0.2, 1.0, 0.5, -0.3}};
  const vec6<double> h = mul_inertia(I, v);
  const vec3<double> w = v.ang(), vlin = v.lin();
  const vec3<double> vc = vlin + cross(w, r);  // velocity of the centre of mass
  const vec3<double> p = mass * vc;
  // body-frame inertia rotated into the world: R diag R^T w
  const vec3<double> Iw = R * vec3<double>{inert.x * (mul_transpose(R, w)).x, inert.y * (mul_transpose(R, w)).y,
                                           inert.z * (mul_transpose(R, w)).z};
  const vec3<double> L = cross(r, p) + Iw;
  for (int i = 0; i < 3; ++i) {
    CHECK(h[3 + i] == doctest::Approx(p[i]).epsilon(1e-14));
    CHECK(h[i] == doctest::Approx(L[i]).epsilon(1e-14));
  }
}

TEST_CASE("motion and force cross products are adjoint") {
  // (v x u) . f == -u . (v x* f)
  const vec6<double> v{{0.3, -0.1, 0.7, 1.2, -0.4, 0.5}}, u{{-0.2, 0.9, 0.1, 0.3, 0.6, -1.1}},
      f{{0.5, 0.4, -0.3, -0.8, 0.2, 0.9}};
  CHECK(dot(cross_motion(v, u), f) == doctest::Approx(-dot(u, cross_force(v, f))).epsilon(1e-14));
}

// chol_factor_sparse takes the structure of A from a mask in which a clique (the columns of one
// constraint row of J'DJ) is marked in its first column only; it must still find every entry of
// L, fill-in included: checked against the dense factorization on random matrices shaped like
// Newton's Hessian (a tree's mass matrix in reversed order plus rows over two dof chains).
TEST_CASE("chol_factor_sparse with a clique-marked structure equals the dense factor") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int trial = 0; trial < 40; ++trial) {
    const int n = 5 + int(rng() % 70);  // crosses the 32-bit word boundaries of the mask
    std::vector<int> parent(n);         // a tree in logical order: parent[k] < k
    for (int k = 0; k < n; ++k) parent[k] = k == 0 ? -1 : int(rng() % k);
    std::vector<double> A(size_t(n * n), 0.0), L;
    std::vector<int> mask(size_t(n * sinew::cholesky::chol_mask_words(n)), 0), nz(n), run(n);
    std::vector<double> v(n);
    auto rev = [&](int k) { return n - 1 - k; };
    for (int k = 0; k < n; ++k) {  // M: dof k couples with its ancestors (reversed: rows above)
      A[size_t(rev(k) * n + rev(k))] += 1.0 + double(rng() % 3);
      for (int a = parent[k]; a >= 0; a = parent[a]) {
        const double x = 0.1 * u(rng);
        A[size_t(rev(a) * n + rev(k))] += x;
        sinew::cholesky::chol_mask_set(mask.data(), n, rev(a), rev(k));
      }
    }
    for (int r = 0; r < 6; ++r) {  // rows over the chains of two random dofs: cliques
      std::vector<int> cols;
      for (int s = 0; s < 2; ++s)
        for (int a = int(rng() % n); a >= 0; a = parent[a]) cols.push_back(rev(a));
      std::sort(cols.begin(), cols.end());
      cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
      std::vector<double> j(cols.size());
      for (double& x : j) x = u(rng);
      for (size_t a = 0; a < cols.size(); ++a) {
        for (size_t b = 0; b <= a; ++b) A[size_t(cols[a] * n + cols[b])] += 0.5 * j[a] * j[b];
        sinew::cholesky::chol_mask_set(mask.data(), n, cols[a], cols[0]);
      }
    }
    L = A;
    const sinew::cholesky::PackedRows packed;
    CHECK(packed(0) == 0);
    for (int p = 0; p < n; ++p) CHECK(packed(p + 1) == packed(p) + p + 1);  // rows of p + 1, back to back
    std::vector<double> P(size_t(n * (n + 1) / 2));  // the packed lower triangle (Newton's storage)
    for (int p = 0; p < n; ++p)
      for (int q = 0; q <= p; ++q) P[size_t(packed(p) + q)] = A[size_t(p * n + q)];
    std::vector<int> mask2 = mask;
    REQUIRE(sinew::cholesky::chol_factor<double>(L.data(), n, 1e-15) == n);
    REQUIRE(sinew::cholesky::chol_factor_sparse<double>(A.data(), n, 1e-15, nz.data(), run.data(), v.data(),
                                                        mask.data()) == n);
    REQUIRE(sinew::cholesky::chol_factor_sparse<double>(P.data(), n, 1e-15, nz.data(), run.data(), v.data(),
                                                        mask2.data(), packed) == n);
    double worst = 0;
    bool same = true;  // packed and dense storage: the same operations in the same order
    for (int p = 0; p < n; ++p)
      for (int q = 0; q <= p; ++q) {
        worst = std::max(worst, std::abs(A[size_t(p * n + q)] - L[size_t(p * n + q)]));
        same = same && P[size_t(packed(p) + q)] == A[size_t(p * n + q)];
      }
    CHECK(worst < 1e-12);  // two summation orders of the same products
    CHECK(same);
  }
}

// chol_update on the packed triangle (Newton's storage) makes the same operations as on dense
// storage: rank-one updates and downdates with fill-in left of the envelopes (`first`).
TEST_CASE("chol_update on packed rows equals the dense update") {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const sinew::cholesky::PackedRows packed;
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 4 + int(rng() % 40);
    std::vector<int> first(n), firstp;
    std::vector<double> D(size_t(n * n), 0.0), P(size_t(n * (n + 1) / 2), 0.0);
    for (int p = 0; p < n; ++p) {  // a banded factor: row p starts somewhere at or left of p
      first[p] = p - int(rng() % (p + 1)) / 2;
      for (int q = first[p]; q <= p; ++q) D[size_t(p * n + q)] = q == p ? 2.0 + u(rng) : 0.3 * u(rng);
      for (int q = first[p]; q <= p; ++q) P[size_t(packed(p) + q)] = D[size_t(p * n + q)];
    }
    firstp = first;
    for (int up = 0; up < 3; ++up) {  // updates whose vectors start left of many envelopes
      std::vector<double> x(n), y;
      for (double& e : x) e = rng() % 3 ? 0.0 : 0.5 * u(rng);
      y = x;
      const bool plus = up != 1;
      const int r1 = sinew::cholesky::chol_update<double>(D.data(), x.data(), n, plus, first.data());
      const int r2 = sinew::cholesky::chol_update<double>(P.data(), y.data(), n, plus, firstp.data(), packed);
      CHECK(r1 == r2);
    }
    CHECK(first == firstp);
    bool same = true;
    for (int p = 0; p < n; ++p)
      for (int q = 0; q <= p; ++q) same = same && P[size_t(packed(p) + q)] == D[size_t(p * n + q)];
    CHECK(same);
  }
}
