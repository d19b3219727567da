// Conv2D forward, backward-data and backward-filter on NHWC activations and [kh,kw,ci,co] filters.
#pragma once
#include <napi.h>

namespace abd {

// Each takes (heap, inA, inB, out, n, h, w, ci, oh, ow, co, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr):
//   Conv2D:               inA = x,  inB = filter, out = y
//   Conv2DBackpropInput:  inA = dy, inB = filter, out = dx
//   Conv2DBackpropFilter: inA = x,  inB = dy,     out = dfilter
Napi::Value Conv2D(const Napi::CallbackInfo& info);
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info);
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info);
size_t ConvCacheSize();
// {"<kind> <shape>": "nhwc" | "blocked"}: the layout used per convolution (after autotuning).
Napi::Object ConvChoices(Napi::Env env);
// (layout: 'nhwc' | 'any' | 'auto'): sets the layout mode and forgets earlier choices.
Napi::Value SetLayout(const Napi::CallbackInfo& info);

}  // namespace abd
