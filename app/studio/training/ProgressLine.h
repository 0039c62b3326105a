#pragma once
// The current job's progress in the Training dock: a thin bar and two lines of text under it
// ("epoch 2/5 · step 120/422 · 58,210 samples/s · 12 s left · loss 0.4231", wrapped at the
// dock's width), with the whole text as its tooltip. It changes several times a second while
// the window shares the cores with training, so a change costs one small repaint and nothing
// else: its size never depends on the text (a QLabel relays out its whole dock at each setText,
// and a QProgressBar repaints and flushes at once, outside the window's next frame).
#include <QWidget>

class ProgressLine : public QWidget {
    Q_OBJECT
public:
    explicit ProgressLine(QWidget* parent = nullptr);

    void setFraction(double done);        // 0 to 1; repaints only when the bar's end moves a pixel
    void setText(const QString& text);    // repaints only when the text changes
    double fraction() const { return fraction_; }
    QString text() const { return text_; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    static constexpr int kBarHeight = 4, kGap = 3;   // pixels
    static constexpr int kTextLines = 2;             // room kept for them, whatever the text
    int barEnd(double done) const;                   // the filled part's right edge, in pixels
    QRect textRect() const;

    double fraction_ = 0;
    QString text_;
};
