#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/SVD>
#include <cmath>
#include <filesystem>
#include <random>

#include "cf/als.h"
#include "cf/ease.h"
#include "cf/graph_filter.h"
#include "cf/item_knn.h"
#include "cf/light_gcn.h"
#include "cf/mult_dae.h"
#include "cf/mult_vae.h"
#include "cf/user_ease.h"
#include "cf/user_knn.h"
#include "test_catalog.h"
#include "util/binary_file.h"
#include "util/error.h"

namespace muse::cf {
namespace {

/// Two user communities, each using its own half of the items (70% of them), plus one
/// held-out item per user from that user's own block.
struct Planted {
  Interactions train;
  std::vector<int32_t> held;
  int32_t users = 80, items = 40;
  Planted() {
    std::mt19937 rng(3);
    std::vector<Triplet> t;
    for (int32_t u = 0; u < users; ++u) {
      int32_t base = (u % 2) * (items / 2);
      std::vector<int32_t> own;
      for (int32_t i = 0; i < items / 2; ++i)
        if (std::uniform_real_distribution<>(0, 1)(rng) < 0.7) own.push_back(base + i);
      std::shuffle(own.begin(), own.end(), rng);
      held.push_back(own.back());
      own.pop_back();
      for (int32_t i : own) t.push_back({u, i, 1.f});
    }
    train = Interactions::from_triplets(users, items, std::move(t));
  }
  Query query(int32_t u) const {
    auto idx = train.row_indices(u);
    return {{idx.begin(), idx.end()}, {}};
  }
  /// Share of users whose held-out item is in their top k.
  double hit_rate(const Recommender& m, int k) const {
    std::vector<Query> qs;
    for (int32_t u = 0; u < users; ++u) qs.push_back(query(u));
    auto recs = m.recommend(qs, k);
    int hits = 0;
    for (int32_t u = 0; u < users; ++u)
      for (auto& r : recs[u]) hits += r.item == held[u];
    return double(hits) / users;
  }
};

TEST(Interactions, CsrTransposeAndDuplicates) {
  auto m = Interactions::from_triplets(2, 3, {{0, 2, 1.f}, {0, 0, 1.f}, {1, 2, 2.f}, {0, 2, 3.f}});
  EXPECT_EQ(m.nnz(), 3);
  ASSERT_EQ(m.row_size(0), 2);
  EXPECT_EQ(m.row_indices(0)[1], 2);
  EXPECT_FLOAT_EQ(m.row_values(0)[1], 4.f);  // duplicates summed
  auto t = m.transpose();
  EXPECT_EQ(t.rows(), 3);
  EXPECT_EQ(t.row_size(2), 2);
  EXPECT_THROW(Interactions::from_triplets(1, 1, {{0, 1, 1.f}}), MuseError);
}

TEST(ItemKnn, CoOccurringItemsAreNeighbours) {
  // Items 0 and 1 always together; 2 and 3 together; 4 everywhere.
  std::vector<Triplet> t;
  for (int32_t u = 0; u < 10; ++u) {
    int32_t a = u < 5 ? 0 : 2;
    t.push_back({u, a, 1.f});
    t.push_back({u, a + 1, 1.f});
    t.push_back({u, 4, 1.f});
  }
  ItemKnn knn;
  knn.fit(Interactions::from_triplets(10, 5, t));
  Query q{{0}, {}};
  auto rec = knn.recommend(std::span<const Query>(&q, 1), 2).front();
  ASSERT_FALSE(rec.empty());
  EXPECT_EQ(rec[0].item, 1);                 // not the ubiquitous item 4, thanks to IDF
  for (auto& r : rec) EXPECT_NE(r.item, 0);  // seeds excluded
}

TEST(ItemKnn, UnknownQueryItemsAreIgnored) {
  ItemKnn knn;
  knn.fit(Interactions::from_triplets(2, 2, {{0, 0, 1.f}, {0, 1, 1.f}, {1, 0, 1.f}}));
  Query q{{-5, 99, 0}, {}};
  auto rec = knn.recommend(std::span<const Query>(&q, 1), 5).front();
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0].item, 1);
}

TEST(Als, RecoversHeldOutItemsOfPlantedBlocks) {
  Planted p;
  Als als(AlsConfig{8, 0.1f, 10.f, 12, 3, 1});
  als.fit(p.train);
  // Chance of hitting the held-out item in a top-5 of ~26 unseen items is ~0.2; the block
  // structure puts it among ~6 unseen same-block items.
  EXPECT_GT(p.hit_rate(als, 5), 0.6);
  // Recommendations stay inside the user's own block.
  auto recs = als.recommend(std::vector<Query>{p.query(0)}, 3).front();
  for (auto& r : recs) EXPECT_LT(r.item, p.items / 2);
}

