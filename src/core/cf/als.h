#pragma once
/// Implicit-feedback matrix factorisation (Hu, Koren, Volinsky 2008): confidence
/// c = 1 + alpha * r, preference 1 for every observed pair, solved by alternating least squares
/// with a few conjugate-gradient steps per row (Takács et al. 2011) instead of a full solve.
/// float factors, Gram matrix precomputed once per half-step, OpenMP over rows; the CG kernels
/// for 32/64/128/256 factors are explicit 16-float vector code picked by CPU features at run time.
#include <filesystem>

#include "cf/recommender.h"
#include "util/huge_page_allocator.h"

namespace muse::cf {

struct AlsConfig {
  int factors = 64;
  float regularization = 0.01f;
  float alpha = 1.f;  ///< confidence = 1 + alpha * value
  int iterations = 15;
  int cg_steps = 3;
  uint64_t seed = 42;
  /// Frequency-scaled item regularisation (Rendle et al. 2022, "Revisiting the performance of
  /// iALS"): item i's penalty is reg * ((n_i + 1) / (mean + 1))^exponent, n_i its row count.
  /// 0 = one penalty for all. Only the item side: user vectors are folded in per query with
  /// the plain reg, so saved models are unaffected.
  float item_reg_exponent = 0.f;
};

class Als : public Recommender {
 public:
  using FactorVector = std::vector<float, HugePageAllocator<float>>;
  static constexpr const char* kMagic = "MUSEALS1";
  static constexpr uint32_t kVersion = 1;

  explicit Als(AlsConfig config = {}) : config_(config) {}
  std::string name() const override { return "als"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  /// One full iteration (users then items) given fitted shapes; returns seconds taken.
  double iterate(const Interactions& x, const Interactions& xt);
  /// Random initial factors for an n_users x n_items problem.
  void init(int32_t n_users, int32_t n_items);
  int32_t n_items() const override { return n_items_; }
  /// Folds each query in (exact least-squares solve for its user vector), then dot products.
  void score(std::span<const Query> queries, std::span<float> out) const override;

  /// Implicit-feedback loss on x (for convergence checks; O(nnz * f + users * f^2)).
  double loss(const Interactions& x) const;

  const AlsConfig& config() const { return config_; }
  const FactorVector& user_factors() const { return users_; }
  const FactorVector& item_factors() const { return items_; }

  /// Item factors + config (user factors are folded in per query and not saved).
  void save(const std::filesystem::path& path, uint64_t fingerprint = 0) const;
  /// Throws kDataLoss for a file of another format version or a truncated file.
  static Als load(const std::filesystem::path& path);

 private:
  AlsConfig config_;
  int32_t n_users_ = 0, n_items_ = 0;
  FactorVector users_, items_;         // row-major, factors wide
  std::vector<double> gram_;           // Y^T Y + reg I, for folding queries in
  std::vector<float> item_extra_reg_;  // per item: its penalty minus reg (exponent != 0)
  void update_gram();
};

}  // namespace muse::cf
