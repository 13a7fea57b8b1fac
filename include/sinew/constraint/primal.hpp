// Constraint solver, part 2 of 5 (constraint/solver.hpp has the overview): the primal solvers,
// Newton and CG (mj_solCGNewton), on the problem of constraint/problem.hpp: the Hessian's dense
// Cholesky factor and its rank-one updates, the exact line search, the iteration.
#pragma once
#include <cmath>

#include "sinew/constraint/problem.hpp"

namespace sinew {
namespace solver_detail {

template <class T> SINEW_INLINE T tabs(T x) { return x < T(0) ? -x : x; }

/// Row p of Newton's factors (sol_H, sol_Hcone): the packed lower triangle, row after row.
SINEW_INLINE int hrow(int p) { return cholesky::PackedRows{}(p); }

/// x <- (L L')^-1 b over the envelope of L, packed by rows (x and b may alias): forward by rows,
/// backward by columns of L' (= rows of L), so both passes touch only entries inside the envelope.
template <class T, class S, class SX, class SB, class SF>
SINEW_INLINE void chol_solve_env(S Lm, int n, SX x, SB b, SF first) {
  for (int i = 0; i < n; ++i) {
    const int ri = hrow(i);
    T s = b[i];
    for (int k = first[i]; k < i; ++k) s -= Lm[ri + k] * x[k];
    x[i] = s / Lm[ri + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    const int ri = hrow(i);
    const T xi = x[i] / Lm[ri + i];
    x[i] = xi;
    for (int k = first[i]; k < i; ++k) x[k] -= Lm[ri + k] * xi;
  }
}

// ---- primal solver (CG and Newton), mj_solCGNewton ----

template <class T, class L> SINEW_INLINE void update_constraint(Ctx<T, L>& c) {
  const WorldData<T, L>& d = c.d;
  c.cost = constraint_update(c, c.Jaref, c.cone_hessian);
  mul_jt_force(c);
  c.nactive = 0;
  c.ncone = 0;
  for (int r = 0; r < c.nefc; ++r) {
    const int st = d.efc_state[c.row(r)];
    c.nactive += st != CSTATE_SATISFIED;
    c.ncone += st == CSTATE_CONE;
  }
  T gauss = T(0);
  for (int k = 0; k < c.n; ++k) {
    const int i = c.dof(k);
    gauss += T(0.5) * (c.Ma[k] - d.qfrc_smooth[i]) * (c.x[k] - d.qacc_smooth[i]);
  }
  c.quadGauss[0] = gauss;
  c.cost += gauss;
}

template <class T, class L> SINEW_INLINE void update_gradient(Ctx<T, L>& c) {
  for (int k = 0; k < c.n; ++k) c.grad[k] = c.Ma[k] - c.d.qfrc_smooth[c.dof(k)] - c.fc[k];
  if (c.newton) {  // the factor lives in reversed dof order (see factorize_hessian)
    const int n = c.n;
    for (int k = 0; k < n; ++k) c.tmp[n - 1 - k] = c.grad[k];
    if (c.ncone) chol_solve_env<T>(c.Hc, n, c.tmp, c.tmp, c.Hcfirst);
    else chol_solve_env<T>(c.H, n, c.tmp, c.tmp, c.Hfirst);
    for (int k = 0; k < n; ++k) c.Mgrad[k] = c.tmp[n - 1 - k];
  } else {
    for (int k = 0; k < c.n; ++k) c.Mgrad[k] = c.grad[k];
    solve_m_c(c, c.Mgrad);
  }
}

/// Lcone = chol(H + sum of cone contacts' J' H_c J) by rank-one updates of the factor H.
template <class T, class L> SINEW_INLINE void hessian_cone(Ctx<T, L>& c) {
  const WorldData<T, L>& d = c.d;
  const int n = c.n;
  for (int k = 0; k < hrow(n); ++k) c.Hc[k] = c.H[k];  // the packed lower triangle
  for (int k = 0; k < n; ++k) c.Hcfirst[k] = c.Hfirst[k];
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    if (d.efc_state[i] != CSTATE_CONE) continue;
    const int con = d.efc_id[i], dim = d.contact_dim[con];
    T local[36];
    for (int k = 0; k < dim * dim; ++k) local[k] = d.contact_H[36 * con + k];
    chol_factor(local, dim, min_val<T>());
    for (int k = 0; k < dim * n; ++k) c.LTJ[k] = T(0);
    for (int a = 0; a < dim; ++a)
      for (int b = 0; b <= a; ++b) {
        const T l = local[a * dim + b];
        for (int x = 0; x < c.nnz(r + a); ++x) c.LTJ[b * n + n - 1 - c.ccol(r + a, x)] += l * c.Jx(r + a, x);
      }
    for (int a = 0; a < dim; ++a)
      chol_update<T>(c.Hc, subspan(c.LTJ, a * n), n, true, c.Hcfirst, cholesky::PackedRows{});
    r += dim - 1;
  }
}

/// H = M + J' D J over the QUADRATIC rows, factored in place (MakeHessian + FactorizeHessian).
/// H is stored in reversed dof order (logical dof k at n-1-k): children before parents, so the
/// tree structure of M and of contact Jacobians creates no fill-in (as MuJoCo's reverse
/// Cholesky) and chol_factor_sparse skips the zeros. Storage: the lower triangle of the reversed
/// matrix, packed by rows (entry (p, q), p >= q, at hrow(p) + q).
template <class T, class L> SINEW_INLINE void factorize_hessian(Ctx<T, L>& c) {
  const ModelView<T>& m = c.m;
  const WorldData<T, L>& d = c.d;
  const int n = c.n;
  const Span<int, L> nz = d.sol_nz;
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    c.Dh[r] = d.efc_state[i] == CSTATE_QUADRATIC ? d.efc_D[i] : T(0);
  }
  for (int k = 0; k < hrow(n); ++k) c.H[k] = T(0);  // the packed lower triangle
  // the envelope (each row's first nonzero column, which Cholesky keeps) is gathered as the
  // entries are added; an entry that happens to be exactly zero only widens it by a zero
  const Span<int, L> first = c.Hfirst;
  for (int p = 0; p < n; ++p) first[p] = p;
  // the structure of H for the factorization: M's column q holds q's ancestors; a row's columns
  // are a clique, marked in its first (reversed) column only (chol_factor_sparse)
  const Span<int, L> mask = d.sol_Hmask;
  const int W = chol_mask_words(n);
  for (int k = 0; k < n; ++k) {  // parents first: a dof's ancestors are its parent's and the parent
    const int q = n - 1 - k, parent = m.dof_parentid[c.dof(k)];
    if (parent < 0) {
      for (int wd = 0; wd < W; ++wd) mask[q * W + wd] = 0;
    } else {
      const int pq = n - 1 - c.cidx(parent);
      for (int wd = 0; wd < W; ++wd) mask[q * W + wd] = mask[pq * W + wd];
      chol_mask_set(mask, n, pq, q);
    }
  }
  for (int r = 0; r < c.nefc; ++r) {
    const T D = c.Dh[r];
    if (D == T(0)) continue;
    const int cnt = c.nnz(r);
    for (int y = 0; y < cnt; ++y) nz[y] = hrow(n - 1 - c.ccol(r, y));  // the rows' offsets (scratch)
    for (int x = 0; x < cnt; ++x) {
      const int a = n - 1 - c.ccol(r, x);
      const T s = D * c.Jx(r, x);
      for (int y = 0; y <= x; ++y) c.H[nz[y] + a] += s * c.Jx(r, y);  // row n-1-ccol(y) >= column a
    }
    const int qmin = n - 1 - c.ccol(r, cnt - 1);
    for (int y = 0; y < cnt; ++y) {
      const int p = n - 1 - c.ccol(r, y);
      first[p] = qmin < first[p] ? qmin : first[p];
      chol_mask_set(mask, n, p, qmin);
    }
  }
  for (int k = 0; k < n; ++k) {
    const int i = c.dof(k), q = n - 1 - k;
    const int adr0 = m.dof_Madr[i], end = adr0 + m_rownnz(m, i);
    c.H[hrow(q) + q] += d.qM[adr0];
    for (int adr = adr0 + 1; adr < end; ++adr) {
      const int p = n - 1 - c.cidx(m.qM_colind[adr]);
      c.H[hrow(p) + q] += d.qM[adr];
      first[p] = q < first[p] ? q : first[p];
    }
  }
  chol_factor_sparse(c.H, n, min_val<T>(), nz, d.sol_run, c.colv, mask, cholesky::PackedRows{});
  if (c.ncone) hessian_cone(c);
}

/// Rank-one updates of the factor for rows that entered or left the QUADRATIC state.
template <class T, class L, class SO> SINEW_INLINE void hessian_incremental(Ctx<T, L>& c, const SO& oldstate) {
  const WorldData<T, L>& d = c.d;
  const int n = c.n;
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    const bool was = oldstate[r] == CSTATE_QUADRATIC, is = d.efc_state[i] == CSTATE_QUADRATIC;
    if (was == is) continue;
    const T sq = std::sqrt(d.efc_D[i]);
    for (int k = 0; k < n; ++k) c.tmp[k] = T(0);
    for (int x = 0; x < c.nnz(r); ++x) c.tmp[n - 1 - c.ccol(r, x)] = c.Jx(r, x) * sq;  // reversed order, as H
    if (chol_update<T>(c.H, c.tmp, n, is, c.Hfirst, cholesky::PackedRows{}) < n) {
      factorize_hessian(c);
      return;
    }
  }
  if (c.ncone) hessian_cone(c);
}

