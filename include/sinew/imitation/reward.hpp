// MuscleMimic's MimicReward as composable per-world functors.
//
//   r = max(0, sum_i w_i exp(-k_i d_i) + P)
//   P = max(penalty_min, -(penalty_scale * sum_u (a_u - clip(a_u))^2
//                          + action_rate_scale * sum_u (a_u,t - a_u,t-1)^2       (clipped actions)
//                          + activation_scale * mean_u act_u^2))                 (activation of each actuator
//                                                                              with activation state)
//
// The action-rate and activation penalties are off by default (scales 0), as in MuscleMimic.
//
// Each term is a small struct with `weight`, `k` and `SINEW_HD T distance(const MimicContext&)`
// (a mean squared error); `make_mimic_reward(term...)` composes any list of them, user terms
// included (examples/imitation_custom_reward.cpp). A reward is any trivially copyable type with
// `static constexpr int nterm` and `SINEW_HD T operator()(const MimicContext<T, L>&, T* terms)`
// (terms: nterm per-term values w_i exp(-k_i d_i), or null), so it can be replaced wholesale too.
#pragma once
#include "sinew/imitation/common.hpp"

namespace sinew {

/// Joint positions: hinge/slide squared differences, ball and free-root rotations as the squared
/// quaternion angle (one entry each); the free root's translation is left to RootPosTerm. Mean.
template <class T> struct JointPosTerm {
  T weight = T(0.1), k = T(10);
  template <class L> SINEW_HD T distance(const MimicContext<T, L>& c) const {
    const T* qr = c.ref.qpos_at(c.frame);
    T s = 0;
    int n = 0;
    for (int j = 0; j < c.m.size.njnt; ++j) {
      const int a = c.m.jnt_qposadr[j], type = c.m.jnt_type[j];
      if (type == JNT_FREE || type == JNT_BALL) {
        const int qa = type == JNT_FREE ? a + 3 : a;
        const T ang =
            imitation::quat_angle(getq(subspan(c.d.qpos, qa), 0), quat<T>{qr[qa], qr[qa + 1], qr[qa + 2], qr[qa + 3]});
        s += ang * ang;
      } else {
        const T e = c.d.qpos[a] - qr[a];
        s += e * e;
      }
      ++n;
    }
    return n ? s / T(n) : T(0);
  }
};

/// Joint velocities: mean squared difference over all dofs except the free root's.
template <class T> struct JointVelTerm {
  T weight = T(0.1), k = T(2);
  template <class L> SINEW_HD T distance(const MimicContext<T, L>& c) const {
    const T* vr = c.ref.qvel_at(c.frame);
    const int r0 = c.spec.root_jnt >= 0 ? c.m.jnt_dofadr[c.spec.root_jnt] : -100;
    T s = 0;
    int n = 0;
    for (int i = 0; i < c.m.size.nv; ++i) {
      if (i >= r0 && i < r0 + 6) continue;
      const T e = c.d.qvel[i] - vr[i];
      s += e * e;
      ++n;
    }
    return n ? s / T(n) : T(0);
  }
};

/// Root position: mean squared difference of the free root's translation, the xy offset at reset removed.
template <class T> struct RootPosTerm {
  T weight = T(0.1), k = T(10);
  template <class L> SINEW_HD T distance(const MimicContext<T, L>& c) const {
    if (c.spec.root_jnt < 0) return T(0);
    const int a = c.m.jnt_qposadr[c.spec.root_jnt];
    const T* qr = c.ref.qpos_at(c.frame) + a;
    const T ex = c.d.qpos[a] - c.root_offset[0] - qr[0], ey = c.d.qpos[a + 1] - c.root_offset[1] - qr[1],
            ez = c.d.qpos[a + 2] - qr[2];
    return (ex * ex + ey * ey + ez * ez) / T(3);
  }
};

/// Root velocity: mean squared difference of the root's local 6-D velocity [R^T v; w_local].
template <class T> struct RootVelTerm {
  T weight = T(0.1), k = T(10);
  template <class L> SINEW_HD T distance(const MimicContext<T, L>& c) const {
    if (c.spec.root_jnt < 0) return T(0);
    const int a = c.m.jnt_qposadr[c.spec.root_jnt], v = c.m.jnt_dofadr[c.spec.root_jnt];
    T q[7], qv[6], s6[6], r6[6];
    for (int k = 0; k < 7; ++k) q[k] = c.d.qpos[a + k];
    for (int k = 0; k < 6; ++k) qv[k] = c.d.qvel[v + k];
    imitation::root_local_vel(q, qv, s6);
    imitation::root_local_vel(c.ref.qpos_at(c.frame) + a, c.ref.qvel_at(c.frame) + v, r6);
    T s = 0;
    for (int k = 0; k < 6; ++k) s += (s6[k] - r6[k]) * (s6[k] - r6[k]);
    return s / T(6);
  }
};

namespace detail {
/// Mean over the relative mimic sites (1..nsite-1) and their 3 components of a squared difference.
template <int Which, class T, class L> SINEW_HD T site_mse(const MimicContext<T, L>& c) {
  if (c.spec.nsite < 2) return T(0);
  T s = 0;
  for (int i = 1; i < c.spec.nsite; ++i) {
    const auto a = imitation::RelSite::sim(c, i);
    const auto b = imitation::RelSite::ref(c, c.frame, i);
    if constexpr (Which == 0) s += imitation::sq(a.pos - b.pos);
    else if constexpr (Which == 1) s += imitation::sq(a.rot - b.rot);
    else if constexpr (Which == 2) s += imitation::sq(a.ang - b.ang);
    else s += imitation::sq(a.lin - b.lin);
  }
  return s / T(3 * (c.spec.nsite - 1));
}
}  // namespace detail

/// Mimic-site positions relative to the main site (world frame).
template <class T> struct SitePosTerm {
  T weight = T(0.6), k = T(100);
  template <class L> SINEW_HD T distance(const MimicContext<T, L>& c) const { return detail::site_mse<0>(c); }
};
/// Mimic-site rotations relative to the main site (rotation vectors of R_main^T R_site).
template <class T> struct SiteRotTerm {
  T weight = T(0.01), k = T(10);
  template <class L> SINEW_HD T distance(const MimicContext<T, L>& c) const { return detail::site_mse<1>(c); }
};
/// Mimic-site local angular velocities relative to the main site's.
template <class T> struct SiteAngVelTerm {
  T weight = T(0.1), k = T(0.1);
  template <class L> SINEW_HD T distance(const MimicContext<T, L>& c) const { return detail::site_mse<2>(c); }
};
/// Mimic-site local linear velocities relative to the main site's.
template <class T> struct SiteLinVelTerm {
  T weight = T(0.1), k = T(0.1);
  template <class L> SINEW_HD T distance(const MimicContext<T, L>& c) const { return detail::site_mse<3>(c); }
};

/// A compile-time list of terms (device-friendly, no std::tuple).
template <class... Ts> struct TermList {
  static constexpr int size = 0;
  template <class C, class T> SINEW_HD T eval(const C&, T*) const { return T(0); }
};
template <class H, class... Ts> struct TermList<H, Ts...> {
  static constexpr int size = 1 + int(sizeof...(Ts));
  H head;
  TermList<Ts...> tail;
  template <class C, class T> SINEW_HD T eval(const C& c, T* out) const {
    const T v = head.weight * std::exp(-head.k * head.distance(c));
    if (out) out[0] = v;
    return v + tail.eval(c, out ? out + 1 : out);
  }
};

/// r = max(0, sum_i w_i exp(-k_i d_i) + P) with the penalty P of the file comment.
template <class T, class... Terms> struct MimicReward {
  static constexpr int nterm = int(sizeof...(Terms));
  TermList<Terms...> terms;
  T penalty_scale = T(0.01), penalty_min = T(-1);
  T action_rate_scale = T(0), activation_scale = T(0);
  template <class L> SINEW_HD T operator()(const MimicContext<T, L>& c, T* term_values) const {
    const T s = terms.eval(c, term_values);
    T p = -penalty_scale * c.action_oob - action_rate_scale * c.action_rate;
    if (activation_scale != T(0)) {  // first activation state of each actuator that has one
      T a2 = T(0);
      int n = 0;
      for (int u = 0; u < c.m.size.nu; ++u)
        if (c.m.actuator_actnum[u] > 0) {
          const T a = c.d.act[c.m.actuator_actadr[u]];
          a2 += a * a;
          ++n;
        }
      if (n) p -= activation_scale * a2 / T(n);
    }
    if (p < penalty_min) p = penalty_min;
    const T r = s + p;
    return r > T(0) ? r : T(0);
  }
};

template <class H, class... Ts> TermList<H, Ts...> make_term_list(H h, Ts... t) {
  TermList<H, Ts...> l;
  l.head = h;
  if constexpr (sizeof...(Ts) > 0) l.tail = make_term_list(t...);
  return l;
}

template <class T, class... Terms> MimicReward<T, Terms...> make_mimic_reward(Terms... t) {
  MimicReward<T, Terms...> r;
  r.terms = make_term_list(t...);
  return r;
}

namespace detail {
template <class... Es> TermList<Es...> append_terms(const TermList<>&, Es... e) {
  if constexpr (sizeof...(Es) > 0) return make_term_list(e...);
  else return {};
}
template <class H, class... Ts, class... Es>
TermList<H, Ts..., Es...> append_terms(const TermList<H, Ts...>& l, Es... e) {
  TermList<H, Ts..., Es...> out;
  out.head = l.head;
  out.tail = append_terms(l.tail, e...);
  return out;
}
}  // namespace detail

/// `base`'s terms (weights and kernels as configured) and penalties, followed by `extra` terms:
/// a user reward that extends MuscleMimic's without restating it. Term values keep their order
/// (base first), so logs of the base terms stay comparable.
///
///   auto r = sinew::extend_reward(sinew::rl::reward_from<float>(cfg), MyTerm<float>{0.2f, 50.f});
template <class T, class... Terms, class... Extra>
MimicReward<T, Terms..., Extra...> extend_reward(const MimicReward<T, Terms...>& base, Extra... extra) {
  MimicReward<T, Terms..., Extra...> r;
  r.terms = detail::append_terms(base.terms, extra...);
  r.penalty_scale = base.penalty_scale;
  r.penalty_min = base.penalty_min;
  r.action_rate_scale = base.action_rate_scale;
  r.activation_scale = base.activation_scale;
  return r;
}

/// The eight MuscleMimic terms.
template <class T>
using DefaultMimicReward = MimicReward<T, JointPosTerm<T>, JointVelTerm<T>, RootPosTerm<T>, RootVelTerm<T>,
                                       SitePosTerm<T>, SiteRotTerm<T>, SiteAngVelTerm<T>, SiteLinVelTerm<T>>;

/// MuscleMimic's weights: full body (bimanual = false) or the bimanual model (bimanual = true).
template <class T> DefaultMimicReward<T> default_mimic_reward(bool bimanual = false) {
  const T wj = bimanual ? T(0.5) : T(0.1), ws = bimanual ? T(2.0) : T(0.6), wr = bimanual ? T(0.2) : T(0.01),
          wv = bimanual ? T(0.5) : T(0.1);
  return make_mimic_reward<T>(JointPosTerm<T>{wj, T(10)}, JointVelTerm<T>{wj, T(2)}, RootPosTerm<T>{T(0.1), T(10)},
                              RootVelTerm<T>{T(0.1), T(10)}, SitePosTerm<T>{ws, T(100)}, SiteRotTerm<T>{wr, T(10)},
                              SiteAngVelTerm<T>{wv, T(0.1)}, SiteLinVelTerm<T>{wv, T(0.1)});
}

}  // namespace sinew
