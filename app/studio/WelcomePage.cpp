#include "app/studio/WelcomePage.h"

#include "engine/core/Error.h"
#include "engine/graph/ModelJson.h"
#include "engine/graph/ShapeInference.h"
#include "app/studio/LayerText.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace {

QLabel* heading(const QString& text, double scale)
{
    auto* l = new QLabel(text);
    QFont f = l->font();
    f.setPointSizeF(f.pointSizeF() * scale);
    f.setBold(true);
    l->setFont(f);
    return l;
}

void clearLayout(QLayout* layout)
{
    while (QLayoutItem* item = layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
}

} // namespace

QList<WelcomePage::Template> WelcomePage::templates()
{
    QList<Template> out;
    for (const QString& file : {QStringLiteral("mlp"), QStringLiteral("lenet5"), QStringLiteral("cnn"),
                                QStringLiteral("cnn-batchnorm"), QStringLiteral("resnet-small"),
                                QStringLiteral("autoencoder")}) {
        const QString resource = QStringLiteral(":/models/%1.json").arg(file);
        QFile f(resource);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = f.readAll();
        Template t{resource, file, {}};
        try {
            const auto doc = nlohmann::json::parse(text.toStdString());
            const auto graph = neurite::modelFromJson(doc, resource.toStdString());
            const auto a = neurite::analyse(graph);
            t.description = QString::fromStdString(doc.value("description", std::string()));
            t.description += QStringLiteral("\n%1 layers · %2 parameters").arg(graph.nodes.size()).arg(countText(double(a.totalParams)));
        } catch (const std::exception& e) {
            t.description = QString::fromUtf8(e.what());
        }
        out << t;
    }
    return out;
}

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("WelcomePage"));
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(48, 36, 48, 36);
    outer->addWidget(heading(tr("Neurite Studio"), 2.0));
    auto* tagline = new QLabel(tr("Design a network by dragging layers onto the canvas. Every tensor shape, parameter "
                                  "count and mistake shows as you build, with the same model as PyTorch code beside it. "
                                  "Open an example and press Train (F5) to watch it learn Fashion-MNIST."));
    tagline->setWordWrap(true);
    outer->addWidget(tagline);
    outer->addSpacing(16);

    auto* start = new QHBoxLayout;
    auto* blank = new QPushButton(tr("New blank model"));
    blank->setObjectName(QStringLiteral("welcome:new"));
    auto* open = new QPushButton(tr("Open…"));
    start->addWidget(blank);
    start->addWidget(open);
    start->addStretch();
    outer->addLayout(start);
    connect(blank, &QPushButton::clicked, this, &WelcomePage::newBlank);
    connect(open, &QPushButton::clicked, this, [this] { emit openRequested({}); });

    recover_ = new QVBoxLayout;
    outer->addLayout(recover_);

    outer->addSpacing(16);
    outer->addWidget(heading(tr("Start from an example"), 1.2));
    auto* grid = new QGridLayout;
    int i = 0;
    for (const Template& t : templates()) {
        // A button holding wrapped labels: the name in bold, the description under it.
        auto* card = new QPushButton;
        card->setObjectName(QStringLiteral("template:") + t.title);
        card->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        card->setMinimumHeight(84);
        auto* text = new QVBoxLayout(card);
        auto* name = heading(t.title, 1.05);
        auto* description = new QLabel(t.description);
        description->setWordWrap(true);
        for (QLabel* l : {name, description}) {
            l->setAttribute(Qt::WA_TransparentForMouseEvents);
            text->addWidget(l);
        }
        connect(card, &QPushButton::clicked, this, [this, r = t.resource] { emit templateChosen(r); });
        grid->addWidget(card, i / 3, i % 3);
        ++i;
    }
    outer->addLayout(grid);

    outer->addSpacing(16);
    outer->addWidget(heading(tr("Recent files"), 1.2));
    recent_ = new QVBoxLayout;
    outer->addLayout(recent_);
    outer->addStretch();
    setRecentFiles({});
}

void WelcomePage::setRecentFiles(const QStringList& files)
{
    clearLayout(recent_);
    if (files.isEmpty()) {
        recent_->addWidget(new QLabel(tr("None yet: the models you open or save appear here.")));
        return;
    }
    for (const QString& path : files) {
        auto* link = new QPushButton(QFileInfo(path).fileName() + QStringLiteral("   —   ") + QDir::toNativeSeparators(path));
        link->setFlat(true);
        link->setStyleSheet(QStringLiteral("text-align: left"));
        link->setEnabled(QFileInfo::exists(path));
        connect(link, &QPushButton::clicked, this, [this, path] { emit openRequested(path); });
        recent_->addWidget(link);
    }
}

void WelcomePage::setRecoverable(const QList<QPair<QString, QString>>& files)
{
    clearLayout(recover_);
    for (const auto& [file, label] : files) {
        auto* button = new QPushButton(tr("Recover unsaved work: %1").arg(label));
        button->setObjectName(QStringLiteral("welcome:recover"));
        connect(button, &QPushButton::clicked, this, [this, file] { emit recoverRequested(file); });
        recover_->addWidget(button);
    }
}
