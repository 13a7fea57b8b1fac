// DeviceModel: a Model's arrays copied to CUDA device memory (nvcc builds only).
//
//   sinew::DeviceModel<float> dm(model.cast<float>());
//   sinew::step(sinew::exec::Cuda{}, dm.view(), ddata.view());
#pragma once
#include "sinew/exec/buffer.hpp"
#include "sinew/model/model.hpp"

#if defined(__CUDACC__)
#include <thrust/device_vector.h>

namespace sinew {

template <class T> class DeviceModel {
 public:
  explicit DeviceModel(const Model<T>& m) : sizes_(m.sizes()), opt_(m.opt) {
#define SINEW_X(name, count, dim) from_host(name##_, m.name);
    SINEW_MODEL_INT_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count, dim) from_host(name##_, m.name);
    SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
  }

  ModelView<T> view() const {
    ModelView<T> v;
    v.size = sizes_;
    v.opt = opt_;
#define SINEW_X(name, count, dim) v.name = thrust::raw_pointer_cast(name##_.data());
    SINEW_MODEL_INT_FIELDS(SINEW_X)
    SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
    return v;
  }

  const ModelSizes& sizes() const { return sizes_; }
  Option<T>& opt() { return opt_; }

 private:
  ModelSizes sizes_;
  Option<T> opt_;
#define SINEW_X(name, count, dim) Buffer<int, DeviceSpace> name##_;
  SINEW_MODEL_INT_FIELDS(SINEW_X)
#undef SINEW_X
#define SINEW_X(name, count, dim) Buffer<T, DeviceSpace> name##_;
  SINEW_MODEL_REAL_FIELDS(SINEW_X)
#undef SINEW_X
};

}  // namespace sinew
#endif
