#include "emotion/embedding_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <random>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "util/binary_file.h"
#include "util/error.h"
#include "util/math.h"

namespace muse::emotion {
namespace {
constexpr uint32_t kMaxDim = 256, kMaxHidden = 512, kMaxDense = 64;

/// a . b with independent partial sums: a plain `s += a[i] * b[i]` is a serial chain the
/// compiler may not reorder (no -ffast-math), so it stays scalar. SSE2 is x86-64's baseline.
inline float dot(const float* a, const float* b, uint32_t n) {
  uint32_t i = 0;
#if defined(__SSE2__)
  __m128 s0 = _mm_setzero_ps(), s1 = _mm_setzero_ps();
  for (; i + 8 <= n; i += 8) {
    s0 = _mm_add_ps(s0, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
    s1 = _mm_add_ps(s1, _mm_mul_ps(_mm_loadu_ps(a + i + 4), _mm_loadu_ps(b + i + 4)));
  }
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, _mm_add_ps(s0, s1));
  float sum = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
#else
  float sum = 0.f;
#endif
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}
}  // namespace

EmbeddingModel::EmbeddingModel(const EmbeddingOptions& o, uint32_t sparse_rows, uint32_t dense,
                               int outputs)
    : dim_(o.dim),
      hidden_(o.hidden),
      dense_(dense),
      sparse_rows_(sparse_rows),
      outputs_(outputs),
      bucket_bits_(o.bucket_bits) {
  MUSE_CHECK_ARG(o.dim >= 1 && o.dim <= kMaxDim, "embedding dim must be 1..{}, got {}", kMaxDim,
                 o.dim);
  MUSE_CHECK_ARG(o.hidden <= kMaxHidden, "hidden units must be 0..{}", kMaxHidden);
  MUSE_CHECK_ARG(dense <= kMaxDense, "at most {} dense features", kMaxDense);
  MUSE_CHECK_ARG(outputs >= 1 && outputs <= kMaxOutputs, "outputs must be 1..{}", kMaxOutputs);
  MUSE_CHECK_ARG(sparse_rows >= 2 && (sparse_rows & (sparse_rows - 1)) == 0,
                 "sparse rows must be a power of two");
  const uint32_t sparse_bits = static_cast<uint32_t>(std::countr_zero(sparse_rows));
  MUSE_CHECK_ARG(o.bucket_bits >= 8 && o.bucket_bits <= sparse_bits,
                 "embedding bucket bits must be 8..{} (the featuriser's hash bits), got {}",
                 sparse_bits, o.bucket_bits);
  shift_ = sparse_bits - o.bucket_bits;
  std::mt19937_64 rng(o.seed);
  drop_state_ ^= o.seed;
  const float e = 0.5f / std::sqrt(static_cast<float>(dim_));
  std::uniform_real_distribution<float> ue(-e, e);
  emb_.resize((size_t{1} << bucket_bits_) * dim_);
  for (auto& x : emb_) x = ue(rng);
  const uint32_t in = dim_ + dense_;
  if (hidden_ > 0) {
    const float a = std::sqrt(6.f / static_cast<float>(in + hidden_));
    std::uniform_real_distribution<float> uw(-a, a);
    w1_.resize(static_cast<size_t>(hidden_) * in);
    for (auto& x : w1_) x = uw(rng);
    b1_.assign(hidden_, 0.f);
    w2_.assign(static_cast<size_t>(outputs_) * hidden_, 0.f);
  } else {
    w2_.assign(static_cast<size_t>(outputs_) * in, 0.f);
  }
  b2_.assign(outputs_, 0.f);
}

namespace {
/// h[0..D) += sum of v_j * row(id_j) over sparse ids; dense ids set h[D + k]. A compile-time D
/// keeps the accumulator in registers and lets the compiler vectorise the row loop.
template <uint32_t D>
void embed_sum(const text::TextFeatures& tf, const float* E, uint32_t shift, uint32_t sparse_rows,
               uint32_t dense, float* h) {
  static_assert(D % 4 == 0);
  const size_t n = tf.ids.size();
#if defined(__SSE2__)
  __m128 acc[D / 4];
  for (uint32_t k = 0; k < D / 4; ++k) acc[k] = _mm_setzero_ps();
  for (size_t j = 0; j < n; ++j) {
    const uint32_t id = tf.ids[j];
    if (id < sparse_rows) {
      const float* row = E + static_cast<size_t>(id >> shift) * D;
      const __m128 v = _mm_set1_ps(tf.values[j]);
      for (uint32_t k = 0; k < D / 4; ++k)
        acc[k] = _mm_add_ps(acc[k], _mm_mul_ps(v, _mm_loadu_ps(row + 4 * k)));
    } else if (id - sparse_rows < dense) {
      h[D + (id - sparse_rows)] = tf.values[j];
    }
  }
  for (uint32_t k = 0; k < D / 4; ++k) _mm_storeu_ps(h + 4 * k, acc[k]);
#else
  float acc[D] = {};
  for (size_t j = 0; j < n; ++j) {
    const uint32_t id = tf.ids[j];
    const float v = tf.values[j];
    if (id < sparse_rows) {
      const float* row = E + static_cast<size_t>(id >> shift) * D;
      for (uint32_t k = 0; k < D; ++k) acc[k] += v * row[k];
    } else if (id - sparse_rows < dense) {
      h[D + (id - sparse_rows)] = v;
    }
  }
  for (uint32_t k = 0; k < D; ++k) h[k] = acc[k];
#endif
}

#if defined(__x86_64__)
/// embed_sum over a half-precision table (D a multiple of 8): 8 halves -> 8 floats per step.
template <uint32_t D>
__attribute__((target("avx2,f16c,fma"))) void embed_sum_half(const text::TextFeatures& tf,
                                                             const uint16_t* E, uint32_t shift,
                                                             uint32_t sparse_rows, uint32_t dense,
                                                             float* h) {
  static_assert(D % 8 == 0);
  const size_t n = tf.ids.size();
  __m256 acc[D / 8];
  for (uint32_t k = 0; k < D / 8; ++k) acc[k] = _mm256_setzero_ps();
  for (size_t j = 0; j < n; ++j) {
    const uint32_t id = tf.ids[j];
    if (id < sparse_rows) {
      const uint16_t* row = E + static_cast<size_t>(id >> shift) * D;
      const __m256 v = _mm256_set1_ps(tf.values[j]);
      for (uint32_t k = 0; k < D / 8; ++k)
        acc[k] = _mm256_fmadd_ps(
            v, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 8 * k))),
            acc[k]);
    } else if (id - sparse_rows < dense) {
      h[D + (id - sparse_rows)] = tf.values[j];
    }
  }
  for (uint32_t k = 0; k < D / 8; ++k) _mm256_storeu_ps(h + 8 * k, acc[k]);
}

