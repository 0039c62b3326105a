#include "app/studio/CodeDock.h"

#include "app/studio/Document.h"
#include "engine/core/Error.h"
#include "engine/export/PyTorchCode.h"

#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTextBlock>
#include <QVBoxLayout>

CodeDock::CodeDock(Document* doc, QWidget* parent) : QDockWidget(tr("PyTorch code"), parent), doc_(doc)
{
    setObjectName(QStringLiteral("CodeDock"));
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    v->setContentsMargins(4, 4, 4, 4);
    status_ = new QLabel;
    status_->setWordWrap(true);
    status_->setStyleSheet(QStringLiteral("color: #D63636"));
    text_ = new QPlainTextEdit;
    text_->setReadOnly(true);
    text_->setLineWrapMode(QPlainTextEdit::NoWrap);
    text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    text_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    v->addWidget(status_);
    v->addWidget(text_);
    setWidget(body);
    connect(doc, &Document::graphChanged, this, &CodeDock::regenerate);
    connect(text_, &QPlainTextEdit::cursorPositionChanged, this, &CodeDock::cursorMoved);
    regenerate();
}

QString CodeDock::code() const { return text_->toPlainText(); }

void CodeDock::regenerate()
{
    try {
        const QString code = QString::fromStdString(neurite::pytorchCode(doc_->graph()));
        status_->hide();
        text_->setEnabled(true);
        if (code != text_->toPlainText()) {
            const int scroll = text_->verticalScrollBar()->value();
            text_->setPlainText(code);
            text_->verticalScrollBar()->setValue(scroll);
        }
    } catch (const neurite::Error& e) {
        status_->setText(doc_->graph().nodes.empty() ? tr("Add layers to see the model as PyTorch code.")
                                                     : tr("The code appears when the model is valid. %1").arg(QString::fromUtf8(e.what())));
        status_->show();
        text_->setEnabled(false);
    }
    highlightNode(highlighted_);
}

void CodeDock::highlightNode(const QString& id)
{
    highlighted_ = id;
    QList<QTextEdit::ExtraSelection> marks;
    if (!id.isEmpty()) {
        const QString py = QString::fromStdString(neurite::pythonName(id.toStdString()));
        const QRegularExpression line(QStringLiteral("^\\s+(self\\.)?%1 = ").arg(QRegularExpression::escape(py)));
        QColor colour = palette().color(QPalette::Highlight);
        colour.setAlpha(60);
        QTextBlock first;
        for (QTextBlock b = text_->document()->begin(); b.isValid(); b = b.next()) {
            if (!line.match(b.text()).hasMatch())
                continue;
            QTextEdit::ExtraSelection mark;
            mark.cursor = QTextCursor(b);
            mark.format.setBackground(colour);
            mark.format.setProperty(QTextFormat::FullWidthSelection, true);
            marks << mark;
            if (!first.isValid())
                first = b;
        }
        if (first.isValid() && !moving_) {
            moving_ = true;
            text_->setTextCursor(QTextCursor(first));
            text_->ensureCursorVisible();
            moving_ = false;
        }
    }
    text_->setExtraSelections(marks);
}

void CodeDock::cursorMoved()
{
    if (moving_)
        return;
    static const QRegularExpression assignment(QStringLiteral("^\\s+(?:self\\.)?([A-Za-z_][A-Za-z0-9_]*) = "));
    const auto match = assignment.match(text_->textCursor().block().text());
    if (!match.hasMatch())
        return;
    const std::string py = match.captured(1).toStdString();
    for (const neurite::Node& n : doc_->graph().nodes)
        if (neurite::pythonName(n.id) == py) {
            moving_ = true;
            emit nodeClicked(QString::fromStdString(n.id));
            moving_ = false;
            return;
        }
}
