#pragma once
// A tiny image classification set and job for the tests of a trained run's evaluation views
// (tst_predictions, tst_evaluation_dock): fast to train, and it always leaves mistakes to show.
#include "engine/run/Job.h"

#include <QDir>
#include <QString>

#include <cstdint>
#include <fstream>
#include <random>
#include <string>

// A small IDX image set (the format of Fashion-MNIST) in `dir`: 8×8 grey images of 10 classes,
// class k a bright 2×2 block at its own place over noise, with 15% of the labels wrong so that a
// trained model still makes mistakes. train: [count × 8 × 8] bytes, test the same.
inline void writeTinyImages(const QString& dir, int trainCount, int testCount)
{
    std::mt19937 random(5);
    const auto write = [&](const QString& images, const QString& labels, int count) {
        std::ofstream xi(QDir(dir).filePath(images).toStdString(), std::ios::binary);
        std::ofstream yi(QDir(dir).filePath(labels).toStdString(), std::ios::binary);
        const auto be32 = [](std::ofstream& out, std::uint32_t v) {
            const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
            out.write(b, 4);
        };
        be32(xi, 0x803), be32(xi, std::uint32_t(count)), be32(xi, 8), be32(xi, 8);
        be32(yi, 0x801), be32(yi, std::uint32_t(count));
        for (int i = 0; i < count; ++i) {
            const int k = int(random() % 10);
            char pixels[64];
            for (int p = 0; p < 64; ++p) {
                const int y = p / 8, x = p % 8;
                const bool block = y / 2 == k / 4 && x / 2 == k % 4;  // blocks on a 4 × 4 grid
                pixels[p] = char(block ? 200 + random() % 56 : random() % 90);
            }
            xi.write(pixels, 64);
            const char label = char(random() % 100 < 15 ? random() % 10 : std::uint32_t(k));
            yi.write(&label, 1);
        }
    };
    write("train-images-idx3-ubyte", "train-labels-idx1-ubyte", trainCount);
    write("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", testCount);
}

// Two epochs of a linear classifier on `dataSpec` (the set above's folder, or any other).
inline neurite::JobSpec tinyImageJob(const std::string& dataSpec)
{
    neurite::JobSpec job;
    job.modelJson = R"({"version": 1, "name": "tiny", "input": [1, 8, 8], "layers": [{"type": "Flatten"},
                        {"type": "Linear", "out_features": 10}, {"type": "CrossEntropyLoss"}]})";
    job.data.spec = dataSpec;
    job.train.epochs = 2;
    job.train.batch = 32;
    job.train.lr = 0.01;
    job.threads = 1;
    return job;
}