__attribute__((target("avx2,f16c"))) void to_half(const std::vector<float>& in,
                                                  std::vector<uint16_t>& out) {
  out.resize(in.size());
  size_t i = 0;
  for (; i + 8 <= in.size(); i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(&out[i]),
                     _mm256_cvtps_ph(_mm256_loadu_ps(&in[i]), _MM_FROUND_TO_NEAREST_INT));
  for (; i < in.size(); ++i) out[i] = _cvtss_sh(in[i], _MM_FROUND_TO_NEAREST_INT);
}

__attribute__((target("avx2,f16c"))) void to_float(const std::vector<uint16_t>& in,
                                                   std::vector<float>& out) {
  out.resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) out[i] = _cvtsh_ss(in[i]);
}

bool cpu_has_f16c() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") &&
         __builtin_cpu_supports("fma");
}
#endif

void embed_sum_any(const text::TextFeatures& tf, const float* E, uint32_t d, uint32_t shift,
                   uint32_t sparse_rows, uint32_t dense, float* h) {
  const size_t n = tf.ids.size();
  for (size_t j = 0; j < n; ++j) {
    const uint32_t id = tf.ids[j];
    const float v = tf.values[j];
    if (id < sparse_rows) {
      const float* row = E + static_cast<size_t>(id >> shift) * d;
      for (uint32_t k = 0; k < d; ++k) h[k] += v * row[k];
    } else if (id - sparse_rows < dense) {
      h[d + (id - sparse_rows)] = v;
    }
  }
}
}  // namespace

void EmbeddingModel::embed(const text::TextFeatures& tf, float* h) const {
  const uint32_t in = dim_ + dense_;
  std::fill(h, h + in, 0.f);
#if defined(__x86_64__)
  if (!emb16_.empty()) {
    const uint16_t* E16 = emb16_.data();
    switch (dim_) {
      case 8:
        return embed_sum_half<8>(tf, E16, shift_, sparse_rows_, dense_, h);
      case 16:
        return embed_sum_half<16>(tf, E16, shift_, sparse_rows_, dense_, h);
      case 32:
        return embed_sum_half<32>(tf, E16, shift_, sparse_rows_, dense_, h);
      case 48:
        return embed_sum_half<48>(tf, E16, shift_, sparse_rows_, dense_, h);
      case 64:
        return embed_sum_half<64>(tf, E16, shift_, sparse_rows_, dense_, h);
      default:
        MUSE_CHECK(false, "no half-precision kernel for width {}", dim_);
    }
  }
#endif
  const float* E = emb_.data();
  switch (dim_) {
    case 16:
      embed_sum<16>(tf, E, shift_, sparse_rows_, dense_, h);
      break;
    case 32:
      embed_sum<32>(tf, E, shift_, sparse_rows_, dense_, h);
      break;
    case 48:
      embed_sum<48>(tf, E, shift_, sparse_rows_, dense_, h);
      break;
    case 64:
      embed_sum<64>(tf, E, shift_, sparse_rows_, dense_, h);
      break;
    default:
      embed_sum_any(tf, E, dim_, shift_, sparse_rows_, dense_, h);
  }
}

