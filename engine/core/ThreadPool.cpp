#include "engine/core/ThreadPool.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <immintrin.h>
#include <pthread.h>

namespace neurite {

namespace {
constexpr std::uint64_t kAllTaken = ~std::uint64_t(0);

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
    threads = std::min(threads, kMostThreads);
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

void ThreadPool::runChunks(int own)
{
    std::uint64_t taken = taken_.load(std::memory_order_acquire);
    while (taken != kAllTaken) {
        const int chunk = own >= 0 && !(taken >> own & 1) ? own : std::countr_one(taken);   // the lowest free
        if (!taken_.compare_exchange_weak(taken, taken | std::uint64_t(1) << chunk, std::memory_order_acq_rel,
                                          std::memory_order_acquire))
            continue;   // `taken` now holds what another thread took meanwhile
        own = -1;
        const std::int64_t begin = jobSize_ * chunk / jobChunks_, end = jobSize_ * (chunk + 1) / jobChunks_;
        if (begin < end)
            (*job_)(begin, end);
        if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == jobChunks_) {
            std::lock_guard lock(mutex_);  // pairs with the caller's predicate check
            done_.notify_one();
        }
        taken = taken_.load(std::memory_order_acquire);
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
        std::lock_guard lock(mutex_);  // a worker about to sleep checks the generation under it
        job_ = &fn;
        jobSize_ = n;
        jobChunks_ = chunks;
        finished_.store(0, std::memory_order_relaxed);
        taken_.store(chunks == 64 ? 0 : kAllTaken << chunks, std::memory_order_release);
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    runChunks(0);
    const auto finished = [&] { return finished_.load(std::memory_order_acquire) == chunks; };
    if (!spinFor(finished)) {
        std::unique_lock lock(mutex_);
        done_.wait(lock, finished);
    }
}

void ThreadPool::workerLoop(int index)
{
    pthread_setname_np(pthread_self(), "engine-pool");   // apart from the caller's in top, perf and gdb
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
        runChunks(index);
    }
}

} // namespace neurite
