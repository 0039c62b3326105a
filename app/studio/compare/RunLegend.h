#pragma once
// The compared runs as a list: a colour swatch, "run N · name", the status. Clicking a swatch asks
// for another colour (swatchClicked; the dock asks and saves it in RunColours). A run whose
// settings or model cannot be read says why in its tooltip.
// GUI thread only.
#include <QColor>
#include <QHash>
#include <QTreeWidget>

#include <vector>

struct ComparedRun;

class RunLegend : public QTreeWidget {
    Q_OBJECT
public:
    enum Column { Swatch, Run, Status, ColumnCount };

    explicit RunLegend(QWidget* parent = nullptr);

    static QIcon swatch(const QColor& colour, int size = 14);   // a filled square with a thin outline

    void setRuns(const std::vector<ComparedRun>& runs, const QHash<qint64, QColor>& colours);
    qint64 idAt(int row) const;                      // -1 past the end
    int rowOf(qint64 id) const;                      // -1 when not listed

signals:
    void swatchClicked(qint64 id);
};
