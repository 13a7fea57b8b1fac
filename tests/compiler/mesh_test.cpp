// Mesh loading (io/stl.hpp) and compilation (compiler/mesh.hpp) on solids with known mass
// properties, binary vs ASCII STL, MuJoCo's checks and messages, and eig3.
// MuJoCo-oracle comparisons on the real models live in tests/python/test_mesh.py.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "sinew/io/stl.hpp"
#include "sinew/math/eig3.hpp"
#include "sinew/compiler/mesh.hpp"

namespace {

namespace fs = std::filesystem;

const double kOne[3] = {1, 1, 1};
const double kZero[3] = {0, 0, 0};
const double kIdQ[4] = {1, 0, 0, 0};

// unit cube [0,1]^3, outward counter-clockwise triangles
const std::vector<double> kCubeV = {0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1};
const std::vector<int> kCubeF = {0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4,
                                 1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3, 4, 7};
// right-corner tetrahedron
const std::vector<double> kTetV = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
const std::vector<int> kTetF = {0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3};

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("sinew_mesh_test_" + std::to_string(std::random_device{}()));
  fs::create_directories(d);
  return d;
}

// writes the triangle soup of (v, f) as binary STL; header optionally starting with "solid"
void write_binary_stl(const fs::path& p, const std::vector<double>& v, const std::vector<int>& f,
                      const char* header = "binary", size_t truncate = 0) {
  std::string buf(80, ' ');
  std::memcpy(buf.data(), header, std::strlen(header));
  uint32_t n = uint32_t(f.size() / 3);
  buf.append(reinterpret_cast<const char*>(&n), 4);
  for (uint32_t i = 0; i < n; ++i) {
    float rec[12] = {0, 0, 0};
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) rec[3 + 3 * j + k] = float(v[3 * f[3 * i + j] + k]);
    buf.append(reinterpret_cast<const char*>(rec), 48);
    buf.append(2, '\0');
  }
  buf.resize(buf.size() - truncate);
  std::ofstream(p, std::ios::binary) << buf;
}

void write_ascii_stl(const fs::path& p, const std::vector<double>& v, const std::vector<int>& f) {
  std::ofstream o(p);
  o << "solid test\n";
  char line[128];
  for (size_t i = 0; i < f.size(); i += 3) {
    o << "  facet normal 0 0 0\n    outer loop\n";
    for (int j = 0; j < 3; ++j) {
      const double* x = &v[3 * f[i + j]];
      std::snprintf(line, sizeof line, "      vertex %.9g %.9g %.9g\n", x[0], x[1], x[2]);
      o << line;
    }
    o << "    endloop\n  endfacet\n";
  }
  o << "endsolid test\n";
}

sinew::CompiledMesh compile(const sinew::MeshSource& s, sinew::MeshInertia mode, const double* scale = kOne) {
  return sinew::compile_mesh(s, scale, mode, kZero, kIdQ, "test.xml: <mesh>");
}

