// Model: the compiled, immutable description of a mechanism, as flat structure-of-arrays with
// MuJoCo's field names (`body_parentid`, `jnt_qposadr`, `dof_Madr`, ...), so Sinew and mjModel
// compare field by field. Algorithms never write to a Model.
//
//   sinew::Model<double> m = sinew::load_mjcf("arm.xml");   // host, owning
//   sinew::ModelView<double> v = m.view();                    // trivially copyable pointers
//   sinew::Model<float> mf = m.cast<float>();                 // float copy for GPU / speed
//
// Array fields are declared once in the X-macro lists below; every container (host Model,
// ModelView, the device copy) is generated from them. Field `name` holds `count * dim` values,
// row-major, with `count` one of the size members.
#pragma once
#include <string>
#include <vector>

#include "sinew/config.hpp"
#include "sinew/model/enums.hpp"

// X(name, count, dim): integer arrays. Beyond mjModel's: qM_colind, the dof (column) of each entry of
// the mass-matrix layout (row i at dof_Madr[i]: i, then its ancestors), so the sparse M loops index
// instead of chasing dof_parentid.
// clang-format off
#define SINEW_MODEL_INT_FIELDS(X) \
  X(body_parentid, nbody, 1) X(body_rootid, nbody, 1) X(body_weldid, nbody, 1) X(body_mocapid, nbody, 1) \
  X(body_jntnum, nbody, 1) X(body_jntadr, nbody, 1) X(body_dofnum, nbody, 1) X(body_dofadr, nbody, 1) \
  X(body_geomnum, nbody, 1) X(body_geomadr, nbody, 1) X(body_treeid, nbody, 1) X(body_sameframe, nbody, 1) \
  X(jnt_type, njnt, 1) X(jnt_qposadr, njnt, 1) X(jnt_dofadr, njnt, 1) X(jnt_bodyid, njnt, 1) X(jnt_group, njnt, 1) \
  X(jnt_limited, njnt, 1) X(jnt_actfrclimited, njnt, 1) \
  X(dof_bodyid, nv, 1) X(dof_jntid, nv, 1) X(dof_parentid, nv, 1) X(dof_treeid, nv, 1) X(dof_Madr, nv, 1) \
  X(qM_colind, nM, 1) \
  X(geom_type, ngeom, 1) X(geom_contype, ngeom, 1) X(geom_conaffinity, ngeom, 1) X(geom_condim, ngeom, 1) \
  X(geom_bodyid, ngeom, 1) X(geom_dataid, ngeom, 1) X(geom_group, ngeom, 1) X(geom_priority, ngeom, 1) \
  X(geom_matid, ngeom, 1) X(geom_sameframe, ngeom, 1) \
  X(site_type, nsite, 1) X(site_bodyid, nsite, 1) X(site_group, nsite, 1) X(site_sameframe, nsite, 1) \
  X(mesh_vertadr, nmesh, 1) X(mesh_vertnum, nmesh, 1) X(mesh_faceadr, nmesh, 1) X(mesh_facenum, nmesh, 1) \
  X(mesh_face, nmeshface, 3) X(mesh_graphadr, nmesh, 1) X(mesh_graph, nmeshgraph, 1) \
  X(mesh_polynum, nmesh, 1) X(mesh_polyadr, nmesh, 1) X(mesh_polyvertadr, nmeshpoly, 1) \
  X(mesh_polyvertnum, nmeshpoly, 1) X(mesh_polyvert, nmeshpolyvert, 1) X(mesh_polymapadr, nmeshvert, 1) \
  X(mesh_polymapnum, nmeshvert, 1) X(mesh_polymap, nmeshpolymap, 1) \
  X(hfield_nrow, nhfield, 1) X(hfield_ncol, nhfield, 1) X(hfield_adr, nhfield, 1) \
  X(tendon_adr, ntendon, 1) X(tendon_num, ntendon, 1) X(tendon_limited, ntendon, 1) \
  X(tendon_actfrclimited, ntendon, 1) X(tendon_group, ntendon, 1) \
  X(ten_J_rowadr, ntendon, 1) X(ten_J_rownnz, ntendon, 1) X(ten_J_colind, nJten, 1) \
  X(wrap_type, nwrap, 1) X(wrap_objid, nwrap, 1) \
  X(actuator_trntype, nu, 1) X(actuator_dyntype, nu, 1) X(actuator_gaintype, nu, 1) X(actuator_biastype, nu, 1) \
  X(actuator_trnid, nu, 2) X(actuator_actadr, nu, 1) X(actuator_actnum, nu, 1) X(actuator_group, nu, 1) \
  X(actuator_ctrllimited, nu, 1) X(actuator_forcelimited, nu, 1) X(actuator_actlimited, nu, 1) \
  X(actuator_actearly, nu, 1) \
  X(moment_rowadr, nu, 1) X(moment_rownnz, nu, 1) X(moment_colind, nJmom, 1) \
  X(actuator_musclekind, nu, 1) \
  X(muscle_order, nmuscle, 1) X(muscle_kindadr, nmusclekind, 1) X(muscle_kindnum, nmusclekind, 1) \
  X(pair_dim, npair, 1) X(pair_geom1, npair, 1) X(pair_geom2, npair, 1) X(pair_signature, npair, 1) \
  X(exclude_signature, nexclude, 1) \
  X(collision_pair, ncollision, 3) \
  X(eq_type, neq, 1) X(eq_obj1id, neq, 1) X(eq_obj2id, neq, 1) X(eq_objtype, neq, 1) X(eq_active0, neq, 1) \
  X(sensor_type, nsensor, 1) X(sensor_datatype, nsensor, 1) X(sensor_needstage, nsensor, 1) \
  X(sensor_objtype, nsensor, 1) X(sensor_objid, nsensor, 1) X(sensor_reftype, nsensor, 1) \
  X(sensor_refid, nsensor, 1) X(sensor_dim, nsensor, 1) X(sensor_adr, nsensor, 1)

