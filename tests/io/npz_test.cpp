// The .npy / .npz readers (io/npz.hpp): round trips through numpy's formats, and every reported
// corrupt-file bug (tests/fuzz/crashes/, made by tests/fuzz/make_inputs.py) is a clear error that
// names the file and what is wrong, before any large allocation.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "sinew/io/npy.hpp"

using namespace sinew;

namespace {
const std::string kFuzz = std::string(SINEW_SOURCE_DIR) + "/tests/fuzz/";
std::string error_of(const std::string& path) {
  try {
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0) read_npy_file(path);
    else read_npz(path);
  } catch (const std::runtime_error& e) { return e.what(); }
  return "";
}
}  // namespace

TEST_CASE("npz: numpy's stored, deflate and zip64 archives read; write round-trips") {
  for (const char* f : {"stored.npz", "deflate.npz"}) {
    const auto a = read_npz(kFuzz + "corpus/npz/" + f);
    CHECK(a.at("qpos").shape == std::vector<size_t>{4, 3});
    CHECK(a.at("qpos").as_double()[11] == 11.0);
    CHECK(a.at("joint_names").as_strings() == std::vector<std::string>{"a", "bc", "def"});
    CHECK(a.at("split_points").as_int() == std::vector<int>{0, 4});
  }
  CHECK(read_npz(kFuzz + "corpus/npz/zip64.npz").at("big").size() == 50);
  CHECK(read_npy(kFuzz + "corpus/npz/v2.npy").values == std::vector<double>{1.0, 2.0});
  const std::string out = (std::filesystem::temp_directory_path() / "sinew_npz_test.npz").string();
  const double q[3] = {1, 2, 3};
  write_npz(out, {{"q", NpyBlob::from(q, {3})}, {"names", NpyBlob::strings({"x", "yz"})}});
  const auto b = read_npz(out);
  CHECK(b.at("q").as_double() == std::vector<double>{1, 2, 3});
  CHECK(b.at("names").as_strings() == std::vector<std::string>{"x", "yz"});
  std::remove(out.c_str());
}

TEST_CASE("npz: corrupt files are clear errors naming the file and the fault") {
  const std::string c = kFuzz + "crashes/";
  CHECK(error_of(c + "strings_overflow.npy").find("data holds 80 bytes, the header's shape and dtype need 8000000") !=
        std::string::npos);
  CHECK(error_of(c + "header_4gb.npy").find("header_4gb.npy: truncated .npy header") != std::string::npos);
  CHECK(error_of(c + "shape_huge.npy").find("shape dimension too large") != std::string::npos);
  CHECK(error_of(c + "declares_4gb.npz").find("declares_4gb.npz:a.npy: declared size exceeds") != std::string::npos);
  CHECK(error_of(c + "bad_dtype.npy").find("malformed dtype") != std::string::npos);
  CHECK(error_of(c + "no_descr_quote.npy").find("malformed 'descr'") != std::string::npos);
  CHECK(error_of(c + "malformed_shape.npy").find("malformed 'shape'") != std::string::npos);
  for (const char* f : {"extra_field_length.npz", "cd_offset_wrap.npz", "local_offset_wrap.npz", "truncated.npz"}) {
    const std::string e = error_of(c + f);
    INFO(f << ": " << e);
    CHECK(e.find(std::string(f) + ": not a readable zip archive") != std::string::npos);
  }
  CHECK(error_of(c + "nonexistent.npz").find("cannot open") != std::string::npos);
}
