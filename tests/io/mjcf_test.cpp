// MJCF loader and compiler: orientation forms, defaults, includes, errors with file:line, geom
// inertia formulas. Field-by-field agreement with MuJoCo on real models is tests/python/test_compiler.py.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sinew/compiler/compiler.hpp"

using sinew::load_mjcf_string;
using sinew::Model;

namespace {

const std::string kData = std::string(SINEW_TEST_DATA_DIR);

Model<double> load(const std::string& body, const std::string& extra = "") {
  std::vector<sinew::Diagnostic> w;
  return load_mjcf_string("<mujoco>" + extra + "<worldbody>" + body + "</worldbody></mujoco>", ".", &w);
}

std::string error_of(const std::string& xml, const std::string& dir = ".") {
  std::vector<sinew::Diagnostic> w;
  try {
    load_mjcf_string(xml, dir, &w);
  } catch (const sinew::ModelError& e) { return e.what(); }
  return "";
}

void check_quat(const Model<double>& m, int site, double w, double x, double y, double z) {
  const double* q = &m.site_quat[size_t(4 * site)];
  CHECK(q[0] == doctest::Approx(w).epsilon(1e-12));
  CHECK(q[1] == doctest::Approx(x).epsilon(1e-12));
  CHECK(q[2] == doctest::Approx(y).epsilon(1e-12));
  CHECK(q[3] == doctest::Approx(z).epsilon(1e-12));
}

}  // namespace

TEST_CASE("orientation forms") {
  const double h = std::sqrt(0.5);
  auto m = load(
      "<site quat='2 0 0 0'/>"
      "<site axisangle='0 0 1 90'/>"
      "<site euler='0 0 90'/>"
      "<site xyaxes='0 1 0 -1 0 0'/>"
      "<site zaxis='1 0 0'/>"
      "<site euler='90 90 0'/>");
  check_quat(m, 0, 1, 0, 0, 0);
  check_quat(m, 1, h, 0, 0, h);  // degrees by default
  check_quat(m, 2, h, 0, 0, h);
  check_quat(m, 3, h, 0, 0, h);
  check_quat(m, 4, h, 0, h, 0);
  // intrinsic xyz: qx(90) * qy(90)
  check_quat(m, 5, 0.5, 0.5, 0.5, 0.5);
  auto r = load("<site axisangle='1 0 0 1.5707963267948966'/><site euler='1.5707963267948966 1.5707963267948966 0'/>",
                "<compiler angle='radian' eulerseq='XYZ'/>");
  check_quat(r, 0, h, h, 0, 0);
  // extrinsic XYZ: qy(90) * qx(90)
  check_quat(r, 1, 0.5, 0.5, 0.5, -0.5);
}

TEST_CASE("defaults and childclass") {
  auto m = load_mjcf_string(
      "<mujoco><default><geom density='100'/><joint damping='1'/>"
      "<default class='a'><joint damping='5' armature='0.1'/><default class='b'><geom "
      "density='10'/></default></default>"
      "</default><worldbody><body childclass='b'><joint/><geom size='1'/><geom class='main' size='1' pos='1 0 0'/>"
      "</body></worldbody></mujoco>",
      ".", nullptr);
  CHECK(m.dof_damping[0] == 5);  // from a, via b
  CHECK(m.dof_armature[0] == doctest::Approx(0.1));
  const double vol = 4.0 / 3.0 * M_PI;
  CHECK(m.body_mass[1] == doctest::Approx(10 * vol + 100 * vol).epsilon(1e-12));
}

TEST_CASE("partial vector attributes keep the default's trailing values") {
  auto m = load("<body><geom type='box' class='c' size='1'/></body>",
                "<default><default class='c'><geom size='3 2 5'/></default></default>");
  CHECK(m.geom_size[0] == 1);
  CHECK(m.geom_size[1] == 2);
  CHECK(m.geom_size[2] == 5);
}

