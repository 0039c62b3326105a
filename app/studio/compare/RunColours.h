#pragma once
// The colour of each run, the same in every chart, legend and table of the studio.
// - By default it follows from the run id: ids 1, 2, 3, ... walk a palette of 12 colours chosen to
//   read on light and dark backgrounds alike and to stay apart from their neighbours.
// - A person may choose another; it is remembered in QSettings (the application's, so the
//   organisation and application names decide the file), under RunColours/<workspace>/<id>, the
//   workspace being a hash of its absolute path: a run keeps its colour across sessions.
// - Stateless: every instance reads the same settings, so two docks always agree. A dock that
//   changes a colour tells the others with a signal of its own (CompareDock::colourChanged).
// GUI thread (QSettings is reentrant, but the studio only uses it there).
#include <QColor>
#include <QString>

#include <cstdint>
#include <span>

class RunColours {
public:
    static std::span<const QColor> palette();                         // the 12 default colours
    static QColor defaultColour(qint64 id);                           // palette()[(id - 1) mod 12]

    QColor colour(const QString& workspace, qint64 id) const;         // the chosen one, else the default
    void setColour(const QString& workspace, qint64 id, const QColor& colour);  // an invalid colour: reset
    bool isOverridden(const QString& workspace, qint64 id) const;
    void reset(const QString& workspace, qint64 id);                  // back to the default
    void resetAll(const QString& workspace);                          // every run of that workspace

private:
    static QString groupOf(const QString& workspace);                 // "RunColours/<hash>"
};
