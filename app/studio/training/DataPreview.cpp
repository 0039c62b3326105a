#include "app/studio/training/DataPreview.h"

#include "datasets/DatasetCatalogue.h"

#include <QCoreApplication>
#include <QLocale>
#include <QPainter>
#include <QThread>
#include <algorithm>
#include <cmath>

using namespace neurite;

namespace {

constexpr int kThumb = 40;          // pixels per thumbnail side
constexpr int kLabelHeight = 14;
constexpr int kPerClass = 2;        // images shown per class
constexpr int kPoints = 600;        // points shown of a 2-D set

QColor classColour(int k)
{
    static const QColor colours[] = {QColor(0x1f77b4), QColor(0xff7f0e), QColor(0x2ca02c), QColor(0xd62728),
                                     QColor(0x9467bd), QColor(0x8c564b), QColor(0xe377c2), QColor(0x7f7f7f),
                                     QColor(0xbcbd22), QColor(0x17becf)};
    return colours[k % 10];
}

// Reads the set and picks what to show (on the loading thread: plain values only).
DataPreview::Content readPreview(const QString& spec)
{
    DataPreview::Content c;
    try {
        const DataBundle data = loadDataset(spec.toStdString());
        const Dataset& d = data.train;
        for (const auto& name : d.classNames)
            c.classNames << QString::fromStdString(name);
        c.counts.fill(0, d.classes());
        for (const auto label : d.labels)
            ++c.counts[label];
        c.summary = QObject::tr("%1 training + %2 test samples · %3 classes · %4")
                        .arg(QLocale().toString(d.size()))
                        .arg(QLocale().toString(data.test.size()))
                        .arg(d.classes())
                        .arg(QString::fromStdString(d.sampleShape.str()));
        c.images = d.isImage() && d.sampleShape.rank() == 3;
        if (c.images) {
            const auto& shape = d.sampleShape.dims();  // [C, H, W]
            const int channels = int(shape[0]), h = int(shape[1]), w = int(shape[2]);
            QVector<int> taken(d.classes(), 0);
            for (std::int64_t i = 0; i < d.size() && c.samples.size() < kPerClass * d.classes(); ++i) {
                const int label = d.labels[std::size_t(i)];
                if (taken[label]++ >= kPerClass)
                    continue;
                QImage image(w, h, QImage::Format_RGB32);
                const std::uint8_t* px = d.bytes.data() + i * d.sampleSize();
                for (int y = 0; y < h; ++y)
                    for (int x = 0; x < w; ++x) {
                        const auto v = [&](int ch) { return px[(ch * h + y) * w + x]; };
                        image.setPixel(x, y, channels >= 3 ? qRgb(v(0), v(1), v(2)) : qRgb(v(0), v(0), v(0)));
                    }
                c.samples.push_back({image, {}, label});
            }
            std::stable_sort(c.samples.begin(), c.samples.end(), [](const auto& a, const auto& b) { return a.label < b.label; });
        } else if (d.sampleSize() >= 2) {
            const std::int64_t step = std::max<std::int64_t>(1, d.size() / kPoints);
            for (std::int64_t i = 0; i < d.size(); i += step) {
                const float* f = d.features.data() + i * d.sampleSize();
                c.samples.push_back({{}, QPointF(f[0], f[1]), d.labels[std::size_t(i)]});
            }
            if (d.sampleSize() > 2)
                c.summary += QObject::tr(" · the first two features drawn");
        }
    } catch (const std::exception& e) {
        c.problem = QString::fromUtf8(e.what());
    }
    return c;
}

} // namespace

