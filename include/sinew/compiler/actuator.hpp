// Actuator compilation (MuJoCo 3.4.0's mjCActuator::Compile, the actuator part of mj_setConst and
// mj_setLengthRange): the actuators the MJCF reader resolved (Model::pending, section
// "actuator", each holding its full parameter set, see ActuatorSpec) become the actuator_* and
// moment_* arrays.
//
//   compile_actuators(m);   // after compile_model, compile_tendons, compile_equality,
//                           // compile_contacts and compile_constraint_sizes
//
// - transmission targets by name; limited flags "auto" resolved from the ranges (autolimits);
//   inheritrange (position/intvelocity) copies the target joint's or tendon's range; range and
//   muscle parameter checks with MuJoCo's messages, at the actuator's file:line;
// - actadr/actnum (na), the fixed sparsity of the moment rows (joint: its dofs; tendon: the
//   tendon's ten_J sparsity), nJmom;
// - at qpos0, with the engine's own per-world stages on a one-world Data<double>:
//   actuator_length0, actuator_acc0 = ||M^-1 moment^T||, and position-actuator damping from
//   dampratio (biasprm[2] = -dampratio 2 sqrt(kp * sum dof_M0 / moment^2));
// - lengthrange: kept when given and valid (lo < hi) with useexisting, copied from joint/tendon
//   ranges with uselimit, else found by simulation as mj_setLengthRange (contacts, gravity,
//   springs, dampers, frictionloss and actuation disabled; push with +-accel along the moment;
//   joint and tendon limits and equality constraints active, through the constraint solver).
//
// Last, the muscle-model fields (actuator_musclekind = 0 for every muscle, actuator_muscleprm,
// muscle_order/kindadr/kindnum) are compiled by compile_muscle_models (muscle/select.hpp).
//
// MuJoCo keeps gainprm[2] = biasprm[2] = force as given (negative: F0 = scale/acc0 is computed
// at run time by the muscle functions), and so does Sinew.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "sinew/data/data.hpp"
#include "sinew/forward/forward.hpp"
#include "sinew/forward/step.hpp"
#include "sinew/io/error.hpp"
#include "sinew/io/mjcf_spec.hpp"
#include "sinew/model/model.hpp"
#include "sinew/muscle/select.hpp"