std::string error_of(const sinew::MeshSource& s, sinew::MeshInertia mode, const double* scale = kOne) {
  try {
    compile(s, mode, scale);
  } catch (const sinew::ModelError& e) { return e.what(); }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("unit cube: volume, centre of mass, inertia in every mode") {
  auto src = sinew::inline_mesh(kCubeV, kCubeF);
  for (auto mode : {sinew::MeshInertia::legacy, sinew::MeshInertia::exact, sinew::MeshInertia::convex}) {
    auto m = compile(src, mode);
    CHECK(m.volume == doctest::Approx(1.0).epsilon(1e-14));
    CHECK(m.volume_ref() == doctest::Approx(1.0).epsilon(1e-14));
    for (int k = 0; k < 3; ++k) {
      CHECK(m.pos[k] == doctest::Approx(0.5).epsilon(1e-14));
      CHECK(m.inertia[k] == doctest::Approx(1.0 / 6).epsilon(1e-13));
      CHECK(m.boxsz[k] == doctest::Approx(0.5).epsilon(1e-13));
    }
    CHECK(m.nvert() == 8);
    for (double x : m.vert) CHECK(std::abs(std::abs(x) - 0.5) < 1e-14);
    double gi[3];
    sinew::mesh_geom_inertia(m, 1000 * m.volume_ref(), gi);
    for (double x : gi) CHECK(x == doctest::Approx(1000.0 / 6).epsilon(1e-13));
  }
  // thin-walled cube of side 1, unit areal density: mass 6, I = 5 M a^2 / 18
  auto s = compile(src, sinew::MeshInertia::shell);
  CHECK(s.surface == doctest::Approx(6.0).epsilon(1e-14));
  CHECK(s.volume_ref() == s.surface);
  for (int k = 0; k < 3; ++k) CHECK(s.inertia[k] == doctest::Approx(5.0 / 3).epsilon(1e-13));
}

TEST_CASE("tetrahedron: known volume and principal inertia, principal frame") {
  auto m = compile(sinew::inline_mesh(kTetV, kTetF), sinew::MeshInertia::exact);
  CHECK(m.volume == doctest::Approx(1.0 / 6).epsilon(1e-14));
  for (int k = 0; k < 3; ++k) CHECK(m.pos[k] == doctest::Approx(0.25).epsilon(1e-14));
  // about the centroid: 1/60 along (1,1,1), 1/96 twice across
  CHECK(m.inertia[0] == doctest::Approx(1.0 / 60).epsilon(1e-12));
  CHECK(m.inertia[1] == doctest::Approx(1.0 / 96).epsilon(1e-12));
  CHECK(m.inertia[2] == doctest::Approx(1.0 / 96).epsilon(1e-12));
  double R[9];
  sinew::uu::quat2mat(R, m.quat);
  double s = 1 / std::sqrt(3.0);
  CHECK(std::abs(std::abs(R[0] * s + R[3] * s + R[6] * s) - 1) < 1e-12);  // x axis along (1,1,1)
  // processed vertices: centred, and the frame maps them back onto the input
  double c[3] = {0, 0, 0};
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 3; ++k) c[k] += m.vert[3 * i + k] / 4;
  for (double x : c) CHECK(std::abs(x) < 1e-15);
  for (int i = 0; i < 4; ++i) {
    double back[3];
    sinew::uu::mulvecmat(back, &m.vert[3 * i], R);
    for (int k = 0; k < 3; ++k) CHECK(back[k] + m.pos[k] == doctest::Approx(kTetV[3 * i + k]).epsilon(1e-14));
  }
  // legacy equals exact on a well-oriented convex solid
  auto l = compile(sinew::inline_mesh(kTetV, kTetF), sinew::MeshInertia::legacy);
  CHECK(l.volume == doctest::Approx(m.volume).epsilon(1e-15));
}

TEST_CASE("scale, refpos, refquat") {
  auto src = sinew::inline_mesh(kCubeV, kCubeF);
  const double scale[3] = {2, 3, 4}, refpos[3] = {1, 0, 0};
  auto m = sinew::compile_mesh(src, scale, sinew::MeshInertia::legacy, refpos, kIdQ, "t");
  CHECK(m.volume == doctest::Approx(24.0).epsilon(1e-14));
  // refpos is subtracted before scaling (MuJoCo's order): x centre (0.5 - 1) * 2
  CHECK(m.pos[0] == doctest::Approx(-1.0).epsilon(1e-14));
  CHECK(m.pos[1] == doctest::Approx(1.5).epsilon(1e-14));
  CHECK(m.pos[2] == doctest::Approx(2.0).epsilon(1e-14));
  // largest inertia about the shortest axis: mass 24, I_x = 24 (9 + 16) / 12
  CHECK(m.inertia[0] == doctest::Approx(24.0 * 25 / 12).epsilon(1e-12));
  CHECK(m.inertia[2] == doctest::Approx(24.0 * 13 / 12).epsilon(1e-12));
  // refquat rotates the mesh by its inverse: 90 degrees about z turns x into -y
  const double q[4] = {std::sqrt(0.5), 0, 0, std::sqrt(0.5)};
  auto r = sinew::compile_mesh(src, kOne, sinew::MeshInertia::legacy, kZero, q, "t");
  CHECK(r.pos[0] == doctest::Approx(0.5).epsilon(1e-14));
  CHECK(r.pos[1] == doctest::Approx(-0.5).epsilon(1e-14));
}

TEST_CASE("apply_mesh_frame composes as mjuu_frameaccum") {
  auto m = compile(sinew::inline_mesh(kCubeV, kCubeF), sinew::MeshInertia::legacy);
  double pos[3] = {1, 2, 3};
  double quat[4] = {std::sqrt(0.5), 0, 0, std::sqrt(0.5)};  // 90 deg about z
  sinew::apply_mesh_frame(m, pos, quat);
  CHECK(pos[0] == doctest::Approx(0.5));  // 1 + (-0.5)
  CHECK(pos[1] == doctest::Approx(2.5));  // 2 + 0.5
  CHECK(pos[2] == doctest::Approx(3.5));
  CHECK(quat[0] == doctest::Approx(std::sqrt(0.5)));
  CHECK(quat[3] == doctest::Approx(std::sqrt(0.5)));
}

