#include "engine/core/ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <immintrin.h>

namespace neurite {

namespace {
constexpr std::int64_t kMostChunks = 0xffff;   // what the state word's 16-bit fields can count

// Spins until ready() holds or about 50 µs pass; returns whether it holds.
template <typename Ready>
bool spinFor(Ready ready)
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
} // namespace

ThreadPool::ThreadPool(int threads)
{
    if (threads <= 0)
        threads = int(std::max(1u, std::thread::hardware_concurrency()));
    threads = int(std::min<std::int64_t>(threads, kMostChunks));
    for (int i = 1; i < threads; ++i)
        workers_.emplace_back([this] { workerLoop(); });
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

bool ThreadPool::runNextChunk(std::uint32_t generation)
{
    std::uint64_t s = state_.load(std::memory_order_acquire);
    for (;;) {
        if (generationOf(s) != generation || nextOf(s) >= chunksOf(s))
            return false;
        if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire))
            break;
    }
    const std::int64_t chunks = chunksOf(s), index = nextOf(s);
    const std::int64_t begin = jobSize_ * index / chunks, end = jobSize_ * (index + 1) / chunks;
    if (begin < end)
        (*job_)(begin, end);
    if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
        std::lock_guard lock(mutex_);  // pairs with the caller's predicate check
        done_.notify_one();
    }
    return true;
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
    std::uint32_t generation;
    {
        std::lock_guard lock(mutex_);  // a worker about to sleep checks the state under it
        job_ = &fn;
        jobSize_ = n;
        finished_.store(0, std::memory_order_relaxed);
        generation = generationOf(state_.load(std::memory_order_relaxed)) + 1;
        state_.store(pack(generation, std::uint32_t(chunks), 0), std::memory_order_release);
    }
    wake_.notify_all();
    while (runNextChunk(generation)) {
    }
    const auto finished = [&] { return finished_.load(std::memory_order_acquire) == chunks; };
    if (!spinFor(finished)) {
        std::unique_lock lock(mutex_);
        done_.wait(lock, finished);
    }
}

void ThreadPool::workerLoop()
{
    std::uint32_t seen = 0;
    for (;;) {
        const auto ready = [&] {
            return stop_.load(std::memory_order_relaxed) ||
                   generationOf(state_.load(std::memory_order_acquire)) != seen;
        };
        if (!spinFor(ready)) {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, ready);
        }
        if (stop_)
            return;
        seen = generationOf(state_.load(std::memory_order_acquire));
        while (runNextChunk(seen)) {
        }
    }
}

} // namespace neurite
