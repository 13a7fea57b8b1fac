// Constraint rows of one world and their soft-constraint parameters (mj_makeConstraint with
// mj_diagApprox and mj_makeImpedance; mj_referenceConstraint). The forces come from the solver
// (constraint/solver.hpp).
//
//   sinew::make_constraint_world(m, d);       // position stage, after collision_world
//   sinew::reference_constraint_world(m, d);  // velocity stage: efc_vel = J qvel, efc_aref
//
// Rows, in MuJoCo's order: active equalities (connect 3, weld 6, joint and tendon 1 with the
// polycoef coupling), friction loss (dofs, then tendons), limits (hinge/slide both sides, ball,
// tendons; a side is active when dist < margin), contacts in Data's contact order (excluded when
// dist >= includemargin; frictionless 1 row, pyramidal 2(dim-1), elliptic dim). Fields (mjData's):
// nefc, efc_type, efc_id, efc_J (compressed rows: efc_J_rownnz, efc_J_colind), efc_pos, efc_margin, efc_frictionloss,
// efc_diagApprox, efc_R, efc_D, efc_KBIP, efc_vel, efc_aref. A constraint whose rows do not fit
// in the world's njmax is dropped whole and its rows counted in nefcoverflow. As MuJoCo's dense
// path, a non-contact constraint whose Jacobian rows are all zero is left out (MuJoCo's sparse
// path, nv >= 60, decides on the structural sparsity instead; the two differ only for a tendon
// whose Jacobian values are all zero at that state). Equalities are switched per world by
// Data::eq_active (reset_world copies Model::eq_active0).
//
// Memory: efc_J and efc_J_colind hold njmax rows of ModelSizes::nJrow entries (the most nonzeros
// a row of the model can have; compiler/equality.hpp compile_row_width). A constraint's rows are
// written dense into efc_Jstage (kConstraintGroupRows x nv) and compressed when committed.
#pragma once
#include <cassert>
#include <cmath>
#include <type_traits>

#include "sinew/data/data.hpp"
#include "sinew/kinematics/jacobian.hpp"
#include "sinew/math/nonzero.hpp"
#include "sinew/math/quat.hpp"
#include "sinew/model/model.hpp"
#include "sinew/tendon/tendon.hpp"