// X(name, count, dim): real arrays (stored as the Model's scalar type).
#define SINEW_MODEL_REAL_FIELDS(X) \
  X(qpos0, nq, 1) \
  X(qpos_spring, nq, 1) \
  X(body_pos, nbody, 3) X(body_quat, nbody, 4) X(body_ipos, nbody, 3) X(body_iquat, nbody, 4) X(body_mass, nbody, 1) \
  X(body_subtreemass, nbody, 1) X(body_inertia, nbody, 3) X(body_gravcomp, nbody, 1) \
  X(jnt_solref, njnt, 2) X(jnt_solimp, njnt, 5) X(jnt_pos, njnt, 3) X(jnt_axis, njnt, 3) X(jnt_stiffness, njnt, 1) \
  X(jnt_range, njnt, 2) X(jnt_actfrcrange, njnt, 2) X(jnt_margin, njnt, 1) \
  X(dof_solref, nv, 2) X(dof_solimp, nv, 5) X(dof_frictionloss, nv, 1) X(dof_armature, nv, 1) X(dof_damping, nv, 1) \
  X(geom_solmix, ngeom, 1) X(geom_solref, ngeom, 2) X(geom_solimp, ngeom, 5) X(geom_size, ngeom, 3) \
  X(geom_rbound, ngeom, 1) X(geom_pos, ngeom, 3) X(geom_quat, ngeom, 4) X(geom_friction, ngeom, 3) \
  X(geom_margin, ngeom, 1) X(geom_gap, ngeom, 1) X(geom_fluid, ngeom, 12) \
  X(hfield_size, nhfield, 4) X(hfield_data, nhfielddata, 1) \
  X(geom_rgba, ngeom, 4) \
  X(mat_rgba, nmat, 4) \
  X(site_size, nsite, 3) X(site_pos, nsite, 3) X(site_quat, nsite, 4) \
  X(mesh_vert, nmeshvert, 3) X(mesh_pos, nmesh, 3) X(mesh_quat, nmesh, 4) X(mesh_polynormal, nmeshpoly, 3) \
  X(key_time, nkey, 1) X(key_qpos, nkey, nq) X(key_qvel, nkey, nv) X(key_act, nkey, na) X(key_ctrl, nkey, nu) \
  X(tendon_solref_lim, ntendon, 2) X(tendon_solimp_lim, ntendon, 5) X(tendon_solref_fri, ntendon, 2) \
  X(tendon_solimp_fri, ntendon, 5) X(tendon_range, ntendon, 2) X(tendon_actfrcrange, ntendon, 2) \
  X(tendon_margin, ntendon, 1) X(tendon_stiffness, ntendon, 1) X(tendon_damping, ntendon, 1) \
  X(tendon_armature, ntendon, 1) X(tendon_frictionloss, ntendon, 1) X(tendon_lengthspring, ntendon, 2) \
  X(tendon_length0, ntendon, 1) X(tendon_invweight0, ntendon, 1) \
  X(wrap_prm, nwrap, 1) \
  X(actuator_dynprm, nu, 10) X(actuator_gainprm, nu, 10) X(actuator_biasprm, nu, 10) X(actuator_ctrlrange, nu, 2) \
  X(actuator_forcerange, nu, 2) X(actuator_actrange, nu, 2) X(actuator_gear, nu, 6) X(actuator_cranklength, nu, 1) \
  X(actuator_acc0, nu, 1) X(actuator_length0, nu, 1) X(actuator_lengthrange, nu, 2) \
  X(actuator_muscleprm, nu, nmuscleprm) \
  X(pair_solref, npair, 2) X(pair_solreffriction, npair, 2) X(pair_solimp, npair, 5) X(pair_margin, npair, 1) \
  X(pair_gap, npair, 1) X(pair_friction, npair, 5) \
  X(eq_solref, neq, 2) X(eq_solimp, neq, 5) X(eq_data, neq, 11) \
  X(dof_invweight0, nv, 1) \
  X(body_invweight0, nbody, 2) \
  X(stat_meaninertia, nstat, 1) \
  X(sensor_cutoff, nsensor, 1) X(sensor_noise, nsensor, 1)

