#include "context.h"

#include <omp.h>
#include <cstdlib>
#include <cstring>

namespace abd {

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& Stream() {
  static dnnl::stream stream(Engine());
  return stream;
}

static int threads = 0;

int InitThreads() {
  const char* env = std::getenv("ABD_NATIVE_THREADS");
  int n = env ? std::atoi(env) : 0;
  if (n <= 0) n = omp_get_num_procs();
  omp_set_num_threads(n);
  threads = n;
  return n;
}

int Threads() { return threads; }

static bool ParseLayout(const char* name, Layout* out) {
  if (name == nullptr) return false;
  if (std::strcmp(name, "any") == 0) *out = Layout::kAny;
  else if (std::strcmp(name, "nhwc") == 0) *out = Layout::kNhwc;
  else if (std::strcmp(name, "auto") == 0) *out = Layout::kAuto;
  else return false;
  return true;
}

static Layout layout = [] {
  // Default: oneDNN's own blocked layouts (measured fastest on every WRN shape). "auto" times both per
  // shape and keeps the faster, so its choice, and the rounding with it, can differ between runs.
  Layout l = Layout::kAny;
  ParseLayout(std::getenv("ABD_NATIVE_LAYOUT"), &l);
  return l;
}();

Layout ConvLayout() { return layout; }

bool SetConvLayout(const char* name) { return ParseLayout(name, &layout); }

const char* LayoutName(Layout layout) {
  return layout == Layout::kAny ? "any" : layout == Layout::kNhwc ? "nhwc" : "auto";
}

}  // namespace abd
