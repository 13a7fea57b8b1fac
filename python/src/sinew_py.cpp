// The `sinew._sinew` extension (nanobind): the same headers as the C++ programs, no second copy
// of any engine code. python/sinew/__init__.py wraps it into the public API (docs/python.md).
//
//   Model  : the compiled model (Model<double>); sizes, names, read-only numpy views of every
//            array by its mjModel name, settable physics options.
//   Batch64, Batch32 : Data<T, WorldOuter, HostSpace> for nworld worlds and the model cast to T;
//            every Data field as a numpy array of shape (nworld, n) that shares the engine's
//            memory; step / forward / reset on exec::OpenMP with the GIL released.
//   ImitationEnv : the C++ imitation environment (float, OpenMP) configured as sinew-train
//            configures it (a preset and hyper-parameters by name); python/sinew/env.py makes it
//            a Gymnasium vector environment.
//   reference, resample, retarget : the motion pipeline of sinew-train and sinew-retarget
//            (trajectories cross as dicts of numpy arrays, LocoMuJoCo's keys).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sinew/compiler/compiler.hpp"
#include "sinew/retarget/retarget.hpp"
#include "sinew/rl/setup.hpp"
#include "sinew/rl/trainer.hpp"
#include "sinew/sinew.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using sinew::Model;

/// A compiled model and the warnings its loading gave.
struct PyModel {
  Model<double> m;
  std::vector<std::string> warnings;
};

PyModel from_path(const std::string& path) {
  PyModel p;
  std::vector<sinew::Diagnostic> w;
  p.m = sinew::load_mjcf(path, &w);
  for (const auto& d : w) p.warnings.push_back(d.str());
  return p;
}
PyModel from_string(const std::string& xml, const std::string& base_dir) {
  PyModel p;
  std::vector<sinew::Diagnostic> w;
  p.m = sinew::load_mjcf_string(xml, base_dir, &w);
  for (const auto& d : w) p.warnings.push_back(d.str());
  return p;
}

/// Read-only numpy view of a model array (count x dim values; (count,) when the field is one
/// value per object) owned by the Python model `owner`.
template <class S> nb::object model_array(nb::handle owner, const std::vector<S>& v, int count, bool one) {
  const size_t c = size_t(count > 0 ? count : 0), d = c ? v.size() / c : 0;
  if (one) {
    const size_t shape[1] = {c};
    return nb::cast(nb::ndarray<nb::numpy, const S>(v.data(), 1, shape, owner));
  }
  const size_t shape[2] = {c, d};
  return nb::cast(nb::ndarray<nb::numpy, const S>(v.data(), 2, shape, owner));
}

