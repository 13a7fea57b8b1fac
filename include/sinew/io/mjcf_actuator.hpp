// MJCF reading, actuators: an actuator element's own attributes over its class's default
// actuator, the transmission target, and the shortcut elements' implied parameters (motor,
// position, velocity, intvelocity, damper, cylinder, muscle), as mjXReader::OneActuator and the
// mjs_setTo* functions of MuJoCo 3.4.0. Host only.
#pragma once
#include <string>
#include <utility>

#include "sinew/io/mjcf_body.hpp"
#include "sinew/io/mjcf_reader.hpp"
#include "sinew/io/mjcf_spec.hpp"
#include "sinew/model/model.hpp"

namespace sinew {
namespace mjcf_detail {

/// The attributes every actuator element has (limits, ranges, gear, group) and its transmission
/// target.
inline void apply_actuator_common(const Attrs& own, const XNode& e, ActuatorSpec& a) {
  auto fail = [&](const std::string& w) { e.fail(w); };
  own.integer("group", a.group);
  own.keyword("ctrllimited", a.ctrllimited, {"false", "true", "auto"});
  own.keyword("forcelimited", a.forcelimited, {"false", "true", "auto"});
  own.keyword("actlimited", a.actlimited, {"false", "true", "auto"});
  own.reals("ctrlrange", a.ctrlrange, 2, true);
  own.reals("forcerange", a.forcerange, 2, true);
  own.reals("actrange", a.actrange, 2, true);
  own.reals("lengthrange", a.lengthrange, 2, true);
  own.reals("gear", a.gear, 6, false);

  int cnt = 0;
  static const std::pair<const char*, int> targets[] = {{"joint", TRN_JOINT},   {"jointinparent", TRN_JOINTINPARENT},
                                                        {"tendon", TRN_TENDON}, {"cranksite", TRN_SLIDERCRANK},
                                                        {"site", TRN_SITE},     {"body", TRN_BODY}};
  for (auto& [key, type] : targets)
    if (own.has(key)) {
      a.target = own.str(key);
      a.trntype = type;
      ++cnt;
    }
  if (cnt > 1) fail("actuator can have at most one of transmission target");
  const bool r1 = own.real("cranklength", a.cranklength);
  const bool r2 = own.has("slidersite");
  if ((r1 || r2) && a.trntype != TRN_SLIDERCRANK && a.trntype != -1)
    fail("cranklength and slidersite can only be used in slidercrank transmission");
  if (own.has("refsite") && a.trntype != TRN_SITE && a.trntype != -1)
    fail("refsite can only be used with site transmission");
}

/// The element's kind: <general>'s explicit types and parameters, or a shortcut's implied ones.
inline void apply_actuator_kind(const Attrs& own, const XNode& e, ActuatorSpec& a) {
  auto fail = [&](const std::string& w) { e.fail(w); };
  const std::string& type = e.name;
  std::string err;
  if (type == "general") {
    own.keyword("dyntype", a.dyntype, {"none", "integrator", "filter", "filterexact", "muscle", "user"});
    own.keyword("gaintype", a.gaintype, {"fixed", "affine", "muscle", "user"});
    own.keyword("biastype", a.biastype, {"none", "affine", "muscle", "user"});
    bool early;
    if (own.boolean("actearly", early)) a.actearly = early;
    own.reals("dynprm", a.dynprm, 10, false);
    own.reals("gainprm", a.gainprm, 10, false);
    own.reals("biasprm", a.biasprm, 10, false);
    own.integer("actdim", a.actdim);
  } else if (type == "motor") {
    a.gainprm[0] = 1;
    a.dyntype = DYN_NONE;
    a.gaintype = GAIN_FIXED;
    a.biastype = BIAS_NONE;
  } else if (type == "position" || type == "intvelocity") {
    double kp = a.gainprm[0], kv = 0, tc = 0, inherit = a.inheritrange;
    own.real("kp", kp);
    const bool has_kv = own.real("kv", kv);
    if (own.has("dampratio")) {
      double dr;
      own.real("dampratio", dr);
      if (has_kv) fail("kv and dampratio cannot both be defined");
      if (dr < 0) fail("dampratio cannot be negative");
      a.biasprm[2] = dr;  // positive biasprm[2]: a damping ratio, turned into -kv at compile time
    }
    const bool has_tc = own.real("timeconst", tc);
    own.real("inheritrange", inherit);
    a.gainprm[0] = kp;
    a.biasprm[1] = -kp;
    if (has_kv) {
      if (kv < 0) fail("kv cannot be negative");
      a.biasprm[2] = -kv;
    }
    if (has_tc) {
      if (tc < 0) fail("timeconst cannot be negative");
      a.dynprm[0] = tc;
      a.dyntype = tc == 0 ? DYN_NONE : DYN_FILTEREXACT;
    }
    a.inheritrange = inherit;
    if (inherit > 0 && (a.ctrlrange[0] != 0 || a.ctrlrange[1] != 0))
      err = "ctrlrange and inheritrange cannot both be defined";
    a.gaintype = GAIN_FIXED;
    a.biastype = BIAS_AFFINE;
    if (type == "intvelocity") {
      err.clear();
      a.dyntype = DYN_INTEGRATOR;
      a.actlimited = 1;
      if (inherit > 0 && (a.actrange[0] != 0 || a.actrange[1] != 0))
        err = "actrange and inheritrange cannot both be defined";
    }
  } else if (type == "velocity") {
    double kv = a.gainprm[0];
    own.real("kv", kv);
    for (double& b : a.biasprm) b = 0;
    a.gainprm[0] = kv;
    a.biasprm[2] = -kv;
    a.dyntype = DYN_NONE;
    a.gaintype = GAIN_FIXED;
    a.biastype = BIAS_AFFINE;
  } else if (type == "damper") {
    double kv = 0;
    own.real("kv", kv);
    for (double& g : a.gainprm) g = 0;
    a.gainprm[2] = -kv;
    a.ctrllimited = 1;
    a.dyntype = DYN_NONE;
    a.gaintype = GAIN_AFFINE;
    a.biastype = BIAS_NONE;
    if (kv < 0) err = "damping coefficient cannot be negative";
    else if (a.ctrlrange[0] < 0 || a.ctrlrange[1] < 0) err = "damper control range cannot be negative";
  } else if (type == "cylinder") {
    double tc = a.dynprm[0], bias[3] = {a.biasprm[0], a.biasprm[1], a.biasprm[2]}, area = a.gainprm[0], diameter = -1;
    own.real("timeconst", tc);
    own.reals("bias", bias, 3, false);
    own.real("area", area);
    own.real("diameter", diameter);
    a.dynprm[0] = tc;
    a.biasprm[0] = bias[0];  // MuJoCo 3.4.0 keeps only the first bias value
    a.gainprm[0] = area;
    if (diameter >= 0) a.gainprm[0] = M_PI / 4 * diameter * diameter;
    a.dyntype = DYN_FILTER;
    a.gaintype = GAIN_FIXED;
    a.biastype = BIAS_AFFINE;
  } else if (type == "muscle") {
    double tausmooth = a.dynprm[2], force = -1, scale = -1, lmin = -1, lmax = -1, vmax = -1, fpmax = -1, fvmax = -1;
    double range[2] = {-1, -1}, tc[2] = {-1, -1};
    own.reals("timeconst", tc, 2, true);
    own.real("tausmooth", tausmooth);
    own.reals("range", range, 2, true);
    own.real("force", force);
    own.real("scale", scale);
    own.real("lmin", lmin);
    own.real("lmax", lmax);
    own.real("vmax", vmax);
    own.real("fpmax", fpmax);
    own.real("fvmax", fvmax);
    // muscle defaults where the parameters still hold the global defaults
    double* g = a.gainprm;
    if (a.dynprm[0] == 1) a.dynprm[0] = 0.01;
    if (a.dynprm[1] == 0) a.dynprm[1] = 0.04;
    if (g[0] == 1) g[0] = 0.75;
    if (g[1] == 0) g[1] = 1.05;
    if (g[2] == 0) g[2] = -1;
    if (g[3] == 0) g[3] = 200;
    if (g[4] == 0) g[4] = 0.5;
    if (g[5] == 0) g[5] = 1.6;
    if (g[6] == 0) g[6] = 1.5;
    if (g[7] == 0) g[7] = 1.3;
    if (g[8] == 0) g[8] = 1.2;
    if (tausmooth < 0) fail("muscle tausmooth cannot be negative");
    a.dynprm[2] = tausmooth;
    if (tc[0] >= 0) a.dynprm[0] = tc[0];
    if (tc[1] >= 0) a.dynprm[1] = tc[1];
    if (range[0] >= 0) g[0] = range[0];
    if (range[1] >= 0) g[1] = range[1];
    if (force >= 0) g[2] = force;
    if (scale >= 0) g[3] = scale;
    if (lmin >= 0) g[4] = lmin;
    if (lmax >= 0) g[5] = lmax;
    if (vmax >= 0) g[6] = vmax;
    if (fpmax >= 0) g[7] = fpmax;
    if (fvmax >= 0) g[8] = fvmax;
    for (int k = 0; k < 9; ++k) a.biasprm[k] = g[k];
    a.dyntype = DYN_MUSCLE;
    a.gaintype = GAIN_MUSCLE;
    a.biastype = BIAS_MUSCLE;
  } else if (type == "adhesion") {
    ParserState::unsupported(e, "adhesion actuators need body transmissions, which Sinew does not support yet");
  } else {
    e.fail("unknown actuator element <" + type + ">");
  }
  if (!err.empty()) fail(err);
}

// ---- actuators
// MuJoCo keeps ONE actuator default per class (mjsActuator): the class starts from its
// parent's, and each actuator default element in it (general, motor, position, muscle, ...)
// is applied to it through the same per-element reader as the actuators themselves, so a
// shortcut default writes its implied parameters (dyn/gain/bias types, prm entries). An
// actuator element starts from its class's default actuator and applies its own attributes
// (mjXReader::OneActuator and the mjs_setTo* shortcuts of MuJoCo 3.4.0).
inline void apply_actuator(const XNode& e, ActuatorSpec& a) {
  Attrs own;
  own.node = &e;
  for (auto& kv : e.attrs) own.entries.push_back({kv.first, kv.second, &e});
  apply_actuator_common(own, e, a);
  apply_actuator_kind(own, e, a);
}

}  // namespace mjcf_detail
}  // namespace sinew
