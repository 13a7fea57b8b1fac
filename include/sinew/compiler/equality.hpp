// Equality-constraint compilation and the constraint constants of mj_setConst.
//
//   sinew::compile_equality(model);          // called by the MJCF loader after compile_tendons
//   sinew::compile_capacities(model);        // after compile_contacts: nconmax, njmax (see there)
//
// compile_equality: Model::pending <equality> elements (connect, weld, joint, tendon; flex is
// rejected by the reader) -> eq_type, eq_obj1id, eq_obj2id (-1: none; world body 0 for a missing
// body2), eq_objtype (OBJ_BODY / OBJ_SITE for connect and weld; OBJ_UNKNOWN for joint and tendon, as MuJoCo 3.4), eq_active0, eq_solref,
// eq_solimp, eq_data (NEQDATA = 11 reals as mjModel: connect body: anchor in body1 frame [0..2],
// the same point in body2 frame at qpos0 [3..5]; weld body: anchor [0..2], relpose pos [3..5] and
// quat [6..9] (computed at qpos0 when the quaternion is not given), torquescale [10]; joint /
// tendon: polycoef [0..4]; site semantics leave the anchors unused as MuJoCo does). Errors
// (ModelError at the element's file:line): unknown or missing objects, body and site semantics
// mixed, site1 without site2, coupling a non-scalar joint.
//
// It also computes, at qpos0 (mj_setConst set0), dof_invweight0 and body_invweight0
// (tendon_invweight0 comes from compile_tendons): body i: the mean of the translational and of the
// rotational diagonal of J M^-1 J^T with J the Jacobian at the body's centre of mass (0 for bodies
// welded to the world; MuJoCo 3.4.0 has no fallback between the two when one is zero); dof: M^-1_ii, the mean over
// a ball's 3 dofs, translational and rotational means for a free joint. Not reproduced: MuJoCo's
// shortcut for "simple" bodies with slide joints only (body_simple == 2: 1/mass, which ignores
// armature). And stat_meaninertia: the mean diagonal of M at qpos0 (a <statistic meaninertia>
// given in the MJCF replaces it; the loader sets that).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/collision/dispatch.hpp"
#include "sinew/data/data.hpp"
#include "sinew/dynamics/crb.hpp"
#include "sinew/dynamics/factor_m.hpp"
#include "sinew/io/error.hpp"
#include "sinew/kinematics/com_pos.hpp"
#include "sinew/kinematics/jacobian.hpp"
#include "sinew/kinematics/kinematics.hpp"
#include "sinew/math/quat.hpp"
#include "sinew/compiler/tendon.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Sets the constraint solver's and the integrator's work-space sizes from m.opt (see
/// ModelSizes::nsolH, nqH). Call again after changing opt.solver, opt.cone, opt.integrator or the
/// eulerdamp / damper flags, before creating Data (apply_option does; so do Python's Batch and
/// compile_capacities).
template <class T> inline void compile_solver_sizes(Model<T>& m) {
  const bool newton = m.opt.solver == SOL_NEWTON, elliptic = m.opt.cone == CONE_ELLIPTIC;
  m.nsolH = newton ? m.nv * (m.nv + 1) / 2 : 0;  // packed lower triangles (constraint/primal.hpp)
  m.nsolHcone = newton && elliptic ? m.nv * (m.nv + 1) / 2 : 0;
  m.nconH = newton && elliptic ? 36 * m.nconmax : 0;
  const long long ar = m.opt.solver == SOL_PGS ? (long long)m.njmax * m.njmax : 0;
  if (ar > 2147483647LL)
    throw std::length_error("the PGS solver's dense AR matrix (njmax x njmax, njmax = " + std::to_string(m.njmax) +
                            " rows) has more than 2^31 entries; lower nconmax or use the Newton or CG solver");
  m.nAR = int(ar);
  const long long w = m.opt.noslip_iterations > 0 ? (long long)m.njmax * m.nv : 0;
  if (w > 2147483647LL)
    throw std::length_error("the noslip solver's M^-1 J' (njmax x nv, njmax = " + std::to_string(m.njmax) +
                            ") has more than 2^31 entries; lower nconmax");
  m.nsolW = int(w);
  set_integrator_sizes(static_cast<ModelSizes&>(m), m.opt);
}

