// oneDNN convolutions on plain NHWC activations and HWIO filters, so tfjs tensors are used in place.
// Primitives are cached by geometry: training repeats the same few shapes every step.
#include <oneapi/dnnl/dnnl.hpp>

#include <sstream>
#include <unordered_map>

#include "kernels.h"

namespace transfusion {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& cpuEngine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

struct Descs {
  memory::desc src, wei, dst, bias;
  memory::dims strides, dilates, padL, padR;
};

Descs descs(const ConvGeometry& g) {
  return {
      memory::desc({g.n, g.ci, g.h, g.w}, dt::f32, tag::nhwc),
      memory::desc({g.co, g.ci, g.kh, g.kw}, dt::f32, tag::hwio),
      memory::desc({g.n, g.co, g.oh, g.ow}, dt::f32, tag::nhwc),
      memory::desc({g.co}, dt::f32, tag::a),
      {g.sh, g.sw},
      {g.dh - 1, g.dw - 1},  // oneDNN counts dilation from 0
      {g.pt, g.pl},
      {g.pb, g.pr},
  };
}

std::string key(char op, const ConvGeometry& g, int extra) {
  std::ostringstream s;
  s << op << extra;
  for (int64_t v : {g.n, g.h, g.w, g.ci, g.kh, g.kw, g.co, g.oh, g.ow, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.pb, g.pr}) s << ',' << v;
  return s.str();
}

// A convolution primitive plus, when oneDNN prefers a blocked weight layout for speed, the reorder between
// our HWIO weights and that layout and a buffer holding them (weights are small; activations stay in place).
struct Conv {
  dnnl::primitive prim;
  memory::desc weights;  // the layout the primitive uses
  bool reordered = false;
  dnnl::primitive toInternal, toUser;
  memory buffer;
};

std::unordered_map<std::string, Conv>& cache() {
  static std::unordered_map<std::string, Conv> c;
  return c;
}

template <typename Make>
Conv& cached(const std::string& k, Make make) {
  auto& c = cache();
  auto it = c.find(k);
  if (it != c.end()) return it->second;
  if (c.size() >= 512) c.clear();
  return c.emplace(k, make()).first->second;
}

memory wrap(const memory::desc& md, const void* p) { return memory(md, cpuEngine(), const_cast<void*>(p)); }

Conv withWeights(dnnl::primitive prim, const memory::desc& internal, const memory::desc& user) {
  Conv c{std::move(prim), internal, false, {}, {}, {}};
  if (internal != user) {
    c.reordered = true;
    c.toInternal = dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), user, cpuEngine(), internal));
    c.toUser = dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), internal, cpuEngine(), user));
    c.buffer = memory(internal, cpuEngine());
  }
  return c;
}

void run(dnnl::primitive& p, const std::unordered_map<int, memory>& args) {
  dnnl::stream s(cpuEngine());
  p.execute(s, args);
  s.wait();
}

/** The weights argument: the user's memory, or the internal buffer (filled from it when `input`). */
memory weightsArg(Conv& c, const memory::desc& user, const float* p, bool input) {
  memory u = wrap(user, p);
  if (!c.reordered) return u;
  if (input) run(c.toInternal, {{DNNL_ARG_FROM, u}, {DNNL_ARG_TO, c.buffer}});
  return c.buffer;
}

memory::desc anyWeights(const ConvGeometry& g) { return memory::desc({g.co, g.ci, g.kh, g.kw}, dt::f32, tag::any); }

dnnl::convolution_forward::primitive_desc forwardAny(const ConvGeometry& g, bool bias, Activation act) {
  Descs d = descs(g);
  auto kind = dnnl::prop_kind::forward_training;
  auto alg = dnnl::algorithm::convolution_direct;
  auto w = anyWeights(g);
  auto desc = bias ? dnnl::convolution_forward::desc(kind, alg, d.src, w, d.bias, d.dst, d.strides, d.dilates, d.padL, d.padR)
                   : dnnl::convolution_forward::desc(kind, alg, d.src, w, d.dst, d.strides, d.dilates, d.padL, d.padR);
  dnnl::primitive_attr attr;
  if (act == Activation::relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  return dnnl::convolution_forward::primitive_desc(desc, attr, cpuEngine());
}

}  // namespace

void conv2dForward(const ConvGeometry& g, const float* x, const float* filter, const float* bias, Activation act, float* y) {
  const bool hasBias = bias != nullptr;
  Descs d = descs(g);
  Conv& c = cached(key('f', g, (hasBias ? 2 : 0) + static_cast<int>(act)), [&] {
    auto pd = forwardAny(g, hasBias, act);
    return withWeights(dnnl::convolution_forward(pd), pd.weights_desc(), d.wei);
  });
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(d.src, x)}, {DNNL_ARG_WEIGHTS, weightsArg(c, d.wei, filter, true)}, {DNNL_ARG_DST, wrap(d.dst, y)}};
  if (hasBias) args.emplace(DNNL_ARG_BIAS, wrap(d.bias, bias));
  run(c.prim, args);
}

void conv2dBackwardData(const ConvGeometry& g, const float* dy, const float* filter, float* dx) {
  if (conv2dBackwardDataNarrowFits(g)) return conv2dBackwardDataNarrow(g, dy, filter, dx);
  Descs d = descs(g);
  Conv& c = cached(key('d', g, 0), [&] {
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.src, anyWeights(g), d.dst, d.strides, d.dilates, d.padL, d.padR);
    dnnl::convolution_backward_data::primitive_desc pd(desc, cpuEngine(), forwardAny(g, false, Activation::none));
    return withWeights(dnnl::convolution_backward_data(pd), pd.weights_desc(), d.wei);
  });
  run(c.prim, {{DNNL_ARG_DIFF_DST, wrap(d.dst, dy)}, {DNNL_ARG_WEIGHTS, weightsArg(c, d.wei, filter, true)}, {DNNL_ARG_DIFF_SRC, wrap(d.src, dx)}});
}

void conv2dBackwardWeights(const ConvGeometry& g, const float* x, const float* dy, float* dfilter) {
  Descs d = descs(g);
  Conv& c = cached(key('w', g, 0), [&] {
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.src, anyWeights(g), d.dst, d.strides, d.dilates, d.padL, d.padR);
    dnnl::convolution_backward_weights::primitive_desc pd(desc, cpuEngine(), forwardAny(g, false, Activation::none));
    return withWeights(dnnl::convolution_backward_weights(pd), pd.diff_weights_desc(), d.wei);
  });
  memory out = weightsArg(c, d.wei, dfilter, false);
  run(c.prim, {{DNNL_ARG_SRC, wrap(d.src, x)}, {DNNL_ARG_DIFF_DST, wrap(d.dst, dy)}, {DNNL_ARG_DIFF_WEIGHTS, out}});
  if (c.reordered) run(c.toUser, {{DNNL_ARG_FROM, c.buffer}, {DNNL_ARG_TO, wrap(d.wei, dfilter)}});
}

std::string dnnlVersion() {
  const dnnl_version_t* v = dnnl::version();
  std::ostringstream s;
  s << v->major << '.' << v->minor << '.' << v->patch;
  return s.str();
}

size_t cachedPrimitives() { return cache().size(); }

}  // namespace transfusion