TEST(Als, LossDecreases) {
  Planted p;
  Als als(AlsConfig{8, 0.1f, 10.f, 1, 3, 1});
  als.init(p.users, p.items);
  auto xt = p.train.transpose();
  als.iterate(p.train, xt);
  double first = als.loss(p.train);
  for (int i = 0; i < 8; ++i) als.iterate(p.train, xt);
  EXPECT_LT(als.loss(p.train), first);
}

// With as many CG steps as factors, each row's CG solve is exact: the user factors after one
// half-step must equal the closed-form least-squares solution against the initial item
// factors. Covers the fixed-size SIMD kernels (32, 64, 128, 256) and the generic one (20).
TEST(Als, ConjugateGradientMatchesExactSolve) {
  Planted p;
  auto xt = p.train.transpose();
  for (int f : {20, 32, 64, 128, 256}) {
    SCOPED_TRACE(f);
    AlsConfig c{f, 0.5f, 4.f, 1, 2 * f, 7};
    Als als(c);
    als.init(p.users, p.items);
    const std::vector<float> y0(als.item_factors().begin(), als.item_factors().end());
    als.iterate(p.train, xt);
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> y(
        y0.data(), p.items, f);
    Eigen::MatrixXd g = (y.transpose() * y).cast<double>();
    g.diagonal().array() += c.regularization;
    double worst = 0;
    for (int32_t u = 0; u < p.users; ++u) {
      Eigen::MatrixXd a = g;
      Eigen::VectorXd b = Eigen::VectorXd::Zero(f);
      auto idx = p.train.row_indices(u);
      auto val = p.train.row_values(u);
      for (size_t k = 0; k < idx.size(); ++k) {
        Eigen::VectorXd yi = y.row(idx[k]).transpose().cast<double>();
        double w = c.alpha * val[k];
        a += w * yi * yi.transpose();
        b += (1 + w) * yi;
      }
      Eigen::VectorXd exact = a.llt().solve(b);
      for (int i = 0; i < f; ++i)
        worst = std::max(worst, std::fabs(exact[i] - als.user_factors()[size_t(u) * f + i]) /
                                    std::max(1.0, exact.cwiseAbs().maxCoeff()));
    }
    EXPECT_LT(worst, 2e-3);
  }
}

// Frequency-scaled item penalties: after one full iteration with exact CG solves, each item's
// factors equal the closed-form solve against the new user factors with penalty
// reg * ((n_i + 1) / (mean + 1))^exponent; users keep the plain reg.
TEST(Als, ItemRegularisationExponentMatchesClosedForm) {
  Planted p;
  auto xt = p.train.transpose();
  for (int f : {20, 32}) {
    SCOPED_TRACE(f);
    AlsConfig c{f, 2.f, 4.f, 1, 2 * f, 7};
    c.item_reg_exponent = 0.7f;
    Als als(c);
    als.init(p.users, p.items);
    als.iterate(p.train, xt);
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> x(
        als.user_factors().data(), p.users, f);
    Eigen::MatrixXd g = (x.transpose() * x).cast<double>();
    double mean = double(p.train.nnz()) / p.items;
    double worst = 0, low = 1e9, high = 0;
    for (int32_t i = 0; i < p.items; ++i) {
      const double reg = c.regularization * std::pow((xt.row_size(i) + 1) / (mean + 1), 0.7);
      low = std::min(low, reg), high = std::max(high, reg);
      Eigen::MatrixXd a = g + reg * Eigen::MatrixXd::Identity(f, f);
      Eigen::VectorXd b = Eigen::VectorXd::Zero(f);
      for (int32_t u : xt.row_indices(i)) {
        Eigen::VectorXd xu = x.row(u).transpose().cast<double>();
        a += c.alpha * xu * xu.transpose();
        b += (1 + c.alpha) * xu;
      }
      Eigen::VectorXd exact = a.llt().solve(b);
      for (int k = 0; k < f; ++k)
        worst = std::max(worst, std::fabs(exact[k] - als.item_factors()[size_t(i) * f + k]) /
                                    std::max(1.0, exact.cwiseAbs().maxCoeff()));
    }
    EXPECT_LT(worst, 2e-3);
    EXPECT_GT(high, low * 1.05);  // the penalties really differ across items
  }
}

