#include "index/hnsw_index.h"

#include <hnswlib/hnswlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>

#include "index/exact_index.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/parallel_errors.h"

namespace muse::index {
namespace fs = std::filesystem;

HnswIndex::HnswIndex(int dim, HnswParams params) : VectorIndex(dim), params_(params) {
  MUSE_CHECK_ARG(dim > 0 && dim <= 4096, "index dimension {} out of range", dim);
  MUSE_CHECK_ARG(params.m >= 2 && params.m <= 128, "HNSW M must be in 2..128");
  MUSE_CHECK_ARG(params.ef_construction >= 1, "ef_construction must be positive");
  space_ = std::make_unique<hnswlib::L2Space>(dim);
}

HnswIndex::HnswIndex(int dim, idx_t capacity, HnswParams params) : HnswIndex(dim, params) {
  MUSE_CHECK_ARG(capacity >= 0, "negative capacity");
  hnsw_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      space_.get(), std::max<idx_t>(capacity, 1), params_.m, params_.ef_construction, 100);
}

HnswIndex::~HnswIndex() = default;

idx_t HnswIndex::size() const { return static_cast<idx_t>(hnsw_->cur_element_count); }

void HnswIndex::add(const float* x, idx_t n) {
  const idx_t base = size();
  if (static_cast<size_t>(base + n) > hnsw_->max_elements_) hnsw_->resizeIndex(base + n);
  data_.insert(data_.end(), x, x + n * dim_);
  // The first point is added alone so the graph has an entry point before threads start.
  idx_t start = 0;
  if (base == 0 && n > 0) {
    hnsw_->addPoint(x, 0);
    start = 1;
  }
  std::atomic<bool> failed{false};
  std::string error;
#pragma omp parallel for schedule(dynamic, 256) \
    num_threads(params_.threads > 0 ? params_.threads : omp_get_max_threads())
  for (idx_t i = start; i < n; ++i) {
    if (failed.load(std::memory_order_relaxed)) continue;
    try {
      hnsw_->addPoint(x + i * dim_, static_cast<hnswlib::labeltype>(base + i));
    } catch (const std::exception& e) {
#pragma omp critical
      {
        failed = true;
        error = e.what();
      }
    }
  }
  if (failed) MUSE_THROW(ErrorCode::kInternal, "HNSW add failed: {}", error);
}

void HnswIndex::search_one(const float* q, int k, const IdSelector* selector, idx_t* labels,
                           float* dist) const {
  const idx_t n = size();
  int fetch = selector ? std::min<idx_t>(n, std::max(k * 8, 64)) : std::min<idx_t>(n, k);
  int got = 0;
  if (fetch > 0) {
    // hnswlib's ef is a member; searchKnn uses max(ef_, k), so we pass a wider k instead of
    // mutating shared state from concurrent readers.
    int want = std::max(fetch, params_.ef_search);
    auto pq = hnsw_->searchKnn(q, std::min<idx_t>(want, n));
    std::vector<std::pair<float, hnswlib::labeltype>> all;
    all.reserve(pq.size());
    while (!pq.empty()) {
      all.push_back(pq.top());
      pq.pop();
    }
    for (auto it = all.rbegin(); it != all.rend() && got < k; ++it) {
      idx_t id = static_cast<idx_t>(it->second);
      if (selector && !selector->is_member(id)) continue;
      labels[got] = id;
      dist[got] = it->first;
      ++got;
    }
  }
  if (got < k && selector) {
    // Too selective for the graph: scan exactly among the allowed ids.
    exact_topk(data_.data(), n, dim_, q, k, selector, labels, dist);
    return;
  }
  for (int i = got; i < k; ++i) {
    labels[i] = -1;
    dist[i] = std::numeric_limits<float>::infinity();
  }
}

SearchResult HnswIndex::search(const float* queries, idx_t nq, int k,
                               const IdSelector* selector) const {
  MUSE_CHECK_ARG(k > 0, "k must be positive, got {}", k);
  MUSE_CHECK_ARG(nq >= 0, "negative query count");
  SearchResult res;
  res.resize(nq, k);
  ParallelErrors errors;
#pragma omp parallel for schedule(dynamic) if (nq > 8)
  for (idx_t q = 0; q < nq; ++q) {
    errors.run([&] {
      search_one(queries + q * dim_, k, selector, &res.labels[q * k], &res.distances[q * k]);
    });
  }
  errors.rethrow();
  return res;
}

void HnswIndex::reconstruct(idx_t id, float* out) const {
  MUSE_CHECK_ARG(id >= 0 && id < size(), "vector id {} out of range", id);
  std::memcpy(out, data_.data() + id * dim_, sizeof(float) * dim_);
}

void HnswIndex::save(const fs::path& path, uint64_t fingerprint) const {
  // hnswlib serialises to a path; we embed its bytes after our own header.
  fs::path body = path;
  body += ".hnswbody." + std::to_string(::getpid());
  hnsw_->saveIndex(body.string());
  std::string bytes;
  {
    std::ifstream in(body, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  fs::remove(body);
  BinaryWriter w(path, kMagic, kVersion, fingerprint);
  w.write<int32_t>(dim_);
  w.write(params_);
  w.write_string(bytes);
  w.write_vector(data_);
  w.commit();
}

std::unique_ptr<HnswIndex> HnswIndex::load(const fs::path& path, uint64_t expected) {
  BinaryReader r(path, kMagic, kVersion);
  if (expected != 0 && r.fingerprint() != expected) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} was built from another catalogue; rebuild it",
               path.string());
  }
  int dim = r.read<int32_t>();
  if (dim <= 0 || dim > 4096)
    MUSE_THROW(ErrorCode::kDataLoss, "{}: bad dimension {}", path.string(), dim);
  auto params = r.read<HnswParams>();
  std::string bytes = r.read_string();
  auto data = r.read_vector<float>();
  r.expect_end();
  std::unique_ptr<HnswIndex> idx(new HnswIndex(dim, params));
  // hnswlib 0.6 loads from a path only: hand it an in-memory file (memfd) rather than a
  // temporary copy on disk, which made server start-up wait on disk writes.
  int fd = ::memfd_create("muse-hnsw", MFD_CLOEXEC);
  fs::path body;
  if (fd >= 0) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    if (done != bytes.size()) {
      ::close(fd);
      fd = -1;
    } else {
      body = "/proc/self/fd/" + std::to_string(fd);
    }
  }
  if (fd < 0) {
    body = path;
    body += ".load." + std::to_string(::getpid()) + "." +
            std::to_string(reinterpret_cast<uintptr_t>(idx.get()));
    std::ofstream out(body, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  auto release = [&] {
    if (fd >= 0) {
      ::close(fd);
    } else {
      std::error_code ec;
      fs::remove(body, ec);
    }
  };
  try {
    idx->hnsw_ =
        std::make_unique<hnswlib::HierarchicalNSW<float>>(idx->space_.get(), body.string());
  } catch (const std::exception& e) {
    release();
    MUSE_THROW(ErrorCode::kDataLoss, "{}: HNSW graph unreadable ({})", path.string(), e.what());
  }
  release();
  if (data.size() != static_cast<size_t>(idx->size()) * dim) {
    MUSE_THROW(ErrorCode::kDataLoss, "{}: vector data does not match the graph", path.string());
  }
  idx->data_ = std::move(data);
  return idx;
}

}  // namespace muse::index
