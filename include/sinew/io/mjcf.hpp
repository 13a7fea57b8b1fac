// MJCF loader: reads a MuJoCo XML model (with <include>s and <default> classes) and compiles it
// into a sinew::Model<double> with MuJoCo 3.4.0's semantics. Host only.
//
//   std::vector<sinew::Diagnostic> warnings;
//   sinew::Model<double> m = sinew::load_mjcf("myofullbody.xml", &warnings);
//   sinew::apply_option(m, "integrator", "RK4");
//   sinew::apply_option(m, "flag.eulerdamp", "disable");
//
// Errors throw sinew::ModelError naming file, line and element. Warnings go to `warnings`, or,
// when it is null, to stderr as `file:line: <element>: warning: ...`.
//
// Supported: everything that shapes the kinematic tree and its mass properties (bodies, frames,
// joints, geoms incl. meshes from STL files or inline vertices, sites, inertials, compiler and
// option settings, keyframes), tendons (fixed and spatial, compiled by model/compile_tendon.hpp)
// and actuators (joint and tendon transmissions, every shortcut, compiled by
// model/compile_actuator.hpp), contact pairs/excludes and the collision candidates (compiled by
// model/compile_contact.hpp), equality constraints (model/compile_equality.hpp), sensors
// (model/compile_sensor.hpp; the kinds Sinew does not compute are named in a warning and read
// NaN). Accepted without effect:
// <visual>, <statistic> (except meaninertia, the solvers' scale), <custom> (except Sinew's muscle selection, <text name="sinew:muscle_model">,
// see docs/muscle_models.md), <size>, cameras, lights, textures, materials, skins (warning).
// Height fields load (geom size, rbound) with a warning: their collision is not simulated. Errors
// ("unsupported"): <extension>/plugins, <composite>, <flexcomp>, <replicate>, <attach>,
// <deformable>, <asset><model>, mesh files other than binary STL, builtin meshes, primitive geoms
// fitted to meshes, compiler fusestatic/discardvisual="true", site/body/slider-crank
// transmissions, adhesion actuators.
#pragma once
#include <array>
#include <cctype>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/io/mjcf_reader.hpp"
#include "sinew/model/compile_actuator.hpp"
#include "sinew/model/compile_contact.hpp"
#include "sinew/model/compile_equality.hpp"
#include "sinew/model/compile_sensor.hpp"
#include "sinew/model/compile_tendon.hpp"
#include "sinew/model/compiler.hpp"
#include "sinew/model/model.hpp"
#include "sinew/muscle/select.hpp"

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
  static const std::vector<FlagInfo> t = {
      {"constraint", false, DSBL_CONSTRAINT}, {"equality", false, DSBL_EQUALITY},
      {"frictionloss", false, DSBL_FRICTIONLOSS}, {"limit", false, DSBL_LIMIT},
      {"contact", false, DSBL_CONTACT}, {"spring", false, DSBL_SPRING}, {"damper", false, DSBL_DAMPER},
      {"gravity", false, DSBL_GRAVITY}, {"clampctrl", false, DSBL_CLAMPCTRL},
      {"warmstart", false, DSBL_WARMSTART}, {"filterparent", false, DSBL_FILTERPARENT},
      {"actuation", false, DSBL_ACTUATION}, {"refsafe", false, DSBL_REFSAFE}, {"sensor", false, DSBL_SENSOR},
      {"midphase", false, DSBL_MIDPHASE}, {"eulerdamp", false, DSBL_EULERDAMP},
      {"autoreset", false, DSBL_AUTORESET}, {"nativeccd", false, DSBL_NATIVECCD},
      {"island", false, DSBL_ISLAND}, {"override", true, ENBL_OVERRIDE}, {"energy", true, ENBL_ENERGY},
      {"fwdinv", true, ENBL_FWDINV}, {"invdiscrete", true, ENBL_INVDISCRETE},
      {"multiccd", true, ENBL_MULTICCD}, {"sleep", true, ENBL_SLEEP}};
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

// ------------------------------------------------------------------------------ parser
struct Parser {
  ModelSpec spec;
  mjcf::Defaults defs;
  std::string model_dir;
  std::vector<Diagnostic> warnings;
  std::map<std::string, int> mesh_index, hfield_index, material_index;
  bool strippath = false;

  void warn(const XNode& n, const std::string& msg) { warnings.push_back(Diagnostic{n.loc(), msg}); }
  [[noreturn]] static void unsupported(const XNode& n, const std::string& extra = "") {
    n.fail("<" + n.name + "> is not supported by Sinew" + (extra.empty() ? "" : " (" + extra + ")"));
  }