namespace capacity_detail {
/// Constraint rows per world without contacts (see compile_constraint_sizes).
template <class T> inline long long rows_without_contacts(const Model<T>& m) {
  long long n = 0;
  for (int i = 0; i < m.neq; ++i) n += m.eq_type[size_t(i)] == EQ_CONNECT ? 3 : m.eq_type[size_t(i)] == EQ_WELD ? 6 : 1;
  for (int i = 0; i < m.nv; ++i) n += m.dof_frictionloss[size_t(i)] > 0 ? 1 : 0;
  for (int i = 0; i < m.ntendon; ++i)
    n += (m.tendon_frictionloss[size_t(i)] > 0 ? 1 : 0) + (m.tendon_limited[size_t(i)] ? 2 : 0);
  for (int j = 0; j < m.njnt; ++j)
    if (m.jnt_limited[size_t(j)])
      n += m.jnt_type[size_t(j)] == JNT_BALL ? 1 : (m.jnt_type[size_t(j)] == JNT_FREE ? 0 : 2);
  return n;
}
/// The most rows one contact can have under the model's cone.
template <class T> inline int rows_per_contact(const Model<T>& m) {
  int dimmax = 1;
  for (int g = 0; g < m.ngeom; ++g) dimmax = std::max(dimmax, m.geom_condim[size_t(g)]);
  for (int p = 0; p < m.npair; ++p) dimmax = std::max(dimmax, m.pair_dim[size_t(p)]);
  return m.opt.cone == CONE_ELLIPTIC ? dimmax : std::max(1, 2 * (dimmax - 1));
}

/// Dofs of body b's kinematic chain (the dofs of b and its ancestors), marked in `mark` with
/// `tag`; returns how many of them were not marked with `tag` before.
template <class T> inline int mark_chain(const Model<T>& m, int b, std::vector<int>& mark, int tag) {
  while (b > 0 && m.body_dofnum[size_t(b)] == 0) b = m.body_parentid[size_t(b)];
  int added = 0;
  for (int j = b > 0 ? m.body_dofadr[size_t(b)] + m.body_dofnum[size_t(b)] - 1 : -1; j >= 0;
       j = m.dof_parentid[size_t(j)])
    if (mark[size_t(j)] != tag) {
      mark[size_t(j)] = tag;
      ++added;
    }
  return added;
}
}  // namespace capacity_detail

/// Sets m.nJrow, the most nonzeros a constraint row of the model can have: a contact row touches
/// the union of the dof chains of its two geoms' bodies (over the candidate pairs), a connect or
/// weld row those of its two bodies (or sites' bodies), a joint coupling two dofs, a tendon
/// coupling its two tendons' Jacobian columns, a tendon limit or friction row its tendon's, a
/// ball limit 3, any other row 1. Structural: a row's actual nonzeros are a subset.
template <class T> inline void compile_row_width(Model<T>& m) {
  using capacity_detail::mark_chain;
  std::vector<int> mark(size_t(m.nv), -1);
  int tag = 0, width = m.nv > 0 ? 1 : 0;
  const auto pair = [&](int b1, int b2) {
    ++tag;
    const int n = mark_chain(m, b1, mark, tag) + mark_chain(m, b2, mark, tag);
    width = std::max(width, n);
  };
  for (int k = 0; k < m.ncollision; ++k)
    pair(m.geom_bodyid[size_t(m.collision_pair[size_t(3 * k)])],
         m.geom_bodyid[size_t(m.collision_pair[size_t(3 * k + 1)])]);
  const auto ten_cols = [&](int t) {
    for (int k = m.ten_J_rowadr[size_t(t)]; k < m.ten_J_rowadr[size_t(t)] + m.ten_J_rownnz[size_t(t)]; ++k)
      mark[size_t(m.ten_J_colind[size_t(k)])] = tag;
  };
  for (int i = 0; i < m.neq; ++i) {
    const int type = m.eq_type[size_t(i)], id0 = m.eq_obj1id[size_t(i)], id1 = m.eq_obj2id[size_t(i)];
    if (type == EQ_CONNECT || type == EQ_WELD) {
      const bool site = m.eq_objtype[size_t(i)] == OBJ_SITE;
      const auto body = [&](int id) { return id < 0 ? 0 : site ? m.site_bodyid[size_t(id)] : id; };
      pair(body(id0), body(id1));
    } else if (type == EQ_JOINT) {
      width = std::max(width, id1 >= 0 ? 2 : 1);
    } else if (type == EQ_TENDON) {
      ++tag;
      ten_cols(id0);
      if (id1 >= 0) ten_cols(id1);
      width = std::max(width, int(std::count(mark.begin(), mark.end(), tag)));
    }
  }
  for (int t = 0; t < m.ntendon; ++t) width = std::max(width, m.ten_J_rownnz[size_t(t)]);
  for (int j = 0; j < m.njnt; ++j)
    if (m.jnt_type[size_t(j)] == JNT_BALL) width = std::max(width, 3);
  m.nJrow = std::min(width, m.nv);
}

