// The parsed form of an MJCF file, every default already applied: what the MJCF reader
// (io/mjcf.hpp) writes and the model compiler (compiler/) reads. The body tree with joints,
// geoms, sites and frames, meshes, height fields, keyframes and the compiler options; actuators
// as full parameter sets (ActuatorSpec, carried through Model::pending as name/value strings).
#pragma once
#include <array>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

inline constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

/// An orientation as written: quat, or one alternative resolved at compile time with the
/// compiler's angle unit and Euler sequence.
struct OrientSpec {
  enum Kind { QUAT, AXISANGLE, XYAXES, ZAXIS, EULER } kind = QUAT;
  double quat[4] = {1, 0, 0, 0};
  double v[6] = {0, 0, 0, 0, 0, 0};  ///< axisangle (4), xyaxes (6), zaxis (3) or euler (3)
};

/// Compiler options (<compiler>).
struct CompilerSpec {
  bool degree = true;  ///< angle="degree" (MuJoCo's default)
  std::string eulerseq = "xyz";
  bool autolimits = true;
  int inertiafromgeom = 2;  ///< 0 false, 1 true, 2 auto
  int inertiagrouprange[2] = {0, 5};
  double boundmass = 0, boundinertia = 0, settotalmass = -1;
  bool balanceinertia = false;
  bool alignfree = false;
  std::string meshdir, texturedir;
};

/// A <frame>: its pose relative to the enclosing frame (parent >= 0) or body.
struct FrameSpec {
  double pos[3] = {0, 0, 0};
  OrientSpec orient;
  int parent = -1;
  SourceLocation where;
  // compiled
  double cpos[3] = {0, 0, 0}, cquat[4] = {1, 0, 0, 0};
  bool compiled = false;
};

struct JointSpec {
  std::string name;
  int type = JNT_HINGE;
  double pos[3] = {0, 0, 0}, axis[3] = {0, 0, 1};
  int limited = 2, actfrclimited = 2;  ///< 0 false, 1 true, 2 auto
  double range[2] = {0, 0}, actfrcrange[2] = {0, 0};
  double ref = 0, springref = 0, stiffness = 0, damping = 0, armature = 0, frictionloss = 0, margin = 0;
  double springdamper[2] = {0, 0};  ///< timeconst, dampratio (compile_springdamper), 0 0: unused
  double solreflimit[2] = {0.02, 1}, solimplimit[5] = {0.9, 0.95, 0.001, 0.5, 2};
  double solreffriction[2] = {0.02, 1}, solimpfriction[5] = {0.9, 0.95, 0.001, 0.5, 2};
  int group = 0;
  int align = 2;  ///< free joint alignment: 0 false, 1 true, 2 auto (compiler alignfree)
  int frame = -1;
  SourceLocation where;
};

struct GeomSpec {
  std::string name;
  int type = GEOM_SPHERE;
  double size[3] = {0, 0, 0};
  double fromto[6] = {kUndefined, 0, 0, 0, 0, 0};
  double pos[3] = {0, 0, 0};
  OrientSpec orient;
  double mass = kUndefined, density = 1000;
  bool shellinertia = false;
  int contype = 1, conaffinity = 1, condim = 3, group = 0, priority = 0;
  double friction[3] = {1, 0.005, 0.0001};
  double solmix = 1, solref[2] = {0.02, 1}, solimp[5] = {0.9, 0.95, 0.001, 0.5, 2};
  double margin = 0, gap = 0;
  double rgba[4] = {0.5, 0.5, 0.5, 1};
  int material = -1;
  int fluidshape = 0;                                ///< 0 none, 1 ellipsoid
  double fluidcoef[5] = {0.5, 0.25, 1.5, 1.0, 1.0};  ///< blunt, slender, angular drag; Kutta, Magnus lift
  int mesh = -1, hfield = -1;
  int frame = -1;
  SourceLocation where;
  // compiled
  double cmass = 0, cinertia[3] = {0, 0, 0};
};

struct SiteSpec {
  std::string name;
  int type = GEOM_SPHERE;
  double size[3] = {0.005, 0.005, 0.005};
  double fromto[6] = {kUndefined, 0, 0, 0, 0, 0};
  double pos[3] = {0, 0, 0};
  OrientSpec orient;
  int group = 0;
  int frame = -1;
  SourceLocation where;
};

