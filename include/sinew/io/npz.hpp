// NumPy .npy arrays and .npz archives (zip files of .npy arrays), host only: the one reader and
// writer of both formats in Sinew (trajectories, AMASS sequences, checkpoints, sinew-rollout's
// inputs). The archive layer is libzip (Debian: libzip-dev; zip64, deflate, CRC checks, fuzzed
// upstream); the .npy layer is ours and checks every header field before it reads or allocates.
//
//   auto arrays = sinew::read_npz("traj.npz");          // name (without ".npy") -> NpyBlob
//   std::vector<double> q = arrays.at("qpos").as_double();
//   sinew::write_npz("out.npz", {{"qpos", sinew::NpyBlob::from(q.data(), {n, nq})}});
//   sinew::NpyBlob a = sinew::read_npy_file("ctrl.npy");
//
// Limits (docs/reliability.md): one array holds at most npy_max_bytes (4 GiB) of data; a
// compressed entry may not claim more than deflate's largest ratio (1032:1) over its compressed
// size; shapes have at most 32 dimensions. Anything else wrong is a std::runtime_error naming
// the file, the entry and what is wrong.
#pragma once
#include <zip.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sinew {

inline constexpr uint64_t npy_max_bytes = uint64_t(1) << 32;  ///< largest array data accepted (4 GiB)

