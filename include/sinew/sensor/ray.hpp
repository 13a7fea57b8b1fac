// Ray casting against a world's geoms (MuJoCo 3.4.0's mj_ray, engine_ray.c), for the
// rangefinder sensor and for users:
//
//   T dist = sinew::ray_world(m, d, pnt, vec, /*bodyexclude=*/-1, /*flg_static=*/true, &geomid);
//
// The distance along pnt + t vec (t >= 0, in units of |vec|) to the nearest geom, or -1. Geoms
// are skipped when they belong to `bodyexclude`, are invisible (rgba alpha 0 without a material,
// or a material with alpha 0) or, without flg_static, are welded to the world. Every geom type:
// plane (within its size, when given), sphere, capsule, ellipsoid, cylinder, box (the primitive
// intersections of sensor.hpp, in the geom's frame), mesh (every triangle, after the geom's
// bounding box, like MuJoCo's BVH walk) and height field (MuJoCo's base box, triangles of the
// cells the ray crosses, and the top box's sides). SDF geoms are refused by the reader.
#pragma once
#include <cmath>

#include "sinew/data/data.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"

namespace sinew {
namespace ray_detail {

template <class T>
SINEW_INLINE void ray_map(vec3<T> pos, const mat3<T>& R, vec3<T> pnt, vec3<T> vec, vec3<T>& lp, vec3<T>& lv) {
  lp = mul_transpose(R, pnt - pos);
  lv = mul_transpose(R, vec);
}

/// Smallest non-negative root of a x^2 + 2 b x + c = 0 (roots in x[2], -1 where none), or -1.
template <class T> SINEW_INLINE T ray_quad(T a, T b, T c, T x[2]) {
  T det = b * b - a * c;
  if (det < T(0) || a < min_val<T>()) {  // MuJoCo 3.4's test
    x[0] = x[1] = T(-1);
    return T(-1);
  }
  det = std::sqrt(det);
  x[0] = (-b - det) / a;
  x[1] = (-b + det) / a;
  if (x[0] >= T(0)) return x[0];
  if (x[1] >= T(0)) return x[1];
  return T(-1);
}

/// Distance along the ray p + t v (t >= 0) to a sphere of squared radius r2 centred at 0, or -1.
template <class T> SINEW_INLINE T ray_sphere(vec3<T> p, vec3<T> v, T r2) {
  const T a = dot(v, v);
  if (a < min_val<T>()) return T(-1);
  T x[2];
  return ray_quad(a, dot(v, p), dot(p, p) - r2, x);
}

/// Distance along a ray given in the geom's frame (lp, lv) to a geom of the given type and size,
/// or -1 when it misses (mju_rayGeom's primitives; bounding-sphere tests included).
template <class T> SINEW_INLINE T ray_geom_local(int type, const T* size, vec3<T> lp, vec3<T> lv) {
  const T s0 = size[0], s1 = size[1], s2 = size[2];
  T x = T(-1), xx[2];
  auto keep = [&x](T sol) {
    if (sol >= T(0) && (x < T(0) || sol < x)) x = sol;
  };
  switch (type) {
    case GEOM_SPHERE: return ray_sphere(lp, lv, s0 * s0);
    case GEOM_ELLIPSOID: {
      const T i0 = T(1) / (s0 * s0), i1 = T(1) / (s1 * s1), i2 = T(1) / (s2 * s2);
      const T a = i0 * lv.x * lv.x + i1 * lv.y * lv.y + i2 * lv.z * lv.z;
      const T b = i0 * lv.x * lp.x + i1 * lv.y * lp.y + i2 * lv.z * lp.z;
      const T c = i0 * lp.x * lp.x + i1 * lp.y * lp.y + i2 * lp.z * lp.z - T(1);
      return ray_quad(a, b, c, xx);
    }
    case GEOM_CAPSULE: {
      const T r = s0 + s1;
      if (ray_sphere(lp, lv, r * r) < T(0)) return T(-1);
      T a = lv.x * lv.x + lv.y * lv.y;
      T b = lv.x * lp.x + lv.y * lp.y;
      T c = lp.x * lp.x + lp.y * lp.y - s0 * s0;
      const T sol = ray_quad(a, b, c, xx);
      if (sol >= T(0) && std::fabs(lp.z + sol * lv.z) <= s1) keep(sol);
      a += lv.z * lv.z;
      for (int side = 1; side >= -1; side -= 2) {  // top cap, then bottom cap
        const vec3<T> d{lp.x, lp.y, lp.z - T(side) * s1};
        ray_quad(a, dot(lv, d), dot(d, d) - s0 * s0, xx);
        for (int i = 0; i < 2; ++i) {
          const T z = lp.z + xx[i] * lv.z;
          if (xx[i] >= T(0) && (side > 0 ? z >= s1 : z <= -s1)) keep(xx[i]);
        }
      }
      return x;
    }
    case GEOM_CYLINDER: {
      if (ray_sphere(lp, lv, s0 * s0 + s1 * s1) < T(0)) return T(-1);
      if (std::fabs(lv.z) > min_val<T>())
        for (int side = -1; side <= 1; side += 2) {
          const T sol = (T(side) * s1 - lp.z) / lv.z;
          if (sol >= T(0)) {
            const T p0 = lp.x + sol * lv.x, p1 = lp.y + sol * lv.y;
            if (p0 * p0 + p1 * p1 <= s0 * s0) keep(sol);
          }
        }
      const T sol =
          ray_quad(lv.x * lv.x + lv.y * lv.y, lv.x * lp.x + lv.y * lp.y, lp.x * lp.x + lp.y * lp.y - s0 * s0, xx);
      if (sol >= T(0) && std::fabs(lp.z + sol * lv.z) <= s1) keep(sol);
      return x;
    }
    case GEOM_BOX: {
      if (ray_sphere(lp, lv, s0 * s0 + s1 * s1 + s2 * s2) < T(0)) return T(-1);
      const T p[3] = {lp.x, lp.y, lp.z}, v[3] = {lv.x, lv.y, lv.z};
      const int face[3][2] = {{1, 2}, {0, 2}, {0, 1}};
      for (int i = 0; i < 3; ++i) {
        if (std::fabs(v[i]) <= min_val<T>()) continue;
        for (int side = -1; side <= 1; side += 2) {
          const T sol = (T(side) * size[i] - p[i]) / v[i];
          if (sol < T(0)) continue;
          const int j = face[i][0], k = face[i][1];
          if (std::fabs(p[j] + sol * v[j]) <= size[j] && std::fabs(p[k] + sol * v[k]) <= size[k]) keep(sol);
        }
      }
      return x;
    }
    default: return T(-1);
  }
}

/// Sphere of squared radius r2 at pos (world frame).
template <class T> SINEW_INLINE T sphere(vec3<T> pos, T r2, vec3<T> pnt, vec3<T> vec) {
  const vec3<T> dif = pnt - pos;
  T x[2];
  return ray_quad(dot(vec, vec), dot(vec, dif), dot(dif, dif) - r2, x);
}

/// Box of half-sizes s in its frame; `all` (6, may be null) receives each face's hit or -1.
template <class T> SINEW_INLINE T box(vec3<T> pos, const mat3<T>& R, const T s[3], vec3<T> pnt, vec3<T> vec, T* all) {
  if (all)
    for (int i = 0; i < 6; ++i) all[i] = T(-1);
  if (sphere(pos, s[0] * s[0] + s[1] * s[1] + s[2] * s[2], pnt, vec) < T(0)) return T(-1);
  vec3<T> lpv, lvv;
  ray_map(pos, R, pnt, vec, lpv, lvv);
  const T lp[3] = {lpv.x, lpv.y, lpv.z}, lv[3] = {lvv.x, lvv.y, lvv.z};
  const int face[3][2] = {{1, 2}, {0, 2}, {0, 1}};
  T x = T(-1);
  for (int i = 0; i < 3; ++i) {
    if (!(std::fabs(lv[i]) > min_val<T>())) continue;
    for (int side = -1; side <= 1; side += 2) {
      const T sol = (T(side) * s[i] - lp[i]) / lv[i];
      if (sol < T(0)) continue;
      const T p0 = lp[face[i][0]] + sol * lv[face[i][0]], p1 = lp[face[i][1]] + sol * lv[face[i][1]];
      if (std::fabs(p0) <= s[face[i][0]] && std::fabs(p1) <= s[face[i][1]]) {
        if (x < T(0) || sol < x) x = sol;
        if (all) all[2 * i + (side + 1) / 2] = sol;
      }
    }
  }
  return x;
}

/// Triangle v (3 vertices in the local frame) against the local ray; b0, b1 span the plane
/// normal to lv (MuJoCo's ray_triangle).
template <class T> SINEW_INLINE T triangle(const T v[3][3], vec3<T> lp, vec3<T> lv, vec3<T> b0, vec3<T> b1) {
  T planar[3][2];
  for (int i = 0; i < 3; ++i) {
    const vec3<T> dif{v[i][0] - lp.x, v[i][1] - lp.y, v[i][2] - lp.z};
    planar[i][0] = dot(b0, dif);
    planar[i][1] = dot(b1, dif);
  }
  for (int k = 0; k < 2; ++k)
    if ((planar[0][k] > T(0) && planar[1][k] > T(0) && planar[2][k] > T(0)) ||
        (planar[0][k] < T(0) && planar[1][k] < T(0) && planar[2][k] < T(0)))
      return T(-1);
  const T A[4] = {planar[0][0] - planar[2][0], planar[1][0] - planar[2][0], planar[0][1] - planar[2][1],
                  planar[1][1] - planar[2][1]};
  const T b[2] = {-planar[2][0], -planar[2][1]};
  const T det = A[0] * A[3] - A[1] * A[2];
  if (std::fabs(det) < min_val<T>()) return T(-1);
  const T t0 = (A[3] * b[0] - A[1] * b[1]) / det;
  const T t1 = (-A[2] * b[0] + A[0] * b[1]) / det;
  if (t0 < T(0) || t1 < T(0) || t0 + t1 > T(1)) return T(-1);
  const vec3<T> e0{v[0][0] - v[2][0], v[0][1] - v[2][1], v[0][2] - v[2][2]};
  const vec3<T> e1{v[1][0] - v[2][0], v[1][1] - v[2][1], v[1][2] - v[2][2]};
  const vec3<T> e2{lp.x - v[2][0], lp.y - v[2][1], lp.z - v[2][2]};
  const vec3<T> nrm = cross(e0, e1);
  const T denom = dot(lv, nrm);
  if (std::fabs(denom) < min_val<T>()) return T(-1);
  return -dot(e2, nrm) / denom;
}

/// The basis of the plane normal to lv that MuJoCo's mesh and height-field rays use.
template <class T> SINEW_INLINE void normal_basis(vec3<T> lv, vec3<T>& b0, vec3<T>& b1) {
  b0 = {T(1), T(1), T(1)};
  if (std::fabs(lv.x) >= std::fabs(lv.y) && std::fabs(lv.x) >= std::fabs(lv.z)) b0.x = T(0);
  else if (std::fabs(lv.y) >= std::fabs(lv.z)) b0.y = T(0);
  else b0.z = T(0);
  b1 = b0 + (-dot(lv, b0) / dot(lv, lv)) * lv;
  normalize(b1);
  b0 = cross(b1, lv);
  normalize(b0);
}

template <class T, class L>
SINEW_INLINE T mesh(const ModelView<T>& m, const WorldData<T, L>& d, int g, vec3<T> pnt, vec3<T> vec) {
  const vec3<T> pos = get3(d.geom_xpos, g);
  const mat3<T> R = getm(d.geom_xmat, g);
  if (box(pos, R, m.geom_size + 3 * g, pnt, vec, static_cast<T*>(nullptr)) < T(0)) return T(-1);
  vec3<T> lp, lv, b0, b1;
  ray_map(pos, R, pnt, vec, lp, lv);
  normal_basis(lv, b0, b1);
  const int id = m.geom_dataid[g];
  const T* vert = m.mesh_vert + 3 * m.mesh_vertadr[id];
  const int* face = m.mesh_face + 3 * m.mesh_faceadr[id];
  T x = T(-1);
  for (int f = 0; f < m.mesh_facenum[id]; ++f) {
    T v[3][3];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) v[i][j] = vert[3 * face[3 * f + i] + j];
    const T sol = triangle(v, lp, lv, b0, b1);
    if (sol >= T(0) && (x < T(0) || sol < x)) x = sol;
  }
  return x;
}

template <class T, class L>
SINEW_INLINE T hfield(const ModelView<T>& m, const WorldData<T, L>& d, int g, vec3<T> pnt, vec3<T> vec) {
  const int h = m.geom_dataid[g];
  const int nrow = m.hfield_nrow[h], ncol = m.hfield_ncol[h];
  const T* size = m.hfield_size + 4 * h;
  const T* data = m.hfield_data + m.hfield_adr[h];
  const vec3<T> gp = get3(d.geom_xpos, g);
  const mat3<T> R = getm(d.geom_xmat, g);
  const vec3<T> z = R.col(2);
  const T base_size[3] = {size[0], size[1], size[3] * T(0.5)};
  const vec3<T> base_pos{gp.x - z.x * size[3] * T(0.5), gp.y - z.y * size[3] * T(0.5), gp.z - z.z * size[3] * T(0.5)};
  const T top_size[3] = {size[0], size[1], size[2] * T(0.5)};
  const vec3<T> top_pos{gp.x + z.x * size[2] * T(0.5), gp.y + z.y * size[2] * T(0.5), gp.z + z.z * size[2] * T(0.5)};
  T x = box(base_pos, R, base_size, pnt, vec, static_cast<T*>(nullptr));
  T all[6];
  const T top = box(top_pos, R, top_size, pnt, vec, all);
  if (top < T(0)) return x;
  vec3<T> lp, lv, b0, b1;
  ray_map(gp, R, pnt, vec, lp, lv);
  normal_basis(lv, b0, b1);
  T seg[2] = {T(0), top};
  for (int i = 0; i < 6; ++i)
    if (all[i] > seg[1]) {
      seg[0] = top;
      seg[1] = all[i];
    }
  const T dx = (T(2) * size[0]) / T(ncol - 1), dy = (T(2) * size[1]) / T(nrow - 1);
  T SX[2], SY[2];
  for (int i = 0; i < 2; ++i) {
    SX[i] = (lp.x + seg[i] * lv.x + size[0]) / dx;
    SY[i] = (lp.y + seg[i] * lv.y + size[1]) / dy;
  }
  const auto mn = [](T a, T b) { return a < b ? a : b; };
  const auto mx = [](T a, T b) { return a > b ? a : b; };
  int cmin = int(std::floor(mn(SX[0], SX[1]))) - 1, cmax = int(std::ceil(mx(SX[0], SX[1]))) + 1;
  int rmin = int(std::floor(mn(SY[0], SY[1]))) - 1, rmax = int(std::ceil(mx(SY[0], SY[1]))) + 1;
  cmin = cmin > 0 ? cmin : 0;
  rmin = rmin > 0 ? rmin : 0;
  cmax = cmax < ncol - 1 ? cmax : ncol - 1;
  rmax = rmax < nrow - 1 ? rmax : nrow - 1;
  for (int r = rmin; r < rmax; ++r)
    for (int c = cmin; c < cmax; ++c) {
      const T x0 = dx * T(c) - size[0], x1 = dx * T(c + 1) - size[0];
      const T y0 = dy * T(r) - size[1], y1 = dy * T(r + 1) - size[1];
      const T va[3][3] = {{x0, y0, data[r * ncol + c] * size[2]},
                          {x1, y1, data[(r + 1) * ncol + (c + 1)] * size[2]},
                          {x1, y0, data[r * ncol + (c + 1)] * size[2]}};
      T sol = triangle(va, lp, lv, b0, b1);
      if (sol >= T(0) && (x < T(0) || sol < x)) x = sol;
      const T vb[3][3] = {{x0, y0, data[r * ncol + c] * size[2]},
                          {x1, y1, data[(r + 1) * ncol + (c + 1)] * size[2]},
                          {x0, y1, data[(r + 1) * ncol + c] * size[2]}};
      sol = triangle(vb, lp, lv, b0, b1);
      if (sol >= T(0) && (x < T(0) || sol < x)) x = sol;
    }
  // the top box's sides, where the ray passes below the terrain's edge
  for (int i = 0; i < 4; ++i) {
    if (!(all[i] >= T(0) && (all[i] < x || x < T(0)))) continue;
    const T zz = (lp.z + all[i] * lv.z) / size[2];
    T y, y0, z0, z1;
    if (i < 2) {
      y = (lp.y + all[i] * lv.y + size[1]) / dy;
      y0 = mx(T(0), mn(T(nrow - 2), std::floor(y)));
      z0 = data[int(std::round(y0)) * ncol + (i == 1 ? ncol - 1 : 0)];
      z1 = data[int(std::round(y0 + T(1))) * ncol + (i == 1 ? ncol - 1 : 0)];
    } else {
      y = (lp.x + all[i] * lv.x + size[0]) / dx;
      y0 = mx(T(0), mn(T(ncol - 2), std::floor(y)));
      z0 = data[int(std::round(y0)) + (i == 3 ? (nrow - 1) * ncol : 0)];
      z1 = data[int(std::round(y0 + T(1))) + (i == 3 ? (nrow - 1) * ncol : 0)];
    }
    if (zz < z0 * (y0 + T(1) - y) + z1 * (y - y0)) x = all[i];
  }
  return x;
}

}  // namespace ray_detail

