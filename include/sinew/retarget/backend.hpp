// Where retarget's parallel passes run (retarget_detail): HostSolver, one host world for the
// serial solves, and Backend<E>, the per-chunk solve (ChunkFn) and the evaluation pass (EvalFn)
// on a host policy (exec::serial, exec::omp) or, in nvcc builds, on exec::Cuda (the model and
// problem copied to the device once, one synchronization per pass).
#pragma once
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/data/data.hpp"
#include "sinew/exec/parallel_for.hpp"
#include "sinew/model/device_model.hpp"
#include "sinew/model/model.hpp"
#include "sinew/retarget/ik.hpp"

#if defined(__CUDACC__)
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#endif

namespace sinew::retarget_detail {

/// One world and its scratch on the host, for the serial solves (the frame-0 orientation
/// calibration and the chunk seeds). `p` must outlive it.
struct HostSolver {
  ProblemView P;
  std::vector<double> work;
  std::vector<int> iwork;
  Data<double> data;
  WorldData<double, WorldOuter> w;
  HostSolver(const HostSolver&) = delete;  // w points into data
  HostSolver(const Problem& p, const ModelSizes& sizes)
      : P(p.view()), work(work_reals(P)), iwork(work_ints(P)), data(sizes, 1), w(data.view().world(0)) {}
  /// Solves one frame from the world's current qpos; leaves the solution there.
  void solve(const double* target, const double* rtarget, int max_iter) {
    solve_frame(P, w, target, rtarget, max_iter, make_work(P, work.data(), iwork.data()));
  }
};

/// Runs the parallel passes on a host policy (serial or OpenMP): the problem's host arrays.
template <class E, class Space = typename E::space> struct Backend {
  E exec;
  ProblemView P;
  ModelSizes sizes;
  Backend(E e, const Model<double>& model, const Problem& hp) : exec(e), P(hp.view()), sizes(model.sizes()) {}

  /// Phase 2: every chunk's frames after its seed (qpos holds the seeds; filled in place).
  void solve_chunks(const std::vector<int>& chunk, const std::vector<double>& targets, const std::vector<double>& rot,
                    std::vector<double>& qpos) const {
    const int nchunk = int(chunk.size()) - 1;
    const size_t ws = work_reals(P), iws = work_ints(P);
    std::vector<double> work(ws * size_t(nchunk));
    std::vector<int> iwork(iws * size_t(nchunk));
    Data<double> dc(sizes, nchunk);
    parallel_for(exec, nchunk,
                 ChunkFn{P, dc.view(), targets.data(), rot.data(), qpos.data(), chunk.data(), work.data(), iwork.data(),
                         ws, iws});
  }

  /// Evaluation of every frame (EvalFn), `batch` worlds at a time; lift and ten may be null.
  void evaluate(int N, int batch, const std::vector<double>& targets, const std::vector<double>& rot,
                std::vector<double>& qpos, const double* lift, std::vector<double>& lowest, double* ten,
                std::vector<double>& sqerr) const {
    Data<double> de(sizes, batch);  // a world holds every mjData field (contacts, constraint rows): keep batches small
    for (int f0 = 0; f0 < N; f0 += batch)
      parallel_for(
          exec, std::min(batch, N - f0),
          EvalFn{P, de.view(), f0, targets.data(), rot.data(), qpos.data(), lift, lowest.data(), ten, sqerr.data()});
  }
};

#if defined(__CUDACC__)
/// Runs the parallel passes on the CUDA backend: the model and the problem's arrays are copied
/// to the device once; each pass copies its inputs over, runs the same functors, and copies the
/// results back (one synchronization per pass, none per frame).
template <class E> struct Backend<E, DeviceSpace> {
  template <class S>
  using dvec = thrust::device_vector<S>;  // = Buffer<S, DeviceSpace> (exec/buffer.hpp), spelt out so raw() deduces S
  template <class S> static S* raw(dvec<S>& v) { return thrust::raw_pointer_cast(v.data()); }
  template <class S> static const S* raw(const dvec<S>& v) { return thrust::raw_pointer_cast(v.data()); }

  E exec;
  ModelSizes sizes;
  DeviceModel<double> dm;
  dvec<Keypoint> kp;
  dvec<Coupling> cpl;
  dvec<int> vod, dov, lim, gg, gt, fj;
  ProblemView P;

  Backend(E e, const Model<double>& model, const Problem& hp)
      : exec(e),
        sizes(model.sizes()),
        dm(model),
        kp(hp.kp.begin(), hp.kp.end()),
        cpl(hp.cpl.begin(), hp.cpl.end()),
        vod(hp.var_of_dof.begin(), hp.var_of_dof.end()),
        dov(hp.dof_of_var.begin(), hp.dof_of_var.end()),
        lim(hp.lim_jnt.begin(), hp.lim_jnt.end()),
        gg(hp.ground_geom.begin(), hp.ground_geom.end()),
        gt(hp.geom_tree.begin(), hp.geom_tree.end()),
        fj(hp.free_jnt.begin(), hp.free_jnt.end()) {
    P = hp.view_with(dm.view(), raw(kp), raw(cpl), raw(vod), raw(dov), raw(lim), raw(gg), raw(gt), raw(fj));
  }

  void sync(const char* what) const {
    const cudaError_t err = cudaStreamSynchronize(exec.stream);
    const cudaError_t last = cudaGetLastError();
    if (err != cudaSuccess || last != cudaSuccess)
      throw std::runtime_error(std::string("retarget: CUDA error in ") + what + ": " +
                               cudaGetErrorString(err != cudaSuccess ? err : last));
  }

  void solve_chunks(const std::vector<int>& chunk, const std::vector<double>& targets, const std::vector<double>& rot,
                    std::vector<double>& qpos) const {
    const int nchunk = int(chunk.size()) - 1;
    const size_t ws = work_reals(P), iws = work_ints(P);
    dvec<double> work(ws * size_t(nchunk)), dt(targets.begin(), targets.end()), dr(rot.begin(), rot.end()),
        dq(qpos.begin(), qpos.end());
    dvec<int> iwork(iws * size_t(nchunk)), dc(chunk.begin(), chunk.end());
    Data<double, WorldOuter, DeviceSpace> d(sizes, nchunk);
    parallel_for(exec, nchunk,
                 ChunkFn{P, d.view(), raw(dt), raw(dr), raw(dq), raw(dc), raw(work), raw(iwork), ws, iws});
    sync("the per-chunk solve");
    thrust::copy(dq.begin(), dq.end(), qpos.begin());
  }

  void evaluate(int N, int batch, const std::vector<double>& targets, const std::vector<double>& rot,
                std::vector<double>& qpos, const double* lift, std::vector<double>& lowest, double* ten,
                std::vector<double>& sqerr) const {
    const size_t nfree = size_t(P.nfree), nten = size_t(sizes.ntendon);
    dvec<double> dt(targets.begin(), targets.end()), dr(rot.begin(), rot.end()), dq(qpos.begin(), qpos.end());
    dvec<double> dl(lift ? size_t(N) * nfree : 0), dlow(lowest.size()), dten(ten ? size_t(N) * nten : 0),
        dse(sqerr.size());
    if (lift) thrust::copy(lift, lift + size_t(N) * nfree, dl.begin());
    Data<double, WorldOuter, DeviceSpace> de(sizes, batch);
    for (int f0 = 0; f0 < N; f0 += batch)
      parallel_for(exec, std::min(batch, N - f0),
                   EvalFn{P, de.view(), f0, raw(dt), raw(dr), raw(dq), lift ? raw(dl) : nullptr, raw(dlow),
                          ten ? raw(dten) : nullptr, raw(dse)});
    sync("the evaluation pass");
    if (lift) thrust::copy(dq.begin(), dq.end(), qpos.begin());
    thrust::copy(dlow.begin(), dlow.end(), lowest.begin());
    thrust::copy(dse.begin(), dse.end(), sqerr.begin());
    if (ten) thrust::copy(dten.begin(), dten.end(), ten);
  }
};
#endif

}  // namespace sinew::retarget_detail
