// Closed-form pairs with boxes that MuJoCo 3.4 also solves in closed form
// (engine_collision_box.c, by Svetoslav Kolev): sphere-box, capsule-box, box-box. The same case
// analysis and arithmetic as MuJoCo, so results agree to the last bit on the same poses.
//  - sphere-box: sphere center outside the box: nearest surface point; inside: the face of least
//    penetration, ties to the first of -x, +x, -y, +y, -z, +z.
//  - capsule-box: the closest feature pair among the capsule's end points against the box's faces
//    and the capsule's segment against the box's 12 edges; a sphere-box contact at the closest
//    point of the segment and, when the capsule lies along a face or an edge, a second one
//    further along the segment, as far as the segment stays over the box (at most 2 contacts).
//  - box-box: separating-axis test over the 15 axes (face normals of each box, edge cross
//    products); for a face axis the other box's nearest face (or edge) is clipped against the
//    face's rectangle, for an edge axis the nearest faces around the two edges are; contacts at the
//    clipped polygon's vertices within the margin (at most 24 per pair, usually 1-8); then the
//    collision driver's filter (contacts outside a box, repeated positions).
#pragma once
#include <cmath>

#include "sinew/collision/types.hpp"

namespace sinew::collision {

/// Sphere g1 against box g2 (half sizes g2.size): at most one contact, normal from the sphere
/// toward the box, position halfway between the two surfaces.
template <class T>
SINEW_INLINE int sphere_box(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  const T r = g1.size.x;
  const vec3<T> c = mul_transpose(g2.mat, g1.pos - g2.pos);  // sphere center in the box frame
  const T h[3] = {g2.size.x, g2.size.y, g2.size.z}, cc[3] = {c.x, c.y, c.z};
  T q[3];  // nearest point of the box
  for (int i = 0; i < 3; ++i) q[i] = cc[i] < -h[i] ? -h[i] : (cc[i] > h[i] ? h[i] : cc[i]);
  vec3<T> dir{q[0] - c.x, q[1] - c.y, q[2] - c.z};
  T dist = normalize(dir);
  if (dist - r > margin) return 0;
  vec3<T> p, nrm;
  if (dist <= min_val<T>()) {
    // center inside: push out through the nearest face
    T best = T(2) * (h[0] + h[1] + h[2]);
    int k = 0;
    for (int i = 0; i < 6; ++i) {
      const T gap = std::fabs((i % 2 ? T(1) : T(-1)) * h[i / 2] - cc[i / 2]);
      if (best > gap) {
        best = gap;
        k = i;
      }
    }
    T e[3] = {T(0), T(0), T(0)};
    e[k / 2] = k % 2 ? T(-1) : T(1);
    nrm = vec3<T>{e[0], e[1], e[2]};
    p = c + ((r - best) / T(2)) * nrm;
    dist = -best;
  } else {
    const vec3<T> surf = c + r * dir;  // the sphere's point nearest the box
    p = T(0.5) * vec3<T>{q[0], q[1], q[2]} + T(0.5) * surf;
    nrm = dir;
  }
  con->normal = g2.mat * nrm;
  con->pos = g2.mat * p + g2.pos;
  con->dist = dist - r;
  con->tangent = vec3<T>::zero();
  return 1;
}

/// Capsule g1 (radius size.x, half length size.y along its z axis) against box g2: mjc_CapsuleBox,
/// at most 2 contacts (sphere-box contacts of spheres of the capsule's radius on its segment).
template <class T>
SINEW_INLINE int capsule_box(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  const T radius = g1.size.x, halflength = g1.size.y;
  const T size[3] = {g2.size.x, g2.size.y, g2.size.z};
  const vec3<T> p3 = mul_transpose(g2.mat, g1.pos - g2.pos);  // capsule center in the box frame
  const vec3<T> a3 = mul_transpose(g2.mat, g1.mat.col(2));    // capsule axis in the box frame
  const T pos[3] = {p3.x, p3.y, p3.z}, axis[3] = {a3.x, a3.y, a3.z};
  const T halfaxis[3] = {axis[0] * halflength, axis[1] * halflength, axis[2] * halflength};
  const int axisdir = (halfaxis[0] > T(0) ? 1 : 0) + (halfaxis[1] > T(0) ? 2 : 0) + (halfaxis[2] > T(0) ? 4 : 0);
  const T bestdistmax = margin + T(2) * (radius + halflength + size[0] + size[1] + size[2]);
  T bestdist = bestdistmax, bestsegmentpos = T(0), bestboxpos = T(0), secondpos = T(-4);
  int cltype = -4, clface = -1, clcorner = 0, cledge = 0;
  const auto dot3 = [](const T* a, const T* b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; };

  // an end of the capsule closest to a face of the box (clamped in at most one coordinate)
  for (int i = -1; i <= 1; i += 2) {
    T t[3], c[3];
    for (int k = 0; k < 3; ++k) c[k] = t[k] = pos[k] + halfaxis[k] * T(i);
    int nclamp = 0, face = -1;
    for (int k = 0; k < 3; ++k) {
      if (t[k] < -size[k]) {
        ++nclamp;
        face = k;
        t[k] = -size[k];
      } else if (t[k] > size[k]) {
        ++nclamp;
        face = k;
        t[k] = size[k];
      }
    }
    if (nclamp > 1) continue;
    for (int k = 0; k < 3; ++k) t[k] -= c[k];
    const T dist = dot3(t, t);
    if (dist < bestdist) {
      bestdist = dist;
      bestsegmentpos = T(i);
      cltype = -2 + i;
      clface = face;
    }
  }

  // the capsule's segment against each of the box's 12 edges (closest points of two segments)
  const T mc = halflength * halflength;
  for (int j = 0; j < 3; ++j) {
    for (int i = 0; i < 8; ++i) {
      if (i & (1 << j)) continue;
      T corner[3] = {((i & 1) ? T(1) : T(-1)) * size[0], ((i & 2) ? T(1) : T(-1)) * size[1],
                     ((i & 4) ? T(1) : T(-1)) * size[2]};
      corner[j] = T(0);
      T dif[3] = {corner[0] - pos[0], corner[1] - pos[1], corner[2] - pos[2]};
      const T ma = size[j] * size[j], mb = -size[j] * halfaxis[j];
      const T u = -size[j] * dif[j], v = dot3(halfaxis, dif);
      const T det = ma * mc - mb * mb;
      if (std::fabs(det) < min_val<T>()) continue;
      const T idet = T(1) / det;
      T x1 = (mc * u - mb * v) * idet, x2 = (ma * v - mb * u) * idet;  // edge, segment parameters
      int s1 = 1, s2 = 1;  // 0, 2: clamped to the lower or upper end; 1: inside
      if (x1 > T(1)) {
        x1 = T(1);
        s1 = 2;
        x2 = (v - mb) * (T(1) / mc);
      } else if (x1 < T(-1)) {
        x1 = T(-1);
        s1 = 0;
        x2 = (v + mb) * (T(1) / mc);
      }
      if (x2 > T(1) || x2 < T(-1)) {
        if (x2 > T(1)) {
          x2 = T(1);
          s2 = 2;
          x1 = (u - mb) * (T(1) / ma);
        } else {
          x2 = T(-1);
          s2 = 0;
          x1 = (u + mb) * (T(1) / ma);
        }
        if (x1 > T(1)) {
          x1 = T(1);
          s1 = 2;
        } else if (x1 < T(-1)) {
          x1 = T(-1);
          s1 = 0;
        }
      }
      for (int k = 0; k < 3; ++k) dif[k] = (corner[k] - pos[k]) + halfaxis[k] * -x2;
      dif[j] += size[j] * x1;
      const T d2 = dot3(dif, dif);
      const int type = s1 * 3 + s2;
      // MuJoCo's -mjMINVAL: an axis numerically parallel to the box keeps the earlier answer
      if (d2 < bestdist - min_val<T>()) {
        bestdist = d2;
        bestsegmentpos = x2;
        bestboxpos = x1;
        clcorner = i + (1 << j) * (type / 6);
        cledge = j;
        cltype = type;
      }
    }
  }
  if (cltype == -4) return 0;

  // where along the segment a second contact goes (cltype: -3, -1 a capsule end over a face;
  // 0..8 an edge, /3 where on the segment (0, 2 its ends), %3 where on the edge)
  bool second = true;
  if (cltype >= 0 && cltype / 3 != 1) {  // a corner of the box is closest
    int c1 = axisdir ^ clcorner;
    if (c1 == 0 || c1 == 7) {
      second = false;  // pointing to or away from the corner
    } else {
      T mul, de, dp;
      if (c1 == 1 || c1 == 2 || c1 == 4) {
        mul = T(1);
        de = T(1) - bestsegmentpos;
        dp = T(1) + bestsegmentpos;
      } else {
        mul = T(-1);
        c1 = 7 - c1;
        dp = T(1) - bestsegmentpos;
        de = T(1) + bestsegmentpos;
      }
      const int ax = c1 == 1 ? 0 : (c1 == 2 ? 1 : 2);
      const int ax1 = c1 == 1 ? 1 : (c1 == 2 ? 2 : 0);
      const int ax2 = c1 == 1 ? 2 : (c1 == 2 ? 0 : 1);
      if (axis[ax] * axis[ax] > T(0.5)) {  // along the box's edge
        secondpos = de;
        const T e1 = T(2) * size[ax] / std::fabs(halfaxis[ax]);
        if (e1 < secondpos) secondpos = e1;
        secondpos *= mul;
      } else {  // along a face
        secondpos = dp;
        T e1 = T(2) * size[ax1] / std::fabs(halfaxis[ax1]);
        if (e1 < secondpos) secondpos = e1;
        e1 = T(2) * size[ax2] / std::fabs(halfaxis[ax2]);
        if (e1 < secondpos) secondpos = e1;
        secondpos *= -mul;
      }
    }
  } else if (cltype >= 0) {  // the middle of an edge is closest
    int c1 = (axisdir ^ clcorner) & (7 - (1 << cledge));
    if (c1 != 1 && c1 != 2 && c1 != 4) {
      second = false;  // T configuration
    } else {
      const int ax = cledge;
      int ax1 = cledge == 0 ? 1 : (cledge == 1 ? 2 : 0);
      int ax2 = cledge == 0 ? 2 : (cledge == 1 ? 0 : 1);
      if (std::fabs(axis[ax1]) > std::fabs(axis[ax2])) ax1 = ax2;  // the face at the lower angle
      ax2 = 3 - ax - ax1;
      T mul;
      if (c1 & (1 << ax2)) {
        mul = T(1);
        secondpos = T(1) - bestsegmentpos;
      } else {
        mul = T(-1);
        secondpos = T(1) + bestsegmentpos;
      }
      T e1 = T(2) * size[ax2] / std::fabs(halfaxis[ax2]);
      if (e1 < secondpos) secondpos = e1;
      const T e2 = (((axisdir & (1 << ax)) != 0) == ((c1 & (1 << ax2)) != 0)) ? T(1) - bestboxpos : T(1) + bestboxpos;
      e1 = size[ax] * e2 / std::fabs(halfaxis[ax]);
      if (e1 < secondpos) secondpos = e1;
      secondpos *= mul;
    }
  } else {  // a capsule end is closest to a face
    if (clface == -1) {
      second = false;  // the end is inside the box
    } else {
      const T mul = cltype == -3 ? T(1) : T(-1);
      secondpos = T(2);
      T t[3];
      for (int k = 0; k < 3; ++k) t[k] = pos[k] + halfaxis[k] * -mul;
      for (int k = 0; k < 3; ++k) {
        if (k == clface) continue;
        T e1 = (size[k] - t[k]) / halfaxis[k] * mul;
        if (e1 > T(0) && e1 < secondpos) secondpos = e1;
        e1 = (-size[k] - t[k]) / halfaxis[k] * mul;
        if (e1 > T(0) && e1 < secondpos) secondpos = e1;
      }
      secondpos *= mul;
    }
  }
  if (!second) secondpos = T(-4);

  // sphere-box contacts at the chosen points of the segment
  const auto sphere_at = [&](PreContact<T>* c, T s) {
    const vec3<T> local{pos[0] + halfaxis[0] * s, pos[1] + halfaxis[1] * s, pos[2] + halfaxis[2] * s};
    GeomPose<T> sph = g1;
    sph.pos = g2.mat * local + g2.pos;
    return sphere_box(c, margin, sph, g2);
  };
  int n = sphere_at(con, bestsegmentpos);
  if (secondpos > T(-3)) n += sphere_at(con + n, secondpos + bestsegmentpos);
  return n;
}

namespace box_detail {
// MuJoCo's 3x3 helpers, with its operation order (engine_util_blas.c)
template <class T> SINEW_INLINE void mul_mat_vec(T r[3], const T m[9], const T v[3]) {
  const T a = m[0] * v[0] + m[1] * v[1] + m[2] * v[2], b = m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
          c = m[6] * v[0] + m[7] * v[1] + m[8] * v[2];
  r[0] = a;
  r[1] = b;
  r[2] = c;
}
template <class T> SINEW_INLINE void mul_matT_vec(T r[3], const T m[9], const T v[3]) {
  const T a = m[0] * v[0] + m[3] * v[1] + m[6] * v[2], b = m[1] * v[0] + m[4] * v[1] + m[7] * v[2],
          c = m[2] * v[0] + m[5] * v[1] + m[8] * v[2];
  r[0] = a;
  r[1] = b;
  r[2] = c;
}
template <class T> SINEW_INLINE void mul_matT_mat(T r[9], const T a[9], const T b[9]) {
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r[3 * i + j] = a[i] * b[j] + a[3 + i] * b[3 + j] + a[6 + i] * b[6 + j];
}
template <class T> SINEW_INLINE void mul_mat_matT(T r[9], const T a[9], const T b[9]) {
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      r[3 * i + j] = a[3 * i] * b[3 * j] + a[3 * i + 1] * b[3 * j + 1] + a[3 * i + 2] * b[3 * j + 2];
}
template <class T> SINEW_INLINE void transpose3(T r[9], const T m[9]) {
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r[3 * i + j] = m[3 * j + i];
}
template <class T> SINEW_INLINE void add_scl(T r[3], const T* v, T s) {
  r[0] += v[0] * s;
  r[1] += v[1] * s;
  r[2] += v[2] * s;
}
template <class T> SINEW_INLINE void copy3(T r[3], const T* v) {
  r[0] = v[0];
  r[1] = v[1];
  r[2] = v[2];
}
template <class T> SINEW_INLINE T dot3(const T* a, const T* b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
/// rotmore (a face of a box turned to +z) and its permutation form (i0..i2 with signs f0..f2)
template <class T> SINEW_INLINE void face_frame(int face, T rotmore[9], int idx[3], T f[3]) {
  for (int i = 0; i < 9; ++i) rotmore[i] = T(0);
  idx[0] = 0;
  idx[1] = 1;
  idx[2] = 2;
  f[0] = f[1] = f[2] = T(1);
  switch (face) {
    case 0:
      rotmore[2] = -1;
      rotmore[4] = 1;
      rotmore[6] = 1;
      idx[0] = 2;
      f[0] = -1;
      idx[2] = 0;
      break;
    case 1:
      rotmore[0] = 1;
      rotmore[5] = -1;
      rotmore[7] = 1;
      idx[1] = 2;
      f[1] = -1;
      idx[2] = 1;
      break;
    case 2:
      rotmore[0] = 1;
      rotmore[4] = 1;
      rotmore[8] = 1;
      break;
    case 3:
      rotmore[2] = 1;
      rotmore[4] = 1;
      rotmore[6] = -1;
      idx[0] = 2;
      idx[2] = 0;
      f[2] = -1;
      break;
    case 4:
      rotmore[0] = 1;
      rotmore[5] = 1;
      rotmore[7] = -1;
      idx[1] = 2;
      idx[2] = 1;
      f[2] = -1;
      break;
    default:
      rotmore[0] = -1;
      rotmore[4] = 1;
      rotmore[8] = -1;
      f[0] = -1;
      f[2] = -1;
      break;
  }
}
/// Writes n contacts: dist depth[i] (the face path's 2 * (depth / 2) is the same number), position
/// r (points[i] + hz e_z) + origin, one normal.
template <class T>
SINEW_INLINE void emit(PreContact<T>* con, int n, T (*points)[3], const T* depth, const T r[9], const T origin[3],
                       const vec3<T>& normal, T hz) {
  for (int i = 0; i < n; ++i) {
    T w[3];
    con[i].dist = depth[i];
    points[i][2] += hz;
    mul_mat_vec(w, r, points[i]);
    con[i].pos = vec3<T>{w[0] + origin[0], w[1] + origin[1], w[2] + origin[2]};
    con[i].normal = normal;
    con[i].tangent = vec3<T>::zero();
  }
}
}  // namespace box_detail

inline constexpr int kBoxBoxMax = 24;  ///< most contacts mjc_BoxBox returns for one pair

/// mjc_BoxBox itself, before the collision driver's filter (box_box).
template <class T>
SINEW_INLINE int box_box_raw(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  using namespace box_detail;
  const T* mat1 = g1.mat.m;
  const T* mat2 = g2.mat.m;
  const T pos1[3] = {g1.pos.x, g1.pos.y, g1.pos.z}, pos2[3] = {g2.pos.x, g2.pos.y, g2.pos.z};
  const T size1[3] = {g1.size.x, g1.size.y, g1.size.z}, size2[3] = {g2.size.x, g2.size.y, g2.size.z};
  constexpr int N = kBoxBoxMax;
  T pos12[3], pos21[3], rot[9], rott[9], rotabs[9], rottabs[9], tmp1[3], tmp2[3], plen1[3], plen2[3];
  T rotmore[9], p[3], r[9], s[3], ss[3], lp[3], rt[9], points[N][3], depth[N], pts[6][3], ppts2[4][2], pu[4][3],
      axi[3][3];
  T lines[4][6], linesu[4][6], clnorm[3] = {T(0), T(0), T(0)}, rnorm[3];
  int idx[3] = {0, 1, 2};  // face_frame sets both before they are used
  T f[3] = {T(1), T(1), T(1)};
  const auto rotaxis = [&](T* res, const T* in) {
    res[0] = in[idx[0]] * f[0];
    res[1] = in[idx[1]] * f[1];
    res[2] = in[idx[2]] * f[2];
  };
  const auto rotmatx = [&](T* res, const T* in) {
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 3; ++k) res[3 * i + k] = in[3 * idx[i] + k] * f[i];
  };
  int n = 0, code = -1, cle1 = 0, cle2 = 0, in = 0;
  const T margin2 = margin * margin;
  for (int i = 0; i < 3; ++i) tmp1[i] = pos2[i] - pos1[i];
  mul_matT_vec(pos21, mat1, tmp1);
  for (int i = 0; i < 3; ++i) tmp1[i] = pos1[i] - pos2[i];
  mul_matT_vec(pos12, mat2, tmp1);
  mul_matT_mat(rot, mat1, mat2);
  transpose3(rott, rot);
  for (int i = 0; i < 9; ++i) {
    rotabs[i] = std::fabs(rot[i]);
    rottabs[i] = std::fabs(rott[i]);
  }
  mul_mat_vec(plen2, rotabs, size2);
  mul_matT_vec(plen1, rotabs, size1);
  T penetration = margin;
  for (int i = 0; i < 3; ++i) penetration += size1[i] * 3 + size2[i] * 3;