TEST(Als, SaveLoadAndVersionCheck) {
  Planted p;
  Als als(AlsConfig{4, 0.1f, 5.f, 3, 2, 1});
  als.fit(p.train);
  auto dir = muse::testing::temp_path("muse_cf_test");
  std::filesystem::create_directories(dir);
  als.save(dir / "a.model");
  Als back = Als::load(dir / "a.model");
  EXPECT_EQ(back.item_factors(), als.item_factors());
  EXPECT_EQ(back.config().factors, 4);
  std::vector<float> s1(p.items), s2(p.items);
  Query q = p.query(3);
  als.score(std::span<const Query>(&q, 1), s1);
  back.score(std::span<const Query>(&q, 1), s2);
  EXPECT_EQ(s1, s2);
  {
    BinaryWriter w(dir / "future.model", Als::kMagic, Als::kVersion + 1);
    w.write<int32_t>(4);
    w.commit();
  }
  try {
    Als::load(dir / "future.model");
    FAIL() << "expected kDataLoss";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataLoss);
    EXPECT_NE(std::string(e.what()).find("version"), std::string::npos);
  }
  EXPECT_THROW(Als::load(dir / "missing.model"), MuseError);
  std::filesystem::remove_all(dir);
}

/// A small matrix with varied play counts (not only 1s).
Interactions counts_matrix(int32_t users, int32_t items, double density, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<> u01(0, 1);
  std::vector<Triplet> t;
  for (int32_t u = 0; u < users; ++u)
    for (int32_t i = 0; i < items; ++i)
      if (u01(rng) < density) t.push_back({u, i, static_cast<float>(1 + int(u01(rng) * 20))});
  return Interactions::from_triplets(users, items, std::move(t));
}

using DenseRowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The objective written out over every (user, item) cell: c = 1 + alpha w where observed and
// 1 elsewhere, preference 1 where observed and 0 elsewhere, plus lambda (|X|^2 + |Y|^2).
double dense_objective(const Als& als, const Interactions& x) {
  const int f = als.config().factors;
  Eigen::Map<const DenseRowMat> xu(als.user_factors().data(), x.rows(), f);
  Eigen::Map<const DenseRowMat> y(als.item_factors().data(), x.cols(), f);
  Eigen::MatrixXd s = (xu * y.transpose()).cast<double>();
  Eigen::MatrixXd c = Eigen::MatrixXd::Ones(x.rows(), x.cols());
  Eigen::MatrixXd p = Eigen::MatrixXd::Zero(x.rows(), x.cols());
  for (int32_t u = 0; u < x.rows(); ++u)
    for (size_t k = 0; k < x.row_indices(u).size(); ++k) {
      c(u, x.row_indices(u)[k]) = 1 + als.config().alpha * x.row_values(u)[k];
      p(u, x.row_indices(u)[k]) = 1;
    }
  double reg = xu.cast<double>().squaredNorm() + y.cast<double>().squaredNorm();
  return (c.array() * (p - s).array().square()).sum() + als.config().regularization * reg;
}

TEST(Als, ObjectiveMatchesTheDenseFormAndNeverRises) {
  auto x = counts_matrix(30, 25, 0.3, 11);
  auto xt = x.transpose();
  Als als(AlsConfig{8, 0.5f, 2.f, 1, 3, 5});
  als.init(x.rows(), x.cols());
  double prev = dense_objective(als, x);
  EXPECT_NEAR(als.loss(x), prev, 1e-4 * prev);
  for (int it = 0; it < 20; ++it) {
    als.iterate(x, xt);
    double now = dense_objective(als, x);
    EXPECT_NEAR(als.loss(x), now, 1e-4 * now) << "iteration " << it;
    // Each half-step's CG (warm-started, 3 steps) can only lower that side's quadratic.
    EXPECT_LE(now, prev * (1 + 1e-5)) << "iteration " << it;
    prev = now;
  }
}

