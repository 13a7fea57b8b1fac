// Data: every per-world quantity, batched over `nworld` worlds, allocated once.
//
//   sinew::Data<double> data(model, /*nworld=*/1024);          // host, world-outer layout
//   sinew::reset(sinew::exec::omp, model.view(), data.view());
//   sinew::step(sinew::exec::omp, model.view(), data.view());
//
// Field names are MuJoCo's mjData names (qpos, xpos, qM, qfrc_bias ...). Each field has a fixed
// number of values per world (its `count` below, in terms of the ModelSizes `s`); the layout
// policy decides whether worlds are outermost or innermost. Nothing is allocated after
// construction: scratch space for the integrators lives here too.
#pragma once
#include <algorithm>
#include <cstring>
#include <cstdio>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#include "sinew/data/layout.hpp"
#include "sinew/exec/buffer.hpp"
#include "sinew/exec/policy.hpp"
#include "sinew/model/model.hpp"

#if defined(__CUDACC__)
#include <thrust/device_vector.h>
#include <thrust/copy.h>
#endif

namespace sinew {
/// Rows of one constraint written at once (pyramidal contact of condim 6: 10).
inline constexpr int kConstraintGroupRows = 10;
}  // namespace sinew

// X(name, count): real fields of one world. Count is an expression in ModelSizes `s`.
// clang-format off
#define SINEW_DATA_REAL_FIELDS(X)                                                       \
  /* state and inputs */                                                                \
  X(time, 1) X(qpos, s.nq) X(qvel, s.nv) X(act, s.na) X(ctrl, s.nu)                     \
  X(qacc_warmstart, s.nv) X(qfrc_applied, s.nv) X(xfrc_applied, 6 * s.nbody)            \
  /* outputs of forward */                                                              \
  X(qacc, s.nv) X(act_dot, s.na)                                                        \
  X(xpos, 3 * s.nbody) X(xquat, 4 * s.nbody) X(xmat, 9 * s.nbody)                       \
  X(xipos, 3 * s.nbody) X(ximat, 9 * s.nbody) X(xanchor, 3 * s.njnt) X(xaxis, 3 * s.njnt) \
  X(geom_xpos, 3 * s.ngeom) X(geom_xmat, 9 * s.ngeom)                                   \
  X(site_xpos, 3 * s.nsite) X(site_xmat, 9 * s.nsite)                                   \
  X(subtree_com, 3 * s.nbody) X(cinert, 10 * s.nbody) X(cdof, 6 * s.nv)                 \
  X(crb, 10 * s.nbody) X(qM, s.nM) X(qLD, s.nM) X(qLDiagInv, s.nv)                      \
  X(cvel, 6 * s.nbody) X(cdof_dot, 6 * s.nv)                                            \
  X(qfrc_bias, s.nv) X(qfrc_spring, s.nv) X(qfrc_damper, s.nv) X(qfrc_gravcomp, s.nv)     \
  X(qfrc_fluid, s.nv)                                                                   \
  /* after the solver, for sensors and users (dynamics/rne_post.hpp) */                  \
  X(cacc, 6 * s.nbody) X(cfrc_int, 6 * s.nbody) X(cfrc_ext, 6 * s.nbody)                \
  X(subtree_linvel, 3 * s.nbody) X(subtree_angmom, 3 * s.nbody)                         \
  X(qfrc_passive, s.nv)                                                                 \
  X(actuator_force, s.nu) X(qfrc_actuator, s.nv) X(qfrc_smooth, s.nv)                   \
  X(qacc_smooth, s.nv) X(qfrc_constraint, s.nv)                                         \
  X(ten_length, s.ntendon) X(ten_velocity, s.ntendon) X(ten_J, s.nJten)                 \
  X(actuator_length, s.nu) X(actuator_velocity, s.nu) X(actuator_moment, s.nJmom)       \
  X(sensordata, s.nsensordata)                                                          \
  /* contacts (mjContact fields, capacity s.nconmax; valid entries: the first ncon) */  \
  X(contact_dist, s.nconmax) X(contact_pos, 3 * s.nconmax) X(contact_frame, 9 * s.nconmax) \
  X(contact_includemargin, s.nconmax) X(contact_friction, 5 * s.nconmax)                \
  X(contact_solref, 2 * s.nconmax) X(contact_solreffriction, 2 * s.nconmax)             \
  X(contact_solimp, 5 * s.nconmax)                                                      \
  /* constraint rows (mjData efc_* fields, capacity s.njmax; valid rows: the first nefc) */ \
  X(efc_J, s.njmax * s.efc_width()) X(efc_pos, s.njmax) X(efc_margin, s.njmax)          \
  X(efc_frictionloss, s.njmax) X(efc_diagApprox, s.njmax) X(efc_R, s.njmax)             \
  X(efc_D, s.njmax) X(efc_KBIP, 4 * s.njmax) X(efc_vel, s.njmax) X(efc_aref, s.njmax)   \
  X(efc_b, s.njmax) X(efc_force, s.njmax) X(contact_mu, s.nconmax) X(contact_H, s.nconH)  \
  X(efc_AR, s.nAR) X(sol_W, s.nsolW)                                                    \
  /* scratch: constraint solver (constraint/solver.hpp) */                              \
  X(sol_Jaref, s.njmax) X(sol_Jv, s.njmax) X(sol_quad, 3 * s.njmax) X(sol_D, s.njmax)   \
  X(sol_vec, 18 * s.nv) X(sol_H, s.nsolH) X(sol_Hcone, s.nsolHcone)                     \
  /* scratch: RNE, implicit damping, Runge-Kutta */                                     \
  X(rne_cacc, 6 * s.nbody) X(rne_cfrc, 6 * s.nbody) X(qH, s.nqH) X(qHDiagInv, s.nqH ? s.nv : 0) \
  X(scratch_nv, 2 * s.nv) X(efc_Jstage, kConstraintGroupRows * s.nv)                    \
  X(qDeriv, s.nqDeriv) X(qLU, s.nLU) X(imp_tangent, s.nimpl)                            \
  X(rk_X, s.nrk * 4 * (s.nq + s.nv + s.na)) X(rk_F, s.nrk * 4 * (s.nv + s.na))          \
  X(rk_dX, s.nrk * (2 * s.nv + s.na))

