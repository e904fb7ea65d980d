#include "sim/disks/extent_memory.h"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>

#include <sys/mman.h>

namespace mirrorsim::sim {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

constexpr std::size_t kHugePage = std::size_t{2} << 20;
// Regions are carved from 64 MiB mappings; larger requests get their own.
constexpr std::size_t kRegionBytes = std::size_t{64} << 20;

std::size_t round_up(std::size_t x, std::size_t unit) {
  return (x + unit - 1) / unit * unit;
}

// Maps `bytes` (a multiple of kHugePage) at a kHugePage-aligned address,
// advised for huge pages. Throws std::bad_alloc when the system refuses.
void* map_huge(std::size_t bytes) {
  const std::size_t padded = bytes + kHugePage;
  void* raw = mmap(nullptr, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = round_up(start, kHugePage);
  if (aligned > start) munmap(raw, aligned - start);
  const std::uintptr_t end = start + padded;
  if (end > aligned + bytes)
    munmap(reinterpret_cast<void*>(aligned + bytes), end - aligned - bytes);
  void* result = reinterpret_cast<void*>(aligned);
  madvise(result, bytes, MADV_HUGEPAGE);  // advice only: failure is harmless
  return result;
}

// Upstream of the pool: a bump allocator over huge-page regions for the
// pool's chunks (which the pool never gives back while the process lives),
// and a mapping of its own for each request too large for the pool.
class HugePageRegions final : public std::pmr::memory_resource {
 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    if (bytes > kRegionBytes / 4) return map_huge(round_up(bytes, kHugePage));
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t at = round_up(used_, alignment);
    if (region_ == nullptr || at + bytes > kRegionBytes) {
      region_ = static_cast<std::byte*>(map_huge(kRegionBytes));
      at = 0;
    }
    used_ = at + bytes;
    return region_ + at;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t) override {
    if (bytes > kRegionBytes / 4) munmap(p, round_up(bytes, kHugePage));
    // Smaller blocks are pool chunks: the pool keeps them for the process lifetime.
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::mutex mutex_;
  std::byte* region_ = nullptr;
  std::size_t used_ = 0;
};

// A pool behind one mutex: cheaper than synchronized_pool_resource's
// per-thread pools when, as here, one thread does nearly all the work.
class LockedPool final : public std::pmr::memory_resource {
 public:
  explicit LockedPool(std::pmr::memory_resource* upstream)
      : pool_(std::pmr::pool_options{0, kLargestPooledBlock}, upstream) {}

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    std::lock_guard<std::mutex> lock(mutex_);
    return pool_.allocate(bytes, alignment);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    std::lock_guard<std::mutex> lock(mutex_);
    pool_.deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::mutex mutex_;
  std::pmr::unsynchronized_pool_resource pool_;
};

// Constructs a T once in static storage and never destroys it.
template <typename T>
class NoDestructor {
 public:
  template <typename... Args>
  explicit NoDestructor(Args&&... args) {
    ::new (static_cast<void*>(storage_)) T(std::forward<Args>(args)...);
  }
  T& get() { return *std::launder(reinterpret_cast<T*>(storage_)); }

 private:
  alignas(T) std::byte storage_[sizeof(T)];
};

}  // namespace

std::pmr::memory_resource& extent_memory() {
  if constexpr (kSanitized) {
    return *std::pmr::new_delete_resource();
  } else {
    static NoDestructor<HugePageRegions> regions;
    static NoDestructor<LockedPool> pool(&regions.get());
    return pool.get();
  }
}

}  // namespace mirrorsim::sim