template <class T> struct LinePoint {
  T alpha = T(0), cost = T(0), deriv[2] = {T(0), T(0)};
};

/// Quadratic pieces of every row along the search direction (CGprepare).
template <class T, class L> SINEW_INLINE void prepare(Ctx<T, L>& c) {
  const WorldData<T, L>& d = c.d;
  T vm = T(0), vs = T(0), vmv = T(0);
  for (int k = 0; k < c.n; ++k) vm += c.search[k] * c.Ma[k];
  for (int k = 0; k < c.n; ++k) vs += d.qfrc_smooth[c.dof(k)] * c.search[k];
  for (int k = 0; k < c.n; ++k) vmv += c.search[k] * c.Mv[k];
  c.quadGauss[1] = vm - vs;
  c.quadGauss[2] = T(0.5) * vmv;
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    const T D = d.efc_D[i], ja = c.Jaref[r], jv = c.Jv[r];
    const T DJ0 = D * ja;
    T q0 = ja * DJ0, q1 = jv * DJ0, q2 = jv * D * jv;
    if (d.efc_type[i] == CNSTR_CONTACT_ELLIPTIC) {
      const int con = d.efc_id[i], dim = d.contact_dim[con];
      const T mu = d.contact_mu[con];
      for (int k = 1; k < dim; ++k) {
        const T Dk = d.efc_D[c.row(r + k)], DJk = Dk * c.Jaref[r + k];
        q0 += c.Jaref[r + k] * DJk;
        q1 += c.Jv[r + k] * DJk;
        q2 += c.Jv[r + k] * Dk * c.Jv[r + k];
      }
      T UU = T(0), UV = T(0), VV = T(0);
      for (int k = 1; k < dim; ++k) {
        const T f = d.contact_friction[5 * con + k - 1];
        const T U = c.Jaref[r + k] * f, V = c.Jv[r + k] * f;
        UU += U * U;
        UV += U * V;
        VV += V * V;
      }
      c.quad[3 * r + 3] = ja * mu;
      c.quad[3 * r + 4] = jv * mu;
      c.quad[3 * r + 5] = UU;
      c.quad[3 * r + 6] = UV;
      c.quad[3 * r + 7] = VV;
      c.quad[3 * r + 8] = D / ((mu * mu) * (T(1) + mu * mu));
      c.quad[3 * r] = T(0.5) * q0;
      c.quad[3 * r + 1] = q1;
      c.quad[3 * r + 2] = T(0.5) * q2;
      r += dim - 1;
      continue;
    }
    c.quad[3 * r] = T(0.5) * q0;
    c.quad[3 * r + 1] = q1;
    c.quad[3 * r + 2] = T(0.5) * q2;
  }
}

