// Model compiler, first phase: the body tree in MuJoCo's numbering (depth first) with every body's
// pose, inertial frame, mass and inertia (explicit, from geoms, bounded, balanced, scaled by
// settotalmass) and its geoms, joints and sites resolved into the body frame (orientation
// alternatives, fromto, <frame>s, mesh frames, free-joint alignment), as mjCBody::Compile,
// mjCGeom::Compile, mjCJoint::Compile and mjCSite::Compile in MuJoCo 3.4.0's user_objects.cc.
// The second phase (compiler/tree.hpp) writes the result into the Model's arrays.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sinew/compiler/frames.hpp"
#include "sinew/compiler/geom_inertia.hpp"
#include "sinew/compiler/mesh.hpp"
#include "sinew/io/mjcf_spec.hpp"
#include "sinew/model/model.hpp"

namespace sinew {
namespace detail {

struct CBody {
  double pos[3], quat[4], ipos[3], iquat[4], mass, inertia[3];
  int weldid, njnt, nv;
};
struct CGeom {
  double pos[3], quat[4], size[3];
  int body;
  const GeomSpec* g;
};
struct CSite {
  double pos[3], quat[4], size[3];
  int body;
  const SiteSpec* s;
};
struct CJoint {
  double pos[3], axis[3], range[2];
  int limited, actfrclimited, body;
  const JointSpec* j;
};

/// The first phase's output: bodies in MuJoCo's order (order[new id] = spec index, newid the
/// inverse) and their elements in body order.
struct CompiledTree {
  std::vector<int> order, newid;
  std::vector<CBody> cb;
  std::vector<CGeom> geoms;
  std::vector<CSite> sites;
  std::vector<CJoint> joints;
};

/// Body order: depth-first, as MuJoCo numbers bodies.
inline void body_order(const ModelSpec& s, CompiledTree& t) {
  std::vector<int> stack{0};
  while (!stack.empty()) {
    int b = stack.back();
    stack.pop_back();
    t.order.push_back(b);
    const auto& ch = s.bodies[size_t(b)].children;
    for (auto it = ch.rbegin(); it != ch.rend(); ++it) stack.push_back(*it);
  }
  t.newid.assign(s.bodies.size(), 0);
  for (size_t i = 0; i < t.order.size(); ++i) t.newid[size_t(t.order[i])] = int(i);
}

/// Moves (pos, quat) into the enclosing <frame> f's compiled pose (nothing when f < 0).
inline void frame_of(const ModelSpec& s, int f, double* pos, double* quat) {
  if (f < 0) return;
  const FrameSpec& fr = s.frames[size_t(f)];
  cmath::frame_accum_child(fr.cpos, fr.cquat, pos, quat);
}

/// The body's explicit inertial frame (<inertial> orientation or fullinertia).
inline void body_inertial(const BodySpec& b, const CompilerSpec& cc, CBody& c) {
  if (b.explicitinertial) {
    bool full = !std::isnan(b.fullinertia[0]);
    if (full && b.iorient.kind != OrientSpec::QUAT)
      compile_fail(b.where, "fullinertia and inertial orientation cannot both be specified");
    if (full && (b.inertia[0] || b.inertia[1] || b.inertia[2]))
      compile_fail(b.where, "fullinertia and diagonal inertia cannot both be specified");
    if (full) {
      if (!full_inertia_principal(b.fullinertia, c.iquat, c.inertia))
        compile_fail(b.where, "error 'inertia must have positive eigenvalues' in fullinertia");
    } else if (const char* e = resolve_orientation(c.iquat, b.iorient, cc.degree, cc.eulerseq)) {
      compile_fail(b.where, std::string("error '") + e + "' in inertia alternative");
    }
  } else {
    c.iquat[0] = 1;
    c.iquat[1] = c.iquat[2] = c.iquat[3] = 0;
  }
}

/// The body's geoms: size checks, fromto and orientation, mesh frames, and (when the body's
/// inertia comes from its geoms) each geom's mass and inertia from its volume and density.
inline void body_geoms(ModelSpec& s, const std::vector<CompiledMesh>& meshes, BodySpec& b, int id, const CBody& c,
                       CompiledTree& t) {
  using namespace cmath;
  const CompilerSpec& cc = s.compiler;
  const bool use_geoms = id > 0 && (!b.explicitinertial || cc.inertiafromgeom == 1);
  for (GeomSpec& g : b.geoms) {
    CGeom cg;
    cg.body = id;
    cg.g = &g;
    for (int i = 0; i < 3; ++i) {
      cg.pos[i] = g.pos[i];
      cg.size[i] = g.size[i];
    }
    if (g.condim != 1 && g.condim != 3 && g.condim != 4 && g.condim != 6)
      detail::compile_fail(g.where, "invalid condim in geom");
    if (g.type == GEOM_MESH && g.mesh < 0) detail::compile_fail(g.where, "mesh geom must have a valid mesh");
    if (g.type == GEOM_HFIELD && g.hfield < 0) detail::compile_fail(g.where, "hfield geom must have a valid hfield");
    if (g.type == GEOM_SDF) detail::compile_fail(g.where, "sdf geoms are not supported");
    if (g.type == GEOM_PLANE && c.weldid != 0) detail::compile_fail(g.where, "plane only allowed in static bodies");
    if (g.mesh >= 0 && g.type != GEOM_MESH)
      detail::compile_fail(g.where,
                           "fitting a primitive geom to a mesh (mesh attribute on a non-mesh geom) is not supported");
    if (!std::isnan(g.fromto[0])) {
      if (g.mesh >= 0) detail::compile_fail(g.where, "fromto cannot be used with mesh geom");
      detail::apply_fromto(g.fromto, g.type, cg.pos, cg.quat, cg.size, g.where, "geom");
    } else if (const char* e = detail::resolve_orientation(cg.quat, g.orient, cc.degree, cc.eulerseq)) {
      detail::compile_fail(g.where, std::string("orientation specification error '") + e + "' in geom");
    }
    if (g.mesh >= 0) {
      if (g.shellinertia)
        detail::compile_fail(g.where, "for mesh geoms, inertia should be specified in the mesh asset");
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
      double vol =
          g.type == GEOM_MESH ? meshes[size_t(g.mesh)].volume_ref() : geom_volume(g.type, cg.size, g.shellinertia);
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
    frame_of(s, g.frame, cg.pos, cg.quat);
    t.geoms.push_back(cg);
  }
}

/// Body inertia from the geoms in inertiagrouprange with mass > mjEPS (one geom: its frame;
/// several: their combined inertia's principal frame), where the compiler asks for it.
inline void inertia_from_geoms(const BodySpec& b, const CompilerSpec& cc, int id, size_t g0, CBody& c,
                               const CompiledTree& t) {
  using namespace cmath;
  if (id > 0 && (cc.inertiafromgeom == 1 || (std::isnan(c.ipos[0]) && cc.inertiafromgeom == 2))) {
    // MuJoCo (mjCBody::InertiaFromGeom) selects the geoms in inertiagrouprange with mass > mjEPS:
    // massless geoms (mass="0", density 0) are left out, so a body with one massive geom among
    // massless ones copies that geom's frame instead of re-diagonalizing the summed tensor.
    std::vector<size_t> sel;
    for (size_t k = g0; k < t.geoms.size(); ++k) {
      int grp = t.geoms[k].g->group;
      if (grp >= cc.inertiagrouprange[0] && grp <= cc.inertiagrouprange[1] && t.geoms[k].g->cmass > kEps)
        sel.push_back(k);
    }
    if (sel.size() == 1) {
      const CGeom& cg = t.geoms[sel[0]];
      for (int i = 0; i < 3; ++i) {
        c.ipos[i] = cg.pos[i];
        c.inertia[i] = cg.g->cinertia[i];
      }
      for (int i = 0; i < 4; ++i) c.iquat[i] = cg.quat[i];
      c.mass = cg.g->cmass;
    } else if (sel.size() > 1) {
      double com[3] = {0, 0, 0}, tot[6] = {0, 0, 0, 0, 0, 0};
      c.mass = 0;
      for (size_t k : sel) {
        double gm = t.geoms[k].g->cmass;
        c.mass += gm;
        for (int i = 0; i < 3; ++i) com[i] += gm * t.geoms[k].pos[i];
      }
      if (c.mass < kEps) detail::compile_fail(b.where, "body mass is too small, cannot compute center of mass");
      for (int i = 0; i < 3; ++i) c.ipos[i] = com[i] / c.mass;
      for (size_t k : sel) {
        double d[3] = {t.geoms[k].pos[0] - c.ipos[0], t.geoms[k].pos[1] - c.ipos[1], t.geoms[k].pos[2] - c.ipos[2]};
        double i0[6], i1[6];
        rotated_inertia(i0, t.geoms[k].g->cinertia, t.geoms[k].quat);
        offcenter_inertia(i1, t.geoms[k].g->cmass, d);
        for (int j = 0; j < 6; ++j) tot[j] = tot[j] + i0[j] + i1[j];
      }
      if (!full_inertia_principal(tot, c.iquat, c.inertia))
        detail::compile_fail(b.where,
                             "error 'inertia must have positive eigenvalues' in alternative for principal axes");
    }
    // no geoms selected: MuJoCo leaves mass, ipos and inertia as they were
  }
}

/// Inertial frame defaults, boundmass / boundinertia, the triangle inequality (balanceinertia),
/// and the body's own <frame>.
inline void bound_inertia(const ModelSpec& s, const BodySpec& b, const CompilerSpec& cc, int id, CBody& c) {
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
  frame_of(s, b.frame, c.pos, c.quat);
}

/// Free-joint alignment (alignfree): moves the body frame to its inertial frame and its geoms with
/// it; returns whether it did, with the inverse of the old inertial frame for the sites.
inline bool align_free(const BodySpec& b, const CompilerSpec& cc, size_t g0, CBody& c, double* ipinv, double* iqinv,
                       CompiledTree& t) {
  using namespace cmath;
  bool align = b.joints.size() == 1 && b.joints[0].type == JNT_FREE && b.children.empty() &&
               (b.joints[0].align == 1 || (b.joints[0].align == 2 && cc.alignfree));
  if (align) {
    frame_accum(c.pos, c.quat, c.ipos, c.iquat);
    frame_invert(ipinv, iqinv, c.ipos, c.iquat);
    c.ipos[0] = c.ipos[1] = c.ipos[2] = 0;
    c.iquat[0] = 1;
    c.iquat[1] = c.iquat[2] = c.iquat[3] = 0;
    for (size_t k = g0; k < t.geoms.size(); ++k) frame_accum_child(ipinv, iqinv, t.geoms[k].pos, t.geoms[k].quat);
  }
  return align;
}

/// The body's joints: limits and actuator-force limits (autolimits), degrees, axes and positions
/// through <frame>s, MuJoCo's ball-then-rotation and six-dof checks.
inline void body_joints(const ModelSpec& s, const BodySpec& b, int id, int pid, CBody& c, CompiledTree& t) {
  using namespace cmath;
  const CompilerSpec& cc = s.compiler;
  c.njnt = int(b.joints.size());
  c.nv = 0;
  bool hasball = false;
  for (const JointSpec& j : b.joints) {
    CJoint cj;
    cj.j = &j;
    cj.body = id;
    for (int i = 0; i < 3; ++i) {
      cj.pos[i] = j.pos[i];
      cj.axis[i] = j.axis[i];
    }
    cj.range[0] = j.range[0];
    cj.range[1] = j.range[1];
    cj.limited = j.limited;
    cj.actfrclimited = j.actfrclimited;
    if (j.type == JNT_FREE) {
      if (pid != 0) detail::compile_fail(j.where, "free joint can only be used on top level");
      if (j.limited == 1) detail::compile_fail(j.where, "limits should not be defined in free joint");
      cj.limited = 0;
    } else if (cj.limited == 2) {
      bool hasrange = !(j.range[0] == 0 && j.range[1] == 0);
      if (!cc.autolimits && hasrange)
        detail::compile_fail(j.where,
                             "joint has `range` but not `limited`. set the autolimits=\"true\" compiler option, "
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
        detail::compile_fail(j.where,
                             "joint has `actuatorfrcrange` but not `actuatorfrclimited`. set the autolimits=\"true\" "
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
    t.joints.push_back(cj);
  }
  if (c.nv > 6) detail::compile_fail(b.where, "more than 6 dofs in body '" + b.name + "'");
}

/// The body's sites (aligned with the body when align_free moved it).
inline void body_sites(const ModelSpec& s, const BodySpec& b, int id, bool align, const double* ipinv,
                       const double* iqinv, CompiledTree& t) {
  using namespace cmath;
  const CompilerSpec& cc = s.compiler;
  for (const SiteSpec& st : b.sites) {
    CSite cs;
    cs.body = id;
    cs.s = &st;
    for (int i = 0; i < 3; ++i) {
      cs.pos[i] = st.pos[i];
      cs.size[i] = st.size[i];
    }
    if (st.type == GEOM_MESH || st.type == GEOM_HFIELD || st.type == GEOM_PLANE || st.type == GEOM_SDF)
      detail::compile_fail(st.where, "meshes, hfields and planes not allowed in site");
    if (!std::isnan(st.fromto[0])) detail::apply_fromto(st.fromto, st.type, cs.pos, cs.quat, cs.size, st.where, "site");
    else if (const char* e = detail::resolve_orientation(cs.quat, st.orient, cc.degree, cc.eulerseq))
      detail::compile_fail(st.where, std::string("orientation specification error '") + e + "' in site");
    frame_of(s, st.frame, cs.pos, cs.quat);
    normvec(cs.quat, 4);
    detail::check_size(cs.size, st.type, st.where, "site");
    if (align) frame_accum_child(ipinv, iqinv, cs.pos, cs.quat);
    t.sites.push_back(cs);
  }
}

/// One body (MuJoCo's number `id`) and its elements, in mjCBody::Compile's order.
inline void compile_body(ModelSpec& s, const std::vector<CompiledMesh>& meshes, int id, CompiledTree& t) {
  const CompilerSpec& cc = s.compiler;
  BodySpec& b = s.bodies[size_t(t.order[size_t(id)])];
  CBody& c = t.cb[size_t(id)];
  const int pid = b.parent >= 0 ? t.newid[size_t(b.parent)] : -1;
  for (int i = 0; i < 3; ++i) c.pos[i] = b.pos[i];
  if (const char* e = detail::resolve_orientation(c.quat, b.orient, cc.degree, cc.eulerseq))
    detail::compile_fail(b.where, std::string("error '") + e + "' in frame alternative");
  for (int i = 0; i < 3; ++i) c.ipos[i] = b.ipos[i];
  c.mass = b.mass;
  for (int i = 0; i < 3; ++i) c.inertia[i] = b.inertia[i];
  c.weldid = id == 0 ? 0 : (!b.joints.empty() ? id : t.cb[size_t(pid)].weldid);
  if (b.mocap && (!b.joints.empty() || pid != 0))
    detail::compile_fail(b.where, "mocap body '" + b.name + "' is not a fixed child of world");
  body_inertial(b, cc, c);
  const size_t g0 = t.geoms.size();
  body_geoms(s, meshes, b, id, c, t);
  inertia_from_geoms(b, cc, id, g0, c, t);
  bound_inertia(s, b, cc, id, c);
  double ipinv[3], iqinv[4];
  const bool align = align_free(b, cc, g0, c, ipinv, iqinv, t);
  body_joints(s, b, id, pid, c, t);
  body_sites(s, b, id, align, ipinv, iqinv, t);
}

/// The first phase: every body and element compiled, settotalmass applied.
inline CompiledTree compile_bodies(ModelSpec& s, const std::vector<CompiledMesh>& meshes) {
  const CompilerSpec& cc = s.compiler;
  CompiledTree t;
  body_order(s, t);
  for (size_t f = 0; f < s.frames.size(); ++f) compile_frame(s, int(f));
  const int nbody = int(t.order.size());
  t.cb.resize(size_t(nbody));
  for (int id = 0; id < nbody; ++id) compile_body(s, meshes, id, t);

  // settotalmass: scale masses and inertias of all bodies
  if (cc.settotalmass > 0) {
    double tot = 0;
    for (int i = 1; i < nbody; ++i) tot += t.cb[size_t(i)].mass;
    if (tot < cmath::kEps) detail::compile_fail(s.bodies[0].where, "settotalmass: model has no mass to scale");
    double sc = cc.settotalmass / tot;
    for (int i = 1; i < nbody; ++i) {
      t.cb[size_t(i)].mass *= sc;
      for (double& x : t.cb[size_t(i)].inertia) x *= sc;
    }
  }
  return t;
}

}  // namespace detail
}  // namespace sinew
