// model/: the Model type on its own: allocate() sizes every array from the size members and
// check_sizes() names the first that disagrees, cast() converts the real arrays and keeps the
// rest, view() points at the Model's own arrays, find() looks names up, and the enumerations keep
// MuJoCo's numeric values (the oracle tests compare fields one to one with mjModel).
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "sinew/model/model.hpp"

using namespace sinew;

TEST_CASE("model: allocate, check_sizes, cast, view and find") {
  Model<double> m;
  m.nbody = 3;
  m.njnt = 2;
  m.nq = m.nv = 2;
  m.ngeom = 1;
  m.allocate();
  CHECK(m.check_sizes().empty());
  CHECK(m.body_mass.size() == 3);
  CHECK(m.body_pos.size() == 9);
  CHECK(m.qpos0.size() == 2);
  CHECK(m.geom_size.size() == 3);
  m.body_mass[1] = 0.1;  // not a float
  m.jnt_type[1] = JNT_SLIDE;
  m.jnt_names = {"a", "b"};
  m.opt.timestep = 0.004;

  const Model<float> f = m.cast<float>();
  CHECK(f.check_sizes().empty());
  CHECK(f.nbody == 3);
  CHECK(f.body_mass[1] == 0.1f);
  CHECK(double(f.body_mass[1]) != 0.1);
  CHECK(f.jnt_type[1] == JNT_SLIDE);
  CHECK(f.jnt_names == m.jnt_names);
  CHECK(f.opt.timestep == 0.004f);

  const ModelView<double> v = m.view();
  CHECK(v.size.nbody == 3);
  CHECK(v.body_mass == m.body_mass.data());
  CHECK(v.opt.timestep == 0.004);

  CHECK(Model<double>::find(m.jnt_names, "b") == 1);
  CHECK(Model<double>::find(m.jnt_names, "c") == -1);

  m.body_pos.pop_back();
  CHECK(m.check_sizes() == "body_pos");
}

TEST_CASE("model: enumerations keep MuJoCo's values") {
  CHECK(JNT_FREE == 0);
  CHECK(JNT_HINGE == 3);
  CHECK(GEOM_PLANE == 0);
  CHECK(GEOM_MESH == 7);
  CHECK(GEOM_SDF == 8);
  CHECK(EQ_WELD == 1);
  CHECK(EQ_TENDON == 3);
  CHECK(OBJ_SITE == 6);
  CHECK(OBJ_ACTUATOR == 19);
  CHECK(CNSTR_LIMIT_JOINT == 3);
  CHECK(CNSTR_CONTACT_ELLIPTIC == 7);
  CHECK(NEQDATA == 11);
  CHECK(int(MeshInertia::legacy) == 2);
}
