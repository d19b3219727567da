// Comparisons of a float32 tensor with a scalar, written as bool (uint8) tensors.
#pragma once
#include <napi.h>

namespace abd {

// (heap, xOff, scalar, outOff, elements): out[i] = x[i] > scalar ? 1 : 0 (NaN compares false).
Napi::Value GreaterScalar(const Napi::CallbackInfo& info);

}  // namespace abd
