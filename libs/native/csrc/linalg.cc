// Float64 linear algebra for @transfusion/cca on OpenBLAS (cblas) and LAPACK (Fortran symbols exported by
// libopenblas): Gram/cross products, the centred co-moments of activation matrices, the symmetric
// eigendecomposition and the SVD. Compiled into the addon only when build-native finds OpenBLAS
// (TRANSFUSION_WITH_BLAS). All matrices are row-major and written in place into caller-provided Float64Arrays;
// every length is checked here, so a wrong call throws instead of touching memory out of bounds.
#include <cblas.h>
#include <napi.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

extern "C" {
// LAPACK (Fortran calling convention: everything by pointer, column-major; gfortran appends the hidden lengths
// of character arguments as size_t, which we pass so no LAPACKE is needed).
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info, size_t jobzLen, size_t uploLen);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u, const int* ldu,
             double* vt, const int* ldvt, double* work, const int* lwork, int* iwork, int* info, size_t jobzLen);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t uploLen);
}

namespace transfusion {
namespace {

using std::to_string;

// An integer argument in [lo, INT_MAX] (LAPACK/cblas take 32-bit ints here).
int64_t dim(const Napi::Env& env, const Napi::Value& v, const char* what, int64_t lo) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + ": expected an integer");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(lo) || d > INT_MAX) {
    throw Napi::RangeError::New(env, std::string(what) + ": expected an integer from " + to_string(lo) + " to " + to_string(INT_MAX) +
                                         ", got " + Napi::Number::New(env, d).ToString().Utf8Value());
  }
  return static_cast<int64_t>(d);
}

double number(const Napi::Env& env, const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + ": expected a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw Napi::RangeError::New(env, std::string(what) + ": expected a finite number");
  return d;
}

bool flag(const Napi::Env& env, const Napi::Value& v, const char* what) {
  if (!v.IsBoolean()) throw Napi::TypeError::New(env, std::string(what) + ": expected a boolean");
  return v.As<Napi::Boolean>().Value();
}

// Products of dimensions can exceed int and must fit the array exactly.
void checkLength(const Napi::Env& env, size_t actual, int64_t expected, const char* what) {
  if (static_cast<int64_t>(actual) != expected) {
    throw Napi::RangeError::New(env, std::string(what) + ": expected " + to_string(expected) + " elements, got " + to_string(actual));
  }
}

double* doubles(const Napi::Env& env, const Napi::Value& v, int64_t length, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, std::string(what) + ": expected a Float64Array");
  }
  Napi::Float64Array a = v.As<Napi::Float64Array>();
  checkLength(env, a.ElementLength(), length, what);
  return a.Data();
}

double* optionalDoubles(const Napi::Env& env, const Napi::Value& v, int64_t length, const char* what) {
  return v.IsNull() || v.IsUndefined() ? nullptr : doubles(env, v, length, what);
}

// Activations may be float32 (as read from .npy/Arrow) or float64; they are only read.
struct Floats {
  const float* f32 = nullptr;
  const double* f64 = nullptr;
  double at(int64_t i) const { return f32 != nullptr ? static_cast<double>(f32[i]) : f64[i]; }
};

Floats activations(const Napi::Env& env, const Napi::Value& v, int64_t length, const char* what) {
  if (v.IsTypedArray()) {
    const napi_typedarray_type t = v.As<Napi::TypedArray>().TypedArrayType();
    if (t == napi_float32_array) {
      Napi::Float32Array a = v.As<Napi::Float32Array>();
      checkLength(env, a.ElementLength(), length, what);
      return Floats{a.Data(), nullptr};
    }
    if (t == napi_float64_array) {
      Napi::Float64Array a = v.As<Napi::Float64Array>();
      checkLength(env, a.ElementLength(), length, what);
      return Floats{nullptr, a.Data()};
    }
  }
  throw Napi::TypeError::New(env, std::string(what) + ": expected a Float32Array or Float64Array");
}

// LAPACK's workspace size from a query, which must fit its 32-bit integer.
int workspace(const Napi::Env& env, double query, const char* routine) {
  if (!(query <= INT_MAX)) {
    throw Napi::RangeError::New(env, std::string(routine) + ": the matrix is too large for LAPACK's 32-bit workspace (" + to_string(query) + " elements)");
  }
  return std::max(1, static_cast<int>(std::ceil(query)));
}