struct BodySpec {
  std::string name;
  int parent = -1;  ///< index into ModelSpec::bodies (world is 0)
  double pos[3] = {0, 0, 0};
  OrientSpec orient;
  bool mocap = false;
  double gravcomp = 0;
  bool explicitinertial = false;
  double ipos[3] = {kUndefined, 0, 0};
  OrientSpec iorient;
  double mass = 0, inertia[3] = {0, 0, 0};
  double fullinertia[6] = {kUndefined, 0, 0, 0, 0, 0};
  int frame = -1;
  std::vector<int> children;  ///< child bodies in order
  std::vector<JointSpec> joints;
  std::vector<GeomSpec> geoms;
  std::vector<SiteSpec> sites;
  SourceLocation where;
};

struct MeshSpec {
  std::string name;
  std::string file;  ///< resolved path; empty for inline vertex data
  std::vector<double> vertex;
  std::vector<int> face;
  double scale[3] = {1, 1, 1}, refpos[3] = {0, 0, 0}, refquat[4] = {1, 0, 0, 0};
  MeshInertia inertia = MeshInertia::legacy;
  int maxhullvert = -1;  ///< vertices of the collision hull, -1 all (qhull's TA option)
  SourceLocation where;
};

struct HFieldSpec {
  std::string name;
  double size[4] = {0, 0, 0, 0};
  int nrow = 0, ncol = 0;
  std::vector<float> data;  ///< nrow*ncol elevations, bottom row first (the reader flips the XML's rows)
  std::string file;         ///< MuJoCo's binary height-field file (int32 nrow, ncol; float32 data) or a PNG
  bool png = false;         ///< `file` is a PNG image (grey levels; content_type or the .png extension)
  SourceLocation where;
};

struct KeySpec {
  std::string name;
  double time = 0;
  std::vector<double> qpos, qvel, act, ctrl;
  bool has_qpos = false, has_qvel = false, has_act = false, has_ctrl = false;
  SourceLocation where;
};

/// Everything the compiler needs; bodies[0] is the world.
struct ModelSpec {
  std::string modelname;
  CompilerSpec compiler;
  Option<double> opt;
  std::vector<BodySpec> bodies;
  std::vector<FrameSpec> frames;
  std::vector<MeshSpec> meshes;
  std::vector<std::array<double, 4>> material_rgba;  ///< <material> colours, in asset order
  std::vector<HFieldSpec> hfields;
  std::vector<KeySpec> keys;
  int nu = 0, na = 0;
  std::vector<std::string> actuator_names, tendon_names;
  std::vector<PendingElement> pending;
  int ntendon = 0, neq = 0, npair = 0, nexclude = 0, nsensor = 0;

  ModelSpec() {
    bodies.emplace_back();
    bodies[0].name = "world";
  }
};

/// Options of the length-range computation (<compiler><lengthrange>, mjLROpt).
struct LengthRangeOptions {
  int mode = 1;  ///< 0 none, 1 muscle, 2 muscleuser, 3 all
  bool useexisting = true;
  bool uselimit = false;
  double accel = 20;
  double maxforce = 0;
  double timeconst = 1;
  double timestep = 0.01;
  double inttotal = 10;
  double interval = 2;
  double tolrange = 0.05;
};

