// The process-wide oneDNN engine and stream, and the thread count used by OpenMP.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

namespace abd {

dnnl::engine& Engine();
dnnl::stream& Stream();
// Sets OpenMP's thread count from ABD_NATIVE_THREADS (default: all cores); returns it.
int InitThreads();
int Threads();
// Convolution layouts (ABD_NATIVE_LAYOUT): nhwc = run on the tensors as they are; any = let oneDNN
// pick blocked layouts and reorder around the call; auto (default) = time both on first use per shape.
enum class Layout { kNhwc, kAny, kAuto };
Layout ConvLayout();
// Overrides the layout mode at run time (tests and benchmarks); returns false for an unknown name.
bool SetConvLayout(const char* name);
const char* LayoutName(Layout layout);

}  // namespace abd
