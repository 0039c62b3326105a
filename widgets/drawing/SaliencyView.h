#pragma once
// Shows a small image (a model's input, 28×28) as large as it fits, pixels kept square and sharp,
// with an optional heat map over it (saliencyOverlay), or a placeholder text when there is none.
#include <QImage>
#include <QVector>
#include <QWidget>

class SaliencyView : public QWidget {
    Q_OBJECT
public:
    explicit SaliencyView(QWidget* parent = nullptr);

    void setImage(const QImage& image);                  // shown as it is, until a heat map is set
    // heat: [image height × width] row-major, ≥ 0 (any scale); empty: the image alone.
    void setHeat(const QVector<float>& heat);
    void clear();                                        // nothing to show: the placeholder text
    void setPlaceholder(const QString& text);

    const QImage& shown() const { return shown_; }       // the image as drawn, heat included, unscaled
    const QVector<float>& heat() const { return heat_; }

    QSize sizeHint() const override { return {200, 200}; }
    QSize minimumSizeHint() const override { return {96, 96}; }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override { return width; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    void compose();
    QImage image_, shown_;
    QVector<float> heat_;
    QString placeholder_;
};
