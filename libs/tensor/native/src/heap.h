// Access to the wasm backend's heap from N-API arguments: the heap ArrayBuffer (or any typed
// array over it) plus byte offsets. The pointer is taken per call because growing wasm memory
// replaces the ArrayBuffer.
#pragma once
#include <napi.h>
#include <cstdint>

namespace abd {

inline uint8_t* HeapBase(const Napi::Value& v, size_t* length) {
  if (v.IsArrayBuffer()) {
    Napi::ArrayBuffer ab = v.As<Napi::ArrayBuffer>();
    *length = ab.ByteLength();
    return static_cast<uint8_t*>(ab.Data());
  }
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    *length = ta.ByteLength();
    return static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  }
  throw Napi::TypeError::New(v.Env(), "abd_native: expected the wasm heap ArrayBuffer");
}

inline int64_t IntArg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int64Value();
}

// A float32 pointer at a byte offset, checked against the heap length.
inline float* HeapF32(const Napi::CallbackInfo& info, uint8_t* base, size_t length, size_t argIndex,
                      int64_t elements) {
  int64_t off = IntArg(info, argIndex);
  if (off < 0 || off % 4 != 0 || static_cast<uint64_t>(off) + 4 * static_cast<uint64_t>(elements) > length) {
    throw Napi::RangeError::New(info.Env(), "abd_native: tensor offset outside the wasm heap");
  }
  return reinterpret_cast<float*>(base + off);
}

}  // namespace abd
