// MJCF reader: reads a MuJoCo XML model (with <include>s and <default> classes applied) into a
// ModelSpec (io/mjcf_spec.hpp) with MuJoCo 3.4.0's schema and attribute rules. It only reads: the
// compiler (sinew/compiler/compiler.hpp: load_mjcf, load_mjcf_string, apply_option) turns the
// spec into a Model. Host only. Errors throw sinew::ModelError naming file, line and element.
//
// Read: everything that shapes the kinematic tree and its mass properties (bodies, frames, joints,
// geoms, meshes from STL and MSH files or inline vertices, height fields from elevation data,
// MuJoCo's binary files or PNG images, sites, inertials, compiler and option settings,
// keyframes); tendons, actuators (joint and tendon transmissions, every shortcut), contact
// pairs/excludes, equality constraints and sensors as resolved elements (Model::pending) for the
// compiler. Accepted without effect: <visual>, <statistic> (except meaninertia, the solvers'
// scale), <custom> (except Sinew's muscle selection, <text name="sinew:muscle_model">, see
// docs/muscle_models.md), <size> (except the capacity hints), cameras, lights, textures,
// materials (their colours are kept for rangefinders), skins (warning). Errors ("unsupported"):
// <extension>/plugins, <composite>, <flexcomp>, <replicate>, <attach>, <deformable>,
// <asset><model>, SDF geoms, builtin meshes, primitive geoms fitted to meshes, compiler
// fusestatic/discardvisual="true", site/body/slider-crank transmissions, adhesion actuators.
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
#include "sinew/io/mjcf_actuator.hpp"
#include "sinew/io/mjcf_body.hpp"
#include "sinew/io/mjcf_option.hpp"
#include "sinew/io/mjcf_reader.hpp"
#include "sinew/io/mjcf_spec.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

namespace mjcf_detail {

using mjcf::Attrs;
using mjcf::XNode;

// ------------------------------------------------------------------------------ parser
struct Parser : BodyParser {
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
    a.boolean("fitaabb", b);                            // only affects primitive geoms fitted to meshes (unsupported)
    a.boolean("saveinertial", b);                       // only affects saving XML
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
    if (size_memory != -1 && size_nstack != -1)
      n.fail("either 'memory' and 'nstack' attribute can be specified, not both");
    if (size_memory != -1 && size_njmax != -1)
      n.fail("either 'memory' and 'njmax' attribute can be specified, not both");
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
                h.data[size_t(h.nrow - 1 - i) * size_t(h.ncol) + size_t(j)] =
                    float(e[size_t(i) * size_t(h.ncol) + size_t(j)]);
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

  void actuator(const XNode& sec) {
    static const std::initializer_list<const char*> kinds = {
        "general", "motor", "position", "velocity", "intvelocity", "damper", "cylinder", "muscle", "adhesion"};
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
        warn(n,
             "user dynamics, gain or bias: Sinew has no user callbacks, so this actuator behaves as in MuJoCo "
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
  // ignores custom text). The compiler checks the data (a bad entry is a ModelError at the element)
  // and applies it after compile_actuators; the rest of <custom> is accepted and ignored.
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

}  // namespace mjcf_detail
}  // namespace sinew