/// Distance to the nearest geom along the ray, or -1 (see the file comment); the geom's id in
/// *geomid when given.
template <class T, class L>
SINEW_HD inline T ray_world(const ModelView<T>& m, const WorldData<T, L>& d, vec3<T> pnt, vec3<T> vec, int bodyexclude,
                            bool flg_static, int* geomid = nullptr) {
  using namespace ray_detail;
  T dist = T(-1);
  if (geomid) *geomid = -1;
  for (int g = 0; g < m.size.ngeom; ++g) {
    const int b = m.geom_bodyid[g];
    if (b == bodyexclude) continue;
    const int mat = m.geom_matid[g];
    if (mat < 0 && m.geom_rgba[4 * g + 3] == T(0)) continue;
    if (mat >= 0 && m.mat_rgba[4 * mat + 3] == T(0)) continue;
    if (!flg_static && m.body_weldid[b] == 0) continue;
    const int type = m.geom_type[g];
    T x;
    if (type == GEOM_MESH) {
      x = mesh(m, d, g, pnt, vec);
    } else if (type == GEOM_HFIELD) {
      x = hfield(m, d, g, pnt, vec);
    } else if (type == GEOM_PLANE) {
      vec3<T> lp, lv;
      ray_map(get3(d.geom_xpos, g), getm(d.geom_xmat, g), pnt, vec, lp, lv);
      x = T(-1);
      if (lv.z <= -min_val<T>()) {
        const T sol = -lp.z / lv.z;
        const T* s = m.geom_size + 3 * g;
        if (sol >= T(0) && (s[0] <= T(0) || std::fabs(lp.x + sol * lv.x) <= s[0]) &&
            (s[1] <= T(0) || std::fabs(lp.y + sol * lv.y) <= s[1]))
          x = sol;
      }
    } else if (type == GEOM_BOX) {
      x = box(get3(d.geom_xpos, g), getm(d.geom_xmat, g), m.geom_size + 3 * g, pnt, vec, static_cast<T*>(nullptr));
    } else if (type == GEOM_SPHERE) {
      x = sphere(get3(d.geom_xpos, g), m.geom_size[3 * g] * m.geom_size[3 * g], pnt, vec);
    } else {
      vec3<T> lp, lv;
      ray_map(get3(d.geom_xpos, g), getm(d.geom_xmat, g), pnt, vec, lp, lv);
      x = ray_geom_local(type, m.geom_size + 3 * g, lp, lv);
    }
    if (x >= T(0) && (x < dist || dist < T(0))) {
      dist = x;
      if (geomid) *geomid = g;
    }
  }
  return dist;
}

}  // namespace sinew
