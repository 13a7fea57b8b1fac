// sinew_mesh_dump: compiles a list of STL meshes and writes their mass properties as .npy, for
// comparison against MuJoCo (tests/python/test_mesh.py).
//
//   sinew_mesh_dump LIST OUTDIR
//
// LIST has one mesh per line: `path sx sy sz inertia px py pz qw qx qy qz` (inertia: convex,
// exact, legacy or shell; p/q: refpos/refquat). OUTDIR receives, for n meshes:
//   vertnum.npy (n, int32), vert.npy (sum vertnum x 3: processed vertices, double),
//   pos.npy (n x 3), quat.npy (n x 4), volume.npy (n: volume_ref), inertia.npy (n x 3),
//   boxsz.npy (n x 3), geom_pos.npy / geom_quat.npy (n x 3 / n x 4: an identity-framed geom
//   after apply_mesh_frame), geom_inertia.npy (n x 3: mesh_geom_inertia for density 1000),
//   errors.txt (`index message` for meshes that failed; their rows are NaN).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "sinew/io/npy.hpp"
#include "sinew/io/stl.hpp"
#include "sinew/compiler/mesh.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: sinew_mesh_dump LIST OUTDIR\n";
    return 2;
  }
  std::ifstream list(argv[1]);
  if (!list) {
    std::cerr << argv[1] << ": cannot open\n";
    return 2;
  }
  const std::string out = argv[2];
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<int32_t> vertnum;
  std::vector<double> vert, pos, quat, volume, inertia, boxsz, gpos, gquat, ginertia;
  std::ofstream errors(out + "/errors.txt");
  std::string line;
  int index = 0;
  while (std::getline(list, line)) {
    std::istringstream in(line);
    std::string path, mode;
    double scale[3], refpos[3], refquat[4];
    if (!(in >> path >> scale[0] >> scale[1] >> scale[2] >> mode >> refpos[0] >> refpos[1] >> refpos[2] >> refquat[0] >>
          refquat[1] >> refquat[2] >> refquat[3]))
      continue;
    try {
      sinew::MeshSource src = sinew::read_stl(path);
      sinew::CompiledMesh m =
          sinew::compile_mesh(src, scale, sinew::parse_mesh_inertia(mode, path), refpos, refquat, path);
      vertnum.push_back(m.nvert());
      vert.insert(vert.end(), m.vert.begin(), m.vert.end());
      pos.insert(pos.end(), m.pos, m.pos + 3);
      quat.insert(quat.end(), m.quat, m.quat + 4);
      volume.push_back(m.volume_ref());
      inertia.insert(inertia.end(), m.inertia, m.inertia + 3);
      boxsz.insert(boxsz.end(), m.boxsz, m.boxsz + 3);
      double gp[3] = {0, 0, 0}, gq[4] = {1, 0, 0, 0}, gi[3];
      sinew::apply_mesh_frame(m, gp, gq);
      sinew::mesh_geom_inertia(m, 1000 * m.volume_ref(), gi);
      gpos.insert(gpos.end(), gp, gp + 3);
      gquat.insert(gquat.end(), gq, gq + 4);
      ginertia.insert(ginertia.end(), gi, gi + 3);
    } catch (const std::exception& e) {
      errors << index << " " << e.what() << "\n";
      vertnum.push_back(0);
      for (auto* v : {&pos, &inertia, &boxsz, &gpos, &ginertia}) v->insert(v->end(), 3, nan);
      for (auto* v : {&quat, &gquat}) v->insert(v->end(), 4, nan);
      volume.push_back(nan);
    }
    ++index;
  }
  const size_t n = vertnum.size();
  sinew::write_npy(out + "/vertnum.npy", vertnum.data(), {n});
  sinew::write_npy(out + "/vert.npy", vert.data(), {vert.size() / 3, 3});
  sinew::write_npy(out + "/pos.npy", pos.data(), {n, 3});
  sinew::write_npy(out + "/quat.npy", quat.data(), {n, 4});
  sinew::write_npy(out + "/volume.npy", volume.data(), {n});
  sinew::write_npy(out + "/inertia.npy", inertia.data(), {n, 3});
  sinew::write_npy(out + "/boxsz.npy", boxsz.data(), {n, 3});
  sinew::write_npy(out + "/geom_pos.npy", gpos.data(), {n, 3});
  sinew::write_npy(out + "/geom_quat.npy", gquat.data(), {n, 4});
  sinew::write_npy(out + "/geom_inertia.npy", ginertia.data(), {n, 3});
  return 0;
}
