// Model compiler: turns a parsed model description (ModelSpec: body tree with joints, geoms,
// sites, frames, meshes, keyframes; every default already applied) into the flat Model arrays,
// with MuJoCo 3.4.0's semantics (mjCModel::Compile / mjCBody::Compile in user_model.cc and
// user_objects.cc): orientation alternatives, fromto, mesh frames, geom mass and inertia, body
// inertia from geoms and its principal frame, boundmass/boundinertia/balanceinertia/settotalmass,
// free-joint alignment, body/dof topology, the sparse mass-matrix layout and qpos0. Host only.
//
//   sinew::ModelSpec spec;  ... filled by the MJCF reader (sinew/io/mjcf.hpp) ...
//   sinew::Model<double> m = sinew::compile_model(spec);
#pragma once
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/io/hfield.hpp"
#include "sinew/io/png.hpp"
#include "sinew/io/msh.hpp"
#include "sinew/io/stl.hpp"
#include "sinew/model/geom_inertia.hpp"
#include "sinew/model/mesh.hpp"
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
  int fluidshape = 0;                              ///< 0 none, 1 ellipsoid
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

namespace detail {

[[noreturn]] inline void compile_fail(const SourceLocation& w, const std::string& what) { throw ModelError(w, what); }

/// Resolves an orientation into quat (ResolveOrientation in user_objects.cc). Returns an error
/// message or nullptr.
inline const char* resolve_orientation(double quat[4], const OrientSpec& o, bool degree, const std::string& seq) {
  using namespace cmath;
  for (int i = 0; i < 4; ++i) quat[i] = o.quat[i];
  switch (o.kind) {
    case OrientSpec::QUAT:
      normvec(quat, 4);
      return nullptr;
    case OrientSpec::AXISANGLE: {
      double a[4] = {o.v[0], o.v[1], o.v[2], o.v[3]};
      if (degree) a[3] = a[3] / 180.0 * kPi;
      if (normvec(a, 3) < kEps) return "axisangle too small";
      double h = a[3] / 2;
      quat[0] = std::cos(h);
      quat[1] = std::sin(h) * a[0];
      quat[2] = std::sin(h) * a[1];
      quat[3] = std::sin(h) * a[2];
      return nullptr;
    }
    case OrientSpec::XYAXES: {
      double x[6];
      for (int i = 0; i < 6; ++i) x[i] = o.v[i];
      if (normvec(x, 3) < kEps) return "xaxis too small";
      double d = x[0] * x[3] + x[1] * x[4] + x[2] * x[5];
      x[3] -= x[0] * d; x[4] -= x[1] * d; x[5] -= x[2] * d;
      if (normvec(x + 3, 3) < kEps) return "yaxis too small";
      double z[3];
      cross(z, x, x + 3);
      if (normvec(z, 3) < kEps) return "cross(xaxis, yaxis) too small";
      frame2quat(quat, x, x + 3, z);
      return nullptr;
    }
    case OrientSpec::ZAXIS: {
      double z[3] = {o.v[0], o.v[1], o.v[2]};
      if (normvec(z, 3) < kEps) return "zaxis too small";
      z2quat(quat, z);
      return nullptr;
    }
    case OrientSpec::EULER: {
      double e[3] = {o.v[0], o.v[1], o.v[2]};
      if (degree)
        for (double& x : e) x = x / 180.0 * kPi;
      quat[0] = 1; quat[1] = quat[2] = quat[3] = 0;
      for (int i = 0; i < 3; ++i) {
        double r[4] = {std::cos(e[i] / 2), 0, 0, 0}, sa = std::sin(e[i] / 2);
        char c = seq[size_t(i)];
        if (c == 'x' || c == 'X') r[1] = sa;
        else if (c == 'y' || c == 'Y') r[2] = sa;
        else if (c == 'z' || c == 'Z') r[3] = sa;
        else return "euler sequence can only contain x, y, z, X, Y, Z";
        if (c == 'x' || c == 'y' || c == 'z') mulquat(quat, quat, r);  // intrinsic: post-multiply
        else mulquat(quat, r, quat);                                     // extrinsic: pre-multiply
      }
      normvec(quat, 4);
      return nullptr;
    }
  }
  return nullptr;
}

inline void compile_frame(ModelSpec& s, int f) {
  FrameSpec& fr = s.frames[size_t(f)];
  if (fr.compiled) return;
  for (int i = 0; i < 3; ++i) fr.cpos[i] = fr.pos[i];
  if (const char* e = resolve_orientation(fr.cquat, fr.orient, s.compiler.degree, s.compiler.eulerseq))
    compile_fail(fr.where, std::string("orientation error in frame: ") + e);
  if (fr.parent >= 0) {
    compile_frame(s, fr.parent);
    const FrameSpec& p = s.frames[size_t(fr.parent)];
    cmath::frame_accum_child(p.cpos, p.cquat, fr.cpos, fr.cquat);
  }
  cmath::normvec(fr.cquat, 4);
  fr.compiled = true;
}

/// Number of size parameters each geom type needs (mjGEOMINFO).
inline int geom_nsize(int type) {
  switch (type) {
    case GEOM_PLANE: return 3;
    case GEOM_HFIELD: return 0;
    case GEOM_SPHERE: return 1;
    case GEOM_CAPSULE: case GEOM_CYLINDER: return 2;
    case GEOM_ELLIPSOID: case GEOM_BOX: return 3;
    default: return 0;
  }
}

inline void check_size(const double* size, int type, const SourceLocation& w, const char* what) {
  if (type == GEOM_PLANE) {
    if (size[2] <= 0) compile_fail(w, "plane size(3) must be positive");
    return;
  }
  for (int i = 0; i < geom_nsize(type); ++i)
    if (size[i] <= 0) compile_fail(w, "size " + std::to_string(i) + " must be positive in " + what);
}

// fromto -> pos, quat, size (shared by geoms and sites)
inline void apply_fromto(const double* ft, int type, double* pos, double* quat, double* size,
                         const SourceLocation& w, const char* what) {
  if (type != GEOM_CAPSULE && type != GEOM_CYLINDER && type != GEOM_ELLIPSOID && type != GEOM_BOX)
    compile_fail(w, std::string("fromto requires capsule, cylinder, box or ellipsoid in ") + what);
  if (pos[0] || pos[1] || pos[2]) compile_fail(w, std::string("both pos and fromto defined in ") + what);
  double v[3] = {ft[0] - ft[3], ft[1] - ft[4], ft[2] - ft[5]};
  size[1] = cmath::normvec(v, 3) / 2;
  if (size[1] < cmath::kEps) compile_fail(w, std::string("fromto points too close in ") + what);
  if (type == GEOM_ELLIPSOID || type == GEOM_BOX) {
    size[2] = size[1];
    size[1] = size[0];
  }
  pos[0] = (ft[0] + ft[3]) / 2;
  pos[1] = (ft[1] + ft[4]) / 2;
  pos[2] = (ft[2] + ft[5]) / 2;
  cmath::z2quat(quat, v);
}

}  // namespace detail