namespace capacity_detail {
/// Bytes of one world's Data in double at contact capacity c (njmax and the solver's work space
/// following from it, as compile_constraint_sizes and compile_solver_sizes set them), or -1 when
/// a field would have 2^31 entries or more.
template <class T> inline long long data_bytes_at(const Model<T>& m, long long c) {
  const long long rows = rows_without_contacts(m) + c * rows_per_contact(m), nv = m.nv;
  const long long big = 2147483647LL;
  if (c > big / 36 || rows > big || rows * std::max(nv, 4LL) > big || (m.opt.solver == SOL_PGS && rows * rows > big))
    return -1;
  ModelSizes s = m.sizes();
  s.nconmax = int(c);
  s.njmax = int(rows);
  s.nconH = m.opt.solver == SOL_NEWTON && m.opt.cone == CONE_ELLIPTIC ? int(36 * c) : 0;
  s.nAR = m.opt.solver == SOL_PGS ? int(rows * rows) : 0;
  s.nsolW = m.opt.noslip_iterations > 0 ? int(rows * nv) : 0;
  const DataLayoutInfo info(s);
  return (long long)(info.nreal * sizeof(double) + info.nint * sizeof(int));
}
}  // namespace capacity_detail

/// m.nconmax_pairs: the most contacts the candidate pairs can produce at once (pair_maxcontact
/// summed, with the option's multiccd flag): compile_contacts, and compile_capacities each time
/// (the flag may have changed since, from apply_option or Python's writable opt.enableflags).
template <class T> inline void count_pair_contacts(Model<T>& m) {
  long long n = 0;
  const std::vector<int>& rows = m.collision_pair;
  for (int k = 0; k < m.ncollision; ++k) {
    const int t1 = m.geom_type[size_t(rows[size_t(3 * k)])], t2 = m.geom_type[size_t(rows[size_t(3 * k + 1)])];
    n += collision::pair_maxcontact(std::min(t1, t2), std::max(t1, t2), m.opt.enabled(ENBL_MULTICCD));
  }
  m.nconmax_pairs = int(std::min<long long>(n, 2147483647LL));
}

/// MuJoCo 3.4's arena size in bytes for the model (mjModel::narena, as mjCModel::Compile sets it):
/// <size memory> when given; else 8 nstack when <size nstack> is given, or the heuristic
/// 8 max(1000, 5 (njmax + neq + nv)^2 + 20 (nq + nv + nu + na + nbody + njnt + ngeom + nsite + neq
/// + ntendon + nwrap)); plus the footprint nconmax contacts and njmax rows had before the arena
/// (the <size> hints, 100 and 500 when not given); rounded up to a whole MiB.
inline long long mujoco_arena_bytes(const ModelSizes& s) {
  if (s.size_memory >= 0) return s.size_memory;
  const long long nc = s.size_nconmax == -1 ? 100 : s.size_nconmax, nj = s.size_njmax == -1 ? 500 : s.size_njmax;
  const long long nv = s.nv;
  long long a = 0;
  if (s.size_nstack != -1) {
    a = 8LL * s.size_nstack;
  } else {
    const long long t = nj + s.neq + nv;
    const long long objects =
        (long long)s.nq + s.nv + s.nu + s.na + s.nbody + s.njnt + s.ngeom + s.nsite + s.neq + s.ntendon + s.nwrap;
    a = 8LL * std::max(1000LL, 5 * t * t + 20 * objects);
  }
  constexpr long long contact_bytes = 576;  // sizeof(mjContact) in MuJoCo 3.4
  a += nc * contact_bytes + nj * (8 * 4 + 14 * 8) + nv * 3 * 4 + nj * nv * (2 * 4 + 2 * 8) + nj * nj * (4 + 8);
  constexpr long long mib = 1LL << 20;
  return (a + mib - 1) / mib * mib;
}

