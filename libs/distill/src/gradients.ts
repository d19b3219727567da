// tfjs-core alone registers no gradients (the @tensorflow/tfjs union package does that); the
// losses here are differentiated, so their gradients must be present whoever loads us first.
// Idempotent: a module runs once per process. TODO(lead): move to libs/tensor.
// tfjs-core's main build first: the ES files register_all_gradients imports are a second copy of
// tfjs-core, and whichever copy loads first makes the engine (the ES copy's tensors have no ops).
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