namespace sinew {

/// Sizes of a model (mjModel's n* members).
// clang-format on
struct ModelSizes {
  int nq = 0;             ///< generalized coordinates
  int nv = 0;             ///< degrees of freedom
  int nu = 0;             ///< actuators
  int na = 0;             ///< activation states
  int nbody = 0;          ///< bodies, world included
  int njnt = 0;           ///< joints
  int ngeom = 0;          ///< geoms
  int nsite = 0;          ///< sites
  int nmesh = 0;          ///< meshes
  int nmeshvert = 0;      ///< mesh vertices, all meshes
  int nmeshface = 0;      ///< mesh faces, all meshes
  int nmeshgraph = 0;     ///< ints of the meshes' convex hull graphs (mesh_graph; MuJoCo's layout)
  int nmeshpoly = 0;      ///< mesh polygons (merged coplanar hull triangles; multiccd's faces)
  int nmeshpolyvert = 0;  ///< vertex ids of all polygons (mesh_polyvert)
  int nmeshpolymap = 0;   ///< polygon ids of all vertices (mesh_polymap)
  int nhfield = 0;        ///< height fields
  int nhfielddata = 0;    ///< height-field elevations, all height fields
  int nmat = 0;           ///< materials (their colour only: the rangefinder skips invisible geoms)
  int nkey = 0;           ///< keyframes
  int ntree = 0;          ///< kinematic trees (children of the world with dofs)
  int nM = 0;             ///< non-zeros of the sparse lower triangle of M
  int ntendon = 0;        ///< tendons
  int nwrap = 0;          ///< tendon path elements, all tendons
  int nJten = 0;          ///< non-zeros of the sparse tendon Jacobian (fixed sparsity, see ten_J_*)
  int nJmom = 0;          ///< non-zeros of the sparse actuator moment matrix (see moment_*)
  int neq = 0;            ///< equality constraints (parsed, simulated from the constraint issue on)
  int npair = 0;          ///< explicit contact pairs (parsed)
  int nexclude = 0;       ///< contact excludes (parsed)
  int nsensor = 0;        ///< sensors (compiler/sensor.hpp; computed by sensor/sensor.hpp)
  int nsensordata = 0;    ///< values of all sensors (Data::sensordata)
  // Muscle models (muscle/select.hpp, compile_muscle_models): actuator_musclekind (-1: not a
  // muscle, else the policy's index in the compile-time MuscleModels list; 0 is MuJoCo's muscle),
  // actuator_muscleprm (each muscle's policy parameters, packed by M::store), muscle_order (muscle
  // actuator ids sorted by kind, ascending id within a kind), kind k's contiguous range
  // muscle_order[muscle_kindadr[k] .. + muscle_kindnum[k]).
  int nmuscle = 0;      ///< muscle actuators (dyn, gain and bias type muscle)
  int nmusclekind = 0;  ///< kinds in the list the model was compiled with (0: not compiled, all MuJoCo)
  int nmuscleprm = 0;   ///< reals per actuator in actuator_muscleprm (the list's largest nprm)
  // Collision (compiler/contact.hpp): collision_pair holds every geom pair the collision
  // stage may test, (geom1, geom2, ipair) with ipair the explicit <pair> index or -1 for a
  // bitmask pair, already filtered (contype/conaffinity, welds, parent-child, excludes) and in
  // MuJoCo's processing order. nconmax: contact capacity per world in Data
  // (compile_capacities): 0 with contacts disabled, else nconmax_pairs, the worst case of
  // collision_pair (mj_maxContact summed), which cannot overflow, unless the memory that many
  // contacts take would exceed narena, MuJoCo's arena size for the model (from <size memory /
  // nstack / nconmax / njmax>, the size_* hints below): then the most contacts whose memory
  // fits in it. Lower it before creating Data to save memory; contacts past it are dropped and
  // counted in nconoverflow.
  int ncollision = 0;                                        ///< candidate geom pairs (rows of collision_pair)
  int nconmax = 0;                                           ///< contact capacity per world
  int nconmax_pairs = 0;                                     ///< contacts the candidate pairs can produce at most
  long long narena = 0;                                      ///< MuJoCo's arena size in bytes (mjModel::narena)
  long long size_memory = -1;                                ///< <size memory> in bytes (-1: not given)
  int size_nstack = -1, size_nconmax = -1, size_njmax = -1;  ///< <size> hints (-1: not given)
  // Constraint rows (compiler/equality.hpp, constraint/make_constraint.hpp): njmax rows per
  // world in Data (efc_*); the loader sets the worst case (compile_constraint_sizes); rows past it
  // are dropped and counted in nefcoverflow.
  int njmax = 0;  ///< constraint-row capacity per world
  /// The most nonzeros one constraint row can have (compile_row_width: the dofs of the two
  /// kinematic chains a contact or equality couples, a tendon's Jacobian, ...): each row of
  /// efc_J / efc_J_colind holds that many (nonzero values, their columns). 0: not computed (a
  /// model built by hand): rows then hold nv. Use efc_width().
  int nJrow = 0;
  SINEW_HD int efc_width() const { return nJrow > 0 && nJrow < nv ? nJrow : nv; }
  // Constraint-solver work space per world (compiler/equality.hpp compile_solver_sizes,
  // from opt.solver and opt.cone; recomputed by apply_option): the Newton Hessian and its
  // factor (a packed nv x nv triangle), the factor with elliptic-cone terms, the elliptic
  // contacts' local Hessians (36 per contact), PGS's dense AR matrix (njmax x njmax) and
  // noslip's M^-1 J'.
  int nsolH = 0;      ///< nv (nv + 1) / 2 (a packed triangle) with the Newton solver, else 0
  int nsolHcone = 0;  ///< nv (nv + 1) / 2 with Newton and elliptic cones, else 0
  int nconH = 0;      ///< 36 * nconmax with Newton and elliptic cones, else 0
  int nAR = 0;        ///< njmax * njmax with PGS, else 0
  int nsolW = 0;      ///< njmax * nv with noslip (the rows of M^-1 J'), else 0
  int nLU = 0;        ///< nv * nv with the implicit integrator (M - h qDeriv and its LU), else 0
  int nimpl = 0;      ///< 6 (nbody + nv) with the implicit integrator (RNE velocity tangents), else 0
  // Integrator work space (compile_solver_sizes, from opt.integrator and the flags): qDeriv
  // for implicit and implicitfast; qH and qHDiagInv (M - h D factored) for implicitfast and for
  // Euler and RK4 with implicit damping possible (Option::needs_qH); RK4's stage states.
  int nqDeriv = 0;  ///< nM with implicit or implicitfast, else 0
  int nqH = 0;      ///< nM with implicitfast, or Euler / RK4 with eulerdamp and damper enabled, else 0
  int nrk = 0;      ///< 1 with RK4 (rk_X, rk_F, rk_dX sized), else 0
  int nstat = 1;    ///< model statistics stored as arrays (stat_meaninertia): always 1
};

/// Physics options (mjOption), with MJCF attribute names.
template <class T> struct Option {
  T timestep = T(0.002);
  T impratio = T(1);
  T tolerance = T(1e-8);
  T ls_tolerance = T(0.01);
  T noslip_tolerance = T(1e-6);
  T ccd_tolerance = T(1e-6);
  T gravity[3] = {T(0), T(0), T(-9.81)};
  T wind[3] = {T(0), T(0), T(0)};
  T magnetic[3] = {T(0), T(-0.5), T(0)};
  T density = T(0);
  T viscosity = T(0);
  T o_margin = T(0);
  T o_solref[2] = {T(0.02), T(1)};
  T o_solimp[5] = {T(0.9), T(0.95), T(0.001), T(0.5), T(2)};
  T o_friction[5] = {T(1), T(1), T(0.005), T(0.0001), T(0.0001)};
  int integrator = INT_EULER;
  int cone = CONE_PYRAMIDAL;
  int jacobian = JAC_AUTO;
  int solver = SOL_NEWTON;
  int iterations = 100;
  int ls_iterations = 50;
  int noslip_iterations = 0;
  int ccd_iterations = 35;
  int disableflags = 0;
  int enableflags = 0;

  SINEW_INLINE bool disabled(int bit) const { return (disableflags & bit) != 0; }
  SINEW_INLINE bool enabled(int bit) const { return (enableflags & bit) != 0; }
  /// Whether euler() may integrate damping implicitly (in qH): the eulerdamp and damper flags
  /// enabled (it then does when any dof has damping). Like mj_Euler, it does not look at the
  /// integrator: Euler uses it, and so does a step2-style Euler update of an RK4 model.
  SINEW_INLINE bool euler_damping_possible() const { return !disabled(DSBL_EULERDAMP) && !disabled(DSBL_DAMPER); }
  /// Whether these options need qH and qHDiagInv: implicitfast, or Euler / RK4 with
  /// euler_damping_possible() (set_integrator_sizes, integrator_data_unsupported).
  SINEW_INLINE bool needs_qH() const {
    return integrator == INT_IMPLICITFAST || (integrator != INT_IMPLICIT && euler_damping_possible());
  }

  template <class U> Option<U> cast() const {
    Option<U> o;
    o.timestep = U(timestep);
    o.impratio = U(impratio);
    o.tolerance = U(tolerance);
    o.ls_tolerance = U(ls_tolerance);
    o.noslip_tolerance = U(noslip_tolerance);
    o.ccd_tolerance = U(ccd_tolerance);
    for (int i = 0; i < 3; ++i) {
      o.gravity[i] = U(gravity[i]);
      o.wind[i] = U(wind[i]);
      o.magnetic[i] = U(magnetic[i]);
    }
    o.density = U(density);
    o.viscosity = U(viscosity);
    o.o_margin = U(o_margin);
    for (int i = 0; i < 2; ++i) o.o_solref[i] = U(o_solref[i]);
    for (int i = 0; i < 5; ++i) {
      o.o_solimp[i] = U(o_solimp[i]);
      o.o_friction[i] = U(o_friction[i]);
    }
    o.integrator = integrator;
    o.cone = cone;
    o.jacobian = jacobian;
    o.solver = solver;
    o.iterations = iterations;
    o.ls_iterations = ls_iterations;
    o.noslip_iterations = noslip_iterations;
    o.ccd_iterations = ccd_iterations;
    o.disableflags = disableflags;
    o.enableflags = enableflags;
    return o;
  }
};

/// Sets the integrator's work-space sizes in `s` (nLU, nimpl, nqDeriv, nqH, nrk) from the options:
/// compile_solver_sizes does, and so does Data's constructor from a Model, so a Data made after
/// setting opt.integrator (or the eulerdamp / damper flags) directly has the space it needs.
template <class T> inline void set_integrator_sizes(ModelSizes& s, const Option<T>& o) {
  const bool implicit = o.integrator == INT_IMPLICIT, fast = o.integrator == INT_IMPLICITFAST;
  s.nLU = implicit ? s.nv * s.nv : 0;
  s.nimpl = implicit ? 6 * (s.nbody + s.nv) : 0;
  s.nqDeriv = implicit || fast ? s.nM : 0;
  s.nqH = o.needs_qH() ? s.nM : 0;
  s.nrk = o.integrator == INT_RK4 ? 1 : 0;
}

/// Non-owning, trivially copyable view of a Model's arrays: what kernels receive.
template <class T> struct ModelView {
  ModelSizes size;
  Option<T> opt;
#define SINEW_X(name, count, dim) const int* name;
  SINEW_MODEL_INT_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count, dim) const T* name;
  SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
};