TEST_CASE("includes with relative paths and original locations") {
  std::string err;
  try {
    sinew::load_mjcf(kData + "/inc_main.xml");
  } catch (const sinew::ModelError& e) { err = e.what(); }
  // the unknown attribute sits two includes deep: its own file and line are named
  CHECK(err.find("sub/inc_leaf.xml:2") != std::string::npos);
  CHECK(err.find("bogus") != std::string::npos);
}

TEST_CASE("includes are bounded: no device files, self-includes by any path, include bombs") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "sinew_mjcf_include_test";
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  auto error = [](const std::string& path) {
    try {
      sinew::load_mjcf(path);
    } catch (const sinew::ModelError& e) { return std::string(e.what()); }
    return std::string();
  };
  const std::string zero = write("zero.xml", "<mujoco>\n<include file=\"/dev/zero\"/>\n</mujoco>\n");
  CHECK(error(zero).find("zero.xml:2: <include>: error: included file '/dev/zero' is not a regular file") !=
        std::string::npos);
  const std::string self = write("self.xml", "<mujoco>\n<include file=\"./self.xml\"/>\n</mujoco>\n");
  CHECK(error(self).find("recursive include of") != std::string::npos);
  // 2^20 expansions of a tiny file: stopped at the include limit, not after minutes
  std::string next = write("leaf.xml", "<mujoco><size memory=\"1K\"/></mujoco>\n");
  for (int i = 0; i < 20; ++i) {
    const std::string name = "bomb" + std::to_string(i) + ".xml", inc = fs::path(next).filename().string();
    next = write(name, "<mujoco>\n<include file=\"" + inc + "\"/>\n<include file=\"" + inc + "\"/>\n</mujoco>\n");
  }
  CHECK(error(next).find("more than 10000 <include> expansions") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("out-of-range numbers are errors, not undefined casts (face=\"9e9\", condim=\"nan\")") {
  CHECK(
      error_of("<mujoco><asset><mesh name=\"m\" vertex=\"0 0 0 1 0 0 0 1 0 0 0 1\" face=\"0 1 9e9\"/></asset></mujoco>")
          .find("vertex indices must be non-negative integers") != std::string::npos);
  const std::string pair =
      "<mujoco><worldbody><geom name=\"a\" size=\"1\"/><geom name=\"b\" size=\"1\"/></worldbody>"
      "<contact><pair geom1=\"a\" geom2=\"b\" condim=\"nan\"/></contact></mujoco>";
  CHECK(error_of(pair).find("condim must be 1, 3, 4 or 6") != std::string::npos);
}

TEST_CASE("errors name file, line and element") {
  // malformed XML: tinyxml2's line (the unclosed element's)
  std::string bad = error_of("<mujoco>\n<worldbody>\n<body>\n</worldbody></mujoco>");
  CHECK(bad.find(":3") != std::string::npos);
  CHECK(bad.find("malformed XML") != std::string::npos);
  std::string e = error_of("<mujoco>\n<worldbody>\n<bogus/>\n</worldbody></mujoco>");
  CHECK(e.find(":3") != std::string::npos);
  CHECK(e.find("unknown element <bogus>") != std::string::npos);
  e = error_of("<mujoco>\n<worldbody>\n<geom size='1' colour='red'/>\n</worldbody></mujoco>");
  CHECK(e.find(":3: <geom>") != std::string::npos);
  CHECK(e.find("colour") != std::string::npos);
  e = error_of("<mujoco><include file='missing.xml'/></mujoco>");
  CHECK(e.find("missing.xml") != std::string::npos);
  e = error_of("<mujoco>\n<worldbody><composite type='grid' count='2 2 1'/></worldbody></mujoco>");
  CHECK(e.find("not supported") != std::string::npos);
  CHECK(e.find("<composite>") != std::string::npos);
  e = error_of(
      "<mujoco><worldbody><body><freejoint/><body><freejoint/><geom size='1'/></body><geom "
      "size='1'/></body></worldbody></mujoco>");
  CHECK(e.find("free joint can only be used on top level") != std::string::npos);
  e = error_of("<mujoco><worldbody><geom type='capsule' size='0.1 -1'/></worldbody></mujoco>");
  CHECK(e.find("size 1 must be positive") != std::string::npos);
  // (a negative inertial mass is clamped to boundmass = 0 by MuJoCo, no error; a negative density is one)
  e = error_of("<mujoco><worldbody><body><geom size='1' density='-1'/></body></worldbody></mujoco>");
  CHECK(e.find("negative in geom") != std::string::npos);
  e = error_of("<mujoco><worldbody><site quat='0 0 0 0'/></worldbody></mujoco>");
  CHECK(e.find("zero-length quaternion") != std::string::npos);
  e = error_of("<mujoco><asset><mesh name='m' file='nowhere.stl'/></asset></mujoco>");
  CHECK(e.find("nowhere.stl") != std::string::npos);
}

TEST_CASE("primitive geom inertia matches MuJoCo's formulas") {
  const double r = 0.1, hh = 0.3, rho = 1000;
  auto m = load(
      "<body><geom type='capsule' size='0.1 0.3'/></body>"
      "<body><geom type='cylinder' size='0.1 0.3'/></body>"
      "<body><geom type='box' size='0.1 0.2 0.3'/></body>"
      "<body><geom type='ellipsoid' size='0.1 0.2 0.3'/></body>"
      "<body><geom type='sphere' size='0.1'/></body>");
  // capsule: cylinder plus two hemispheres
  double h = 2 * hh, vol = M_PI * (r * r * h + 4 * r * r * r / 3), mass = rho * vol;
  double ms = mass * 4 * r / (4 * r + 3 * h), mc = mass - ms;
  double Ixx = mc * (3 * r * r + h * h) / 12 + 2 * ms * r * r / 5 + ms * h * (3 * r + 2 * h) / 8;
  double Izz = mc * r * r / 2 + 2 * ms * r * r / 5;
  CHECK(m.body_mass[1] == doctest::Approx(mass).epsilon(1e-12));
  CHECK(m.body_inertia[3] == doctest::Approx(Ixx).epsilon(1e-12));
  CHECK(m.body_inertia[5] == doctest::Approx(Izz).epsilon(1e-12));
  double mcyl = rho * M_PI * r * r * h;
  CHECK(m.body_mass[2] == doctest::Approx(mcyl).epsilon(1e-12));
  CHECK(m.body_inertia[6] == doctest::Approx(mcyl * (3 * r * r + h * h) / 12).epsilon(1e-12));
  double mb = rho * 8 * 0.1 * 0.2 * 0.3;
  CHECK(m.body_mass[3] == doctest::Approx(mb).epsilon(1e-12));
  // principal inertias come out in decreasing order: about x is (b^2+c^2)/3
  CHECK(m.body_inertia[9] == doctest::Approx(mb * (0.04 + 0.09) / 3).epsilon(1e-12));
  double me = rho * 4 * M_PI * 0.1 * 0.2 * 0.3 / 3;
  CHECK(m.body_mass[4] == doctest::Approx(me).epsilon(1e-12));
  CHECK(m.body_inertia[12] == doctest::Approx(me * (0.04 + 0.09) / 5).epsilon(1e-12));
  double msph = rho * 4 * M_PI * 0.001 / 3;
  CHECK(m.body_inertia[15] == doctest::Approx(2 * msph * 0.01 / 5).epsilon(1e-12));
}

TEST_CASE("topology, qpos0 and the sparse mass-matrix layout") {
  auto m = load(
      "<body pos='0 0 1'><freejoint/><geom size='0.1'/>"
      "<body><joint type='ball'/><geom size='0.1'/><body><joint ref='90'/><geom size='0.1'/></body></body></body>");
  CHECK(m.nq == 12);
  CHECK(m.nv == 10);
  CHECK(m.qpos0[2] == 1);
  CHECK(m.qpos0[7] == 1);
  CHECK(m.qpos0[11] == doctest::Approx(M_PI / 2));
  CHECK(m.dof_parentid[6] == 5);
  CHECK(m.dof_parentid[0] == -1);
  CHECK(m.nM == 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10);
  CHECK(m.ntree == 1);
}

TEST_CASE("apply_option") {
  auto m = load("<body><joint/><geom size='1'/></body>");
  sinew::apply_option(m, "timestep", "0.005");
  sinew::apply_option(m, "integrator", "RK4");
  sinew::apply_option(m, "gravity", "0 0 -1");
  sinew::apply_option(m, "flag.eulerdamp", "disable");
  sinew::apply_option(m, "flag.energy", "enable");
  CHECK(m.opt.timestep == 0.005);
  CHECK(m.opt.integrator == sinew::INT_RK4);
  CHECK(m.opt.gravity[2] == -1);
  CHECK(m.opt.disabled(sinew::DSBL_EULERDAMP));
  CHECK(m.opt.enabled(sinew::ENBL_ENERGY));
  CHECK_THROWS_AS(sinew::apply_option(m, "integrator", "rk5"), sinew::ModelError);
  CHECK_THROWS_AS(sinew::apply_option(m, "timestep", "-1"), sinew::ModelError);
  CHECK_THROWS_AS(sinew::apply_option(m, "nosuch", "1"), sinew::ModelError);
  CHECK_THROWS_AS(sinew::apply_option(m, "flag.nosuch", "enable"), sinew::ModelError);
}

TEST_CASE("actuators, equalities and sensors compile; only sensors Sinew does not compute warn") {
  std::vector<sinew::Diagnostic> w;
  auto m = load_mjcf_string(
      "<mujoco><default><geom contype='0' conaffinity='0'/></default>"
      "<worldbody><body><joint name='j'/><geom size='1'/><site name='s'/></body>"
      "<body><joint name='k'/><geom size='1'/></body></worldbody>"
      "<actuator><motor joint='j'/><muscle joint='j' lengthrange='0 1'/><position joint='j' "
      "timeconst='0.1'/></actuator>"
      "<equality><joint joint1='j' joint2='k'/><joint joint1='k' joint2='j'/></equality>"
      "<sensor><jointpos joint='j'/><e_kinetic name='ek'/><jointvel joint='k'/></sensor></mujoco>",
      ".", &w);
  CHECK(m.nu == 3);
  CHECK(m.na == 2);
  CHECK(m.neq == 2);
  CHECK(m.nsensor == 3);
  CHECK(m.nsensordata == 3);
  CHECK(m.sensor_adr == std::vector<int>{0, 1, 2});
  REQUIRE(w.size() == 1);  // only the kinetic-energy sensor warns
  CHECK(w[0].message.find("1 sensors Sinew does not compute read NaN in sensordata: <e_kinetic> 'ek'") !=
        std::string::npos);
}

TEST_CASE("joint limits, friction loss and <statistic meaninertia> load without warnings") {
  std::vector<sinew::Diagnostic> w;
  auto m = load_mjcf_string(
      "<mujoco><statistic meaninertia='2.5'/><default><geom contype='0' conaffinity='0'/></default><worldbody>\n"
      "<body><joint name='free_hinge'/><geom size='1'/>\n"
      "<body><joint name='lim' range='-1 1' frictionloss='0.1'/><geom size='1'/></body></body>\n"
      "</worldbody></mujoco>",
      ".", &w);
  CHECK(m.jnt_limited[1] == 1);
  CHECK(w.empty());
  CHECK(m.stat_meaninertia[0] == 2.5);
  CHECK_THROWS_WITH_AS(load_mjcf_string("<mujoco><statistic meaninertia='-1'/></mujoco>", "."),
                       doctest::Contains("meaninertia must be a positive number"), sinew::ModelError);
}

TEST_CASE("MSH meshes: read as MuJoCo's legacy binary format, sizes checked before allocating") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "sinew_msh_test";
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::vector<int32_t>& head, const std::vector<float>& v,
                   const std::vector<int32_t>& f) {
    std::ofstream o(dir / name, std::ios::binary);
    o.write(reinterpret_cast<const char*>(head.data()), std::streamsize(head.size() * 4));
    o.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * 4));
    o.write(reinterpret_cast<const char*>(f.data()), std::streamsize(f.size() * 4));
  };
  // a tetrahedron: 4 vertices, no normals or texture coordinates, 4 faces
  const std::vector<float> v{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  const std::vector<int32_t> f{0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3};
  write("tet.msh", {4, 0, 0, 4}, v, f);
  const std::string xml =
      "<mujoco><asset><mesh name='t' file='tet.msh'/></asset><worldbody><body><freejoint/>"
      "<geom type='mesh' mesh='t'/></body></worldbody></mujoco>";
  std::vector<sinew::Diagnostic> w;
  const Model<double> m = load_mjcf_string(xml, dir.string(), &w);
  CHECK(m.nmeshvert == 4);
  CHECK(m.nmeshface == 4);
  CHECK(m.body_mass[1] == doctest::Approx(1000.0 / 6.0));  // density 1000, volume 1/6
  // a header claiming more data than the file holds, a bad count, a truncated header
  write("big.msh", {1 << 30, 0, 0, 4}, v, f);
  write("bad.msh", {4, 3, 0, 4}, v, f);
  write("short.msh", {4, 0}, {}, {});
  for (const char* name : {"big.msh", "bad.msh", "short.msh"}) {
    std::string x = xml;
    x.replace(x.find("tet.msh"), 7, name);
    const std::string e = error_of(x, dir.string());
    CHECK(e.find(name) != std::string::npos);
    CHECK((e.find("unexpected file size") != std::string::npos || e.find("invalid sizes") != std::string::npos ||
           e.find("missing header") != std::string::npos));
  }
  fs::remove_all(dir);
}