namespace sinew {

namespace actuator_detail {

/// Resolves an "auto" limited flag as mjCActuator::Compile (checklimited).
inline int resolve_limited(int limited, const double* range, bool autolimits, const char* attr,
                           const SourceLocation& where) {
  if (limited != 2) return limited;
  const bool hasrange = !(range[0] == 0 && range[1] == 0);
  if (!autolimits && hasrange)
    throw ModelError(where, std::string("actuator has `") + attr + "range` but not `" + attr +
                                "limited`. set the autolimits=\"true\" compiler option, specify `" + attr +
                                "limited` explicitly (\"true\" or \"false\"), or remove the `" + attr +
                                "range` attribute.");
  return hasrange ? 1 : 0;
}

/// mj_setLengthRange for one actuator (MuJoCo 3.4.0's evalAct loop): from qpos0, each step damps
/// qvel by exp(-timestep / max(0.01, timeconst)), runs the position and velocity stages (joint and
/// tendon limits and equality constraints become rows; contacts, gravity, springs, dampers,
/// friction loss and actuation are disabled), applies qfrc_applied = +-accel * moment / |M^-1
/// moment| (capped at maxforce), runs actuation, acceleration and the constraint solver and
/// integrates with Euler (RK4 models too, as mj_step2) or, for implicit models, implicit. A state MuJoCo's mj_checkPos/Vel/Acc
/// would reset (NaN or beyond max_val = 1e10) makes it fail as MuJoCo does. Returns the (lo, hi)
/// pair or throws ModelError with MuJoCo's message. The Model must be compiled up to the
/// constraint capacities (compile_constraint_sizes), so that the Data has the solver's space.
inline void simulate_lengthrange(const Model<double>& m, int index, const LengthRangeOptions& lr,
                                 const SourceLocation& where, double out[2]) {
  ModelView<double> v = m.view();
  v.opt.disableflags = DSBL_FRICTIONLOSS | DSBL_CONTACT | DSBL_SPRING | DSBL_DAMPER | DSBL_GRAVITY | DSBL_ACTUATION;
  if (lr.timestep > 0) v.opt.timestep = lr.timestep;
  const int nv = m.nv;
  Data<double, WorldOuter, HostSpace> data(m, 1);
  const DataView<double, WorldOuter> dv = data.view();
  const WorldData<double, WorldOuter> d = dv.world(0);
  std::vector<double> moment(static_cast<size_t>(nv)), x(static_cast<size_t>(nv));
  const double damp = std::exp(-v.opt.timestep / std::max(0.01, lr.timeconst));
  const auto unstable = [&] {
    throw ModelError(where, "Unstable lengthrange simulation in actuator " + std::to_string(index));
  };
  double lmin[2] = {0, 0}, lmax[2] = {0, 0};
  for (int side = 0; side < 2; ++side) {
    reset_world(v, d, -1);
    bool updated = false;
    while (d.time[0] < lr.inttotal) {
      for (int i = 0; i < nv; ++i) d.qvel[i] = d.qvel[i] * damp;
      // mj_step1: a bad qpos or qvel resets the world (time = 0: MuJoCo's "unstable")
      if (detail::any_bad<double>(d.qpos, m.nq) || detail::any_bad<double>(d.qvel, nv)) unstable();
      fwd_position_world(v, d);
      fwd_velocity_world(v, d);
      std::fill(moment.begin(), moment.end(), 0.0);
      for (int k = 0; k < m.moment_rownnz[size_t(index)]; ++k) {
        const int a = m.moment_rowadr[size_t(index)] + k;
        moment[size_t(m.moment_colind[size_t(a)])] = d.actuator_moment[a];
      }
      x = moment;
      solve_m(v, d.qLD, d.qLDiagInv, x.data());
      double nrm = 0;
      for (double xi : x) nrm += xi * xi;
      nrm = std::sqrt(nrm);
      const double scl = (2 * side - 1) * lr.accel / std::max(min_val<double>(), nrm);
      for (int i = 0; i < nv; ++i) d.qfrc_applied[i] = moment[size_t(i)] * scl;
      nrm = 0;
      for (int i = 0; i < nv; ++i) nrm += d.qfrc_applied[i] * d.qfrc_applied[i];
      nrm = std::sqrt(nrm);
      if (lr.maxforce > 0 && nrm > lr.maxforce) {
        const double s2 = lr.maxforce / std::max(min_val<double>(), nrm);
        for (int i = 0; i < nv; ++i) d.qfrc_applied[i] = d.qfrc_applied[i] * s2;
      }
      // mj_step2
      fwd_actuation_world(v, d);
      fwd_acceleration_world(v, d);
      fwd_constraint_world(v, d);
      if (detail::any_bad<double>(d.qacc, nv)) unstable();  // mj_checkAcc
      // mj_step2's integrator: Euler (RK4 models too), implicitfast (with dampers and actuation
      // disabled its qDeriv is zero: Euler), implicit (its Coriolis derivative is not zero)
      if (v.opt.integrator == INT_IMPLICIT) implicit<DefaultMuscleModels>(v, d);
      else advance(v, d, d.act_dot, d.qacc, static_cast<const Span<double, WorldOuter>*>(nullptr));
      const double len = d.actuator_length[index];
      if (d.time[0] > lr.inttotal - lr.interval) {
        if (len < lmin[side] || !updated) lmin[side] = len;
        if (len > lmax[side] || !updated) lmax[side] = len;
        updated = true;
      }
    }
  }
  out[0] = lmin[0];
  out[1] = lmax[1];
  const double dif = out[1] - out[0];
  char buf[400];
  if (dif <= 0) {
    std::snprintf(buf, sizeof buf, "Invalid lengthrange (%g, %g) in actuator %d", out[0], out[1], index);
    throw ModelError(where, buf);
  }
  for (int side = 0; side < 2; ++side)
    if (lmax[side] - lmin[side] > lr.tolrange * dif) {
      std::snprintf(buf, sizeof buf,
                    "Lengthrange computation did not converge in actuator %d: eval (%g, %g) range (%g, %g)", index,
                    lmin[side], lmax[side], out[0], out[1]);
      throw ModelError(where, buf);
    }
}

/// The actuator_* and moment row arrays for nu actuators.
inline void allocate_actuators(Model<double>& m, int nu) {
  m.actuator_trntype.assign(size_t(nu), 0);
  m.actuator_dyntype.assign(size_t(nu), 0);
  m.actuator_gaintype.assign(size_t(nu), 0);
  m.actuator_biastype.assign(size_t(nu), 0);
  m.actuator_trnid.assign(size_t(2 * nu), -1);
  m.actuator_actadr.assign(size_t(nu), -1);
  m.actuator_actnum.assign(size_t(nu), 0);
  m.actuator_group.assign(size_t(nu), 0);
  m.actuator_ctrllimited.assign(size_t(nu), 0);
  m.actuator_forcelimited.assign(size_t(nu), 0);
  m.actuator_actlimited.assign(size_t(nu), 0);
  m.actuator_actearly.assign(size_t(nu), 0);
  m.moment_rowadr.assign(size_t(nu), 0);
  m.moment_rownnz.assign(size_t(nu), 0);
  m.actuator_dynprm.assign(size_t(10 * nu), 0.0);
  m.actuator_gainprm.assign(size_t(10 * nu), 0.0);
  m.actuator_biasprm.assign(size_t(10 * nu), 0.0);
  m.actuator_ctrlrange.assign(size_t(2 * nu), 0.0);
  m.actuator_forcerange.assign(size_t(2 * nu), 0.0);
  m.actuator_actrange.assign(size_t(2 * nu), 0.0);
  m.actuator_gear.assign(size_t(6 * nu), 0.0);
  m.actuator_cranklength.assign(size_t(nu), 0.0);
  m.actuator_acc0.assign(size_t(nu), 0.0);
  m.actuator_length0.assign(size_t(nu), 0.0);
  m.actuator_lengthrange.assign(size_t(2 * nu), 0.0);
}

/// Resolves actuator a's transmission target (its id, returned), inheritrange and "auto" limits,
/// and checks its ranges and muscle parameters, with mjCActuator::Compile's messages.
inline int resolve_actuator(const Model<double>& m, ActuatorSpec& a, const SourceLocation& w,
                            const std::string& label) {
  // transmission target
  int id = -1;
  if (a.trntype == TRN_JOINT || a.trntype == TRN_JOINTINPARENT) {
    id = Model<double>::find(m.jnt_names, a.target);
    if (id < 0) throw ModelError(w, "unknown transmission target '" + a.target + "' for " + label);
    const int jt = m.jnt_type[size_t(id)];
    if (a.trntype == TRN_JOINTINPARENT && (jt == JNT_BALL || jt == JNT_FREE))
      throw ModelError(w, "transmission 'jointinparent' on a ball or free joint is not supported yet");
  } else if (a.trntype == TRN_TENDON) {
    id = Model<double>::find(m.tendon_names, a.target);
    if (id < 0) throw ModelError(w, "transmission target '" + a.target + "' not found in " + label);
    if (size_t(id) >= m.ten_J_rowadr.size() || size_t(id) >= m.ten_J_rownnz.size())
      throw ModelError(w, "tendon transmission of " + label + " needs the compiled tendon Jacobian sparsity");
  } else {
    throw ModelError(w, "invalid transmission type in " + label);
  }

  // inheritrange: ctrlrange (actrange for intvelocity) from the target's range
  if (a.inheritrange > 0) {
    if (a.gaintype != GAIN_FIXED || a.biastype != BIAS_AFFINE || a.gainprm[0] != -a.biasprm[1])
      throw ModelError(w, "inheritrange can only be used with position and intvelocity actuators in " + label);
    const double* range = a.trntype == TRN_TENDON ? &m.tendon_range[size_t(2 * id)] : &m.jnt_range[size_t(2 * id)];
    if (range[0] == 0 && range[1] == 0)
      throw ModelError(w, "inheritrange used but target '" + a.target + "' has no range defined in " + label);
    const double mean = 0.5 * (range[1] + range[0]);
    const double radius = 0.5 * (range[1] - range[0]) * a.inheritrange;
    double* target = a.dyntype == DYN_INTEGRATOR ? a.actrange : a.ctrlrange;
    target[0] = mean - radius;
    target[1] = mean + radius;
  }

  a.forcelimited = resolve_limited(a.forcelimited, a.forcerange, a.autolimits, "force", w);
  a.ctrllimited = resolve_limited(a.ctrllimited, a.ctrlrange, a.autolimits, "ctrl", w);
  a.actlimited = resolve_limited(a.actlimited, a.actrange, a.autolimits, "act", w);
  if (a.forcerange[0] >= a.forcerange[1] && a.forcelimited) throw ModelError(w, "invalid force range for " + label);
  if (a.ctrlrange[0] >= a.ctrlrange[1] && a.ctrllimited) throw ModelError(w, "invalid control range for " + label);
  if (a.actrange[0] >= a.actrange[1] && a.actlimited) throw ModelError(w, "invalid activation range for " + label);
  if (a.actlimited && a.dyntype == DYN_NONE)
    throw ModelError(w, "actrange specified but dyntype is 'none' in " + label);
  for (int k = 0; k < 2; ++k) {
    const double* prm =
        k == 0 ? (a.gaintype == GAIN_MUSCLE ? a.gainprm : nullptr) : (a.biastype == BIAS_MUSCLE ? a.biasprm : nullptr);
    if (!prm) continue;
    if (prm[0] >= prm[1]) throw ModelError(w, "range[0]<range[1] required in muscle " + label);
    if (prm[4] >= 1 || prm[5] <= 1) throw ModelError(w, "lmin<1<lmax required in muscle " + label);
    if (prm[3] <= 0 || prm[6] <= 0 || prm[7] <= 0 || prm[8] <= 0)
      throw ModelError(w, "positive scale, vmax, fpmax, fvmax required in muscle " + label);
  }
  return id;
}

/// qpos0 quantities (mj_setConst's set0): actuator_length0, actuator_acc0, and the position
/// actuators' dampratio turned into damping.
inline void actuator_set0(Model<double>& m) {
  const int nu = m.nu;
  const ModelView<double> v = m.view();
  Data<double, WorldOuter, HostSpace> data(m, 1);
  const DataView<double, WorldOuter> dv = data.view();
  const WorldData<double, WorldOuter> d = dv.world(0);
  for (int k = 0; k < m.nq; ++k) d.qpos[k] = m.qpos0[size_t(k)];
  fwd_position_world(v, d);
  std::vector<double> x(static_cast<size_t>(m.nv));
  for (int i = 0; i < nu; ++i) {
    std::fill(x.begin(), x.end(), 0.0);
    const int adr = m.moment_rowadr[size_t(i)], n = m.moment_rownnz[size_t(i)];
    for (int k = 0; k < n; ++k) x[size_t(m.moment_colind[size_t(adr + k)])] = d.actuator_moment[adr + k];
    solve_m(v, d.qLD, d.qLDiagInv, x.data());
    double s = 0;
    for (double xi : x) s += xi * xi;
    m.actuator_acc0[size_t(i)] = std::sqrt(s);
    m.actuator_length0[size_t(i)] = d.actuator_length[i];
  }
  for (int i = 0; i < nu; ++i) {
    double* bp = &m.actuator_biasprm[size_t(10 * i)];
    const double* gp = &m.actuator_gainprm[size_t(10 * i)];
    if (gp[0] != -bp[1] || bp[2] <= 0) continue;
    const int adr = m.moment_rowadr[size_t(i)], n = m.moment_rownnz[size_t(i)];
    double mass = 0;
    for (int k = 0; k < n; ++k) {
      const double trn = std::fabs(d.actuator_moment[adr + k]);
      const double trn2 = trn * trn;
      if (trn2 > min_val<double>()) {
        const int dof = m.moment_colind[size_t(adr + k)];
        mass += d.qM[m.dof_Madr[size_t(dof)]] / trn2;
      }
    }
    bp[2] = -(bp[2] * 2 * std::sqrt(gp[0] * mass));
  }
}

/// Length ranges (mj_setLengthRange per actuator, by its <compiler><lengthrange> mode, useexisting
/// and uselimit), simulated where needed.
inline void set_lengthranges(Model<double>& m, const std::vector<ActuatorSpec>& spec,
                             const std::vector<SourceLocation>& where) {
  const int nu = m.nu;
  for (int i = 0; i < nu; ++i) {
    const ActuatorSpec& a = spec[size_t(i)];
    const LengthRangeOptions& lr = a.lr;
    const bool ismuscle = a.gaintype == GAIN_MUSCLE || a.biastype == BIAS_MUSCLE;
    const bool isuser = a.gaintype == GAIN_USER || a.biastype == BIAS_USER;
    if (lr.mode == 0 || (lr.mode == 1 && !ismuscle) || (lr.mode == 2 && !ismuscle && !isuser)) continue;
    double* range = &m.actuator_lengthrange[size_t(2 * i)];
    if (lr.useexisting && range[0] < range[1]) continue;
    if (lr.uselimit) {
      // MuJoCo 3.4.0 reads the target id as actuator_trnid[i] here (not [2*i])
      const int tid = m.actuator_trnid[size_t(i)];
      const int trn = m.actuator_trntype[size_t(i)];
      if ((trn == TRN_JOINT || trn == TRN_JOINTINPARENT) && tid >= 0 && tid < m.njnt && m.jnt_limited[size_t(tid)]) {
        range[0] = m.jnt_range[size_t(2 * tid)];
        range[1] = m.jnt_range[size_t(2 * tid + 1)];
        continue;
      }
      if (trn == TRN_TENDON && tid >= 0 && tid < m.ntendon && m.tendon_limited[size_t(tid)]) {
        range[0] = m.tendon_range[size_t(2 * tid)];
        range[1] = m.tendon_range[size_t(2 * tid + 1)];
        continue;
      }
    }
    double out[2];
    simulate_lengthrange(m, i, lr, where[size_t(i)], out);
    range[0] = out[0];
    range[1] = out[1];
  }
}

}  // namespace actuator_detail

/// Compiles the resolved actuators (Model::pending) into the actuator_* arrays, the moment
/// sparsity, the qpos0 constants and the length ranges, then MuJoCo's muscle-model fields.
inline void compile_actuators(Model<double>& m) {
  std::vector<const PendingElement*> els;
  for (const PendingElement& p : m.pending)
    if (p.section == "actuator") els.push_back(&p);
  if (int(els.size()) != m.nu)
    throw std::logic_error("compile_actuators: " + std::to_string(els.size()) +
                           " resolved actuators for nu = " + std::to_string(m.nu));
  const int nu = m.nu;
  std::vector<ActuatorSpec> spec(static_cast<size_t>(nu));
  std::vector<SourceLocation> where(static_cast<size_t>(nu));
  for (int i = 0; i < nu; ++i) {
    spec[size_t(i)] = ActuatorSpec::from_attrs(els[size_t(i)]->attrs);
    where[size_t(i)] = SourceLocation{els[size_t(i)]->file, els[size_t(i)]->line, els[size_t(i)]->kind};
  }

  actuator_detail::allocate_actuators(m, nu);

  std::vector<int> colind;
  int na = 0;
  for (int i = 0; i < nu; ++i) {
    ActuatorSpec& a = spec[size_t(i)];
    const SourceLocation& w = where[size_t(i)];
    const std::string label = "actuator '" + els[size_t(i)]->name + "' (id = " + std::to_string(i) + ")";

    const int id = actuator_detail::resolve_actuator(m, a, w, label);

    // arrays
    const size_t u = size_t(i);
    m.actuator_trntype[u] = a.trntype;
    m.actuator_trnid[2 * u] = id;
    m.actuator_dyntype[u] = a.dyntype;
    m.actuator_gaintype[u] = a.gaintype;
    m.actuator_biastype[u] = a.biastype;
    m.actuator_group[u] = a.group;
    m.actuator_ctrllimited[u] = a.ctrllimited;
    m.actuator_forcelimited[u] = a.forcelimited;
    m.actuator_actlimited[u] = a.actlimited;
    m.actuator_actearly[u] = a.actearly ? 1 : 0;
    m.actuator_actnum[u] = a.actnum;
    m.actuator_actadr[u] = a.actnum ? na : -1;
    na += a.actnum;
    for (int k = 0; k < 10; ++k) {
      m.actuator_dynprm[10 * u + size_t(k)] = a.dynprm[k];
      m.actuator_gainprm[10 * u + size_t(k)] = a.gainprm[k];
      m.actuator_biasprm[10 * u + size_t(k)] = a.biasprm[k];
    }
    for (int k = 0; k < 6; ++k) m.actuator_gear[6 * u + size_t(k)] = a.gear[k];
    for (int k = 0; k < 2; ++k) {
      m.actuator_ctrlrange[2 * u + size_t(k)] = a.ctrlrange[k];
      m.actuator_forcerange[2 * u + size_t(k)] = a.forcerange[k];
      m.actuator_actrange[2 * u + size_t(k)] = a.actrange[k];
      m.actuator_lengthrange[2 * u + size_t(k)] = a.lengthrange[k];
    }
    m.actuator_cranklength[u] = a.cranklength;

    // moment sparsity
    m.moment_rowadr[u] = int(colind.size());
    if (a.trntype == TRN_TENDON) {
      const int adr = m.ten_J_rowadr[size_t(id)], n = m.ten_J_rownnz[size_t(id)];
      for (int k = 0; k < n; ++k) colind.push_back(m.ten_J_colind[size_t(adr + k)]);
    } else {
      const int jt = m.jnt_type[size_t(id)];
      const int n = jt == JNT_FREE ? 6 : (jt == JNT_BALL ? 3 : 1);
      for (int k = 0; k < n; ++k) colind.push_back(m.jnt_dofadr[size_t(id)] + k);
    }
    m.moment_rownnz[u] = int(colind.size()) - m.moment_rowadr[u];
  }
  if (na != m.na) throw std::logic_error("compile_actuators: activation count differs from the reader's");
  m.nJmom = int(colind.size());
  m.moment_colind = colind;

  // drop the compiled actuators from the pending list
  std::vector<PendingElement> rest;
  for (PendingElement& p : m.pending)
    if (p.section != "actuator") rest.push_back(std::move(p));
  m.pending = std::move(rest);
  if (nu == 0) {
    compile_muscle_models(m);
    return;
  }

  actuator_detail::actuator_set0(m);

  actuator_detail::set_lengthranges(m, spec, where);

  // muscle-model fields (muscle/select.hpp): every muscle starts as MuJoCo's (kind 0), so the
  // activation layout is MuJoCo's; the loader then applies the MJCF selection, if any
  compile_muscle_models(m);
}

}  // namespace sinew
