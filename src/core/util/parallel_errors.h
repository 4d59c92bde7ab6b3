#pragma once
/// An exception that escapes an OpenMP parallel region calls std::terminate, which in the
/// server means one bad request (or a stale model) kills the process. Loop bodies that can
/// throw run through ParallelErrors::run; after the region, rethrow() raises the first error
/// on the calling thread, where the usual error mapping sees it.
#include <atomic>
#include <exception>
#include <mutex>

namespace muse {

class ParallelErrors {
 public:
  /// Runs f unless an earlier iteration failed; never lets an exception out.
  template <class F>
  void run(F&& f) noexcept {
    if (failed_.load(std::memory_order_relaxed)) return;
    try {
      f();
    } catch (...) {
      std::lock_guard lock(mu_);
      if (!first_) first_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }
  /// Rethrows the first captured exception, if any. Call after the parallel region.
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::exception_ptr first_;
};

}  // namespace muse