/// One actuator's full parameter set after defaults and shortcuts (mjsActuator). Global
/// defaults as mjs_defaultActuator.
struct ActuatorSpec {
  int trntype = -1;  ///< TrnType, -1 while undefined
  std::string target;
  int dyntype = DYN_NONE, gaintype = GAIN_FIXED, biastype = BIAS_NONE;
  double dynprm[10] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  double gainprm[10] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  double biasprm[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  double gear[6] = {1, 0, 0, 0, 0, 0};
  double ctrlrange[2] = {0, 0}, forcerange[2] = {0, 0}, actrange[2] = {0, 0}, lengthrange[2] = {0, 0};
  int ctrllimited = 2, forcelimited = 2, actlimited = 2;  ///< 0 false, 1 true, 2 auto
  bool actearly = false;
  int group = 0;
  int actdim = -1;
  int actnum = 0;
  double cranklength = 0;
  double inheritrange = 0;
  bool autolimits = true;
  LengthRangeOptions lr;

  /// Encodes every parameter as name/value strings (full precision) for Model::pending.
  std::vector<std::pair<std::string, std::string>> to_attrs() const {
    std::vector<std::pair<std::string, std::string>> r;
    auto num = [](double v) {
      char b[40];
      std::snprintf(b, sizeof b, "%.17g", v);
      return std::string(b);
    };
    auto vec = [&](const double* v, int n) {
      std::string s;
      for (int k = 0; k < n; ++k) {  // appended piece by piece: g++ 12 reports a false -Wrestrict on "..." + string
        if (k) s += ' ';
        s += num(v[k]);
      }
      return s;
    };
    r.emplace_back("target", target);
    r.emplace_back("trntype", std::to_string(trntype));
    r.emplace_back("dyntype", std::to_string(dyntype));
    r.emplace_back("gaintype", std::to_string(gaintype));
    r.emplace_back("biastype", std::to_string(biastype));
    r.emplace_back("dynprm", vec(dynprm, 10));
    r.emplace_back("gainprm", vec(gainprm, 10));
    r.emplace_back("biasprm", vec(biasprm, 10));
    r.emplace_back("gear", vec(gear, 6));
    r.emplace_back("ctrlrange", vec(ctrlrange, 2));
    r.emplace_back("forcerange", vec(forcerange, 2));
    r.emplace_back("actrange", vec(actrange, 2));
    r.emplace_back("lengthrange", vec(lengthrange, 2));
    r.emplace_back("ctrllimited", std::to_string(ctrllimited));
    r.emplace_back("forcelimited", std::to_string(forcelimited));
    r.emplace_back("actlimited", std::to_string(actlimited));
    r.emplace_back("actearly", actearly ? "1" : "0");
    r.emplace_back("group", std::to_string(group));
    r.emplace_back("actdim", std::to_string(actdim));
    r.emplace_back("actnum", std::to_string(actnum));
    r.emplace_back("cranklength", num(cranklength));
    r.emplace_back("inheritrange", num(inheritrange));
    r.emplace_back("autolimits", autolimits ? "1" : "0");
    const double lro[7] = {lr.accel, lr.maxforce, lr.timeconst, lr.timestep, lr.inttotal, lr.interval, lr.tolrange};
    r.emplace_back("lengthrange_opt", std::to_string(lr.mode) + " " + (lr.useexisting ? "1" : "0") + " " +
                                          (lr.uselimit ? "1" : "0") + " " + vec(lro, 7));
    return r;
  }

  /// Decodes what to_attrs wrote.
  static ActuatorSpec from_attrs(const std::vector<std::pair<std::string, std::string>>& attrs) {
    ActuatorSpec a;
    auto get = [&](const char* k) -> std::string {
      for (auto& kv : attrs)
        if (kv.first == k) return kv.second;
      throw std::logic_error(std::string("compile_actuators: resolved actuator lacks '") + k + "'");
    };
    auto reals = [&](const char* k, double* out, int n) {
      const std::string s = get(k);
      const char* p = s.c_str();
      for (int i = 0; i < n; ++i) {
        char* end = nullptr;
        out[i] = std::strtod(p, &end);
        p = end;
      }
    };
    a.target = get("target");
    a.trntype = std::stoi(get("trntype"));
    a.dyntype = std::stoi(get("dyntype"));
    a.gaintype = std::stoi(get("gaintype"));
    a.biastype = std::stoi(get("biastype"));
    reals("dynprm", a.dynprm, 10);
    reals("gainprm", a.gainprm, 10);
    reals("biasprm", a.biasprm, 10);
    reals("gear", a.gear, 6);
    reals("ctrlrange", a.ctrlrange, 2);
    reals("forcerange", a.forcerange, 2);
    reals("actrange", a.actrange, 2);
    reals("lengthrange", a.lengthrange, 2);
    a.ctrllimited = std::stoi(get("ctrllimited"));
    a.forcelimited = std::stoi(get("forcelimited"));
    a.actlimited = std::stoi(get("actlimited"));
    a.actearly = get("actearly") == "1";
    a.group = std::stoi(get("group"));
    a.actdim = std::stoi(get("actdim"));
    a.actnum = std::stoi(get("actnum"));
    reals("cranklength", &a.cranklength, 1);
    reals("inheritrange", &a.inheritrange, 1);
    a.autolimits = get("autolimits") == "1";
    double lro[10];
    reals("lengthrange_opt", lro, 10);
    a.lr.mode = int(lro[0]);
    a.lr.useexisting = lro[1] != 0;
    a.lr.uselimit = lro[2] != 0;
    a.lr.accel = lro[3];
    a.lr.maxforce = lro[4];
    a.lr.timeconst = lro[5];
    a.lr.timestep = lro[6];
    a.lr.inttotal = lro[7];
    a.lr.interval = lro[8];
    a.lr.tolrange = lro[9];
    return a;
  }
};

}  // namespace sinew