  // face axes of both boxes
  for (int i = 0; i < 3; ++i) {
    const T c1 = -std::fabs(pos21[i]) + size1[i] + plen2[i];
    const T c2 = -std::fabs(pos12[i]) + size2[i] + plen1[i];
    if (c1 < -margin || c2 < -margin) return 0;
    if (c1 < penetration) {
      penetration = c1;
      code = i + 3 * (pos21[i] < T(0)) + 0;
    }
    if (c2 < penetration) {
      penetration = c2;
      code = i + 3 * (pos12[i] < T(0)) + 6;
    }
  }
  // edge-edge axes
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      tmp2[0] = tmp2[1] = tmp2[2] = T(0);
      if (i == 0) {
        tmp2[1] = -rott[3 * j + 2];
        tmp2[2] = +rott[3 * j + 1];
      } else if (i == 1) {
        tmp2[0] = +rott[3 * j + 2];
        tmp2[2] = -rott[3 * j + 0];
      } else {
        tmp2[0] = -rott[3 * j + 1];
        tmp2[1] = +rott[3 * j + 0];
      }
      const T c1 = std::sqrt(tmp2[0] * tmp2[0] + tmp2[1] * tmp2[1] + tmp2[2] * tmp2[2]);  // mju_normalize3
      if (c1 < min_val<T>()) continue;  // (normalize3 would set (1,0,0); the axis is skipped)
      const T inv = T(1) / c1;
      tmp2[0] *= inv;
      tmp2[1] *= inv;
      tmp2[2] *= inv;
      const T c2 = dot3(pos21, tmp2);
      T c3 = T(0);
      for (int k = 0; k < 3; ++k)
        if (k != i) c3 += size1[k] * std::fabs(tmp2[k]);
      for (int k = 0; k < 3; ++k)
        if (k != j) c3 += size2[k] * rotabs[3 * i + 3 - k - j] / c1;
      c3 -= std::fabs(c2);
      if (c3 < -margin) return 0;
      if (c3 < penetration * (T(1) - T(1e-12))) {
        penetration = c3;
        cle1 = 0;
        for (int k = 0; k < 3; ++k)
          if (k != i && ((tmp2[k] > T(0)) ^ (c2 < T(0)))) cle1 += 1 << k;
        cle2 = 0;
        for (int k = 0; k < 3; ++k)
          if (k != j && ((rot[3 * i + 3 - k - j] > T(0)) ^ (c2 < T(0)) ^ ((k - j + 3) % 3 == 1))) cle2 += 1 << k;
        code = 12 + i * 3 + j;
        copy3(clnorm, tmp2);
        in = c2 < T(0);
      }
    }
  }
  if (code == -1) return 0;

  if (code < 12) {
    // ---- a face of one box against the other box
    const int q1 = code % 6, q2 = code / 6;
    face_frame(q1, rotmore, idx, f);
    if (q2) {
      mul_mat_matT(r, rotmore, rot);
      rotaxis(p, pos12);
      rotaxis(tmp1, size2);
      copy3(s, size1);
    } else {
      rotmatx(r, rot);
      rotaxis(p, pos21);
      rotaxis(tmp1, size1);
      copy3(s, size2);
    }
    transpose3(rt, r);
    for (int i = 0; i < 3; ++i) ss[i] = std::fabs(tmp1[i]);
    const T lx = ss[0], ly = ss[1], hz = ss[2];
    p[2] -= hz;
    copy3(lp, p);
    int clcorner = 0;
    for (int i = 0; i < 3; ++i)
      if (r[6 + i] < T(0)) clcorner += 1 << i;
    add_scl(lp, rt + 0, s[0] * ((clcorner & 1) ? T(1) : T(-1)));
    add_scl(lp, rt + 3, s[1] * ((clcorner & 2) ? T(1) : T(-1)));
    add_scl(lp, rt + 6, s[2] * ((clcorner & 4) ? T(1) : T(-1)));
    int m = 0, k = 0;
    copy3(pts[m++], lp);
    for (int i = 0; i < 3; ++i)
      if (std::fabs(r[6 + i]) < T(0.5)) {
        const T sc = s[i] * ((clcorner & (1 << i)) ? T(-2) : T(2));
        for (int c = 0; c < 3; ++c) pts[m][c] = rt[3 * i + c] * sc;
        ++m;
      }
    for (int c = 0; c < 3; ++c) {
      pts[3][c] = pts[0][c] + pts[1][c];
      pts[4][c] = pts[0][c] + pts[2][c];
      pts[5][c] = pts[3][c] + pts[2][c];
    }
    const auto set_line = [&](const T* a, const T* b) {
      copy3(lines[k], a);
      copy3(lines[k] + 3, b);
      ++k;
    };
    if (m > 1) set_line(pts[0], pts[1]);
    if (m > 2) {
      set_line(pts[0], pts[2]);
      set_line(pts[3], pts[2]);
      set_line(pts[4], pts[1]);
    }
    for (int i = 0; i < k; ++i) {
      for (int q = 0; q < 2; ++q) {
        const T a = lines[i][0 + q], b = lines[i][3 + q], c = lines[i][1 - q], d = lines[i][4 - q];
        if (std::fabs(b) > min_val<T>()) {
          for (int j = -1; j <= 1; j += 2) {
            const T l = ss[q] * T(j);
            const T c1 = (l - a) * (T(1) / b);
            if (c1 < T(0) || c1 > T(1)) continue;
            const T c2 = c + d * c1;
            if (std::fabs(c2) > ss[1 - q]) continue;
            copy3(points[n], lines[i]);
            add_scl(points[n++], lines[i] + 3, c1);
          }
        }
      }
    }
    {
      const T a = pts[1][0], b = pts[2][0], c = pts[1][1], d = pts[2][1];
      const T c1 = a * d - b * c;
      if (m > 2) {
        for (int i = 0; i < 4; ++i) {
          const T llx = i / 2 ? lx : -lx, lly = i % 2 ? ly : -ly;
          const T x = llx - pts[0][0], y = lly - pts[0][1];
          const T u = (x * d - y * b) * (T(1) / c1), v = (y * a - x * c) * (T(1) / c1);
          if (u <= T(0) || v <= T(0) || u >= T(1) || v >= T(1)) continue;
          points[n][0] = llx;
          points[n][1] = lly;
          points[n][2] = (pts[0][2] + u * pts[1][2] + v * pts[2][2]);
          ++n;
        }
      }
    }
    for (int i = 0; i < (1 << (m - 1)); ++i) {
      copy3(tmp1, pts[i == 0 ? 0 : i + 2]);
      if (i && (tmp1[0] <= -lx || tmp1[0] >= lx)) continue;
      if (i && (tmp1[1] <= -ly || tmp1[1] >= ly)) continue;
      copy3(points[n++], tmp1);
    }
    m = n;
    n = 0;
    for (int i = 0; i < m; ++i) {
      if (points[i][2] > margin) continue;
      copy3(points[n], points[i]);
      depth[n] = points[n][2];
      points[n][2] *= T(0.5);
      ++n;
    }
    mul_mat_matT(r, q2 ? mat2 : mat1, rotmore);
    copy3(p, q2 ? pos2 : pos1);
    const T sg = q2 ? T(-1) : T(1);
    emit(con, n, points, depth, r, p, vec3<T>{sg * r[2], sg * r[5], sg * r[8]}, hz);
    return n;
  }

  // ---- edge against edge: the faces around the two closest edges
  code -= 12;
  const int q1 = code / 3, q2 = code % 3;
  int ax1 = q2 == 0 ? 1 : (q2 == 1 ? 0 : 1), ax2 = q2 == 2 ? 0 : 2;
  int pax1 = q1 == 0 ? 1 : (q1 == 1 ? 0 : 1), pax2 = q1 == 2 ? 0 : 2;
  if (rotabs[3 * q1 + ax1] < rotabs[3 * q1 + ax2]) {
    ax1 = ax2;
    ax2 = 3 - q2 - ax1;
  }
  if (rottabs[3 * q2 + pax1] < rottabs[3 * q2 + pax2]) {
    pax1 = pax2;
    pax2 = 3 - q1 - pax1;
  }
  const int clface = (cle1 & (1 << pax2)) ? pax2 : pax2 + 3;
  face_frame(clface, rotmore, idx, f);
  rotaxis(p, pos21);
  rotaxis(rnorm, clnorm);
  rotmatx(r, rot);
  mul_matT_vec(tmp1, rotmore, size1);
  for (int i = 0; i < 3; ++i) s[i] = std::fabs(tmp1[i]);
  transpose3(rt, r);
  const T lx = s[0], ly = s[1], hz = s[2];
  p[2] -= hz;
  // the two edges of box 2 along axis q2 on the face nearest box 1: ends i (+q2) and i + 1 (-q2)
  const T e2 = size2[ax2] * ((cle2 & (1 << ax2)) ? T(1) : T(-1));
  const auto edge = [&](int i, T e1) {
    copy3(points[i], p);
    add_scl(points[i], rt + 3 * ax1, e1);
    add_scl(points[i], rt + 3 * ax2, e2);
    copy3(points[i + 1], points[i]);
    add_scl(points[i], rt + 3 * q2, size2[q2]);
    add_scl(points[i + 1], rt + 3 * q2, -size2[q2]);
  };
  edge(0, size2[ax1] * ((cle2 & (1 << ax1)) ? T(1) : T(-1)));
  edge(2, size2[ax1] * ((cle2 & (1 << ax1)) ? T(-1) : T(1)));
  copy3(axi[0], points[0]);
  for (int c = 0; c < 3; ++c) {
    axi[1][c] = points[1][c] - points[0][c];
    axi[2][c] = points[2][c] - points[0][c];
  }
  if (std::fabs(rnorm[2]) < min_val<T>()) return 0;
  const T innorm = (T(1) / rnorm[2]) * (in ? T(-1) : T(1));
  for (int i = 0; i < 4; ++i) {
    const T c1 = -points[i][2] * (T(1) / rnorm[2]);
    copy3(pu[i], points[i]);
    add_scl(points[i], rnorm, c1);
    ppts2[i][0] = points[i][0];
    ppts2[i][1] = points[i][1];
  }
  copy3(pts[0], points[0]);
  for (int c = 0; c < 3; ++c) {
    pts[1][c] = points[1][c] - points[0][c];
    pts[2][c] = points[2][c] - points[0][c];
  }
  int k = 0;
  n = 0;
  copy3(lines[k], pts[0]);
  copy3(lines[k] + 3, pts[1]);
  copy3(linesu[k], axi[0]);
  copy3(linesu[k] + 3, axi[1]);
  ++k;
  copy3(lines[k], pts[0]);
  copy3(lines[k] + 3, pts[2]);
  copy3(linesu[k], axi[0]);
  copy3(linesu[k] + 3, axi[2]);
  ++k;
  for (int c = 0; c < 3; ++c) {
    lines[k][c] = pts[0][c] + pts[1][c];
    linesu[k][c] = axi[0][c] + axi[1][c];
  }
  copy3(lines[k] + 3, pts[2]);
  copy3(linesu[k] + 3, axi[2]);
  ++k;
  for (int c = 0; c < 3; ++c) {
    lines[k][c] = pts[0][c] + pts[2][c];
    linesu[k][c] = axi[0][c] + axi[2][c];
  }
  copy3(lines[k] + 3, pts[1]);
  copy3(linesu[k] + 3, axi[1]);
  ++k;
  for (int i = 0; i < k; ++i) {
    for (int q = 0; q < 2; ++q) {
      const T a = lines[i][0 + q], b = lines[i][3 + q], c = lines[i][1 - q], d = lines[i][4 - q];
      if (std::fabs(b) > min_val<T>()) {
        for (int j = -1; j <= 1; j += 2) {
          if (n >= N) continue;
          const T l = s[q] * T(j);
          const T c1 = (l - a) * (T(1) / b);
          if (c1 < T(0) || c1 > T(1)) continue;
          const T c2 = c + d * c1;
          if (std::fabs(c2) > s[1 - q]) continue;
          if ((linesu[i][2] + linesu[i][5] * c1) * innorm > margin) continue;
          for (int cc = 0; cc < 3; ++cc) points[n][cc] = linesu[i][cc] * T(0.5);
          add_scl(points[n], linesu[i] + 3, T(0.5) * c1);
          points[n][0 + q] += T(0.5) * l;
          points[n][1 - q] += T(0.5) * c2;
          depth[n] = points[n][2] * innorm * T(2);
          ++n;
        }
      }
    }
  }
  const int nl = n;
  {
    const T a = pts[1][0], b = pts[2][0], c = pts[1][1], d = pts[2][1];
    // c1 starts as the determinant and, as in MuJoCo, is overwritten by a corner's squared
    // distance below: the following corners use that value
    T c1 = a * d - b * c;
    for (int i = 0; i < 4; ++i) {
      if (n >= N) continue;
      const T llx = i / 2 ? lx : -lx, lly = i % 2 ? ly : -ly;
      const T x = llx - pts[0][0], y = lly - pts[0][1];
      T u = (x * d - y * b) * (T(1) / c1), v = (y * a - x * c) * (T(1) / c1);
      if (nl == 0) {
        if ((u < T(0) || u > T(1)) && (v < T(0) || v > T(1))) continue;
      } else if (u < T(0) || u > T(1) || v < T(0) || v > T(1)) {
        continue;
      }
      u = u < T(0) ? T(0) : (u > T(1) ? T(1) : u);
      v = v < T(0) ? T(0) : (v > T(1) ? T(1) : v);
      for (int cc = 0; cc < 3; ++cc) tmp1[cc] = pu[0][cc] * (T(1) - u - v);
      add_scl(tmp1, pu[1], u);
      add_scl(tmp1, pu[2], v);
      points[n][0] = llx;
      points[n][1] = lly;
      points[n][2] = T(0);
      for (int cc = 0; cc < 3; ++cc) tmp2[cc] = points[n][cc] - tmp1[cc];
      c1 = dot3(tmp2, tmp2);
      if (tmp1[2] > T(0) && c1 > margin2) continue;
      for (int cc = 0; cc < 3; ++cc) points[n][cc] = (points[n][cc] + tmp1[cc]) * T(0.5);
      depth[n] = std::sqrt(c1) * (tmp1[2] < T(0) ? T(-1) : T(1));
      ++n;
    }
  }
  const int nf = n;
  for (int i = 0; i < 4; ++i) {
    if (n >= N) continue;
    const T x = ppts2[i][0], y = ppts2[i][1];
    if (nl == 0) {
      if (nf != 0 && (x < -lx || x > lx) && (y < -ly || y > ly)) continue;
    } else if (x < -lx || x > lx || y < -ly || y > ly) {
      continue;
    }
    T c1 = T(0);
    for (int j = 0; j < 2; ++j) {
      if (ppts2[i][j] < -s[j]) c1 += (ppts2[i][j] + s[j]) * (ppts2[i][j] + s[j]);
      else if (ppts2[i][j] > s[j]) c1 += (ppts2[i][j] - s[j]) * (ppts2[i][j] - s[j]);
    }
    c1 += pu[i][2] * innorm * pu[i][2] * innorm;
    if (pu[i][2] > T(0) && c1 > margin2) continue;
    tmp1[0] = ppts2[i][0] * T(0.5);
    tmp1[1] = ppts2[i][1] * T(0.5);
    tmp1[2] = T(0);
    for (int j = 0; j < 2; ++j) {
      if (ppts2[i][j] < -s[j]) tmp1[j] = -s[j] * T(0.5);
      else if (ppts2[i][j] > s[j]) tmp1[j] = +s[j] * T(0.5);
    }
    add_scl(tmp1, pu[i], T(0.5));
    copy3(points[n], tmp1);
    depth[n] = std::sqrt(c1) * (pu[i][2] < T(0) ? T(-1) : T(1));
    ++n;
  }
  mul_mat_matT(r, mat1, rotmore);
  mul_mat_vec(tmp1, r, rnorm);
  const T sg = in ? T(-1) : T(1);
  emit(con, n, points, depth, r, pos1, vec3<T>{tmp1[0] * sg, tmp1[1] * sg, tmp1[2] * sg}, hz);
  return n;
}

