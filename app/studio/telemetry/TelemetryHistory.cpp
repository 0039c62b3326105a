#include "app/studio/telemetry/TelemetryHistory.h"

void TelemetryHistory::clear()
{
    kept_.clear();
    arrival_.clear();
    tailKept_ = true;
    stride_ = 1;
    arrivals_ = 0;
    ++generation_;
}

void TelemetryHistory::add(neurite::TelemetrySnapshot snapshot)
{
    const std::int64_t index = arrivals_++;
    if (!kept_.empty() && !tailKept_) { // the previous newest was only there for being newest
        kept_.pop_back();
        arrival_.pop_back();
    }
    kept_.push_back(std::move(snapshot));
    arrival_.push_back(index);
    tailKept_ = index % stride_ == 0;
    if (kept_.size() - (tailKept_ ? 0 : 1) > bound_)
        halve();
    ++generation_;
}

void TelemetryHistory::assign(std::vector<neurite::TelemetrySnapshot> all)
{
    clear();
    for (auto& s : all)
        add(std::move(s));
}

void TelemetryHistory::halve()
{
    stride_ *= 2;
    std::size_t out = 0;
    const std::size_t last = kept_.size() - 1;
    for (std::size_t i = 0; i < kept_.size(); ++i) {
        // Keepers at the doubled stride stay; so does the newest, whichever it is.
        if (arrival_[i] % stride_ != 0 && i != last)
            continue;
        if (out != i) {
            kept_[out] = std::move(kept_[i]);
            arrival_[out] = arrival_[i];
        }
        ++out;
    }
    kept_.resize(out);
    arrival_.resize(out);
    tailKept_ = arrival_.back() % stride_ == 0;
}
