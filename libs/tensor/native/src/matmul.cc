#include "matmul.h"

#include <algorithm>
#include <memory>
#include <string>
#include <unordered_map>

#include "context.h"
#include "heap.h"

namespace abd {

using dnnl::memory;

namespace {

struct Plan {
  dnnl::matmul prim;
  memory::desc a, b, c;
};

std::unordered_map<std::string, std::unique_ptr<Plan>> cache;

Plan* GetPlan(int64_t ba, int64_t bb, int64_t m, int64_t k, int64_t n, bool ta, bool tb) {
  char buf[160];
  snprintf(buf, sizeof buf, "%ld,%ld,%ld,%ld,%ld,%d,%d", ba, bb, m, k, n, ta, tb);
  auto it = cache.find(buf);
  if (it != cache.end()) return it->second.get();
  auto f32 = memory::data_type::f32;
  // Logical dims are [batch, m, k] x [batch, k, n]; transposed storage is expressed by strides.
  memory::desc a({ba, m, k}, f32, ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
  memory::desc b({bb, k, n}, f32, tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
  int64_t bo = std::max(ba, bb);
  memory::desc c({bo, m, n}, f32, memory::dims{m * n, n, 1});
  dnnl::matmul::desc d(a, b, c);
  dnnl::matmul::primitive_desc pd(d, Engine());
  auto plan = std::make_unique<Plan>();
  plan->prim = dnnl::matmul(pd);
  plan->a = a, plan->b = b, plan->c = c;
  return (cache[buf] = std::move(plan)).get();
}

}  // namespace

Napi::Value MatMul(const Napi::CallbackInfo& info) {
  if (info.Length() < 11) throw Napi::TypeError::New(info.Env(), "abd_native matMul: expected 11 arguments");
  int64_t ba = IntArg(info, 4), bb = IntArg(info, 5), m = IntArg(info, 6), k = IntArg(info, 7),
          n = IntArg(info, 8);
  bool ta = info[9].ToBoolean(), tb = info[10].ToBoolean();
  if (ba != bb && ba != 1 && bb != 1) {
    throw Napi::RangeError::New(info.Env(), "abd_native matMul: batch dims must match or be 1");
  }
  size_t len = 0;
  uint8_t* base = HeapBase(info[0], &len);
  float* a = HeapF32(info, base, len, 1, ba * m * k);
  float* b = HeapF32(info, base, len, 2, bb * k * n);
  float* c = HeapF32(info, base, len, 3, std::max(ba, bb) * m * n);
  try {
    Plan* p = GetPlan(ba, bb, m, k, n, ta, tb);
    dnnl::stream& st = Stream();
    p->prim.execute(st, {{DNNL_ARG_SRC, memory(p->a, Engine(), a)},
                         {DNNL_ARG_WEIGHTS, memory(p->b, Engine(), b)},
                         {DNNL_ARG_DST, memory(p->c, Engine(), c)}});
    st.wait();
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("abd_native matMul: ") + e.what());
  }
  return info.Env().Undefined();
}

Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  bool ta = info[0].ToBoolean(), tb = info[1].ToBoolean();
  int64_t m = IntArg(info, 2), n = IntArg(info, 3), k = IntArg(info, 4);
  size_t len = 0;
  uint8_t* base = HeapBase(info[5], &len);
  float* a = HeapF32(info, base, len, 6, m * k);
  float* b = HeapF32(info, base, len, 7, k * n);
  float* c = HeapF32(info, base, len, 8, m * n);
  dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, a, ta ? m : k, b, tb ? k : n, 0.f, c, n);
  return info.Env().Undefined();
}

size_t MatMulCacheSize() { return cache.size(); }

}  // namespace abd
