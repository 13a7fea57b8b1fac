// The collision stage of one world (mj_collision): walks the model's precomputed candidate pairs
// (Model::collision_pair, compiler/contact.hpp), applies the bounding-sphere test with the
// pair's margin, runs the narrowphase and writes mjContact-like records into Data.
//
//   sinew::collision_world(model_view, data_view.world(w));   // after kinematics (fwd_position)
//
// Reads geom_xpos, geom_xmat. Writes ncon, nconoverflow and contact_* [0, ncon): dist, pos,
// frame (row 0 the normal, from geom 1 to geom 2; completed as mju_makeFrame), includemargin
// (margin - gap), friction (5), solref, solreffriction, solimp, dim, geom (2). Contacts beyond
// the capacity m.size.nconmax are dropped and counted in nconoverflow; nothing is written past
// the world's own arrays. Contact parameters: an explicit pair's own; otherwise mixed from the
// geoms (higher priority wins; equal priority: condim and friction max, solref/solimp mixed by
// solmix, direct solref by min), friction clamped below at 1e-5 (mjMINMU), and the override
// option applied as in MuJoCo. With the multiccd flag, convex pairs may give several contacts
// (collision/convex.hpp, collision/multiccd.hpp). Height fields against convex geoms: collision/hfield.hpp (up to 50
// contacts per pair). Contacts produce no force yet (the constraint solver comes later).
#pragma once
#include "sinew/collision/dispatch.hpp"
#include "sinew/collision/hfield.hpp"
#include "sinew/data/data.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

namespace collision {
/// A mesh geom's vertices and hull graph, and with multiccd its polygons (Model::mesh_poly*).
template <class T> SINEW_INLINE void set_mesh(GeomPose<T>& g, const ModelView<T>& m, int mesh, bool polygons) {
  const int pa = m.mesh_polyadr[mesh], va = m.mesh_vertadr[mesh];
  g.vert = m.mesh_vert + 3 * va;
  g.nvert = m.mesh_vertnum[mesh];
  g.graph = m.mesh_graphadr[mesh] >= 0 ? m.mesh_graph + m.mesh_graphadr[mesh] : nullptr;
  if (!polygons) return;
  g.polynormal = m.mesh_polynormal + 3 * pa;
  g.polyvertadr = m.mesh_polyvertadr + pa;
  g.polyvertnum = m.mesh_polyvertnum + pa;
  g.polyvert = m.mesh_polyvert;
  g.polymapadr = m.mesh_polymapadr + va;
  g.polymapnum = m.mesh_polymapnum + va;
  g.polymap = m.mesh_polymap;
}
}  // namespace collision