/// Cost and its first two derivatives at p.alpha along the search direction (CGeval).
template <class T, class L> SINEW_INLINE void eval(const Ctx<T, L>& c, LinePoint<T>& p, int& lsiter) {
  const WorldData<T, L>& d = c.d;
  const T alpha = p.alpha;
  T cost = T(0), d0 = T(0), d1 = T(0);
  T qt[3] = {c.quadGauss[0], c.quadGauss[1], c.quadGauss[2]};
  auto add = [&](int r) {
    qt[0] += c.quad[3 * r];
    qt[1] += c.quad[3 * r + 1];
    qt[2] += c.quad[3 * r + 2];
  };
  for (int r = 0; r < c.nefc; ++r) {
    const int i = c.row(r);
    if (is_equality(d, i)) {
      add(r);
      continue;
    }
    if (is_friction(d, i)) {
      const T start = c.Jaref[r], dir = c.Jv[r], xx = start + alpha * dir;
      const T f = d.efc_frictionloss[i], Rf = d.efc_R[i] * f;
      if (-Rf < xx && xx < Rf) add(r);
      else if (xx <= -Rf) {
        qt[0] += f * (-T(0.5) * Rf - start);
        qt[1] += -f * dir;
      } else {
        qt[0] += f * (-T(0.5) * Rf + start);
        qt[1] += f * dir;
      }
      continue;
    }
    if (d.efc_type[i] == CNSTR_CONTACT_ELLIPTIC) {
      const int con = d.efc_id[i], dim = d.contact_dim[con];
      const T mu = d.contact_mu[con];
      const T U0 = c.quad[3 * r + 3], V0 = c.quad[3 * r + 4], UU = c.quad[3 * r + 5], UV = c.quad[3 * r + 6];
      const T VV = c.quad[3 * r + 7], Dm = c.quad[3 * r + 8];
      const T N = U0 + alpha * V0, Tsqr = UU + alpha * (T(2) * UV + alpha * VV);
      if (Tsqr <= T(0)) {
        if (N < T(0)) add(r);
      } else {
        const T Tn = std::sqrt(Tsqr);
        if (N >= mu * Tn) {
        } else if (mu * N + Tn <= T(0)) {
          add(r);
        } else {
          const T N1 = V0, T1 = (UV + alpha * VV) / Tn;
          const T T2 = VV / Tn - (UV + alpha * VV) * T1 / (Tn * Tn);
          cost += T(0.5) * Dm * (N - mu * Tn) * (N - mu * Tn);
          d0 += Dm * (N - mu * Tn) * (N1 - mu * T1);
          d1 += Dm * ((N1 - mu * T1) * (N1 - mu * T1) + (N - mu * Tn) * (-mu * T2));
        }
      }
      r += dim - 1;
      continue;
    }
    if (c.Jaref[r] + alpha * c.Jv[r] < T(0)) add(r);
  }
  cost += alpha * alpha * qt[2] + alpha * qt[1] + qt[0];
  d0 += T(2) * alpha * qt[2] + qt[1];
  d1 += T(2) * qt[2];
  if (d1 <= T(0)) d1 = min_val<T>();  // not convex: should not occur
  p.cost = cost;
  p.deriv[0] = d0;
  p.deriv[1] = d1;
  ++lsiter;
}

