// MJCF reading, the body tree: the parser's shared state (the ModelSpec being filled, default
// classes, warnings, asset indices, the name checks of objects read for their names only) and
// the <worldbody> walk: bodies, frames, geoms, sites, joints and inertials with their defaults
// and attribute rules as MuJoCo 3.4.0's xml_native_reader. io/mjcf.hpp's Parser adds the other
// sections. Host only.
#pragma once
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/io/mjcf_option.hpp"
#include "sinew/io/mjcf_reader.hpp"
#include "sinew/io/mjcf_spec.hpp"
#include "sinew/model/model.hpp"

namespace sinew {
namespace mjcf_detail {

/// What every section of the parser shares.
struct ParserState {
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
};

/// The body tree (<worldbody> and its bodies, frames, geoms, sites, joints, inertials).
struct BodyParser : ParserState {
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
    if (a.has("mass")) { a.real("mass", g.mass); }
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
      if (kv.first == "sleep") {
        int v;
        a.keyword("sleep", v, {"auto", "never", "allowed", "init"});
      }
    int idx = int(spec.bodies.size());
    spec.bodies.push_back(b);
    spec.bodies[size_t(parent)].children.push_back(idx);
    body_content(n, idx, ccls, -1);
  }
};

}  // namespace mjcf_detail
}  // namespace sinew
