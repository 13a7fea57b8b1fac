// Sinew: header-only engine for batched musculoskeletal simulation. Umbrella header.
#pragma once
#include "sinew/config.hpp"
#include "sinew/data/data.hpp"
#include "sinew/exec/parallel_for.hpp"
#include "sinew/exec/policy.hpp"
#include "sinew/forward/forward.hpp"
#include "sinew/forward/step.hpp"
#include "sinew/math/math.hpp"
#include "sinew/model/model.hpp"
#include "sinew/model/device_model.hpp"