void lapackCheck(const Napi::Env& env, int info, const char* routine) {
  if (info < 0) throw Napi::Error::New(env, std::string(routine) + ": argument " + to_string(-info) + " was invalid (internal error)");
  if (info > 0) throw Napi::Error::New(env, std::string(routine) + " did not converge (info = " + to_string(info) + ")");
}

// Mirrors the upper triangle of a row-major n × n matrix into its lower triangle.
void mirrorUpper(double* c, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    for (int64_t j = i + 1; j < n; j++) c[j * n + i] = c[i * n + j];
  }
}

// gemm(transA, transB, m, n, k, alpha, a, b, beta, c): C (m × n) = alpha·op(A)·op(B) + beta·C, row-major;
// op(A) is m × k (A stored k × m when transposed), op(B) is k × n.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool ta = flag(env, info[0], "transA"), tb = flag(env, info[1], "transB");
  const int64_t m = dim(env, info[2], "m", 0), n = dim(env, info[3], "n", 0), k = dim(env, info[4], "k", 0);
  const double alpha = number(env, info[5], "alpha");
  const double* a = doubles(env, info[6], m * k, "a");
  const double* b = doubles(env, info[7], k * n, "b");
  const double beta = number(env, info[8], "beta");
  double* c = doubles(env, info[9], m * n, "c");
  if (m == 0 || n == 0) return env.Undefined();
  if (k == 0) {
    // BLAS leaves C untouched for k = 0 only when beta = 1; make beta's meaning explicit.
    for (int64_t i = 0; i < m * n; i++) c[i] = beta == 0 ? 0 : beta * c[i];
    return env.Undefined();
  }
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(ta ? m : k), b, static_cast<int>(tb ? k : n), beta, c, static_cast<int>(n));
  return env.Undefined();
}

// syrk(trans, n, k, alpha, a, beta, c): C (n × n) = alpha·AᵀA + beta·C with A k × n (trans) or alpha·AAᵀ + beta·C
// with A n × k; both triangles of C are written.
Napi::Value Syrk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool trans = flag(env, info[0], "trans");
  const int64_t n = dim(env, info[1], "n", 0), k = dim(env, info[2], "k", 0);
  const double alpha = number(env, info[3], "alpha");
  const double* a = doubles(env, info[4], n * k, "a");
  const double beta = number(env, info[5], "beta");
  double* c = doubles(env, info[6], n * n, "c");
  if (n == 0) return env.Undefined();
  if (k == 0) {
    for (int64_t i = 0; i < n * n; i++) c[i] = beta == 0 ? 0 : beta * c[i];
    return env.Undefined();
  }
  cblas_dsyrk(CblasRowMajor, CblasUpper, trans ? CblasTrans : CblasNoTrans, static_cast<int>(n), static_cast<int>(k), alpha, a,
              static_cast<int>(trans ? n : k), beta, c, static_cast<int>(n));
  mirrorUpper(c, n);
  return env.Undefined();
}

// Rows per block of centred activations: large enough for dsyrk/dgemm to run near peak, small enough that the
// scratch copy stays a few MB (the data itself may be GBs of float32).
constexpr int64_t kBlockRows = 1024;