// One half-step with as many CG steps as factors against the textbook solve per user with
// the full diagonal confidence matrix: x_u = (Y^T C_u Y + lambda I)^-1 Y^T C_u p_u.
TEST(Als, HalfStepMatchesFullConfidenceClosedForm) {
  auto x = counts_matrix(20, 30, 0.3, 13);
  auto xt = x.transpose();
  for (int f : {16, 32}) {
    SCOPED_TRACE(f);
    AlsConfig c{f, 0.3f, 1.5f, 1, 2 * f, 9};
    Als als(c);
    als.init(x.rows(), x.cols());
    const std::vector<float> y0(als.item_factors().begin(), als.item_factors().end());
    als.iterate(x, xt);  // users first, against y0
    Eigen::Map<const DenseRowMat> y(y0.data(), x.cols(), f);
    Eigen::MatrixXd yd = y.cast<double>();
    double worst = 0;
    for (int32_t u = 0; u < x.rows(); ++u) {
      Eigen::VectorXd cu = Eigen::VectorXd::Ones(x.cols()), pu = Eigen::VectorXd::Zero(x.cols());
      for (size_t k = 0; k < x.row_indices(u).size(); ++k) {
        cu[x.row_indices(u)[k]] = 1 + c.alpha * x.row_values(u)[k];
        pu[x.row_indices(u)[k]] = 1;
      }
      Eigen::MatrixXd a = yd.transpose() * cu.asDiagonal() * yd +
                          c.regularization * Eigen::MatrixXd::Identity(f, f);
      Eigen::VectorXd exact = a.llt().solve(yd.transpose() * cu.asDiagonal() * pu);
      for (int i = 0; i < f; ++i)
        worst = std::max(worst, std::fabs(exact[i] - als.user_factors()[size_t(u) * f + i]) /
                                    std::max(1.0, exact.cwiseAbs().maxCoeff()));
    }
    EXPECT_LT(worst, 2e-3);
  }
}

TEST(Bm25, ItemsAsDocumentsHandWorked) {
  // u0: item0 = 1, item1 = 3; u1: item0 = 2; items 2, 3 unplayed. k1 = 1, b = 0.5.
  // Item lengths 3, 3, 0, 0 (mean 1.5): norm = 0.5 + 0.5 * 3 / 1.5 = 1.5 for items 0 and 1.
  // idf(u0) = log 4 - log 3, idf(u1) = log 4 - log 2.
  auto x = Interactions::from_triplets(2, 4, {{0, 0, 1.f}, {0, 1, 3.f}, {1, 0, 2.f}});
  auto w = bm25_weight_items(x, 1.f, 0.5f);
  ASSERT_EQ(w.nnz(), 3);
  const double idf0 = std::log(4.0 / 3.0), idf1 = std::log(2.0);
  EXPECT_NEAR(w.row_values(0)[0], 1 * 2 / (1.5 + 1) * idf0, 1e-6);  // 0.230146
  EXPECT_NEAR(w.row_values(0)[1], 3 * 2 / (1.5 + 3) * idf0, 1e-6);  // 0.383576
  EXPECT_NEAR(w.row_values(1)[0], 2 * 2 / (1.5 + 2) * idf1, 1e-6);  // 0.792168
}

// Fewer users than items takes the Woodbury path: its scores must equal the direct
// B = I - P / diag(P), P = (X^T X + Lambda)^-1, computed densely here, with the plain
// penalty (Lambda = lambda I) and the denoising one (lambda + p / (1 - p) * (X^T X)_jj).
TEST(Ease, WoodburyPathMatchesDirectInverse) {
  auto x = counts_matrix(8, 30, 0.35, 17);
  const float lambda = 3.f;
  for (float drop : {0.f, 0.3f}) {
    EaseConfig config{lambda, 1, 1000};
    config.drop = drop;
    Ease ease(config);
    ease.fit(x);
    auto counts = x.col_counts();
    std::vector<int32_t> kept;
    for (int32_t i = 0; i < x.cols(); ++i)
      if (counts[i] >= 1) kept.push_back(i);
    const int m = static_cast<int>(kept.size());
    ASSERT_GT(m, x.rows());
    std::vector<int> slot(x.cols(), -1);
    for (int j = 0; j < m; ++j) slot[kept[j]] = j;
    Eigen::MatrixXd xd = Eigen::MatrixXd::Zero(x.rows(), m);
    for (int32_t u = 0; u < x.rows(); ++u)
      for (size_t k = 0; k < x.row_indices(u).size(); ++k)
        xd(u, slot[x.row_indices(u)[k]]) = x.row_values(u)[k];
    Eigen::MatrixXd g = xd.transpose() * xd;
    Eigen::VectorXd pen = Eigen::VectorXd::Constant(m, lambda);
    pen += drop / (1.0 - drop) * g.diagonal();
    g += pen.asDiagonal();
    Eigen::MatrixXd p = g.llt().solve(Eigen::MatrixXd::Identity(m, m));
    Eigen::MatrixXd b(m, m);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < m; ++j) b(i, j) = i == j ? 0 : -p(i, j) / p(j, j);
    Query q{{kept[0], kept[3], kept[5]}, {1.f, 2.f, 0.5f}};
    std::vector<float> got(x.cols());
    ease.score(std::span<const Query>(&q, 1), got);
    for (int j = 0; j < m; ++j) {
      double want = 1.0 * b(0, j) + 2.0 * b(3, j) + 0.5 * b(5, j);
      EXPECT_NEAR(got[kept[j]], want, 1e-4 * std::max(1.0, std::fabs(want)))
          << "item " << kept[j] << ", drop " << drop;
    }
  }
  EaseConfig bad{lambda, 1, 1000};
  bad.drop = 1.f;
  EXPECT_THROW(Ease(bad).fit(x), MuseError);
}

