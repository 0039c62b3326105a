#pragma once
// Device memory for one context, cached by rounded size: release() keeps a block on the free list of
// its size, and allocate() takes from there before it asks cudaMalloc, so that a training step
// that asks for the same sizes as the step before never calls cudaMalloc (nor cudaFree, which
// waits for the whole device). Inside the module only; one thread at a time, like its context.
//
// Work is ordered on the context's one stream, so a block released after queued work that uses
// it may be handed out again at once: its next user is queued behind that work.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

namespace neurite::cuda {

class CachingAllocator {
public:
    // Small sizes round to 512 bytes, larger ones to 2 MiB (few distinct sizes, little waste).
    static std::size_t roundedSize(std::size_t bytes);

    CachingAllocator() = default;
    CachingAllocator(const CachingAllocator&) = delete;
    CachingAllocator& operator=(const CachingAllocator&) = delete;
    ~CachingAllocator();   // cudaFree of everything, used or not: the context is going

    // A block of at least `bytes`, or the cudaMalloc error after emptying the cache and retrying
    // once (`allowEmpty` false: no retry, as while a graph is being captured).
    cudaError_t allocate(std::size_t bytes, bool allowEmpty, void** block);
    bool release(void* block);    // false: not a block of this allocator
    cudaError_t emptyCache();     // cudaFree of the free lists

    std::int64_t inUseBytes() const { return inUse_; }
    std::int64_t cachedBytes() const { return cached_; }
    std::int64_t deviceAllocations() const { return mallocs_; }

private:
    std::map<std::size_t, std::vector<void*>> free_;   // by rounded size
    std::unordered_map<void*, std::size_t> used_;      // block → rounded size
    std::int64_t inUse_ = 0, cached_ = 0, mallocs_ = 0;
};

} // namespace neurite::cuda