// X(name, count): integer fields of one world.
// ncon: contacts found (<= nconmax); nconoverflow: contacts dropped for lack of capacity.
// nefc: constraint rows (<= njmax); nefcoverflow: rows dropped for lack of capacity.
// noverflow: forward passes (each RK4 stage counts) in which either overflowed, since the Data
// was made (resets leave it: the tally the tools report; MuJoCo counts the same events in
// d->warning[mjWARN_CONTACTFULL] and [mjWARN_CNSTRFULL]).
// efc_J, efc_J_rownnz, efc_J_colind: the constraint Jacobian in compressed rows of fixed width
// w = s.efc_width() (ModelSizes::nJrow, the most nonzeros a row of the model can have): row r's
// efc_J_rownnz[r] nonzero values at efc_J[r * w ..], their columns, ascending, at
// efc_J_colind[r * w ..]. efc_Jstage: kConstraintGroupRows dense rows (nv each) where
// make_constraint writes one constraint's rows before compressing them (zero between uses).
// ne, nf: equality and friction-loss rows among them (they come first, in that order).
// efc_state: mjtConstraintState per row after the solver. nisland: constraint islands (trees
// coupled by rows); island k owns dofs island_dofind[island_dofadr[k] .. island_dofadr[k+1]) and
// rows island_efcind[island_efcadr[k] .. island_efcadr[k+1]); dofs past island_dofadr[nisland]
// are unconstrained. solver_niter[k]: iterations of island k (of the whole problem in slot 0
// when islands are disabled or with PGS). nbadctrl: steps whose controls were bad (NaN or huge)
// and were replaced by zero, as MuJoCo does. eq_active: per-world equality switches (reset from
// the model's eq_active0). sol_Hmask: the structure of Newton's Hessian, bit masks per column
// (chol_factor_sparse).
#define SINEW_DATA_INT_FIELDS(X) X(status, 1) X(ncon, 1) X(nconoverflow, 1) \
  X(contact_dim, s.nconmax) X(contact_geom, 2 * s.nconmax)                 \
  X(nefc, 1) X(nefcoverflow, 1) X(noverflow, 1) X(efc_type, s.njmax) X(efc_id, s.njmax)    \
  X(efc_J_rownnz, s.njmax) X(efc_J_colind, s.njmax * s.efc_width())         \
  X(ne, 1) X(nf, 1) X(efc_state, s.njmax) X(eq_active, s.neq) X(nbadctrl, 1) \
  X(nisland, 1) X(island_dofadr, s.ntree + 1) X(island_efcadr, s.ntree + 1) \
  X(island_dofind, s.nv) X(island_efcind, s.njmax) X(solver_niter, s.ntree + 1) \
  /* scratch: constraint solver */                                          \
  X(sol_dof2idof, s.nv) X(sol_tree, s.ntree + 1) X(sol_oldstate, s.njmax) X(sol_nz, s.nv) \
  X(sol_Hfirst, s.nv) X(sol_Hcfirst, s.nv) X(sol_run, s.nv)  \
  X(sol_Hmask, s.nsolH ? s.nv * ((s.nv + 31) / 32) : 0)
