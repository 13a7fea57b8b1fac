// NumPy .npz archives (zip files of .npy arrays) in memory: read stored and deflate-compressed
// entries (numpy.savez / numpy.savez_compressed, zip64 records included), write stored entries.
// Host only. Deflate decoding and CRC-32 come from zlib (Debian: zlib1g-dev).
//
//   auto arrays = sinew::read_npz("traj.npz");          // name (without ".npy") -> NpyBlob
//   std::vector<double> q = arrays.at("qpos").as_double();
//   sinew::write_npz("out.npz", {{"qpos", sinew::NpyBlob::from(q.data(), {n, nq})}});
#pragma once
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sinew {

/// One .npy array: dtype descriptor ('<f8', '<f4', '<i4', '<i8', '|u1', '|b1', '<U<n>', '|O'),
/// shape and the raw little-endian C-order bytes.
struct NpyBlob {
  std::string descr;
  std::vector<size_t> shape;
  std::vector<char> bytes;

  size_t size() const {
    size_t n = 1;
    for (size_t s : shape) n *= s;
    return n;
  }
  bool is_object() const { return descr.find('O') != std::string::npos; }
  bool is_string() const { return descr.size() > 1 && descr[1] == 'U'; }

  /// Values converted to double (numeric dtypes).
  std::vector<double> as_double() const {
    const size_t n = size();
    std::vector<double> out(n);
    auto conv = [&](auto tag) {
      using S = decltype(tag);
      if (bytes.size() < n * sizeof(S)) throw std::runtime_error("npy: truncated array data");
      for (size_t k = 0; k < n; ++k) {
        S v;
        std::memcpy(&v, bytes.data() + k * sizeof(S), sizeof(S));
        out[k] = double(v);
      }
    };
    if (descr == "<f8") conv(double{});
    else if (descr == "<f4") conv(float{});
    else if (descr == "<i4") conv(int32_t{});
    else if (descr == "<i8") conv(int64_t{});
    else if (descr == "|u1" || descr == "|b1") conv(uint8_t{});
    else throw std::runtime_error("npy: unsupported numeric dtype " + descr);
    return out;
  }
  std::vector<int> as_int() const {
    std::vector<double> d = as_double();
    return std::vector<int>(d.begin(), d.end());
  }
  /// Elements of a '<U<n>' (UTF-32) array as strings (ASCII code points kept, others become '?').
  std::vector<std::string> as_strings() const {
    if (!is_string()) throw std::runtime_error("npy: not a string array (" + descr + ")");
    const size_t w = std::stoul(descr.substr(2)), n = size();
    std::vector<std::string> out(n);
    for (size_t k = 0; k < n; ++k)
      for (size_t c = 0; c < w; ++c) {
        uint32_t cp;
        std::memcpy(&cp, bytes.data() + (k * w + c) * 4, 4);
        if (cp == 0) break;
        out[k] += cp < 128 ? char(cp) : '?';
      }
    return out;
  }

  template <class S> static const char* descr_of() {
    if constexpr (std::is_same_v<S, double>) return "<f8";
    else if constexpr (std::is_same_v<S, float>) return "<f4";
    else if constexpr (std::is_same_v<S, int32_t>) return "<i4";
    else return "<i8";
  }
  template <class S> static NpyBlob from(const S* p, std::vector<size_t> shape) {
    NpyBlob b;
    b.descr = descr_of<S>();
    b.shape = std::move(shape);
    b.bytes.resize(b.size() * sizeof(S));
    if (!b.bytes.empty()) std::memcpy(b.bytes.data(), p, b.bytes.size());
    return b;
  }
  template <class S> static NpyBlob scalar(S v) { return from(&v, {}); }
  static NpyBlob strings(const std::vector<std::string>& s) {
    size_t w = 1;
    for (const auto& x : s) w = std::max(w, x.size());
    NpyBlob b;
    b.descr = "<U" + std::to_string(w);
    b.shape = {s.size()};
    b.bytes.assign(s.size() * w * 4, 0);
    for (size_t k = 0; k < s.size(); ++k)
      for (size_t c = 0; c < s[k].size(); ++c) {
        uint32_t cp = uint8_t(s[k][c]);
        std::memcpy(b.bytes.data() + (k * w + c) * 4, &cp, 4);
      }
    return b;
  }

  /// The .npy file (format 1.0) holding this array.
  std::string to_npy() const {
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
    for (size_t i = 0; i < shape.size(); ++i) dict += std::to_string(shape[i]) + (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
    dict += "), }";
    const size_t total = 10 + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    const uint16_t hl = uint16_t(dict.size());
    out.append(reinterpret_cast<const char*>(&hl), 2);
    out += dict;
    out.append(bytes.data(), bytes.size());
    return out;
  }

  /// Parses a .npy file held in memory.
  static NpyBlob parse(const std::string& file, const std::string& what) {
    if (file.size() < 10 || std::memcmp(file.data(), "\x93NUMPY", 6) != 0) throw std::runtime_error(what + ": not a .npy array");
    size_t hl = 0, off = 0;
    if (file[6] == 1) { uint16_t h; std::memcpy(&h, file.data() + 8, 2); hl = h; off = 10; }
    else { uint32_t h; std::memcpy(&h, file.data() + 8, 4); hl = h; off = 12; }
    if (file.size() < off + hl) throw std::runtime_error(what + ": truncated .npy header");
    const std::string header = file.substr(off, hl);
    NpyBlob b;
    size_t p = header.find("'descr':");
    if (p == std::string::npos) throw std::runtime_error(what + ": .npy header lacks descr");
    p = header.find('\'', p + 8) + 1;
    b.descr = header.substr(p, header.find('\'', p) - p);
    if (b.descr == "=f8" || b.descr == "f8") b.descr = "<f8";
    size_t fo = header.find("'fortran_order':");
    if (fo != std::string::npos && header.compare(header.find_first_not_of(' ', fo + 16), 4, "True") == 0)
      throw std::runtime_error(what + ": Fortran-order arrays are not supported");
    size_t s0 = header.find('(', header.find("'shape':")), s1 = header.find(')', s0);
    const std::string shp = header.substr(s0 + 1, s1 - s0 - 1);
    for (size_t i = 0; i < shp.size();) {
      while (i < shp.size() && (shp[i] == ' ' || shp[i] == ',' || shp[i] == 'L')) ++i;
      size_t j = i;
      while (j < shp.size() && shp[j] >= '0' && shp[j] <= '9') ++j;
      if (j == i) break;
      b.shape.push_back(std::stoul(shp.substr(i, j - i)));
      i = j;
    }
    b.bytes.assign(file.begin() + ptrdiff_t(off + hl), file.end());
    if (b.descr[0] == '>') throw std::runtime_error(what + ": big-endian arrays are not supported");
    return b;
  }
};

namespace detail {
inline uint32_t rd32(const std::string& s, size_t p) { uint32_t v; std::memcpy(&v, s.data() + p, 4); return v; }
inline uint16_t rd16(const std::string& s, size_t p) { uint16_t v; std::memcpy(&v, s.data() + p, 2); return v; }
inline uint64_t rd64(const std::string& s, size_t p) { uint64_t v; std::memcpy(&v, s.data() + p, 8); return v; }
inline void wr(std::string& s, uint32_t v, int n) { s.append(reinterpret_cast<const char*>(&v), size_t(n)); }

inline std::string inflate_raw(const char* src, size_t n, size_t out_size, const std::string& what) {
  std::string out(out_size, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw std::runtime_error(what + ": inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src));
  zs.avail_in = uInt(n);
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out_size);
  const int rc = inflate(&zs, Z_FINISH);
  const size_t got = zs.total_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || got != out_size) throw std::runtime_error(what + ": corrupt deflate data");
  return out;
}
}  // namespace detail

/// Reads every array of an .npz file; keys are the entry names without ".npy".
inline std::map<std::string, NpyBlob> read_npz(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  const std::string z((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (z.size() < 22) throw std::runtime_error(path + ": not a zip file");
  size_t eocd = std::string::npos;
  for (size_t p = z.size() - 22 + 1; p-- > 0 && z.size() - p < 22 + 65536;)
    if (detail::rd32(z, p) == 0x06054b50u) { eocd = p; break; }
  if (eocd == std::string::npos) throw std::runtime_error(path + ": no zip end-of-central-directory record");
  uint64_t nent = detail::rd16(z, eocd + 10), cdoff = detail::rd32(z, eocd + 16);
  if ((cdoff == 0xFFFFFFFFu || nent == 0xFFFF) && eocd >= 20 && detail::rd32(z, eocd - 20) == 0x07064b50u) {
    const uint64_t z64 = detail::rd64(z, eocd - 20 + 8);
    if (z64 + 56 > z.size() || detail::rd32(z, size_t(z64)) != 0x06064b50u) throw std::runtime_error(path + ": bad zip64 record");
    nent = detail::rd64(z, size_t(z64) + 32);
    cdoff = detail::rd64(z, size_t(z64) + 48);
  }
  std::map<std::string, NpyBlob> out;
  size_t p = size_t(cdoff);
  for (uint64_t e = 0; e < nent; ++e) {
    if (p + 46 > z.size() || detail::rd32(z, p) != 0x02014b50u) throw std::runtime_error(path + ": bad zip central directory");
    const uint16_t method = detail::rd16(z, p + 10), nlen = detail::rd16(z, p + 28), xlen = detail::rd16(z, p + 30),
                   clen = detail::rd16(z, p + 32);
    const uint32_t crc = detail::rd32(z, p + 16);
    uint64_t csize = detail::rd32(z, p + 20), usize = detail::rd32(z, p + 24), loff = detail::rd32(z, p + 42);
    std::string name = z.substr(p + 46, nlen);
    for (size_t x = p + 46 + nlen; x + 4 <= p + 46 + nlen + xlen;) {  // zip64 extended information
      const uint16_t id = detail::rd16(z, x), sz = detail::rd16(z, x + 2);
      if (id == 1) {
        size_t q = x + 4;
        if (usize == 0xFFFFFFFFu) { usize = detail::rd64(z, q); q += 8; }
        if (csize == 0xFFFFFFFFu) { csize = detail::rd64(z, q); q += 8; }
        if (loff == 0xFFFFFFFFu) { loff = detail::rd64(z, q); }
      }
      x += 4 + sz;
    }
    p += 46 + size_t(nlen) + xlen + clen;
    if (loff + 30 > z.size() || detail::rd32(z, size_t(loff)) != 0x04034b50u) throw std::runtime_error(path + ": bad zip local header");
    const size_t data = size_t(loff) + 30 + detail::rd16(z, size_t(loff) + 26) + detail::rd16(z, size_t(loff) + 28);
    if (data + csize > z.size()) throw std::runtime_error(path + ": truncated zip entry " + name);
    std::string file;
    if (method == 0) file = z.substr(data, size_t(csize));
    else if (method == 8) file = detail::inflate_raw(z.data() + data, size_t(csize), size_t(usize), path + ":" + name);
    else throw std::runtime_error(path + ": zip entry " + name + " uses unsupported compression " + std::to_string(method));
    if (uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(file.data()), uInt(file.size()))) != crc)
      throw std::runtime_error(path + ": CRC mismatch in " + name);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    out[name] = NpyBlob::parse(file, path + ":" + name);
  }
  return out;
}

/// Writes arrays as an uncompressed (stored) .npz that numpy.load reads.
inline void write_npz(const std::string& path, const std::vector<std::pair<std::string, NpyBlob>>& arrays) {
  std::string z, cd;
  for (const auto& [key, blob] : arrays) {
    const std::string name = key + ".npy", file = blob.to_npy();
    if (z.size() + file.size() > 0xFFFFFFF0ull) throw std::runtime_error(path + ": archives over 4 GB need zip64 (not written)");
    const uint32_t crc = uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(file.data()), uInt(file.size())));
    const uint32_t off = uint32_t(z.size()), sz = uint32_t(file.size());
    auto common = [&](std::string& s) {  // version needed .. extra length
      detail::wr(s, 20, 2); detail::wr(s, 0, 2); detail::wr(s, 0, 2);                          // version, flags, stored
      detail::wr(s, 0, 2); detail::wr(s, (1u << 5) | 1u, 2);                                   // time, date 1980-01-01
      detail::wr(s, crc, 4); detail::wr(s, sz, 4); detail::wr(s, sz, 4);
      detail::wr(s, uint32_t(name.size()), 2); detail::wr(s, 0, 2);
    };
    detail::wr(z, 0x04034b50u, 4); common(z); z += name; z += file;
    detail::wr(cd, 0x02014b50u, 4); detail::wr(cd, 20, 2); common(cd);
    detail::wr(cd, 0, 2); detail::wr(cd, 0, 2); detail::wr(cd, 0, 2); detail::wr(cd, 0, 4);    // comment, disk, attrs
    detail::wr(cd, off, 4); cd += name;
  }
  const uint32_t cdoff = uint32_t(z.size());
  z += cd;
  detail::wr(z, 0x06054b50u, 4); detail::wr(z, 0, 2); detail::wr(z, 0, 2);
  detail::wr(z, uint32_t(arrays.size()), 2); detail::wr(z, uint32_t(arrays.size()), 2);
  detail::wr(z, uint32_t(cd.size()), 4); detail::wr(z, cdoff, 4); detail::wr(z, 0, 2);
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open for writing");
  f.write(z.data(), std::streamsize(z.size()));
  if (!f) throw std::runtime_error(path + ": write failed");
}

}  // namespace sinew