void EmbeddingModel::forward(const text::TextFeatures& tf, float* h, float* u, float* z) const {
  embed(tf, h);
  head(h, u, z);
}

void EmbeddingModel::head(const float* h, float* u, float* z) const {
  const uint32_t in = dim_ + dense_;
  const float* top = h;
  uint32_t top_n = in;
  if (hidden_ > 0) {
    for (uint32_t k = 0; k < hidden_; ++k) {
      const float a = b1_[k] + dot(&w1_[static_cast<size_t>(k) * in], h, in);
      u[k] = a > 0.f ? a : 0.f;
    }
    top = u;
    top_n = hidden_;
  }
  for (int o = 0; o < outputs_; ++o) {
    z[o] = b2_[o] + dot(&w2_[static_cast<size_t>(o) * top_n], top, top_n);
  }
}

void EmbeddingModel::scores(const text::TextFeatures& tf, float* z) const {
  float h[kMaxDim + kMaxDense], u[kMaxHidden];
  forward(tf, h, u, z);
}

void EmbeddingModel::train_step(const text::TextFeatures& tf, uint64_t targets,
                                const float* pos_weight, float lr, float dropout) {
  MUSE_CHECK(emb16_.empty(), "a half-precision (loaded) embedding model cannot be trained");
  float h[kMaxDim + kMaxDense], u[kMaxHidden], z[kMaxOutputs], gz[kMaxOutputs];
  float gh[kMaxDim + kMaxDense], gu[kMaxHidden], keep[kMaxDim];
  embed(tf, h);
  if (dropout > 0.f) {
    // inverted dropout on the embedding sum (not the lexicon block): scores() needs no rescaling
    const float scale = 1.f / (1.f - dropout);
    const auto cut = static_cast<uint32_t>(dropout * 4294967296.0);
    for (uint32_t k = 0; k < dim_; ++k) {
      drop_state_ = drop_state_ * 6364136223846793005ull + 1442695040888963407ull;
      keep[k] = static_cast<uint32_t>(drop_state_ >> 32) >= cut ? scale : 0.f;
      h[k] *= keep[k];
    }
  }
  head(h, u, z);
  for (int o = 0; o < outputs_; ++o) {
    const bool y = (targets >> o & 1) != 0;
    gz[o] = (sigmoid(z[o]) - (y ? 1.f : 0.f)) * (y ? pos_weight[o] : 1.f);
  }
  const uint32_t in = dim_ + dense_;
  std::fill(gh, gh + in, 0.f);
  if (hidden_ > 0) {
    std::fill(gu, gu + hidden_, 0.f);
    for (int o = 0; o < outputs_; ++o) {
      float* w = &w2_[static_cast<size_t>(o) * hidden_];
      const float g = gz[o];
      for (uint32_t k = 0; k < hidden_; ++k) {
        gu[k] += g * w[k];
        w[k] -= lr * g * u[k];
      }
      b2_[o] -= lr * g;
    }
    for (uint32_t k = 0; k < hidden_; ++k) {
      if (u[k] <= 0.f) continue;  // ReLU gate
      const float g = gu[k];
      float* w = &w1_[static_cast<size_t>(k) * in];
      for (uint32_t i = 0; i < in; ++i) {
        gh[i] += g * w[i];
        w[i] -= lr * g * h[i];
      }
      b1_[k] -= lr * g;
    }
  } else {
    for (int o = 0; o < outputs_; ++o) {
      float* w = &w2_[static_cast<size_t>(o) * in];
      const float g = gz[o];
      for (uint32_t i = 0; i < in; ++i) {
        gh[i] += g * w[i];
        w[i] -= lr * g * h[i];
      }
      b2_[o] -= lr * g;
    }
  }
  const uint32_t d = dim_;
  if (dropout > 0.f) {
    for (uint32_t k = 0; k < d; ++k) gh[k] *= keep[k];
  }
  for (size_t j = 0; j < tf.ids.size(); ++j) {
    const uint32_t id = tf.ids[j];
    if (id >= sparse_rows_) continue;
    float* row = &emb_[static_cast<size_t>(id >> shift_) * d];
    const float s = lr * tf.values[j];
    for (uint32_t k = 0; k < d; ++k) row[k] -= s * gh[k];
  }
}