template <class T, class L>
SINEW_INLINE int update_bracket(const Ctx<T, L>& c, LinePoint<T>& p, const LinePoint<T> cand[3], LinePoint<T>& pnext,
                                int& lsiter) {
  int flag = 0;
  for (int i = 0; i < 3; ++i) {
    if (p.deriv[0] < T(0) && cand[i].deriv[0] < T(0) && p.deriv[0] < cand[i].deriv[0]) {
      p = cand[i];
      flag = 1;
    } else if (p.deriv[0] > T(0) && cand[i].deriv[0] > T(0) && p.deriv[0] > cand[i].deriv[0]) {
      p = cand[i];
      flag = 2;
    }
  }
  if (flag) {
    pnext.alpha = p.alpha - p.deriv[0] / p.deriv[1];
    eval(c, pnext, lsiter);
  }
  return flag;
}

/// Step length along `search` (CGsearch); 0 when there is no improvement.
template <class T, class L> SINEW_INLINE T line_search(Ctx<T, L>& c) {
  const ModelView<T>& m = c.m;
  T sn = T(0);
  for (int k = 0; k < c.n; ++k) sn += c.search[k] * c.search[k];
  const T snorm = std::sqrt(sn);
  if (snorm < min_val<T>()) return T(0);
  const T gtol = m.opt.tolerance * m.opt.ls_tolerance * snorm / c.scale;
  const int lsmax = m.opt.ls_iterations;
  mul_m(c, c.search, c.Mv);
  mul_j(c, c.search, c.Jv);
  prepare(c);
  int it = 0;
  LinePoint<T> p0, p1, p2, pmid, p1next, p2next;
  p0.alpha = T(0);
  eval(c, p0, it);
  p1.alpha = p0.alpha - p0.deriv[0] / p0.deriv[1];
  eval(c, p1, it);
  if (p0.cost < p1.cost) p1 = p0;
  if (tabs(p1.deriv[0]) < gtol) return p1.alpha;
  const int dir = p1.deriv[0] < T(0) ? 1 : -1;
  bool p2update = false;
  while (p1.deriv[0] * T(dir) <= -gtol && it < lsmax) {
    p2 = p1;
    p2update = true;
    p1.alpha -= p1.deriv[0] / p1.deriv[1];
    eval(c, p1, it);
    if (tabs(p1.deriv[0]) < gtol) return p1.alpha;
  }
  if (it >= lsmax) return p1.alpha;
  if (!p2update) return p1.alpha;
  p2next = p1;
  p1next.alpha = p1.alpha - p1.deriv[0] / p1.deriv[1];
  eval(c, p1next, it);
  while (it < lsmax) {
    pmid.alpha = T(0.5) * (p1.alpha + p2.alpha);
    eval(c, pmid, it);
    const LinePoint<T> cand[3] = {p1next, p2next, pmid};
    T best = T(0);
    int bi = -1;
    for (int i = 0; i < 3; ++i)
      if (tabs(cand[i].deriv[0]) < gtol && (bi == -1 || cand[i].cost < best)) {
        best = cand[i].cost;
        bi = i;
      }
    if (bi >= 0) return cand[bi].alpha;
    const int b1 = update_bracket(c, p1, cand, p1next, it);
    const int b2 = update_bracket(c, p2, cand, p2next, it);
    if (!b1 && !b2) return pmid.alpha;
  }
  if (p1.cost <= p2.cost && p1.cost < p0.cost) return p1.alpha;
  if (p2.cost <= p1.cost && p2.cost < p0.cost) return p2.alpha;
  return T(0);
}

