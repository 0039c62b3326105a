#pragma once
// A look at the data set before training: a grid of sample images with their labels (or, for
// 2-D points, a scatter plot coloured by class), the class counts and the split sizes. The set is
// read on a thread of its own, so the window never waits for it; a set that cannot be read says
// why (problem()).
#include <QImage>
#include <QPointer>
#include <QVector>
#include <QWidget>

class QThread;

class DataPreview : public QWidget {
    Q_OBJECT
public:
    explicit DataPreview(QWidget* parent = nullptr);
    ~DataPreview() override;

    // Reads `spec` (a catalogue name or a path) in the background and shows it.
    void showSpec(const QString& spec);
    QString spec() const { return spec_; }
    QString summary() const { return summary_; }
    bool isLoading() const { return loading_; }   // a set is being read

    QSize sizeHint() const override { return {300, 210}; }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

signals:
    void loaded(const QString& spec, const QString& problem);  // problem empty: it was read

protected:
    void paintEvent(QPaintEvent* event) override;

public:
    struct Sample {
        QImage image;        // images
        QPointF point;       // 2-D points
        int label = 0;
    };
    struct Content {
        QString problem;
        QString summary;     // "60,000 training + 10,000 test · 10 classes"
        QStringList classNames;
        QVector<qint64> counts;
        QVector<Sample> samples;
        bool images = false;
    };

private:
    void take(const QString& spec, const Content& content);

    QString spec_;
    bool loading_ = false;
    bool images_ = false;
    QString summary_, problem_;
    QStringList classNames_;
    QVector<qint64> counts_;
    QVector<Sample> samples_;
};
