// The usage comments of the most-read headers, compiled: each function below holds, verbatim,
// the code lines of one header's usage comment (tests/structure/check_structure.py fails when a
// header marked here shows a statement this file does not hold), with the declarations the
// comment leaves to the reader. The functions are compiled, not run: the files they name are
// examples. What they do is tested elsewhere.
#include <iostream>
#include <string>
#include <vector>

#include "sinew/compiler/add_site.hpp"
#include "sinew/compiler/compiler.hpp"
#include "sinew/imitation/env.hpp"
#include "sinew/imitation/trajectory.hpp"
#include "sinew/io/npy.hpp"
#include "sinew/io/npz.hpp"
#include "sinew/math/random.hpp"
#include "sinew/retarget/bvh.hpp"
#include "sinew/retarget/deepmimic.hpp"
#include "sinew/retarget/smplh.hpp"
#include "sinew/retarget/retarget.hpp"
#include "sinew/rl/config.hpp"
#include "sinew/rl/setup.hpp"
#include "sinew/rl/trainer.hpp"
#include "sinew/sinew.hpp"

// The lines below are copies of header comments: kept as written there, not reformatted.
// clang-format off
namespace usage {

// usage of sinew/compiler/compiler.hpp
inline void compiler() {
  std::vector<sinew::Diagnostic> warnings;
  sinew::Model<double> m = sinew::load_mjcf("myofullbody.xml", &warnings);
  sinew::apply_option(m, "integrator", "RK4");
  sinew::apply_option(m, "flag.eulerdamp", "disable");
}

// usage of sinew/model/model.hpp
inline void model() {
  sinew::Model<double> m = sinew::load_mjcf("arm.xml");
  sinew::ModelView<double> v = m.view();
  sinew::Model<float> mf = m.cast<float>();
  (void)v;
}

// usage of sinew/data/data.hpp
// usage of sinew/exec/policy.hpp (its host lines)
inline void data(const sinew::Model<double>& model) {
  sinew::Data<double> data(model, /*nworld=*/1024);
  sinew::reset(sinew::exec::omp, model.view(), data.view());
  sinew::step(sinew::exec::omp, model.view(), data.view());
  sinew::step(sinew::exec::serial, model.view(), data.view());
}

// usage of sinew/compiler/add_site.hpp
inline void add_site(const std::string& path) {
  sinew::Model<double> m = sinew::load_mjcf(path);
  sinew::add_site(m, "femur_r_mimic", "femur_r");
  sinew::add_site(m, "toe_r_mimic", "toes_r", {0.03, 0, 0});
}

// usage of sinew/imitation/trajectory.hpp
inline void trajectory(const sinew::Model<double>& model) {
  sinew::Trajectory tr = sinew::load_trajectory("models/arm_reach.npz");
  tr = sinew::resample(tr, 100.0);
  sinew::fill_kinematics(sinew::exec::omp, model, tr);
  sinew::TrajectoryBuffers<float, sinew::HostSpace> ref(tr);
}

// usage of sinew/imitation/env.hpp
inline void env(const sinew::Model<double>& model, const sinew::Trajectory& ref, const sinew::ImitationConfig& cfg,
                const std::vector<double>& a) {
  sinew::ImitationEnv<double, sinew::exec::OpenMP> env(sinew::exec::omp, model, ref, 1024, cfg);
  env.reset();
  const double* actions = a.data();
  env.step(actions);
}

// usage of sinew/rl/config.hpp
// usage of sinew/rl/setup.hpp
// usage of sinew/rl/trainer.hpp
inline void trainer(sinew::Model<double>& model) {
  sinew::rl::TrainConfig cfg = sinew::rl::preset("arm");
  cfg.set("lr", "3e-4");
  std::string json = cfg.to_json();
  cfg.apply_json(json);
  sinew::rl::prepare_model(model, cfg);
  sinew::Trajectory ref = sinew::rl::load_motions(model, cfg.motions, cfg);
  sinew::rl::PpoTrainer<float, sinew::exec::OpenMP> tr(sinew::exec::omp, model, ref, cfg);
  while (tr.env_steps() < cfg.total_steps) {
    sinew::rl::UpdateLog log = tr.update();
    (void)log;
  }
  tr.save("final.npz");
}

// usage of sinew/retarget/retarget.hpp
inline void retarget() {
  sinew::Model<double> model = sinew::load_mjcf("models/skeleton.xml");
  sinew::SourceMotion src = sinew::source_from_bvh(sinew::load_bvh("walk.bvh"));
  auto map = sinew::load_keypoint_map("walk_map.txt");
  sinew::RetargetResult r = sinew::retarget(sinew::exec::omp, model, src, map);
  std::cout << r.metrics.report();
  sinew::save_trajectory("walk.npz", r.trajectory);
}

// usage of sinew/retarget/bvh.hpp
inline void bvh() {
  sinew::Bvh b = sinew::load_bvh("walk.bvh");
  std::vector<double> p = sinew::bvh_joint_positions(b);
  sinew::save_bvh("copy.bvh", b);
}

// usage of sinew/io/npz.hpp
inline void npz(size_t n, size_t nq) {
  auto arrays = sinew::read_npz("traj.npz");
  std::vector<double> q = arrays.at("qpos").as_double();
  sinew::write_npz("out.npz", {{"qpos", sinew::NpyBlob::from(q.data(), {n, nq})}});
  sinew::NpyBlob a = sinew::read_npy_file("ctrl.npy");
  (void)a;
}

// usage of sinew/io/npy.hpp
inline void npy(size_t nq, size_t nworld, size_t nstep, const std::vector<double>& data) {
  sinew::write_npy("qpos.npy", data.data(), {nworld, nstep + 1, nq});
  auto a = sinew::read_npy("qpos0.npy");
  (void)a;
}

// usage of sinew/math/random.hpp
inline double random(unsigned long long seed, int world, unsigned long long counter) {
  double u = sinew::uniform01(seed, world, counter);
  double z = sinew::normal01(seed, world, counter);
  return u + z;
}

}  // namespace usage

