// Dense matrix products for the learner, through well-kept libraries: Eigen on the host
// (multi-threaded with OpenMP for exec::omp), cuBLAS on exec::Cuda. Row-major throughout.
//
//   sinew::rl::gemm(exec, false, true, M, N, K, 1.0f, A, B, 0.0f, C);   // C (M x N) = A (M x K) * B^T (B: N x K)
#pragma once
#include <stdexcept>
#include <string>

#include <Eigen/Core>

#include "sinew/exec/policy.hpp"

#if defined(__CUDACC__)
#include <cublas_v2.h>
#endif

namespace sinew::rl {

namespace detail {
/// C = alpha op(A) op(B) + beta C on the host with Eigen; `threads` as Eigen::setNbThreads (0: OpenMP's default).
template <class T>
void gemm_eigen(int threads, bool ta, bool tb, int M, int N, int K, T alpha, const T* A, const T* B, T beta, T* C) {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using CMap = Eigen::Map<const Mat>;
  Eigen::Map<Mat> c(C, M, N);
  const CMap a(A, ta ? K : M, ta ? M : K), b(B, tb ? N : K, tb ? K : N);
  const int saved = Eigen::nbThreads();
  Eigen::setNbThreads(threads);
  auto run = [&](const auto& x, const auto& y) {
    if (beta == T(0)) c.noalias() = alpha * (x * y);
    else {
      if (beta != T(1)) c *= beta;
      c.noalias() += alpha * (x * y);
    }
  };
  if (!ta && !tb) run(a, b);
  else if (ta && !tb) run(a.transpose(), b);
  else if (!ta && tb) run(a, b.transpose());
  else run(a.transpose(), b.transpose());
  Eigen::setNbThreads(saved);
}
}  // namespace detail

/// C (M x N) = alpha op(A) op(B) + beta C, row-major; op(X) = X^T where the flag is set.
/// A is M x K (K x M when transposed), B is K x N (N x K when transposed).
template <class T>
inline void gemm(exec::Serial, bool ta, bool tb, int M, int N, int K, T alpha, const T* A, const T* B, T beta, T* C) {
  detail::gemm_eigen(1, ta, tb, M, N, K, alpha, A, B, beta, C);
}
template <class T>
inline void gemm(exec::OpenMP p, bool ta, bool tb, int M, int N, int K, T alpha, const T* A, const T* B, T beta, T* C) {
  detail::gemm_eigen(p.threads, ta, tb, M, N, K, alpha, A, B, beta, C);
}

#if defined(__CUDACC__)
/// Checks a cuBLAS status, naming the call.
inline void cublas_check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cuBLAS: ") + what + " failed with status " + std::to_string(int(s)));
}
/// One cuBLAS handle per host thread (created on first use).
inline cublasHandle_t cublas_handle() {
  thread_local struct H {
    cublasHandle_t h = nullptr;
    H() { cublas_check(cublasCreate(&h), "cublasCreate"); }
    ~H() {
      if (h) cublasDestroy(h);
    }
  } handle;
  return handle.h;
}
/// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
template <class T>
inline void gemm(exec::Cuda p, bool ta, bool tb, int M, int N, int K, T alpha, const T* A, const T* B, T beta, T* C) {
  cublasHandle_t h = cublas_handle();
  cublas_check(cublasSetStream(h, p.stream), "cublasSetStream");
  const cublasOperation_t oa = tb ? CUBLAS_OP_T : CUBLAS_OP_N, ob = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int lda = tb ? K : N, ldb = ta ? M : K;
  if constexpr (std::is_same_v<T, float>)
    cublas_check(cublasSgemm(h, oa, ob, N, M, K, &alpha, B, lda, A, ldb, &beta, C, N), "cublasSgemm");
  else cublas_check(cublasDgemm(h, oa, ob, N, M, K, &alpha, B, lda, A, ldb, &beta, C, N), "cublasDgemm");
}
#endif

}  // namespace sinew::rl
