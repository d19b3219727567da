#include "compare.h"

#include <omp.h>
#include <cstdint>

#include "heap.h"

namespace abd {

namespace {

#if defined(__x86_64__) && defined(__GNUC__)
#define ABD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ABD_CLONES
#endif

ABD_CLONES void GreaterRange(const float* __restrict x, float s, uint8_t* __restrict out, int64_t i0,
                             int64_t i1) {
  for (int64_t i = i0; i < i1; ++i) out[i] = x[i] > s ? 1 : 0;
}

}  // namespace

Napi::Value GreaterScalar(const Napi::CallbackInfo& info) {
  size_t length = 0;
  uint8_t* base = HeapBase(info[0], &length);
  int64_t n = IntArg(info, 4);
  const float* x = HeapF32(info, base, length, 1, n);
  float s = static_cast<float>(info[2].As<Napi::Number>().DoubleValue());
  int64_t off = IntArg(info, 3);
  if (off < 0 || static_cast<uint64_t>(off) + static_cast<uint64_t>(n) > length) {
    throw Napi::RangeError::New(info.Env(), "abd_native: tensor offset outside the wasm heap");
  }
  uint8_t* out = base + off;
  // Below ~64k elements the thread start-up costs more than the pass.
  constexpr int64_t kChunk = 1 << 16;
  if (n < 2 * kChunk) {
    GreaterRange(x, s, out, 0, n);
  } else {
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < (n + kChunk - 1) / kChunk; ++c) {
      int64_t i0 = c * kChunk;
      GreaterRange(x, s, out, i0, i0 + kChunk < n ? i0 + kChunk : n);
    }
  }
  return info.Env().Undefined();
}

}  // namespace abd
