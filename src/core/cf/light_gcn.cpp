#include "cf/light_gcn.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "cf/autoencoder_ops.h"
#include "util/error.h"
#include "util/math.h"

namespace muse::cf {
namespace {

using RowMat = LightGcn::RowMat;
using Graph = LightGcn::Graph;

/// out = graph * in, rows in parallel (the graph is small and sparse; in is dense).
void propagate(const Graph& graph, const RowMat& in, RowMat* out) {
  out->resize(in.rows(), in.cols());
  const auto* outer = graph.outerIndexPtr();
  const auto* inner = graph.innerIndexPtr();
  const float* val = graph.valuePtr();
#pragma omp parallel for schedule(dynamic, 256)
  for (Eigen::Index r = 0; r < graph.rows(); ++r) {
    auto o = out->row(r);
    o.setZero();
    for (auto k = outer[r]; k < outer[r + 1]; ++k) o += val[k] * in.row(inner[k]);
  }
}

/// 1/sqrt(degree) of every node, users then items (0 for a node without edges).
std::vector<float> inv_sqrt_degrees(const Interactions& x) {
  std::vector<float> inv(static_cast<size_t>(x.rows() + x.cols()), 0.f);
  auto counts = x.col_counts();
  for (int32_t r = 0; r < x.rows(); ++r)
    if (x.row_size(r) > 0) inv[r] = 1.f / std::sqrt(static_cast<float>(x.row_size(r)));
  for (int32_t i = 0; i < x.cols(); ++i)
    if (counts[i] > 0) inv[x.rows() + i] = 1.f / std::sqrt(static_cast<float>(counts[i]));
  return inv;
}

/// Layer-averaged embeddings; `layers` (if not null) gets every layer, 0 = ego.
RowMat forward(const RowMat& ego, const Graph& graph, int layers, std::vector<RowMat>* all) {
  RowMat acc = ego, cur = ego, next;
  if (all) all->assign(1, ego);
  for (int k = 0; k < layers; ++k) {
    propagate(graph, cur, &next);
    acc += next;
    cur.swap(next);
    if (all) all->push_back(cur);
  }
  acc /= static_cast<float>(layers + 1);
  return acc;
}

}  // namespace

LightGcn::LightGcn(LightGcnConfig config) : config_(config) {}

Graph LightGcn::normalised_graph(const Interactions& x) {
  const int32_t u = x.rows(), n = x.rows() + x.cols();
  const std::vector<float> inv = inv_sqrt_degrees(x);
  std::vector<Eigen::Triplet<float, int32_t>> t;
  t.reserve(2 * static_cast<size_t>(x.nnz()));
  for (int32_t r = 0; r < u; ++r)
    for (int32_t i : x.row_indices(r)) {
      const float w = inv[r] * inv[u + i];
      t.emplace_back(r, u + i, w);
      t.emplace_back(u + i, r, w);
    }
  Graph g(n, n);
  g.setFromTriplets(t.begin(), t.end(), [](float a, float) { return a; });  // binary graph
  return g;
}

double LightGcn::loss_and_gradient(const RowMat& ego, const Graph& graph, int layers,
                                   int32_t n_users, std::span<const Triple> triples, float reg,
                                   RowMat* grad, double* penalty) {
  MUSE_CHECK_ARG(grad != nullptr && !triples.empty(), "loss_and_gradient needs triples");
  MUSE_CHECK_ARG(graph.rows() == ego.rows() && graph.cols() == ego.rows(),
                 "graph is {} x {} for {} embeddings", graph.rows(), graph.cols(), ego.rows());
  const RowMat fin = forward(ego, graph, layers, nullptr);
  RowMat g = RowMat::Zero(ego.rows(), ego.cols());
  const float inv_b = 1.f / static_cast<float>(triples.size());
  double loss = 0, pen = 0;
  for (const Triple& t : triples) {
    const Eigen::Index u = t.user, p = n_users + t.pos, n = n_users + t.neg;
    const Eigen::RowVectorXf diff = fin.row(p) - fin.row(n);
    const float x = fin.row(u).dot(diff);
    loss += softplus(-x);
    const float d = -sigmoid(-x) * inv_b;  // d(loss / B) / dx
    g.row(u) += d * diff;
    g.row(p) += d * fin.row(u);
    g.row(n) -= d * fin.row(u);
  }
  // The graph is symmetric, so the backward pass is the same layer mean applied to g.
  *grad = forward(g, graph, layers, nullptr);
  if (reg > 0)
    for (const Triple& t : triples)
      for (Eigen::Index r :
           {Eigen::Index(t.user), Eigen::Index(n_users + t.pos), Eigen::Index(n_users + t.neg)}) {
        grad->row(r) += (reg * inv_b) * ego.row(r);
        pen += 0.5 * reg * inv_b * ego.row(r).squaredNorm();
      }
  if (penalty) *penalty = pen;
  return loss * inv_b;
}

void LightGcn::fit(const Interactions& x, const ProgressFn& progress) {
  const auto& c = config_;
  MUSE_CHECK_ARG(c.factors >= 1 && c.layers >= 0, "LightGCN needs factors >= 1, layers >= 0");
  MUSE_CHECK_ARG(c.epochs >= 1 && c.batch >= 1, "LightGCN needs epochs >= 1 and batch >= 1");
  MUSE_CHECK_ARG(c.learning_rate > 0 && c.reg >= 0 && c.init_std > 0,
                 "LightGCN needs a positive learning rate and init, a non-negative penalty");
  MUSE_CHECK_ARG(x.nnz() > 0 && x.cols() >= 2, "LightGCN needs interactions and >= 2 items");
  n_users_ = x.rows(), n_items_ = x.cols();
  const Graph graph = normalised_graph(x);
  std::mt19937_64 rng(c.seed);
  std::normal_distribution<float> init(0.f, c.init_std);
  RowMat ego(n_users_ + n_items_, c.factors);
  for (Eigen::Index i = 0; i < ego.size(); ++i) ego.data()[i] = init(rng);

  std::vector<std::pair<int32_t, int32_t>> edges;
  edges.reserve(static_cast<size_t>(x.nnz()));
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(n_users_));
  for (int32_t u = 0; u < n_users_; ++u) {
    auto idx = x.row_indices(u);
    rows[u].assign(idx.begin(), idx.end());
    std::sort(rows[u].begin(), rows[u].end());
    for (int32_t i : rows[u]) edges.emplace_back(u, i);
  }
  std::uniform_int_distribution<int32_t> any_item(0, n_items_ - 1);
  autoencoder::Adam adam(ego.size());
  RowMat grad;
  std::vector<Triple> batch;
  losses_.clear();
  int step = 0;
  for (int epoch = 0; epoch < c.epochs; ++epoch) {
    std::shuffle(edges.begin(), edges.end(), rng);
    double epoch_loss = 0;
    for (size_t start = 0; start < edges.size(); start += static_cast<size_t>(c.batch)) {
      const size_t b = std::min(edges.size() - start, static_cast<size_t>(c.batch));
      batch.clear();
      for (size_t e = start; e < start + b; ++e) {
        const auto [u, i] = edges[e];
        if (rows[u].size() >= static_cast<size_t>(n_items_)) continue;  // no negative exists
        int32_t j;
        do j = any_item(rng);
        while (std::binary_search(rows[u].begin(), rows[u].end(), j));
        batch.push_back({u, i, j});
      }
      if (batch.empty()) continue;
      epoch_loss += loss_and_gradient(ego, graph, c.layers, n_users_, batch, c.reg, &grad) *
                    static_cast<double>(batch.size());
      adam.step(ego.data(), grad.data(), c.learning_rate, ++step);
    }
    losses_.push_back(epoch_loss / static_cast<double>(edges.size()));
    report(progress, "lightgcn", static_cast<uint64_t>(epoch + 1), static_cast<uint64_t>(c.epochs));
  }