namespace sinew {
namespace constraint_detail {

constexpr double MINIMP = 0.0001, MAXIMP = 0.9999;

template <class T> SINEW_INLINE T tmax(T a, T b) { return a > b ? a : b; }
template <class T> SINEW_INLINE T tmin(T a, T b) { return a < b ? a : b; }

/// Reserves `size` rows; -1 (and the rows counted as overflow) when they do not fit.
template <class T, class L> SINEW_INLINE int reserve(const ModelView<T>& m, const WorldData<T, L>& d, int size) {
  const int r0 = d.nefc[0];
  if (r0 + size > m.size.njmax) {
    d.nefcoverflow[0] += size;
    return -1;
  }
  return r0;
}

/// Entry (k, j) of the staged rows: row k of the constraint being written, column j.
template <class T, class L> SINEW_INLINE T& stage(const ModelView<T>& m, const WorldData<T, L>& d, int k, int j) {
  return d.efc_Jstage[k * m.size.nv + j];
}

/// Moves staged rows [0, size) into efc_J rows [r0, r0 + size) in compressed form (values,
/// columns, counts) and zeroes the stage again. Returns the rows' nonzeros in all: 0 means an
/// all-zero Jacobian, which a non-contact constraint leaves out (not committed).
template <class T, class L>
SINEW_INLINE int compress_rows(const ModelView<T>& m, const WorldData<T, L>& d, int r0, int size) {
  const int nv = m.size.nv, w = m.size.efc_width();
  int total = 0;
  for (int k = 0; k < size; ++k) {
    const int r = r0 + k;
    int cnt = 0;
    if constexpr (std::is_same_v<L, WorldOuter>) {  // contiguous rows: compared a vector at a time
      T* row = d.efc_Jstage.p + k * nv;
      int* cols = d.efc_J_colind.p + r * w;
      cnt = compress_row(row, nv, d.efc_J.p + r * w, cols, w);
      if (cnt <= w) {
        for (int x = 0; x < cnt; ++x) row[cols[x]] = T(0);
      } else {
        for (int j = 0; j < nv; ++j) row[j] = T(0);
      }
    } else {
      for (int j = 0; j < nv; ++j) {
        const T v = d.efc_Jstage[k * nv + j];
        if (v == T(0)) continue;
        if (cnt < w) {
          d.efc_J[r * w + cnt] = v;
          d.efc_J_colind[r * w + cnt] = j;
        }
        ++cnt;
        d.efc_Jstage[k * nv + j] = T(0);
      }
    }
    // the width is the model's structural bound (compile_row_width): a row never has more
    assert(cnt <= w);
    d.efc_J_rownnz[r] = cnt < w ? cnt : w;
    total += cnt;
  }
  return total;
}

/// Commits rows [r0, r0+size) with pos, margin, frictionloss, type, id (mj_addConstraint); their
/// Jacobian rows were compressed from the stage (compress_rows).
template <class T, class L>
SINEW_INLINE void commit(const WorldData<T, L>& d, int r0, int size, const T* pos, const T* margin, T frictionloss,
                         int type, int id) {
  for (int i = 0; i < size; ++i) {
    d.efc_pos[r0 + i] = pos ? pos[i] : T(0);
    d.efc_margin[r0 + i] = margin ? margin[i] : T(0);
    d.efc_frictionloss[r0 + i] = frictionloss;
    d.efc_type[r0 + i] = type;
    d.efc_id[r0 + i] = id;
  }
  d.nefc[0] = r0 + size;
}

template <class T, class L>
SINEW_INLINE void jac_col(const ModelView<T>&, const WorldData<T, L>& d, int j, bool on, vec3<T> off, vec3<T>& p,
                          vec3<T>& r) {
  if (!on) {
    p = vec3<T>::zero();
    r = vec3<T>::zero();
    return;
  }
  p = point_jac(d, j, off);
  r = vec3<T>{d.cdof[6 * j], d.cdof[6 * j + 1], d.cdof[6 * j + 2]};
}

/// Iterates the dofs of the union of two bodies' chains (descending), calling f(j, on1, on2).
template <class T, class F> SINEW_INLINE void for_chain_pair(const ModelView<T>& m, int b1, int b2, F&& f) {
  int i1 = tendon_detail::last_dof(m, b1), i2 = tendon_detail::last_dof(m, b2);
  while (i1 >= 0 || i2 >= 0) {
    const int j = i1 > i2 ? i1 : i2;
    f(j, j == i1, j == i2);
    if (j == i1) i1 = m.dof_parentid[i1];
    if (j == i2) i2 = m.dof_parentid[i2];
  }
}

/// Staged row 0 := scale * tendon t's Jacobian.
template <class T, class L> SINEW_INLINE void ten_row(const ModelView<T>& m, const WorldData<T, L>& d, int t, T scale) {
  const int adr = m.ten_J_rowadr[t];
  for (int k = adr; k < adr + m.ten_J_rownnz[t]; ++k) stage(m, d, 0, m.ten_J_colind[k]) = scale * d.ten_J[k];
}

// ---- soft-constraint parameters (getsolparam, getimpedance, mj_makeImpedance) ----

template <class T> SINEW_INLINE void impedance(const T* si, T pos, T margin, T& imp, T& impP) {
  if (si[0] == si[1] || si[2] <= min_val<T>()) {
    imp = T(0.5) * (si[0] + si[1]);
    impP = T(0);
    return;
  }
  T x = (pos - margin) / si[2], sgn = T(1);
  if (x < T(0)) {
    x = -x;
    sgn = T(-1);
  }
  if (x >= T(1) || x <= T(0)) {
    imp = x >= T(1) ? si[1] : si[0];
    impP = T(0);
    return;
  }
  auto power = [](T a, T b) { return b == T(1) ? a : (b == T(2) ? a * a : T(std::pow(a, b))); };
  T y, yP;
  if (si[4] == T(1)) {
    y = x;
    yP = T(1);
  } else if (x <= si[3]) {
    const T a = T(1) / power(si[3], si[4] - T(1));
    y = a * power(x, si[4]);
    yP = si[4] * a * power(x, si[4] - T(1));
  } else {
    const T b = T(1) / power(T(1) - si[3], si[4] - T(1));
    y = T(1) - b * power(T(1) - x, si[4]);
    yP = si[4] * b * power(T(1) - x, si[4] - T(1));
  }
  imp = si[0] + y * (si[1] - si[0]);
  impP = yP * sgn * (si[1] - si[0]) / si[2];
}

/// Sets efc_R, efc_KBIP, efc_D and the adjusted efc_diagApprox of one constraint's rows
/// [r0, r0+dim) whose diagApprox is already set. `fri`: the contact's 5 friction coefficients
/// (contacts only).
template <class T, class L>
SINEW_INLINE void finish(const ModelView<T>& m, const WorldData<T, L>& d, int r0, int dim, const T* solref_in,
                         const T* solreffriction_in, const T* solimp_in, T pos, const T* fri) {
  T ref[2] = {solref_in[0], solref_in[1]}, reff[2] = {T(0), T(0)}, si[5];
  if (solreffriction_in) {
    reff[0] = solreffriction_in[0];
    reff[1] = solreffriction_in[1];
  }
  for (int k = 0; k < 5; ++k) si[k] = solimp_in[k];
  if ((ref[0] > T(0)) ^ (ref[1] > T(0))) {
    ref[0] = T(0.02);
    ref[1] = T(1);
  }
  const bool refsafe = !m.opt.disabled(DSBL_REFSAFE);
  if (refsafe && ref[0] > T(0)) ref[0] = tmax(ref[0], T(2) * m.opt.timestep);
  if ((reff[0] > T(0)) ^ (reff[1] > T(0))) {
    reff[0] = T(0);
    reff[1] = T(0);
  }
  if (refsafe && reff[0] > T(0)) reff[0] = tmax(reff[0], T(2) * m.opt.timestep);
  si[0] = tmin(T(MAXIMP), tmax(T(MINIMP), si[0]));
  si[1] = tmin(T(MAXIMP), tmax(T(MINIMP), si[1]));
  si[2] = tmax(T(0), si[2]);
  si[3] = tmin(T(MAXIMP), tmax(T(MINIMP), si[3]));
  si[4] = tmax(T(1), si[4]);
  T imp, impP;
  impedance(si, pos, d.efc_margin[r0], imp, impP);
  for (int j = 0; j < dim; ++j) {
    const int i = r0 + j;
    d.efc_R[i] = tmax(min_val<T>(), (T(1) - imp) * d.efc_diagApprox[i] / imp);
    const int tp = d.efc_type[i];
    const bool ell_fri = tp == CNSTR_CONTACT_ELLIPTIC && j > 0;
    const T* rf = ell_fri && (reff[0] != T(0) || reff[1] != T(0)) ? reff : ref;
    T K;
    if (tp == CNSTR_FRICTION_DOF || tp == CNSTR_FRICTION_TENDON || ell_fri) K = T(0);
    else if (rf[0] > T(0)) K = T(1) / tmax(min_val<T>(), si[1] * si[1] * rf[0] * rf[0] * rf[1] * rf[1]);
    else K = -rf[0] / tmax(min_val<T>(), si[1] * si[1]);
    const T B = rf[1] > T(0) ? T(2) / tmax(min_val<T>(), si[1] * rf[0]) : -rf[1] / tmax(min_val<T>(), si[1]);
    d.efc_KBIP[4 * i] = K;
    d.efc_KBIP[4 * i + 1] = B;
    d.efc_KBIP[4 * i + 2] = imp;
    d.efc_KBIP[4 * i + 3] = impP;
  }
  const int tp0 = d.efc_type[r0];
  if (tp0 == CNSTR_CONTACT_PYRAMIDAL || tp0 == CNSTR_CONTACT_ELLIPTIC) {
    const int i = r0;
    d.efc_R[i + 1] = d.efc_R[i] / tmax(min_val<T>(), m.opt.impratio);
    const T mu = fri[0] * std::sqrt(d.efc_R[i + 1] / d.efc_R[i]);
    d.contact_mu[d.efc_id[r0]] = mu;  // the regularized cone's friction (mjContact::mu)
    if (tp0 == CNSTR_CONTACT_ELLIPTIC) {
      for (int j = 1; j < dim - 1; ++j) d.efc_R[i + j + 1] = d.efc_R[i + 1] * fri[0] * fri[0] / (fri[j] * fri[j]);
    } else {
      const T Rpy = T(2) * mu * mu * d.efc_R[i];
      for (int j = 0; j < dim; ++j) d.efc_R[i + j] = Rpy;
    }
  }
  for (int j = 0; j < dim; ++j) {
    const int i = r0 + j;
    d.efc_D[i] = T(1) / d.efc_R[i];
    d.efc_diagApprox[i] = d.efc_R[i] * d.efc_KBIP[4 * i + 2] / (T(1) - d.efc_KBIP[4 * i + 2]);
  }
}

// ---- rows of each kind (mj_makeConstraint's order: equality, friction loss, limits, contacts) ----

/// Staged Jacobian rows J(b0, pos0) - J(b1, pos1) of a connect (3 rows) or weld (6 rows)
/// equality i, its violation in cpos and its two bodies in b0, b1.
template <class T, class L>
SINEW_INLINE void equality_connect_weld(const ModelView<T>& m, const WorldData<T, L>& d, int i, T* cpos, int& b0,
                                        int& b1) {
  constexpr int NEQ = NEQDATA;
  const T* data = m.eq_data + NEQ * i;
  const int id0 = m.eq_obj1id[i], id1 = m.eq_obj2id[i], type = m.eq_type[i];
  const bool site = m.eq_objtype[i] == OBJ_SITE;
  vec3<T> pos[2];
  for (int j = 0; j < 2; ++j) {
    const int id = j ? id1 : id0;
    if (!site) {
      const T* anchor = type == EQ_CONNECT ? data + 3 * j : data + 3 * (1 - j);
      pos[j] = getm(d.xmat, id) * vec3<T>::load(anchor) + get3(d.xpos, id);
      (j ? b1 : b0) = id;
    } else {
      pos[j] = get3(d.site_xpos, id);
      (j ? b1 : b0) = m.site_bodyid[id];
    }
  }
  const vec3<T> e = pos[0] - pos[1];
  cpos[0] = e.x;
  cpos[1] = e.y;
  cpos[2] = e.z;
  const vec3<T> off0 = pos[0] - get3(d.subtree_com, m.body_rootid[b0]);
  const vec3<T> off1 = pos[1] - get3(d.subtree_com, m.body_rootid[b1]);
  auto xq = [&](int b) { return quat<T>{d.xquat[4 * b], d.xquat[4 * b + 1], d.xquat[4 * b + 2], d.xquat[4 * b + 3]}; };
  quat<T> q, q1;
  T ts = T(1);
  if (type == EQ_WELD) {
    ts = data[10];
    if (!site) {
      q = mul(xq(id0), quat<T>::load(data + 6));
      q1 = conj(xq(id1));
    } else {
      q = mul(xq(b0), quat<T>::load(m.site_quat + 4 * id0));
      q1 = conj(mul(xq(b1), quat<T>::load(m.site_quat + 4 * id1)));
    }
    const quat<T> q2 = mul(q1, q);
    cpos[3] = q2.x * ts;
    cpos[4] = q2.y * ts;
    cpos[5] = q2.z * ts;
  }
  // Jacobian difference J(b0, pos0) - J(b1, pos1), column by column
  for_chain_pair(m, b1, b0, [&](int j, bool on1, bool on0) {
    vec3<T> p0, r0v, p1, r1v;
    jac_col(m, d, j, on0, off0, p0, r0v);
    jac_col(m, d, j, on1, off1, p1, r1v);
    const vec3<T> dp = p0 - p1;
    stage(m, d, 0, j) = dp.x;
    stage(m, d, 1, j) = dp.y;
    stage(m, d, 2, j) = dp.z;
    if (type == EQ_WELD) {
      const vec3<T> ax = r0v - r1v;
      const quat<T> q2 = mul(q1, quat<T>{T(0), ax.x, ax.y, ax.z});
      const quat<T> q3 = mul(q2, q);
      stage(m, d, 3, j) = T(0.5) * q3.x * ts;
      stage(m, d, 4, j) = T(0.5) * q3.y * ts;
      stage(m, d, 5, j) = T(0.5) * q3.z * ts;
    }
  });
}

/// Staged Jacobian row and violation cpos[0] of a joint or tendon coupling equality i:
/// obj1 - ref1 - polycoef(obj2 - ref2), or obj1 - ref1 - data[0] without a second object.
template <class T, class L>
SINEW_INLINE void equality_coupling(const ModelView<T>& m, const WorldData<T, L>& d, int i, T* cpos) {
  constexpr int NEQ = NEQDATA;
  const T* data = m.eq_data + NEQ * i;
  const int id0 = m.eq_obj1id[i], id1 = m.eq_obj2id[i], type = m.eq_type[i];
  T p[2] = {T(0), T(0)}, ref[2] = {T(0), T(0)};
  for (int j = 0; j < 1 + (id1 >= 0); ++j) {
    const int id = j ? id1 : id0;
    if (type == EQ_JOINT) {
      p[j] = d.qpos[m.jnt_qposadr[id]];
      ref[j] = m.qpos0[m.jnt_qposadr[id]];
    } else {
      p[j] = d.ten_length[id];
      ref[j] = m.tendon_length0[id];
    }
  }
  if (type == EQ_JOINT) stage(m, d, 0, m.jnt_dofadr[id0]) = T(1);
  else ten_row(m, d, id0, T(1));
  if (id1 >= 0) {
    const T dif = p[1] - ref[1];
    cpos[0] = p[0] - ref[0] - data[0] -
              (data[1] * dif + data[2] * dif * dif + data[3] * dif * dif * dif + data[4] * dif * dif * dif * dif);
    const T deriv = data[1] + T(2) * data[2] * dif + T(3) * data[3] * dif * dif + T(4) * data[4] * dif * dif * dif;
    if (type == EQ_JOINT) {
      stage(m, d, 0, m.jnt_dofadr[id1]) += T(1) * (-deriv);
    } else {
      const int adr = m.ten_J_rowadr[id1];
      for (int k = adr; k < adr + m.ten_J_rownnz[id1]; ++k) stage(m, d, 0, m.ten_J_colind[k]) += d.ten_J[k] * (-deriv);
    }
  } else {
    cpos[0] = p[0] - ref[0] - data[0];
  }
}

/// The rows of the active equalities (connect 3, weld 6, joint and tendon coupling 1).
template <class T, class L> SINEW_INLINE void equality_rows(const ModelView<T>& m, const WorldData<T, L>& d) {
  for (int i = 0; i < m.size.neq; ++i) {
    if (!d.eq_active[i]) continue;
    const int id0 = m.eq_obj1id[i], id1 = m.eq_obj2id[i], type = m.eq_type[i];
    const int size = type == EQ_CONNECT ? 3 : type == EQ_WELD ? 6 : 1;
    const int r0 = reserve(m, d, size);
    if (r0 < 0) continue;
    T cpos[6] = {T(0), T(0), T(0), T(0), T(0), T(0)};
    int b0 = 0, b1 = 0;
    if (type == EQ_CONNECT || type == EQ_WELD) equality_connect_weld(m, d, i, cpos, b0, b1);
    else equality_coupling(m, d, i, cpos);  // joint or tendon coupling
    if (compress_rows(m, d, r0, size) == 0) continue;
    commit(d, r0, size, cpos, static_cast<const T*>(nullptr), T(0), CNSTR_EQUALITY, i);
    // diagApprox
    for (int k = 0; k < size; ++k) {
      T da;
      if (type == EQ_CONNECT) da = m.body_invweight0[2 * b0] + m.body_invweight0[2 * b1];
      else if (type == EQ_WELD) da = m.body_invweight0[2 * b0 + (k > 2)] + m.body_invweight0[2 * b1 + (k > 2)];
      else {
        da = type == EQ_JOINT ? m.dof_invweight0[m.jnt_dofadr[id0]] : m.tendon_invweight0[id0];
        if (id1 >= 0) da += type == EQ_JOINT ? m.dof_invweight0[m.jnt_dofadr[id1]] : m.tendon_invweight0[id1];
      }
      d.efc_diagApprox[r0 + k] = da;
    }
    T pos = cpos[0];
    if (size > 1) {
      T s = T(0);
      for (int k = 0; k < size; ++k) s += cpos[k] * cpos[k];
      pos = std::sqrt(s);
    }
    finish(m, d, r0, size, m.eq_solref + 2 * i, static_cast<const T*>(nullptr), m.eq_solimp + 5 * i, pos,
           static_cast<const T*>(nullptr));
  }
}

/// Friction-loss rows: dofs, then tendons.
template <class T, class L> SINEW_INLINE void friction_rows(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int nv = m.size.nv;
  for (int i = 0; i < nv; ++i) {
    if (!(m.dof_frictionloss[i] > T(0))) continue;
    const int r0 = reserve(m, d, 1);
    if (r0 < 0) continue;
    stage(m, d, 0, i) = T(1);
    compress_rows(m, d, r0, 1);
    commit(d, r0, 1, static_cast<const T*>(nullptr), static_cast<const T*>(nullptr), m.dof_frictionloss[i],
           CNSTR_FRICTION_DOF, i);
    d.efc_diagApprox[r0] = m.dof_invweight0[i];
    finish(m, d, r0, 1, m.dof_solref + 2 * i, static_cast<const T*>(nullptr), m.dof_solimp + 5 * i, T(0),
           static_cast<const T*>(nullptr));
  }
  for (int i = 0; i < m.size.ntendon; ++i) {
    if (!(m.tendon_frictionloss[i] > T(0))) continue;
    const int r0 = reserve(m, d, 1);
    if (r0 < 0) continue;
    ten_row(m, d, i, T(1));
    if (compress_rows(m, d, r0, 1) == 0) continue;
    commit(d, r0, 1, static_cast<const T*>(nullptr), static_cast<const T*>(nullptr), m.tendon_frictionloss[i],
           CNSTR_FRICTION_TENDON, i);
    d.efc_diagApprox[r0] = m.tendon_invweight0[i];
    finish(m, d, r0, 1, m.tendon_solref_fri + 2 * i, static_cast<const T*>(nullptr), m.tendon_solimp_fri + 5 * i, T(0),
           static_cast<const T*>(nullptr));
  }
}

/// Joint limit rows: hinge and slide (lower, then upper side), ball.
template <class T, class L> SINEW_INLINE void joint_limit_rows(const ModelView<T>& m, const WorldData<T, L>& d) {
  for (int i = 0; i < m.size.njnt; ++i) {
    if (!m.jnt_limited[i]) continue;
    T margin = m.jnt_margin[i];
    const int tp = m.jnt_type[i], dof = m.jnt_dofadr[i];
    if (tp == JNT_SLIDE || tp == JNT_HINGE) {
      const T value = d.qpos[m.jnt_qposadr[i]];
      for (int side = -1; side <= 1; side += 2) {
        T dist = T(side) * (m.jnt_range[2 * i + (side + 1) / 2] - value);
        if (!(dist < margin)) continue;
        const int r0 = reserve(m, d, 1);
        if (r0 < 0) continue;
        stage(m, d, 0, dof) = -T(side);
        compress_rows(m, d, r0, 1);
        commit(d, r0, 1, &dist, &margin, T(0), CNSTR_LIMIT_JOINT, i);
        d.efc_diagApprox[r0] = m.dof_invweight0[dof];
        finish(m, d, r0, 1, m.jnt_solref + 2 * i, static_cast<const T*>(nullptr), m.jnt_solimp + 5 * i, dist,
               static_cast<const T*>(nullptr));
      }
    } else if (tp == JNT_BALL) {
      const int adr = m.jnt_qposadr[i];
      quat<T> q{d.qpos[adr], d.qpos[adr + 1], d.qpos[adr + 2], d.qpos[adr + 3]};
      normalize(q);
      vec3<T> aa = quat_to_vel(q, T(1));
      const T value = normalize(aa);
      T dist = tmax(m.jnt_range[2 * i], m.jnt_range[2 * i + 1]) - value;
      if (!(dist < margin)) continue;
      const int r0 = reserve(m, d, 1);
      if (r0 < 0) continue;
      stage(m, d, 0, dof) = -aa.x;
      stage(m, d, 0, dof + 1) = -aa.y;
      stage(m, d, 0, dof + 2) = -aa.z;
      if (compress_rows(m, d, r0, 1) == 0) continue;
      commit(d, r0, 1, &dist, &margin, T(0), CNSTR_LIMIT_JOINT, i);
      d.efc_diagApprox[r0] = m.dof_invweight0[dof];
      finish(m, d, r0, 1, m.jnt_solref + 2 * i, static_cast<const T*>(nullptr), m.jnt_solimp + 5 * i, dist,
             static_cast<const T*>(nullptr));
    }
  }
}

/// Tendon limit rows (lower, then upper side).
template <class T, class L> SINEW_INLINE void tendon_limit_rows(const ModelView<T>& m, const WorldData<T, L>& d) {
  for (int i = 0; i < m.size.ntendon; ++i) {
    if (!m.tendon_limited[i]) continue;
    const T value = d.ten_length[i];
    T margin = m.tendon_margin[i];
    for (int side = -1; side <= 1; side += 2) {
      T dist = T(side) * (m.tendon_range[2 * i + (side + 1) / 2] - value);
      if (!(dist < margin)) continue;
      const int r0 = reserve(m, d, 1);
      if (r0 < 0) continue;
      ten_row(m, d, i, -T(side));
      if (compress_rows(m, d, r0, 1) == 0) continue;
      commit(d, r0, 1, &dist, &margin, T(0), CNSTR_LIMIT_TENDON, i);
      d.efc_diagApprox[r0] = m.tendon_invweight0[i];
      finish(m, d, r0, 1, m.tendon_solref_lim + 2 * i, static_cast<const T*>(nullptr), m.tendon_solimp_lim + 5 * i,
             dist, static_cast<const T*>(nullptr));
    }
  }
}

/// Contact rows in Data's contact order (frictionless 1, pyramidal 2(dim-1), elliptic dim).
template <class T, class L> SINEW_INLINE void contact_rows(const ModelView<T>& m, const WorldData<T, L>& d) {
  const bool pyramid = m.opt.cone == CONE_PYRAMIDAL;
  for (int c = 0; c < d.ncon[0]; ++c) {
    const T dist = d.contact_dist[c], im = d.contact_includemargin[c];
    if (dist >= im) continue;  // in the gap: excluded (mjContact::exclude = 1)
    const int dim = d.contact_dim[c];
    const int b0 = m.geom_bodyid[d.contact_geom[2 * c]], b1 = m.geom_bodyid[d.contact_geom[2 * c + 1]];
    if (tendon_detail::last_dof(m, b0) < 0 && tendon_detail::last_dof(m, b1) < 0) continue;  // no dofs
    const int size = dim == 1 ? 1 : pyramid ? 2 * (dim - 1) : dim;
    const int type = dim == 1 ? CNSTR_CONTACT_FRICTIONLESS : pyramid ? CNSTR_CONTACT_PYRAMIDAL : CNSTR_CONTACT_ELLIPTIC;
    const int r0 = reserve(m, d, size);
    if (r0 < 0) continue;
    T fr[9], fri[5];
    for (int k = 0; k < 9; ++k) fr[k] = d.contact_frame[9 * c + k];
    for (int k = 0; k < 5; ++k) fri[k] = d.contact_friction[5 * c + k];
    const vec3<T> pos = get3(d.contact_pos, c);
    const vec3<T> off0 = pos - get3(d.subtree_com, m.body_rootid[b0]);
    const vec3<T> off1 = pos - get3(d.subtree_com, m.body_rootid[b1]);
    const int nrot = dim > 3 ? dim - 3 : 0, ntr = dim > 1 ? 3 : 1;
    for_chain_pair(m, b0, b1, [&](int j, bool on0, bool on1) {
      vec3<T> p0, q0, p1, q1;
      jac_col(m, d, j, on0, off0, p0, q0);
      jac_col(m, d, j, on1, off1, p1, q1);
      const vec3<T> dp = p1 - p0, dr = q1 - q0;
      T jc[6];
      for (int r = 0; r < ntr; ++r) jc[r] = fr[3 * r] * dp.x + fr[3 * r + 1] * dp.y + fr[3 * r + 2] * dp.z;
      for (int r = 0; r < nrot; ++r) jc[3 + r] = fr[3 * r] * dr.x + fr[3 * r + 1] * dr.y + fr[3 * r + 2] * dr.z;
      if (dim == 1 || !pyramid) {
        for (int r = 0; r < size; ++r) stage(m, d, r, j) = jc[r];
      } else {
        for (int k = 1; k < dim; ++k) {
          stage(m, d, 2 * k - 2, j) = jc[0] + fri[k - 1] * jc[k];
          stage(m, d, 2 * k - 1, j) = jc[0] + (-fri[k - 1]) * jc[k];
        }
      }
    });
    T cpos[10], cmargin[10];  // up to 2 (dim - 1) = 10 rows (pyramidal condim 6)
    for (int k = 0; k < size; ++k) {
      const bool first = pyramid || k == 0;
      cpos[k] = first ? dist : T(0);
      cmargin[k] = first ? im : T(0);
    }
    compress_rows(m, d, r0, size);
    commit(d, r0, size, cpos, cmargin, T(0), type, c);
    const T tran = m.body_invweight0[2 * b0] + m.body_invweight0[2 * b1];
    const T rot = m.body_invweight0[2 * b0 + 1] + m.body_invweight0[2 * b1 + 1];
    if (type == CNSTR_CONTACT_FRICTIONLESS) d.efc_diagApprox[r0] = tran;
    else if (type == CNSTR_CONTACT_ELLIPTIC)
      for (int j = 0; j < dim; ++j) d.efc_diagApprox[r0 + j] = j < 3 ? tran : rot;
    else
      for (int j = 0; j < dim - 1; ++j) {
        const T f = fri[j];
        d.efc_diagApprox[r0 + 2 * j] = d.efc_diagApprox[r0 + 2 * j + 1] = tran + f * f * (j < 2 ? tran : rot);
      }
    T sr[2] = {d.contact_solref[2 * c], d.contact_solref[2 * c + 1]};
    T srf[2] = {d.contact_solreffriction[2 * c], d.contact_solreffriction[2 * c + 1]};
    T si[5];
    for (int k = 0; k < 5; ++k) si[k] = d.contact_solimp[5 * c + k];
    finish(m, d, r0, size, sr, srf, si, dist, fri);
  }
}

}  // namespace constraint_detail

/// Constraint rows and parameters of one world (see the header). Reads qpos, xpos, xmat, xquat,
/// site_xpos, subtree_com, cdof, ten_length, ten_J and the contacts; writes nefc, nefcoverflow
/// and efc_* of rows [0, nefc) except efc_vel / efc_aref (reference_constraint_world).
template <class T, class L> SINEW_HD inline void make_constraint_rows(const ModelView<T>& m, const WorldData<T, L>& d);

template <class T, class L>
SINEW_HD inline void make_constraint_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  make_constraint_rows(m, d);
  if (d.nconoverflow[0] > 0 || d.nefcoverflow[0] > 0) d.noverflow[0] += 1;  // the tally the tools report
  int ne = 0, nf = 0;
  for (int i = 0; i < d.nefc[0]; ++i) {
    ne += d.efc_type[i] == CNSTR_EQUALITY;
    nf += d.efc_type[i] == CNSTR_FRICTION_DOF || d.efc_type[i] == CNSTR_FRICTION_TENDON;
  }
  d.ne[0] = ne;
  d.nf[0] = nf;
}