  static void read_orient(const Attrs& a, OrientSpec& o) {
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
          if (a.entries[i].key == k && i >= best) { best = i; use = k; }
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
  void compiler(const XNode& n) {
    Attrs a = defs.resolve(n, -1, "");
    CompilerSpec& c = spec.compiler;
    int v;
    if (a.keyword("angle", v, {"radian", "degree"})) c.degree = v == 1;
    if (a.has("eulerseq")) {
      std::string s = a.str("eulerseq");
      if (s.size() != 3 || s.find_first_not_of("xyzXYZ") != std::string::npos)
        n.fail("attribute 'eulerseq': must be 3 characters from x, y, z, X, Y, Z");
      c.eulerseq = s;
    }
    a.boolean("autolimits", c.autolimits);
    if (a.keyword("inertiafromgeom", v, {"false", "true", "auto"})) c.inertiafromgeom = v;
    if (a.has("inertiagrouprange")) {
      double r[2];
      a.reals("inertiagrouprange", r, 2, true);
      c.inertiagrouprange[0] = int(r[0]);
      c.inertiagrouprange[1] = int(r[1]);
    }
    a.real("boundmass", c.boundmass);
    a.real("boundinertia", c.boundinertia);
    a.real("settotalmass", c.settotalmass);
    a.boolean("balanceinertia", c.balanceinertia);
    a.boolean("alignfree", c.alignfree);
    if (a.has("assetdir")) c.meshdir = c.texturedir = a.str("assetdir");
    if (a.has("meshdir")) c.meshdir = a.str("meshdir");
    if (a.has("texturedir")) c.texturedir = a.str("texturedir");
    a.boolean("strippath", strippath);
    if (a.keyword("coordinate", v, {"local", "global"}) && v == 1)
      n.fail("global coordinates are no longer supported (MuJoCo 2.3.3 and later)");
    bool b = false;
    if (a.boolean("fusestatic", b) && b) unsupported(n, "fusestatic=\"true\"");
    if (a.boolean("discardvisual", b) && b) unsupported(n, "discardvisual=\"true\"");
    a.boolean("fitaabb", b);      // only affects primitive geoms fitted to meshes (unsupported)
    a.boolean("saveinertial", b);  // only affects saving XML
    if (a.has("usethread")) a.boolean("usethread", b);  // threading of MuJoCo's own compiler
    for (auto& c2 : n.children) {
      // <lengthrange>: options of the actuator length-range computation (compile_actuators)
      Attrs la = defs.resolve(c2, -1, "");
      la.keyword("mode", lropt.mode, {"none", "muscle", "muscleuser", "all"});
      la.boolean("useexisting", lropt.useexisting);
      la.boolean("uselimit", lropt.uselimit);
      la.real("accel", lropt.accel);
      la.real("maxforce", lropt.maxforce);
      la.real("timeconst", lropt.timeconst);
      la.real("timestep", lropt.timestep);
      la.real("inttotal", lropt.inttotal);
      la.real("interval", lropt.interval);
      la.real("tolrange", lropt.tolrange);
    }
  }
  LengthRangeOptions lropt;

  void option(const XNode& n) {
    Attrs a = defs.resolve(n, -1, "");
    for (auto& kv : n.attrs) {
      bool ignored = false;
      auto fail = [&](const std::string& w) { n.fail("attribute '" + kv.first + "': " + w); };
      if (!set_option(spec.opt, kv.first, a, fail, &ignored)) n.fail("unknown attribute '" + kv.first + "'");
      if (ignored) warn(n, "option '" + kv.first + "' is accepted but has no effect in Sinew");
    }
    for (auto& f : n.children) {
      Attrs fa = defs.resolve(f, -1, "");
      for (auto& kv : f.attrs)
        if (!set_flag(spec.opt, kv.first, fa)) f.fail("unknown attribute '" + kv.first + "'");
    }
  }

  void size(const XNode& n) {
    // memory, nstack, nconmax, njmax: MuJoCo's arena size and its hints, which size the default
    // capacities (compile_capacities); nuser_* and friends: no effect here
    Attrs a = defs.resolve(n, -1, "");
    for (auto& kv : n.attrs) {
      if (kv.first == "memory") {
        size_memory = parse_memory(n, kv.second);
        continue;
      }
      int v = 0;
      a.integer(kv.first, v);
      // nkey allocates keyframes: those not given by <key> hold the defaults (qpos0, zeros)
      if (kv.first == "nkey") size_nkey = std::max(size_nkey, v);
      if (kv.first == "nconmax" || kv.first == "njmax" || kv.first == "nstack") {
        if (v < -1) n.fail(kv.first + " must be >= -1");
        (kv.first == "nconmax" ? size_nconmax : kv.first == "njmax" ? size_njmax : size_nstack) = v;
      }
    }
    // MuJoCo 3.4's reader: memory excludes nstack and njmax
    if (size_memory != -1 && size_nstack != -1) n.fail("either 'memory' and 'nstack' attribute can be specified, not both");
    if (size_memory != -1 && size_njmax != -1) n.fail("either 'memory' and 'njmax' attribute can be specified, not both");
  }
  /// <size memory>: bytes as an unsigned integer with an optional suffix K, M, G, T, P or E
  /// (powers of 1024, either case), or -1 (not given), as MuJoCo reads it.
  static long long parse_memory(const XNode& n, const std::string& text) {
    const char* what = "unsigned integer with an optional suffix {K,M,G,T,P,E} is expected in attribute 'memory' "
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
  int size_nkey = 0;
  long long size_memory = -1;
  int size_nstack = -1, size_nconmax = -1, size_njmax = -1;
  double stat_meaninertia = -1;  ///< <statistic meaninertia>, when given

  std::string asset_path(const std::string& dir, const std::string& file) const {
    std::string f = file;
    if (strippath) {
      size_t p = f.find_last_of("/\\");
      if (p != std::string::npos) f = f.substr(p + 1);
    }
    if (!f.empty() && f[0] == '/') return f;
    std::string d = dir;
    if (!d.empty() && d[0] != '/') d = mjcf::detail::join_path(model_dir, d);
    if (d.empty()) d = model_dir;
    return mjcf::detail::join_path(d, f);
  }

  void asset(const XNode& sec) {
    for (auto& n : sec.children) {
      if (n.name == "mesh") {
        int cls = defs.class_of(n, 0);
        Attrs a = defs.resolve(n, cls, "mesh");
        MeshSpec ms;
        ms.where = n.loc();
        std::string file = a.str("file");
        ms.name = a.str("name");
        if (ms.name.empty() && !file.empty()) ms.name = file_stem(file);
        if (a.has("builtin") || a.has("params")) unsupported(n, "builtin meshes");
        for (auto& c : n.children)
          if (c.name == "plugin") unsupported(c, "mesh plugins");
        if (!file.empty()) ms.file = asset_path(spec.compiler.meshdir, file);
        std::vector<double> v;
        if (a.list("vertex", v)) {  // MuJoCo reads inline vertices as float (ReadAttrVec<float>)
          for (double& x : v) x = double(float(x));
          ms.vertex = v;
        }
        if (a.list("face", v))
          for (double x : v) {
            if (!(x >= 0 && x <= 2147483647.0) || x != std::floor(x))
              n.fail("attribute 'face': vertex indices must be non-negative integers");
            ms.face.push_back(int(x));
          }
        if (!file.empty() && !ms.vertex.empty()) n.fail("mesh cannot have both a file and vertex data");
        if (file.empty() && ms.vertex.empty()) n.fail("mesh needs a file or vertex data");
        a.reals("scale", ms.scale, 3, true);
        a.reals("refpos", ms.refpos, 3, true);
        if (a.reals("refquat", ms.refquat, 4, true)) cmath::normvec(ms.refquat, 4);
        int im;
        if (a.keyword("inertia", im, {"convex", "exact", "legacy", "shell"})) ms.inertia = MeshInertia(im);
        if (a.integer("maxhullvert", ms.maxhullvert) && ms.maxhullvert != -1 && ms.maxhullvert < 4)
          n.fail("maxhullvert must be larger than 3");
        if (ms.name.empty()) n.fail("empty name in mesh");
        if (mesh_index.count(ms.name)) n.fail("repeated name '" + ms.name + "' in mesh");
        mesh_index[ms.name] = int(spec.meshes.size());
        spec.meshes.push_back(ms);
      } else if (n.name == "hfield") {
        Attrs a = defs.resolve(n, -1, "");
        HFieldSpec h;
        h.where = n.loc();
        h.name = a.str("name");
        if (h.name.empty() && a.has("file")) h.name = file_stem(a.str("file"));
        if (!a.reals("size", h.size, 4, true)) n.fail("hfield requires 'size'");
        for (int i = 0; i < 4; ++i)
          if (h.size[i] <= 0) n.fail("hfield size values must be positive");
        const std::string file = a.str("file");
        const std::string ctype = a.str("content_type");
        a.integer("nrow", h.nrow);
        a.integer("ncol", h.ncol);
        if (!file.empty()) {
          std::string ext = file.size() >= 4 ? file.substr(file.size() - 4) : "";
          for (auto& ch : ext) ch = char(std::tolower(static_cast<unsigned char>(ch)));
          h.png = ctype == "image/png" || (ctype.empty() && ext == ".png");
          if (!ctype.empty() && ctype != "image/vnd.mujoco.hfield" && ctype != "image/png")
            n.fail("unsupported content type: '" + ctype + "'");
          h.file = asset_path(spec.compiler.meshdir, file);
          if (h.nrow || h.ncol) n.fail("hfield specified from file and manually");
        } else if (h.nrow > 0 && h.ncol > 0) {
          // MuJoCo allocates nrow*ncol floats here: refuse sizes no model needs before allocating
          if (int64_t(h.nrow) * int64_t(h.ncol) > (int64_t(1) << 27))
            n.fail("hfield nrow*ncol = " + std::to_string(int64_t(h.nrow) * int64_t(h.ncol)) +
                   " exceeds Sinew's limit of 2^27 elevations");
          std::vector<double> e;
          h.data.assign(size_t(h.nrow) * size_t(h.ncol), 0.0f);
          if (a.list("elevation", e)) {
            if (int64_t(e.size()) != int64_t(h.nrow) * h.ncol) n.fail("elevation data length must match nrow*ncol");
            // the XML lists rows top to bottom; MuJoCo stores the bottom row first
            for (int i = 0; i < h.nrow; ++i)
              for (int j = 0; j < h.ncol; ++j)
                h.data[size_t(h.nrow - 1 - i) * size_t(h.ncol) + size_t(j)] = float(e[size_t(i) * size_t(h.ncol) + size_t(j)]);
          }
        }
        if (h.name.empty()) n.fail("empty name in height field");  // after the data checks, as MuJoCo's compiler
        hfield_index[h.name] = int(spec.hfields.size());
        spec.hfields.push_back(h);
      } else if (n.name == "material") {
        // only the colour is kept (the rangefinder skips geoms whose material is transparent)
        const int cls = defs.class_of(n, 0);
        Attrs a = defs.resolve(n, cls, "material");
        std::array<double, 4> rgba{1, 1, 1, 1};
        a.reals("rgba", rgba.data(), 4, true);
        const std::string name = a.str("name");
        if (name.empty()) n.fail("empty name in material");
        if (material_index.count(name)) n.fail("repeated name '" + name + "' in material");
        material_index[name] = int(spec.material_rgba.size());
        spec.material_rgba.push_back(rgba);
      } else if (n.name == "skin") {
        const std::string* file = n.attr("file");
        unique_name(n, "skin", file ? file_stem(*file) : std::string());
        warn(n, "<skin> is visual only and ignored");
      } else if (n.name == "model") {
        unsupported(n, "sub-models for <attach>");
      } else if (n.name == "texture") {
        // visual only: accepted, its name checked as MuJoCo's mjCModel does (a file's stem when
        // unnamed; every texture but a skybox needs a name)
        const std::string* file = n.attr("file");
        const std::string* type = n.attr("type");
        const std::string name = unique_name(n, "texture", file ? file_stem(*file) : std::string());
        if (name.empty() && !(type && *type == "skybox")) n.fail("empty name in texture");
      }
    }
  }

  /// The file name without folders and extension: MuJoCo's name for an unnamed asset read from it.
  static std::string file_stem(std::string f) {
    const size_t slash = f.find_last_of("/\\");
    if (slash != std::string::npos) f = f.substr(slash + 1);
    return f.substr(0, f.find_last_of('.'));
  }
  /// Names of the object types Sinew reads for their names only (textures, skins, cameras,
  /// lights, custom numeric / text / tuple): MuJoCo's "repeated name 'x' in <kind>" (names are
  /// unique per type). Returns the element's name, or `fallback` when it has none.
  std::map<std::string, std::set<std::string>> visual_names;
  std::string unique_name(const XNode& n, const std::string& kind, const std::string& fallback = {}) {
    const std::string* given = n.attr("name");
    const std::string name = given && !given->empty() ? *given : fallback;
    if (!name.empty() && !visual_names[kind].insert(name).second) n.fail("repeated name '" + name + "' in " + kind);
    return name;
  }

  // ---- body tree
  void geom(const XNode& n, int cls, BodySpec& b, int frame) {
    Attrs a = defs.resolve(n, cls, "geom");
    GeomSpec g;
    g.where = n.loc();
    g.frame = frame;
    g.name = a.str("name");
    a.keyword("type", g.type, {"plane", "hfield", "sphere", "capsule", "ellipsoid", "cylinder", "box", "mesh", "sdf"});
    if (g.type == GEOM_SDF) unsupported(n, "sdf geoms");
    a.reals("size", g.size, 3);
    if (a.has("fromto")) a.reals("fromto", g.fromto, 6, true);
    a.reals("pos", g.pos, 3, true);
    read_orient(a, g.orient);
    if (a.has("mass")) {
      a.real("mass", g.mass);
    }
    a.real("density", g.density);
    int si;
    if (a.keyword("shellinertia", si, {"false", "true"})) g.shellinertia = si == 1;
    a.integer("contype", g.contype);
    a.integer("conaffinity", g.conaffinity);
    a.integer("condim", g.condim);
    a.integer("group", g.group);
    a.integer("priority", g.priority);
    a.reals("friction", g.friction, 3);
    a.real("solmix", g.solmix);
    a.reals("solref", g.solref, 2);
    a.reals("solimp", g.solimp, 5);
    a.real("margin", g.margin);
    a.real("gap", g.gap);
    a.reals("rgba", g.rgba, 4, true);
    if (a.has("material") && !a.str("material").empty()) {
      auto it = material_index.find(a.str("material"));
      if (it == material_index.end()) n.fail("unknown material '" + a.str("material") + "'");
      g.material = it->second;
    }
    if (a.has("mesh")) {
      std::string mn = a.str("mesh");
      auto it = mesh_index.find(mn);
      if (it == mesh_index.end()) n.fail("unknown mesh '" + mn + "'");
      g.mesh = it->second;
    }
    if (a.has("hfield") || g.type == GEOM_HFIELD) {
      std::string hn = a.str("hfield");
      auto it = hfield_index.find(hn);
      if (it == hfield_index.end()) n.fail("unknown hfield '" + hn + "'");
      g.hfield = it->second;
      if (g.type != GEOM_HFIELD) n.fail("hfield attribute on a geom whose type is not hfield");
    }
    a.keyword("fluidshape", g.fluidshape, {"none", "ellipsoid"});
    a.reals("fluidcoef", g.fluidcoef, 5);
    if (a.has("fitscale")) unsupported(n, "fitscale (primitive geoms fitted to meshes)");
    for (auto& c : n.children)
      if (c.name == "plugin") unsupported(c, "geom plugins");
    b.geoms.push_back(g);
  }

  void site(const XNode& n, int cls, BodySpec& b, int frame) {
    Attrs a = defs.resolve(n, cls, "site");
    SiteSpec s;
    s.where = n.loc();
    s.frame = frame;
    s.name = a.str("name");
    a.keyword("type", s.type, {"plane", "hfield", "sphere", "capsule", "ellipsoid", "cylinder", "box", "mesh", "sdf"});
    a.reals("size", s.size, 3);
    if (a.has("fromto")) a.reals("fromto", s.fromto, 6, true);
    a.reals("pos", s.pos, 3, true);
    read_orient(a, s.orient);
    a.integer("group", s.group);
    b.sites.push_back(s);
  }

  void joint(const XNode& n, int cls, BodySpec& b, int frame, bool free) {
    JointSpec j;
    j.where = n.loc();
    j.frame = frame;
    if (free) {
      // <freejoint> takes no defaults (MuJoCo adds a plain free joint)
      Attrs a;
      a.node = &n;
      for (auto& kv : n.attrs) a.entries.push_back({kv.first, kv.second, &n});
      j.type = JNT_FREE;
      j.name = a.str("name");
      a.integer("group", j.group);
      int al;
      if (a.keyword("align", al, {"false", "true", "auto"})) j.align = al;
      b.joints.push_back(j);
      return;
    }
    Attrs a = defs.resolve(n, cls, "joint");
    j.name = a.str("name");
    a.keyword("type", j.type, {"free", "ball", "slide", "hinge"});
    a.reals("pos", j.pos, 3, true);
    a.reals("axis", j.axis, 3, true);
    a.keyword("limited", j.limited, {"false", "true", "auto"});
    a.keyword("actuatorfrclimited", j.actfrclimited, {"false", "true", "auto"});
    a.reals("range", j.range, 2, true);
    a.reals("actuatorfrcrange", j.actfrcrange, 2, true);
    a.real("ref", j.ref);
    a.real("springref", j.springref);
    a.real("stiffness", j.stiffness);
    a.real("damping", j.damping);
    a.real("armature", j.armature);
    a.real("frictionloss", j.frictionloss);
    a.real("margin", j.margin);
    a.reals("solreflimit", j.solreflimit, 2);
    a.reals("solimplimit", j.solimplimit, 5);
    a.reals("solreffriction", j.solreffriction, 2);
    a.reals("solimpfriction", j.solimpfriction, 5);
    a.integer("group", j.group);
    if (a.reals("springdamper", j.springdamper, 2, true) && (j.springdamper[0] || j.springdamper[1]) &&
        (j.springdamper[0] <= 0 || j.springdamper[1] <= 0))
      n.fail("when defined, springdamper values must be positive in joint");
    bool agc = false;
    a.boolean("actuatorgravcomp", agc);
    if (agc) unsupported(n, "actuatorgravcomp=\"true\"");
    if (j.stiffness < 0 || j.damping < 0 || j.armature < 0 || j.frictionloss < 0)
      n.fail("stiffness, damping, armature and frictionloss must be non-negative");
    b.joints.push_back(j);
  }

  void inertial(const XNode& n, BodySpec& b) {
    Attrs a = defs.resolve(n, -1, "");
    b.explicitinertial = true;
    if (!a.reals("pos", b.ipos, 3, true)) n.fail("inertial requires 'pos'");
    read_orient(a, b.iorient);
    if (!a.real("mass", b.mass)) n.fail("inertial requires 'mass'");
    bool diag = a.reals("diaginertia", b.inertia, 3, true);
    bool full = a.has("fullinertia");
    if (full) a.reals("fullinertia", b.fullinertia, 6, true);
    if (!diag && !full) n.fail("inertial requires 'diaginertia' or 'fullinertia'");
    if (diag && full) n.fail("fullinertia and diagonal inertia cannot both be specified");
  }

  // Reads the contents of a body or frame: `n` is the element, `b` the body receiving content.
  void body_content(const XNode& n, int body, int cls, int frame) {
    for (auto& c : n.children) {
      BodySpec& b = spec.bodies[size_t(body)];
      if (c.name == "geom") geom(c, defs.class_of(c, cls), b, frame);
      else if (c.name == "site") site(c, defs.class_of(c, cls), b, frame);
      else if (c.name == "joint") joint(c, defs.class_of(c, cls), b, frame, false);
      else if (c.name == "freejoint") joint(c, cls, b, frame, true);
      else if (c.name == "inertial") {
        if (body == 0) c.fail("the world body cannot have <inertial>");
        inertial(c, b);
      } else if (c.name == "body") new_body(c, body, cls, frame);
      else if (c.name == "frame") new_frame(c, body, cls, frame);
      else if (c.name == "camera" || c.name == "light") {
        defs.class_of(c, cls);  // validates the class name; visual only
        unique_name(c, c.name);
      } else if (c.name == "composite" || c.name == "flexcomp" || c.name == "replicate" || c.name == "attach" ||
                 c.name == "plugin") {
        unsupported(c);
      } else {
        c.fail("unknown element <" + c.name + ">");
      }
    }
  }

  void new_frame(const XNode& n, int body, int cls, int parent_frame) {
    Attrs a = defs.resolve(n, -1, "");
    FrameSpec f;
    f.where = n.loc();
    f.parent = parent_frame;
    a.reals("pos", f.pos, 3, true);
    read_orient(a, f.orient);
    int idx = int(spec.frames.size());
    spec.frames.push_back(f);
    int ccls = cls;
    if (const std::string* cc = n.attr("childclass")) {
      ccls = defs.find(*cc);
      if (ccls < 0) n.fail("unknown default class '" + *cc + "'");
    }
    body_content(n, body, ccls, idx);
  }

  void new_body(const XNode& n, int parent, int cls, int frame) {
    Attrs a = defs.resolve(n, -1, "");
    BodySpec b;
    b.where = n.loc();
    b.parent = parent;
    b.frame = frame;
    b.name = a.str("name");
    a.reals("pos", b.pos, 3, true);
    read_orient(a, b.orient);
    a.boolean("mocap", b.mocap);
    if (b.mocap) warn(n, "mocap body: parsed (body_mocapid set) but mocap poses are not simulated yet");
    a.real("gravcomp", b.gravcomp);
    int ccls = cls;
    if (const std::string* cc = n.attr("childclass")) {
      ccls = defs.find(*cc);
      if (ccls < 0) n.fail("unknown default class '" + *cc + "'");
    }
    for (auto& kv : n.attrs)
      if (kv.first == "sleep") { int v; a.keyword("sleep", v, {"auto", "never", "allowed", "init"}); }
    int idx = int(spec.bodies.size());
    spec.bodies.push_back(b);
    spec.bodies[size_t(parent)].children.push_back(idx);
    body_content(n, idx, ccls, -1);
  }

  // ---- elements kept for later stages

  PendingElement make_pending(const XNode& n, const std::string& section, const Attrs& a) {
    PendingElement p;
    p.kind = n.name;
    p.section = section;
    p.file = n.file;
    p.line = n.line;
    // resolved attributes: last setting of each key, defaults first
    std::vector<std::string> keys;
    for (auto& e : a.entries)
      if (std::find(keys.begin(), keys.end(), e.key) == keys.end()) keys.push_back(e.key);
    for (auto& k : keys)
      if (k != "class") p.attrs.emplace_back(k, a.str(k));
    p.name = a.str("name");
    return p;
  }

  void contact(const XNode& sec) {
    for (auto& n : sec.children) {
      int cls = n.name == "pair" ? defs.class_of(n, 0) : -1;
      Attrs a = n.name == "pair" ? defs.resolve(n, cls, "pair") : defs.resolve(n, -1, "");
      if (n.name == "pair") {
        if (!a.has("geom1") || !a.has("geom2")) n.fail("pair requires geom1 and geom2");
        spec.npair++;
      } else {
        if (!a.has("body1") || !a.has("body2")) n.fail("exclude requires body1 and body2");
        spec.nexclude++;
      }
      spec.pending.push_back(make_pending(n, "contact", a));
    }
  }

  void equality(const XNode& sec) {
    for (auto& n : sec.children) {
      if (n.name == "flex") unsupported(n, "flex equality");
      Attrs a = defs.resolve(n, defs.class_of(n, 0), "equality");
      spec.neq++;
      spec.pending.push_back(make_pending(n, "equality", a));
    }
  }

  void tendon(const XNode& sec) {
    for (auto& n : sec.children) {
      Attrs a = defs.resolve(n, defs.class_of(n, 0), "tendon");
      PendingElement p = make_pending(n, "tendon", a);
      for (auto& c : n.children) {
        Attrs ca = defs.resolve(c, -1, "");
        PendingElement pc = make_pending(c, "tendon", ca);
        p.children.push_back(pc);
      }
      if (n.name == "spatial" && p.children.empty()) n.fail("spatial tendon has no path");
      if (n.name == "fixed" && p.children.empty()) n.fail("fixed tendon has no joints");
      spec.ntendon++;
      spec.tendon_names.push_back(p.name);
      spec.pending.push_back(p);
    }
  }

  // ---- actuators
  // MuJoCo keeps ONE actuator default per class (mjsActuator): the class starts from its
  // parent's, and each actuator default element in it (general, motor, position, muscle, ...)
  // is applied to it through the same per-element reader as the actuators themselves, so a
  // shortcut default writes its implied parameters (dyn/gain/bias types, prm entries). An
  // actuator element starts from its class's default actuator and applies its own attributes
  // (mjXReader::OneActuator and the mjs_setTo* shortcuts of MuJoCo 3.4.0).
  static void apply_actuator(const XNode& e, ActuatorSpec& a) {
    Attrs own;
    own.node = &e;
    for (auto& kv : e.attrs) own.entries.push_back({kv.first, kv.second, &e});
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
    static const std::pair<const char*, int> targets[] = {{"joint", TRN_JOINT}, {"jointinparent", TRN_JOINTINPARENT},
                                                          {"tendon", TRN_TENDON}, {"cranksite", TRN_SLIDERCRANK},
                                                          {"site", TRN_SITE}, {"body", TRN_BODY}};
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
      unsupported(e, "adhesion actuators need body transmissions, which Sinew does not support yet");
    } else {
      e.fail("unknown actuator element <" + type + ">");
    }
    if (!err.empty()) fail(err);
  }

  void actuator(const XNode& sec) {
    static const std::initializer_list<const char*> kinds = {"general", "motor", "position", "velocity", "intvelocity",
                                                              "damper", "cylinder", "muscle", "adhesion"};
    for (auto& n : sec.children) {
      if (n.name == "plugin") unsupported(n, "actuator plugins");
      int cls = defs.class_of(n, 0);
      ActuatorSpec a;
      for (const XNode* d : defs.chain_elems(cls, kinds)) apply_actuator(*d, a);
      apply_actuator(n, a);
      if (a.target.empty()) n.fail("missing transmission target for actuator");
      static const char* trn_names[] = {"joint", "jointinparent", "slidercrank", "tendon", "site", "body"};
      if (a.trntype == TRN_SLIDERCRANK || a.trntype == TRN_SITE || a.trntype == TRN_BODY)
        n.fail(std::string("transmission '") + trn_names[a.trntype] + "' is not supported yet");
      if (a.dyntype == DYN_USER || a.gaintype == GAIN_USER || a.biastype == BIAS_USER)
        warn(n, "user dynamics, gain or bias: Sinew has no user callbacks, so this actuator behaves as in MuJoCo "
                "without them (act_dot 0, gain 1, bias 0)");
      // activation states (MuJoCo's actdim checks)
      if (a.actdim > 1 && a.dyntype != DYN_USER) n.fail("actdim > 1 is only allowed for dyntype 'user'");
      if (a.actdim == 1 && a.dyntype == DYN_NONE) n.fail("invalid actdim 1 in stateless actuator");
      if (a.actdim == 0 && a.dyntype != DYN_NONE) n.fail("invalid actdim 0 in stateful actuator");
      const int actnum = a.actdim >= 0 ? a.actdim : (a.dyntype != DYN_NONE ? 1 : 0);

      PendingElement p;
      p.kind = n.name;
      p.section = "actuator";
      p.file = n.file;
      p.line = n.line;
      p.name = n.attr("name") ? *n.attr("name") : std::string();
      a.actnum = actnum;
      a.autolimits = spec.compiler.autolimits;
      a.lr = lropt;
      p.attrs = a.to_attrs();
      spec.na += actnum;
      spec.nu++;
      spec.actuator_names.push_back(p.name);
      actuator_classes.push_back(defs.cls(cls).name);
      spec.pending.push_back(p);
    }
  }

  std::vector<std::string> actuator_classes;  ///< per actuator, its default class (muscle selection)

  // <custom><text name="sinew:muscle_model" data="..."/>: Sinew's muscle-model selection (MuJoCo
  // ignores custom text). The data is checked here (a bad entry is a ModelError at the element)
  // and applied after compile_actuators; the rest of <custom> is accepted and ignored.
  struct MuscleSpecText {
    std::string data;
    SourceLocation where;
  };
  std::vector<MuscleSpecText> muscle_spec;
  void custom(const XNode& sec) {
    for (auto& n : sec.children) {
      if (n.name == "numeric" || n.name == "text" || n.name == "tuple") unique_name(n, n.name);
      if (n.name != "text") continue;
      const std::string* name = n.attr("name");
      if (!name || *name != "sinew:muscle_model") continue;
      const std::string* data = n.attr("data");
      if (!data) n.fail("sinew:muscle_model needs a 'data' attribute");
      try {
        (void)parse_muscle_model_spec(*data, DefaultMuscleModels::names, DefaultMuscleModels::size);
      } catch (const std::invalid_argument& e) {
        n.fail(e.what());
      }
      muscle_spec.push_back(MuscleSpecText{*data, n.loc()});
    }
  }

  void sensor(const XNode& sec) {
    for (auto& n : sec.children) {
      if (n.name == "plugin") unsupported(n, "sensor plugins");
      Attrs a = defs.resolve(n, -1, "");
      spec.nsensor++;
      spec.pending.push_back(make_pending(n, "sensor", a));
    }
  }

  void keyframe(const XNode& sec) {
    for (auto& n : sec.children) {
      Attrs a = defs.resolve(n, -1, "");
      KeySpec k;
      k.where = n.loc();
      k.name = a.str("name");
      a.real("time", k.time);
      k.has_qpos = a.list("qpos", k.qpos);
      k.has_qvel = a.list("qvel", k.qvel);
      k.has_act = a.list("act", k.act);
      k.has_ctrl = a.list("ctrl", k.ctrl);
      if (a.has("mpos") || a.has("mquat")) warn(n, "keyframe mpos/mquat ignored: mocap bodies are not simulated yet");
      spec.keys.push_back(k);
    }
  }

  void parse(const XNode& root) {
    mjcf::validate(root);
    if (const std::string* mn = root.attr("model")) spec.modelname = *mn;
    spec.bodies[0].where = root.loc();
    auto each = [&](const char* name, auto&& fn) {
      for (auto& c : root.children)
        if (c.name == name) fn(c);
    };
    // MuJoCo reads sections by kind in this order, whatever their order in the file
    each("compiler", [&](const XNode& n) { compiler(n); });
    each("option", [&](const XNode& n) { option(n); });
    each("size", [&](const XNode& n) { size(n); });
    defs.build(root);
    each("extension", [&](const XNode& n) { unsupported(n, "plugins"); });
    each("asset", [&](const XNode& n) { asset(n); });
    each("contact", [&](const XNode& n) { contact(n); });
    each("deformable", [&](const XNode& n) { unsupported(n); });
    each("equality", [&](const XNode& n) { equality(n); });
    each("tendon", [&](const XNode& n) { tendon(n); });
    each("actuator", [&](const XNode& n) { actuator(n); });
    each("sensor", [&](const XNode& n) { sensor(n); });
    each("worldbody", [&](const XNode& n) {
      for (auto& kv : n.attrs) n.fail("attribute '" + kv.first + "' is not allowed on <worldbody>");
      body_content(n, 0, 0, -1);
    });
    each("keyframe", [&](const XNode& n) { keyframe(n); });
    each("custom", [&](const XNode& n) { custom(n); });
    each("statistic", [&](const XNode& n) {
      if (const std::string* v = n.attr("meaninertia")) {
        char* end = nullptr;
        const double x = std::strtod(v->c_str(), &end);
        if (end == v->c_str() || !(x > 0) || !std::isfinite(x)) n.fail("meaninertia must be a positive number");
        stat_meaninertia = x;
      }
    });
    while (int(spec.keys.size()) < size_nkey) {
      KeySpec k;
      k.where = root.loc();
      spec.keys.push_back(k);
    }

  }
};

inline void emit(const std::vector<Diagnostic>& w, std::vector<Diagnostic>* out) {
  if (out) {
    out->insert(out->end(), w.begin(), w.end());
  } else {
    for (auto& d : w) std::cerr << d.str() << "\n";
  }
}

inline Model<double> load_tree(const mjcf::XNode& root, const std::string& model_dir, std::vector<Diagnostic>* warnings) {
  Parser p;
  p.model_dir = model_dir;
  try {
    p.parse(root);
  } catch (...) {
    emit(p.warnings, warnings);
    throw;
  }
  Model<double> m = compile_model(p.spec);
  compile_tendons(m, p.spec.compiler.autolimits);
  // equality constraints, contacts and the constraint capacities come before the actuators: the
  // length-range simulation (compile_actuators) runs the constraint solver with limits and
  // equalities active, at the automatic stat.meaninertia, as mjCModel::Compile does after
  // mj_setConst; a <statistic meaninertia> given in the file applies after it
  compile_equality(m);
  compile_springdamper(m);
  // one warning listing every element of a kind Sinew leaves out
  auto warn_list = [&](const std::vector<std::string>& items, const std::string& what) {
    if (items.empty()) return;
    std::string list;
    for (size_t i = 0; i < items.size(); ++i) list += (i ? "; " : "") + items[i];
    p.warnings.push_back(Diagnostic{root.loc(), std::to_string(items.size()) + " " + what + ": " + list});
  };
  {
    std::vector<std::string> unsupported;
    compile_contacts(m, &unsupported);
    warn_list(unsupported, "geom pairs of types Sinew cannot collide yet are left out of collision detection");
  }
  m.size_memory = p.size_memory;
  m.size_nstack = p.size_nstack;
  m.size_nconmax = p.size_nconmax;
  m.size_njmax = p.size_njmax;
  compile_capacities(m, true);
  compile_actuators(m);
  if (p.stat_meaninertia > 0) m.stat_meaninertia[0] = p.stat_meaninertia;
  {
    std::vector<std::string> unsupported;
    compile_sensors(m, &unsupported);
    warn_list(unsupported, "sensors Sinew does not compute read NaN in sensordata");
  }
  compile_capacities(m, true);  // MuJoCo's arena from the final sizes (na and the sensors are known now)
  m.actuator_classes = p.actuator_classes;
  for (const auto& t : p.muscle_spec) {
    m.muscle_model_spec += (m.muscle_model_spec.empty() ? "" : "; ") + t.data;
    const std::vector<MuscleModelRule> rules =
        parse_muscle_model_spec(t.data, DefaultMuscleModels::names, DefaultMuscleModels::size);
    std::vector<int> matched;
    compile_muscle_models(m, muscle_kinds_after(m, rules, &matched));
    for (size_t j = 0; j < rules.size(); ++j)
      if (matched[j] == 0)
        p.warnings.push_back(Diagnostic{t.where, "sinew:muscle_model: rule '" + rules[j].pattern +
                                                     "' (model '" + DefaultMuscleModels::names[rules[j].kind] +
                                                     "') matches no muscle"});
  }
  // De Groote muscles whose MuJoCo range implies a tendon shorter than min_tendon_fraction L0
  // (docs/muscle_models.md, section 3): the slack length is floored, normalized lengths offset
  for (int i = 0; i < m.nu && !p.muscle_spec.empty(); ++i) {
    if (m.actuator_musclekind[size_t(i)] != DefaultMuscleModels::index_of<DeGroote2016>()) continue;
    const double* gp = &m.actuator_gainprm[size_t(10 * i)];
    const double* lr = &m.actuator_lengthrange[size_t(2 * i)];
    const double L0 = (lr[1] - lr[0]) / (gp[1] - gp[0]), raw = lr[0] - gp[0] * L0;
    const double lts = muscle_params<DeGroote2016>(m, i).tendon_slack_length;
    if (raw < lts)
      p.warnings.push_back(Diagnostic{p.muscle_spec.front().where,
                                      "degroote2016 muscle '" + m.actuator_names[size_t(i)] + "': the MuJoCo range " +
                                          "implies a tendon slack length of " + std::to_string(raw) +
                                          " m; floored at " + std::to_string(lts) +
                                          " m (fiber lengths then differ from MuJoCo's)"});
  }
  emit(p.warnings, warnings);
  return m;
}

}  // namespace mjcf_detail

