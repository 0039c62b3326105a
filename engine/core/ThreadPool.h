#pragma once
// A fixed pool of worker threads for data-parallel loops. A loop is cut into as many equal chunks
// as there are threads (fewer when `grain` says so), always at the same places, so it gives the
// same result for the same thread count (the engine's determinism rests on it). Thread t runs
// chunk t when it is there to take it (so consecutive loops over the same rows stay in one core's
// cache), and any thread takes a chunk nobody has taken: when a thread is late (still waking, or
// its core taken by another program or the studio's window), the others run its chunk instead of
// waiting for it.
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
    static constexpr int kMostThreads = 64;   // one bit per chunk in a 64-bit word

    explicit ThreadPool(int threads);  // threads <= 0: all hardware threads (at most kMostThreads)
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threads() const { return int(workers_.size()) + 1; }

    // Calls fn(begin, end) on disjoint chunks of [0, n) on all threads (the caller's included)
    // and returns when all are done. Chunks are at least `grain` long; their bounds depend only on
    // n, grain and threads().
    void parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn,
                     std::int64_t grain = 1);

private:
    void workerLoop(int index);
    // Takes chunks of the current job until none is left, `own` first; returns when none is left.
    void runChunks(int own);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    // The current job. Its fields are written before its chunks are offered in taken_, and read
    // only by a thread that has taken one of them (the job cannot end before that chunk is done).
    const std::function<void(std::int64_t, std::int64_t)>* job_ = nullptr;
    std::int64_t jobSize_ = 0;
    int jobChunks_ = 0;
    std::atomic<std::uint64_t> taken_{~std::uint64_t(0)};   // bit c: chunk c taken (or not in this job)
    std::atomic<int> finished_{0};                           // chunks of the current job done
    std::atomic<std::uint64_t> generation_{0};               // bumped for each job: wakes the workers
    std::atomic<bool> stop_{false};
};

} // namespace neurite
