// Reader of MuJoCo's legacy binary mesh format (.msh, mjCMesh::LoadMSH in MuJoCo 3.4.0's
// user_mesh.cc), producing a MeshSource like read_stl. Host only.
//
//   sinew::MeshSource src = sinew::read_msh("scene/floor.msh");
//
// Layout (little-endian, as written by MuJoCo's tools): four int32 counts nvert, nnormal,
// ntexcoord, nface; then nvert x 3 float32 vertices, nnormal x 3 float32 normals, ntexcoord x 2
// float32 texture coordinates, nface x 3 int32 vertex indices. As MuJoCo: nvert >= 4, the other
// counts >= 0, nnormal and ntexcoord either 0 or nvert, the file exactly as long as the counts
// say, vertices finite; vertices are kept as given (no merging of repeated vertices), normals and
// texture coordinates are read past (visual only). Face indices are checked by compile_mesh.
// The file's size is checked against the counts before anything is allocated.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/io/stl.hpp"

namespace sinew {

inline MeshSource read_msh(const std::string& path) {
  auto fail = [&](const std::string& what) { return ModelError(SourceLocation{path, 0, "mesh"}, what); };
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw fail("could not read MSH file '" + path + "'");
  const std::streamoff size = f.tellg();
  if (size <= 0) throw fail("MSH file '" + path + "' is empty");
  constexpr std::streamoff kMaxBytes = std::streamoff(1) << 31;  // MuJoCo reads into an int-sized buffer
  if (size >= kMaxBytes) throw fail("MSH file '" + path + "' is larger than 2 GiB");
  if (size < std::streamoff(4 * sizeof(int32_t))) throw fail("missing header in MSH file '" + path + "'");
  f.seekg(0);
  int32_t n[4];
  f.read(reinterpret_cast<char*>(n), sizeof n);
  const int64_t nv = n[0], nn = n[1], nt = n[2], nf = n[3];
  if (nv < 4 || nf < 0 || nn < 0 || nt < 0 || (nn > 0 && nn != nv) || (nt > 0 && nt != nv))
    throw fail("invalid sizes in MSH file '" + path + "'");
  const int64_t expect = 16 + 12 * nv + 12 * nn + 8 * nt + 12 * nf;
  if (expect != int64_t(size)) throw fail("unexpected file size in MSH file '" + path + "'");
  std::vector<float> v(static_cast<size_t>(3 * nv));
  f.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
  f.seekg(std::streamoff(16 + 12 * nv + 12 * nn + 8 * nt));
  MeshSource src;
  src.file = path;
  src.face.resize(static_cast<size_t>(3 * nf));
  std::vector<int32_t> faces(static_cast<size_t>(3 * nf));
  f.read(reinterpret_cast<char*>(faces.data()), std::streamsize(faces.size() * sizeof(int32_t)));
  if (!f) throw fail("could not read MSH file '" + path + "'");
  for (size_t i = 0; i < faces.size(); ++i) src.face[i] = faces[i];
  src.vert.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) throw fail("vertex coordinate " + std::to_string(i / 3) + " is not finite");
    src.vert[i] = double(v[i]);
  }
  return src;
}

}  // namespace sinew
