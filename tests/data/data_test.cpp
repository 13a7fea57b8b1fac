// data/: both layouts hold the same values (set/get by world, whole-field world-major copies),
// worlds are independent, and a Data that cannot be allocated is refused with its size.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/data/data.hpp"
#include "sinew/compiler/compiler.hpp"

using namespace sinew;

TEST_CASE("data: world-outer and world-inner layouts agree; worlds are separate; size refused up front") {
  const Model<double> m = load_mjcf_string(R"(<mujoco><worldbody><body><freejoint/><geom size="0.1"/></body>
    <body pos="1 0 0"><joint axis="0 0 1"/><geom size="0.1"/></body></worldbody></mujoco>)", ".");
  Data<double, WorldOuter> o(m, 3);
  Data<double, WorldInner> in(m, 3);
  std::vector<double> all(size_t(3 * m.nq));
  for (size_t k = 0; k < all.size(); ++k) all[k] = 0.25 * double(k);
  o.set_all("qpos", all);
  in.set_all("qpos", all);
  CHECK(o.get_all("qpos") == all);
  CHECK(in.get_all("qpos") == all);
  for (int w = 0; w < 3; ++w) CHECK(o.get("qpos", w) == in.get("qpos", w));
  in.set("qvel", 1, std::vector<double>(size_t(m.nv), 7.0));
  CHECK(in.get("qvel", 0) == std::vector<double>(size_t(m.nv), 0.0));
  CHECK(in.get("qvel", 2) == std::vector<double>(size_t(m.nv), 0.0));
  CHECK_THROWS_AS(o.set("qpos", 0, {1.0}), std::invalid_argument);
  std::string msg;
  try {
    Data<double> huge(m, 2000000000);
  } catch (const std::length_error& e) {
    msg = e.what();
  }
  CHECK(msg.find("Data: 2000000000 worlds need") != std::string::npos);
  CHECK(msg.find("GiB") != std::string::npos);
}