/// Sets m.njmax to the worst case of constraint rows per world for m.nconmax contacts: every
/// equality row, every friction-loss row, both sides of every scalar limit (one row per ball
/// limit), and nconmax contacts with the largest row count a contact can have under the model's
/// cone. Lower it before creating Data to save memory (rows past it are dropped and counted in
/// nefcoverflow).
template <class T> inline void compile_constraint_sizes(Model<T>& m) {
  const long long n =
      capacity_detail::rows_without_contacts(m) + (long long)m.nconmax * capacity_detail::rows_per_contact(m);
  if (capacity_detail::data_bytes_at(m, m.nconmax) < 0)
    throw std::length_error("the contact capacity " + std::to_string(m.nconmax) + " (" + std::to_string(n) +
                            " constraint rows) makes a Data field of 2^31 entries or more; lower nconmax");
  m.njmax = int(n);
  compile_solver_sizes(m);
}

/// The default capacities (ModelSizes::nconmax, njmax): no contacts when contacts or constraints
/// are disabled; else every contact the candidate pairs can produce (nconmax_pairs), so none can
/// overflow, as long as the memory those contacts and their rows take in one world's Data
/// (double) is at most MuJoCo's arena for the model (narena, which holds MuJoCo's contacts, rows
/// and solver memory); past it, the most contacts that fit in narena, at least
/// min(nconmax_pairs, <size nconmax> or 100) (contacts past the capacity are dropped and counted
/// per world in nconoverflow, as MuJoCo's arena overflow warns mjWARN_CONTACTFULL). Call after
/// compile_contacts, and again after changing the contact or constraint flags (apply_option does).
/// `arena`: recompute narena from the model's sizes (the loader does, once they are MuJoCo's);
/// otherwise the loaded value is kept, since later changes (Sinew's muscle models' activations,
/// added sites) are not MuJoCo's.
template <class T> inline void compile_capacities(Model<T>& m, bool arena = false) {
  using namespace capacity_detail;
  count_pair_contacts(m);
  compile_row_width(m);
  if (arena || m.narena == 0) m.narena = mujoco_arena_bytes(m);
  const bool off = m.opt.disabled(DSBL_CONTACT) || m.opt.disabled(DSBL_CONSTRAINT);
  long long c = off ? 0 : m.nconmax_pairs;
  const long long base = data_bytes_at(m, 0);
  auto fits = [&](long long k) {
    const long long b = data_bytes_at(m, k);
    return b >= 0 && base >= 0 && b - base <= m.narena;
  };
  if (c > 0 && !fits(c)) {
    long long lo = 0, hi = c;  // fits(lo) or lo == 0; !fits(hi)
    while (hi - lo > 1) {
      const long long mid = lo + (hi - lo) / 2;
      (fits(mid) ? lo : hi) = mid;
    }
    const long long floor = std::min<long long>(c, m.size_nconmax > 0 ? m.size_nconmax : 100);
    c = std::max(lo, floor);
  }
  m.nconmax = int(c);
  compile_constraint_sizes(m);
}

namespace equality_compile_detail {
using tendon_compile_detail::attr;
using tendon_compile_detail::fail;
using tendon_compile_detail::reals;

inline int lookup(const PendingElement& p, const std::vector<std::string>& names, const char* key, const char* what,
                  bool required) {
  const std::string* s = attr(p, key);
  if (!s || s->empty()) {
    if (required) fail(p, std::string("equality requires attribute '") + key + "'");
    return -1;
  }
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == *s) return int(i);
  fail(p, std::string("unknown ") + what + " '" + *s + "' in attribute '" + key + "'");
}