  std::vector<RowMat> layers;
  const RowMat fin = forward(ego, graph, c.layers, &layers);
  user_final_ = fin.topRows(n_users_);
  item_final_ = fin.bottomRows(n_items_);
  item_layers_.clear();
  for (const auto& l : layers) item_layers_.push_back(l.bottomRows(n_items_));
  const std::vector<float> inv = inv_sqrt_degrees(x);
  item_inv_sqrt_degree_.assign(inv.begin() + n_users_, inv.end());
  training_rows_.index(x);
}

void LightGcn::score(std::span<const Query> queries, std::span<float> out) const {
  MUSE_CHECK(n_items_ > 0 && item_final_.rows() == n_items_, "LightGCN model not fitted");
  MUSE_CHECK(out.size() == queries.size() * static_cast<size_t>(n_items_), "score buffer size");
  const int layers = static_cast<int>(item_layers_.size()) - 1;
  RowMat users(static_cast<Eigen::Index>(queries.size()), item_final_.cols());
  for (size_t q = 0; q < queries.size(); ++q) {
    const std::vector<int32_t> items = distinct_items(queries[q].items, n_items_);
    auto row = users.row(static_cast<Eigen::Index>(q));
    if (const int32_t u = training_rows_.find_distinct(items); u >= 0) {
      row = user_final_.row(u);
      continue;
    }
    // Fold-in: layer k of a new user node is the normalised sum of its items' layer k - 1.
    row.setZero();
    if (items.empty()) continue;
    const float inv_q = 1.f / std::sqrt(static_cast<float>(items.size()));
    for (int k = 1; k <= layers; ++k)
      for (int32_t i : items)
        row += (inv_q * item_inv_sqrt_degree_[i]) * item_layers_[k - 1].row(i);
    row /= static_cast<float>(layers + 1);
  }
  Eigen::Map<RowMat> o(out.data(), static_cast<Eigen::Index>(queries.size()), n_items_);
  o.noalias() = users * item_final_.transpose();
}

}  // namespace muse::cf