TEST(Ease, LearnsBlocks) {
  Planted p;
  Ease ease(EaseConfig{10.f, 1, 1000});
  ease.fit(p.train);
  EXPECT_GT(p.hit_rate(ease, 5), 0.6);
}

// GF-CF against the dense formula: r R~^T R~ + alpha r D^-1/2 V V^T D^1/2 with V the top
// right singular vectors of R~ = D_u^-1/2 R D_i^-1/2 (Eigen's SVD), for both sides of the
// eigendecomposition (fewer users than items, and fewer items than users).
TEST(GraphFilter, MatchesDenseFormula) {
  for (auto [users, items] : {std::pair{12, 30}, std::pair{30, 12}}) {
    SCOPED_TRACE(users);
    auto x = counts_matrix(users, items, 0.3, 21).map_values([](float) { return 1.f; });
    const int rank = 5;
    const float alpha = 0.3f;
    GraphFilter gf(GraphFilterConfig{rank, alpha});
    gf.fit(x);
    Eigen::MatrixXd r = Eigen::MatrixXd::Zero(users, items);
    for (int32_t u = 0; u < users; ++u)
      for (int32_t i : x.row_indices(u)) r(u, i) = 1;
    Eigen::VectorXd du = r.rowwise().sum(), di = r.colwise().sum().transpose();
    Eigen::VectorXd isu = du.unaryExpr([](double d) { return d > 0 ? 1 / std::sqrt(d) : 0.0; });
    Eigen::VectorXd isi = di.unaryExpr([](double d) { return d > 0 ? 1 / std::sqrt(d) : 0.0; });
    Eigen::VectorXd si = di.cwiseSqrt();
    Eigen::MatrixXd rn = isu.asDiagonal() * r * isi.asDiagonal();
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(rn, Eigen::ComputeThinV);
    Eigen::MatrixXd v = svd.matrixV().leftCols(rank);
    ASSERT_EQ(gf.singular_values().size(), size_t(rank));
    EXPECT_NEAR(gf.singular_values()[0], svd.singularValues()(0), 1e-4);
    Eigen::MatrixXd want = r * rn.transpose() * rn +
                           alpha * r * isi.asDiagonal() * v * v.transpose() * si.asDiagonal();
    std::vector<Query> qs;
    for (int32_t u = 0; u < users; ++u) {
      auto idx = x.row_indices(u);
      qs.push_back({{idx.begin(), idx.end()}, {}});
    }
    std::vector<float> got(size_t(users) * items);
    gf.score(qs, got);
    double worst = 0;
    for (int32_t u = 0; u < users; ++u)
      for (int32_t i = 0; i < items; ++i)
        worst = std::max(worst, std::fabs(got[size_t(u) * items + i] - want(u, i)));
    EXPECT_LT(worst, 1e-4);
  }
}

TEST(GraphFilter, LearnsBlocksAndRejectsBadConfig) {
  Planted p;
  GraphFilter gf(GraphFilterConfig{8, 0.3f});
  gf.fit(p.train);
  EXPECT_GT(p.hit_rate(gf, 5), 0.6);
  GraphFilter linear(GraphFilterConfig{0, 0.3f});  // linear filter only
  linear.fit(p.train);
  EXPECT_GT(p.hit_rate(linear, 5), 0.6);
  EXPECT_THROW(GraphFilter(GraphFilterConfig{-1, 0.3f}).fit(p.train), MuseError);
  EXPECT_THROW(GraphFilter(GraphFilterConfig{8, 0.3f, 10}).fit(p.train), MuseError);  // side 40
}

/// Each of param's n entries nudged by +-1e-2: the central difference of loss() must match
/// grad to 2e-3 (what the autoencoders' backward passes are checked with).
template <class LossFn>
void expect_central_differences(float* param, const float* grad, Eigen::Index n,
                                const std::string& what, const LossFn& loss) {
  for (Eigen::Index i = 0; i < n; ++i) {
    const float keep = param[i], eps = 1e-2f;
    param[i] = keep + eps;
    const double up = loss();
    param[i] = keep - eps;
    const double down = loss();
    param[i] = keep;
    EXPECT_NEAR(grad[i], (up - down) / (2 * eps), 2e-3) << what << " " << i;
  }
}

