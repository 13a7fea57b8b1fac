// Minimal NumPy .npy reader and writer (format 1.0, little-endian, C order) for float64, float32
// and int32 arrays. Host only.
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

template <class T>
inline void write_npy(const std::string& path, const T* data, const std::vector<size_t>& shape) {
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

inline NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  char magic[8];
  f.read(magic, 8);
  if (!f || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy file");
  uint32_t hl = 0;
  if (magic[6] == 1) {
    uint16_t h16;
    f.read(reinterpret_cast<char*>(&h16), 2);
    hl = h16;
  } else {
    f.read(reinterpret_cast<char*>(&hl), 4);
  }
  std::string header(hl, ' ');
  f.read(header.data(), hl);
  if (!f) throw std::runtime_error(path + ": truncated header");
  auto field = [&](const char* key) {
    size_t p = header.find(key);
    if (p == std::string::npos) throw std::runtime_error(path + ": header lacks " + key);
    return p + std::strlen(key);
  };
  size_t p = header.find('\'', field("'descr':")) + 1;
  std::string descr = header.substr(p, header.find('\'', p) - p);
  if (header.find("True", field("'fortran_order':")) < header.find(',', field("'fortran_order':")))
    throw std::runtime_error(path + ": Fortran order is not supported");
  size_t s0 = header.find('(', field("'shape':")), s1 = header.find(')', s0);
  NpyArray a;
  std::string shp = header.substr(s0 + 1, s1 - s0 - 1);
  size_t i = 0;
  while (i < shp.size()) {
    while (i < shp.size() && (shp[i] == ' ' || shp[i] == ',')) ++i;
    if (i >= shp.size()) break;
    size_t j = i;
    while (j < shp.size() && shp[j] >= '0' && shp[j] <= '9') ++j;
    if (j == i) throw std::runtime_error(path + ": bad shape");
    a.shape.push_back(std::stoul(shp.substr(i, j - i)));
    i = j;
  }
  size_t n = a.size();
  a.values.resize(n);
  auto read_as = [&](auto tag) {
    using S = decltype(tag);
    std::vector<S> tmp(n);
    f.read(reinterpret_cast<char*>(tmp.data()), std::streamsize(n * sizeof(S)));
    if (!f) throw std::runtime_error(path + ": truncated data");
    for (size_t k = 0; k < n; ++k) a.values[k] = double(tmp[k]);
  };
  if (descr == "<f8") read_as(double{});
  else if (descr == "<f4") read_as(float{});
  else if (descr == "<i4") read_as(int32_t{});
  else if (descr == "<i8") read_as(int64_t{});
  else throw std::runtime_error(path + ": unsupported dtype " + descr);
  return a;
}

}  // namespace sinew
