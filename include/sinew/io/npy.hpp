// NumPy .npy writer (format 1.0, little-endian, C order) for float64, float32 and int32 arrays,
// and read_npy, numeric arrays as doubles through io/npz.hpp's checked parser. Host only.
//
//   sinew::write_npy("qpos.npy", data.data(), {nworld, nstep + 1, nq});
//   auto a = sinew::read_npy("qpos0.npy");   // a.shape, a.values (as double)
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/io/npz.hpp"

namespace sinew {

struct NpyArray {
  std::vector<size_t> shape;
  std::vector<double> values;  ///< converted to double, C order
  size_t size() const {
    size_t n = 1;
    for (size_t s : shape) n *= s;
    return n;
  }
};

namespace detail {
template <class T> inline const char* npy_descr();
template <> inline const char* npy_descr<double>() { return "<f8"; }
template <> inline const char* npy_descr<float>() { return "<f4"; }
template <> inline const char* npy_descr<int32_t>() { return "<i4"; }
}  // namespace detail

template <class T> inline void write_npy(const std::string& path, const T* data, const std::vector<size_t>& shape) {
  std::string dict = std::string("{'descr': '") + detail::npy_descr<T>() + "', 'fortran_order': False, 'shape': (";
  size_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) dict += ",";
    if (i + 1 < shape.size()) dict += " ";
    n *= shape[i];
  }
  dict += "), }";
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open for writing");
  const char magic[] = "\x93NUMPY\x01\x00";
  f.write(magic, 8);
  uint16_t hl = uint16_t(dict.size());
  f.write(reinterpret_cast<const char*>(&hl), 2);
  f.write(dict.data(), std::streamsize(dict.size()));
  f.write(reinterpret_cast<const char*>(data), std::streamsize(n * sizeof(T)));
  if (!f) throw std::runtime_error(path + ": write failed");
}

/// A numeric .npy file as doubles (read and checked by io/npz.hpp's one .npy parser).
inline NpyArray read_npy(const std::string& path) {
  NpyBlob b = read_npy_file(path);
  if (b.is_object() || b.is_string() || b.descr.size() < 2 || b.descr[1] == 'S')
    throw std::runtime_error(path + ": unsupported dtype " + b.descr + " (a numeric array is expected)");
  NpyArray a;
  a.shape = b.shape;
  try {
    a.values = b.as_double();
  } catch (const std::runtime_error& e) { throw std::runtime_error(path + ": " + e.what()); }
  return a;
}

}  // namespace sinew
