#pragma once
// The class probabilities as a list of horizontal bars: the class name, a bar from 0 to 100 %, and
// the percentage. Up to kAllShown classes are listed in class order (rows keep their place while
// a digit is being drawn); more are listed as the most probable kAllShown.
// The predicted class is drawn in the highlight colour; the class the saliency explains, when
// another was chosen, is outlined. A click on a row emits classClicked(class).
#include <QStringList>
#include <QVector>
#include <QWidget>

class ProbabilityBars : public QWidget {
    Q_OBJECT
public:
    static constexpr int kAllShown = 12;

    explicit ProbabilityBars(QWidget* parent = nullptr);

    void setClassNames(const QStringList& names);
    // probabilities: [classes]; predicted, explained: class indices (−1: none).
    void setProbabilities(const QVector<float>& probabilities, int predicted, int explained);
    void clear();                                      // no prediction: the names with empty bars

    const QVector<float>& probabilities() const { return probabilities_; }
    QVector<int> shownClasses() const;                 // in the order drawn
    int classAt(const QPoint& at) const;               // −1 when not on a row

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void classClicked(int cls);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    int rowHeight() const;
    int nameWidth() const;
    QStringList names_;
    QVector<float> probabilities_;
    int predicted_ = -1, explained_ = -1;
};