// clang-format on

namespace sinew {

/// Offsets of every field in one flat buffer (one for reals, one for ints), in units of values
/// of all worlds: field f occupies [off_f * nworld, (off_f + n_f) * nworld).
struct DataLayoutInfo {
#define SINEW_X(name, count) int name##_n = 0; size_t name##_off = 0;
  SINEW_DATA_REAL_FIELDS(SINEW_X)
  SINEW_DATA_INT_FIELDS(SINEW_X)
#undef SINEW_X
  size_t nreal = 0, nint = 0;  ///< values per world

  DataLayoutInfo() = default;  ///< empty (a default-constructed Data)
  explicit DataLayoutInfo(const ModelSizes& s) {
#define SINEW_X(name, count) name##_n = int(count); name##_off = nreal; nreal += size_t(name##_n);
    SINEW_DATA_REAL_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count) name##_n = int(count); name##_off = nint; nint += size_t(name##_n);
    SINEW_DATA_INT_FIELDS(SINEW_X)
#undef SINEW_X
  }
};

/// One world's slice of every Data field: what per-world algorithms receive.
template <class T, class L> struct WorldData {
  int world;
#define SINEW_X(name, count) Span<T, L> name;
  SINEW_DATA_REAL_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count) Span<int, L> name;
  SINEW_DATA_INT_FIELDS(SINEW_X)
#undef SINEW_X
};

/// Non-owning, trivially copyable view of batched Data: what kernels receive.
template <class T, class L> struct DataView {
  int nworld = 0;
  T* real = nullptr;
  int* ints = nullptr;
  DataLayoutInfo info;

  /// Base pointer of a field for all worlds (values of field f: info.f_n * nworld).
  SINEW_INLINE T* field_base(size_t off) const { return real + off * size_t(nworld); }

  SINEW_INLINE WorldData<T, L> world(int w) const {
    WorldData<T, L> d;
    d.world = w;
#define SINEW_X(name, count) \
  d.name = layout::make_span<T, L>(real + info.name##_off * size_t(nworld), w, info.name##_n, nworld);
    SINEW_DATA_REAL_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count) \
  d.name = layout::make_span<int, L>(ints + info.name##_off * size_t(nworld), w, info.name##_n, nworld);
    SINEW_DATA_INT_FIELDS(SINEW_X)
#undef SINEW_X
    return d;
  }
};

/// Data::noverflow summed over the worlds: forward passes with drops, and worlds with any.
struct OverflowTally {
  long long passes = 0;
  int worlds = 0;
};
inline OverflowTally overflow_tally(const std::vector<int>& noverflow) {
  OverflowTally t;
  for (int n : noverflow) {
    t.passes += n;
    t.worlds += n > 0;
  }
  return t;
}

namespace detail {
/// The machine's physical memory in bytes (0 where it cannot be asked).
inline double physical_memory_bytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : 0.0;
#else
  return 0.0;
#endif
}

/// m's sizes with the integrator's work space following m.opt as it is now.
template <class U> inline ModelSizes integrator_sized(const Model<U>& m) {
  ModelSizes s = m.sizes();
  set_integrator_sizes(s, m.opt);
  return s;
}
}  // namespace detail

