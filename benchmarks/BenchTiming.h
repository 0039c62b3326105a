#pragma once
// What the Qt benchmarks share: the median time of a repeated action, and the CPU to name beside
// every figure.
#include <QElapsedTimer>
#include <algorithm>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

inline double medianMilliseconds(const std::function<void()>& f, int repeats = 7)
{
    std::vector<double> times;
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer clock;
        clock.start();
        f();
        times.push_back(double(clock.nsecsElapsed()) / 1e6);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

inline std::string cpuModel()
{
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0)
            return line.substr(line.find(':') + 2);
    return "unknown CPU";
}
