// Batch norm, optionally fused with ReLU: training mode over NHWC (statistics over N,H,W per channel).
#pragma once
#include <napi.h>

namespace abd {

// (heap, xOff, gammaOff, betaOff, yOff, meanOff, invStdOff, rows, channels, epsilon[, relu = true])
//   y = max(0, (x - mean) * invStd * gamma + beta) (without the max when !relu); mean and invStd are
//   written for backward.
Napi::Value BatchNormReluForward(const Napi::CallbackInfo& info);
// (heap, xOff, yOff, dyOff, gammaOff, meanOff, invStdOff, dxOff, dGammaOff, dBetaOff, rows, channels[,
//  relu = true]); without relu, y is not read.
Napi::Value BatchNormReluBackward(const Napi::CallbackInfo& info);
// Inference with running statistics: (heap, xOff, meanOff, varOff, gammaOff, betaOff, yOff, rows,
// channels, epsilon, relu): y = (x - mean) * gamma / sqrt(var + eps) + beta, then max(0, ·) if relu.
Napi::Value BatchNormInference(const Napi::CallbackInfo& info);

}  // namespace abd