double EmbeddingModel::loss(const text::TextFeatures& tf, uint64_t targets,
                            const float* pos_weight) const {
  float h[kMaxDim + kMaxDense], u[kMaxHidden], z[kMaxOutputs];
  forward(tf, h, u, z);
  double sum = 0;
  for (int o = 0; o < outputs_; ++o) {
    const bool y = (targets >> o & 1) != 0;
    // -log sigmoid(+-z), computed stably
    const double m = y ? z[o] : -z[o];
    const double l = softplus(-m);
    sum += (y ? pos_weight[o] : 1.f) * l;
  }
  return sum;
}

std::vector<std::span<float>> EmbeddingModel::parameters() {
  MUSE_CHECK(emb16_.empty(), "a half-precision (loaded) embedding model has no float parameters");
  return {emb_, w1_, b1_, w2_, b2_};
}

void EmbeddingModel::save(BinaryWriter& w) const {
  w.write(dim_);
  w.write(hidden_);
  w.write(dense_);
  w.write(sparse_rows_);
  w.write(bucket_bits_);
  w.write<int32_t>(outputs_);
  if (emb16_.empty()) {
    w.write_vector(emb_);
  } else {
#if defined(__x86_64__)
    std::vector<float> full;  // files always hold the float table
    to_float(emb16_, full);
    w.write_vector(full);
#endif
  }
  w.write_vector(w1_);
  w.write_vector(b1_);
  w.write_vector(w2_);
  w.write_vector(b2_);
}

EmbeddingModel EmbeddingModel::load(BinaryReader& r) {
  EmbeddingModel m;
  m.dim_ = r.read<uint32_t>();
  m.hidden_ = r.read<uint32_t>();
  m.dense_ = r.read<uint32_t>();
  m.sparse_rows_ = r.read<uint32_t>();
  m.bucket_bits_ = r.read<uint32_t>();
  m.outputs_ = r.read<int32_t>();
  const bool pow2 = m.sparse_rows_ >= 2 && (m.sparse_rows_ & (m.sparse_rows_ - 1)) == 0;
  const uint32_t sparse_bits = pow2 ? static_cast<uint32_t>(std::countr_zero(m.sparse_rows_)) : 0;
  if (m.dim_ < 1 || m.dim_ > kMaxDim || m.hidden_ > kMaxHidden || m.dense_ > kMaxDense || !pow2 ||
      m.bucket_bits_ < 8 || m.bucket_bits_ > sparse_bits || m.outputs_ < 1 ||
      m.outputs_ > kMaxOutputs) {
    MUSE_THROW(ErrorCode::kDataLoss,
               "embedding model has a bad shape (dim {}, hidden {}, dense {}, rows {}, bits {}, "
               "outputs {})",
               m.dim_, m.hidden_, m.dense_, m.sparse_rows_, m.bucket_bits_, m.outputs_);
  }
  m.shift_ = sparse_bits - m.bucket_bits_;
  const size_t in = m.dim_ + m.dense_;
  m.emb_ = r.read_vector<float>();
  m.w1_ = r.read_vector<float>();
  m.b1_ = r.read_vector<float>();
  m.w2_ = r.read_vector<float>();
  m.b2_ = r.read_vector<float>();
  const size_t top = m.hidden_ > 0 ? m.hidden_ : in;
  if (m.emb_.size() != (size_t{1} << m.bucket_bits_) * m.dim_ ||
      m.w1_.size() != static_cast<size_t>(m.hidden_) * in || m.b1_.size() != m.hidden_ ||
      m.w2_.size() != static_cast<size_t>(m.outputs_) * top ||
      m.b2_.size() != static_cast<size_t>(m.outputs_)) {
    MUSE_THROW(ErrorCode::kDataLoss, "embedding model weights do not match its shape");
  }
  for (const auto* v : {&m.emb_, &m.w1_, &m.b1_, &m.w2_, &m.b2_}) {
    for (float x : *v) {
      if (!std::isfinite(x))
        MUSE_THROW(ErrorCode::kDataLoss, "embedding model has a non-finite weight");
    }
  }
#if defined(__x86_64__)
  const bool kernel = m.dim_ == 8 || m.dim_ == 16 || m.dim_ == 32 || m.dim_ == 48 || m.dim_ == 64;
  if (kernel && cpu_has_f16c() && !std::getenv("MUSE_EMB_FLOAT")) {
    to_half(m.emb_, m.emb16_);
    std::vector<float>().swap(m.emb_);
  }
#endif
  return m;
}

}  // namespace muse::emotion
