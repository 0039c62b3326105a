#pragma once
// A cancel flag shared between the thread that runs a job and the one that may stop it.
#include <atomic>

namespace neurite {

class CancelToken {
public:
    void cancel() { flag_.store(true, std::memory_order_relaxed); }
    bool cancelled() const { return flag_.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> flag_{false};
};

} // namespace neurite
