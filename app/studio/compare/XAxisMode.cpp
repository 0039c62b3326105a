#include "app/studio/compare/XAxisMode.h"

#include "engine/run/MetricCatalogue.h"

#include <QCoreApplication>

QString xAxisTitle(XAxisMode mode)
{
    switch (mode) {
    case XAxisMode::Step: return QCoreApplication::translate("XAxisMode", "step");
    case XAxisMode::Epoch: return QCoreApplication::translate("XAxisMode", "epoch");
    case XAxisMode::Samples: return QCoreApplication::translate("XAxisMode", "samples seen");
    case XAxisMode::Time: return QCoreApplication::translate("XAxisMode", "seconds since start");
    }
    return {};
}

bool recordedPerEpoch(const std::string& metric)
{
    const neurite::MetricInfo* info = neurite::findMetric(metric);
    return info && info->scope != neurite::MetricScope::Step;
}

double xOf(const neurite::MetricPoint& p, XAxisMode mode, bool perEpoch, double stepsPerEpoch)
{
    switch (mode) {
    case XAxisMode::Step: return double(p.step);
    case XAxisMode::Epoch:
        if (perEpoch || stepsPerEpoch <= 0)
            return double(p.epoch);
        return double(p.step) / stepsPerEpoch;
    case XAxisMode::Samples: return double(p.samples);
    case XAxisMode::Time: return p.time;
    }
    return double(p.step);
}

std::vector<QPointF> chartPoints(std::span<const neurite::MetricPoint> points, XAxisMode mode, bool perEpoch,
                                 double stepsPerEpoch)
{
    std::vector<QPointF> out;
    out.reserve(points.size());
    for (const neurite::MetricPoint& p : points)
        out.emplace_back(xOf(p, mode, perEpoch, stepsPerEpoch), p.value);
    return out;
}

double stepsPerEpoch(std::span<const neurite::MetricPoint> epochPoints)
{
    for (auto it = epochPoints.rbegin(); it != epochPoints.rend(); ++it)
        if (it->epoch > 0 && it->step > 0)
            return double(it->step) / it->epoch;
    return 0;
}
