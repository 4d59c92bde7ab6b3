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
  for (idx_t i = 0; i < n; ++i) {
    Eigen::Map<const Eigen::VectorXf> v(x + i * dim_, dim_);
    norms_.push_back(v.squaredNorm());
  }
  n_ += n;
}

void exact_topk(const float* data, idx_t n, int dim, const float* query, int k,
                const IdSelector* selector, idx_t* labels, float* distances) {
  using Pair = std::pair<float, idx_t>;
  std::priority_queue<Pair> heap;  // max-heap of the best k so far
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> X(data, n, dim);
  Eigen::Map<const Eigen::VectorXf> q(query, dim);
  constexpr idx_t kBlock = 4096;
  Eigen::VectorXf d(kBlock);
  for (idx_t start = 0; start < n; start += kBlock) {
    idx_t len = std::min(kBlock, n - start);
    d.head(len) = (X.middleRows(start, len).rowwise() - q.transpose()).rowwise().squaredNorm();
    for (idx_t i = 0; i < len; ++i) {
      idx_t id = start + i;
      float di = d[i];
      if (static_cast<int>(heap.size()) < k) {
        if (selector && !selector->is_member(id)) continue;
        heap.emplace(di, id);
      } else if (di < heap.top().first) {
        if (selector && !selector->is_member(id)) continue;
        heap.pop();
        heap.emplace(di, id);
      }
    }
  }
  int m = static_cast<int>(heap.size());
  for (int i = m - 1; i >= 0; --i) {
    labels[i] = heap.top().second;
    distances[i] = heap.top().first;
    heap.pop();
  }
  for (int i = m; i < k; ++i) {
    labels[i] = -1;
    distances[i] = std::numeric_limits<float>::infinity();
  }
}

SearchResult ExactIndex::search(const float* queries, idx_t nq, int k, const IdSelector* selector) const {
  MUSE_CHECK_ARG(k > 0, "k must be positive, got {}", k);
  MUSE_CHECK_ARG(nq >= 0, "negative query count");
  SearchResult res;
  res.resize(nq, k);
#pragma omp parallel for schedule(dynamic) if (nq > 8)
  for (idx_t q = 0; q < nq; ++q) {
    exact_topk(data_.data(), n_, dim_, queries + q * dim_, k, selector, &res.labels[q * k],
               &res.distances[q * k]);
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