// ---- the per-world stages and their helpers: concrete types, so every call is checked
namespace usage_stages {
using namespace sinew;
using M = ModelView<double>;
using D = WorldData<double, WorldOuter>;
using T = double;
struct MyMuscle : DeGroote2016 {};

// usage of sinew/actuator/actuation.hpp
inline void actuation(const M& m, const D& d) {
  using MyMuscleModels = MuscleModels<MujocoMuscle, DeGroote2016>;
  actuation_world(m, d);
  actuation_world<MyMuscleModels>(m, d);
}

// usage of sinew/actuator/transmission.hpp
inline void transmission(const M& m, const D& d) {
  transmission_world(m, d);
  actuator_velocity_world(m, d);
}

// usage of sinew/collision/collision.hpp
// usage of sinew/kinematics/kinematics.hpp
inline void collision(const M& model_view, const DataView<double, WorldOuter>& data_view, int w) {
  sinew::kinematics(model_view, data_view.world(w));
  sinew::collision_world(model_view, data_view.world(w));
}

// usage of sinew/compiler/actuator.hpp
// usage of sinew/compiler/contact.hpp
// usage of sinew/compiler/equality.hpp
// usage of sinew/compiler/sensor.hpp
// usage of sinew/compiler/tendon.hpp
// usage of sinew/compiler/tree.hpp
inline void compile(ModelSpec& spec, bool autolimits) {
  sinew::Model<double> m = sinew::compile_model(spec);
  Model<double>& model = m;
  sinew::compile_tendons(model, autolimits);
  sinew::compile_equality(model);
  sinew::compile_contacts(model);
  sinew::compile_capacities(model);
  compile_actuators(m);
  std::vector<std::string> unsupported;
  sinew::compile_sensors(model, &unsupported);
}

// usage of sinew/compiler/geom_inertia.hpp
inline void geom_inertia(const double* size, double mass, const double* full6) {
  double vol = sinew::geom_volume(sinew::GEOM_CAPSULE, size, false);
  double I[3]; sinew::geom_inertia(sinew::GEOM_CAPSULE, size, mass, false, I);
  double q[4], d[3]; sinew::full_inertia_principal(full6, q, d);
  (void)vol;
}

// usage of sinew/compiler/mesh.hpp
// usage of sinew/io/stl.hpp
// usage of sinew/io/msh.hpp
inline void mesh(double rho, double* geom_pos, double* geom_quat) {
  sinew::MeshSource src = sinew::read_stl("femur.stl");
  double scale[3] = {1, 1, 1}, refpos[3] = {0, 0, 0}, refquat[4] = {1, 0, 0, 0};
  sinew::CompiledMesh cm = sinew::compile_mesh(src, scale, sinew::MeshInertia::legacy, refpos, refquat, "femur.stl");
  double mass = rho * cm.volume_ref(), inertia[3];
  sinew::mesh_geom_inertia(cm, mass, inertia);
  sinew::apply_mesh_frame(cm, geom_pos, geom_quat);
  {
    sinew::MeshSource src = sinew::read_stl("meshes/femur.stl");
  }
  {
    sinew::MeshSource src = sinew::read_msh("scene/floor.msh");
  }
}

// usage of sinew/compiler/mesh_polygons.hpp
inline void mesh_polygons(const std::vector<double>& vert, const std::vector<int>& hull_triangles,
                          const std::vector<double>& vert_in_principal_frame) {
  sinew::MeshPolygons p;
  sinew::detail::make_polygons(p, vert, hull_triangles);
  sinew::detail::polygon_normals(p, vert_in_principal_frame);
}

// usage of sinew/constraint/make_constraint.hpp
// usage of sinew/constraint/solver.hpp
// usage of sinew/dynamics/factor_m.hpp
// usage of sinew/dynamics/rne_post.hpp
// usage of sinew/integrate/implicit.hpp
// usage of sinew/tendon/tendon.hpp
inline void pipeline(const M& m, const D& d, double* x) {
  sinew::tendon_world(m, d);
  sinew::tendon_velocity_world(m, d);
  factor_m(m, d.qM, d.qLD, d.qLDiagInv);
  solve_m(m, d.qLD, d.qLDiagInv, x);
  sinew::make_constraint_world(m, d);
  sinew::reference_constraint_world(m, d);
  sinew::fwd_constraint_world(m, d);
  rne_post_constraint(m, d);
  subtree_vel(m, d);
  implicitfast(m, d);
}

// usage of sinew/forward/forward.hpp
// usage of sinew/forward/step.hpp
inline void forward(const M& m, const D& d, const Model<double>& model, Data<double>& data) {
  fwd_position_world(m, d);
  fwd_velocity_world(m, d);
  fwd_actuation_world(m, d);
  fwd_acceleration_world(m, d);
  fwd_constraint_world(m, d);
  sensor_world(m, d);
  forward_world(m, d);
  sinew::forward(sinew::exec::omp, model.view(), data.view());
  sinew::step(sinew::exec::omp, model.view(), data.view());
}

// usage of sinew/exec/buffer.hpp
inline void buffer(size_t n) {
  using Space = HostSpace;
  sinew::Buffer<float, Space> b(n);
  float* p = sinew::detail::Buffer<float, Space>::ptr(b);
  std::vector<float> h = sinew::to_host(b);
  (void)p;
}

// usage of sinew/io/hfield.hpp
// usage of sinew/io/png.hpp
inline void images(const SourceLocation& where) {
  int nrow, ncol;
  std::vector<float> z = sinew::read_hfield_file("terrain.bin", where, &nrow, &ncol);
  int w, h;
  std::vector<unsigned char> px = sinew::read_png_grey("terrain.png", where, &w, &h);
}

// usage of sinew/io/mjcf_reader.hpp
inline void mjcf_reader(const mjcf::XNode& geom_node, int cls) {
  sinew::mjcf::XNode root = sinew::mjcf::read_tree_file("model.xml");
  sinew::mjcf::validate(root);
  sinew::mjcf::Defaults defs; defs.build(root);
  sinew::mjcf::Attrs a = defs.resolve(geom_node, cls, "geom");
  double size[3] = {0, 0, 0}; a.reals("size", size, 3);
}

// usage of sinew/kinematics/jacobian.hpp
inline void jacobian(const D& d, int j, vec3<T> p, vec3<T> subtree_com_of_root) {
  const sinew::vec3<T> col = sinew::point_jac(d, j, p - subtree_com_of_root);
  (void)col;
}

// usage of sinew/math/cholesky.hpp
inline void cholesky(double* A, int n, double* x, const double* b) {
  if (sinew::cholesky::chol_factor_spd<double>(A, n) == n) sinew::cholesky::chol_solve<double>(A, n, x, b);
}

// usage of sinew/math/nonzero.hpp
inline void nonzero(const double* row) {
  int cols[40];
  double vals[40];
  const int nnz = sinew::compress_row(row, 128, vals, cols, 40);
  (void)nnz;
}

// usage of sinew/math/eig3.hpp
inline void eig3(const double* full) {
  double eigval[3], eigvec[9], q[4];
  sinew::eig3(eigval, eigvec, q, full);
}

// usage of sinew/math/mat3.hpp
inline void mat3(const quat<double>& q) {
  auto R = sinew::quat_to_mat(q);
  (void)R;
}

// usage of sinew/math/quat.hpp
// usage of sinew/math/vec.hpp
inline void vectors() {
  auto q = sinew::axis_angle_quat(vec3<double>{0, 0, 1}, 0.5);
  auto v = sinew::rotate(q, vec3<double>{1, 0, 0});
  sinew::vec3<double> a{1, 2, 3}, b{0, 0, 1};
  auto c = cross(a, b) + 2.0 * a;
  (void)v;
  (void)c;
}

// usage of sinew/muscle/concept.hpp
// usage of sinew/muscle/models.hpp
inline void muscle_models(Model<double>& model, const M& m, const D& d) {
  static_assert(sinew::MuscleModel<sinew::DeGroote2016>);
  {
    using Models = sinew::MuscleModels<sinew::MujocoMuscle, sinew::DeGroote2016>;
    static_assert(Models::index_of<sinew::DeGroote2016>() == 1);
  }
  using Models = sinew::DefaultMuscleModels;
  sinew::set_muscle_model(model, "class=leg*", Models::index_of<sinew::DeGroote2016>());
  sinew::actuation_world<Models>(m, d);
  using MyModels = sinew::MuscleModels<sinew::MujocoMuscle, sinew::DeGroote2016, MyMuscle>;
  static_assert(MyModels::size == 3);
}

// usage of sinew/muscle/degroote2016.hpp
inline void degroote(const T* gainprm, const T* biasprm, const T* dynprm, const T* lengthrange, T acc0, T len, T vel,
                     T ctrl) {
  auto p = sinew::DeGroote2016::from_mujoco(gainprm, biasprm, dynprm, lengthrange, acc0);
  double x[2];
  sinew::DeGroote2016::init_state(p, len, vel, 0.0, x);
  double xdot[2];
  sinew::DeGroote2016::state_derivative(p, ctrl, len, vel, x, xdot);
  double f = sinew::DeGroote2016::force(p, len, vel, x);
  (void)f;
}

// usage of sinew/muscle/mujoco_muscle.hpp
// usage of sinew/muscle/mujoco_policy.hpp
inline void mujoco_muscle(const Model<double>& m, int i, T len, T vel, T act, T ctrl) {
  const T* prm = m.actuator_gainprm.data() + 10 * i;
  const T* dynprm = m.actuator_dynprm.data() + 10 * i;
  const T* lengthrange = m.actuator_lengthrange.data() + 2 * i;
  const T acc0 = m.actuator_acc0[size_t(i)];
  T gain = sinew::muscle_gain(len, vel, lengthrange, acc0, prm);
  T bias = sinew::muscle_bias(len, lengthrange, acc0, prm);
  T force = gain * act + bias;
  T act_dot = sinew::muscle_dynamics(ctrl, act, dynprm);
  auto p = sinew::MujocoMuscle::from_mujoco(m.actuator_gainprm.data() + 10 * i, m.actuator_biasprm.data() + 10 * i,
                                            m.actuator_dynprm.data() + 10 * i, m.actuator_lengthrange.data() + 2 * i,
                                            m.actuator_acc0[i]);
  T f = sinew::MujocoMuscle::force(p, len, vel, &act);
  (void)force;
  (void)act_dot;
  (void)f;
}

// usage of sinew/muscle/select.hpp
inline void select(const Model<double>& model, const std::string& text_data, const std::vector<std::string>& classes) {
  using Models = sinew::MuscleModels<sinew::MujocoMuscle, sinew::DeGroote2016>;
  std::vector<sinew::MuscleModelRule> rules;
  sinew::set_muscle_model(rules, "class=leg*", Models::index_of<sinew::DeGroote2016>());
  auto more = sinew::parse_muscle_model_spec(text_data, Models::names, Models::size);
  sinew::MuscleSelection sel = sinew::select_muscle_models(model, rules, Models::size, classes);
  (void)more;
}

// usage of sinew/retarget/deepmimic.hpp
// usage of sinew/retarget/smplh.hpp
inline void motion_sources() {
  sinew::DeepMimicSkeleton sk = sinew::load_deepmimic_skeleton("pybullet_data/humanoid/humanoid.urdf");
  sinew::DeepMimicMotion mo = sinew::load_deepmimic_motion("pybullet_data/data/motions/humanoid3d_walk.txt");
  sinew::SourceMotion src = sinew::source_from_deepmimic(sk, mo);
  sinew::SmplhSequence seq = sinew::load_amass_sequence("walk_poses.npz");
  sinew::SmplhBodyModel bm = sinew::load_smplh_body_model("smplh/male/model.npz");
  std::vector<double> p = sinew::smplh_joint_positions(bm, seq);
}

// usage of sinew/sensor/ray.hpp
inline T ray(const M& m, const D& d, vec3<T> pnt, vec3<T> vec) {
  int geomid = -1;
  T dist = sinew::ray_world(m, d, pnt, vec, /*bodyexclude=*/-1, /*flg_static=*/true, &geomid);
  return dist;
}

// usage of sinew/tendon/wrap.hpp
inline T wrap(vec3<T> x0, vec3<T> x1, vec3<T> geom_pos, const sinew::mat3<T>& geom_mat, T radius,
              const vec3<T>* side_or_null) {
  T pnt[6];
  T len = sinew::wrap<T>(pnt, x0, x1, geom_pos, geom_mat, radius, WRAP_SPHERE, side_or_null);
  return len;
}
}  // namespace usage_stages

