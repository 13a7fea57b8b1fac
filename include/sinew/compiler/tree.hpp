// Model compiler, second phase and driver: turns a parsed model description (ModelSpec: body tree with joints, geoms,
// sites, frames, meshes, keyframes; every default already applied) into the flat Model arrays,
// with MuJoCo 3.4.0's semantics (mjCModel::Compile / mjCBody::Compile in user_model.cc and
// user_objects.cc): orientation alternatives, fromto, mesh frames, geom mass and inertia, body
// inertia from geoms and its principal frame, boundmass/boundinertia/balanceinertia/settotalmass,
// free-joint alignment, body/dof topology, the sparse mass-matrix layout and qpos0. Host only.
// The per-body work is compiler/bodies.hpp; the shared orientation helpers compiler/frames.hpp.
//
//   sinew::ModelSpec spec;  ... filled by the MJCF reader (sinew/io/mjcf.hpp) ...
//   sinew::Model<double> m = sinew::compile_model(spec);
#pragma once
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sinew/compiler/bodies.hpp"
#include "sinew/compiler/frames.hpp"
#include "sinew/compiler/geom_inertia.hpp"
#include "sinew/compiler/mesh.hpp"
#include "sinew/io/error.hpp"
#include "sinew/io/hfield.hpp"
#include "sinew/io/mjcf_spec.hpp"
#include "sinew/io/msh.hpp"
#include "sinew/io/png.hpp"
#include "sinew/io/stl.hpp"
#include "sinew/model/model.hpp"

namespace sinew {
namespace detail {

/// MuJoCo's "repeated name 'x' in <kind>": names are unique per object type (empty names aside).
inline void check_unique_names(const ModelSpec& s) {
  auto check = [](std::set<std::string>& seen, const std::string& name, const SourceLocation& where, const char* kind) {
    if (!name.empty() && !seen.insert(name).second)
      compile_fail(where, std::string("repeated name '") + name + "' in " + kind);
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
    if (kind == "tendon" || kind == "actuator" || kind == "equality" || kind == "sensor" || kind == "pair" ||
        kind == "exclude")
      check(pending[kind], p.name, SourceLocation{p.file, p.line, p.kind}, kind.c_str());
  }
}

/// Mesh assets compiled (files read, hull graphs where a collidable geom or convex inertia needs
/// one: mjCModel's SetNeedHull).
inline std::vector<CompiledMesh> compile_meshes(const ModelSpec& s) {
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
        if (src.ascii)
          detail::compile_fail(ms.where, "ASCII STL file '" + ms.file + "' (MuJoCo accepts binary STL only)");
      }
    } else {
      src.vert = ms.vertex;
      src.face = ms.face;
    }
    meshes[i] = compile_mesh(src, ms.scale, ms.inertia, ms.refpos, ms.refquat, ms.where.str(), needhull[i] != 0,
                             ms.maxhullvert);
  }
  return meshes;
}

/// Height fields (mjCHField::Compile): elevations from the XML, MuJoCo's binary file or a PNG
/// image, normalized to [0, 1] in float as MuJoCo does.
inline std::vector<HFieldSpec> compile_hfields(const ModelSpec& s) {
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
        for (int c = 0; c < w; ++c)
          h.data[size_t(r) * size_t(w) + size_t(c)] = float(px[size_t(c) + size_t(ht - 1 - r) * size_t(w)]);
    } else if (!h.file.empty()) {
      h.data = read_hfield_file(h.file, h.where, &h.nrow, &h.ncol);
    }
    if (h.nrow < 1 || h.ncol < 1 || h.data.empty()) detail::compile_fail(h.where, "hfield not specified");
    float emin = 1E+10f, emax = -1E+10f;
    for (float v : h.data) {
      emin = std::min(emin, v);
      emax = std::max(emax, v);
    }
    if (emin > emax) detail::compile_fail(h.where, "invalid data range in hfield '" + h.file + "'");
    for (float& v : h.data) {
      v -= emin;
      if (double(emax - emin) > 1e-14) v /= (emax - emin);  // mjEPS
    }
  }
  return hfields;
}