TEST_CASE("STL: binary and ASCII of the same solid compile identically; vertices merged") {
  fs::path d = temp_dir();
  write_binary_stl(d / "cube_bin.stl", kCubeV, kCubeF);
  write_binary_stl(d / "cube_solid.stl", kCubeV, kCubeF, "solid but binary");
  write_ascii_stl(d / "cube_ascii.stl", kCubeV, kCubeF);
  auto b = sinew::read_stl((d / "cube_bin.stl").string());
  auto s = sinew::read_stl((d / "cube_solid.stl").string());
  auto a = sinew::read_stl((d / "cube_ascii.stl").string());
  CHECK_FALSE(b.ascii);
  CHECK_FALSE(s.ascii);
  CHECK(a.ascii);
  // 36 soup vertices merge to 8, in order of first occurrence: 0, 2, 1, 3, 4, 5, 6, 7
  REQUIRE(b.vert.size() == 24);
  CHECK(b.face.size() == 36);
  const int first[8] = {0, 2, 1, 3, 4, 5, 6, 7};
  for (int i = 0; i < 8; ++i)
    for (int k = 0; k < 3; ++k) CHECK(b.vert[3 * i + k] == kCubeV[3 * first[i] + k]);
  CHECK(a.vert == b.vert);
  CHECK(a.face == b.face);
  CHECK(s.vert == b.vert);
  auto cb = compile(b, sinew::MeshInertia::exact), ca = compile(a, sinew::MeshInertia::exact);
  CHECK(ca.vert == cb.vert);
  CHECK(ca.volume == cb.volume);
  for (int k = 0; k < 3; ++k) CHECK(ca.inertia[k] == cb.inertia[k]);
  // a file mesh with a left-handed scale gets its winding flipped: still a positive volume
  const double mirror[3] = {1, 1, -1};
  auto mb = compile(b, sinew::MeshInertia::exact, mirror);
  CHECK(mb.volume == doctest::Approx(1.0).epsilon(1e-14));
  CHECK(mb.pos[2] == doctest::Approx(-0.5).epsilon(1e-14));
  // an inline mesh is not flipped (as in MuJoCo): the mirrored volume is negative
  CHECK(contains(error_of(sinew::inline_mesh(kCubeV, kCubeF), sinew::MeshInertia::exact, mirror),
                 "mesh volume is negative"));
  fs::remove_all(d);
}

TEST_CASE("STL errors name the file") {
  fs::path d = temp_dir();
  auto err = [](const fs::path& p) {
    try {
      sinew::read_stl(p.string());
    } catch (const sinew::ModelError& e) { return std::string(e.what()); }
    return std::string();
  };
  std::string missing = err(d / "missing.stl");
  CHECK(contains(missing, "could not read STL file"));
  CHECK(contains(missing, "missing.stl"));
  write_binary_stl(d / "trunc.stl", kCubeV, kCubeF, "binary", 7);
  CHECK(contains(err(d / "trunc.stl"), "wrong size"));
  CHECK(contains(err(d / "trunc.stl"), "trunc.stl"));
  std::ofstream(d / "empty.stl").close();
  CHECK(contains(err(d / "empty.stl"), "is empty"));
  // a device file is refused before anything is read (reading /dev/zero would never end)
  CHECK(contains(err("/dev/zero"), "not a regular file"));
  CHECK(contains(err(d), "not a regular file"));  // a folder
  std::ofstream(d / "short.stl") << "abc";
  CHECK(contains(err(d / "short.stl"), "invalid header"));
  std::ofstream(d / "bad.stl") << "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 zero\n";
  CHECK(contains(err(d / "bad.stl"), "malformed ASCII STL"));
  std::ofstream(d / "open.stl") << "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\n";
  CHECK(contains(err(d / "open.stl"), "open.stl"));
  std::ofstream(d / "quad.stl") << "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\n"
                                   "vertex 1 0 0\nvertex 1 1 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid\n";
  CHECK(contains(err(d / "quad.stl"), "triangles"));
  fs::remove_all(d);
}