/// Equality i's eq_* fields from its resolved element (defaults as mjs_defaultEquality).
inline void read_equality(Model<double>& m, const PendingElement& p, size_t i) {
  double* data = &m.eq_data[NEQDATA * i];
  data[1] = 1;
  data[10] = 1;  // mjs_defaultEquality
  double sr[2] = {0.02, 1}, si[5] = {0.9, 0.95, 0.001, 0.5, 2};
  reals(p, "solref", sr, 2);
  reals(p, "solimp", si, 5);
  for (int k = 0; k < 2; ++k) m.eq_solref[2 * i + size_t(k)] = sr[k];
  for (int k = 0; k < 5; ++k) m.eq_solimp[5 * i + size_t(k)] = si[k];
  if (const std::string* a = attr(p, "active")) {
    if (*a == "true") m.eq_active0[i] = 1;
    else if (*a == "false") m.eq_active0[i] = 0;
    else fail(p, "attribute 'active' must be 'true' or 'false', got '" + *a + "'");
  }
  if (p.kind == "connect" || p.kind == "weld") {
    const bool weld = p.kind == "weld";
    m.eq_type[i] = weld ? EQ_WELD : EQ_CONNECT;
    const bool hasb = attr(p, "body1") || attr(p, "body2"), hass = attr(p, "site1") || attr(p, "site2");
    if (hasb && hass) fail(p, "body and site semantics cannot be mixed in a " + p.kind + " equality");
    if (hass) {
      m.eq_objtype[i] = OBJ_SITE;
      m.eq_obj1id[i] = lookup(p, m.site_names, "site1", "site", true);
      m.eq_obj2id[i] = lookup(p, m.site_names, "site2", "site", true);
      if (weld) {
        reals(p, "anchor", data, 3);
        reals(p, "torquescale", data + 10, 1);
      }
    } else {
      m.eq_objtype[i] = OBJ_BODY;
      m.eq_obj1id[i] = lookup(p, m.body_names, "body1", "body", true);
      const int b2 = lookup(p, m.body_names, "body2", "body", false);
      m.eq_obj2id[i] = b2 < 0 ? 0 : b2;
      data[0] = data[1] = data[2] = 0;
      reals(p, "anchor", data, 3);
      if (weld) {
        reals(p, "relpose", data + 3, 7);
        reals(p, "torquescale", data + 10, 1);
      }
    }
  } else if (p.kind == "joint") {
    m.eq_type[i] = EQ_JOINT;
    m.eq_objtype[i] = OBJ_UNKNOWN;  // MuJoCo 3.4 records no object type for joint equalities
    m.eq_obj1id[i] = lookup(p, m.jnt_names, "joint1", "joint", true);
    m.eq_obj2id[i] = lookup(p, m.jnt_names, "joint2", "joint", false);
    for (int k = 0; k < 2; ++k) {
      const int j = k ? m.eq_obj2id[i] : m.eq_obj1id[i];
      if (j >= 0 && m.jnt_type[size_t(j)] != JNT_HINGE && m.jnt_type[size_t(j)] != JNT_SLIDE)
        fail(p, "only hinge and slide joints can be coupled by a joint equality");
    }
    reals(p, "polycoef", data, 5);
  } else if (p.kind == "tendon") {
    m.eq_type[i] = EQ_TENDON;
    m.eq_objtype[i] = OBJ_UNKNOWN;  // nor for tendon equalities
    m.eq_obj1id[i] = lookup(p, m.tendon_names, "tendon1", "tendon", true);
    m.eq_obj2id[i] = lookup(p, m.tendon_names, "tendon2", "tendon", false);
    reals(p, "polycoef", data, 5);
  } else {
    fail(p, "equality '" + p.kind + "' is not supported");
  }
}
}  // namespace equality_compile_detail