/// The Model's sizes, then its arrays allocated.
inline void set_sizes(Model<double>& m, const ModelSpec& s, const CompiledTree& t,
                      const std::vector<CompiledMesh>& meshes, const std::vector<HFieldSpec>& hfields) {
  const int nbody = int(t.order.size());
  m.nbody = nbody;
  m.njnt = int(t.joints.size());
  m.ngeom = int(t.geoms.size());
  m.nsite = int(t.sites.size());
  m.nmesh = int(meshes.size());
  m.nq = m.nv = 0;
  for (auto& j : t.joints) {
    int t = j.j->type;
    m.nq += t == JNT_FREE ? 7 : (t == JNT_BALL ? 4 : 1);
    m.nv += t == JNT_FREE ? 6 : (t == JNT_BALL ? 3 : 1);
  }
  m.nmeshvert = m.nmeshface = 0;
  m.nmeshgraph = m.nmeshpoly = m.nmeshpolyvert = m.nmeshpolymap = 0;
  for (auto& cm : meshes) {
    m.nmeshvert += cm.nvert();
    m.nmeshface += cm.nface();
    m.nmeshgraph += int(cm.graph.size());
    m.nmeshpoly += int(cm.poly.polygons.size());
    for (auto& p : cm.poly.polygons) m.nmeshpolyvert += int(p.size());
    for (auto& p : cm.poly.polygon_map) m.nmeshpolymap += int(p.size());
  }
  m.nmat = int(s.material_rgba.size());
  m.nhfield = int(hfields.size());
  m.nhfielddata = 0;
  for (const HFieldSpec& h : hfields) m.nhfielddata += h.nrow * h.ncol;
  m.nkey = int(s.keys.size());
  m.nu = s.nu;
  m.na = s.na;
  m.ntendon = s.ntendon;
  m.neq = s.neq;
  m.npair = s.npair;
  m.nexclude = s.nexclude;
  m.nsensor = 0;  // compile_sensors lays them out
  // nM needs dof_parentid: computed below, after allocate (nM only sizes no array)
  m.allocate();
}

/// Material colours and height-field data.
inline void write_assets(Model<double>& m, const ModelSpec& s, const std::vector<HFieldSpec>& hfields) {
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
}