/// Elements read from MJCF that later pipeline stages simulate (tendons, actuators, equality
/// constraints, contact pairs and excludes, sensors). The compiler keeps their resolved
/// attributes so those stages can be added without re-reading files.
struct PendingElement {
  std::string kind;     ///< element name, e.g. "spatial", "muscle", "joint" (equality)
  std::string section;  ///< parent section: "tendon", "actuator", "equality", "contact", "sensor"
  std::string name;
  std::string file;  ///< where it was declared
  int line = 0;
  std::vector<std::pair<std::string, std::string>> attrs;  ///< resolved attributes (defaults applied)
  std::vector<PendingElement> children;                    ///< e.g. a spatial tendon's path
};

/// Host-side, owning Model: the compiler's output. `T` is the scalar of its real arrays.
template <class T> struct Model : ModelSizes {
  Option<T> opt;
  std::string name;  ///< <mujoco model="...">

#define SINEW_X(name, count, dim) std::vector<int> name;
  SINEW_MODEL_INT_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count, dim) std::vector<T> name;
  SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X

  // Names (host only), indexed like the objects; empty string when unnamed.
  std::vector<std::string> body_names, jnt_names, geom_names, site_names, mesh_names, key_names, actuator_names,
      tendon_names, sensor_names;
  /// Per actuator, its MJCF default class ("main" when none): muscle selection by class.
  std::vector<std::string> actuator_classes;
  /// The MJCF <custom><text name="sinew:muscle_model" data="..."/> data (entries joined by ';').
  std::string muscle_model_spec;

  /// Parsed elements not simulated yet (see PendingElement).
  std::vector<PendingElement> pending;

  const ModelSizes& sizes() const { return *this; }

  /// Resizes every array to the counts in the size members (zero-filled).
  void allocate() {
#define SINEW_X(name, count, dim) name.assign(size_t(count) * size_t(dim), 0);
    SINEW_MODEL_INT_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count, dim) name.assign(size_t(count) * size_t(dim), T(0));
    SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
  }

  /// Checks that every array has the length its size members imply; returns the first
  /// offending field's name, or an empty string.
  std::string check_sizes() const {
#define SINEW_X(name, count, dim) \
  if (name.size() != size_t(count) * size_t(dim)) return #name;
    SINEW_MODEL_INT_FIELDS(SINEW_X)
    SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
    return {};
  }

  ModelView<T> view() const {
    ModelView<T> v;
    v.size = sizes();
    v.opt = opt;
#define SINEW_X(name, count, dim) v.name = this->name.data();
    SINEW_MODEL_INT_FIELDS(SINEW_X)
    SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
    return v;
  }

  /// A copy with real arrays converted to scalar U (integer arrays and names copied).
  template <class U> Model<U> cast() const {
    Model<U> r;
    static_cast<ModelSizes&>(r) = sizes();
    r.opt = opt.template cast<U>();
    r.name = name;
#define SINEW_X(name, count, dim) r.name = this->name;
    SINEW_MODEL_INT_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count, dim) r.name.assign(this->name.begin(), this->name.end());
    SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
    r.body_names = body_names;
    r.jnt_names = jnt_names;
    r.geom_names = geom_names;
    r.site_names = site_names;
    r.mesh_names = mesh_names;
    r.key_names = key_names;
    r.actuator_names = actuator_names;
    r.tendon_names = tendon_names;
    r.sensor_names = sensor_names;
    r.actuator_classes = actuator_classes;
    r.muscle_model_spec = muscle_model_spec;
    r.pending = pending;
    return r;
  }

  /// Index of the named object in `names`, or -1.
  static int find(const std::vector<std::string>& names, const std::string& n) {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == n) return int(i);
    return -1;
  }
};

}  // namespace sinew