// The backward pass fit() uses, against central differences of the loss on a small random
// network (every parameter block, counts as values, an out-of-range item ignored).
TEST(MultDae, GradientMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  std::normal_distribution<float> d(0.f, 0.5f);
  const int32_t items = 7, hidden = 3;
  MultDae::Params p;
  p.w1 = MultDae::RowMat(items, hidden);
  p.w2 = MultDae::RowMat(hidden, items);
  p.b1 = Eigen::RowVectorXf(hidden);
  p.b2 = Eigen::RowVectorXf(items);
  for (auto* m : {&p.w1, &p.w2})
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = d(rng);
  for (Eigen::Index i = 0; i < hidden; ++i) p.b1[i] = d(rng);
  for (Eigen::Index i = 0; i < items; ++i) p.b2[i] = d(rng);
  std::vector<Query> rows{{{0, 2, 5}, {1.f, 2.f, 1.f}}, {{1, 3, 99}, {}}, {{6}, {3.f}}};
  MultDae::Params g;
  MultDae::loss_and_gradient(p, rows, &g);
  auto check = [&](float* param, const float* grad, Eigen::Index n, const char* what) {
    expect_central_differences(param, grad, n, what, [&] {
      MultDae::Params unused;
      return MultDae::loss_and_gradient(p, rows, &unused);
    });
  };
  check(p.w1.data(), g.w1.data(), p.w1.size(), "w1");
  check(p.w2.data(), g.w2.data(), p.w2.size(), "w2");
  check(p.b1.data(), g.b1.data(), p.b1.size(), "b1");
  check(p.b2.data(), g.b2.data(), p.b2.size(), "b2");
}

/// Fits a model trained by epochs on the planted blocks: one loss per epoch, the last at most
/// `final_share` of the first, and a held-out hit rate at 5 above 0.6.
template <class Model>
void expect_learns_planted(Model& m, const Planted& p, size_t epochs, double final_share) {
  m.fit(p.train);
  ASSERT_EQ(m.epoch_losses().size(), epochs);
  EXPECT_LT(m.epoch_losses().back(), final_share * m.epoch_losses().front());
  EXPECT_GT(p.hit_rate(m, 5), 0.6);
}

TEST(MultDae, LearnsPlantedBlocksAndRejectsBadConfig) {
  Planted p;
  MultDae dae(MultDaeConfig{16, 150, 16, 1e-2f, 0.5f, 0.f, 1});
  expect_learns_planted(dae, p, 150, 1.0);
  auto recs = dae.recommend(std::vector<Query>{p.query(0)}, 3).front();
  for (auto& r : recs) EXPECT_LT(r.item, p.items / 2);
  EXPECT_THROW(MultDae(MultDaeConfig{0}).fit(p.train), MuseError);
  MultDaeConfig bad;
  bad.dropout = 1.f;
  EXPECT_THROW(MultDae(bad).fit(p.train), MuseError);
  std::vector<float> out(p.items);
  EXPECT_THROW(MultDae().score(std::vector<Query>{p.query(0)}, out), MuseError);  // not fitted
}

// Mult-VAE's backward pass (latent at its mean, beta > 0 so the KL gradient of the mean and
// the log-variance is in it) against central differences, with and without the tanh layers.
TEST(MultVae, GradientMatchesFiniteDifferences) {
  for (int hidden : {0, 4}) {
    MultVaeConfig c;
    c.hidden = hidden, c.latent = 3;
    MultVae::Params p = MultVae::init(c, 7, 11);
    std::mt19937 rng(5);
    std::normal_distribution<float> d(0.f, 0.3f);
    for (auto& b : p.b)
      for (Eigen::Index i = 0; i < b.size(); ++i) b[i] = d(rng);  // biases off zero too
    ASSERT_EQ(p.w.size(), hidden ? 4u : 2u);
    std::vector<Query> rows{{{0, 2, 5}, {1.f, 2.f, 1.f}}, {{1, 3, 99}, {}}, {{6}, {3.f}}};
    const float beta = 0.7f;
    MultVae::Params g;
    MultVae::loss_and_gradient(p, rows, beta, &g);
    ASSERT_EQ(g.w.size(), p.w.size());
    auto check = [&](float* param, const float* grad, Eigen::Index n, size_t layer, char what) {
      const std::string label =
          "hidden " + std::to_string(hidden) + " " + what + std::to_string(layer);
      expect_central_differences(param, grad, n, label, [&] {
        MultVae::Params unused;
        return MultVae::loss_and_gradient(p, rows, beta, &unused);
      });
    };
    for (size_t j = 0; j < p.w.size(); ++j) {
      check(p.w[j].data(), g.w[j].data(), p.w[j].size(), j, 'w');
      check(p.b[j].data(), g.b[j].data(), p.b[j].size(), j, 'b');
    }
  }
}

