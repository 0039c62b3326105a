#pragma once
// How another thread steers a running job: cancel (the run stops within one step and is recorded
// as stopped) and pause/continue (the job waits between two steps). Thread-safe; the job's thread
// calls waitWhilePaused() between steps.
#include "engine/core/Cancel.h"

#include <condition_variable>
#include <mutex>

namespace neurite {

class JobControl {
public:
    void cancel()
    {
        std::lock_guard lock(mutex_);
        token_.cancel();
        changed_.notify_all();
    }
    // From a signal handler: sets the flag only (async-signal-safe); it does not wake a paused job.
    void cancelFromSignal() { token_.cancel(); }
    void pause()
    {
        std::lock_guard lock(mutex_);
        paused_ = true;
    }
    void resume()
    {
        std::lock_guard lock(mutex_);
        paused_ = false;
        changed_.notify_all();
    }
    bool cancelled() const { return token_.cancelled(); }
    bool paused() const
    {
        std::lock_guard lock(mutex_);
        return paused_;
    }
    const CancelToken& token() const { return token_; }

    // Blocks while paused; returns at once when not, and when cancelled. Returns whether it waited.
    bool waitWhilePaused()
    {
        std::unique_lock lock(mutex_);
        if (!paused_ || token_.cancelled())
            return false;
        changed_.wait(lock, [&] { return !paused_ || token_.cancelled(); });
        return true;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    CancelToken token_;
    bool paused_ = false;
};

} // namespace neurite
