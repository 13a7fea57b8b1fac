// The engine side of sinew-rollout: runs W worlds for N steps on one backend and precision and
// records requested fields. Shared by the host build (serial, omp) and the CUDA translation unit.
//
// Row t of every recorded field holds the state at step t and what forward computes at that
// state: the loop is forward -> record -> integrate, which is exactly mj_step's work per step.
#pragma once
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/sinew.hpp"

namespace sinew::rollout {

/// Inputs of one rollout, already validated and broadcast, world-major.
struct Request {
  int nworld = 1, nstep = 0;
  std::vector<std::string> fields;
  std::vector<double> qpos0, qvel0, act0;  ///< nworld x nq / nv / na (empty: from the reset)
  std::vector<double> ctrl;                ///< nworld x nstep x nu (empty: zero)
  /// Alternative to ctrl: fills nworld x nu controls for each step in turn (e.g. random ones)
  std::function<void(std::vector<double>&, size_t rows)> ctrl_source;
  int key = -1;  ///< keyframe to reset to, or -1 for qpos0
};

/// Writes the dense rows x nv matrix of a sparse field with the given row structure.
template <class T, class S>
void densify(const S& values, const int* rowadr, const int* rownnz, const int* colind, int rows, int nv, double* out) {
  for (int k = 0; k < rows * nv; ++k) out[k] = 0.0;
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k < rownnz[r]; ++k) out[r * nv + colind[rowadr[r] + k]] = double(values[rowadr[r] + k]);
}

/// Recorded output: per field, nworld x (nstep+1) x dim values in double.
struct Result {
  std::map<std::string, std::vector<double>> values;
  std::map<std::string, int> dims;
  std::vector<int> status;     ///< per world, after the last step
  std::vector<int> noverflow;  ///< per world, forward passes whose contacts or rows did not all fit
  double seconds = 0;          ///< time spent in forward+integrate, recording excluded
};