/// Compiles a ModelSpec into a Model (see the header comment). Throws ModelError naming the
/// element on invalid input.
namespace detail {
/// MuJoCo's "repeated name 'x' in <kind>": names are unique per object type (empty names aside).
inline void check_unique_names(const ModelSpec& s) {
  auto check = [](std::set<std::string>& seen, const std::string& name, const SourceLocation& where, const char* kind) {
    if (!name.empty() && !seen.insert(name).second) compile_fail(where, std::string("repeated name '") + name + "' in " + kind);
  };
  std::set<std::string> bodies, joints, geoms, sites, meshes, hfields, keys;
  for (const BodySpec& b : s.bodies) {
    check(bodies, b.name, b.where, "body");
    for (const JointSpec& j : b.joints) check(joints, j.name, j.where, "joint");
    for (const GeomSpec& g : b.geoms) check(geoms, g.name, g.where, "geom");
    for (const SiteSpec& x : b.sites) check(sites, x.name, x.where, "site");
  }
  for (const MeshSpec& x : s.meshes) check(meshes, x.name, x.where, "mesh");
  for (const HFieldSpec& x : s.hfields) check(hfields, x.name, x.where, "hfield");
  for (const KeySpec& x : s.keys) check(keys, x.name, x.where, "key");
  // tendons, actuators, equalities, sensors, contact pairs and excludes: each its own namespace
  std::map<std::string, std::set<std::string>> pending;
  for (const PendingElement& p : s.pending) {
    const std::string kind = p.section == "contact" ? p.kind : p.section;
    if (kind == "tendon" || kind == "actuator" || kind == "equality" || kind == "sensor" || kind == "pair" || kind == "exclude")
      check(pending[kind], p.name, SourceLocation{p.file, p.line, p.kind}, kind.c_str());
  }
}
}  // namespace detail

