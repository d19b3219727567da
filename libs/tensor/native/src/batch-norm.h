// Fused training-mode batch norm + ReLU over NHWC (statistics over N,H,W per channel).
#pragma once
#include <napi.h>

namespace abd {

// (heap, xOff, gammaOff, betaOff, yOff, meanOff, invStdOff, rows, channels, epsilon)
//   y = max(0, (x - mean) * invStd * gamma + beta); mean and invStd are written for backward.
Napi::Value BatchNormReluForward(const Napi::CallbackInfo& info);
// (heap, xOff, yOff, dyOff, gammaOff, meanOff, invStdOff, dxOff, dGammaOff, dBetaOff, rows, channels)
Napi::Value BatchNormReluBackward(const Napi::CallbackInfo& info);

}  // namespace abd
