#pragma once
// What the two training-speed benchmarks (bench_training_ui, bench_training_interleaved) share:
// the `neurite train` command line for a studio job, and the statistics of speed ratios.
#include "engine/run/Job.h"

#include <QString>
#include <QStringList>
#include <algorithm>
#include <cmath>
#include <vector>

// `neurite train` on the same model, data and settings as the studio's `job`, recorded into
// `workspace` (both sides record, as the studio does). The settings not named here are the CLI's
// defaults; each benchmark checks the two runs' recorded settings against each other.
inline QStringList neuriteTrainArguments(const QString& model, const neurite::JobSpec& job, const QString& workspace)
{
    return {QStringLiteral("train"), model, QStringLiteral("--data"), QString::fromStdString(job.data.spec),
            QStringLiteral("--epochs"), QString::number(job.train.epochs), QStringLiteral("--batch"),
            QString::number(job.train.batch), QStringLiteral("--val-split"), QString::number(job.data.valSplit),
            QStringLiteral("--train-samples"), QString::number(job.data.trainSamples),
            QStringLiteral("--threads"), QString::number(job.threads),  // 0: all cores, as in the studio
            QStringLiteral("--workspace"), workspace};
}

inline double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5))];
}

inline double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

// The geometric mean of ratios and its 95% interval (Student's t on their logarithms).
struct RatioSummary {
    double mean = 0, low = 0, high = 0;
};

inline RatioSummary summariseRatios(const std::vector<double>& ratios)
{
    std::vector<double> logs;
    for (double r : ratios)
        if (r > 0)
            logs.push_back(std::log(r));
    const std::size_t n = logs.size();
    if (n == 0)
        return {};
    double mean = 0;
    for (double l : logs)
        mean += l / double(n);
    if (n == 1)
        return {std::exp(mean), std::exp(mean), std::exp(mean)};
    double variance = 0;
    for (double l : logs)
        variance += (l - mean) * (l - mean) / double(n - 1);
    // t(0.975, d) for d = 1..30 degrees of freedom; 2.0 beyond (1.96 at infinity, 2.02 at 40).
    static const double t[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    const double quantile = n - 1 <= 30 ? t[n - 2] : 2.0;
    const double half = quantile * std::sqrt(variance / double(n));
    return {std::exp(mean), std::exp(mean - half), std::exp(mean + half)};
}
