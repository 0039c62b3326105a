#pragma once
// A fixed pool of worker threads for data-parallel loops. Work is split in equal static chunks,
// so a loop gives the same result for the same thread count (the engine's determinism rests on it).
// Threads spin for a few microseconds before sleeping: a training step makes dozens of short
// parallel calls, and waking a sleeping thread costs more than most of them.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace neurite {

class ThreadPool {
public:
    explicit ThreadPool(int threads);  // threads <= 0: all hardware threads
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threads() const { return int(workers_.size()) + 1; }

    // Calls fn(begin, end) on disjoint chunks of [0, n) on all threads (the caller's included)
    // and returns when all are done. Chunks are at least `grain` long.
    void parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn,
                     std::int64_t grain = 1);

private:
    void workerLoop(int index);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const std::function<void(std::int64_t, std::int64_t)>* job_ = nullptr;
    std::int64_t jobSize_ = 0;
    int jobChunks_ = 0;
    std::atomic<std::uint64_t> generation_{0};  // bumped for each job
    std::atomic<int> pending_{0};               // workers still on the current job
    std::atomic<bool> stop_{false};
};

} // namespace neurite