// ---- learning helpers
namespace usage_rl {
using sinew::HostSpace;

// usage of sinew/rl/blas.hpp
// usage of sinew/rl/mlp.hpp
inline void mlp(sinew::exec::OpenMP exec, const float* x, int batch, const float* dy, unsigned long long seed) {
  sinew::rl::MlpSpec spec{/*in=*/30, /*out=*/6, /*hidden=*/{256, 256}, /*layernorm=*/true};
  sinew::rl::Mlp<float, HostSpace> net(spec);
  net.init(seed, 0.01);
  const float* y = net.forward(exec, x, batch);
  net.backward(exec, dy);
  const int M = batch, N = 6, K = 6;
  const float* A = y;
  const float* B = y;
  std::vector<float> c(size_t(M) * size_t(N));
  float* C = c.data();
  sinew::rl::gemm(exec, false, true, M, N, K, 1.0f, A, B, 0.0f, C);
}

// usage of sinew/rl/normalizer.hpp
// usage of sinew/rl/reduce.hpp
struct Square {
  const double* x;
  void operator()(int i, double* v) const { v[0] = x[i] * x[i]; }
};
inline void statistics(sinew::exec::OpenMP exec, int nobs, const float* x, float* y, int nrow,
                       const unsigned char* valid, double clip, const double* data, int n, double* out) {
  using namespace sinew::rl;
  using Space = HostSpace;
  RunningMeanStd<Space> rms(nobs);
  rms.update(exec, x, nrow, valid);
  normalize(exec, rms, x, y, nrow, clip);
  sinew::rl::Reducer<Space> red;
  const Square f{data};
  constexpr int K = 1;
  red.sum<K>(exec, n, f, out);
}
}  // namespace usage_rl
// clang-format on
