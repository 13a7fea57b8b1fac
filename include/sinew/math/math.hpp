// Umbrella header for sinew's small host/device math types.
#pragma once
#include "sinew/math/vec.hpp"
#include "sinew/math/quat.hpp"
#include "sinew/math/mat3.hpp"
#include "sinew/math/spatial.hpp"