/// body_* fields, after MuJoCo's moving-body mass check.
inline void write_bodies(Model<double>& m, const ModelSpec& s, const CompiledTree& t) {
  const int nbody = int(t.order.size());
  m.body_names.resize(size_t(nbody));
  int nmocap = 0;
  // MuJoCo's check: a body with joints needs mass and inertia of at least mjMINVAL, unless one of
  // its child bodies without joints has them
  for (int id = 1; id < nbody; ++id) {
    const BodySpec& b = s.bodies[size_t(t.order[size_t(id)])];
    auto light = [](const CBody& x) {
      return x.mass < min_val<double>() || x.inertia[0] < min_val<double>() || x.inertia[1] < min_val<double>() ||
             x.inertia[2] < min_val<double>();
    };
    if (b.joints.empty() || !light(t.cb[size_t(id)])) continue;
    bool ok = false;
    for (int ch : b.children)
      ok = ok || (s.bodies[size_t(ch)].joints.empty() && !light(t.cb[size_t(t.newid[size_t(ch)])]));
    if (!ok) detail::compile_fail(b.where, "mass and inertia of moving bodies must be larger than mjMINVAL");
  }
  for (int id = 0; id < nbody; ++id) {
    const BodySpec& b = s.bodies[size_t(t.order[size_t(id)])];
    const CBody& c = t.cb[size_t(id)];
    m.body_names[size_t(id)] = b.name;
    m.body_parentid[size_t(id)] = b.parent >= 0 ? t.newid[size_t(b.parent)] : 0;
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
}

/// One joint's jnt_* fields, qpos0 and qpos_spring, and its dofs (dof_parentid: the body's last
/// dof or its nearest ancestor's); a springdamper joint is queued for compile_springdamper.
inline void write_joint(Model<double>& m, const ModelSpec& s, const CompiledTree& t, size_t k, int& qadr, int& dadr,
                        std::vector<int>& body_lastdof, std::vector<PendingElement>& springdamper) {
  using namespace cmath;
  const CompilerSpec& cc = s.compiler;
  const CJoint& cj = t.joints[k];
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
  const CBody& c = t.cb[size_t(b)];
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
    default: q0[0] = ref; qs[0] = sref;
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
        if (body_lastdof[size_t(a)] >= 0) {
          parent = body_lastdof[size_t(a)];
          break;
        }
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

/// jnt_* and dof_* fields, kinematic trees and the sparse mass-matrix layout; returns the
/// springdamper joints.
inline std::vector<PendingElement> write_joints(Model<double>& m, const ModelSpec& s, const CompiledTree& t) {
  const int nbody = int(t.order.size());
  std::vector<PendingElement> springdamper;
  m.jnt_names.resize(t.joints.size());
  int qadr = 0, dadr = 0;
  std::vector<int> body_lastdof(static_cast<size_t>(nbody), -1);
  for (int id = 0; id < nbody; ++id) {
    m.body_jntadr[size_t(id)] = -1;
    m.body_dofadr[size_t(id)] = -1;
  }
  for (size_t k = 0; k < t.joints.size(); ++k) write_joint(m, s, t, k, qadr, dadr, body_lastdof, springdamper);
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
  m.qM_colind.assign(size_t(nM), 0);
  for (int d = 0, adr = 0; d < m.nv; ++d)
    for (int a = d; a >= 0; a = m.dof_parentid[size_t(a)]) m.qM_colind[size_t(adr++)] = a;
  return springdamper;
}

/// geom_* fields (sizes, poses, friction, solver parameters, rbound, colours, fluid coefficients).
inline void write_geoms(Model<double>& m, const ModelSpec& s, const CompiledTree& t) {
  const int nbody = int(t.order.size());
  m.geom_names.resize(t.geoms.size());
  for (int id = 0; id < nbody; ++id) m.body_geomadr[size_t(id)] = -1;
  for (size_t k = 0; k < t.geoms.size(); ++k) {
    const CGeom& cg = t.geoms[k];
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
}

/// site_* fields.
inline void write_sites(Model<double>& m, const CompiledTree& t) {
  m.site_names.resize(t.sites.size());
  for (size_t k = 0; k < t.sites.size(); ++k) {
    const CSite& cs = t.sites[k];
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
}

/// mesh_* fields (vertices in float32 as mjModel's).
inline void write_meshes(Model<double>& m, const ModelSpec& s, const std::vector<CompiledMesh>& meshes) {
  m.mesh_names.resize(meshes.size());
  {
    int va = 0, fa = 0, ga = 0, pa = 0, pva = 0, pma = 0;
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
      // polygons (mjCModel::CopyObjects: addresses global, ids mesh-local)
      m.mesh_polyadr[k] = pa;
      m.mesh_polynum[k] = int(cm.poly.polygons.size());
      for (size_t i = 0; i < cm.poly.polygons.size(); ++i) {
        const std::vector<int>& p = cm.poly.polygons[i];
        m.mesh_polyvertadr[size_t(pa) + i] = pva;
        m.mesh_polyvertnum[size_t(pa) + i] = int(p.size());
        for (size_t j = 0; j < p.size(); ++j) m.mesh_polyvert[size_t(pva) + j] = p[j];
        pva += int(p.size());
        for (int c = 0; c < 3; ++c)
          m.mesh_polynormal[3 * (size_t(pa) + i) + size_t(c)] = cm.poly.polygon_normals[3 * i + size_t(c)];
      }
      pa += int(cm.poly.polygons.size());
      for (size_t v = 0; v < cm.poly.polygon_map.size(); ++v) {
        const std::vector<int>& p = cm.poly.polygon_map[v];
        m.mesh_polymapadr[size_t(va) + v] = pma;
        m.mesh_polymapnum[size_t(va) + v] = int(p.size());
        for (size_t j = 0; j < p.size(); ++j) m.mesh_polymap[size_t(pma) + j] = p[j];
        pma += int(p.size());
      }
      for (int i = 0; i < 3; ++i) m.mesh_pos[3 * k + size_t(i)] = cm.pos[i];
      for (int i = 0; i < 4; ++i) m.mesh_quat[4 * k + size_t(i)] = cm.quat[i];
      va += cm.nvert();
      fa += cm.nface();
    }
  }
}

/// key_* fields: each keyframe's vectors (qpos0 where qpos is not given), quaternions normalized.
inline void write_keys(Model<double>& m, const ModelSpec& s) {
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
      if (n < min_val<double>()) {
        q[0] = 1;
        q[1] = q[2] = q[3] = 0;
      } else
        for (int i = 0; i < 4; ++i) q[i] /= n;
    }
    fill("qvel", key.has_qvel, key.qvel, m.nv, m.key_qvel, nullptr);
    fill("act", key.has_act, key.act, m.na, m.key_act, nullptr);
    fill("ctrl", key.has_ctrl, key.ctrl, m.nu, m.key_ctrl, nullptr);
  }
}

}  // namespace detail

