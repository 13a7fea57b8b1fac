// STL reader (binary and ASCII) producing a MeshSource: the raw triangle soup of a mesh asset as
// MuJoCo 3.4.0 holds it right after loading the file. Host only.
//
//   sinew::MeshSource src = sinew::read_stl("meshes/femur.stl");
//   // src.vert: 3*nvert floats (as double), de-duplicated; src.face: 3*nface vertex indices
//
// What MuJoCo does with an STL file (mjCMesh::LoadSTL / ProcessVertices, user_mesh.cc) and this
// reader reproduces:
//   - coordinates are float32; each triangle contributes three vertices, then identical vertices
//     (equal as floats, so -0 == +0) are merged; the merged list is in order of first occurrence
//     and keeps the first occurrence's values, faces are re-indexed. The facet normals are ignored.
//   - a file whose 84-byte header announces n triangles must be exactly 84 + 50*n bytes; n must be
//     in [1, 200000]; |coordinate| must not exceed 2^30; coordinates must be finite.
//   - the winding flip of a left-handed `scale` is NOT done here (the reader does not know the
//     scale): compile_mesh() does it for sources with a non-empty `file`, as MuJoCo does at load.
// Extension: MuJoCo 3.4.0 rejects ASCII STL ("perhaps this is an ASCII file?"). Sinew reads it
// (a file is ASCII when it starts with "solid" and is not a size-consistent binary file; binary
// files may also start with "solid") and sets `ascii`, so an MJCF loader that must refuse what
// MuJoCo refuses can do so.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "sinew/io/error.hpp"