/// One .npy array: dtype descriptor ('<f8', '<f4', '<i4', '<i8', '|u1', '|b1', '<U<n>', '|O', ...),
/// shape and the raw little-endian C-order bytes (exactly size() x itemsize, except for object
/// arrays, whose pickled bytes are kept as they are and never interpreted).
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

  /// Bytes per element of a descriptor ('<f8' 8, '<U5' 20, '|S3' 3), 0 for objects; throws on
  /// anything that is not a NumPy descriptor of one of these kinds.
  static size_t itemsize(const std::string& d, const std::string& what) {
    auto bad = [&]() -> size_t { throw std::runtime_error(what + ": unsupported or malformed dtype '" + d + "'"); };
    if (d.size() < 2 || d.size() > 12 || (d[0] != '<' && d[0] != '|' && d[0] != '=' && d[0] != '>')) return bad();
    if (d[1] == 'O') return d.size() == 2 || d == "|O8" ? 0 : bad();
    size_t n = 0;
    for (size_t i = 2; i < d.size(); ++i) {
      if (d[i] < '0' || d[i] > '9') return bad();
      n = n * 10 + size_t(d[i] - '0');
    }
    if (d.size() == 2 || n == 0 || n > (1u << 20)) return bad();
    switch (d[1]) {
      case 'f':
      case 'i':
      case 'u':
      case 'b':
      case 'S': return n;
      case 'U': return 4 * n;
      default: return bad();
    }
  }

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
    std::vector<int> out(d.size());
    for (size_t k = 0; k < d.size(); ++k) {
      if (!(d[k] >= -2147483648.0 && d[k] <= 2147483647.0)) throw std::runtime_error("npy: value out of int range");
      out[k] = int(d[k]);
    }
    return out;
  }
  /// Elements of a '<U<n>' (UTF-32) array as strings (ASCII code points kept, others become '?').
  std::vector<std::string> as_strings() const {
    if (!is_string()) throw std::runtime_error("npy: not a string array (" + descr + ")");
    const size_t w = itemsize(descr, "npy") / 4, n = size();
    if (bytes.size() < n * w * 4) throw std::runtime_error("npy: truncated string array");
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
    for (size_t i = 0; i < shape.size(); ++i)
      dict += std::to_string(shape[i]) + (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
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

  /// Parses a .npy file held in memory (n bytes at p); `what` names it in errors. Every header
  /// field is checked, and the data must hold shape x itemsize bytes, before anything is copied.
  static NpyBlob parse(const char* p, size_t n, const std::string& what) {
    auto fail = [&](const std::string& why) -> NpyBlob { throw std::runtime_error(what + ": " + why); };
    if (n < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0) return fail("not a .npy array");
    size_t hl = 0, off = 0;
    if (p[6] == 1) {
      uint16_t h;
      std::memcpy(&h, p + 8, 2);
      hl = h;
      off = 10;
    } else if ((p[6] == 2 || p[6] == 3) && n >= 12) {
      uint32_t h;
      std::memcpy(&h, p + 8, 4);
      hl = h;
      off = 12;
    } else return fail("unsupported .npy version " + std::to_string(int(uint8_t(p[6]))));
    if (hl > n - off) return fail("truncated .npy header");
    const std::string header(p + off, hl);
    auto key = [&](const char* k) {  // position just after "'k':"
      const size_t q = header.find(std::string("'") + k + "':");
      if (q == std::string::npos) fail(std::string(".npy header lacks '") + k + "'");
      return q + std::strlen(k) + 3;
    };
    NpyBlob b;
    const size_t q = header.find_first_not_of(' ', key("descr"));
    const size_t e = q == std::string::npos || header[q] != '\'' ? std::string::npos : header.find('\'', q + 1);
    if (e == std::string::npos) return fail(".npy header: malformed 'descr'");
    b.descr = header.substr(q + 1, e - q - 1);
    if (b.descr == "=f8" || b.descr == "f8") b.descr = "<f8";
    const size_t isz = itemsize(b.descr, what);
    if (b.descr[0] == '>' && isz > 1 && b.descr[1] != 'S') return fail("big-endian arrays are not supported");
    const size_t fo = header.find_first_not_of(' ', key("fortran_order"));
    if (fo != std::string::npos && header.compare(fo, 4, "True") == 0)
      return fail("Fortran-order arrays are not supported");
    const size_t s0 = header.find_first_not_of(' ', key("shape"));
    const size_t s1 = s0 == std::string::npos ? s0 : header.find(')', s0);
    if (s0 == std::string::npos || header[s0] != '(' || s1 == std::string::npos)
      return fail(".npy header: malformed 'shape'");
    unsigned long long count = 1;
    for (size_t i = s0 + 1; i < s1;) {
      while (i < s1 && (header[i] == ' ' || header[i] == ',')) ++i;
      if (i >= s1) break;
      unsigned long long v = 0;
      size_t j = i;
      for (; j < s1 && header[j] >= '0' && header[j] <= '9'; ++j) {
        v = v * 10 + unsigned(header[j] - '0');
        if (v > npy_max_bytes) return fail(".npy header: shape dimension too large");
      }
      if (j == i || (j < s1 && header[j] != ',' && header[j] != ' ' && header[j] != 'L'))
        return fail(".npy header: malformed 'shape'");
      if (b.shape.size() == 32) return fail(".npy header: more than 32 dimensions");
      b.shape.push_back(size_t(v));
      count = v == 0 ? 0 : (count > npy_max_bytes / v ? npy_max_bytes + 1 : count * v);
      i = j + (j < s1 && header[j] == 'L');
    }
    const size_t have = n - off - hl;
    if (isz) {
      if (count > npy_max_bytes / isz) return fail("array larger than the 4 GiB limit");
      const size_t need = size_t(count) * isz;
      if (have < need)
        return fail("data holds " + std::to_string(have) + " bytes, the header's shape and dtype need " +
                    std::to_string(need));
      b.bytes.assign(p + off + hl, p + off + hl + need);
    } else {
      b.bytes.assign(p + off + hl, p + n);  // pickled object: kept, never interpreted
    }
    return b;
  }
  static NpyBlob parse(const std::string& file, const std::string& what) {
    return parse(file.data(), file.size(), what);
  }
};

namespace detail {
/// The contents of a file, its size checked against `limit` before anything is allocated.
inline std::string read_file_bounded(const std::string& path, uint64_t limit) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw std::runtime_error(path + ": cannot open");
  const std::streamoff size = f.tellg();
  if (size < 0) throw std::runtime_error(path + ": cannot determine the file size");
  if (uint64_t(size) > limit)
    throw std::runtime_error(path + ": file larger than the " + std::to_string(limit >> 20) + " MiB limit");
  std::string s(size_t(size), '\0');
  f.seekg(0);
  if (size && !f.read(s.data(), size)) throw std::runtime_error(path + ": read failed");
  return s;
}

/// Every entry of an open archive, each read with its declared size checked first.
inline std::map<std::string, NpyBlob> read_archive(zip_t* za, const std::string& what) {
  std::unique_ptr<zip_t, void (*)(zip_t*)> guard(za, [](zip_t* z) { zip_discard(z); });
  const zip_int64_t n = zip_get_num_entries(za, 0);
  if (n < 0) throw std::runtime_error(what + ": cannot list the zip entries");
  std::map<std::string, NpyBlob> out;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, zip_uint64_t(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE))
      throw std::runtime_error(what + ": zip entry " + std::to_string(i) + ": " + zip_strerror(za));
    std::string name = st.name;
    const std::string where = what + ":" + name;
    if (st.size > npy_max_bytes + (1u << 16)) throw std::runtime_error(where + ": entry larger than the 4 GiB limit");
    if ((st.valid & ZIP_STAT_COMP_SIZE) && (st.valid & ZIP_STAT_COMP_METHOD)) {
      if (st.comp_method == ZIP_CM_STORE && st.comp_size != st.size)
        throw std::runtime_error(where + ": stored entry with two different sizes");
      if (st.comp_method != ZIP_CM_STORE && st.size > 1032 * st.comp_size + 1024)
        throw std::runtime_error(where + ": declared size exceeds what deflate can expand its data to");
    }
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(za, zip_uint64_t(i), 0), zip_fclose);
    if (!f) throw std::runtime_error(where + ": " + zip_strerror(za));
    std::string file(size_t(st.size), '\0');
    size_t got = 0;
    while (got < file.size()) {
      const zip_int64_t r = zip_fread(f.get(), file.data() + got, file.size() - got);
      if (r < 0) throw std::runtime_error(where + ": " + zip_file_strerror(f.get()));
      if (r == 0) break;
      got += size_t(r);
    }
    char extra;
    if (got != file.size() || zip_fread(f.get(), &extra, 1) != 0)
      throw std::runtime_error(where + ": entry data does not match its declared size or CRC");
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    out[name] = NpyBlob::parse(file, where);
  }
  return out;
}
}  // namespace detail