TEST_CASE("height fields: elevation rows flipped and normalized; bad binary and PNG files refused") {
  namespace fs = std::filesystem;
  std::vector<sinew::Diagnostic> w;
  const Model<double> m = load_mjcf_string(
      "<mujoco><asset><hfield name='h' nrow='2' ncol='2' size='1 1 0.5 0.1' elevation='1 2 3 5'/></asset>"
      "<worldbody><geom type='hfield' hfield='h'/></worldbody></mujoco>",
      ".", &w);
  REQUIRE(m.nhfield == 1);
  // rows bottom first (the XML lists the top row first), scaled to [0, 1]
  CHECK(m.hfield_data == std::vector<double>{0.5, 1.0, 0.0, 0.25});
  CHECK(w.empty());
  const fs::path dir = fs::temp_directory_path() / "sinew_hfield_test";
  fs::create_directories(dir);
  {
    std::ofstream o(dir / "bad.bin", std::ios::binary);
    const int32_t head[2] = {1000, 1000};  // claims 4 MB, holds 8 bytes
    o.write(reinterpret_cast<const char*>(head), sizeof head);
  }
  const std::string bad =
      error_of("<mujoco><asset><hfield file='bad.bin' size='1 1 1 1'/></asset></mujoco>", dir.string());
  CHECK(bad.find("unexpected file size") != std::string::npos);
  CHECK(bad.find("bad.bin") != std::string::npos);
  {
    std::ofstream o(dir / "t.png", std::ios::binary);
    o << "\x89PNG\r\n\x1a\n truncated";
  }
  const std::string png =
      error_of("<mujoco><asset><hfield file='t.png' size='1 1 1 1'/></asset></mujoco>", dir.string());
  CHECK(png.find("error decoding PNG file") != std::string::npos);
  CHECK(png.find("t.png") != std::string::npos);
  CHECK(error_of("<mujoco><asset><hfield nrow='2' ncol='2' size='1 1 1 1' elevation='1 2 3'/></asset></mujoco>")
            .find("elevation data length must match nrow*ncol") != std::string::npos);
  fs::remove_all(dir);
}
