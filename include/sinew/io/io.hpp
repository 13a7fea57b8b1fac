// Umbrella header for file input/output (host only): the MJCF reader (XML into a ModelSpec; the
// compiler, sinew/compiler/compiler.hpp, turns it into a Model), and NumPy .npy files.
#pragma once
#include "sinew/io/error.hpp"
#include "sinew/io/mjcf.hpp"
#include "sinew/io/mjcf_reader.hpp"
#include "sinew/io/mjcf_spec.hpp"
#include "sinew/io/npy.hpp"