DataPreview::DataPreview(QWidget* parent) : QWidget(parent)
{
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

DataPreview::~DataPreview()
{
    // A reading in flight posts its result to the application: let it end first (at most the time
    // to read one data set).
    for (QThread* reader : findChildren<QThread*>())
        reader->wait();
}

void DataPreview::showSpec(const QString& spec)
{
    if (spec == spec_ && (loading_ || problem_.isEmpty()))
        return;
    spec_ = spec;
    loading_ = true;
    samples_.clear();
    summary_ = tr("Reading %1…").arg(spec);
    update();
    QPointer<DataPreview> self(this);
    QThread* reader = QThread::create([self, spec] {
        const Content content = readPreview(spec);
        QMetaObject::invokeMethod(QCoreApplication::instance(), [self, spec, content] {
            if (self)
                self->take(spec, content);
        }, Qt::QueuedConnection);
    });
    reader->setParent(this);
    connect(reader, &QThread::finished, reader, &QObject::deleteLater);
    reader->start(QThread::LowPriority);
}

void DataPreview::take(const QString& spec, const Content& c)
{
    if (spec != spec_)
        return;  // a newer choice is on its way
    loading_ = false;
    problem_ = c.problem;
    summary_ = c.problem.isEmpty() ? c.summary : QString();
    classNames_ = c.classNames;
    counts_ = c.counts;
    samples_ = c.samples;
    images_ = c.images;
    setToolTip(summary_);  // the whole line, when the dock is too narrow for it
    updateGeometry();
    update();
    emit loaded(spec, c.problem);
}

int DataPreview::heightForWidth(int width) const
{
    if (!images_)
        return 24 + std::min(width, 220) + 18 * ((classNames_.size() + 2) / 3);
    const int columns = std::max(1, width / (kThumb + 4));
    const int rows = (int(samples_.size()) + columns - 1) / columns;
    return 24 + rows * (kThumb + kLabelHeight + 4) + 18 * ((classNames_.size() + 2) / 3);
}

void DataPreview::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    p.setFont(small);
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.drawText(QRect(0, 0, width(), 20), Qt::AlignLeft | Qt::AlignVCenter,
               p.fontMetrics().elidedText(loading_ || problem_.isEmpty() ? summary_ : QString(), Qt::ElideRight, width()));
    int y = 24;
    if (images_) {
        const int columns = std::max(1, width() / (kThumb + 4));
        for (int i = 0; i < samples_.size(); ++i) {
            const QRect cell((i % columns) * (kThumb + 4), y + (i / columns) * (kThumb + kLabelHeight + 4), kThumb, kThumb);
            p.drawImage(cell, samples_[i].image);
            const int label = samples_[i].label;
            p.setPen(pal.color(QPalette::WindowText));
            p.drawText(QRect(cell.left() - 2, cell.bottom() + 1, kThumb + 4, kLabelHeight), Qt::AlignCenter,
                       p.fontMetrics().elidedText(label < classNames_.size() ? classNames_[label] : QString::number(label),
                                                  Qt::ElideRight, kThumb + 4));
        }
        y += ((int(samples_.size()) + columns - 1) / columns) * (kThumb + kLabelHeight + 4);
    } else if (!samples_.isEmpty()) {
        QRectF area(0, y, std::min(width(), 220), std::min(width(), 220));
        QRectF bounds;
        for (const auto& s : samples_)
            bounds = bounds.isNull() ? QRectF(s.point, QSizeF(1e-9, 1e-9)) : bounds.united(QRectF(s.point, QSizeF(1e-9, 1e-9)));
        p.setPen(pal.color(QPalette::Mid));
        p.drawRect(area);
        for (const auto& s : samples_) {
            const QPointF at(area.left() + 4 + (s.point.x() - bounds.left()) / bounds.width() * (area.width() - 8),
                             area.bottom() - 4 - (s.point.y() - bounds.top()) / bounds.height() * (area.height() - 8));
            p.setPen(Qt::NoPen);
            p.setBrush(classColour(s.label));
            p.drawEllipse(at, 2.2, 2.2);
        }
        y += int(area.height()) + 4;
    }
    // Class counts, three to a line, each with its colour (the scatter plot's key).
    p.setBrush(Qt::NoBrush);
    const int column = std::max(1, width() / 3);
    for (int k = 0; k < classNames_.size() && k < counts_.size(); ++k) {
        const QRect r((k % 3) * column, y + (k / 3) * 18, column, 18);
        if (!images_) {
            p.setPen(Qt::NoPen);
            p.setBrush(classColour(k));
            p.drawEllipse(QPointF(r.left() + 5, r.center().y()), 4, 4);
            p.setBrush(Qt::NoBrush);
        }
        p.setPen(pal.color(QPalette::WindowText));
        p.drawText(r.adjusted(images_ ? 0 : 12, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter,
                   p.fontMetrics().elidedText(QStringLiteral("%1 %2").arg(classNames_[k], QLocale().toString(counts_[k])),
                                              Qt::ElideRight, column - 14));
    }
}