TEST(MultVae, LearnsPlantedBlocksAndRejectsBadConfig) {
  Planted p;
  MultVaeConfig c;
  c.hidden = 16, c.latent = 8, c.epochs = 150, c.batch = 16, c.learning_rate = 1e-2f;
  MultVae vae(c);
  expect_learns_planted(vae, p, 150, 1.0);
  auto recs = vae.recommend(std::vector<Query>{p.query(0)}, 3).front();
  for (auto& r : recs) EXPECT_LT(r.item, p.items / 2);
  c.latent = 0;
  EXPECT_THROW(MultVae(c).fit(p.train), MuseError);
  c.latent = 8, c.dropout = 1.f;
  EXPECT_THROW(MultVae(c).fit(p.train), MuseError);
  c.dropout = 0.5f, c.beta = -1.f;
  EXPECT_THROW(MultVae(c).fit(p.train), MuseError);
  std::vector<float> out(p.items);
  EXPECT_THROW(MultVae().score(std::vector<Query>{p.query(0)}, out), MuseError);  // not fitted
}

// The normalised graph (hand-worked degrees) and the BPR backward pass through every layer,
// penalty included, against central differences.
TEST(LightGcn, GraphAndGradientMatchFiniteDifferences) {
  // users 0, 1, 2; items 0..3
  auto x = Interactions::from_triplets(3, 4, {{0, 0, 5.f}, {0, 1, 1.f}, {1, 1, 1.f}, {2, 3, 2.f}});
  const LightGcn::Graph g = LightGcn::normalised_graph(x);
  ASSERT_EQ(g.rows(), 7);
  EXPECT_FLOAT_EQ(g.coeff(0, 3), 1.f / std::sqrt(2.f * 1.f));  // user 0 (2 items), item 0 (1 user)
  EXPECT_FLOAT_EQ(g.coeff(4, 1), 1.f / std::sqrt(1.f * 2.f));  // item 1 (2 users), user 1
  EXPECT_FLOAT_EQ(g.coeff(0, 4), g.coeff(4, 0));
  EXPECT_EQ(g.coeff(0, 6), 0.f);
  EXPECT_EQ(g.nonZeros(), 8);
  std::mt19937 rng(5);
  std::normal_distribution<float> d(0.f, 0.5f);
  LightGcn::RowMat ego(7, 3);
  for (Eigen::Index i = 0; i < ego.size(); ++i) ego.data()[i] = d(rng);
  std::vector<LightGcn::Triple> t{{0, 1, 2}, {1, 1, 3}, {2, 3, 0}, {0, 0, 3}};
  for (int layers : {0, 2}) {
    LightGcn::RowMat grad, unused;
    LightGcn::loss_and_gradient(ego, g, layers, 3, t, 0.3f, &grad);
    expect_central_differences(
        ego.data(), grad.data(), ego.size(), "layers " + std::to_string(layers), [&] {
          double pen = 0;
          const double bpr = LightGcn::loss_and_gradient(ego, g, layers, 3, t, 0.3f, &unused, &pen);
          return bpr + pen;
        });
  }
}

TEST(LightGcn, LearnsPlantedBlocksFoldsInAndRejectsBadConfig) {
  Planted p;
  LightGcnConfig c;
  c.factors = 8, c.layers = 2, c.epochs = 60, c.batch = 64, c.learning_rate = 1e-2f;
  LightGcn m(c);
  expect_learns_planted(m, p, 60, 0.5);
  // A training row in another order and with a duplicate is still that user.
  Query q0 = p.query(0), shuffled = q0;
  std::reverse(shuffled.items.begin(), shuffled.items.end());
  shuffled.items.push_back(shuffled.items.front());
  std::vector<float> a(p.items), b(p.items);
  m.score(std::vector<Query>{q0}, a);
  m.score(std::vector<Query>{shuffled}, b);
  EXPECT_EQ(a, b);
  // A new bag of items (half of user 0's row) is folded in and stays in its block.
  Query half{{q0.items.begin(), q0.items.begin() + q0.items.size() / 2}, {}};
  auto recs = m.recommend(std::vector<Query>{half}, 3).front();
  ASSERT_EQ(recs.size(), 3u);
  for (auto& r : recs) EXPECT_LT(r.item, p.items / 2);
  EXPECT_THROW(LightGcn(LightGcnConfig{0}).fit(p.train), MuseError);
  LightGcnConfig bad;
  bad.learning_rate = 0;
  EXPECT_THROW(LightGcn(bad).fit(p.train), MuseError);
  std::vector<float> out(p.items);
  EXPECT_THROW(LightGcn().score(std::vector<Query>{q0}, out), MuseError);  // not fitted
}

