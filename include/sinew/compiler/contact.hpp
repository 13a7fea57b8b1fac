// Contact compilation: Model::pending <pair>/<exclude> -> pair_* / exclude_signature (as mjModel),
// and the precomputed candidate list collision_pair that the collision stage walks.
//
//   sinew::compile_contacts(model);   // called by the MJCF loader after compile_equality
//
// Explicit pairs (mjCPair): geoms swapped so that body(geom1) <= body(geom2); signature
// (body1 << 16) + body2; unspecified attributes take the <pair> defaults (condim 3, friction
// 1 1 0.005 0.0001 0.0001, solref 0.02 1, solreffriction 0 0, solimp 0.9 0.95 0.001 0.5 2,
// margin 0, gap 0), not the geoms' values; pairs sorted by signature (stable). Excludes: signature
// of the body pair, sorted.
//
// Candidates (mj_collision's filters that do not depend on the state, applied once): body pairs
// from MuJoCo's broadphase rules (world geoms and planes of static bodies against every
// non-static body; other pairs unless welded together, or parent and child without the
// filterparent disable flag; the bodies' OR-ed contype/conaffinity compatible), minus excluded
// body pairs, expanded to geom pairs passing the geom contype/conaffinity test and not also an
// explicit pair; explicit pairs skip every filter. Geoms are ordered so that type1 <= type2, and
// rows follow MuJoCo's processing order (by body-pair signature, explicit pairs first; geom pairs
// of multi-geom bodies sorted by geom ids). The per-step work left is the bounding-sphere test
// and the narrowphase (collision/collision.hpp). The broadphase's sweep-and-prune and the BVH
// midphase only skip pairs whose narrowphase finds nothing, so they are not needed for the same
// contact set.
//
// Height-field pairs reserve MuJoCo's 50 contacts per pair in nconmax. A candidate pair whose
// geom types Sinew cannot collide (collision/dispatch.hpp's PF_UNSUPPORTED: none of the types
// the parser accepts today; SDF geoms are refused when read)
// is never silently skipped: it is listed in `unsupported` (the loader warns, naming every such
// pair) or, without that list, a ModelError.
#pragma once
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sinew/collision/dispatch.hpp"
#include "sinew/compiler/equality.hpp"
#include "sinew/io/error.hpp"
#include "sinew/compiler/tendon.hpp"
#include "sinew/model/model.hpp"

