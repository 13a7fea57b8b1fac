// Reader of MuJoCo's binary height-field file (mjCHField::LoadCustom in MuJoCo 3.4.0): int32
// nrow, int32 ncol, then nrow * ncol float32 elevations, bottom row first. Host only.
//
//   int nrow, ncol;
//   std::vector<float> z = sinew::read_hfield_file("terrain.bin", where, &nrow, &ncol);
//
// As MuJoCo: both dimensions >= 1 and the file exactly 8 + 4 nrow ncol bytes long; checked from
// the file's size before anything is allocated, with Sinew's limit of 2^27 elevations (512 MiB).
// PNG height fields: io/png.hpp.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"

namespace sinew {

inline std::vector<float> read_hfield_file(const std::string& path, const SourceLocation& where, int* nrow, int* ncol) {
  auto fail = [&](const std::string& what) { return ModelError(where, what); };
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw fail("could not read hfield file '" + path + "'");
  const std::streamoff size = f.tellg();
  if (size < 8) throw fail("hfield missing header '" + path + "'");
  f.seekg(0);
  int32_t n[2];
  f.read(reinterpret_cast<char*>(n), sizeof n);
  if (n[0] < 1 || n[1] < 1) throw fail("non-positive hfield dimensions in file '" + path + "'");
  const int64_t count = int64_t(n[0]) * int64_t(n[1]);
  if (count > (int64_t(1) << 27))
    throw fail("hfield file '" + path + "' has " + std::to_string(count) + " elevations, above Sinew's limit of 2^27");
  if (int64_t(size) != 8 + 4 * count) throw fail("unexpected file size in file '" + path + "'");
  std::vector<float> data(static_cast<size_t>(count));
  f.read(reinterpret_cast<char*>(data.data()), std::streamsize(count * 4));
  if (!f) throw fail("could not read hfield file '" + path + "'");
  *nrow = n[0];
  *ncol = n[1];
  return data;
}

}  // namespace sinew