/// Owning batched Data in memory space `Space` (HostSpace or DeviceSpace).
template <class T, class L = WorldOuter, class Space = HostSpace> class Data {
 public:
  using scalar = T;
  using layout_type = L;
  using space = Space;

  Data() = default;
  /// Data for model m: its sizes, with the integrator's work space following m.opt as it is now
  /// (set_integrator_sizes), so setting opt.integrator directly before this is enough.
  template <class U> Data(const Model<U>& m, int nworld) : Data(detail::integrator_sized(m), nworld) {}
  Data(const ModelSizes& s, int nworld) : sizes_(s), info_(s), nworld_(nworld) {
    if (nworld <= 0) throw std::invalid_argument("Data: nworld must be positive");
    const double need = double(info_.nreal * sizeof(T) + info_.nint * sizeof(int)) * double(nworld);
    auto refuse = [&](const std::string& why) {
      char b[128];
      std::snprintf(b, sizeof b, "Data: %d worlds need %.3g GiB (%.3g MiB per world)", nworld, need / 1073741824.0,
                    need / nworld / 1048576.0);
      throw std::length_error(b + why);
    };
    if (need > 0.5 * double(std::numeric_limits<size_t>::max())) refuse(": more than this machine can address");
    if constexpr (std::is_same_v<Space, HostSpace>) {
      const double ram = detail::physical_memory_bytes();
      if (ram > 0 && need > ram) {
        char b[64];
        std::snprintf(b, sizeof b, "%.3g GiB", ram / 1073741824.0);
        refuse(std::string(": more than this machine's memory (") + b + ")");
      }
    }
    try {
      real_.resize(info_.nreal * size_t(nworld));
      ints_.resize(info_.nint * size_t(nworld));
    } catch (const std::bad_alloc&) {
      refuse(", which do not fit in memory");
    }
  }

  int nworld() const { return nworld_; }
  const ModelSizes& sizes() const { return sizes_; }
  const DataLayoutInfo& info() const { return info_; }
  size_t bytes() const { return real_.size() * sizeof(T) + ints_.size() * sizeof(int); }

  DataView<T, L> view() {
    DataView<T, L> v;
    v.nworld = nworld_;
    v.real = detail::Buffer<T, Space>::ptr(real_);
    v.ints = detail::Buffer<int, Space>::ptr(ints_);
    v.info = info_;
    return v;
  }

  /// Copies field `name` of world w to the host (n values), whatever the layout and space.
  std::vector<T> get(const std::string& name, int w) const;
  /// Copies n host values into field `name` of world w.
  void set(const std::string& name, int w, const std::vector<T>& values);
  /// Copies the status flag of every world to the host.
  std::vector<int> status() const { return ints_of(info_.status_off); }
  /// Per world, the forward passes whose contacts or constraint rows did not all fit (noverflow).
  std::vector<int> noverflow() const { return ints_of(info_.noverflow_off); }
  /// Copies field `name` of all worlds to the host, world-major (nworld x n), whatever the layout.
  std::vector<T> get_all(const std::string& name) const;
  /// Sets field `name` of all worlds from host values, world-major (nworld x n).
  void set_all(const std::string& name, const std::vector<T>& values);
  /// A view of the whole Data in host memory: the Data itself for HostSpace, else a copy made
  /// into the given buffers (read-only use).
  DataView<T, L> host_view(std::vector<T>& real_buf, std::vector<int>& int_buf) const {
    DataView<T, L> v;
    v.nworld = nworld_;
    v.info = info_;
    if constexpr (std::is_same_v<Space, HostSpace>) {
      (void)real_buf; (void)int_buf;
      v.real = const_cast<T*>(real_.data());
      v.ints = const_cast<int*>(ints_.data());
    } else {
      real_buf.resize(real_.size());
      int_buf.resize(ints_.size());
#if defined(__CUDACC__)
      thrust::copy(real_.begin(), real_.end(), real_buf.begin());
      thrust::copy(ints_.begin(), ints_.end(), int_buf.begin());
#endif
      v.real = real_buf.data();
      v.ints = int_buf.data();
    }
    return v;
  }
  /// Number of values per world of field `name`; throws for an unknown name.
  int field_size(const std::string& name) const {
#define SINEW_X(fname, count) if (name == #fname) return info_.fname##_n;
    SINEW_DATA_REAL_FIELDS(SINEW_X)
#undef SINEW_X
    throw std::invalid_argument("unknown Data field '" + name + "'");
  }

 private:
  std::vector<int> ints_of(size_t off) const;  ///< one-value int field at `off`, per world
  size_t offset(const std::string& name) const {
#define SINEW_X(fname, count) if (name == #fname) return info_.fname##_off;
    SINEW_DATA_REAL_FIELDS(SINEW_X)
#undef SINEW_X
    throw std::invalid_argument("unknown Data field '" + name + "'");
  }

  ModelSizes sizes_{};
  DataLayoutInfo info_{};
  int nworld_ = 0;
  typename detail::Buffer<T, Space>::type real_;
  typename detail::Buffer<int, Space>::type ints_;
};