/// Newton or CG on the problem set up in c (island or whole world); returns the iterations.
/// Reads c.x (qacc, compressed) and writes it, c.fc (qfrc_constraint), efc_force and efc_state.
template <class T, class L> SINEW_INLINE int solve_primal(Ctx<T, L>& c, bool island) {
  const ModelView<T>& m = c.m;
  const WorldData<T, L>& d = c.d;
  const int n = c.n;
  mul_m(c, c.x, c.Ma);
  mul_j(c, c.x, c.Jaref);
  for (int r = 0; r < c.nefc; ++r) c.Jaref[r] -= d.efc_aref[c.row(r)];
  c.cone_hessian = c.newton && m.opt.cone == CONE_ELLIPTIC;
  update_constraint(c);
  if (c.newton) factorize_hessian(c);
  update_gradient(c);
  for (int k = 0; k < n; ++k) c.search[k] = -c.Mgrad[k];
  if (island) {
    T s = T(0);
    for (int k = 0; k < n; ++k) s += d.qM[m.dof_Madr[c.dof(k)]];
    c.scale = T(1) / s;
  } else {
    c.scale = T(1) / (m.stat_meaninertia[0] * T(n > 1 ? n : 1));
  }
  const Span<int, L> oldstate = d.sol_oldstate;
  int iter = 0;
  while (iter < m.opt.iterations) {
    const T alpha = line_search(c);
    if (alpha == T(0)) break;
    for (int k = 0; k < n; ++k) {
      c.x[k] += alpha * c.search[k];
      c.Ma[k] += alpha * c.Mv[k];
    }
    for (int r = 0; r < c.nefc; ++r) c.Jaref[r] += alpha * c.Jv[r];
    if (!c.newton)
      for (int k = 0; k < n; ++k) {
        c.gradold[k] = c.grad[k];
        c.Mgradold[k] = c.Mgrad[k];
      }
    for (int r = 0; r < c.nefc; ++r) oldstate[r] = d.efc_state[c.row(r)];
    const T oldcost = c.cost;
    update_constraint(c);
    if (c.newton) hessian_incremental(c, oldstate);
    update_gradient(c);
    T g = T(0);
    for (int k = 0; k < n; ++k) g += c.grad[k] * c.grad[k];
    const T improvement = c.scale * (oldcost - c.cost), gradient = c.scale * std::sqrt(g);
    ++iter;
    if (improvement < m.opt.tolerance || gradient < m.opt.tolerance) break;
    if (c.newton) {
      for (int k = 0; k < n; ++k) c.search[k] = -c.Mgrad[k];
    } else {
      T num = T(0), den = T(0);
      for (int k = 0; k < n; ++k) c.Mgraddif[k] = c.Mgrad[k] - c.Mgradold[k];
      for (int k = 0; k < n; ++k) num += c.grad[k] * c.Mgraddif[k];
      for (int k = 0; k < n; ++k) den += c.gradold[k] * c.Mgradold[k];
      T beta = num / (den > min_val<T>() ? den : min_val<T>());
      if (beta < T(0)) beta = T(0);
      for (int k = 0; k < n; ++k) c.search[k] = -c.Mgrad[k] + beta * c.search[k];
    }
  }
  return iter;
}

}  // namespace solver_detail
}  // namespace sinew
