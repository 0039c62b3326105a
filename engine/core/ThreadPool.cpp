#include "engine/core/ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <immintrin.h>

namespace neurite {

ThreadPool::ThreadPool(int threads)
{
    if (threads <= 0)
        threads = int(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 1; i < threads; ++i)
        workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();  // sleeping workers; spinning ones see stop_ themselves
    for (auto& t : workers_)
        t.join();
}

static void runChunk(const std::function<void(std::int64_t, std::int64_t)>& fn, std::int64_t n, int chunks, int index)
{
    const std::int64_t begin = n * index / chunks, end = n * (index + 1) / chunks;
    if (begin < end)
        fn(begin, end);
}

// Spins until ready() holds or about 50 µs pass; returns whether it holds.
template <typename Ready>
static bool spinFor(Ready ready)
{
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    for (int i = 0;; ++i) {
        if (ready())
            return true;
        _mm_pause();
        if ((i & 63) == 63 && std::chrono::steady_clock::now() > until)
            return false;
    }
}

void ThreadPool::parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn,
                             std::int64_t grain)
{
    if (n <= 0)
        return;
    const int chunks = int(std::min<std::int64_t>(threads(), std::max<std::int64_t>(1, n / std::max<std::int64_t>(grain, 1))));
    if (chunks <= 1 || workers_.empty()) {
        fn(0, n);
        return;
    }
    {
        std::lock_guard lock(mutex_);
        job_ = &fn;
        jobSize_ = n;
        jobChunks_ = chunks;
        pending_.store(int(workers_.size()), std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    runChunk(fn, n, chunks, 0);
    const auto finished = [this] { return pending_.load(std::memory_order_acquire) == 0; };
    if (!spinFor(finished)) {
        std::unique_lock lock(mutex_);
        done_.wait(lock, finished);
    }
}

void ThreadPool::workerLoop(int index)
{
    std::uint64_t seen = 0;
    for (;;) {
        const auto ready = [&] {
            return stop_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_acquire) != seen;
        };
        if (!spinFor(ready)) {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, ready);
        }
        if (stop_)
            return;
        seen = generation_.load(std::memory_order_acquire);
        if (index < jobChunks_)
            runChunk(*job_, jobSize_, jobChunks_, index);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard lock(mutex_);  // pairs with the waiter's predicate check
            done_.notify_one();
        }
    }
}

} // namespace neurite
