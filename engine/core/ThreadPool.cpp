#include "engine/core/ThreadPool.h"

#include <algorithm>
#include <memory>

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
    wake_.notify_all();
    for (auto& t : workers_)
        t.join();
}

static void runChunk(const std::function<void(std::int64_t, std::int64_t)>& fn, std::int64_t n, int chunks, int index)
{
    const std::int64_t begin = n * index / chunks, end = n * (index + 1) / chunks;
    if (begin < end)
        fn(begin, end);
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
        pending_ = int(workers_.size());
        ++generation_;
    }
    wake_.notify_all();
    runChunk(fn, n, chunks, 0);
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
}

void ThreadPool::workerLoop(int index)
{
    std::uint64_t seen = 0;
    for (;;) {
        const std::function<void(std::int64_t, std::int64_t)>* job;
        std::int64_t n;
        int chunks;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_)
                return;
            seen = generation_;
            job = job_;
            n = jobSize_;
            chunks = jobChunks_;
        }
        if (index < chunks)
            runChunk(*job, n, chunks, index);
        std::lock_guard lock(mutex_);
        if (--pending_ == 0)
            done_.notify_one();
    }
}

namespace {
std::unique_ptr<ThreadPool>& globalPool()
{
    static std::unique_ptr<ThreadPool> pool;
    return pool;
}
} // namespace

ThreadPool& ThreadPool::global()
{
    auto& pool = globalPool();
    if (!pool)
        pool = std::make_unique<ThreadPool>(0);
    return *pool;
}

void ThreadPool::setGlobalThreads(int threads)
{
    auto& pool = globalPool();
    if (!pool || pool->threads() != (threads <= 0 ? int(std::max(1u, std::thread::hardware_concurrency())) : threads))
        pool = std::make_unique<ThreadPool>(threads);
}

} // namespace neurite