// comoments(x, rows, p, y|null, q, want, out) → {sumA, sumB, sumAA, sumBB, sumAB}
// Centred at the mean of all rows (two passes, so ReLU layers with mean ≫ std lose nothing), then per block of
// rows: S_xx += XcᵀXc (want & 1), S_yy += YcᵀYc (want & 2), S_xy += XcᵀYc (want & 4), and the row-norm sums of
// debiased CKA with a_i = ‖x_i − m_x‖², b_i = ‖y_i − m_y‖²: au = Σ a_i u_i, bu = Σ b_i u_i, av, bv likewise.
// out = {meanX, meanY, sxx, syy, sxy, au, bu, av, bv}: Float64Arrays; sxx/syy/sxy may be null when not wanted.
Napi::Value Comoments(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = dim(env, info[1], "rows", 1), p = dim(env, info[2], "p", 1);
  const Floats x = activations(env, info[0], n * p, "x");
  const bool hasY = !(info[3].IsNull() || info[3].IsUndefined());
  const int64_t q = hasY ? dim(env, info[4], "q", 1) : 0;
  const Floats y = hasY ? activations(env, info[3], n * q, "y") : Floats{};
  const int64_t want = dim(env, info[5], "want", 0);
  if (want > 7) throw Napi::RangeError::New(env, "want: expected bit flags 1 (XᵀX) | 2 (YᵀY) | 4 (XᵀY), got " + to_string(want));
  if (!hasY && (want & 6) != 0) throw Napi::RangeError::New(env, "want: YᵀY or XᵀY requested without y");
  if (!info[6].IsObject()) throw Napi::TypeError::New(env, "out: expected an object of Float64Arrays");
  Napi::Object out = info[6].As<Napi::Object>();
  double* meanX = doubles(env, out.Get("meanX"), p, "out.meanX");
  double* meanY = doubles(env, out.Get("meanY"), q, "out.meanY");
  double* sxx = (want & 1) != 0 ? doubles(env, out.Get("sxx"), p * p, "out.sxx") : nullptr;
  double* syy = (want & 2) != 0 ? doubles(env, out.Get("syy"), q * q, "out.syy") : nullptr;
  double* sxy = (want & 4) != 0 ? doubles(env, out.Get("sxy"), p * q, "out.sxy") : nullptr;
  double* au = doubles(env, out.Get("au"), p, "out.au");
  double* bu = doubles(env, out.Get("bu"), p, "out.bu");
  double* av = doubles(env, out.Get("av"), q, "out.av");
  double* bv = doubles(env, out.Get("bv"), q, "out.bv");

  std::fill(meanX, meanX + p, 0.0);
  std::fill(meanY, meanY + q, 0.0);
  for (int64_t i = 0; i < n; i++) {
    for (int64_t j = 0; j < p; j++) meanX[j] += x.at(i * p + j);
    for (int64_t j = 0; j < q; j++) meanY[j] += y.at(i * q + j);
  }
  for (int64_t j = 0; j < p; j++) meanX[j] /= static_cast<double>(n);
  for (int64_t j = 0; j < q; j++) meanY[j] /= static_cast<double>(n);
  if (sxx != nullptr) std::fill(sxx, sxx + p * p, 0.0);
  if (syy != nullptr) std::fill(syy, syy + q * q, 0.0);
  if (sxy != nullptr) std::fill(sxy, sxy + p * q, 0.0);
  std::fill(au, au + p, 0.0);
  std::fill(bu, bu + p, 0.0);
  std::fill(av, av + q, 0.0);
  std::fill(bv, bv + q, 0.0);

  const int64_t block = std::min(kBlockRows, n);
  std::vector<double> xc(block * p), yc(block * q), ra(block), rb(block);
  double sumA = 0, sumB = 0, sumAA = 0, sumBB = 0, sumAB = 0;
  const int ip = static_cast<int>(p), iq = static_cast<int>(q);
  for (int64_t s = 0; s < n; s += block) {
    const int b = static_cast<int>(std::min(block, n - s));
    for (int t = 0; t < b; t++) {
      const int64_t i = s + t;
      double a2 = 0, b2 = 0;
      double* xr = xc.data() + static_cast<int64_t>(t) * p;
      for (int64_t j = 0; j < p; j++) {
        const double v = x.at(i * p + j) - meanX[j];
        xr[j] = v;
        a2 += v * v;
      }
      double* yr = yc.data() + static_cast<int64_t>(t) * q;
      for (int64_t j = 0; j < q; j++) {
        const double v = y.at(i * q + j) - meanY[j];
        yr[j] = v;
        b2 += v * v;
      }
      ra[t] = a2;
      rb[t] = b2;
      sumA += a2;
      sumB += b2;
      sumAA += a2 * a2;
      sumBB += b2 * b2;
      sumAB += a2 * b2;
    }
    if (sxx != nullptr) cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, ip, b, 1.0, xc.data(), ip, 1.0, sxx, ip);
    if (syy != nullptr) cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, iq, b, 1.0, yc.data(), iq, 1.0, syy, iq);
    if (sxy != nullptr) cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ip, iq, b, 1.0, xc.data(), ip, yc.data(), iq, 1.0, sxy, iq);
    cblas_dgemv(CblasRowMajor, CblasTrans, b, ip, 1.0, xc.data(), ip, ra.data(), 1, 1.0, au, 1);
    if (hasY) {
      cblas_dgemv(CblasRowMajor, CblasTrans, b, ip, 1.0, xc.data(), ip, rb.data(), 1, 1.0, bu, 1);
      cblas_dgemv(CblasRowMajor, CblasTrans, b, iq, 1.0, yc.data(), iq, ra.data(), 1, 1.0, av, 1);
      cblas_dgemv(CblasRowMajor, CblasTrans, b, iq, 1.0, yc.data(), iq, rb.data(), 1, 1.0, bv, 1);
    }
  }
  if (sxx != nullptr) mirrorUpper(sxx, p);
  if (syy != nullptr) mirrorUpper(syy, q);

  Napi::Object sums = Napi::Object::New(env);
  sums.Set("sumA", sumA);
  sums.Set("sumB", sumB);
  sums.Set("sumAA", sumAA);
  sums.Set("sumBB", sumBB);
  sums.Set("sumAB", sumAB);
  return sums;
}

