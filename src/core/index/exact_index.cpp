#include "index/exact_index.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <queue>

#include "index/hnsw_index.h"
#include "util/binary_file.h"
#include "util/error.h"

namespace muse::index {

void SearchResult::resize(idx_t nq_, int k_) {
  nq = nq_;
  k = k_;
  labels.assign(nq * k, -1);
  distances.assign(nq * k, std::numeric_limits<float>::infinity());
}

ExactIndex::ExactIndex(int dim) : VectorIndex(dim) {
  MUSE_CHECK_ARG(dim > 0 && dim <= 4096, "index dimension {} out of range", dim);
}

void ExactIndex::add(const float* x, idx_t n) {
  MUSE_CHECK_ARG(n >= 0, "negative count");
  data_.insert(data_.end(), x, x + n * dim_);
  n_ += n;
  cols_.assign(static_cast<size_t>(dim_) * n_, 0.f);
  for (idx_t i = 0; i < n_; ++i) {
    for (int j = 0; j < dim_; ++j) cols_[j * n_ + i] = data_[i * dim_ + j];
  }
}

namespace {
/// Keeps the k smallest (distance, id) pairs; the caller pre-filters with threshold().
class TopK {
 public:
  explicit TopK(int k) : k_(k) { heap_.reserve(k); }
  float threshold() const {
    return static_cast<int>(heap_.size()) < k_ ? std::numeric_limits<float>::infinity() : heap_.front().first;
  }
  void push(float d, idx_t id) {
    if (static_cast<int>(heap_.size()) < k_) {
      heap_.emplace_back(d, id);
      std::push_heap(heap_.begin(), heap_.end());
    } else if (d < heap_.front().first) {
      std::pop_heap(heap_.begin(), heap_.end());
      heap_.back() = {d, id};
      std::push_heap(heap_.begin(), heap_.end());
    }
  }
  void write(idx_t* labels, float* distances) {
    std::sort_heap(heap_.begin(), heap_.end());
    int m = static_cast<int>(heap_.size());
    for (int i = 0; i < k_; ++i) {
      labels[i] = i < m ? heap_[i].second : -1;
      distances[i] = i < m ? heap_[i].first : std::numeric_limits<float>::infinity();
    }
  }

 private:
  int k_;
  std::vector<std::pair<float, idx_t>> heap_;
};
}  // namespace

void exact_topk(const float* data, idx_t n, int dim, const float* query, int k,
                const IdSelector* selector, idx_t* labels, float* distances) {
  TopK top(k);
  for (idx_t i = 0; i < n; ++i) {
    if (selector && !selector->is_member(i)) continue;
    const float* x = data + i * dim;
    float d = 0;
    for (int j = 0; j < dim; ++j) d += (x[j] - query[j]) * (x[j] - query[j]);
    if (d < top.threshold()) top.push(d, i);
  }
  top.write(labels, distances);
}

SearchResult ExactIndex::search(const float* queries, idx_t nq, int k, const IdSelector* selector) const {
  MUSE_CHECK_ARG(k > 0, "k must be positive, got {}", k);
  MUSE_CHECK_ARG(nq >= 0, "negative query count");
  SearchResult res;
  res.resize(nq, k);
  constexpr idx_t kBlock = 8192;
#pragma omp parallel if (nq > 8)
  {
    Eigen::ArrayXf dist(kBlock);
#pragma omp for schedule(dynamic)
    for (idx_t q = 0; q < nq; ++q) {
      const float* query = queries + q * dim_;
      TopK top(k);
      for (idx_t start = 0; start < n_; start += kBlock) {
        const idx_t len = std::min(kBlock, n_ - start);
        auto d = dist.head(len);
        d.setZero();
        for (int j = 0; j < dim_; ++j) {
          Eigen::Map<const Eigen::ArrayXf> col(cols_.data() + j * n_ + start, len);
          d += (col - query[j]).square();
        }
        for (idx_t i = 0; i < len; ++i) {
          if (d[i] < top.threshold() && (!selector || selector->is_member(start + i))) top.push(d[i], start + i);
        }
      }
      top.write(&res.labels[q * k], &res.distances[q * k]);
    }
  }
  return res;
}

void ExactIndex::reconstruct(idx_t id, float* out) const {
  MUSE_CHECK_ARG(id >= 0 && id < n_, "vector id {} out of range", id);
  std::memcpy(out, data_.data() + id * dim_, sizeof(float) * dim_);
}

void ExactIndex::save(const std::filesystem::path& path, uint64_t fingerprint) const {
  BinaryWriter w(path, kMagic, kVersion, fingerprint);
  w.write<int32_t>(dim_);
  w.write_vector(data_);
  w.commit();
}

std::unique_ptr<ExactIndex> ExactIndex::load(const std::filesystem::path& path, uint64_t expected) {
  BinaryReader r(path, kMagic, kVersion);
  if (expected != 0 && r.fingerprint() != expected) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} was built from another catalogue; rebuild it", path.string());
  }
  int dim = r.read<int32_t>();
  if (dim <= 0 || dim > 4096) MUSE_THROW(ErrorCode::kDataLoss, "{}: bad dimension {}", path.string(), dim);
  auto data = r.read_vector<float>();
  r.expect_end();
  if (data.size() % dim != 0) MUSE_THROW(ErrorCode::kDataLoss, "{}: data not a multiple of dim", path.string());
  auto idx = std::make_unique<ExactIndex>(dim);
  idx->add(data.data(), static_cast<idx_t>(data.size() / dim));
  return idx;
}

std::unique_ptr<VectorIndex> VectorIndex::load(const std::filesystem::path& path, uint64_t expected) {
  FileHeader h{};
  if (!peek_header(path, &h)) MUSE_THROW(ErrorCode::kNotFound, "index file {} not found", path.string());
  if (std::memcmp(h.magic, ExactIndex::kMagic, 8) == 0) return ExactIndex::load(path, expected);
  if (std::memcmp(h.magic, HnswIndex::kMagic, 8) == 0) return HnswIndex::load(path, expected);
  MUSE_THROW(ErrorCode::kDataLoss, "{} is not a Muse index file", path.string());
}

}  // namespace muse::index
