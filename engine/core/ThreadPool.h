#pragma once
// A fixed pool of worker threads for data-parallel loops. A loop is cut into as many equal chunks
// as there are threads (fewer when `grain` says so), always at the same places, so it gives the
// same result for the same thread count (the engine's determinism rests on it). Which thread runs
// a chunk is not fixed: each thread takes the next chunk nobody has taken, so when one thread is
// late (still waking, or its core taken by another program or the studio's window) the others
// run its chunk instead of waiting for it.
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
    // and returns when all are done. Chunks are at least `grain` long; their bounds depend only on
    // n, grain and threads().
    void parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn,
                     std::int64_t grain = 1);

private:
    void workerLoop();
    // Takes the next chunk of job `generation` and runs it; false when none is left to take.
    bool runNextChunk(std::uint32_t generation);

    // The job's state in one word, so that a chunk is taken with one compare-and-swap that also
    // checks the job is still the same: generation (32 bits) | chunks (16) | next chunk (16).
    static std::uint64_t pack(std::uint32_t generation, std::uint32_t chunks, std::uint32_t next)
    {
        return std::uint64_t(generation) << 32 | std::uint64_t(chunks) << 16 | next;
    }
    static std::uint32_t generationOf(std::uint64_t s) { return std::uint32_t(s >> 32); }
    static std::uint32_t chunksOf(std::uint64_t s) { return std::uint32_t(s >> 16) & 0xffff; }
    static std::uint32_t nextOf(std::uint64_t s) { return std::uint32_t(s) & 0xffff; }

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    // The current job; written before its generation is published, read only by a thread that
    // has taken one of its chunks (the job cannot end before that chunk is done).
    const std::function<void(std::int64_t, std::int64_t)>* job_ = nullptr;
    std::int64_t jobSize_ = 0;
    std::atomic<std::uint64_t> state_{0};
    std::atomic<int> finished_{0};   // chunks of the current job done
    std::atomic<bool> stop_{false};
};

} // namespace neurite
