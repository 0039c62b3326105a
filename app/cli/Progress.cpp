#include "app/cli/Progress.h"

#include <cstdio>
#include <unistd.h>

namespace neurite::cli {

std::string formatDuration(double seconds)
{
    char text[32];
    if (seconds < 60)
        std::snprintf(text, sizeof text, "%.1fs", seconds);
    else if (seconds < 3600)
        std::snprintf(text, sizeof text, "%dm%02ds", int(seconds) / 60, int(seconds) % 60);
    else
        std::snprintf(text, sizeof text, "%dh%02dm", int(seconds) / 3600, int(seconds) / 60 % 60);
    return text;
}

Progress::Progress(int epochs, bool quiet)
    : epochs_(epochs), quiet_(quiet), terminal_(isatty(STDOUT_FILENO)), start_(std::chrono::steady_clock::now())
{
}

void Progress::step(const StepStats& s)
{
    if (quiet_ || !terminal_)
        return;
    const auto now = std::chrono::steady_clock::now();
    if (now - lastDraw_ < std::chrono::milliseconds(100) && s.epochProgress < 1.0)
        return;
    lastDraw_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double done = (s.epoch - 1 + s.epochProgress) / epochs_;
    const double eta = done > 0 ? elapsed * (1 - done) / done : 0;
    constexpr int kWidth = 24;
    char bar[kWidth + 1];
    for (int i = 0; i < kWidth; ++i)
        bar[i] = i < int(s.epochProgress * kWidth) ? '#' : '.';
    bar[kWidth] = 0;
    std::printf("\r\033[Kepoch %d/%d [%s] step %lld  loss %.4f  acc %.3f  %.0f samples/s  ETA %s", s.epoch, epochs_,
                bar, (long long)s.step, s.loss, s.accuracy, s.samplesPerSecond, formatDuration(eta).c_str());
    std::fflush(stdout);
}

void Progress::epoch(const EpochStats& e)
{
    if (quiet_)
        return;
    if (terminal_)
        std::printf("\r\033[K");
    std::printf("epoch %d/%d  train loss %.4f  acc %.4f", e.epoch, epochs_, e.trainLoss, e.trainAccuracy);
    if (e.hasValidation)
        std::printf("  val loss %.4f  acc %.4f", e.validation.loss, e.validation.accuracy);
    std::printf("  %.0f samples/s  %s\n", e.samplesPerSecond, formatDuration(e.seconds).c_str());
    std::fflush(stdout);
}

} // namespace neurite::cli