TEST(UserKnn, LearnsBlocksAndVotesBySimilarity) {
  Planted p;
  UserKnn knn(UserKnnConfig{10, 1.f});
  knn.fit(p.train);
  EXPECT_GT(p.hit_rate(knn, 5), 0.6);
  // Hand-worked: rows {0,1} and {1,2} (unit-normalised); the query {0} is similar only to the
  // first row (cosine 1/sqrt(2)), whose items get 1/sqrt(2) * 1/sqrt(2) = 0.5 each.
  UserKnn one(UserKnnConfig{1, 1.f});
  one.fit(Interactions::from_triplets(2, 3, {{0, 0, 1.f}, {0, 1, 1.f}, {1, 1, 1.f}, {1, 2, 1.f}}));
  Query q{{0}, {}};
  std::vector<float> got(3);
  one.score(std::span<const Query>(&q, 1), got);
  EXPECT_NEAR(got[0], 0.5f, 1e-6);
  EXPECT_NEAR(got[1], 0.5f, 1e-6);
  EXPECT_NEAR(got[2], 0.f, 1e-6);
  EXPECT_THROW(UserKnn(UserKnnConfig{0, 1.f}).fit(p.train), MuseError);
}

// User-side EASE against the dense formulas: a training row u gets sum_v -P_uv / P_uu x_v over
// the other rows, any other bag q gets X^T P X q, with P = (X X^T + lambda I)^-1.
TEST(UserEase, MatchesDenseRidgeAndLearnsBlocks) {
  auto x = counts_matrix(12, 20, 0.3, 5);
  const float lambda = 2.f;
  UserEase model(UserEaseConfig{lambda, 100});
  model.fit(x);
  Eigen::MatrixXd xd = Eigen::MatrixXd::Zero(x.rows(), x.cols());
  for (int32_t u = 0; u < x.rows(); ++u)
    for (size_t k = 0; k < x.row_indices(u).size(); ++k)
      xd(u, x.row_indices(u)[k]) = x.row_values(u)[k];
  Eigen::MatrixXd g = xd * xd.transpose();
  g.diagonal().array() += lambda;
  const Eigen::MatrixXd p = g.llt().solve(Eigen::MatrixXd::Identity(x.rows(), x.rows()));
  const int32_t u = 4;
  ASSERT_GT(x.row_size(u), 0);
  auto idx = x.row_indices(u);
  auto val = x.row_values(u);
  Query own{{idx.begin(), idx.end()}, {val.begin(), val.end()}};
  std::reverse(own.items.begin(), own.items.end());  // order does not matter
  std::reverse(own.values.begin(), own.values.end());
  Query bag{{0, 7, 13}, {1.f, 2.f, 0.5f}};
  Eigen::VectorXd qd = Eigen::VectorXd::Zero(x.cols());
  qd[0] = 1, qd[7] = 2, qd[13] = 0.5;
  Eigen::VectorXd w_own = -p.row(u).transpose() / p(u, u);
  w_own[u] = 0;
  const Eigen::VectorXd want_own = xd.transpose() * w_own;
  const Eigen::VectorXd want_bag = xd.transpose() * (p * (xd * qd));
  std::vector<Query> qs{own, bag};
  std::vector<float> got(2 * x.cols());
  model.score(qs, got);
  for (int32_t i = 0; i < x.cols(); ++i) {
    EXPECT_NEAR(got[i], want_own[i], 1e-4 * std::max(1.0, std::fabs(want_own[i]))) << i;
    EXPECT_NEAR(got[x.cols() + i], want_bag[i], 1e-4 * std::max(1.0, std::fabs(want_bag[i]))) << i;
  }
  Planted planted;
  UserEase blocks(UserEaseConfig{5.f, 1000});
  blocks.fit(planted.train);
  EXPECT_GT(planted.hit_rate(blocks, 5), 0.6);
  EXPECT_THROW(UserEase(UserEaseConfig{0.f, 100}).fit(x), MuseError);
  EXPECT_THROW(UserEase(UserEaseConfig{1.f, 11}).fit(x), MuseError);  // 12 users > 11
  std::vector<float> out(x.cols());
  EXPECT_THROW(UserEase().score(std::vector<Query>{bag}, out), MuseError);  // not fitted
}

}  // namespace
}  // namespace muse::cf
