// Umbrella header for model input/output (host only): MJCF loading, the XML machinery behind it,
// and NumPy .npy files.
#pragma once
#include "sinew/io/error.hpp"
#include "sinew/io/mjcf.hpp"
#include "sinew/io/mjcf_reader.hpp"
#include "sinew/io/npy.hpp"
