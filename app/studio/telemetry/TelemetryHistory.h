#pragma once
// The telemetry snapshots of one run, bounded: past `bound` snapshots it halves (keeps every
// other one) and from then on keeps only every 2nd (4th, …) snapshot that arrives, so the history
// stays evenly spaced in steps. The newest snapshot is always the last one, kept or not, so the
// numbers and the ends of the curves are never behind the run.
// Plain values, no Qt: the Telemetry dock draws from it.
#include "engine/train/Telemetry.h"

#include <cstdint>
#include <vector>

class TelemetryHistory {
public:
    explicit TelemetryHistory(std::size_t bound = 2000) : bound_(bound) {}

    void clear();
    void add(neurite::TelemetrySnapshot snapshot);
    void assign(std::vector<neurite::TelemetrySnapshot> all);   // as many add()s

    const std::vector<neurite::TelemetrySnapshot>& snapshots() const { return kept_; }
    const neurite::TelemetrySnapshot* latest() const { return kept_.empty() ? nullptr : &kept_.back(); }
    bool empty() const { return kept_.empty(); }
    std::size_t bound() const { return bound_; }
    std::int64_t stride() const { return stride_; }       // every stride-th snapshot is kept
    std::int64_t arrived() const { return arrivals_; }    // snapshots added since clear()
    std::uint64_t generation() const { return generation_; }   // changes with every change

private:
    void halve();

    std::size_t bound_;
    std::vector<neurite::TelemetrySnapshot> kept_;
    std::vector<std::int64_t> arrival_;   // kept_[i] was the arrival_[i]-th snapshot added
    bool tailKept_ = true;                // the last one is a keeper (not only the newest)
    std::int64_t stride_ = 1;
    std::int64_t arrivals_ = 0;
    std::uint64_t generation_ = 0;
};
