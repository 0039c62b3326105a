#include "app/studio/SummaryDock.h"

#include "app/studio/Document.h"
#include "app/studio/LayerText.h"
#include "engine/backends/CudaDevices.h"
#include "engine/backends/Registry.h"
#include "engine/core/CpuInfo.h"
#include "engine/core/Error.h"

#include <QElapsedTimer>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>
#include <vector>

namespace {
// Share of the cores' GEMM rate (about 100 GFLOP/s per core here) that a whole training step
// reaches on the CPU backend, measured with benchmarks/bench_fashion.py: 93 GFLOP/s for the MLP
// (0.46), 122–140 for the CNN (0.6–0.7) on 2 cores.
constexpr double kCpuTrainingEfficiency = 0.5;
}

SummaryDock::SummaryDock(Document* doc, QWidget* parent) : QDockWidget(tr("Summary"), parent), doc_(doc)
{
    setObjectName(QStringLiteral("SummaryDock"));
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    auto* form = new QFormLayout;
    batch_ = new QSpinBox;
    batch_->setObjectName(QStringLiteral("summary:batch"));
    batch_->setRange(1, 65536);
    batch_->setValue(doc->batchSize());
    samples_ = new QSpinBox;
    samples_->setRange(1, 100'000'000);
    samples_->setValue(60'000);
    samples_->setSuffix(tr(" samples"));
    samples_->setToolTip(tr("Samples per epoch (Fashion-MNIST's training set has 60,000)"));
    form->addRow(tr("Batch size"), batch_);
    form->addRow(tr("Epoch"), samples_);
    totals_ = new QLabel;
    totals_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    devices_ = new QLabel;
    devices_->setWordWrap(true);
    devices_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    v->addLayout(form);
    v->addWidget(totals_);
    v->addWidget(devices_);
    v->addStretch();
    setWidget(body);
    connect(batch_, &QSpinBox::valueChanged, doc, &Document::setBatchSize);
    connect(samples_, &QSpinBox::valueChanged, this, &SummaryDock::refresh);
    connect(doc, &Document::graphChanged, this, &SummaryDock::refresh);
    refresh();
}

QString SummaryDock::text() const { return totals_->text() + '\n' + devices_->text(); }

double SummaryDock::cpuTrainingFlopsPerSecond()
{
    if (cpuRate_ > 0)
        return cpuRate_;
    // The best rate of a 512³ matrix product on one core, times the cores, times the share a
    // training step reaches. About 20 ms, once.
    try {
        auto backend = neurite::createBackend("cpu", 1);
        const int n = 512;
        std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
        backend->gemm(false, false, n, n, n, 1, a.data(), n, b.data(), n, 0, c.data(), n);  // warm up
        double best = 1e9;
        for (int i = 0; i < 5; ++i) {
            QElapsedTimer clock;
            clock.start();
            backend->gemm(false, false, n, n, n, 1, a.data(), n, b.data(), n, 0, c.data(), n);
            best = std::min(best, std::max(1e-6, clock.nsecsElapsed() * 1e-9));
        }
        cpuRate_ = 2.0 * n * n * n / best * neurite::CpuInfo::current().logicalCores * kCpuTrainingEfficiency;
    } catch (const neurite::Error&) {
        cpuRate_ = -1;
    }
    return cpuRate_;
}

void SummaryDock::refresh()
{
    const neurite::GraphAnalysis& a = doc_->analysis();
    const double flops = double(a.totalFlops), params = double(a.totalParams);
    // Training costs about three forward passes: forward, and backward to inputs and to weights.
    const double epochFlops = 3 * flops * samples_->value();
    QString totals = tr("<b>%1</b> parameters (%2 as fp32)<br><b>%3</b> FLOPs per sample, forward<br>"
                        "<b>%4</b> of activations at batch %5<br>%6")
                         .arg(countText(params), bytesText(params * 4), countText(flops),
                              bytesText(double(a.totalActivationBytes)))
                         .arg(a.batch)
                         .arg(a.ok() || doc_->graph().nodes.empty() ? QString() : tr("<span style='color:#D63636'>%n problem(s) to fix before training</span>", nullptr, int(a.errors().size())));
    totals_->setText(totals);

    QStringList devices;
    const auto& cpu = neurite::CpuInfo::current();
    const double rate = flops > 0 ? cpuTrainingFlopsPerSecond() : 0;
    QString cpuLine = tr("<b>CPU</b> %1, %2 cores").arg(QString::fromStdString(cpu.model)).arg(cpu.logicalCores);
    if (rate > 0)
        cpuLine += tr(": about <b>%1 s</b> per epoch (estimate from a measured matrix-product rate)")
                       .arg(QString::number(epochFlops / rate, 'f', epochFlops / rate < 10 ? 1 : 0));
    devices << cpuLine;
    const neurite::CudaStatus& cuda = neurite::cudaStatus();
    if (!cuda.available)
        devices << tr("<b>GPU</b> none usable: %1").arg(QString::fromStdString(cuda.reason).toHtmlEscaped());
    for (const auto& gpu : cuda.devices)
        devices << tr("<b>GPU</b> %1, %2: no time estimate until the CUDA backend trains")
                       .arg(QString::fromStdString(gpu.name), bytesText(double(gpu.memoryBytes)));
    devices_->setText(devices.join(QStringLiteral("<br>")));
}