/// Compiles Model::pending equality constraints and the invweight0 constants (see the header).
inline void compile_equality(Model<double>& m) {
  using namespace equality_compile_detail;
  std::vector<const PendingElement*> eqs;
  for (const auto& p : m.pending)
    if (p.section == "equality") eqs.push_back(&p);
  m.neq = int(eqs.size());
  const size_t ne = size_t(m.neq);
  m.eq_type.assign(ne, 0);
  m.eq_obj1id.assign(ne, -1);
  m.eq_obj2id.assign(ne, -1);
  m.eq_objtype.assign(ne, 0);
  m.eq_active0.assign(ne, 1);
  m.eq_solref.assign(2 * ne, 0.0);
  m.eq_solimp.assign(5 * ne, 0.0);
  m.eq_data.assign(NEQDATA * ne, 0.0);
  m.dof_invweight0.assign(size_t(m.nv), 0.0);
  m.body_invweight0.assign(2 * size_t(m.nbody), 0.0);
  m.stat_meaninertia.assign(1, 1.0);

  for (size_t i = 0; i < ne; ++i) read_equality(m, *eqs[i], i);

  // constants at qpos0 (mj_setConst set0)
  if (m.nbody == 0) return;
  Data<double> data(m.sizes(), 1);
  const ModelView<double> mv = m.view();
  const WorldData<double, WorldOuter> d = data.view().world(0);
  for (int k = 0; k < m.nq; ++k) d.qpos[k] = m.qpos0[size_t(k)];
  kinematics(mv, d);
  com_pos(mv, d);
  tendon_world(mv, d);
  crb(mv, d);
  factor_m(mv, d.qM, d.qLD, d.qLDiagInv);
  const int nv = m.nv;
  if (nv > 0) {  // mean diagonal of M at qpos0 (mjStatistic::meaninertia), the solvers' scale
    double s = 0;
    for (int k = 0; k < nv; ++k) s += d.qM[m.dof_Madr[size_t(k)]];
    m.stat_meaninertia[0] = s / nv;
  }
  std::vector<double> jac(static_cast<size_t>(6 * nv)), tmp(static_cast<size_t>(nv));
  auto quad = [&](const double* row) {  // row M^-1 row^T
    for (int k = 0; k < nv; ++k) tmp[size_t(k)] = row[k];
    solve_m(mv, d.qLD, d.qLDiagInv, tmp.data());
    double s = 0;
    for (int k = 0; k < nv; ++k) s += row[k] * tmp[size_t(k)];
    return s;
  };
  for (int b = 1; b < m.nbody && nv > 0; ++b) {
    if (m.body_weldid[size_t(b)] == 0) continue;
    std::fill(jac.begin(), jac.end(), 0.0);
    const vec3<double> off = get3(d.xipos, b) - get3(d.subtree_com, m.body_rootid[size_t(b)]);
    for (int j = tendon_detail::last_dof(mv, b); j >= 0; j = m.dof_parentid[size_t(j)]) {
      const vec3<double> c = point_jac(d, j, off);
      for (int r = 0; r < 3; ++r) {
        jac[size_t(r * nv + j)] = c[r];
        jac[size_t((3 + r) * nv + j)] = d.cdof[6 * j + r];
      }
    }
    double A[6];
    for (int r = 0; r < 6; ++r) A[r] = quad(&jac[size_t(r * nv)]);
    const double tran = (A[0] + A[1] + A[2]) / 3, rot = (A[3] + A[4] + A[5]) / 3;  // 3.4.0: no fallback
    m.body_invweight0[2 * size_t(b)] = tran;
    m.body_invweight0[2 * size_t(b) + 1] = rot;
  }
  for (int j = 0; j < m.njnt && nv > 0; ++j) {
    const int id = m.jnt_dofadr[size_t(j)], tp = m.jnt_type[size_t(j)];
    const int dnum = tp == JNT_FREE ? 6 : tp == JNT_BALL ? 3 : 1;
    double A[6];
    for (int r = 0; r < dnum; ++r) {
      std::fill(jac.begin(), jac.begin() + nv, 0.0);
      jac[size_t(id + r)] = 1;
      A[r] = quad(jac.data());
    }
    if (dnum == 6) {
      const double t = (A[0] + A[1] + A[2]) / 3, r = (A[3] + A[4] + A[5]) / 3;
      for (int k = 0; k < 3; ++k) {
        m.dof_invweight0[size_t(id + k)] = t;
        m.dof_invweight0[size_t(id + 3 + k)] = r;
      }
    } else if (dnum == 3) {
      const double t = (A[0] + A[1] + A[2]) / 3;
      for (int k = 0; k < 3; ++k) m.dof_invweight0[size_t(id + k)] = t;
    } else {
      m.dof_invweight0[size_t(id)] = A[0];
    }
  }
  // missing eq_data of body connect / weld (mj_setConst)
  for (size_t i = 0; i < ne; ++i) {
    double* data_i = &m.eq_data[NEQDATA * i];
    const int id1 = m.eq_obj1id[i], id2 = m.eq_obj2id[i];
    if (m.eq_type[i] == EQ_CONNECT) {
      if (m.eq_objtype[i] == OBJ_SITE) {
        for (int k = 0; k < NEQDATA; ++k) data_i[k] = 0;
        continue;
      }
      const vec3<double> pos = getm(d.xmat, id1) * vec3<double>::load(data_i) + get3(d.xpos, id1);
      const vec3<double> loc = mul_transpose(getm(d.xmat, id2), pos - get3(d.xpos, id2));
      loc.store(data_i + 3);
    } else if (m.eq_type[i] == EQ_WELD && m.eq_objtype[i] == OBJ_BODY) {
      if (data_i[6] != 0 || data_i[7] != 0 || data_i[8] != 0 || data_i[9] != 0) {
        quat<double> q = quat<double>::load(data_i + 6);
        normalize(q);
        q.store(data_i + 6);
        continue;
      }
      const vec3<double> pos = getm(d.xmat, id2) * vec3<double>::load(data_i) + get3(d.xpos, id2);
      const vec3<double> loc = mul_transpose(getm(d.xmat, id1), pos - get3(d.xpos, id1));
      loc.store(data_i + 3);
      auto xq = [&](int b) {
        return quat<double>{d.xquat[4 * b], d.xquat[4 * b + 1], d.xquat[4 * b + 2], d.xquat[4 * b + 3]};
      };
      mul(conj(xq(id1)), xq(id2)).store(data_i + 6);
    }
  }
}

