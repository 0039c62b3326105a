#pragma once
// The undo history: every edit by name; click one to go back (or forward) to it.
#include <QDockWidget>
#include <QUndoView>

class HistoryDock : public QDockWidget {
public:
    HistoryDock(QUndoStack* stack, QWidget* parent = nullptr) : QDockWidget(tr("History"), parent)
    {
        setObjectName(QStringLiteral("HistoryDock"));
        auto* view = new QUndoView(stack);
        view->setEmptyLabel(tr("<opened>"));
        setWidget(view);
    }
};