namespace sinew {
namespace contact_compile_detail {

inline const char* geom_type_name(int t) {
  static const char* n[] = {"plane", "hfield", "sphere", "capsule", "ellipsoid", "cylinder", "box", "mesh", "sdf"};
  return (t >= 0 && t <= 8) ? n[t] : "unknown";
}

inline std::string geom_label(const Model<double>& m, int g) {
  const std::string& n = m.geom_names[size_t(g)];
  return (n.empty() ? "#" + std::to_string(g) : "'" + n + "'") + " (" + geom_type_name(m.geom_type[size_t(g)]) + ")";
}

/// An explicit <pair>, its geoms ordered by body and its signature (b1 << 16) + b2.
struct Pair {
  int g1, g2, sig, dim;
  double solref[2], solreffriction[2], solimp[5], margin, gap, friction[5];
  const PendingElement* src;
};

/// Reads a resolved <pair> element (MuJoCo's defaults where unset).
inline Pair read_pair(const Model<double>& m, const PendingElement& p) {
  using namespace tendon_compile_detail;
  Pair q{};
  const std::string* n1 = attr(p, "geom1");
  const std::string* n2 = attr(p, "geom2");
  q.g1 = n1 ? Model<double>::find(m.geom_names, *n1) : -1;
  q.g2 = n2 ? Model<double>::find(m.geom_names, *n2) : -1;
  if (q.g1 < 0) fail(p, "pair: unknown geom1 '" + (n1 ? *n1 : std::string()) + "'");
  if (q.g2 < 0) fail(p, "pair: unknown geom2 '" + (n2 ? *n2 : std::string()) + "'");
  const double cd = real(p, "condim", 3);
  q.dim = cd == 1 || cd == 3 || cd == 4 || cd == 6 ? int(cd) : 0;  // no cast of NaN or 9e9 (undefined)
  if (q.dim != 1 && q.dim != 3 && q.dim != 4 && q.dim != 6) fail(p, "pair: condim must be 1, 3, 4 or 6");
  q.friction[0] = 1;
  q.friction[1] = 1;
  q.friction[2] = 0.005;
  q.friction[3] = 1e-4;
  q.friction[4] = 1e-4;
  reals(p, "friction", q.friction, 5);
  q.solref[0] = 0.02;
  q.solref[1] = 1;
  reals(p, "solref", q.solref, 2);
  reals(p, "solreffriction", q.solreffriction, 2);
  const double si[5] = {0.9, 0.95, 0.001, 0.5, 2};
  std::copy(si, si + 5, q.solimp);
  reals(p, "solimp", q.solimp, 5);
  q.margin = real(p, "margin", 0);
  q.gap = real(p, "gap", 0);
  int b1 = m.geom_bodyid[size_t(q.g1)], b2 = m.geom_bodyid[size_t(q.g2)];
  if (b1 > b2) {
    std::swap(q.g1, q.g2);
    std::swap(b1, b2);
  }
  q.sig = (b1 << 16) + b2;
  q.src = &p;
  return q;
}

/// The body pairs of the broadphase (its state-independent part, as mj_collision's): signatures
/// (b1 << 16) + b2, sorted and unique, of bodies whose geoms can collide (contype/conaffinity),
/// not welded together, not parent and child (filterparent); the world and static planes pair
/// with every moving body.
inline std::vector<int> body_pairs(const Model<double>& m) {
  const int nbody = m.nbody;
  const bool filterparent = !m.opt.disabled(DSBL_FILTERPARENT);
  std::vector<int> btype(size_t(nbody), 0), baff(size_t(nbody), 0);
  std::vector<bool> plane(size_t(nbody), false);
  for (int g = 0; g < m.ngeom; ++g) {
    const int b = m.geom_bodyid[size_t(g)];
    btype[size_t(b)] |= m.geom_contype[size_t(g)];
    baff[size_t(b)] |= m.geom_conaffinity[size_t(g)];
    if (m.geom_type[size_t(g)] == GEOM_PLANE) plane[size_t(b)] = true;
  }
  auto can = [&](int b) { return btype[size_t(b)] != 0 || baff[size_t(b)] != 0; };
  auto compat = [&](int b1, int b2) {
    return (btype[size_t(b1)] & baff[size_t(b2)]) || (btype[size_t(b2)] & baff[size_t(b1)]);
  };
  auto weld = [&](int b) { return m.body_weldid[size_t(b)]; };
  auto pweld = [&](int b) { return m.body_weldid[size_t(m.body_parentid[size_t(weld(b))])]; };
  std::vector<int> sigs;
  auto add = [&](int b1, int b2) {
    if (!compat(b1, b2)) return;
    sigs.push_back((std::min(b1, b2) << 16) + std::max(b1, b2));
  };
  for (int b1 = 0; b1 < nbody; ++b1) {
    if (!can(b1)) continue;
    if ((b1 == 0 && m.body_geomnum[0] > 0) || (weld(b1) == 0 && plane[size_t(b1)]))
      for (int b2 = 0; b2 < nbody; ++b2)
        if (can(b2) && weld(b2) != 0) add(b1, b2);
  }
  for (int b1 = 1; b1 < nbody; ++b1)
    for (int b2 = b1 + 1; b2 < nbody; ++b2) {
      if (!can(b1) || !can(b2)) continue;
      const int w1 = weld(b1), w2 = weld(b2);
      if (w1 == w2) continue;
      if (filterparent && w1 != 0 && w2 != 0 && (w1 == pweld(b2) || w2 == pweld(b1))) continue;
      add(b1, b2);
    }
  std::sort(sigs.begin(), sigs.end());
  sigs.erase(std::unique(sigs.begin(), sigs.end()), sigs.end());
  return sigs;
}

}  // namespace contact_compile_detail

/// `unsupported`: when given, pairs of geom types Sinew cannot collide yet are left out and
/// listed there (the MJCF loader turns the list into one warning); when null they are a
/// ModelError.
inline void compile_contacts(Model<double>& m, std::vector<std::string>* unsupported = nullptr) {
  using namespace tendon_compile_detail;
  using namespace contact_compile_detail;
  std::vector<Pair> pairs;
  std::vector<int> excl;
  for (const auto& p : m.pending) {
    if (p.section != "contact") continue;
    if (p.kind == "pair") {
      pairs.push_back(read_pair(m, p));
    } else if (p.kind == "exclude") {
      const std::string* n1 = attr(p, "body1");
      const std::string* n2 = attr(p, "body2");
      int b1 = n1 ? Model<double>::find(m.body_names, *n1) : -1;
      int b2 = n2 ? Model<double>::find(m.body_names, *n2) : -1;
      if (b1 < 0) fail(p, "exclude: unknown body1 '" + (n1 ? *n1 : std::string()) + "'");
      if (b2 < 0) fail(p, "exclude: unknown body2 '" + (n2 ? *n2 : std::string()) + "'");
      excl.push_back((std::min(b1, b2) << 16) + std::max(b1, b2));
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.sig < b.sig; });
  std::sort(excl.begin(), excl.end());

  m.npair = int(pairs.size());
  m.nexclude = int(excl.size());
  m.pair_dim.assign(pairs.size(), 0);
  m.pair_geom1.assign(pairs.size(), 0);
  m.pair_geom2.assign(pairs.size(), 0);
  m.pair_signature.assign(pairs.size(), 0);
  m.pair_solref.assign(2 * pairs.size(), 0);
  m.pair_solreffriction.assign(2 * pairs.size(), 0);
  m.pair_solimp.assign(5 * pairs.size(), 0);
  m.pair_margin.assign(pairs.size(), 0);
  m.pair_gap.assign(pairs.size(), 0);
  m.pair_friction.assign(5 * pairs.size(), 0);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Pair& q = pairs[i];
    m.pair_dim[i] = q.dim;
    m.pair_geom1[i] = q.g1;
    m.pair_geom2[i] = q.g2;
    m.pair_signature[i] = q.sig;
    for (int k = 0; k < 2; ++k) {
      m.pair_solref[2 * i + k] = q.solref[k];
      m.pair_solreffriction[2 * i + k] = q.solreffriction[k];
    }
    for (int k = 0; k < 5; ++k) {
      m.pair_solimp[5 * i + k] = q.solimp[k];
      m.pair_friction[5 * i + k] = q.friction[k];
    }
    m.pair_margin[i] = q.margin;
    m.pair_gap[i] = q.gap;
  }
  m.exclude_signature = excl;

