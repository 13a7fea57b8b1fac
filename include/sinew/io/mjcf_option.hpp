// MJCF reading, the value rules shared by the parser and apply_option: <option> attributes and
// flags (MuJoCo 3.4.0's names, ranges and messages), orientation alternatives as written, and
// <size memory>'s byte counts. Host only.
#pragma once
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/io/mjcf_reader.hpp"
#include "sinew/io/mjcf_spec.hpp"
#include "sinew/model/model.hpp"

namespace sinew {
namespace mjcf_detail {

using mjcf::Attrs;
using mjcf::XNode;

inline std::string trim(const std::string& v) {
  size_t a = v.find_first_not_of(" \t\n\r"), b = v.find_last_not_of(" \t\n\r");
  return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
}

// ------------------------------------------------------------------------------ options
// One setter used by both <option> and apply_option(); `fail` reports a bad value. Returns false
// for an unknown key.
template <class Fail>
inline bool set_option(Option<double>& o, const std::string& key, const Attrs& a, Fail&& fail, bool* ignored) {
  auto reals = [&](double* dst, int n) { a.reals(key, dst, n, true); };
  auto kw = [&](int& dst, std::initializer_list<const char*> words) { a.keyword(key, dst, words); };
  auto nonneg_int = [&](int& dst) {
    int v = dst;
    a.integer(key, v);
    if (v < 0) fail("must be non-negative");
    dst = v;
  };
  auto positive = [&](double& dst) {
    double v;
    reals(&v, 1);
    if (!(v > 0)) fail("must be positive");
    dst = v;
  };
  auto nonneg = [&](double& dst) {
    double v;
    reals(&v, 1);
    if (v < 0) fail("must be non-negative");
    dst = v;
  };
  if (ignored) *ignored = false;
  if (key == "timestep") positive(o.timestep);
  else if (key == "impratio") positive(o.impratio);
  else if (key == "tolerance") nonneg(o.tolerance);
  else if (key == "ls_tolerance") nonneg(o.ls_tolerance);
  else if (key == "noslip_tolerance") nonneg(o.noslip_tolerance);
  else if (key == "ccd_tolerance") nonneg(o.ccd_tolerance);
  else if (key == "gravity") reals(o.gravity, 3);
  else if (key == "wind") reals(o.wind, 3);
  else if (key == "magnetic") reals(o.magnetic, 3);
  else if (key == "density") nonneg(o.density);
  else if (key == "viscosity") nonneg(o.viscosity);
  else if (key == "o_margin") reals(&o.o_margin, 1);
  else if (key == "o_solref") reals(o.o_solref, 2);
  else if (key == "o_solimp") reals(o.o_solimp, 5);
  else if (key == "o_friction") reals(o.o_friction, 5);
  else if (key == "integrator") kw(o.integrator, {"Euler", "RK4", "implicit", "implicitfast"});
  else if (key == "cone") kw(o.cone, {"pyramidal", "elliptic"});
  else if (key == "jacobian") kw(o.jacobian, {"dense", "sparse", "auto"});
  else if (key == "solver") kw(o.solver, {"PGS", "CG", "Newton"});
  else if (key == "iterations") nonneg_int(o.iterations);
  else if (key == "ls_iterations") nonneg_int(o.ls_iterations);
  else if (key == "noslip_iterations") nonneg_int(o.noslip_iterations);
  else if (key == "ccd_iterations") nonneg_int(o.ccd_iterations);
  else if (key == "sdf_iterations" || key == "sdf_initpoints") {
    int v;
    nonneg_int(v);
    if (ignored) *ignored = true;
  } else if (key == "sleep_tolerance") {
    double v;
    nonneg(v);
    if (ignored) *ignored = true;
  } else if (key == "actuatorgroupdisable") {
    std::vector<double> v;
    a.list(key, v);
    for (double g : v)
      if (g < 0 || g > 30 || g != std::floor(g)) fail("actuator groups must be integers in [0, 30]");
    if (ignored) *ignored = true;
  } else {
    return false;
  }
  return true;
}

struct FlagInfo {
  const char* name;
  bool enable;  // enableflags bit (else disableflags)
  int bit;
};
inline const std::vector<FlagInfo>& flag_table() {
  static const std::vector<FlagInfo> t = {{"constraint", false, DSBL_CONSTRAINT},
                                          {"equality", false, DSBL_EQUALITY},
                                          {"frictionloss", false, DSBL_FRICTIONLOSS},
                                          {"limit", false, DSBL_LIMIT},
                                          {"contact", false, DSBL_CONTACT},
                                          {"spring", false, DSBL_SPRING},
                                          {"damper", false, DSBL_DAMPER},
                                          {"gravity", false, DSBL_GRAVITY},
                                          {"clampctrl", false, DSBL_CLAMPCTRL},
                                          {"warmstart", false, DSBL_WARMSTART},
                                          {"filterparent", false, DSBL_FILTERPARENT},
                                          {"actuation", false, DSBL_ACTUATION},
                                          {"refsafe", false, DSBL_REFSAFE},
                                          {"sensor", false, DSBL_SENSOR},
                                          {"midphase", false, DSBL_MIDPHASE},
                                          {"eulerdamp", false, DSBL_EULERDAMP},
                                          {"autoreset", false, DSBL_AUTORESET},
                                          {"nativeccd", false, DSBL_NATIVECCD},
                                          {"island", false, DSBL_ISLAND},
                                          {"override", true, ENBL_OVERRIDE},
                                          {"energy", true, ENBL_ENERGY},
                                          {"fwdinv", true, ENBL_FWDINV},
                                          {"invdiscrete", true, ENBL_INVDISCRETE},
                                          {"multiccd", true, ENBL_MULTICCD},
                                          {"sleep", true, ENBL_SLEEP}};
  return t;
}

inline bool set_flag(Option<double>& o, const std::string& name, const Attrs& a) {
  for (const FlagInfo& f : flag_table()) {
    if (name != f.name) continue;
    int v;
    a.keyword(name, v, {"disable", "enable"});
    int& bits = f.enable ? o.enableflags : o.disableflags;
    bool set = f.enable ? v == 1 : v == 0;
    bits = set ? (bits | f.bit) : (bits & ~f.bit);
    return true;
  }
  return false;
}

inline void read_orient(const Attrs& a, OrientSpec& o) {
  static const char* keys[] = {"quat", "axisangle", "xyaxes", "zaxis", "euler"};
  // the element's own orientation wins over one inherited from a default
  int nown = 0;
  for (const char* k : keys) nown += a.own(k) ? 1 : 0;
  if (nown > 1) a.node->fail("multiple orientation specifiers are not allowed");
  const char* use = nullptr;
  for (const char* k : keys)
    if (nown ? a.own(k) : a.has(k)) use = k;
  if (!nown) {
    // among defaults, the last one set wins
    size_t best = 0;
    for (const char* k : keys)
      for (size_t i = 0; i < a.entries.size(); ++i)
        if (a.entries[i].key == k && i >= best) {
          best = i;
          use = k;
        }
  }
  if (!use) return;
  std::string k = use;
  Attrs only;  // read this one attribute from its last setting only
  only.node = a.node;
  only.entries.push_back(*a.last(k));
  if (k == "quat") {
    o.kind = OrientSpec::QUAT;
    only.reals("quat", o.quat, 4, true);
    double n = std::sqrt(o.quat[0] * o.quat[0] + o.quat[1] * o.quat[1] + o.quat[2] * o.quat[2] + o.quat[3] * o.quat[3]);
    if (n < 1e-14) only.fail_at(only.entries[0], "zero-length quaternion");
  } else if (k == "axisangle") {
    o.kind = OrientSpec::AXISANGLE;
    only.reals(k, o.v, 4, true);
  } else if (k == "xyaxes") {
    o.kind = OrientSpec::XYAXES;
    only.reals(k, o.v, 6, true);
  } else if (k == "zaxis") {
    o.kind = OrientSpec::ZAXIS;
    only.reals(k, o.v, 3, true);
  } else {
    o.kind = OrientSpec::EULER;
    only.reals(k, o.v, 3, true);
  }
}

// ---- sections

/// <size memory>: bytes as an unsigned integer with an optional suffix K, M, G, T, P or E
/// (powers of 1024, either case), or -1 (not given), as MuJoCo reads it.
inline long long parse_memory(const XNode& n, const std::string& text) {
  const char* what =
      "unsigned integer with an optional suffix {K,M,G,T,P,E} is expected in attribute 'memory' "
      "(or the size specified is too big)";
  size_t b = text.find_first_not_of(" \t\n\r"), e = text.find_last_not_of(" \t\n\r");
  const std::string t = b == std::string::npos ? std::string() : text.substr(b, e - b + 1);
  if (t == "-1") return -1;
  size_t i = 0;
  unsigned long long v = 0;
  const unsigned long long limit = 1ULL << 62;  // bytes Sinew accepts (MuJoCo: what size_t holds)
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
    const unsigned d = unsigned(t[i] - '0');
    if (v > (limit - d) / 10) n.fail(what);  // checked before it could wrap
    v = v * 10 + d;
  }
  if (i == 0) n.fail(what);
  if (i < t.size()) {
    static const std::string suffix = "KMGTPE";
    const size_t k = suffix.find(char(std::toupper((unsigned char)t[i])));
    if (k == std::string::npos || i + 1 != t.size()) n.fail(what);
    for (size_t s = 0; s <= k; ++s) {
      if (v > limit / 1024) n.fail(what);
      v *= 1024;
    }
  }
  return (long long)v;
}

}  // namespace mjcf_detail
}  // namespace sinew