namespace sinew {

/// A mesh asset before compilation: from a file (`file` set) or given inline by the MJCF
/// `vertex`/`face` attributes (`file` empty; `face` may then be empty, meaning "convex hull").
struct MeshSource {
  std::vector<double> vert;  ///< 3*nvert coordinates (float32 values held as double)
  std::vector<int> face;     ///< 3*nface vertex indices, counter-clockwise seen from outside
  std::string file;          ///< file it was read from; empty for inline meshes
  bool ascii = false;        ///< read from an ASCII STL (which MuJoCo 3.4.0 rejects)
};

namespace detail {

inline ModelError stl_error(const std::string& path, const std::string& what) {
  return ModelError(SourceLocation{path, 0, "mesh"}, what);
}

/// Merges identical float vertices (first occurrence wins, order of first occurrence) and
/// re-indexes the faces, as ProcessVertices(..., remove_repeated=true).
inline void stl_merge(MeshSource& m, const std::vector<float>& soup) {
  // float comparison: -0 == +0, like MuJoCo's hash map keyed on float triples
  auto key = [](float x) { return x == 0.0f ? 0.0f : x; };
  std::map<std::tuple<float, float, float>, int> index;
  size_t n = soup.size() / 3;
  m.face.assign(n, 0);
  m.vert.clear();
  for (size_t i = 0; i < n; ++i) {
    auto k = std::make_tuple(key(soup[3 * i]), key(soup[3 * i + 1]), key(soup[3 * i + 2]));
    auto [it, inserted] = index.emplace(k, int(m.vert.size() / 3));
    if (inserted) {
      m.vert.push_back(double(soup[3 * i]));
      m.vert.push_back(double(soup[3 * i + 1]));
      m.vert.push_back(double(soup[3 * i + 2]));
    }
    m.face[i] = it->second;
  }
}

inline void stl_check_vertex(const std::string& path, const float v[3]) {
  for (int k = 0; k < 3; ++k) {
    if (!std::isfinite(v[k])) throw stl_error(path, "STL file '" + path + "' has a non-finite vertex coordinate");
    if (std::fabs(v[k]) > std::pow(2.0, 30))
      throw stl_error(path, "vertex in STL file '" + path + "' exceed maximum bounds");
  }
}

inline void stl_parse_ascii(const std::string& path, const std::string& text, std::vector<float>& soup) {
  std::istringstream in(text);
  std::string tok;
  in >> tok;  // "solid"
  int nvert_in_facet = -1;
  size_t nfacet = 0;
  auto bad = [&](const std::string& what) {
    return stl_error(path, "malformed ASCII STL file '" + path + "': " + what);
  };
  bool ended = false;
  // the solid's name runs to the end of the first line
  std::string rest;
  std::getline(in, rest);
  while (in >> tok) {
    if (tok == "facet") {
      if (nvert_in_facet >= 0) throw bad("'facet' inside a facet");
      nvert_in_facet = 0;
      std::string line;
      std::getline(in, line);  // "normal nx ny nz": ignored, as MuJoCo ignores STL normals
    } else if (tok == "outer") {
      in >> tok;
      if (tok != "loop" || nvert_in_facet != 0) throw bad("unexpected 'outer'");
    } else if (tok == "vertex") {
      if (nvert_in_facet < 0 || nvert_in_facet >= 3) throw bad("facets must be triangles");
      std::string s[3];
      in >> s[0] >> s[1] >> s[2];
      float v[3];
      for (int k = 0; k < 3; ++k) {
        const char* b = s[k].c_str();
        char* e = nullptr;
        v[k] = std::strtof(b, &e);
        if (s[k].empty() || e != b + s[k].size()) throw bad("invalid vertex coordinate '" + s[k] + "'");
      }
      stl_check_vertex(path, v);
      soup.insert(soup.end(), v, v + 3);
      ++nvert_in_facet;
    } else if (tok == "endloop") {
      if (nvert_in_facet != 3) throw bad("facets must be triangles");
    } else if (tok == "endfacet") {
      if (nvert_in_facet != 3) throw bad("facets must be triangles");
      nvert_in_facet = -1;
      ++nfacet;
    } else if (tok == "endsolid") {
      if (nvert_in_facet >= 0) throw bad("truncated facet");
      ended = true;
      break;
    } else {
      throw bad("unexpected token '" + tok + "'");
    }
  }
  if (!ended) throw bad("truncated (no 'endsolid')");
  if (nfacet == 0) throw bad("no facets");
}

}  // namespace detail

/// An STL file from its bytes (binary or ASCII); `path` names it in errors. Throws ModelError
/// naming the file when it is empty, truncated or malformed.
inline MeshSource parse_stl(const std::string& buf, const std::string& path) {
  if (buf.empty()) throw detail::stl_error(path, "STL file '" + path + "' is empty");

  MeshSource m;
  m.file = path;
  std::vector<float> soup;

  uint32_t nfaces = 0;
  if (buf.size() >= 84) std::memcpy(&nfaces, buf.data() + 80, 4);
  bool binary_size_ok = buf.size() >= 84 && uint64_t(buf.size()) - 84 == uint64_t(nfaces) * 50;

  size_t first = buf.find_first_not_of(" \t\r\n");
  bool starts_solid = first != std::string::npos && buf.compare(first, 5, "solid") == 0;

  if (starts_solid && !binary_size_ok) {
    m.ascii = true;
    detail::stl_parse_ascii(path, buf, soup);
  } else {
    if (buf.size() < 84) throw detail::stl_error(path, "invalid header in STL file '" + path + "'");
    if (nfaces < 1 || nfaces > 200000)
      throw detail::stl_error(path, "number of faces should be between 1 and 200000 in STL file '" + path + "'");
    if (!binary_size_ok)
      throw detail::stl_error(path, "STL file '" + path + "' has wrong size (" + std::to_string(buf.size()) +
                                        " bytes, expected " + std::to_string(84 + 50 * uint64_t(nfaces)) + " for " +
                                        std::to_string(nfaces) + " triangles): truncated?");
    const char* p = buf.data() + 84;
    soup.reserve(size_t(nfaces) * 9);
    for (uint32_t i = 0; i < nfaces; ++i) {
      for (int j = 0; j < 3; ++j) {
        float v[3];
        std::memcpy(v, p + 50 * size_t(i) + 12 * (j + 1), 12);
        detail::stl_check_vertex(path, v);
        soup.insert(soup.end(), v, v + 3);
      }
    }
  }
  detail::stl_merge(m, soup);
  return m;
}

/// Reads a binary or ASCII STL file; throws ModelError naming the file when it is missing,
/// not a regular file, larger than 256 MiB, empty, truncated or malformed. See the header
/// comment for what is reproduced from MuJoCo.
inline MeshSource read_stl(const std::string& path) {
  // a regular file of at most 256 MiB (a binary STL has at most 200,000 triangles: 10 MB), so
  // that a device file or a huge file is an error, not an endless read
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw detail::stl_error(path, "could not read STL file '" + path + "' (not a regular file)");
  if (std::filesystem::file_size(path, ec) > (uintmax_t(256) << 20) || ec)
    throw detail::stl_error(path, "STL file '" + path + "' is larger than 256 MiB");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw detail::stl_error(path, "could not read STL file '" + path + "'");
  std::string buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw detail::stl_error(path, "could not read STL file '" + path + "'");
  return parse_stl(buf, path);
}

/// An inline mesh (MJCF `vertex` / `face` attributes): coordinates are rounded to float32 as
/// MuJoCo stores them; no de-duplication (MuJoCo merges only vertices read from files).
inline MeshSource inline_mesh(const std::vector<double>& vertex, const std::vector<int>& face) {
  MeshSource m;
  m.vert.reserve(vertex.size());
  for (double v : vertex) m.vert.push_back(double(float(v)));
  m.face = face;
  return m;
}

}  // namespace sinew