/// mju_outsideBox of a point against a box (half sizes inflated by margin): 1 outside the box
/// scaled by `inflate`, -1 inside the box scaled by 1/inflate, 0 between.
template <class T> SINEW_INLINE int outside_box(const vec3<T>& point, const GeomPose<T>& g, T margin, T inflate) {
  const vec3<T> v = mul_transpose(g.mat, point - g.pos);
  const T sz[3] = {g.size.x + margin, g.size.y + margin, g.size.z + margin};
  const T big[3] = {sz[0] * inflate, sz[1] * inflate, sz[2] * inflate};
  if (v.x > big[0] || v.x < -big[0] || v.y > big[1] || v.y < -big[1] || v.z > big[2] || v.z < -big[2]) return 1;
  const T small[3] = {sz[0] / inflate, sz[1] / inflate, sz[2] / inflate};
  if ((v.x < small[0]) && (v.x > -small[0]) && (v.y < small[1]) && (v.y > -small[1]) && (v.z < small[2]) &&
      (v.z > -small[2]))
    return -1;
  return 0;
}

/// Box g1 against box g2 as MuJoCo's collision driver returns it: mjc_BoxBox, then its filter
/// (mj_collideGeoms): contacts outside one box (its half sizes plus the margin, 1 % wider) and not
/// inside the other are dropped, and of contacts at the same position only the last is kept.
template <class T>
SINEW_INLINE int box_box(PreContact<T>* con, T margin, const GeomPose<T>& g1, const GeomPose<T>& g2) {
  const int num = box_box_raw(con, margin, g1, g2);
  bool bad[kBoxBoxMax];
  const T ratio = T(1.01);
  for (int i = 0; i < num; ++i) {
    const int out1 = outside_box(con[i].pos, g1, margin, ratio), out2 = outside_box(con[i].pos, g2, margin, ratio);
    bad[i] = (out1 == 1 && out2 != -1) || (out2 == 1 && out1 != -1);
  }
  for (int i = 0; i < num - 1; ++i) {
    if (bad[i]) continue;
    for (int j = i + 1; j < num; ++j) {
      if (bad[j]) continue;
      if (con[i].pos.x == con[j].pos.x && con[i].pos.y == con[j].pos.y && con[i].pos.z == con[j].pos.z) {
        bad[i] = true;
        break;
      }
    }
  }
  int n = 0;
  for (int j = 0; j < num; ++j)
    if (!bad[j]) {
      if (n < j) con[n] = con[j];
      ++n;
    }
  return n;
}

}  // namespace sinew::collision
