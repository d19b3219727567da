// tfjs-core alone registers no gradients (the @tensorflow/tfjs union package does that); the
// losses here are differentiated, so their gradients must be present whoever loads us first.
// Idempotent: a module runs once per process. TODO(lead): move to libs/tensor.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
