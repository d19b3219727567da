// abd_native: oneDNN kernels that read and write the tfjs wasm backend's heap in place.
#include <napi.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "batch-norm.h"
#include "compare.h"
#include "context.h"
#include "conv.h"
#include "matmul.h"

namespace abd {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const dnnl_version_t* v = dnnl_version();
  char lib[96];
  snprintf(lib, sizeof lib, "oneDNN %d.%d.%d (%s)", v->major, v->minor, v->patch,
           v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other runtime");
  o.Set("library", lib);
  o.Set("threads", Threads());
  o.Set("layout", LayoutName(ConvLayout()));
  o.Set("cachedConvs", static_cast<double>(ConvCacheSize()));
  o.Set("convChoices", ConvChoices(env));
  o.Set("cachedMatMuls", static_cast<double>(MatMulCacheSize()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitThreads();
  Engine();
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("conv2d", Napi::Function::New(env, Conv2D));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2DBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2DBackpropFilter));
  exports.Set("setConvLayout", Napi::Function::New(env, SetLayout));
  exports.Set("matMul", Napi::Function::New(env, MatMul));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("batchNormReluForward", Napi::Function::New(env, BatchNormReluForward));
  exports.Set("batchNormReluBackward", Napi::Function::New(env, BatchNormReluBackward));
  exports.Set("batchNormInference", Napi::Function::New(env, BatchNormInference));
  exports.Set("greaterScalar", Napi::Function::New(env, GreaterScalar));
  return exports;
}

}  // namespace abd

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return abd::Init(env, exports); }

NODE_API_MODULE(abd_native, InitModule)