/// Compiles a ModelSpec into a Model (see the header comment). Throws ModelError naming the
/// element on invalid input.
inline Model<double> compile_model(ModelSpec& s) {
  detail::check_unique_names(s);
  Model<double> m;
  m.name = s.modelname;
  m.opt = s.opt;
  const std::vector<CompiledMesh> meshes = detail::compile_meshes(s);
  const detail::CompiledTree t = detail::compile_bodies(s, meshes);
  const std::vector<HFieldSpec> hfields = detail::compile_hfields(s);
  detail::set_sizes(m, s, t, meshes, hfields);  // and allocates the arrays
  detail::write_assets(m, s, hfields);
  detail::write_bodies(m, s, t);
  std::vector<PendingElement> springdamper = detail::write_joints(m, s, t);
  detail::write_geoms(m, s, t);
  detail::write_sites(m, t);
  detail::write_meshes(m, s, meshes);
  for (int b = 0; b < m.nbody; ++b)
    m.body_sameframe[size_t(b)] =
        detail::sameframe(&m.body_ipos[size_t(3 * b)], &m.body_iquat[size_t(4 * b)], nullptr, nullptr);
  for (int g = 0; g < m.ngeom; ++g) {
    const size_t b = size_t(m.geom_bodyid[size_t(g)]);
    m.geom_sameframe[size_t(g)] = detail::sameframe(&m.geom_pos[size_t(3 * g)], &m.geom_quat[size_t(4 * g)],
                                                    &m.body_ipos[3 * b], &m.body_iquat[4 * b]);
  }
  for (int i = 0; i < m.nsite; ++i) {
    const size_t b = size_t(m.site_bodyid[size_t(i)]);
    m.site_sameframe[size_t(i)] = detail::sameframe(&m.site_pos[size_t(3 * i)], &m.site_quat[size_t(4 * i)],
                                                    &m.body_ipos[3 * b], &m.body_iquat[4 * b]);
  }
  const int nbody = m.nbody;
  for (int id = 0; id < nbody; ++id) m.body_subtreemass[size_t(id)] = m.body_mass[size_t(id)];
  for (int id = nbody - 1; id > 0; --id)
    m.body_subtreemass[size_t(m.body_parentid[size_t(id)])] += m.body_subtreemass[size_t(id)];
  detail::write_keys(m, s);
  m.actuator_names = s.actuator_names;
  m.tendon_names = s.tendon_names;
  m.pending = s.pending;
  for (PendingElement& pe : springdamper) m.pending.push_back(std::move(pe));
  std::string bad = m.check_sizes();
  if (!bad.empty()) detail::compile_fail(s.bodies[0].where, "internal error: field '" + bad + "' has the wrong size");
  return m;
}

}  // namespace sinew
