#include "batch-norm.h"

#include <omp.h>
#include <cmath>
#include <vector>

#include "heap.h"

namespace abd {

namespace {

// The hot loops are compiled twice (AVX2 and baseline x86-64) and picked by CPU features at load: the
// baseline build does not vectorize the masked (ReLU) arithmetic, which measured ~6x slower.
#if defined(__x86_64__) && defined(__GNUC__)
#define ABD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ABD_CLONES
#endif

// Rows are summed in float over blocks this long, then added into double accumulators.
constexpr int64_t kBlock = 64;

// a[j] += sum_r x[r][j]  (mu == nullptr)  or  a[j] += sum_r (x[r][j] - mu[j])^2.
ABD_CLONES void SumRows(const float* __restrict x, const float* __restrict mu, int64_t r0, int64_t r1,
                        int64_t c, float* __restrict tmp, double* __restrict a) {
  for (int64_t b = r0; b < r1; b += kBlock) {
    int64_t e = b + kBlock < r1 ? b + kBlock : r1;
    for (int64_t j = 0; j < c; ++j) tmp[j] = 0.f;
    for (int64_t r = b; r < e; ++r) {
      const float* __restrict xr = x + r * c;
      if (mu == nullptr) {
        for (int64_t j = 0; j < c; ++j) tmp[j] += xr[j];
      } else {
        for (int64_t j = 0; j < c; ++j) {
          float d = xr[j] - mu[j];
          tmp[j] += d * d;
        }
      }
    }
    for (int64_t j = 0; j < c; ++j) a[j] += tmp[j];
  }
}

ABD_CLONES void ApplyRows(const float* __restrict x, float* __restrict y, const float* __restrict scale,
                          const float* __restrict shift, int64_t r0, int64_t r1, int64_t c, bool relu) {
  if (relu) {
    for (int64_t i = r0 * c; i < r1 * c; i += c) {
      for (int64_t j = 0; j < c; ++j) {
        float v = x[i + j] * scale[j] + shift[j];
        y[i + j] = v > 0.f ? v : 0.f;
      }
    }
  } else {
    for (int64_t i = r0 * c; i < r1 * c; i += c) {
      for (int64_t j = 0; j < c; ++j) y[i + j] = x[i + j] * scale[j] + shift[j];
    }
  }
}

// a[j] += sum dz, b[j] += sum dz * xhat, with xhat = (x - mean) * invStd and dz = dy * (y > 0)
// (relu) or dz = dy (y == nullptr).
ABD_CLONES void GradSumRows(const float* __restrict x, const float* __restrict y, const float* __restrict dy,
                            const float* __restrict m, const float* __restrict s, int64_t r0, int64_t r1,
                            int64_t c, float* __restrict ta, float* __restrict tb, double* __restrict a,
                            double* __restrict b) {
  for (int64_t blk = r0; blk < r1; blk += kBlock) {
    int64_t e = blk + kBlock < r1 ? blk + kBlock : r1;
    for (int64_t j = 0; j < c; ++j) ta[j] = 0.f, tb[j] = 0.f;
    if (y != nullptr) {
      for (int64_t i = blk * c; i < e * c; i += c) {
        for (int64_t j = 0; j < c; ++j) {
          float dz = y[i + j] > 0.f ? dy[i + j] : 0.f;
          ta[j] += dz;
          tb[j] += dz * (x[i + j] - m[j]) * s[j];
        }
      }
    } else {
      for (int64_t i = blk * c; i < e * c; i += c) {
        for (int64_t j = 0; j < c; ++j) {
          float dz = dy[i + j];
          ta[j] += dz;
          tb[j] += dz * (x[i + j] - m[j]) * s[j];
        }
      }
    }
    for (int64_t j = 0; j < c; ++j) a[j] += ta[j], b[j] += tb[j];
  }
}

// dx = gamma * invStd * (dz - mean(dz) - xhat * mean(dz * xhat)), k = gamma * invStd.
ABD_CLONES void GradDxRows(const float* __restrict x, const float* __restrict y, const float* __restrict dy,
                           const float* __restrict m, const float* __restrict s, const float* __restrict k,
                           const float* __restrict db, const float* __restrict dg, float* __restrict dx,
                           int64_t r0, int64_t r1, int64_t c) {
  if (y != nullptr) {
    for (int64_t i = r0 * c; i < r1 * c; i += c) {
      for (int64_t j = 0; j < c; ++j) {
        float dz = y[i + j] > 0.f ? dy[i + j] : 0.f;
        float xhat = (x[i + j] - m[j]) * s[j];
        dx[i + j] = k[j] * (dz - db[j] - xhat * dg[j]);
      }
    }
  } else {
    for (int64_t i = r0 * c; i < r1 * c; i += c) {
      for (int64_t j = 0; j < c; ++j) {
        float xhat = (x[i + j] - m[j]) * s[j];
        dx[i + j] = k[j] * (dy[i + j] - db[j] - xhat * dg[j]);
      }
    }
  }
}

// Runs body(r0, r1, tid) on contiguous row ranges, one per OpenMP thread.
template <typename F>
void ForRows(int64_t rows, F body) {
#pragma omp parallel
  {
    int64_t t = omp_get_thread_num(), n = omp_get_num_threads();
    body(rows * t / n, rows * (t + 1) / n, t);
  }
}

// Per-thread double partials, summed after the parallel region.
struct Partials {
  Partials(int64_t c) : c(c), a(omp_get_max_threads() * c, 0.0), b(omp_get_max_threads() * c, 0.0) {}
  double Sum(const std::vector<double>& v, int64_t j) const {
    double s = 0;
    for (size_t t = 0; t * c < v.size(); ++t) s += v[t * c + j];
    return s;
  }
  int64_t c;
  std::vector<double> a, b;
};

}  // namespace

Napi::Value BatchNormReluForward(const Napi::CallbackInfo& info) {
  int64_t rows = IntArg(info, 7), c = IntArg(info, 8);
  double eps = info[9].As<Napi::Number>().DoubleValue();
  bool relu = info.Length() > 10 ? info[10].As<Napi::Boolean>().Value() : true;
  size_t len = 0;
  uint8_t* base = HeapBase(info[0], &len);
  const float* x = HeapF32(info, base, len, 1, rows * c);
  const float* gamma = HeapF32(info, base, len, 2, c);
  const float* beta = HeapF32(info, base, len, 3, c);
  float* y = HeapF32(info, base, len, 4, rows * c);
  float* mean = HeapF32(info, base, len, 5, c);
  float* invStd = HeapF32(info, base, len, 6, c);
  Partials sums(c), sq(c);
  ForRows(rows, [&](int64_t r0, int64_t r1, int64_t t) {
    std::vector<float> tmp(c);
    SumRows(x, nullptr, r0, r1, c, tmp.data(), &sums.a[t * c]);
  });
  std::vector<float> mu(c);
  for (int64_t j = 0; j < c; ++j) mu[j] = static_cast<float>(sums.Sum(sums.a, j) / rows);
  // Second pass on centred values: no E[x^2]-E[x]^2 cancellation.
  ForRows(rows, [&](int64_t r0, int64_t r1, int64_t t) {
    std::vector<float> tmp(c);
    SumRows(x, mu.data(), r0, r1, c, tmp.data(), &sq.a[t * c]);
  });
  std::vector<float> scale(c), shift(c);
  for (int64_t j = 0; j < c; ++j) {
    float is = static_cast<float>(1.0 / std::sqrt(sq.Sum(sq.a, j) / rows + eps));
    mean[j] = mu[j], invStd[j] = is;
    scale[j] = gamma[j] * is, shift[j] = beta[j] - mu[j] * scale[j];
  }
  ForRows(rows, [&](int64_t r0, int64_t r1, int64_t) { ApplyRows(x, y, scale.data(), shift.data(), r0, r1, c, relu); });
  return info.Env().Undefined();
}

Napi::Value BatchNormReluBackward(const Napi::CallbackInfo& info) {
  int64_t rows = IntArg(info, 10), c = IntArg(info, 11);
  bool relu = info.Length() > 12 ? info[12].As<Napi::Boolean>().Value() : true;
  size_t len = 0;
  uint8_t* base = HeapBase(info[0], &len);
  const float* x = HeapF32(info, base, len, 1, rows * c);
  // Without ReLU, dz = dy and y is not read.
  const float* y = relu ? HeapF32(info, base, len, 2, rows * c) : nullptr;
  const float* dy = HeapF32(info, base, len, 3, rows * c);
  const float* gamma = HeapF32(info, base, len, 4, c);
  std::vector<float> m(HeapF32(info, base, len, 5, c), HeapF32(info, base, len, 5, c) + c);
  std::vector<float> s(HeapF32(info, base, len, 6, c), HeapF32(info, base, len, 6, c) + c);
  float* dx = HeapF32(info, base, len, 7, rows * c);
  float* dGamma = HeapF32(info, base, len, 8, c);
  float* dBeta = HeapF32(info, base, len, 9, c);
  Partials p(c);
  ForRows(rows, [&](int64_t r0, int64_t r1, int64_t t) {
    std::vector<float> ta(c), tb(c);
    GradSumRows(x, y, dy, m.data(), s.data(), r0, r1, c, ta.data(), tb.data(), &p.a[t * c], &p.b[t * c]);
  });
  std::vector<float> k(c), db(c), dg(c);
  for (int64_t j = 0; j < c; ++j) {
    double sb = p.Sum(p.a, j), sg = p.Sum(p.b, j);
    db[j] = static_cast<float>(sb / rows), dg[j] = static_cast<float>(sg / rows);
    dBeta[j] = static_cast<float>(sb), dGamma[j] = static_cast<float>(sg);
    k[j] = gamma[j] * s[j];
  }
  ForRows(rows, [&](int64_t r0, int64_t r1, int64_t) {
    GradDxRows(x, y, dy, m.data(), s.data(), k.data(), db.data(), dg.data(), dx, r0, r1, c);
  });
  return info.Env().Undefined();
}

Napi::Value BatchNormInference(const Napi::CallbackInfo& info) {
  int64_t rows = IntArg(info, 7), c = IntArg(info, 8);
  double eps = info[9].As<Napi::Number>().DoubleValue();
  bool relu = info[10].As<Napi::Boolean>().Value();
  size_t len = 0;
  uint8_t* base = HeapBase(info[0], &len);
  const float* x = HeapF32(info, base, len, 1, rows * c);
  const float* mean = HeapF32(info, base, len, 2, c);
  const float* var = HeapF32(info, base, len, 3, c);
  const float* gamma = HeapF32(info, base, len, 4, c);
  const float* beta = HeapF32(info, base, len, 5, c);
  float* y = HeapF32(info, base, len, 6, rows * c);
  std::vector<float> scale(c), shift(c);
  for (int64_t j = 0; j < c; ++j) {
    // The same float arithmetic as tfjs' batchNorm: (x - mean) * (gamma / sqrt(var + eps)) + beta.
    float k = gamma[j] / std::sqrt(var[j] + static_cast<float>(eps));
    scale[j] = k, shift[j] = beta[j] - mean[j] * k;
  }
  ForRows(rows, [&](int64_t r0, int64_t r1, int64_t) { ApplyRows(x, y, scale.data(), shift.data(), r0, r1, c, relu); });
  return info.Env().Undefined();
}

}  // namespace abd