/// Loads and compiles an MJCF file. Includes resolve against the file's directory.
inline Model<double> load_mjcf(const std::string& path, std::vector<Diagnostic>* warnings = nullptr) {
  mjcf::XNode root = mjcf::read_tree_file(path);
  return mjcf_detail::load_tree(root, mjcf::detail::dir_of(path), warnings);
}

/// Loads and compiles MJCF text; includes and asset paths resolve against base_dir.
inline Model<double> load_mjcf_string(const std::string& xml, const std::string& base_dir = ".",
                                      std::vector<Diagnostic>* warnings = nullptr) {
  mjcf::XNode root = mjcf::read_tree_string(xml, base_dir);
  return mjcf_detail::load_tree(root, base_dir, warnings);
}

/// Sets one <option> attribute by its MJCF name ("timestep", "integrator", "gravity", ...) or a
/// flag as "flag.<name>" ("flag.eulerdamp" = "disable"), parsed and validated as in the XML.
/// Throws ModelError naming the key on an unknown key or a bad value; keys that MuJoCo accepts
/// but Sinew does not use (sdf_iterations, sdf_initpoints, sleep_tolerance,
/// actuatorgroupdisable) are rejected too, since setting them would have no effect.
inline void apply_option(Model<double>& m, const std::string& key, const std::string& value) {
  mjcf::XNode n;
  n.name = "option";
  n.file = "apply_option";
  std::string k = key;
  bool flag = k.rfind("flag.", 0) == 0;
  if (flag) k = k.substr(5);
  n.attrs.emplace_back(k, value);
  mjcf::Attrs a;
  a.node = &n;
  a.entries.push_back({k, value, &n});
  auto fail = [&](const std::string& w) { throw ModelError(SourceLocation{"apply_option", 0, "option"}, "option '" + key + "': " + w); };
  Option<double> o = m.opt;
  try {
    if (flag) {
      if (!mjcf_detail::set_flag(o, k, a)) fail("unknown flag");
    } else {
      bool ignored = false;
      if (!mjcf_detail::set_option(o, k, a, fail, &ignored)) fail("unknown option");
      if (ignored) fail("accepted by MuJoCo but not used by Sinew");
    }
  } catch (const ModelError& e) {
    std::string w = e.what();
    if (w.find("option '" + key + "'") != std::string::npos) throw;
    throw ModelError(SourceLocation{"apply_option", 0, "option"}, "option '" + key + "' = '" + value + "': " + w);
  }
  const int collide = DSBL_CONTACT | DSBL_CONSTRAINT;
  const bool refit = o.cone != m.opt.cone || (o.disableflags & collide) != (m.opt.disableflags & collide) ||
                     o.solver != m.opt.solver || (o.noslip_iterations > 0) != (m.opt.noslip_iterations > 0);
  m.opt = o;
  if (refit) compile_capacities(m);  // rows per contact depend on the cone; none with contacts off
  else compile_solver_sizes(m);
}

}  // namespace sinew
