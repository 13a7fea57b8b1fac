// Dense Cholesky on an n x n lower triangle (MuJoCo's mju_cholFactor / Solve / Update), row-major
// or, for chol_factor_sparse and chol_update, packed by rows (PackedRows: Newton's Hessian and
// its elliptic-cone factor); retargeting's IK solves its normal equations with chol_factor_spd.
// Two behaviours at a pivot that is not positive: chol_factor clamps it to `mindiag` and counts
// the rank down (MuJoCo's), chol_factor_spd stops and reports failure.
//
//   if (sinew::cholesky::chol_factor_spd<double>(A, n) == n) sinew::cholesky::chol_solve<double>(A, n, x, b);
#pragma once
#include <cmath>
#include <type_traits>

#include "sinew/config.hpp"
#include "sinew/math/nonzero.hpp"

namespace sinew::cholesky {

/// The factorization; at a pivot below `mindiag` it clamps (Stop false: MuJoCo's behaviour, the
/// rank counts down) or gives up (Stop true: returns -1; also at NaN).
template <bool Stop, class T, class S> SINEW_INLINE int chol_factor_impl(S A, int n, T mindiag) {
  int rank = n;
  // dot products first, then the subtraction: the rounding of MuJoCo's mju_cholFactor, which
  // matters for the nearly singular local Hessians of elliptic cones
  for (int j = 0; j < n; ++j) {
    T dd = T(0);
    for (int k = 0; k < j; ++k) dd += A[j * n + k] * A[j * n + k];
    T t = A[j * n + j] - dd;
    if constexpr (Stop) {
      if (!(t > mindiag)) return -1;
    } else if (t < mindiag) {
      t = mindiag;
      --rank;
    }
    const T ljj = std::sqrt(t);
    A[j * n + j] = ljj;
    const T inv = T(1) / ljj;
    for (int i = j + 1; i < n; ++i) {
      T s = T(0);
      for (int k = 0; k < j; ++k) s += A[i * n + k] * A[j * n + k];
      A[i * n + j] = (A[i * n + j] - s) * inv;
    }
  }
  return rank;
}

/// mju_cholFactor: L in the lower triangle of A; pivots below mindiag are clamped; returns the rank.
template <class T, class S> SINEW_INLINE int chol_factor(S A, int n, T mindiag) {
  return chol_factor_impl<false>(A, n, mindiag);
}

/// A[dst + t] -= s * v[src + t] for t < len: the row update of the factorizations (here and
/// factor_m's L'DL); A and v may be one array when the two ranges do not overlap.
template <class S, class SV, class T>
requires(!std::is_pointer_v<S>)  // pointers take the overload below (an exact match here otherwise)
    SINEW_INLINE void sub_scaled(S A, int dst, const SV& v, int src, T s, int len) {
  for (int t = 0; t < len; ++t) A[dst + t] -= s * v[src + t];
}
/// Contiguous storage: plain pointers, declared non-aliasing (disjoint ranges), so the loop vectorizes.
template <class T> SINEW_INLINE void sub_scaled(T* A, int dst, const T* v, int src, T s, int len) {
  T* __restrict__ a = A + dst;
  const T* __restrict__ b = v + src;
  for (int t = 0; t < len; ++t) a[t] -= s * b[t];
}
/// A contiguous span's pointer (a Span of the world-outer layout: a member p, no stride), so
/// sub_scaled takes its vectorizing overload; any other storage as it is.
template <class S> SINEW_INLINE auto contiguous(const S& s) {
  if constexpr (
      requires { s.p; } && !requires { s.stride; })
    return s.p;
  else return s;
}

/// Where row i of a lower triangle starts: row-major n x n storage (the upper triangle unused)...
struct DenseRows {
  int n;
  SINEW_HD int operator()(int i) const { return i * n; }
};
/// ... or the packed lower triangle, row after row (row i holds columns 0..i): half the storage.
struct PackedRows {
  SINEW_HD int operator()(int i) const { return i * (i + 1) / 2; }
};

/// Words of 32 bits per column of a structure mask (chol_factor_sparse) for an n x n matrix.
SINEW_INLINE int chol_mask_words(int n) { return (n + 31) / 32; }

/// Marks row i of column j in a structure mask (chol_factor_sparse).
template <class SM> SINEW_INLINE void chol_mask_set(SM mask, int n, int i, int j) {
  mask[j * chol_mask_words(n) + (i >> 5)] |= int(1u << (i & 31));
}

/// The same factorization, right-looking: each column's elimination visits only its nonzero
/// entries, so a matrix with tree-like sparsity costs far less than n^3. Scratch: `nz` and `run`
/// (n ints), `v` (n values). `mask` (n x chol_mask_words(n) ints, destroyed) holds the structure
/// of A's lower triangle as the caller set it (chol_mask_set): bit i of column j where A(i, j)
/// may be nonzero; a clique (all pairs of a set of rows, as J'J of one constraint row) needs only
/// its first column marked with all its rows. Each column's structure is merged into its parent's
/// (its first row below the diagonal: the elimination tree) when it is eliminated, which gives the
/// structure of L without scanning the stored column for it; an entry that is exactly zero inside
/// it costs a multiply-subtract by zero, which changes nothing. Column j's nonzero rows are listed
/// in nz and their values copied to v; the update of row nz[a] then runs over the stretches of
/// consecutive rows in nz (run[b]: the length of the stretch that starts at b), a contiguous
/// multiply-subtract each (a dof chain's ancestors are mostly consecutive), with the same
/// operations in the same order as entry by entry.
/// `rows` places the rows (DenseRows, PackedRows; the overload without it: dense).
template <class T, class S, class SI, class SV, class SM, class R>
SINEW_INLINE int chol_factor_sparse(S A, int n, T mindiag, SI nz, SI run, SV v, SM mask, R rows) {
  int rank = n;
  auto Ar = contiguous(A);
  auto vr = contiguous(v);
  const int W = chol_mask_words(n);
  for (int j = 0; j < n; ++j) {
    const int rj = rows(j);
    T t = A[rj + j];
    if (t < mindiag) {
      t = mindiag;
      --rank;
    }
    const T ljj = std::sqrt(t);
    A[rj + j] = ljj;
    const T inv = T(1) / ljj;
    int cnt = 0, start = 0;
    for (int wd = (j + 1) >> 5; wd < W; ++wd) {
      uint32_t bits = uint32_t(mask[j * W + wd]);
      if (wd == (j + 1) >> 5) bits &= ~0u << ((j + 1) & 31);  // rows below the diagonal
      while (bits) {
        const int i = wd * 32 + nonzero_detail::lowest_bit(bits);
        bits &= bits - 1;
        const T lij = A[rows(i) + j] * inv;
        A[rows(i) + j] = lij;
        v[cnt] = lij;
        if (cnt > 0 && nz[cnt - 1] == i - 1) {
          ++run[start];  // the stretch goes on
        } else {
          start = cnt;
          run[start] = 1;
        }
        nz[cnt++] = i;
      }
    }
    if (cnt > 0) {  // the parent inherits the column's structure (its bits at or above it are ignored)
      const int p = nz[0];
      for (int wd = p >> 5; wd < W; ++wd) mask[p * W + wd] |= mask[j * W + wd];
    }
    for (int a = 0; a < cnt; ++a) {
      const int ri = rows(nz[a]);
      const T lij = v[a];
      for (int b = 0; b <= a; b += run[b]) {  // entries b <= a of each stretch
        const int len = run[b] < a + 1 - b ? run[b] : a + 1 - b;
        sub_scaled(Ar, ri + nz[b], vr, b, lij, len);
      }
    }
  }
  return rank;
}
template <class T, class S, class SI, class SV, class SM>
SINEW_INLINE int chol_factor_sparse(S A, int n, T mindiag, SI nz, SI run, SV v, SM mask) {
  return chol_factor_sparse<T>(A, n, mindiag, nz, run, v, mask, DenseRows{n});
}

/// x <- (L L')^-1 b (x and b may alias).
template <class T, class S, class SX, class SB> SINEW_INLINE void chol_solve(S Lm, int n, SX x, SB b) {
  for (int i = 0; i < n; ++i) {
    T s = b[i];
    for (int k = 0; k < i; ++k) s -= Lm[i * n + k] * x[k];
    x[i] = s / Lm[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    T s = x[i];
    for (int k = i + 1; k < n; ++k) s -= Lm[k * n + i] * x[k];
    x[i] = s / Lm[i * n + i];
  }
}

/// L L' <- L L' + x x' (plus) or - x x' (minus); x is destroyed. Returns the rank (< n when a
/// downdate lost positive definiteness; the caller refactors). `first[i]`: the first nonzero
/// column of row i of L (its envelope), kept up to date: rows whose column k is zero and whose
/// x entry is zero are left alone (nothing would change there). `rows` places the rows
/// (DenseRows, PackedRows).
template <class T, class S, class SX, class SF, class R>
SINEW_INLINE int chol_update(S Lm, SX x, int n, bool plus, SF first, R rows) {
  int rank = n;
  for (int k = 0; k < n; ++k) {
    if (x[k] == T(0)) continue;
    const T Lkk = Lm[rows(k) + k];
    T t = Lkk * Lkk + (plus ? x[k] * x[k] : -x[k] * x[k]);
    if (t < min_val<T>()) {
      t = min_val<T>();
      --rank;
    }
    const T r = std::sqrt(t), c = r / Lkk, cinv = T(1) / c, s = x[k] / Lkk;
    Lm[rows(k) + k] = r;
    for (int i = k + 1; i < n; ++i) {
      const int ri = rows(i);
      if (first[i] > k) {
        if (x[i] == T(0)) continue;
        first[i] = k;
      }
      Lm[ri + k] = plus ? (Lm[ri + k] + s * x[i]) * cinv : (Lm[ri + k] - s * x[i]) * cinv;
      x[i] = c * x[i] - s * Lm[ri + k];
    }
  }
  return rank;
}
template <class T, class S, class SX, class SF> SINEW_INLINE int chol_update(S Lm, SX x, int n, bool plus, SF first) {
  return chol_update<T>(Lm, x, n, plus, first, DenseRows{n});
}

/// chol_factor that stops at the first pivot that is not positive (or NaN): returns n when A was
/// symmetric positive definite (A holds L), else -1 (A partly overwritten).
template <class T, class S> SINEW_INLINE int chol_factor_spd(S A, int n) { return chol_factor_impl<true>(A, n, T(0)); }

}  // namespace sinew::cholesky