/// Reads every array of an .npz archive held in memory; keys are the entry names without ".npy".
inline std::map<std::string, NpyBlob> read_npz_bytes(const char* data, size_t n, const std::string& what) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(data, n, 0, &err);
  if (!src) throw std::runtime_error(what + ": " + zip_error_strerror(&err));
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!za) {
    zip_source_free(src);
    const std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    throw std::runtime_error(what + ": not a readable zip archive (" + why + ")");
  }
  return detail::read_archive(za, what);
}

/// Reads every array of an .npz file; keys are the entry names without ".npy".
inline std::map<std::string, NpyBlob> read_npz(const std::string& path) {
  const std::string z = detail::read_file_bounded(path, 4 * npy_max_bytes);
  return read_npz_bytes(z.data(), z.size(), path);
}

/// Reads one .npy file.
inline NpyBlob read_npy_file(const std::string& path) {
  const std::string s = detail::read_file_bounded(path, npy_max_bytes + (1u << 20));
  return NpyBlob::parse(s, path);
}

/// Writes arrays as an uncompressed (stored) .npz that numpy.load reads (zip64 where needed).
inline void write_npz(const std::string& path, const std::vector<std::pair<std::string, NpyBlob>>& arrays) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!za) throw std::runtime_error(path + ": cannot open for writing");
  std::vector<std::string> files;  // libzip reads the buffers at zip_close
  files.reserve(arrays.size());
  for (const auto& [key, blob] : arrays) {
    files.push_back(blob.to_npy());
    zip_source_t* s = zip_source_buffer(za, files.back().data(), files.back().size(), 0);
    const zip_int64_t idx = s ? zip_file_add(za, (key + ".npy").c_str(), s, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
      if (s) zip_source_free(s);
      const std::string why = zip_strerror(za);
      zip_discard(za);
      throw std::runtime_error(path + ": cannot add " + key + " (" + why + ")");
    }
    zip_set_file_compression(za, zip_uint64_t(idx), ZIP_CM_STORE, 0);
  }
  if (zip_close(za) != 0) {
    const std::string why = zip_strerror(za);
    zip_discard(za);
    throw std::runtime_error(path + ": write failed (" + why + ")");
  }
}

}  // namespace sinew