/// Joint springdamper="timeconst dampratio" (mjCModel::AutoSpringDamper, after mj_setConst):
/// with the joint's mean inertia I = ndof / sum(dof_invweight0), stiffness = I / (timeconst^2
/// dampratio^2) and damping = 2 I / timeconst on every dof of the joint, replacing the given
/// stiffness and damping. The compiler leaves these joints in Model::pending (section
/// "springdamper"); call after compile_equality (dof_invweight0).
inline void compile_springdamper(Model<double>& m) {
  std::vector<PendingElement> rest;
  for (PendingElement& p : m.pending) {
    if (p.section != "springdamper") {
      rest.push_back(std::move(p));
      continue;
    }
    int id = -1;
    double tc = 0, dr = 0;
    for (const auto& kv : p.attrs) {
      if (kv.first == "id") id = std::stoi(kv.second);
      if (kv.first == "springdamper") std::sscanf(kv.second.c_str(), "%lf %lf", &tc, &dr);
    }
    if (id < 0 || id >= m.njnt) throw std::logic_error("compile_springdamper: bad joint id");
    if (tc <= 0 || dr <= 0) continue;  // MuJoCo skips non-positive values (the reader rejects them)
    const int t = m.jnt_type[size_t(id)];
    const int ndim = t == JNT_FREE ? 6 : t == JNT_BALL ? 3 : 1;
    const int adr = m.jnt_dofadr[size_t(id)];
    double inertia = 0;
    for (int i = 0; i < ndim; ++i) inertia += m.dof_invweight0[size_t(adr + i)];
    inertia = double(ndim) / std::max(min_val<double>(), inertia);
    const double stiffness = inertia / std::max(min_val<double>(), tc * tc * dr * dr);
    const double damping = 2 * inertia / std::max(min_val<double>(), tc);
    m.jnt_stiffness[size_t(id)] = stiffness;
    for (int i = 0; i < ndim; ++i) m.dof_damping[size_t(adr + i)] = damping;
  }
  m.pending = std::move(rest);
}

}  // namespace sinew
