#include "engine/backends/cuda/CachingAllocator.h"

namespace neurite::cuda {

std::size_t CachingAllocator::roundedSize(std::size_t bytes)
{
    constexpr std::size_t kSmall = 512, kLarge = std::size_t(2) << 20;
    if (bytes == 0)
        return kSmall;
    const std::size_t unit = bytes <= kLarge ? kSmall : kLarge;
    return (bytes + unit - 1) / unit * unit;
}

CachingAllocator::~CachingAllocator()
{
    for (auto& [block, size] : used_)
        cudaFree(block);
    emptyCache();
}

cudaError_t CachingAllocator::allocate(std::size_t bytes, bool allowEmpty, void** block)
{
    const std::size_t size = roundedSize(bytes);
    if (auto list = free_.find(size); list != free_.end() && !list->second.empty()) {
        *block = list->second.back();
        list->second.pop_back();
        cached_ -= std::int64_t(size);
    } else {
        cudaError_t status = cudaMalloc(block, size);
        if (status == cudaErrorMemoryAllocation && allowEmpty && cached_ > 0) {
            cudaGetLastError();   // clear the sticky-until-read error before the retry
            if (const cudaError_t freed = emptyCache(); freed != cudaSuccess)
                return freed;
            status = cudaMalloc(block, size);
        }
        if (status != cudaSuccess) {
            cudaGetLastError();
            *block = nullptr;
            return status;
        }
        ++mallocs_;
    }
    used_.emplace(*block, size);
    inUse_ += std::int64_t(size);
    return cudaSuccess;
}

bool CachingAllocator::release(void* block)
{
    const auto it = used_.find(block);
    if (it == used_.end())
        return false;
    free_[it->second].push_back(block);
    inUse_ -= std::int64_t(it->second);
    cached_ += std::int64_t(it->second);
    used_.erase(it);
    return true;
}

cudaError_t CachingAllocator::emptyCache()
{
    cudaError_t first = cudaSuccess;
    for (auto& [size, blocks] : free_)
        for (void* block : blocks) {
            const cudaError_t status = cudaFree(block);
            if (first == cudaSuccess)
                first = status;
            cached_ -= std::int64_t(size);
        }
    free_.clear();
    return first;
}

} // namespace neurite::cuda