/// nworld worlds of Data in scalar T on the host, world-outer: field f of world w is the row
/// w of an (nworld, n) C-contiguous block, so numpy views share the engine's memory.
template <class T> class Batch {
 public:
  Batch(const PyModel& pm, int nworld, std::optional<int> threads)
      : model_(pm.m.template cast<T>()), source_(&pm), exec_{threads.value_or(0)} {
    if (nworld <= 0)
      throw nb::value_error(("Batch: nworld must be a positive integer, got " + std::to_string(nworld)).c_str());
    if (threads && *threads < 0) throw nb::value_error("Batch: threads must be None or >= 0");
    sinew::compile_capacities(model_);  // opt.disableflags may have been set since the model was loaded
    // The integrators' scratch for Euler (with or without eulerdamp), RK4 and implicitfast, whatever
    // opt says now: opt.integrator and the flags stay writable on a Batch's model (docs/python.md);
    // implicit's nv x nv work space only when the model is implicit when the Batch is made.
    sinew::ModelSizes s = model_.sizes();
    sinew::set_integrator_sizes(s, model_.opt);
    s.nqDeriv = s.nqH = s.nM;
    s.nrk = 1;
    data_ = sinew::Data<T, sinew::WorldOuter, sinew::HostSpace>(s, nworld);
    sinew::reset(exec_, model_.view(), data_.view());
    sinew::forward(exec_, model_.view(), data_.view());
  }
  int nworld() const { return data_.nworld(); }
  size_t nbytes() const { return data_.bytes(); }

  void step(int nstep) {
    if (nstep < 0) throw nb::value_error("Batch.step: nstep must be >= 0");
    sync_options();
    const auto mv = model_.view();
    const auto dv = data_.view();
    nb::gil_scoped_release release;
    sinew::step(exec_, mv, dv, nstep);  // one launch: each thread carries its worlds through all steps
  }
  void forward() {
    sync_options();
    const auto mv = model_.view();
    const auto dv = data_.view();
    nb::gil_scoped_release release;
    sinew::forward(exec_, mv, dv);
  }
  void reset(std::optional<nb::ndarray<const bool, nb::ndim<1>, nb::c_contig, nb::device::cpu>> mask, int key) {
    if (key >= model_.nkey)
      throw nb::index_error(("Batch.reset: keyframe " + std::to_string(key) + " out of range (the model has " +
                             std::to_string(model_.nkey) + ")")
                                .c_str());
    std::vector<unsigned char> m;
    if (mask) {
      if (mask->shape(0) != size_t(nworld()))
        throw nb::value_error(("Batch.reset: mask has " + std::to_string(mask->shape(0)) + " entries, nworld is " +
                               std::to_string(nworld()))
                                  .c_str());
      m.assign(mask->data(), mask->data() + nworld());
    }
    sync_options();
    sinew::reset(exec_, model_.view(), data_.view(), key, mask ? m.data() : nullptr);
  }

  /// Field `name` as an (nworld, n) view ((nworld,) for one value per world), or None if unknown.
  nb::object field(nb::handle self, const std::string& name) {
    const sinew::DataLayoutInfo& info = data_.info();
    auto view = [&](auto* base, int n) -> nb::object {
      using S = std::remove_pointer_t<decltype(base)>;
      const size_t W = size_t(nworld());
      if (n == 1) {
        const size_t shape[1] = {W};
        return nb::cast(nb::ndarray<nb::numpy, S>(base, 1, shape, self));
      }
      const size_t shape[2] = {W, size_t(n)};
      return nb::cast(nb::ndarray<nb::numpy, S>(base, 2, shape, self));
    };
    auto dv = data_.view();
#define SINEW_X(fname, count) \
  if (name == #fname) return view(dv.real + info.fname##_off * size_t(nworld()), info.fname##_n);
    SINEW_DATA_REAL_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(fname, count) \
  if (name == #fname) return view(dv.ints + info.fname##_off * size_t(nworld()), info.fname##_n);
    SINEW_DATA_INT_FIELDS(SINEW_X)
#undef SINEW_X
    return nb::none();
  }
  static std::vector<std::string> field_names() {
    std::vector<std::string> v;
#define SINEW_X(fname, count) v.push_back(#fname);
    SINEW_DATA_REAL_FIELDS(SINEW_X)
    SINEW_DATA_INT_FIELDS(SINEW_X)
#undef SINEW_X
    return v;
  }

 private:
  /// Options set on the Python model since the last call take effect (as in MuJoCo, where the
  /// next mj_step reads mjModel.opt).
  void sync_options() {
    model_.opt = source_->m.opt.template cast<T>();
    if (model_.nconmax == 0 && model_.nconmax_pairs > 0 && !model_.opt.disabled(sinew::DSBL_CONTACT) &&
        !model_.opt.disabled(sinew::DSBL_CONSTRAINT))
      throw nb::value_error(
          "Batch: contacts were disabled when this Batch was made, so its worlds have no contact "
          "capacity; make a new Batch after enabling them");
  }

  Model<T> model_;
  const PyModel* source_;  ///< kept alive by the Python Batch (keep_alive)
  sinew::exec::OpenMP exec_;
  sinew::Data<T, sinew::WorldOuter, sinew::HostSpace> data_;
};

template <class T> void bind_batch(nb::module_& m, const char* name) {
  nb::class_<Batch<T>>(m, name)
      .def(nb::init<const PyModel&, int, std::optional<int>>(), "model"_a, "nworld"_a, "threads"_a = nb::none(),
           nb::keep_alive<1, 2>())
      .def_prop_ro("nworld", &Batch<T>::nworld)
      .def_prop_ro("nbytes", &Batch<T>::nbytes)
      .def("step", &Batch<T>::step, "nstep"_a = 1)
      .def("forward", &Batch<T>::forward)
      .def("reset", &Batch<T>::reset, "mask"_a = nb::none(), "key"_a = -1)
      .def("field",
           [](nb::handle self, const std::string& name) { return nb::cast<Batch<T>&>(self).field(self, name); })
      .def_static("field_names", &Batch<T>::field_names);
}

/// The imitation environment of a training configuration (float, exec::OpenMP), as sinew-train
/// builds it: MuscleMimic's reward with the configured weights, training terminations.
class PyEnv {
 public:
  using Env = sinew::ImitationEnv<float, sinew::exec::OpenMP>;
  PyEnv(const PyModel& pm, const std::vector<std::string>& motions, int num_envs, const std::string& preset,
        const std::vector<std::pair<std::string, std::string>>& params)
      : model_(pm.m), cfg_(sinew::rl::preset(preset)) {
    if (num_envs <= 0)
      throw nb::value_error(
          ("ImitationEnv: num_envs must be a positive integer, got " + std::to_string(num_envs)).c_str());
    for (const auto& [k, v] : params) cfg_.set(k, v);
    cfg_.nworld = num_envs;
    cfg_.model = model_.name.empty() ? "the model" : model_.name;
    cfg_.motions = motions;
    sinew::rl::prepare_model(model_, cfg_);
    sinew::compile_capacities(model_);  // opt.disableflags may have been set since the model was loaded
    ref_ = sinew::rl::load_motions(model_, motions, cfg_);
    make();
  }
  /// A new environment with this seed (Gymnasium's reset(seed=...)), every world reset.
  void reseed(long long seed) {
    cfg_.seed = seed;
    make();
  }
  void reset() { env_->reset(); }
  void step(nb::ndarray<const float, nb::ndim<2>, nb::c_contig, nb::device::cpu> actions) {
    if (actions.shape(0) != size_t(env_->nworld()) || actions.shape(1) != size_t(env_->nu()))
      throw nb::value_error(("ImitationEnv.step: actions must have shape (" + std::to_string(env_->nworld()) + ", " +
                             std::to_string(env_->nu()) + "), got (" + std::to_string(actions.shape(0)) + ", " +
                             std::to_string(actions.shape(1)) + ")")
                                .c_str());
    const float* a = actions.data();
    nb::gil_scoped_release release;
    env_->step(a);
  }
  int num_envs() const { return env_->nworld(); }
  int nobs() const { return env_->nobs(); }
  int nu() const { return env_->nu(); }
  std::string config_json() { return cfg_.to_json(); }

  /// Copies of the environment's outputs (the buffers are reused by the next step).
  nb::object out(const std::string& what) const {
    const size_t W = size_t(env_->nworld());
    // n values per world; vec: one value per world, as a 1-D array
    auto mat = [&](const auto* p, size_t n, bool vec) {
      using S = std::remove_cv_t<std::remove_pointer_t<decltype(p)>>;
      S* c = new S[W * n];
      std::copy(p, p + W * n, c);
      nb::capsule owner(c, [](void* q) noexcept { delete[] static_cast<S*>(q); });
      if (vec) {
        const size_t shape[1] = {W};
        return nb::cast(nb::ndarray<nb::numpy, S>(c, 1, shape, owner));
      }
      const size_t shape[2] = {W, n};
      return nb::cast(nb::ndarray<nb::numpy, S>(c, 2, shape, owner));
    };
    const size_t nobs = size_t(env_->nobs());
    if (what == "obs") return mat(env_->obs_ptr(), nobs, false);
    if (what == "final_obs") return mat(env_->final_obs_ptr(), nobs, false);
    if (what == "reward") return mat(env_->reward_ptr(), 1, true);
    if (what == "terms") return mat(env_->term_values_ptr(), size_t(Env::nterm()), false);
    if (what == "terminated") return mat(env_->terminated_ptr(), 1, true);
    if (what == "truncated") return mat(env_->truncated_ptr(), 1, true);
    if (what == "reason") return mat(env_->reason_ptr(), 1, true);
    if (what == "clip") return mat(env_->clip_ptr(), 1, true);
    if (what == "frame") return mat(env_->frame_ptr(), 1, true);
    throw nb::value_error(("ImitationEnv: no output '" + what + "'").c_str());
  }

 private:
  void make() {
    env_ = std::make_unique<Env>(sinew::exec::OpenMP{cfg_.threads}, model_, ref_, cfg_.nworld,
                                 sinew::rl::env_config(cfg_), sinew::rl::reward_from<float>(cfg_),
                                 sinew::rl::PpoTrainer<float, sinew::exec::OpenMP>::termination(cfg_, false));
    env_->reset();
  }
  Model<double> model_;
  sinew::rl::TrainConfig cfg_;
  sinew::Trajectory ref_;
  std::unique_ptr<Env> env_;
};

/// The C++ trainer's deterministic actions for raw observations (what sinew-eval runs), float;
/// the tests check sinew.Policy (numpy) against it.
nb::object trainer_actions(const PyModel& pm, const std::vector<std::string>& motions, const std::string& checkpoint,
                           nb::ndarray<const float, nb::ndim<2>, nb::c_contig, nb::device::cpu> obs) {
  const auto a = sinew::read_npz(checkpoint);
  if (!a.count("config")) throw nb::value_error((checkpoint + ": not a Sinew checkpoint (no 'config')").c_str());
  sinew::rl::TrainConfig cfg;
  cfg.apply_json(a.at("config").as_strings().at(0));
  cfg.nworld = 1;
  cfg.nsteps = 1;
  cfg.minibatches = 1;
  cfg.motions = motions;
  Model<double> m = pm.m;
  sinew::rl::prepare_model(m, cfg);
  const sinew::Trajectory ref = sinew::rl::load_motions(m, motions, cfg);
  using Tr = sinew::rl::PpoTrainer<float, sinew::exec::OpenMP>;
  Tr tr(sinew::exec::OpenMP{cfg.threads}, m, ref, cfg);
  tr.load(checkpoint, Tr::Load::evaluate);
  if (obs.shape(1) != size_t(tr.nobs()))
    throw nb::value_error("trainer_actions: observation size differs from the policy's");
  const size_t n = obs.shape(0), nu = size_t(tr.nu());
  float* out = new float[n * nu];
  nb::capsule owner(out, [](void* q) noexcept { delete[] static_cast<float*>(q); });
  tr.act_deterministic(obs.data(), int(n), out);
  const size_t shape[2] = {n, nu};
  return nb::cast(nb::ndarray<nb::numpy, float>(out, 2, shape, owner));
}

// ---- trajectories as dicts of numpy arrays (LocoMuJoCo's keys) ----

template <class S> nb::object owned_array(const std::vector<S>& v, std::vector<size_t> shape) {
  S* c = new S[v.size() ? v.size() : 1];
  std::copy(v.begin(), v.end(), c);
  nb::capsule owner(c, [](void* q) noexcept { delete[] static_cast<S*>(q); });
  return nb::cast(nb::ndarray<nb::numpy, S>(c, shape.size(), shape.data(), owner));
}

nb::dict trajectory_dict(const sinew::Trajectory& t) {
  nb::dict d;
  const size_t n = size_t(t.nframe()), nb_ = size_t(t.nbody), ns = size_t(t.nsite);
  d["qpos"] = owned_array(t.qpos, {n, size_t(t.nq)});
  d["qvel"] = owned_array(t.qvel, {n, size_t(t.nv)});
  d["frequency"] = t.frequency;
  d["joint_names"] = t.joint_names;
  d["jnt_type"] = owned_array(t.jnt_type, {t.jnt_type.size()});
  d["split_points"] =
      owned_array(std::vector<int64_t>(t.split_points.begin(), t.split_points.end()), {t.split_points.size()});
  if (t.has_kinematics()) {
    d["body_names"] = t.body_names;
    d["site_names"] = t.site_names;
    d["xpos"] = owned_array(t.xpos, {n, nb_, 3});
    d["xquat"] = owned_array(t.xquat, {n, nb_, 4});
    d["cvel"] = owned_array(t.cvel, {n, nb_, 6});
    d["subtree_com"] = owned_array(t.subtree_com, {n, nb_, 3});
    d["site_xpos"] = owned_array(t.site_xpos, {n, ns, 3});
    d["site_xmat"] = owned_array(t.site_xmat, {n, ns, 9});
  }
  return d;
}

using F64 = nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

/// A trajectory from its qpos, qvel, frequency, split points and joint types.
sinew::Trajectory trajectory_from(F64 qpos, F64 qvel, double frequency, const std::vector<int64_t>& split_points,
                                  const std::vector<int>& jnt_type, const std::vector<std::string>& joint_names) {
  sinew::Trajectory t;
  t.nq = int(qpos.shape(1));
  t.nv = int(qvel.shape(1));
  const size_t n = qpos.shape(0);
  if (qvel.shape(0) != n) throw nb::value_error("trajectory: qpos and qvel have different frame counts");
  int nq = 0, nv = 0;
  for (int type : jnt_type) {
    if (type < sinew::JNT_FREE || type > sinew::JNT_HINGE)
      throw nb::value_error(("trajectory: jnt_type " + std::to_string(type) + " is not a joint type (0..3)").c_str());
    nq += sinew::detail::joint_nq(type);
    nv += sinew::detail::joint_nv(type);
  }
  if (nq != t.nq || nv != t.nv)
    throw nb::value_error(("trajectory: jnt_type gives nq " + std::to_string(nq) + ", nv " + std::to_string(nv) +
                           "; qpos and qvel have " + std::to_string(t.nq) + ", " + std::to_string(t.nv))
                              .c_str());
  if (split_points.size() < 2 || split_points.front() != 0 || size_t(split_points.back()) != n)
    throw nb::value_error("trajectory: split_points must start at 0 and end at the frame count");
  for (size_t i = 1; i < split_points.size(); ++i)
    if (split_points[i] <= split_points[i - 1]) throw nb::value_error("trajectory: split_points must increase");
  t.frequency = frequency;
  t.jnt_type = jnt_type;
  t.joint_names = joint_names;
  t.split_points.assign(split_points.begin(), split_points.end());
  t.qpos.assign(qpos.data(), qpos.data() + n * size_t(t.nq));
  t.qvel.assign(qvel.data(), qvel.data() + n * size_t(t.nv));
  return t;
}

/// The control-rate reference of a training configuration, exactly as sinew-train builds it.
nb::dict reference(const PyModel& pm, const std::vector<std::string>& motions, const std::string& preset,
                   const std::vector<std::pair<std::string, std::string>>& params) {
  sinew::rl::TrainConfig cfg = sinew::rl::preset(preset);
  for (const auto& [k, v] : params) cfg.set(k, v);
  cfg.model = pm.m.name.empty() ? "the model" : pm.m.name;
  Model<double> m = pm.m;
  sinew::rl::prepare_model(m, cfg);
  return trajectory_dict(sinew::rl::load_motions(m, motions, cfg));
}

/// sinew-retarget from Python: the source motion as joint names, parents, world positions
/// (nframe x njoint x 3, source axes) and optional world rotations (nframe x njoint x 9).
nb::tuple retarget_py(const PyModel& pm, const std::vector<std::string>& names, const std::vector<int>& parent,
                      nb::ndarray<const double, nb::ndim<3>, nb::c_contig, nb::device::cpu> pos,
                      std::optional<nb::ndarray<const double, nb::ndim<3>, nb::c_contig, nb::device::cpu>> rot,
                      double fps, const std::string& map_text, const std::string& map_file, const std::string& up,
                      double scale, bool per_segment, const std::string& ground, int chunks, int threads,
                      double frequency) {
  sinew::SourceMotion src;
  src.names = names;
  src.parent = parent;
  src.fps = fps;
  src.nframe = int(pos.shape(0));
  const size_t J = names.size();
  if (parent.size() != J) throw nb::value_error("retarget: names and parents differ in length");
  for (size_t j = 0; j < J; ++j)
    if (parent[j] < -1 || parent[j] >= int(j))
      throw nb::value_error(
          ("retarget: parent of joint " + std::to_string(j) + " must be -1 or an earlier joint").c_str());
  if (pos.shape(1) != J || pos.shape(2) != 3)
    throw nb::value_error("retarget: positions must have shape (nframe, njoint, 3)");
  if (!(fps > 0)) throw nb::value_error("retarget: fps must be positive");
  src.pos.assign(pos.data(), pos.data() + pos.size());
  if (rot) {
    if (rot->shape(0) != pos.shape(0) || rot->shape(1) != J || rot->shape(2) != 9)
      throw nb::value_error("retarget: rotations must have shape (nframe, njoint, 9)");
    src.rot.assign(rot->data(), rot->data() + rot->size());
  }
  for (double x : src.pos)
    if (!std::isfinite(x)) throw nb::value_error("retarget: the source positions are not all finite");
  sinew::RetargetOptions opt;
  if (up != "y" && up != "z") throw nb::value_error("retarget: up takes 'y' or 'z'");
  if (ground != "none" && ground != "frame" && ground != "clip")
    throw nb::value_error("retarget: ground takes 'none', 'frame' or 'clip'");
  if (chunks <= 0) throw nb::value_error("retarget: chunks must be positive");
  opt.source_up = up[0];
  opt.scale = scale;
  opt.per_segment_scale = per_segment;
  opt.nchunk = chunks;
  opt.ground = ground == "none"   ? sinew::GroundMode::none
               : ground == "clip" ? sinew::GroundMode::whole_clip
                                  : sinew::GroundMode::per_frame;
  const auto map = sinew::parse_keypoint_map(map_text, map_file);
  sinew::exec::OpenMP pol;
  pol.threads = threads;
  sinew::RetargetResult r;
  {
    nb::gil_scoped_release release;
    r = sinew::retarget(pol, pm.m, src, map, opt);
    if (frequency > 0) r.trajectory = sinew::resample(r.trajectory, frequency);
    sinew::fill_kinematics(pol, pm.m, r.trajectory);
  }
  const auto& M = r.metrics;
  nb::dict met;
  met["nframe"] = M.nframe;
  met["fps"] = M.fps;
  met["scale"] = M.scale;
  met["nkeypoint"] = M.nkeypoint;
  met["joint_limit_violation_rate"] = M.joint_limit_violation_rate;
  met["max_limit_violation"] = M.max_limit_violation;
  met["worst_limit_joint"] = M.worst_limit_joint;
  met["max_coupling_error"] = M.max_coupling_error;
  met["max_penetration"] = M.max_penetration;
  met["mean_penetration"] = M.mean_penetration;
  met["max_ground_lift"] = M.max_ground_lift;
  met["tendon_jump_rate"] = M.tendon_jump_rate;
  met["position_rmse"] = M.position_rmse;
  met["max_position_error"] = M.max_position_error;
  met["orientation_rmse"] = M.orientation_rmse;
  met["max_orientation_error"] = M.max_orientation_error;
  met["ms_per_frame"] = M.ms_per_frame;
  met["warnings"] = M.warnings;
  met["report"] = M.report();
  return nb::make_tuple(trajectory_dict(r.trajectory), met);
}

/// Reads a BVH file as a retargeting source: names, parents, positions, rotations, fps.
nb::tuple bvh_source(const std::string& path) {
  const sinew::SourceMotion s = sinew::source_from_bvh(sinew::load_bvh(path));
  const size_t F = size_t(s.nframe), J = s.names.size();
  return nb::make_tuple(s.names, s.parent, owned_array(s.pos, {F, J, 3}), owned_array(s.rot, {F, J, 9}), s.fps);
}

}  // namespace

NB_MODULE(_sinew, m) {
  m.doc() = "Sinew's C++ engine (see the sinew package for the documented API)";
  nb::exception<sinew::ModelError>(m, "ModelError", PyExc_ValueError);

  using Opt = sinew::Option<double>;
  nb::class_<Opt>(m, "Option")
      .def_rw("timestep", &Opt::timestep)
      .def_rw("impratio", &Opt::impratio)
      .def_rw("tolerance", &Opt::tolerance)
      .def_rw("ls_tolerance", &Opt::ls_tolerance)
      .def_rw("density", &Opt::density)
      .def_rw("viscosity", &Opt::viscosity)
      .def_rw("integrator", &Opt::integrator)
      .def_rw("iterations", &Opt::iterations)
      .def_rw("ls_iterations", &Opt::ls_iterations)
      .def_rw("disableflags", &Opt::disableflags)
      .def_rw("enableflags", &Opt::enableflags)
      .def_ro("solver", &Opt::solver)
      .def_ro("cone", &Opt::cone)
      .def_prop_rw(
          "gravity", [](const Opt& o) { return std::vector<double>(o.gravity, o.gravity + 3); },
          [](Opt& o, const std::vector<double>& g) {
            if (g.size() != 3) throw nb::value_error("opt.gravity takes 3 values");
            for (int i = 0; i < 3; ++i) o.gravity[i] = g[size_t(i)];
          })
      .def_prop_rw(
          "wind", [](const Opt& o) { return std::vector<double>(o.wind, o.wind + 3); },
          [](Opt& o, const std::vector<double>& g) {
            if (g.size() != 3) throw nb::value_error("opt.wind takes 3 values");
            for (int i = 0; i < 3; ++i) o.wind[i] = g[size_t(i)];
          });

  auto model = nb::class_<PyModel>(m, "Model");
  model.def_static("from_xml_path", &from_path, "path"_a)
      .def_static("from_xml_string", &from_string, "xml"_a, "base_dir"_a = ".")
      .def(
          "apply_option",
          [](PyModel& p, const std::string& k, const std::string& v) { sinew::apply_option(p.m, k, v); }, "key"_a,
          "value"_a)
      .def_ro("warnings", &PyModel::warnings)
      .def_prop_ro(
          "opt", [](PyModel& p) -> Opt& { return p.m.opt; }, nb::rv_policy::reference_internal)
      .def_prop_ro("name", [](const PyModel& p) { return p.m.name; });
  // clang-format off
#define SIZE(n) model.def_prop_ro(#n, [](const PyModel& p) { return p.m.n; });
  SIZE(nq) SIZE(nv) SIZE(nu) SIZE(na) SIZE(nbody) SIZE(njnt) SIZE(ngeom) SIZE(nsite) SIZE(nmesh) SIZE(nkey)
  SIZE(ntendon) SIZE(neq) SIZE(nsensor) SIZE(nsensordata) SIZE(nmuscle) SIZE(nM) SIZE(nconmax) SIZE(njmax)
  SIZE(nconmax_pairs) SIZE(narena) SIZE(nJrow)
#undef SIZE
  // the row width of a Batch's compressed efc_J / efc_J_colind (nv for a model without nJrow)
  model.def_prop_ro("efc_width", [](const PyModel& p) { return p.m.efc_width(); });
#define NAMES(n) model.def_prop_ro(#n, [](const PyModel& p) { return p.m.n; });
  NAMES(body_names) NAMES(jnt_names) NAMES(geom_names) NAMES(site_names) NAMES(mesh_names) NAMES(key_names)
  NAMES(actuator_names) NAMES(tendon_names) NAMES(sensor_names)
#undef NAMES
#define SINEW_X(name, count, dim)                                            \
  model.def_prop_ro(#name, [](nb::handle self) {                             \
    const PyModel& p = nb::cast<const PyModel&>(self);                       \
    return model_array(self, p.m.name, p.m.count, std::string(#dim) == "1"); \
  });
  SINEW_MODEL_INT_FIELDS(SINEW_X)
  SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X

  nb::class_<PyEnv>(m, "ImitationEnv")
      .def(nb::init<const PyModel&, const std::vector<std::string>&, int, const std::string&,
                    const std::vector<std::pair<std::string, std::string>>&>(),
           "model"_a, "motions"_a, "num_envs"_a, "preset"_a, "params"_a)
      .def("reseed", &PyEnv::reseed)
      .def("reset", &PyEnv::reset)
      .def("step", &PyEnv::step)
      .def("out", &PyEnv::out)
      .def_prop_ro("num_envs", &PyEnv::num_envs)
      .def_prop_ro("nobs", &PyEnv::nobs)
      .def_prop_ro("nu", &PyEnv::nu)
      .def("config_json", &PyEnv::config_json);
  // clang-format on
  m.attr("reward_term_names") = sinew::rl::default_term_names();
  // Batch.status bits (model/enums.hpp)
  m.attr("STATUS_OK") = int(sinew::STATUS_OK);
  m.attr("STATUS_NONFINITE") = int(sinew::STATUS_NONFINITE);
  m.attr("STATUS_BADQPOS") = int(sinew::STATUS_BADQPOS);
  m.attr("STATUS_BADQVEL") = int(sinew::STATUS_BADQVEL);
  m.attr("STATUS_BADQACC") = int(sinew::STATUS_BADQACC);
  m.def("reference", &reference, "model"_a, "motions"_a, "preset"_a, "params"_a);
  m.def("resample",
        [](F64 qpos, F64 qvel, double frequency, const std::vector<int64_t>& split_points,
           const std::vector<int>& jnt_type, const std::vector<std::string>& joint_names, double new_frequency) {
          const sinew::Trajectory t = trajectory_from(qpos, qvel, frequency, split_points, jnt_type, joint_names);
          if (!(new_frequency > 0) || !(frequency > 0)) throw nb::value_error("resample: frequencies must be positive");
          return trajectory_dict(sinew::resample(t, new_frequency));
        });
  m.def("retarget", &retarget_py);
  m.def("bvh_source", &bvh_source, "path"_a);
  m.def("_trainer_actions", &trainer_actions, "model"_a, "motions"_a, "checkpoint"_a, "obs"_a);

  bind_batch<double>(m, "Batch64");
  bind_batch<float>(m, "Batch32");
}
