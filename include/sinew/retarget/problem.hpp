// Builds retarget's IK problem (retarget_detail::Problem, ik.hpp) from the model, the source
// skeleton and the keypoint map: keypoints, joint couplings (active EQ_JOINT equalities, MuJoCo's
// polynomial), the variables and limited joints, ground geoms and liftable trees. Host only.
#pragma once
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/model/model.hpp"
#include "sinew/retarget/ik.hpp"
#include "sinew/retarget/keypoint_map.hpp"
#include "sinew/retarget/metrics.hpp"
#include "sinew/retarget/options.hpp"
#include "sinew/retarget/source.hpp"

namespace sinew::retarget_detail {

/// The map's keypoints (bodies and sites resolved, weights square-rooted) and the residual rows:
/// 3 per keypoint, then 3 per orientation target (counted in M.norient).
inline void add_keypoints(Problem& P, const Model<double>& model, const SourceMotion& src,
                          const std::vector<KeypointMap>& map, RetargetMetrics& M) {
  for (const KeypointMap& e : map) {
    const SourceLocation at{e.file, e.line, ""};
    Keypoint k;
    k.src = src.find(e.source);
    if (k.src < 0) throw ModelError(at, "source joint '" + e.source + "' is not in the source skeleton");
    std::string t = e.target;
    int kind = 0;  // 0 either, 1 body, 2 site
    if (t.rfind("body:", 0) == 0) {
      kind = 1;
      t = t.substr(5);
    } else if (t.rfind("site:", 0) == 0) {
      kind = 2;
      t = t.substr(5);
    }
    const int b = kind == 2 ? -1 : Model<double>::find(model.body_names, t);
    const int s = kind == 1 ? -1 : Model<double>::find(model.site_names, t);
    if (b > 0) k.body = b;
    else if (s >= 0) {
      k.site = s;
      k.body = model.site_bodyid[size_t(s)];
    } else
      throw ModelError(at, "'" + e.target + "' is neither a body nor a site of the model" +
                               (b == 0 ? " (the world body cannot follow a keypoint)" : ""));
    k.sqrtw = std::sqrt(e.weight);
    if (e.orient > 0) {
      if (src.rot.size() != src.pos.size() * 3)
        throw ModelError(at, "orientation target for '" + e.source + "', but the source motion has no joint rotations");
      k.sqrtw_rot = std::sqrt(e.orient);
      ++M.norient;
    }
    P.kp.push_back(k);
  }
  const int K = int(P.kp.size());
  P.nrow = 3 * K;
  for (Keypoint& k : P.kp)
    if (k.sqrtw_rot > 0) {
      k.rot_row = P.nrow;
      P.nrow += 3;
    }
}

/// Joint couplings (active EQ_JOINT equalities; other equalities are reported, not enforced), the
/// variables (the dofs that no coupling eliminates) and the independent limited joints.
inline void add_couplings(Problem& P, const Model<double>& model, RetargetMetrics& M) {
  const int nv = model.nv;
  std::vector<int> dep_of(size_t(model.njnt), -1);
  for (int i = 0; i < model.neq; ++i) {
    if (!model.eq_active0[size_t(i)]) continue;
    if (model.eq_type[size_t(i)] != EQ_JOINT) {
      M.warnings.push_back("equality " + std::to_string(i) + " (type " + std::to_string(model.eq_type[size_t(i)]) +
                           ") is not a joint coupling and is not enforced by the retargeting IK");
      continue;
    }
    Coupling c;
    c.eq = i;
    const int j1 = model.eq_obj1id[size_t(i)], j2 = model.eq_obj2id[size_t(i)];
    if (dep_of[size_t(j1)] >= 0)
      throw std::invalid_argument("retarget: joint '" + model.jnt_names[size_t(j1)] +
                                  "' is the first joint of two joint equalities");
    dep_of[size_t(j1)] = i;
    c.dep_q = model.jnt_qposadr[size_t(j1)];
    c.dep_v = model.jnt_dofadr[size_t(j1)];
    c.ref_dep = model.qpos0[size_t(c.dep_q)];
    if (j2 >= 0) {
      c.ind_q = model.jnt_qposadr[size_t(j2)];
      c.ind_v = model.jnt_dofadr[size_t(j2)];
      c.ref_ind = model.qpos0[size_t(c.ind_q)];
    }
    for (int k = 0; k < 5; ++k) c.c[k] = model.eq_data[size_t(i) * 11 + size_t(k)];
    P.cpl.push_back(c);
  }
  for (const Coupling& c : P.cpl)
    if (c.ind_q >= 0) {
      const int j2 = model.eq_obj2id[size_t(c.eq)];
      if (dep_of[size_t(j2)] >= 0)
        throw std::invalid_argument(
            "retarget: joint '" + model.jnt_names[size_t(j2)] +
            "' drives a joint coupling but is itself coupled; chained couplings are not supported");
    }
  M.ncoupling = int(P.cpl.size());
  P.var_of_dof.assign(size_t(nv), 0);
  for (const Coupling& c : P.cpl) P.var_of_dof[size_t(c.dep_v)] = -1;
  for (int j = 0; j < nv; ++j)
    if (P.var_of_dof[size_t(j)] >= 0) {
      P.var_of_dof[size_t(j)] = P.nvar++;
      P.dof_of_var.push_back(j);
    }
  for (int j = 0; j < model.njnt; ++j)
    if (model.jnt_limited[size_t(j)] && dep_of[size_t(j)] < 0 && model.jnt_type[size_t(j)] != JNT_FREE)
      P.lim_jnt.push_back(j);
}

/// Ground geoms (collision geoms off the world body; planes skipped, height fields and SDFs
/// reported) and liftable trees (free joints on their tree's root body).
inline void add_ground_geoms(Problem& P, const Model<double>& model, RetargetMetrics& M) {
  for (int j = 0; j < model.njnt; ++j) {
    const int b = model.jnt_bodyid[size_t(j)];
    if (model.jnt_type[size_t(j)] == JNT_FREE && model.body_rootid[size_t(b)] == b) P.free_jnt.push_back(j);
  }
  for (int g = 0; g < model.ngeom; ++g) {
    const int b = model.geom_bodyid[size_t(g)], type = model.geom_type[size_t(g)];
    if (b == 0 || (!model.geom_contype[size_t(g)] && !model.geom_conaffinity[size_t(g)])) continue;
    if (type == GEOM_PLANE) continue;
    if (type == GEOM_HFIELD || type == GEOM_SDF) {
      M.warnings.push_back("geom '" + model.geom_names[size_t(g)] +
                           "' (height field or SDF) is ignored by the ground correction");
      continue;
    }
    P.ground_geom.push_back(g);
    int t = -1;
    for (size_t k = 0; k < P.free_jnt.size(); ++k)
      if (model.jnt_bodyid[size_t(P.free_jnt[k])] == model.body_rootid[size_t(b)]) t = int(k);
    P.geom_tree.push_back(t);
  }
}

/// The IK problem; warnings and the keypoint and coupling counts go to M.
inline Problem build_problem(const Model<double>& model, const SourceMotion& src, const std::vector<KeypointMap>& map,
                             const RetargetOptions& opt, RetargetMetrics& M) {
  Problem P;
  P.m = model.view();
  P.opt = opt;
  add_keypoints(P, model, src, map, M);
  add_couplings(P, model, M);
  add_ground_geoms(P, model, M);
  return P;
}

/// The free joint (index into P.free_jnt) at the root of body's tree, or -1.
inline int free_tree(const Model<double>& model, const Problem& P, int body) {
  for (size_t t = 0; t < P.free_jnt.size(); ++t)
    if (model.jnt_bodyid[size_t(P.free_jnt[t])] == model.body_rootid[size_t(body)]) return int(t);
  return -1;
}

}  // namespace sinew::retarget_detail
