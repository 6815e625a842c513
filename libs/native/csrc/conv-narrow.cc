// Backward-data for convolutions with few input channels (a network's first layer on grey or RGB images).
// oneDNN reaches only ~7 GFLOP/s there (its kernels vectorise over input channels), and tfjs computes this
// gradient for the image even though nobody uses it. Here, per output pixel, the (kh*kw*ci)-vector
// t = W * dy[pixel] is formed with the filter transposed to [co][kh*kw*ci] (a loop the compiler vectorises over
// taps), then scattered into dx. One image per thread: no two threads write the same dx element, and each
// element's sum has a fixed order, so results do not depend on the thread count.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <vector>

#include "kernels.h"

namespace transfusion {

namespace {

// 16 floats (one AVX-512 register, or two AVX2 ones). GCC's vector extension keeps the accumulators in
// registers; a plain float array would be stored and reloaded for every output channel.
typedef float Vec __attribute__((vector_size(64)));

// One image's dx. V is the number of 16-float blocks holding the kh*kw*ci taps (padded with zero weights), a
// compile-time constant so the accumulators stay in registers.
template <int V>
void narrowImage(const ConvGeometry& g, const float* wt, const float* dyb, float* dxb) {
  constexpr int64_t T = V * 16;
  alignas(64) float a[T];
  for (int64_t i = 0; i < g.oh; i++) {
    for (int64_t j = 0; j < g.ow; j++) {
      const float* d = dyb + (i * g.ow + j) * g.co;
      Vec acc[V] = {};
      for (int64_t o = 0; o < g.co; o++) {
        const float v = d[o];
        const Vec* wo = reinterpret_cast<const Vec*>(wt + o * T);
        for (int k = 0; k < V; k++) acc[k] += v * wo[k];
      }
      for (int k = 0; k < V; k++) reinterpret_cast<Vec*>(a)[k] = acc[k];
      for (int64_t p = 0; p < g.kh; p++) {
        const int64_t r = i * g.sh + p * g.dh - g.pt;
        if (r < 0 || r >= g.h) continue;
        for (int64_t q = 0; q < g.kw; q++) {
          const int64_t s = j * g.sw + q * g.dw - g.pl;
          if (s < 0 || s >= g.w) continue;
          float* out = dxb + (r * g.w + s) * g.ci;
          const float* src = a + (p * g.kw + q) * g.ci;
          for (int64_t c = 0; c < g.ci; c++) out[c] += src[c];
        }
      }
    }
  }
}

using ImageFn = void (*)(const ConvGeometry&, const float*, const float*, float*);
constexpr ImageFn kImageFns[] = {narrowImage<1>, narrowImage<2>, narrowImage<3>, narrowImage<4>, narrowImage<5>,
                                 narrowImage<6>, narrowImage<7>, narrowImage<8>, narrowImage<9>, narrowImage<10>};

}  // namespace

bool conv2dBackwardDataNarrowFits(const ConvGeometry& g) {
  return g.ci <= kNarrowInputChannels && g.kh * g.kw * g.ci <= 16 * static_cast<int64_t>(std::size(kImageFns));
}

void conv2dBackwardDataNarrow(const ConvGeometry& g, const float* dy, const float* filter, float* dx) {
  const int64_t taps = g.kh * g.kw * g.ci;
  const int64_t blocks = (taps + 15) / 16;
  if (g.ci > kNarrowInputChannels || blocks > static_cast<int64_t>(std::size(kImageFns))) {
    throw std::invalid_argument("conv2dBackwardDataNarrow: too many input channels or taps");
  }
  const int64_t T = blocks * 16;
  // [co][kh][kw][ci], zero-padded to T; 64-byte aligned for the Vec loads.
  std::vector<Vec> storage(static_cast<size_t>(g.co * blocks));
  float* wt = reinterpret_cast<float*>(storage.data());
  std::fill(wt, wt + g.co * T, 0.0f);
  for (int64_t t = 0; t < taps; t++) {
    for (int64_t o = 0; o < g.co; o++) wt[o * T + t] = filter[t * g.co + o];
  }
  std::memset(dx, 0, sizeof(float) * g.n * g.h * g.w * g.ci);
  const ImageFn f = kImageFns[blocks - 1];
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < g.n; b++) f(g, wt, dy + b * g.oh * g.ow * g.co, dx + b * g.h * g.w * g.ci);
}

}  // namespace transfusion