template <class T, class L> SINEW_HD inline void make_constraint_rows(const ModelView<T>& m, const WorldData<T, L>& d) {
  using namespace constraint_detail;
  d.nefc[0] = 0;
  d.nefcoverflow[0] = 0;
  if (m.opt.disabled(DSBL_CONSTRAINT)) return;
  // the stage is zero between constraints (compress_rows re-zeroes what it read); cleared here so
  // that nothing left by an interrupted step can leak into a row
  for (int k = 0; k < kConstraintGroupRows * m.size.nv; ++k) d.efc_Jstage[k] = T(0);
  if (!m.opt.disabled(DSBL_EQUALITY)) equality_rows(m, d);
  if (!m.opt.disabled(DSBL_FRICTIONLOSS)) friction_rows(m, d);
  if (!m.opt.disabled(DSBL_LIMIT)) {
    joint_limit_rows(m, d);
    tendon_limit_rows(m, d);
  }
  if (!m.opt.disabled(DSBL_CONTACT) && m.size.nv > 0) contact_rows(m, d);
}

/// efc_vel = J qvel (over each row's nonzero columns) and efc_aref = -B vel - K imp (pos - margin) of rows [0, nefc)
/// (mj_referenceConstraint).
template <class T, class L>
SINEW_HD inline void reference_constraint_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  const int w = m.size.efc_width(), nefc = d.nefc[0];
  for (int i = 0; i < nefc; ++i) {
    T v = T(0);
    for (int x = 0; x < d.efc_J_rownnz[i]; ++x) v += d.efc_J[i * w + x] * d.qvel[d.efc_J_colind[i * w + x]];
    d.efc_vel[i] = v;
    d.efc_aref[i] =
        -d.efc_KBIP[4 * i + 1] * v - d.efc_KBIP[4 * i] * d.efc_KBIP[4 * i + 2] * (d.efc_pos[i] - d.efc_margin[i]);
  }
}

}  // namespace sinew
