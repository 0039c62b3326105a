#pragma once
// Training progress on the terminal: a bar redrawn in place (at most 10 times a second) when
// stdout is a terminal, plain lines (one per epoch) when it is not.
#include "engine/train/Trainer.h"

#include <chrono>

namespace neurite::cli {

class Progress {
public:
    Progress(int epochs, bool quiet);
    void step(const StepStats& s);
    void epoch(const EpochStats& e);

private:
    int epochs_;
    bool quiet_, terminal_;
    std::chrono::steady_clock::time_point start_, lastDraw_;
};

std::string formatDuration(double seconds);   // "1m05s", "12.3s"

} // namespace neurite::cli