/// Values per world of a recordable field, or -1 when unknown.
inline int field_dim(const ModelSizes& s, const std::string& f) {
  if (f == "qM") return s.nv * s.nv;
  if (f == "ten_J") return s.ntendon * s.nv;
  if (f == "actuator_moment") return s.nu * s.nv;
  if (f == "efc_J") return s.njmax * s.nv;
  DataLayoutInfo info(s);
#define SINEW_X(name, count) \
  if (f == #name) return info.name##_n;
  SINEW_DATA_REAL_FIELDS(SINEW_X)
  SINEW_DATA_INT_FIELDS(SINEW_X)
#undef SINEW_X
  return -1;
}

/// Names of every recordable field.
inline std::vector<std::string> field_names() {
  // qM, ten_J, actuator_moment come out dense; contact_* are NaN past ncon
  // efc_* are NaN past nefc (efc_J: njmax x nv, dense; efc_J_colind: the compressed rows'
  // columns, ModelSizes::efc_width() per row); integer fields come out as reals
  std::vector<std::string> r;
#define SINEW_X(name, count) r.push_back(#name);
  SINEW_DATA_INT_FIELDS(SINEW_X)
  SINEW_DATA_REAL_FIELDS(SINEW_X)
#undef SINEW_X
  return r;
}

template <class T> std::vector<T> to(const std::vector<double>& v) { return std::vector<T>(v.begin(), v.end()); }

/// Runs the rollout with policy E on a Data of scalar T and layout L in E's memory space.
/// `mv` must point to memory the policy can read (host view or DeviceModel view); `mhost` is the
/// same model on the host (for dense qM extraction).
template <class E, class T, class L>
Result run(E exec, const ModelView<T>& mv, const Model<T>& mhost, const Request& rq) {
  using Space = typename E::space;
  const ModelSizes& s = mhost;
  Data<T, L, Space> data(s, rq.nworld);
  DataView<T, L> dv = data.view();
  reset(exec, mv, dv, rq.key);
  if (!rq.qpos0.empty()) data.set_all("qpos", to<T>(rq.qpos0));
  if (!rq.qvel0.empty()) data.set_all("qvel", to<T>(rq.qvel0));
  if (!rq.act0.empty()) data.set_all("act", to<T>(rq.act0));

  Result res;
  for (const auto& f : rq.fields) {
    res.dims[f] = field_dim(s, f);
    res.values[f].assign(size_t(rq.nworld) * size_t(rq.nstep + 1) * size_t(res.dims[f]), 0.0);
  }
  const ModelView<T> mh = mhost.view();
  std::vector<T> rbuf;
  std::vector<int> ibuf;
  std::vector<T> ctrl_t(size_t(rq.nworld) * size_t(s.nu));
  std::vector<double> drawn;
  double seconds = 0;

  for (int t = 0; t <= rq.nstep; ++t) {
    if (!rq.ctrl.empty() && s.nu > 0) {
      // controls are given for max(nstep, 1) steps; the last row repeats for the final record
      const int nrow = rq.nstep > 0 ? rq.nstep : 1, row = t < nrow ? t : nrow - 1;
      for (int w = 0; w < rq.nworld; ++w)
        for (int u = 0; u < s.nu; ++u)
          ctrl_t[size_t(w) * s.nu + u] = T(rq.ctrl[(size_t(w) * size_t(nrow) + size_t(row)) * s.nu + u]);
      data.set_all("ctrl", ctrl_t);
    } else if (rq.ctrl_source && s.nu > 0 && (t < rq.nstep || t == 0)) {
      // drawn step by step; the final record (t == nstep) keeps the last step's controls
      rq.ctrl_source(drawn, size_t(rq.nworld));
      for (size_t k = 0; k < ctrl_t.size(); ++k) ctrl_t[k] = T(drawn[k]);
      data.set_all("ctrl", ctrl_t);
    }
    auto t0 = std::chrono::steady_clock::now();
    forward(exec, mv, dv);
    if constexpr (!std::is_same_v<Space, HostSpace>) {
#if defined(__CUDACC__)
      cudaDeviceSynchronize();
#endif
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    if (!rq.fields.empty()) {
      const DataView<T, L> hv = data.host_view(rbuf, ibuf);
      for (int w = 0; w < rq.nworld; ++w) {
        const WorldData<T, L> wd = hv.world(w);
        for (const auto& f : rq.fields) {
          const int dim = res.dims[f];
          double* out = res.values[f].data() + (size_t(w) * size_t(rq.nstep + 1) + size_t(t)) * size_t(dim);
          if (f == "qM") {
            for (int r = 0; r < s.nv; ++r)
              for (int c = 0; c < s.nv; ++c) out[r * s.nv + c] = double(mass_entry(mh, wd.qM, r, c));
          } else if (f == "ten_J") {
            densify<T>(wd.ten_J, mh.ten_J_rowadr, mh.ten_J_rownnz, mh.ten_J_colind, s.ntendon, s.nv, out);
          } else if (f == "actuator_moment") {
            densify<T>(wd.actuator_moment, mh.moment_rowadr, mh.moment_rownnz, mh.moment_colind, s.nu, s.nv, out);
          } else if (f == "efc_J") {  // compressed rows of width efc_width(), written dense
            const int wdt = s.efc_width();
            for (int k = 0; k < dim; ++k) out[k] = 0.0;
            for (int r = 0; r < wd.nefc[0]; ++r)
              for (int x = 0; x < wd.efc_J_rownnz[r]; ++x)
                out[size_t(r) * size_t(s.nv) + size_t(wd.efc_J_colind[r * wdt + x])] = double(wd.efc_J[r * wdt + x]);
          } else {
            const DataLayoutInfo& info = hv.info;
            size_t off = 0;
            bool is_int = false;
#define SINEW_X(name, count) \
  if (f == #name) off = info.name##_off;
            SINEW_DATA_REAL_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count) \
  if (f == #name) {          \
    off = info.name##_off;   \
    is_int = true;           \
  }
            SINEW_DATA_INT_FIELDS(SINEW_X)
#undef SINEW_X
            if (is_int) {
              const Span<int, L> sp = layout::make_span<int, L>(hv.ints + off * size_t(rq.nworld), w, dim, rq.nworld);
              for (int k = 0; k < dim; ++k) out[k] = double(sp[k]);
            } else {
              const Span<T, L> sp = layout::make_span<T, L>(hv.real + off * size_t(rq.nworld), w, dim, rq.nworld);
              for (int k = 0; k < dim; ++k) out[k] = double(sp[k]);
            }
          }
          if (f.rfind("contact_", 0) == 0 && s.nconmax > 0) {  // pad past ncon with NaN
            const int per = dim / s.nconmax;
            for (int k = wd.ncon[0] * per; k < dim; ++k) out[k] = std::nan("");
          }
          if (f.rfind("efc_", 0) == 0 && f != "efc_Jstage" && s.njmax > 0) {  // pad past nefc with NaN
            const int per = dim / s.njmax;
            for (int k = wd.nefc[0] * per; k < dim; ++k) out[k] = std::nan("");
          }
        }
      }
    }
    if (t < rq.nstep) {
      t0 = std::chrono::steady_clock::now();
      integrate(exec, mv, dv);
      if constexpr (!std::is_same_v<Space, HostSpace>) {
#if defined(__CUDACC__)
        cudaDeviceSynchronize();
#endif
      }
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  }
  res.status = data.status();
  res.noverflow = data.noverflow();
  res.seconds = seconds;
  return res;
}

}  // namespace sinew::rollout