template <class T, class L, class Space>
std::vector<T> Data<T, L, Space>::get_all(const std::string& name) const {
  const int n = field_size(name);
  const size_t base = offset(name) * size_t(nworld_), len = size_t(n) * size_t(nworld_);
  std::vector<T> block(len), out(len);
  if constexpr (std::is_same_v<Space, HostSpace>) {
    std::copy(real_.begin() + ptrdiff_t(base), real_.begin() + ptrdiff_t(base + len), block.begin());
  } else {
#if defined(__CUDACC__)
    thrust::copy(real_.begin() + ptrdiff_t(base), real_.begin() + ptrdiff_t(base + len), block.begin());
#endif
  }
  for (int w = 0; w < nworld_; ++w)
    for (int k = 0; k < n; ++k)
      out[size_t(w) * size_t(n) + size_t(k)] =
          block[size_t(layout::world_offset<L>(w, n, nworld_) + ptrdiff_t(k) * layout::element_stride<L>(nworld_))];
  return out;
}

template <class T, class L, class Space>
void Data<T, L, Space>::set_all(const std::string& name, const std::vector<T>& values) {
  const int n = field_size(name);
  const size_t base = offset(name) * size_t(nworld_), len = size_t(n) * size_t(nworld_);
  if (values.size() != len)
    throw std::invalid_argument("Data::set_all: field '" + name + "' takes " + std::to_string(len) + " values, got " +
                                std::to_string(values.size()));
  std::vector<T> block(len);
  for (int w = 0; w < nworld_; ++w)
    for (int k = 0; k < n; ++k)
      block[size_t(layout::world_offset<L>(w, n, nworld_) + ptrdiff_t(k) * layout::element_stride<L>(nworld_))] =
          values[size_t(w) * size_t(n) + size_t(k)];
  if constexpr (std::is_same_v<Space, HostSpace>) {
    std::copy(block.begin(), block.end(), real_.begin() + ptrdiff_t(base));
  } else {
#if defined(__CUDACC__)
    thrust::copy(block.begin(), block.end(), real_.begin() + ptrdiff_t(base));
#endif
  }
}

template <class T, class L, class Space>
std::vector<T> Data<T, L, Space>::get(const std::string& name, int w) const {
  const int n = field_size(name);
  const std::vector<T> all = get_all(name);
  return std::vector<T>(all.begin() + ptrdiff_t(w) * n, all.begin() + ptrdiff_t(w + 1) * n);
}

template <class T, class L, class Space>
void Data<T, L, Space>::set(const std::string& name, int w, const std::vector<T>& values) {
  const int n = field_size(name);
  if (values.size() != size_t(n))
    throw std::invalid_argument("Data::set: field '" + name + "' takes " + std::to_string(n) + " values, got " +
                                std::to_string(values.size()));
  std::vector<T> all = get_all(name);
  std::copy(values.begin(), values.end(), all.begin() + ptrdiff_t(w) * n);
  set_all(name, all);
}

template <class T, class L, class Space> std::vector<int> Data<T, L, Space>::ints_of(size_t off) const {
  std::vector<int> all(ints_.size()), out(static_cast<size_t>(nworld_));
  if constexpr (std::is_same_v<Space, HostSpace>) all = ints_;
#if defined(__CUDACC__)
  else thrust::copy(ints_.begin(), ints_.end(), all.begin());
#endif
  for (int w = 0; w < nworld_; ++w)
    out[size_t(w)] = all[size_t(ptrdiff_t(off) * nworld_ + layout::world_offset<L>(w, 1, nworld_))];
  return out;
}

}  // namespace sinew
