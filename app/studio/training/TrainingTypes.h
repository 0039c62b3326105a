#pragma once
// The plain values that cross from the training thread to the GUI thread by queued signals.
#include "engine/train/Telemetry.h"

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

struct StepPoint {
    qint64 step = 0;                    // counts from 1
    int epoch = 0;
    double loss = 0, accuracy = 0, lr = 0;
    double samplesPerSecond = 0, epochProgress = 0;
};

struct EpochPoint {
    int epoch = 0;
    qint64 step = 0;                    // the last step of the epoch
    double trainLoss = 0, trainAccuracy = 0;
    bool hasValidation = false;
    double valLoss = 0, valAccuracy = 0;
    double seconds = 0, samplesPerSecond = 0;
};

struct TrainingStarted {
    qint64 runId = 0;                   // 0: not recorded
    QString workspace;                  // where it is recorded
    QString name;                       // the queue entry's label
    QString device, deviceDescription, deviceNote;
    QString dataDescription;
    qint64 trainSamples = 0, stepsPerEpoch = 0;
    int epochs = 0, resumedEpoch = 0;
    qint64 resumedStep = 0;
};

struct TrainingFinished {
    qint64 runId = 0;
    QString status;                     // completed, stopped, diverged, failed
    QString message;                    // why it ended, when it did not complete
    QString nodeId;                     // the node concerned (diverged, a model error), if any
    QString problemKind;                // failed: model, data, settings, memory, workspace or other
    bool hasTest = false;
    double testLoss = 0, testAccuracy = 0;
    qint64 steps = 0;
    double seconds = 0;
};

Q_DECLARE_METATYPE(StepPoint)
Q_DECLARE_METATYPE(EpochPoint)
Q_DECLARE_METATYPE(TrainingStarted)
Q_DECLARE_METATYPE(TrainingFinished)
Q_DECLARE_METATYPE(neurite::TelemetrySnapshot)   // per-layer telemetry, a few per second
Q_DECLARE_METATYPE(neurite::FeatureMaps)