// syevd(a, n, values, vectors|null): eigendecomposition of the symmetric n × n row-major `a` (only read) by
// LAPACK dsyevd (divide and conquer, numpy's eigh). values: descending; vectors: row k is the unit eigenvector
// of values[k] (the convention of @transfusion/cca's eigh); null = values only.
Napi::Value Syevd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = dim(env, info[1], "n", 0);
  const double* a = doubles(env, info[0], n * n, "a");
  double* values = doubles(env, info[2], n, "values");
  double* vectors = optionalDoubles(env, info[3], n * n, "vectors");
  if (n == 0) return env.Undefined();
  // The symmetric row-major matrix is its own column-major transpose; LAPACK overwrites it, so work on a copy
  // (or directly in `vectors`, which receives the result anyway).
  std::vector<double> scratch(vectors == nullptr ? n * n : 0);
  double* w = vectors != nullptr ? vectors : scratch.data();
  std::copy(a, a + n * n, w);
  const char jobz = vectors != nullptr ? 'V' : 'N', uplo = 'U';
  const int in = static_cast<int>(n);
  int lwork = -1, liwork = -1, infoCode = 0, iworkQuery = 0;
  double workQuery = 0;
  std::vector<double> ascending(n);
  dsyevd_(&jobz, &uplo, &in, w, &in, ascending.data(), &workQuery, &lwork, &iworkQuery, &liwork, &infoCode, 1, 1);
  lapackCheck(env, infoCode, "dsyevd (workspace query)");
  lwork = workspace(env, workQuery, "dsyevd");
  liwork = iworkQuery;
  std::vector<double> work(lwork);
  std::vector<int> iwork(std::max(1, liwork));
  dsyevd_(&jobz, &uplo, &in, w, &in, ascending.data(), work.data(), &lwork, iwork.data(), &liwork, &infoCode, 1, 1);
  lapackCheck(env, infoCode, "dsyevd");
  for (int64_t k = 0; k < n; k++) values[k] = ascending[n - 1 - k];
  if (vectors != nullptr) {
    // Column j of the column-major result (eigenvector of the j-th smallest value) is row j of `vectors`:
    // reverse the rows for descending order.
    for (int64_t k = 0; k < n / 2; k++) std::swap_ranges(vectors + k * n, vectors + k * n + n, vectors + (n - 1 - k) * n);
  }
  return env.Undefined();
}