template <class T, class L> SINEW_HD inline void collision_world(const ModelView<T>& m, const WorldData<T, L>& d) {
  using namespace collision;
  d.ncon[0] = 0;
  d.nconoverflow[0] = 0;
  if (m.opt.disabled(DSBL_CONSTRAINT) || m.opt.disabled(DSBL_CONTACT) || m.size.nbody < 2) return;
  const bool ovr = m.opt.enabled(ENBL_OVERRIDE);
  const bool multiccd = m.opt.enabled(ENBL_MULTICCD);
  const int cap = m.size.nconmax;
  int ncon = 0, over = 0;
  for (int k = 0; k < m.size.ncollision; ++k) {
    const int g1 = m.collision_pair[3 * k], g2 = m.collision_pair[3 * k + 1], ip = m.collision_pair[3 * k + 2];
    // MuJoCo 3.4: a pair's margin and gap are the larger of the geoms' (not their sum); a contact
    // exists when dist <= margin, and includemargin = margin - gap
    T margin =
        ip >= 0 ? m.pair_margin[ip] : (m.geom_margin[g1] > m.geom_margin[g2] ? m.geom_margin[g1] : m.geom_margin[g2]);
    if (ovr) margin = m.opt.o_margin;
    const T gap = ip >= 0 ? m.pair_gap[ip] : (m.geom_gap[g1] > m.geom_gap[g2] ? m.geom_gap[g1] : m.geom_gap[g2]);
    // bounding-sphere test (mj_filterSphere)
    const vec3<T> p1 = get3(d.geom_xpos, g1), p2 = get3(d.geom_xpos, g2);
    const T rb1 = m.geom_rbound[g1], rb2 = m.geom_rbound[g2], mg = margin;
    if (rb1 > T(0) && rb2 > T(0)) {
      const vec3<T> dif = p1 - p2;
      const T bound = rb1 + rb2 + mg;
      if (dot(dif, dif) > bound * bound) continue;
    } else if (m.geom_type[g1] == GEOM_PLANE && rb2 > T(0)) {
      const mat3<T> r = getm(d.geom_xmat, g1);
      if (dot(p2 - p1, r.col(2)) > mg + rb2) continue;
    } else if (m.geom_type[g2] == GEOM_PLANE && rb1 > T(0)) {
      const mat3<T> r = getm(d.geom_xmat, g2);
      if (dot(p1 - p2, r.col(2)) > mg + rb1) continue;
    }
    GeomPose<T> G1{p1, getm(d.geom_xmat, g1), vec3<T>::load(m.geom_size + 3 * g1), m.geom_type[g1]};
    GeomPose<T> G2{p2, getm(d.geom_xmat, g2), vec3<T>::load(m.geom_size + 3 * g2), m.geom_type[g2]};
    G1.rbound = rb1;
    G2.rbound = rb2;
    if (G1.type == GEOM_MESH) set_mesh(G1, m, m.geom_dataid[g1], multiccd);
    if (G2.type == GEOM_MESH) set_mesh(G2, m, m.geom_dataid[g2], multiccd);
    // contact parameters (mj_contactParam / explicit pair), computed at the pair's first contact
    int dim = 0;
    T solref[2], solreffriction[2] = {T(0), T(0)}, solimp[5], fri[5];
    bool have_params = false;
    const auto set_params = [&]() {
      if (ip >= 0) {
        dim = m.pair_dim[ip];
        for (int i = 0; i < 2; ++i) solref[i] = m.pair_solref[2 * ip + i];
        for (int i = 0; i < 5; ++i) {
          solimp[i] = m.pair_solimp[5 * ip + i];
          fri[i] = m.pair_friction[5 * ip + i];
        }
        if (m.pair_solreffriction[2 * ip] != T(0) || m.pair_solreffriction[2 * ip + 1] != T(0))
          for (int i = 0; i < 2; ++i) solreffriction[i] = m.pair_solreffriction[2 * ip + i];
      } else {
        const int pr1 = m.geom_priority[g1], pr2 = m.geom_priority[g2];
        T f3[3];
        if (pr1 != pr2) {
          const int g = pr1 > pr2 ? g1 : g2;
          dim = m.geom_condim[g];
          for (int i = 0; i < 2; ++i) solref[i] = m.geom_solref[2 * g + i];
          for (int i = 0; i < 5; ++i) solimp[i] = m.geom_solimp[5 * g + i];
          for (int i = 0; i < 3; ++i) f3[i] = m.geom_friction[3 * g + i];
        } else {
          dim = m.geom_condim[g1] > m.geom_condim[g2] ? m.geom_condim[g1] : m.geom_condim[g2];
          const T s1 = m.geom_solmix[g1], s2 = m.geom_solmix[g2];
          T mix;
          if (s1 >= min_val<T>() && s2 >= min_val<T>()) mix = s1 / (s1 + s2);
          else if (s1 < min_val<T>() && s2 < min_val<T>()) mix = T(0.5);
          else if (s1 < min_val<T>()) mix = T(0);
          else mix = T(1);
          const T* r1 = m.geom_solref + 2 * g1;
          const T* r2 = m.geom_solref + 2 * g2;
          if (r1[0] > T(0) && r2[0] > T(0))
            for (int i = 0; i < 2; ++i) solref[i] = mix * r1[i] + (T(1) - mix) * r2[i];
          else
            for (int i = 0; i < 2; ++i) solref[i] = r1[i] < r2[i] ? r1[i] : r2[i];
          for (int i = 0; i < 5; ++i)
            solimp[i] = mix * m.geom_solimp[5 * g1 + i] + (T(1) - mix) * m.geom_solimp[5 * g2 + i];
          for (int i = 0; i < 3; ++i) {
            const T a = m.geom_friction[3 * g1 + i], b = m.geom_friction[3 * g2 + i];
            f3[i] = a > b ? a : b;
          }
        }
        fri[0] = f3[0];
        fri[1] = f3[0];
        fri[2] = f3[1];
        fri[3] = f3[2];
        fri[4] = f3[2];
      }
      if (ovr) {
        for (int i = 0; i < 2; ++i) {
          solref[i] = m.opt.o_solref[i];
          solreffriction[i] = m.opt.o_solref[i];
        }
        for (int i = 0; i < 5; ++i) {
          solimp[i] = m.opt.o_solimp[i];
          fri[i] = m.opt.o_friction[i];
        }
      }
      for (int i = 0; i < 5; ++i) fri[i] = fri[i] > T(1e-5) ? fri[i] : T(1e-5);  // mjMINMU
    };
    const auto write = [&](const PreContact<T>& pc) {
      if (!have_params) {
        set_params();
        have_params = true;
      }
      if (ncon >= cap) {
        ++over;
        return;
      }
      const int c = ncon++;
      d.contact_dist[c] = pc.dist;
      set3(d.contact_pos, c, pc.pos);
      T fr[9];
      make_frame(pc.normal, pc.tangent, fr);
      for (int i = 0; i < 9; ++i) d.contact_frame[9 * c + i] = fr[i];
      d.contact_includemargin[c] = margin - gap;
      for (int i = 0; i < 5; ++i) {
        d.contact_friction[5 * c + i] = fri[i];
        d.contact_solimp[5 * c + i] = solimp[i];
      }
      for (int i = 0; i < 2; ++i) {
        d.contact_solref[2 * c + i] = solref[i];
        d.contact_solreffriction[2 * c + i] = solreffriction[i];
      }
      d.contact_dim[c] = dim;
      d.contact_geom[2 * c] = g1;
      d.contact_geom[2 * c + 1] = g2;
    };
    if (G1.type == GEOM_HFIELD) {
      const int h = m.geom_dataid[g1];
      const HFieldPose<T> H{G1.pos,           G1.mat,           m.hfield_size + 4 * h,
                            m.hfield_nrow[h], m.hfield_ncol[h], m.hfield_data + m.hfield_adr[h]};
      hfield_convex(H, G2, rb2, mg, m.opt.ccd_tolerance, m.opt.ccd_iterations, write);
      continue;
    }
    PreContact<T> pc[kMaxNarrow];
    const int n = collide(pc, mg, G1, G2, m.opt.ccd_tolerance, m.opt.ccd_iterations, multiccd);
    for (int j = 0; j < n; ++j) write(pc[j]);
  }
  d.ncon[0] = ncon;
  d.nconoverflow[0] = over;
}

}  // namespace sinew