  const std::vector<int> sigs = contact_compile_detail::body_pairs(m);

  // ---- candidate geom pairs in MuJoCo's order
  std::vector<int> rows;  // (g1, g2, ipair)
  auto push = [&](int g1, int g2, int ip) {
    const int t1 = m.geom_type[size_t(g1)], t2 = m.geom_type[size_t(g2)];
    if (t1 > t2) std::swap(g1, g2);
    const int f = collision::pair_func(std::min(t1, t2), std::max(t1, t2));
    if (f == collision::PF_NONE) return;
    if (f == collision::PF_UNSUPPORTED) {
      const std::string what = geom_label(m, g1) + " - " + geom_label(m, g2) + (ip >= 0 ? " (explicit pair)" : "");
      if (!unsupported)
        throw ModelError(ip >= 0 ? where(*pairs[size_t(ip)].src) : SourceLocation{"", 0, "geom"},
                         "collision between geoms " + what + " is not supported yet");
      unsupported->push_back(what);
      return;
    }
    rows.push_back(g1);
    rows.push_back(g2);
    rows.push_back(ip);
  };
  int pairadr = 0;
  for (const int sig : sigs) {
    const int startadr = pairadr;
    for (; pairadr < m.npair && m.pair_signature[size_t(pairadr)] <= sig; ++pairadr)
      push(m.pair_geom1[size_t(pairadr)], m.pair_geom2[size_t(pairadr)], pairadr);
    if (std::binary_search(excl.begin(), excl.end(), sig)) continue;
    const int b1 = sig >> 16, b2 = sig & 0xFFFF;
    const size_t group = rows.size();
    for (int g1 = m.body_geomadr[size_t(b1)]; g1 < m.body_geomadr[size_t(b1)] + m.body_geomnum[size_t(b1)]; ++g1)
      for (int g2 = m.body_geomadr[size_t(b2)]; g2 < m.body_geomadr[size_t(b2)] + m.body_geomnum[size_t(b2)]; ++g2) {
        if (!(m.geom_contype[size_t(g1)] & m.geom_conaffinity[size_t(g2)]) &&
            !(m.geom_contype[size_t(g2)] & m.geom_conaffinity[size_t(g1)]))
          continue;
        bool merged = false;
        for (int k = startadr; k < pairadr; ++k)
          if (m.pair_signature[size_t(k)] == sig && ((m.pair_geom1[size_t(k)] == g1 && m.pair_geom2[size_t(k)] == g2) ||
                                                     (m.pair_geom1[size_t(k)] == g2 && m.pair_geom2[size_t(k)] == g1)))
            merged = true;
        if (!merged) push(g1, g2, -1);
      }
    // multi-geom body pairs go through MuJoCo's midphase, whose contacts are sorted by geom ids
    if (!(m.body_geomnum[size_t(b1)] == 1 && m.body_geomnum[size_t(b2)] == 1)) {
      std::vector<std::pair<int, int>> grp;
      for (size_t r = group; r < rows.size(); r += 3) grp.emplace_back(rows[r], rows[r + 1]);
      std::stable_sort(grp.begin(), grp.end());
      for (size_t k = 0; k < grp.size(); ++k) {
        rows[group + 3 * k] = grp[k].first;
        rows[group + 3 * k + 1] = grp[k].second;
      }
    }
  }
  for (; pairadr < m.npair; ++pairadr) push(m.pair_geom1[size_t(pairadr)], m.pair_geom2[size_t(pairadr)], pairadr);

  m.ncollision = int(rows.size() / 3);
  m.collision_pair = rows;
  count_pair_contacts(m);
  m.nconmax = m.nconmax_pairs;  // compile_capacities fits it to the model's memory
}

}  // namespace sinew
