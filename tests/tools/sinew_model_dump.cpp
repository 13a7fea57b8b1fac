// sinew_model_dump: loads an MJCF model and writes every Model array as DIR/<field>.npy (int32 or
// float64, shape (count, dim), or (count,) when dim is 1) plus the sizes as DIR/sizes.txt
// ("name value" per line), for field-by-field comparison with MuJoCo.
//
//   sinew_model_dump model.xml outdir
#include <filesystem>
#include <fstream>
#include <iostream>

#include "sinew/compiler/compiler.hpp"
#include "sinew/io/npy.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " model.xml outdir\n";
    return 2;
  }
  try {
    std::vector<sinew::Diagnostic> warnings;
    sinew::Model<double> m = sinew::load_mjcf(argv[1], &warnings);
    for (auto& w : warnings) std::cerr << w.str() << "\n";
    std::string dir = argv[2];
    std::filesystem::create_directories(dir);
    // array dims may name size members (key_qpos is nkey x nq)
    const int nq = m.nq, nv = m.nv, na = m.na, nu = m.nu, nmuscleprm = m.nmuscleprm;
    auto shape = [](int count, int dim) {
      return dim == 1 ? std::vector<size_t>{size_t(count)} : std::vector<size_t>{size_t(count), size_t(dim)};
    };
#define SINEW_X(name, count, dim)                                                 \
  {                                                                               \
    std::vector<int32_t> v(m.name.begin(), m.name.end());                         \
    sinew::write_npy(dir + "/" #name ".npy", v.data(), shape(m.count, int(dim))); \
  }
    SINEW_MODEL_INT_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count, dim) sinew::write_npy(dir + "/" #name ".npy", m.name.data(), shape(m.count, int(dim)));
    SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
    std::ofstream s(dir + "/sizes.txt");
    s << "nq " << m.nq << "\nnv " << m.nv << "\nnu " << m.nu << "\nna " << m.na << "\nnbody " << m.nbody << "\nnjnt "
      << m.njnt << "\nngeom " << m.ngeom << "\nnsite " << m.nsite << "\nnmesh " << m.nmesh << "\nnmeshvert "
      << m.nmeshvert << "\nnmeshface " << m.nmeshface << "\nnmeshgraph " << m.nmeshgraph << "\nnmeshpoly "
      << m.nmeshpoly << "\nnmeshpolyvert " << m.nmeshpolyvert << "\nnmeshpolymap " << m.nmeshpolymap << "\nnhfield "
      << m.nhfield << "\nnhfielddata " << m.nhfielddata << "\nnkey " << m.nkey << "\nntree " << m.ntree << "\nnM "
      << m.nM << "\nntendon " << m.ntendon << "\nneq " << m.neq << "\nnpair " << m.npair << "\nnexclude " << m.nexclude
      << "\nnsensor " << m.nsensor << "\n";
    // options, for comparison with mjModel.opt
    s << "opt.timestep " << m.opt.timestep << "\nopt.integrator " << m.opt.integrator << "\nopt.iterations "
      << m.opt.iterations << "\nopt.disableflags " << m.opt.disableflags << "\nopt.enableflags " << m.opt.enableflags
      << "\n";
    std::ofstream nm(dir + "/names.txt");
    auto names = [&](const char* kind, const std::vector<std::string>& v) {
      for (size_t i = 0; i < v.size(); ++i) nm << kind << " " << i << " " << v[i] << "\n";
    };
    names("body", m.body_names);
    names("jnt", m.jnt_names);
    names("geom", m.geom_names);
    names("site", m.site_names);
    names("mesh", m.mesh_names);
    names("actuator", m.actuator_names);
    names("tendon", m.tendon_names);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