inline Model<double> compile_model(ModelSpec& s) {
  using namespace cmath;
  const CompilerSpec& cc = s.compiler;
  detail::check_unique_names(s);
  Model<double> m;
  m.name = s.modelname;
  m.opt = s.opt;

  // ---- meshes
  // MuJoCo builds a mesh's hull graph when a mesh geom that can collide (contype, conaffinity or
  // an explicit <pair>) or convex inertia uses it (mjCModel's SetNeedHull)
  std::vector<char> needhull(s.meshes.size(), 0);
  {
    std::vector<std::string> paired;
    for (const PendingElement& p : s.pending)
      if (p.section == "contact" && p.kind == "pair")
        for (const auto& [k, v] : p.attrs)
          if (k == "geom1" || k == "geom2") paired.push_back(v);
    for (const BodySpec& b : s.bodies)
      for (const GeomSpec& g : b.geoms)
        if (g.type == GEOM_MESH && g.mesh >= 0 && size_t(g.mesh) < needhull.size() &&
            (g.contype || g.conaffinity ||
             (!g.name.empty() && std::find(paired.begin(), paired.end(), g.name) != paired.end())))
          needhull[size_t(g.mesh)] = 1;
  }
  std::vector<CompiledMesh> meshes(s.meshes.size());
  for (size_t i = 0; i < s.meshes.size(); ++i) {
    const MeshSpec& ms = s.meshes[i];
    MeshSource src;
    if (!ms.file.empty()) {
      std::ifstream probe(ms.file, std::ios::binary);
      if (!probe) detail::compile_fail(ms.where, "mesh file not found: '" + ms.file + "'");
      std::string ext = ms.file.size() >= 4 ? ms.file.substr(ms.file.size() - 4) : "";
      for (auto& ch : ext) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      if (ext != ".stl" && ext != ".msh")
        detail::compile_fail(ms.where, "unsupported mesh file format '" + ms.file + "' (STL and MSH are supported)");
      if (ext == ".msh") {
        src = read_msh(ms.file);
      } else {
        src = read_stl(ms.file);
        if (src.ascii) detail::compile_fail(ms.where, "ASCII STL file '" + ms.file + "' (MuJoCo accepts binary STL only)");
      }
    } else {
      src.vert = ms.vertex;
      src.face = ms.face;
    }
    meshes[i] = compile_mesh(src, ms.scale, ms.inertia, ms.refpos, ms.refquat, ms.where.str(),
                             needhull[i] != 0, ms.maxhullvert);
  }

  // ---- body order: depth-first, as MuJoCo numbers bodies
  std::vector<int> order;
  {
    std::vector<int> stack{0};
    while (!stack.empty()) {
      int b = stack.back();
      stack.pop_back();
      order.push_back(b);
      const auto& ch = s.bodies[size_t(b)].children;
      for (auto it = ch.rbegin(); it != ch.rend(); ++it) stack.push_back(*it);
    }
  }
  std::vector<int> newid(s.bodies.size());
  for (size_t i = 0; i < order.size(); ++i) newid[size_t(order[i])] = int(i);

  for (size_t f = 0; f < s.frames.size(); ++f) detail::compile_frame(s, int(f));
  auto frame_of = [&](int f, double* pos, double* quat) {
    if (f < 0) return;
    const FrameSpec& fr = s.frames[size_t(f)];
    frame_accum_child(fr.cpos, fr.cquat, pos, quat);
  };

  const int nbody = int(order.size());
  struct CBody {
    double pos[3], quat[4], ipos[3], iquat[4], mass, inertia[3];
    int weldid, njnt, nv;
  };
  std::vector<CBody> cb(static_cast<size_t>(nbody));
  struct CGeom { double pos[3], quat[4], size[3]; int body; const GeomSpec* g; };
  struct CSite { double pos[3], quat[4], size[3]; int body; const SiteSpec* s; };
  struct CJoint { double pos[3], axis[3], range[2]; int limited, actfrclimited, body; const JointSpec* j; };
  std::vector<CGeom> geoms;
  std::vector<CSite> sites;
  std::vector<CJoint> joints;

  for (int id = 0; id < nbody; ++id) {
    BodySpec& b = s.bodies[size_t(order[size_t(id)])];
    CBody& c = cb[size_t(id)];
    const int pid = b.parent >= 0 ? newid[size_t(b.parent)] : -1;
    for (int i = 0; i < 3; ++i) c.pos[i] = b.pos[i];
    if (const char* e = detail::resolve_orientation(c.quat, b.orient, cc.degree, cc.eulerseq))
      detail::compile_fail(b.where, std::string("error '") + e + "' in frame alternative");
    for (int i = 0; i < 3; ++i) c.ipos[i] = b.ipos[i];
    c.mass = b.mass;
    for (int i = 0; i < 3; ++i) c.inertia[i] = b.inertia[i];
    c.weldid = id == 0 ? 0 : (!b.joints.empty() ? id : cb[size_t(pid)].weldid);
    if (b.mocap && (!b.joints.empty() || pid != 0))
      detail::compile_fail(b.where, "mocap body '" + b.name + "' is not a fixed child of world");

    // inertial orientation / full inertia
    if (b.explicitinertial) {
      bool full = !std::isnan(b.fullinertia[0]);
      if (full && b.iorient.kind != OrientSpec::QUAT)
        detail::compile_fail(b.where, "fullinertia and inertial orientation cannot both be specified");
      if (full && (b.inertia[0] || b.inertia[1] || b.inertia[2]))
        detail::compile_fail(b.where, "fullinertia and diagonal inertia cannot both be specified");
      if (full) {
        if (!full_inertia_principal(b.fullinertia, c.iquat, c.inertia))
          detail::compile_fail(b.where, "error 'inertia must have positive eigenvalues' in fullinertia");
      } else if (const char* e = detail::resolve_orientation(c.iquat, b.iorient, cc.degree, cc.eulerseq)) {
        detail::compile_fail(b.where, std::string("error '") + e + "' in inertia alternative");
      }
    } else {
      c.iquat[0] = 1; c.iquat[1] = c.iquat[2] = c.iquat[3] = 0;
    }

    // geoms
    const bool use_geoms = id > 0 && (!b.explicitinertial || cc.inertiafromgeom == 1);
    const size_t g0 = geoms.size();
    for (GeomSpec& g : b.geoms) {
      CGeom cg;
      cg.body = id;
      cg.g = &g;
      for (int i = 0; i < 3; ++i) { cg.pos[i] = g.pos[i]; cg.size[i] = g.size[i]; }
      if (g.condim != 1 && g.condim != 3 && g.condim != 4 && g.condim != 6)
        detail::compile_fail(g.where, "invalid condim in geom");
      if (g.type == GEOM_MESH && g.mesh < 0) detail::compile_fail(g.where, "mesh geom must have a valid mesh");
      if (g.type == GEOM_HFIELD && g.hfield < 0) detail::compile_fail(g.where, "hfield geom must have a valid hfield");
      if (g.type == GEOM_SDF) detail::compile_fail(g.where, "sdf geoms are not supported");
      if (g.type == GEOM_PLANE && c.weldid != 0) detail::compile_fail(g.where, "plane only allowed in static bodies");
      if (g.mesh >= 0 && g.type != GEOM_MESH)
        detail::compile_fail(g.where, "fitting a primitive geom to a mesh (mesh attribute on a non-mesh geom) is not supported");
      if (!std::isnan(g.fromto[0])) {
        if (g.mesh >= 0) detail::compile_fail(g.where, "fromto cannot be used with mesh geom");
        detail::apply_fromto(g.fromto, g.type, cg.pos, cg.quat, cg.size, g.where, "geom");
      } else if (const char* e = detail::resolve_orientation(cg.quat, g.orient, cc.degree, cc.eulerseq)) {
        detail::compile_fail(g.where, std::string("orientation specification error '") + e + "' in geom");
      }
      if (g.mesh >= 0) {
        if (g.shellinertia) detail::compile_fail(g.where, "for mesh geoms, inertia should be specified in the mesh asset");
        apply_mesh_frame(meshes[size_t(g.mesh)], cg.pos, cg.quat);
      }
      detail::check_size(cg.size, g.type, g.where, "geom");
      if (g.type == GEOM_HFIELD) {
        const double* hs = s.hfields[size_t(g.hfield)].size;
        cg.size[0] = hs[0];
        cg.size[1] = hs[1];
        cg.size[2] = 0.25 * hs[2] + 0.5 * hs[3];
      } else if (g.type == GEOM_MESH) {
        const double* a = meshes[size_t(g.mesh)].aamm;
        for (int k = 0; k < 3; ++k) cg.size[k] = std::max(std::abs(a[k]), std::abs(a[k + 3]));
      }
      // mass and inertia
      g.cmass = 0;
      g.cinertia[0] = g.cinertia[1] = g.cinertia[2] = 0;
      const bool infer = use_geoms && g.group >= cc.inertiagrouprange[0] && g.group <= cc.inertiagrouprange[1];
      if (infer) {
        double vol = g.type == GEOM_MESH ? meshes[size_t(g.mesh)].volume_ref() : geom_volume(g.type, cg.size, g.shellinertia);
        double density = g.density;
        auto set_inertia = [&]() {
          if (g.type == GEOM_MESH) mesh_geom_inertia(meshes[size_t(g.mesh)], g.cmass, g.cinertia);
          else geom_inertia(g.type, cg.size, g.cmass, g.shellinertia, g.cinertia);
        };
        if (!std::isnan(g.mass)) {
          if (g.mass == 0) {
            g.cmass = 0;
            density = 0;
          } else if (vol > kEps) {
            g.cmass = g.mass;
            density = g.mass / vol;
            set_inertia();
          }
        } else if (density != 0) {
          g.cmass = density * vol;
          set_inertia();
        }
        if (g.cmass < 0 || g.cinertia[0] < 0 || g.cinertia[1] < 0 || g.cinertia[2] < 0 || density < 0)
          detail::compile_fail(g.where, "mass, inertia or density are negative in geom");
      }
      frame_of(g.frame, cg.pos, cg.quat);
      geoms.push_back(cg);
    }

    // body inertia from geoms
    if (id > 0 && (cc.inertiafromgeom == 1 || (std::isnan(c.ipos[0]) && cc.inertiafromgeom == 2))) {
      std::vector<size_t> sel;
      for (size_t k = g0; k < geoms.size(); ++k) {
        int grp = geoms[k].g->group;
        if (grp >= cc.inertiagrouprange[0] && grp <= cc.inertiagrouprange[1]) sel.push_back(k);
      }
      if (sel.size() == 1) {
        const CGeom& cg = geoms[sel[0]];
        for (int i = 0; i < 3; ++i) { c.ipos[i] = cg.pos[i]; c.inertia[i] = cg.g->cinertia[i]; }
        for (int i = 0; i < 4; ++i) c.iquat[i] = cg.quat[i];
        c.mass = cg.g->cmass;
      } else if (sel.size() > 1) {
        double com[3] = {0, 0, 0}, tot[6] = {0, 0, 0, 0, 0, 0};
        c.mass = 0;
        for (size_t k : sel) {
          double gm = geoms[k].g->cmass;
          c.mass += gm;
          for (int i = 0; i < 3; ++i) com[i] += gm * geoms[k].pos[i];
        }
        if (c.mass < kEps) detail::compile_fail(b.where, "body mass is too small, cannot compute center of mass");
        for (int i = 0; i < 3; ++i) c.ipos[i] = com[i] / c.mass;
        for (size_t k : sel) {
          double d[3] = {geoms[k].pos[0] - c.ipos[0], geoms[k].pos[1] - c.ipos[1], geoms[k].pos[2] - c.ipos[2]};
          double i0[6], i1[6];
          rotated_inertia(i0, geoms[k].g->cinertia, geoms[k].quat);
          offcenter_inertia(i1, geoms[k].g->cmass, d);
          for (int j = 0; j < 6; ++j) tot[j] = tot[j] + i0[j] + i1[j];
        }
        if (!full_inertia_principal(tot, c.iquat, c.inertia))
          detail::compile_fail(b.where, "error 'inertia must have positive eigenvalues' in alternative for principal axes");
      }
      // no geoms selected: MuJoCo leaves mass, ipos and inertia as they were
    }
    if (std::isnan(c.ipos[0])) {
      for (int i = 0; i < 3; ++i) c.ipos[i] = c.pos[i];
      for (int i = 0; i < 4; ++i) c.iquat[i] = c.quat[i];
    }
    if (id > 0) {
      c.mass = std::max(c.mass, cc.boundmass);
      for (int i = 0; i < 3; ++i) c.inertia[i] = std::max(c.inertia[i], cc.boundinertia);
      if (c.mass < 0 || c.inertia[0] < 0 || c.inertia[1] < 0 || c.inertia[2] < 0)
        detail::compile_fail(b.where, "mass and inertia cannot be negative");
      const double* I = c.inertia;
      if (I[0] + I[1] < I[2] || I[0] + I[2] < I[1] || I[1] + I[2] < I[0]) {
        if (cc.balanceinertia) c.inertia[0] = c.inertia[1] = c.inertia[2] = (I[0] + I[1] + I[2]) / 3.0;
        else detail::compile_fail(b.where, "inertia must satisfy A + B >= C; use 'balanceinertia' to fix");
      }
    }
    frame_of(b.frame, c.pos, c.quat);

    // free-joint alignment
    bool align = b.joints.size() == 1 && b.joints[0].type == JNT_FREE && b.children.empty() &&
                 (b.joints[0].align == 1 || (b.joints[0].align == 2 && cc.alignfree));
    double ipinv[3], iqinv[4];
    if (align) {
      frame_accum(c.pos, c.quat, c.ipos, c.iquat);
      frame_invert(ipinv, iqinv, c.ipos, c.iquat);
      c.ipos[0] = c.ipos[1] = c.ipos[2] = 0;
      c.iquat[0] = 1; c.iquat[1] = c.iquat[2] = c.iquat[3] = 0;
      for (size_t k = g0; k < geoms.size(); ++k) frame_accum_child(ipinv, iqinv, geoms[k].pos, geoms[k].quat);
    }

    // joints
    c.njnt = int(b.joints.size());
    c.nv = 0;
    bool hasball = false;
    for (const JointSpec& j : b.joints) {
      CJoint cj;
      cj.j = &j;
      cj.body = id;
      for (int i = 0; i < 3; ++i) { cj.pos[i] = j.pos[i]; cj.axis[i] = j.axis[i]; }
      cj.range[0] = j.range[0]; cj.range[1] = j.range[1];
      cj.limited = j.limited;
      cj.actfrclimited = j.actfrclimited;
      if (j.type == JNT_FREE) {
        if (pid != 0) detail::compile_fail(j.where, "free joint can only be used on top level");
        if (j.limited == 1) detail::compile_fail(j.where, "limits should not be defined in free joint");
        cj.limited = 0;
      } else if (cj.limited == 2) {
        bool hasrange = !(j.range[0] == 0 && j.range[1] == 0);
        if (!cc.autolimits && hasrange)
          detail::compile_fail(j.where, "joint has `range` but not `limited`. set the autolimits=\"true\" compiler option, "
                                        "specify `limited` explicitly (\"true\" or \"false\"), or remove the `range` attribute.");
      }
      bool limited = cj.limited == 1 || (cj.limited == 2 && cj.range[0] < cj.range[1]);
      if (limited) {
        if (cj.range[0] >= cj.range[1] && j.type != JNT_BALL)
          detail::compile_fail(j.where, "range[0] should be smaller than range[1] in joint");
        if (cj.range[0] && j.type == JNT_BALL) detail::compile_fail(j.where, "range[0] should be 0 in ball joint");
        if (cc.degree && (j.type == JNT_HINGE || j.type == JNT_BALL)) {
          if (cj.range[0]) cj.range[0] *= kPi / 180.0;
          if (cj.range[1]) cj.range[1] *= kPi / 180.0;
        }
      }
      if (j.type == JNT_FREE || j.type == JNT_BALL) {
        cj.actfrclimited = 0;
      } else if (cj.actfrclimited == 2) {
        bool hasrange = !(j.actfrcrange[0] == 0 && j.actfrcrange[1] == 0);
        if (!cc.autolimits && hasrange)
          detail::compile_fail(j.where, "joint has `actuatorfrcrange` but not `actuatorfrclimited`. set the autolimits=\"true\" "
                                        "compiler option, specify `actuatorfrclimited` explicitly (\"true\" or \"false\"), or "
                                        "remove the `actuatorfrcrange` attribute.");
      }
      bool afl = cj.actfrclimited == 1 || (cj.actfrclimited == 2 && j.actfrcrange[0] < j.actfrcrange[1]);
      if (afl && j.actfrcrange[0] >= j.actfrcrange[1])
        detail::compile_fail(j.where, "actfrcrange[0] should be smaller than actfrcrange[1] in joint");
      if (j.type == JNT_FREE || j.type == JNT_BALL) {
        cj.axis[0] = cj.axis[1] = 0;
        cj.axis[2] = 1;
      } else if (j.frame >= 0) {
        rotvec(cj.axis, cj.axis, s.frames[size_t(j.frame)].cquat);
      }
      if (normvec(cj.axis, 3) < kEps) detail::compile_fail(j.where, "axis too small in joint");
      if (j.type == JNT_FREE) {
        cj.pos[0] = cj.pos[1] = cj.pos[2] = 0;
      } else if (j.frame >= 0) {
        double qu[4] = {1, 0, 0, 0};
        frame_accum_child(s.frames[size_t(j.frame)].cpos, s.frames[size_t(j.frame)].cquat, cj.pos, qu);
      }
      if ((j.type == JNT_BALL || j.type == JNT_HINGE) && hasball)
        detail::compile_fail(b.where, "ball followed by rotation in body '" + b.name + "'");
      if (j.type == JNT_BALL) hasball = true;
      c.nv += j.type == JNT_FREE ? 6 : (j.type == JNT_BALL ? 3 : 1);
      cj.limited = limited ? 1 : 0;
      cj.actfrclimited = afl ? 1 : 0;
      joints.push_back(cj);
    }
    if (c.nv > 6) detail::compile_fail(b.where, "more than 6 dofs in body '" + b.name + "'");

    // sites
    for (const SiteSpec& st : b.sites) {
      CSite cs;
      cs.body = id;
      cs.s = &st;
      for (int i = 0; i < 3; ++i) { cs.pos[i] = st.pos[i]; cs.size[i] = st.size[i]; }
      if (st.type == GEOM_MESH || st.type == GEOM_HFIELD || st.type == GEOM_PLANE || st.type == GEOM_SDF)
        detail::compile_fail(st.where, "meshes, hfields and planes not allowed in site");
      if (!std::isnan(st.fromto[0])) detail::apply_fromto(st.fromto, st.type, cs.pos, cs.quat, cs.size, st.where, "site");
      else if (const char* e = detail::resolve_orientation(cs.quat, st.orient, cc.degree, cc.eulerseq))
        detail::compile_fail(st.where, std::string("orientation specification error '") + e + "' in site");
      frame_of(st.frame, cs.pos, cs.quat);
      normvec(cs.quat, 4);
      detail::check_size(cs.size, st.type, st.where, "site");
      if (align) frame_accum_child(ipinv, iqinv, cs.pos, cs.quat);
      sites.push_back(cs);
    }
  }

  // settotalmass: scale masses and inertias of all bodies
  if (cc.settotalmass > 0) {
    double tot = 0;
    for (int i = 1; i < nbody; ++i) tot += cb[size_t(i)].mass;
    if (tot < kEps) detail::compile_fail(s.bodies[0].where, "settotalmass: model has no mass to scale");
    double sc = cc.settotalmass / tot;
    for (int i = 1; i < nbody; ++i) {
      cb[size_t(i)].mass *= sc;
      for (double& x : cb[size_t(i)].inertia) x *= sc;
    }
  }

  // ---- sizes
  m.nbody = nbody;
  m.njnt = int(joints.size());
  m.ngeom = int(geoms.size());
  m.nsite = int(sites.size());
  m.nmesh = int(meshes.size());
  m.nq = m.nv = 0;
  for (auto& j : joints) {
    int t = j.j->type;
    m.nq += t == JNT_FREE ? 7 : (t == JNT_BALL ? 4 : 1);
    m.nv += t == JNT_FREE ? 6 : (t == JNT_BALL ? 3 : 1);
  }
  m.nmeshvert = m.nmeshface = 0;
  m.nmeshgraph = 0;
  for (auto& cm : meshes) { m.nmeshvert += cm.nvert(); m.nmeshface += cm.nface(); m.nmeshgraph += int(cm.graph.size()); }
  // height fields (mjCHField::Compile): elevations from the XML or MuJoCo's binary file,
  // normalized to [0, 1] in float as MuJoCo does
  std::vector<HFieldSpec> hfields = s.hfields;
  for (HFieldSpec& h : hfields) {
    if (!h.file.empty() && h.png) {
      // mjCHField::LoadPNG: grey levels 0..255, the image's top row last (MuJoCo's row 0 is
      // the bottom)
      int w = 0, ht = 0;
      const std::vector<unsigned char> px = read_png_grey(h.file, h.where, &w, &ht);
      h.ncol = w;
      h.nrow = ht;
      h.data.resize(size_t(w) * size_t(ht));
      for (int r = 0; r < ht; ++r)
        for (int c = 0; c < w; ++c) h.data[size_t(r) * size_t(w) + size_t(c)] = float(px[size_t(c) + size_t(ht - 1 - r) * size_t(w)]);
    } else if (!h.file.empty()) {
      h.data = read_hfield_file(h.file, h.where, &h.nrow, &h.ncol);
    }
    if (h.nrow < 1 || h.ncol < 1 || h.data.empty()) detail::compile_fail(h.where, "hfield not specified");
    float emin = 1E+10f, emax = -1E+10f;
    for (float v : h.data) { emin = std::min(emin, v); emax = std::max(emax, v); }
    if (emin > emax) detail::compile_fail(h.where, "invalid data range in hfield '" + h.file + "'");
    for (float& v : h.data) {
      v -= emin;
      if (double(emax - emin) > 1e-14) v /= (emax - emin);  // mjEPS
    }
  }
  m.nmat = int(s.material_rgba.size());
  m.nhfield = int(hfields.size());
  m.nhfielddata = 0;
  for (const HFieldSpec& h : hfields) m.nhfielddata += h.nrow * h.ncol;
  m.nkey = int(s.keys.size());
  m.nu = s.nu;
  m.na = s.na;
  m.ntendon = s.ntendon; m.neq = s.neq; m.npair = s.npair; m.nexclude = s.nexclude;
  m.nsensor = 0;  // compile_sensors lays them out
  // nM needs dof_parentid: computed below, after allocate (nM only sizes no array)
  m.allocate();

  for (int i = 0; i < m.nmat; ++i)
    for (int k = 0; k < 4; ++k) m.mat_rgba[size_t(4 * i + k)] = double(float(s.material_rgba[size_t(i)][size_t(k)]));
  for (int i = 0, adr = 0; i < m.nhfield; ++i) {
    const HFieldSpec& h = hfields[size_t(i)];
    for (int k = 0; k < 4; ++k) m.hfield_size[size_t(4 * i + k)] = h.size[k];
    m.hfield_nrow[size_t(i)] = h.nrow;
    m.hfield_ncol[size_t(i)] = h.ncol;
    m.hfield_adr[size_t(i)] = adr;
    for (size_t k = 0; k < h.data.size(); ++k) m.hfield_data[size_t(adr) + k] = double(h.data[k]);
    adr += h.nrow * h.ncol;
  }

  // ---- bodies
  m.body_names.resize(size_t(nbody));
  int nmocap = 0;
  // MuJoCo's check: a body with joints needs mass and inertia of at least mjMINVAL, unless one of
  // its child bodies without joints has them
  for (int id = 1; id < nbody; ++id) {
    const BodySpec& b = s.bodies[size_t(order[size_t(id)])];
    auto light = [](const CBody& x) {
      return x.mass < min_val<double>() || x.inertia[0] < min_val<double>() || x.inertia[1] < min_val<double>() ||
             x.inertia[2] < min_val<double>();
    };
    if (b.joints.empty() || !light(cb[size_t(id)])) continue;
    bool ok = false;
    for (int ch : b.children) ok = ok || (s.bodies[size_t(ch)].joints.empty() && !light(cb[size_t(newid[size_t(ch)])]));
    if (!ok) detail::compile_fail(b.where, "mass and inertia of moving bodies must be larger than mjMINVAL");
  }
  for (int id = 0; id < nbody; ++id) {
    const BodySpec& b = s.bodies[size_t(order[size_t(id)])];
    const CBody& c = cb[size_t(id)];
    m.body_names[size_t(id)] = b.name;
    m.body_parentid[size_t(id)] = b.parent >= 0 ? newid[size_t(b.parent)] : 0;
    m.body_weldid[size_t(id)] = c.weldid;
    m.body_mocapid[size_t(id)] = b.mocap ? nmocap++ : -1;
    for (int i = 0; i < 3; ++i) {
      m.body_pos[size_t(3 * id + i)] = c.pos[i];
      m.body_ipos[size_t(3 * id + i)] = c.ipos[i];
      m.body_inertia[size_t(3 * id + i)] = c.inertia[i];
    }
    for (int i = 0; i < 4; ++i) {
      m.body_quat[size_t(4 * id + i)] = c.quat[i];
      m.body_iquat[size_t(4 * id + i)] = c.iquat[i];
    }
    m.body_mass[size_t(id)] = c.mass;
    m.body_gravcomp[size_t(id)] = b.gravcomp;
    int root = id;
    while (root > 0 && m.body_parentid[size_t(root)] != 0) root = m.body_parentid[size_t(root)];
    m.body_rootid[size_t(id)] = root;
  }

  // ---- joints and dofs
  std::vector<PendingElement> springdamper;
  m.jnt_names.resize(joints.size());
  {
    int qadr = 0, dadr = 0;
    std::vector<int> body_lastdof(static_cast<size_t>(nbody), -1);
    for (int id = 0; id < nbody; ++id) {
      m.body_jntadr[size_t(id)] = -1;
      m.body_dofadr[size_t(id)] = -1;
    }
    for (size_t k = 0; k < joints.size(); ++k) {
      const CJoint& cj = joints[k];
      const JointSpec& j = *cj.j;
      int b = cj.body;
      if (m.body_jntadr[size_t(b)] < 0) m.body_jntadr[size_t(b)] = int(k);
      m.body_jntnum[size_t(b)]++;
      m.jnt_names[k] = j.name;
      m.jnt_type[k] = j.type;
      m.jnt_qposadr[k] = qadr;
      m.jnt_dofadr[k] = dadr;
      m.jnt_bodyid[k] = b;
      m.jnt_group[k] = j.group;
      m.jnt_limited[k] = cj.limited;
      m.jnt_actfrclimited[k] = cj.actfrclimited;
      for (int i = 0; i < 2; ++i) {
        m.jnt_solref[2 * k + size_t(i)] = j.solreflimit[i];
        m.jnt_range[2 * k + size_t(i)] = cj.range[i];
        m.jnt_actfrcrange[2 * k + size_t(i)] = j.actfrcrange[i];
      }
      for (int i = 0; i < 5; ++i) m.jnt_solimp[5 * k + size_t(i)] = j.solimplimit[i];
      for (int i = 0; i < 3; ++i) {
        m.jnt_pos[3 * k + size_t(i)] = cj.pos[i];
        m.jnt_axis[3 * k + size_t(i)] = cj.axis[i];
      }
      m.jnt_stiffness[k] = j.stiffness;
      m.jnt_margin[k] = j.margin;
      if (j.springdamper[0] != 0 || j.springdamper[1] != 0) {
        // stiffness and damping from the mass at qpos0: compile_springdamper, after dof_invweight0
        PendingElement pe;
        pe.kind = "joint";
        pe.section = "springdamper";
        pe.name = j.name;
        pe.file = j.where.file;
        pe.line = j.where.line;
        pe.attrs.emplace_back("id", std::to_string(k));
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g %.17g", j.springdamper[0], j.springdamper[1]);
        pe.attrs.emplace_back("springdamper", buf);
        springdamper.push_back(std::move(pe));
      }
      // qpos0 / qpos_spring
      const CBody& c = cb[size_t(b)];
      double* q0 = &m.qpos0[size_t(qadr)];
      double* qs = &m.qpos_spring[size_t(qadr)];
      double ref = j.ref, sref = j.springref;
      if (j.type == JNT_HINGE && cc.degree) {
        ref *= kPi / 180.0;
        sref *= kPi / 180.0;
      }
      switch (j.type) {
        case JNT_FREE:
          for (int i = 0; i < 3; ++i) q0[i] = qs[i] = c.pos[i];
          for (int i = 0; i < 4; ++i) q0[3 + i] = qs[3 + i] = c.quat[i];
          break;
        case JNT_BALL:
          q0[0] = qs[0] = 1;
          q0[1] = q0[2] = q0[3] = qs[1] = qs[2] = qs[3] = 0;
          break;
        default:
          q0[0] = ref;
          qs[0] = sref;
      }
      int nd = j.type == JNT_FREE ? 6 : (j.type == JNT_BALL ? 3 : 1);
      if (m.body_dofadr[size_t(b)] < 0) m.body_dofadr[size_t(b)] = dadr;
      m.body_dofnum[size_t(b)] += nd;
      for (int d = 0; d < nd; ++d) {
        size_t di = size_t(dadr + d);
        m.dof_bodyid[di] = b;
        m.dof_jntid[di] = int(k);
        int parent;
        if (body_lastdof[size_t(b)] >= 0) {
          parent = body_lastdof[size_t(b)];
        } else {
          parent = -1;
          for (int a = m.body_parentid[size_t(b)]; a > 0; a = m.body_parentid[size_t(a)])
            if (body_lastdof[size_t(a)] >= 0) { parent = body_lastdof[size_t(a)]; break; }
        }
        m.dof_parentid[di] = parent;
        body_lastdof[size_t(b)] = int(di);
        for (int i = 0; i < 2; ++i) m.dof_solref[2 * di + size_t(i)] = j.solreffriction[i];
        for (int i = 0; i < 5; ++i) m.dof_solimp[5 * di + size_t(i)] = j.solimpfriction[i];
        m.dof_frictionloss[di] = j.frictionloss;
        m.dof_armature[di] = j.armature;
        m.dof_damping[di] = j.damping;
      }
      qadr += j.type == JNT_FREE ? 7 : (j.type == JNT_BALL ? 4 : 1);
      dadr += nd;
    }
    for (int id = 0; id < nbody; ++id) {
      if (m.body_jntadr[size_t(id)] < 0 && m.body_jntnum[size_t(id)] == 0) m.body_jntadr[size_t(id)] = -1;
    }
    // kinematic trees: a tree starts at each moving body whose parent is static (welded to the
    // world); static bodies have tree id -1. Trees are numbered in body order.
    std::vector<int> tree_of(static_cast<size_t>(nbody), -1);
    m.ntree = 0;
    for (int id = 1; id < nbody; ++id) {
      if (m.body_weldid[size_t(id)] == 0) continue;
      int p = m.body_parentid[size_t(id)];
      tree_of[size_t(id)] = m.body_weldid[size_t(p)] == 0 ? m.ntree++ : tree_of[size_t(p)];
    }
    for (int id = 0; id < nbody; ++id) m.body_treeid[size_t(id)] = tree_of[size_t(id)];
    for (int d = 0; d < m.nv; ++d) m.dof_treeid[size_t(d)] = m.body_treeid[size_t(m.dof_bodyid[size_t(d)])];
    // sparse mass matrix layout: row i holds M(i,i) then its ancestors
    int nM = 0;
    for (int d = 0; d < m.nv; ++d) {
      m.dof_Madr[size_t(d)] = nM;
      for (int a = d; a >= 0; a = m.dof_parentid[size_t(a)]) ++nM;
    }
    m.nM = nM;
  }

  // ---- geoms
  m.geom_names.resize(geoms.size());
  for (int id = 0; id < nbody; ++id) m.body_geomadr[size_t(id)] = -1;
  for (size_t k = 0; k < geoms.size(); ++k) {
    const CGeom& cg = geoms[k];
    const GeomSpec& g = *cg.g;
    if (m.body_geomadr[size_t(cg.body)] < 0) m.body_geomadr[size_t(cg.body)] = int(k);
    m.body_geomnum[size_t(cg.body)]++;
    m.geom_names[k] = g.name;
    m.geom_type[k] = g.type;
    m.geom_contype[k] = g.contype;
    m.geom_conaffinity[k] = g.conaffinity;
    m.geom_condim[k] = g.condim;
    m.geom_bodyid[k] = cg.body;
    m.geom_dataid[k] = g.type == GEOM_MESH ? g.mesh : (g.type == GEOM_HFIELD ? g.hfield : -1);
    m.geom_group[k] = g.group;
    m.geom_priority[k] = g.priority;
    m.geom_solmix[k] = g.solmix;
    for (int i = 0; i < 2; ++i) m.geom_solref[2 * k + size_t(i)] = g.solref[i];
    for (int i = 0; i < 5; ++i) m.geom_solimp[5 * k + size_t(i)] = g.solimp[i];
    for (int i = 0; i < 3; ++i) {
      m.geom_size[3 * k + size_t(i)] = cg.size[i];
      m.geom_pos[3 * k + size_t(i)] = cg.pos[i];
      m.geom_friction[3 * k + size_t(i)] = g.friction[i];
    }
    for (int i = 0; i < 4; ++i) m.geom_quat[4 * k + size_t(i)] = cg.quat[i];
    m.geom_rbound[k] = geom_rbound(g.type, cg.size, g.type == GEOM_HFIELD ? s.hfields[size_t(g.hfield)].size : nullptr);
    m.geom_margin[k] = g.margin;
    m.geom_gap[k] = g.gap;
    m.geom_matid[k] = g.material;
    for (int i = 0; i < 4; ++i) m.geom_rgba[4 * k + size_t(i)] = double(float(g.rgba[i]));  // float32 in mjModel
    if (g.fluidshape == 1) geom_fluid_coefs(g.type, cg.size, g.fluidcoef, &m.geom_fluid[12 * k]);
  }

  // ---- sites
  m.site_names.resize(sites.size());
  for (size_t k = 0; k < sites.size(); ++k) {
    const CSite& cs = sites[k];
    m.site_names[k] = cs.s->name;
    m.site_type[k] = cs.s->type;
    m.site_bodyid[k] = cs.body;
    m.site_group[k] = cs.s->group;
    for (int i = 0; i < 3; ++i) {
      m.site_size[3 * k + size_t(i)] = cs.size[i];
      m.site_pos[3 * k + size_t(i)] = cs.pos[i];
    }
    for (int i = 0; i < 4; ++i) m.site_quat[4 * k + size_t(i)] = cs.quat[i];
  }

  // ---- meshes
  m.mesh_names.resize(meshes.size());
  {
    int va = 0, fa = 0, ga = 0;
    for (size_t k = 0; k < meshes.size(); ++k) {
      const CompiledMesh& cm = meshes[k];
      m.mesh_names[k] = s.meshes[k].name;
      m.mesh_vertadr[k] = va;
      m.mesh_vertnum[k] = cm.nvert();
      m.mesh_faceadr[k] = fa;
      m.mesh_facenum[k] = cm.nface();
      // mjModel stores vertices as float32
      for (size_t i = 0; i < cm.vert.size(); ++i) m.mesh_vert[size_t(3 * va) + i] = double(float(cm.vert[i]));
      for (size_t i = 0; i < cm.face.size(); ++i) m.mesh_face[size_t(3 * fa) + i] = cm.face[i];
      m.mesh_graphadr[k] = cm.graph.empty() ? -1 : ga;
      for (size_t i = 0; i < cm.graph.size(); ++i) m.mesh_graph[size_t(ga) + i] = cm.graph[i];
      ga += int(cm.graph.size());
      for (int i = 0; i < 3; ++i) m.mesh_pos[3 * k + size_t(i)] = cm.pos[i];
      for (int i = 0; i < 4; ++i) m.mesh_quat[4 * k + size_t(i)] = cm.quat[i];
      va += cm.nvert();
      fa += cm.nface();
    }
  }

  // ---- subtree mass
  for (int id = 0; id < nbody; ++id) m.body_subtreemass[size_t(id)] = m.body_mass[size_t(id)];
  for (int id = nbody - 1; id > 0; --id) m.body_subtreemass[size_t(m.body_parentid[size_t(id)])] += m.body_subtreemass[size_t(id)];

  // ---- keyframes
  m.key_names.resize(s.keys.size());
  for (size_t k = 0; k < s.keys.size(); ++k) {
    const KeySpec& key = s.keys[k];
    m.key_names[k] = key.name;
    m.key_time[k] = key.time;
    auto fill = [&](const char* what, bool has, const std::vector<double>& v, int n, std::vector<double>& dst,
                    const double* def) {
      if (has && int(v.size()) != n)
        detail::compile_fail(key.where, std::string("invalid ") + what + " size, expected length " + std::to_string(n) +
                                            ", got " + std::to_string(v.size()));
      for (int i = 0; i < n; ++i) dst[k * size_t(n) + size_t(i)] = has ? v[size_t(i)] : (def ? def[i] : 0.0);
    };
    fill("qpos", key.has_qpos, key.qpos, m.nq, m.key_qpos, m.qpos0.data());
    // MuJoCo normalizes the quaternions of free and ball joints in keyframes
    for (int j = 0; j < m.njnt; ++j) {
      int t = m.jnt_type[size_t(j)];
      if (t != JNT_FREE && t != JNT_BALL) continue;
      double* q = &m.key_qpos[k * size_t(m.nq) + size_t(m.jnt_qposadr[size_t(j)] + (t == JNT_FREE ? 3 : 0))];
      double n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
      if (n < min_val<double>()) { q[0] = 1; q[1] = q[2] = q[3] = 0; }
      else for (int i = 0; i < 4; ++i) q[i] /= n;
    }
    fill("qvel", key.has_qvel, key.qvel, m.nv, m.key_qvel, nullptr);
    fill("act", key.has_act, key.act, m.na, m.key_act, nullptr);
    fill("ctrl", key.has_ctrl, key.ctrl, m.nu, m.key_ctrl, nullptr);
  }

  m.actuator_names = s.actuator_names;
  m.tendon_names = s.tendon_names;
  m.pending = s.pending;
  for (PendingElement& pe : springdamper) m.pending.push_back(std::move(pe));
  std::string bad = m.check_sizes();
  if (!bad.empty()) detail::compile_fail(s.bodies[0].where, "internal error: field '" + bad + "' has the wrong size");
  return m;
}

}  // namespace sinew