TEST_CASE("compile errors mirror MuJoCo's checks") {
  using M = sinew::MeshInertia;
  // flat: no volume
  std::vector<double> flat = {0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0};
  std::vector<int> flatf = {0, 1, 2, 0, 2, 3};
  std::string e = error_of(sinew::inline_mesh(flat, flatf), M::exact);
  CHECK(contains(e, "mesh volume is too small"));
  CHECK(contains(e, "test.xml: <mesh>"));
  // legacy takes |volume| per tetrahedron: a flat square still has zero volume
  CHECK(contains(error_of(sinew::inline_mesh(flat, flatf), M::legacy), "mesh volume is too small"));
  // but a shell has area
  CHECK(error_of(sinew::inline_mesh(flat, flatf), M::shell).find("area") == std::string::npos);
  // all faces inverted: negative volume under exact, fine under legacy
  std::vector<int> inv = kCubeF;
  for (size_t i = 0; i < inv.size(); i += 3) std::swap(inv[i + 1], inv[i + 2]);
  CHECK(contains(error_of(sinew::inline_mesh(kCubeV, inv), M::exact), "mesh volume is negative"));
  CHECK(compile(sinew::inline_mesh(kCubeV, inv), M::legacy).volume == doctest::Approx(1.0));
  // one face inverted: inconsistent orientation, an error only for exact
  std::vector<int> one = kCubeF;
  std::swap(one[1], one[2]);
  std::string o = error_of(sinew::inline_mesh(kCubeV, one), M::exact);
  CHECK(contains(o, "inconsistent orientation"));
  CHECK(contains(o, "vertices 1 and 2"));  // first repeated half-edge (0,1), 1-based
  CHECK_NOTHROW(compile(sinew::inline_mesh(kCubeV, one), M::legacy));
  // sizes and indices
  CHECK(contains(error_of(sinew::inline_mesh({0, 0, 0, 1, 0, 0, 0, 1, 0}, {0, 1, 2}), M::legacy),
                 "at least 4 vertices required"));
  CHECK(contains(error_of(sinew::inline_mesh(kTetV, {0, 1, 4}), M::legacy), "does not exist"));
  CHECK(contains(error_of(sinew::inline_mesh(kTetV, {0, 1}), M::legacy), "multiple of 3"));
  // no faces: the convex hull supplies them; coplanar points cannot make one
  auto hull = compile(sinew::inline_mesh(kCubeV, {}), M::legacy);
  CHECK(hull.nface() == 12);
  CHECK(hull.volume == doctest::Approx(1.0).epsilon(1e-14));
  CHECK(contains(error_of(sinew::inline_mesh(flat, {}), M::legacy), "qhull error"));
  CHECK_THROWS_AS(sinew::parse_mesh_inertia("solid", "t"), sinew::ModelError);
}

TEST_CASE("convex inertia integrates the hull, not the faces") {
  // cube with an extra vertex pushed into the top face's centre: a dent. The faces describe a
  // non-convex solid; the hull is the cube.
  std::vector<double> v = kCubeV;
  v.insert(v.end(), {0.5, 0.5, 0.5});
  std::vector<int> f = {0, 2, 1, 0, 3, 2, 0, 1, 5, 0, 5, 4, 1, 2, 6, 1, 6, 5, 2, 3, 7,
                        2, 7, 6, 3, 0, 4, 3, 4, 7, 4, 5, 8, 5, 6, 8, 6, 7, 8, 7, 4, 8};
  auto exact = compile(sinew::inline_mesh(v, f), sinew::MeshInertia::exact);
  auto convex = compile(sinew::inline_mesh(v, f), sinew::MeshInertia::convex);
  CHECK(exact.volume == doctest::Approx(1.0 - 1.0 / 6).epsilon(1e-14));  // minus a pyramid
  CHECK(convex.volume == doctest::Approx(1.0).epsilon(1e-14));
  CHECK(convex.nvert() == 9);  // all vertices are kept
  CHECK(convex.hull.size() == 36);
}

TEST_CASE("eig3: decreasing eigenvalues, orthonormal frame reproducing the matrix") {
  const double diag[9] = {1, 0, 0, 0, 3, 0, 0, 0, 2};
  double val[3], vec[9], q[4];
  sinew::eig3(val, vec, q, diag);
  CHECK(val[0] == doctest::Approx(3));
  CHECK(val[1] == doctest::Approx(2));
  CHECK(val[2] == doctest::Approx(1));
  const double A[9] = {4, 1, -0.5, 1, 3, 0.25, -0.5, 0.25, 2};
  sinew::eig3(val, vec, q, A);
  CHECK(val[0] >= val[1]);
  CHECK(val[1] >= val[2]);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += vec[3 * r + k] * val[k] * vec[3 * c + k];
      // MuJoCo's Jacobi loop stops once the rotation's cosine is within 1e-12 of 1, so the
      // decomposition is only accurate to ~1e-6 (rotation angles below ~1.4e-6 are dropped)
      CHECK(std::abs(s - A[3 * r + c]) < 1e-5);
    }
}
