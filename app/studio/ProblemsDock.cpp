#include "app/studio/ProblemsDock.h"

#include "app/studio/Document.h"

#include <QListWidget>
#include <QStyle>

ProblemsDock::ProblemsDock(Document* doc, QWidget* parent) : QDockWidget(tr("Problems"), parent), doc_(doc)
{
    setObjectName(QStringLiteral("ProblemsDock"));
    list_ = new QListWidget;
    list_->setWordWrap(true);
    list_->setAlternatingRowColors(true);
    setWidget(list_);
    connect(doc, &Document::graphChanged, this, &ProblemsDock::refresh);
    connect(list_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        if (const QString id = item->data(Qt::UserRole).toString(); !id.isEmpty())
            emit nodeClicked(id);
    });
    refresh();
}

void ProblemsDock::refresh()
{
    list_->clear();
    if (doc_->graph().nodes.empty()) {  // nothing built yet: a first step, not two errors
        new QListWidgetItem(style()->standardIcon(QStyle::SP_MessageBoxInformation),
                            tr("An empty model: drag an Input from the Layers palette onto the canvas to start."), list_);
        setWindowTitle(tr("Problems"));
        return;
    }
    const auto& problems = doc_->analysis().problems;
    for (bool warnings : {false, true})
        for (const neurite::Diagnostic& d : problems) {
            if (d.warning != warnings)
                continue;
            QString text = d.nodeId.empty() ? tr("Model: ") : QString::fromStdString(d.nodeId) + QStringLiteral(": ");
            text += QString::fromStdString(d.message);
            if (!d.hint.empty())
                text += QStringLiteral("\n→ ") + QString::fromStdString(d.hint);
            auto* item = new QListWidgetItem(style()->standardIcon(d.warning ? QStyle::SP_MessageBoxWarning
                                                                            : QStyle::SP_MessageBoxCritical),
                                             text, list_);
            item->setData(Qt::UserRole, QString::fromStdString(d.nodeId));
        }
    setWindowTitle(problems.empty() ? tr("Problems") : tr("Problems (%1)").arg(problems.size()));
}
