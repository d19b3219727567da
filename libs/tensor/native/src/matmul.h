// Batched float32 matmul: out[b] = op(A[b]) x op(B[b]) with op = optional transpose, row-major.
#pragma once
#include <napi.h>

namespace abd {

// (heap, aOff, bOff, outOff, batchA, batchB, m, k, n, transposeA, transposeB); a batch of 1
// broadcasts against the other.
Napi::Value MatMul(const Napi::CallbackInfo& info);
// (transA, transB, m, n, k, heap, aOff, bOff, outOff): plain dnnl_sgemm, for the GEMM ceiling.
Napi::Value Sgemm(const Napi::CallbackInfo& info);
size_t MatMulCacheSize();

}  // namespace abd