// gesdd(a, m, n, s, u|null, vt|null): thin SVD A = U·diag(s)·Vᵀ of the row-major m × n `a` (only read) by LAPACK
// dgesdd; s: min(m, n) values, descending; u: m × k row-major; vt: k × n row-major (both or neither).
Napi::Value Gesdd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t m = dim(env, info[1], "m", 0), n = dim(env, info[2], "n", 0);
  const int64_t k = std::min(m, n);
  const double* a = doubles(env, info[0], m * n, "a");
  double* s = doubles(env, info[3], k, "s");
  double* u = optionalDoubles(env, info[4], m * k, "u");
  double* vt = optionalDoubles(env, info[5], k * n, "vt");
  if ((u == nullptr) != (vt == nullptr)) throw Napi::TypeError::New(env, "u, vt: pass both (vectors) or neither (values only)");
  if (k == 0) return env.Undefined();
  // Row-major A is column-major Aᵀ (n × m). With Aᵀ = U'·S·V'ᵀ, A = V'·S·U'ᵀ: LAPACK's column-major V'ᵀ (k × m)
  // is exactly row-major U (m × k), and its U' (n × k) is row-major Vᵀ (k × n). So `u` is passed as LAPACK's vt.
  std::vector<double> copy(a, a + m * n);
  const char jobz = u != nullptr ? 'S' : 'N';
  const int im = static_cast<int>(n), in = static_cast<int>(m), ik = static_cast<int>(k);
  const int ldu = u != nullptr ? im : 1, ldvt = u != nullptr ? ik : 1;
  int lwork = -1, infoCode = 0;
  double workQuery = 0;
  std::vector<int> iwork(8 * k);
  dgesdd_(&jobz, &im, &in, copy.data(), &im, s, vt, &ldu, u, &ldvt, &workQuery, &lwork, iwork.data(), &infoCode, 1);
  lapackCheck(env, infoCode, "dgesdd (workspace query)");
  lwork = workspace(env, workQuery, "dgesdd");
  std::vector<double> work(lwork);
  dgesdd_(&jobz, &im, &in, copy.data(), &im, s, vt, &ldu, u, &ldvt, work.data(), &lwork, iwork.data(), &infoCode, 1);
  lapackCheck(env, infoCode, "dgesdd");
  return env.Undefined();
}

// potrf(a, n) → 0 or the order of the first non-positive leading minor: lower Cholesky factor L (A = L·Lᵀ) of
// the symmetric positive-definite row-major `a`, in place, upper triangle zeroed. Not positive definite: returns
// LAPACK's info (> 0) and `a` is partly overwritten.
Napi::Value Potrf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = dim(env, info[1], "n", 0);
  double* a = doubles(env, info[0], n * n, "a");
  if (n == 0) return Napi::Number::New(env, 0);
  // Row-major lower = column-major upper.
  const char uplo = 'U';
  const int in = static_cast<int>(n);
  int infoCode = 0;
  dpotrf_(&uplo, &in, a, &in, &infoCode, 1);
  if (infoCode < 0) lapackCheck(env, infoCode, "dpotrf");
  if (infoCode == 0) {
    for (int64_t i = 0; i < n; i++) std::fill(a + i * n + i + 1, a + i * n + n, 0.0);
  }
  return Napi::Number::New(env, infoCode);
}

Napi::Value SetBlasThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t t = dim(env, info[0], "threads", 1);
  if (t > 256) throw Napi::RangeError::New(env, "threads: expected an integer from 1 to 256, got " + to_string(t));
  openblas_set_num_threads(static_cast<int>(t));
  return env.Undefined();
}

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  std::string version = OPENBLAS_VERSION;  // " OpenBLAS 0.3.21 " at compile time
  const size_t at = version.find_first_of("0123456789");
  version = at == std::string::npos ? version : version.substr(at, version.find_last_of("0123456789") - at + 1);
  o.Set("version", version);
  o.Set("config", std::string(openblas_get_config()));
  o.Set("threads", openblas_get_num_threads());
  // 0 sequential, 1 pthreads, 2 OpenMP.
  o.Set("parallel", openblas_get_parallel());
  return o;
}

}  // namespace

void registerLinalg(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("syrk", Napi::Function::New(env, Syrk));
  exports.Set("comoments", Napi::Function::New(env, Comoments));
  exports.Set("syevd", Napi::Function::New(env, Syevd));
  exports.Set("gesdd", Napi::Function::New(env, Gesdd));
  exports.Set("potrf", Napi::Function::New(env, Potrf));
  exports.Set("setBlasThreads", Napi::Function::New(env, SetBlasThreads));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo));
}

}  // namespace transfusion
