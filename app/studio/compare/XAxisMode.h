#pragma once
// What the x axis of a comparison chart measures, and where each recorded point lies on it.
//   Step     the training step (MetricPoint::step)
//   Epoch    for metrics recorded once per epoch (val/*, epoch/*): the epoch field, so epoch 3's
//            validation sits at x = 3. For per-step metrics (train/loss, lr, ...): the fraction
//            of epochs done, step / stepsPerEpoch, so the end of epoch 3 also lands on x = 3 and the
//            two kinds line up. stepsPerEpoch comes from the run's own epoch records
//            (stepsPerEpoch() below); until the first epoch ends it is unknown and the point's
//            epoch field is used instead (a staircase that the first epoch record replaces).
//   Samples  samples seen (MetricPoint::samples)
//   Time     seconds since the run started (MetricPoint::time): wall time, so a faster machine
//            or backend shows as a steeper curve
#include "engine/store/RunStore.h"

#include <QList>
#include <QPointF>
#include <QString>

#include <span>
#include <vector>

enum class XAxisMode { Step, Epoch, Samples, Time };

QString xAxisTitle(XAxisMode mode);            // "step", "epoch", "samples seen", "seconds since start"
bool recordedPerEpoch(const std::string& metric);  // the catalogue's Epoch or Final scope

// One point's x. stepsPerEpoch ≤ 0: unknown. perEpoch: recordedPerEpoch(the metric).
double xOf(const neurite::MetricPoint& point, XAxisMode mode, bool perEpoch, double stepsPerEpoch);

// A metric's points as chart points (x by xOf, y the value), in the order given.
std::vector<QPointF> chartPoints(std::span<const neurite::MetricPoint> points, XAxisMode mode, bool perEpoch,
                                 double stepsPerEpoch);

// The steps of one epoch, from points recorded at the end of epochs (any per-epoch metric): the
// last such point's step / epoch. 0 when there is none yet.
double stepsPerEpoch(std::span<const neurite::MetricPoint> epochPoints);
