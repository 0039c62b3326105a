#include "app/studio/MainWindow.h"

#include "app/studio/Autosave.h"
#include "app/studio/Clipboard.h"
#include "app/studio/CodeDock.h"
#include "app/studio/EditCommands.h"
#include "app/studio/GraphAdapter.h"
#include "app/studio/HistoryDock.h"
#include "app/studio/InspectorDock.h"
#include "app/studio/PaletteDock.h"
#include "app/studio/ProblemsDock.h"
#include "app/studio/SummaryDock.h"
#include "app/studio/Theme.h"
#include "app/studio/WelcomePage.h"
#include "app/studio/compare/CompareDock.h"
#include "app/studio/export/ExportDialog.h"
#include "app/studio/runs/RunsDock.h"
#include "app/studio/training/LiveChartsDock.h"
#include "app/studio/training/TrainingController.h"
#include "app/studio/training/TrainingPanel.h"
#include "engine/core/Error.h"
#include "engine/export/Bundle.h"
#include "engine/tensorio/Safetensors.h"
#if NEURITE_HAS_ONNX_IMPORT
#include "engine/onnximport/OnnxImport.h"
#endif
#include "engine/graph/ModelJson.h"
#include "widgets/nodegraph/LayeredLayout.h"
#include "widgets/nodegraph/NodeGraphScene.h"
#include "widgets/nodegraph/NodeGraphView.h"
#include "widgets/nodegraph/NodeItem.h"

#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QCloseEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QScreen>
#include <QStatusBar>
#include <QVBoxLayout>

using namespace neurite;

// [SECTION] Construction -------------------------------------------------------------------------

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("MainWindow"));
    setAcceptDrops(true);
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);

    adapter_ = new GraphAdapter(&doc_, this);
    scene_ = new NodeGraphScene(adapter_, this);
    scene_->setSnapToGrid(settings_.snapToGrid());
    view_ = new NodeGraphView(scene_);
    view_->setMinimapVisible(settings_.minimap());

    // The middle: the message bar over the welcome page or the canvas.
    auto* middle = new QWidget;
    auto* v = new QVBoxLayout(middle);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(0);
    messageBar_ = new QLabel;
    messageBar_->setObjectName(QStringLiteral("messageBar"));
    messageBar_->setWordWrap(true);
    messageBar_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    messageBar_->setStyleSheet(QStringLiteral("background: #FDECEC; color: #7F1D1D; padding: 8px; border-bottom: 1px solid #F5B5B5"));
    messageBar_->hide();
    centre_ = new QStackedWidget;
    welcome_ = new WelcomePage;
    centre_->addWidget(welcome_);
    centre_->addWidget(view_);
    v->addWidget(messageBar_);
    v->addWidget(centre_);
    setCentralWidget(middle);

    status_ = new QLabel;
    statusBar()->addPermanentWidget(status_);

    autosave_ = new Autosave(&doc_, this);
    createDocks();
    createTraining();
    createActions();

    connect(welcome_, &WelcomePage::newBlank, this, &MainWindow::newBlank);
    connect(welcome_, &WelcomePage::templateChosen, this, [this](const QString& resource) {
        if (confirmStopTraining(tr("Opening another model")))
            openTemplate(resource);
    });
    connect(welcome_, &WelcomePage::openRequested, this, [this](const QString& path) {
        path.isEmpty() ? openDialog() : void(openFile(path));
    });
    connect(welcome_, &WelcomePage::recoverRequested, this, [this](const QString& file) {
        try {
            const ModelGraph graph = loadModel(file.toStdString());
            ModelGraph empty;
            empty.name = graph.name;
            doc_.reset(std::move(empty), {});
            pasteGraph(graph);  // as an edit, so the document counts as unsaved until saved
            QFile::remove(file);
            showCanvas();
            view_->fitToView();
        } catch (const Error& e) {
            showMessage(tr("Could not recover %1: %2").arg(file, QString::fromUtf8(e.what())));
        }
    });
    welcome_->setRecentFiles(settings_.recentFiles());
    QList<QPair<QString, QString>> recoverable;
    for (const Autosave::Leftover& l : Autosave::leftovers())
        recoverable << qMakePair(l.file, tr("%1 (autosaved %2)").arg(l.modelName, l.saved.toString(Qt::TextDate)));
    welcome_->setRecoverable(recoverable);

    connect(&doc_, &Document::fileChanged, this, &MainWindow::updateTitle);
    connect(&doc_, &Document::graphChanged, this, &MainWindow::updateStatus);
    connect(view_, &NodeGraphView::zoomChanged, this, &MainWindow::updateStatus);
    updateTitle();
    updateStatus();

    const QSize screen = QApplication::primaryScreen() ? QApplication::primaryScreen()->availableSize() : QSize(1600, 1000);
    resize(std::min(1680, screen.width() * 9 / 10), std::min(1050, screen.height() * 9 / 10));
    restoreGeometry(settings_.geometry());
    restoreState(settings_.dockState());
}

MainWindow::~MainWindow()
{
    // A run still training ends (recorded as stopped) while every part of the window still exists.
    training_->stopAndWait();
    // The scene outlives the docks that listen to it (children go in order): stop its signals first.
    scene_->disconnect(this);
}

void MainWindow::createDocks()
{
    palette_ = new PaletteDock(this);
    inspector_ = new InspectorDock(&doc_, this);
    code_ = new CodeDock(&doc_, this);
    summary_ = new SummaryDock(&doc_, this);
    problems_ = new ProblemsDock(&doc_, this);
    history_ = new HistoryDock(doc_.undoStack(), this);
    palette_->setMinimumWidth(240);
    inspector_->setMinimumWidth(320);
    addDockWidget(Qt::LeftDockWidgetArea, palette_);
    addDockWidget(Qt::LeftDockWidgetArea, history_);
    addDockWidget(Qt::RightDockWidgetArea, inspector_);
    addDockWidget(Qt::RightDockWidgetArea, code_);
    tabifyDockWidget(inspector_, code_);
    addDockWidget(Qt::RightDockWidgetArea, summary_);
    addDockWidget(Qt::BottomDockWidgetArea, problems_);
    inspector_->raise();
    resizeDocks({palette_, inspector_}, {250, 380}, Qt::Horizontal);
    resizeDocks({palette_, history_}, {560, 200}, Qt::Vertical);
    resizeDocks({problems_}, {120}, Qt::Vertical);

    connect(palette_, &PaletteDock::layerActivated, this, [this](const QString& type) {
        showCanvas();
        adapter_->addLayer(type, view_->mapToScene(view_->viewport()->rect().center()));
    });
    connect(scene_, &QGraphicsScene::selectionChanged, this, [this] {
        const QStringList ids = scene_->selectedNodeIds();
        inspector_->showNodes(ids);
        code_->highlightNode(ids.size() == 1 ? ids.first() : QString());
    });
    auto selectNode = [this](const QString& id) {
        scene_->selectNodes({id});
        view_->centreOnNodes({id});
    };
    connect(problems_, &ProblemsDock::nodeClicked, this, selectNode);
    connect(code_, &CodeDock::nodeClicked, this, [this](const QString& id) { scene_->selectNodes({id}); });
    connect(inspector_, &InspectorDock::renamed, this, [this](const QString& id) { scene_->selectNodes({id}); });
}

// [SECTION] Actions and menus ----------------------------------------------------------------------

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New"), QKeySequence::New, this, [this] {
        if (confirmStopTraining(tr("Closing the model")) && maybeSave())
            newBlank();
    });
    file->addAction(tr("New &Window"), QKeySequence(tr("Ctrl+Shift+N")), this, [] {
        auto* w = new MainWindow;
        w->setAttribute(Qt::WA_DeleteOnClose);
        w->show();
    });
    file->addAction(tr("&Open…"), QKeySequence::Open, this, [this] {
        if (confirmStopTraining(tr("Opening another model")) && maybeSave())
            openDialog();
    });
    file->addAction(tr("Start &Page"), this, [this] { centre_->setCurrentWidget(welcome_); });
    file->addAction(tr("&Import ONNX…"), this, [this] {
        if (!confirmStopTraining(tr("Importing a model")) || !maybeSave())
            return;
        const QString path = QFileDialog::getOpenFileName(this, tr("Import ONNX model"), QString(),
                                                          tr("ONNX models (*.onnx);;All files (*)"));
        if (!path.isEmpty())
            importOnnxFile(path);
    });
    file->addAction(tr("Open &Workspace…"), this, &MainWindow::openWorkspaceDialog);
    file->addSeparator();
    file->addAction(tr("&Save"), QKeySequence::Save, this, &MainWindow::save);
    file->addAction(tr("Save &As…"), QKeySequence::SaveAs, this, &MainWindow::saveAs);
    file->addAction(tr("&Revert"), this, &MainWindow::revert);
    file->addSeparator();
    file->addAction(tr("&Export Model…"), QKeySequence(tr("Ctrl+E")), this, [this] {
        neurite::JobSpec job = trainingPanel_->job();
        auto* dialog = new ExportDialog(doc_.graph(), job, doc_.displayName(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = doc_.undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = doc_.undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    // Clipboard and deletion act on the canvas only while it has focus, so text fields keep theirs.
    auto canvasAction = [&](const QString& text, QKeySequence key, auto slot) {
        QAction* a = new QAction(text, view_);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(a, &QAction::triggered, this, slot);
        view_->addAction(a);
        edit->addAction(a);
        return a;
    };
    canvasAction(tr("Cu&t"), QKeySequence::Cut, &MainWindow::cut);
    canvasAction(tr("&Copy"), QKeySequence::Copy, &MainWindow::copy);
    canvasAction(tr("&Paste"), QKeySequence::Paste, &MainWindow::paste);
    canvasAction(tr("D&uplicate"), QKeySequence(tr("Ctrl+D")), &MainWindow::duplicate);
    canvasAction(tr("&Delete"), QKeySequence::Delete, [this] { scene_->removeSelection(); });
    canvasAction(tr("Select &All"), QKeySequence::SelectAll, [this] { scene_->selectNodes(adapter_->nodeIds()); });
    edit->addAction(tr("Re&name"), QKeySequence(Qt::Key_F2), this, [this] {
        if (scene_->selectedNodeIds().size() == 1) {
            inspector_->show();
            inspector_->raise();
            inspector_->nameEdit()->setFocus();
            inspector_->nameEdit()->selectAll();
        }
    });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("Zoom &In"), QKeySequence::ZoomIn, view_, &NodeGraphView::zoomIn);
    view->addAction(tr("Zoom &Out"), QKeySequence::ZoomOut, view_, &NodeGraphView::zoomOut);
    view->addAction(tr("&Fit to View"), QKeySequence(tr("Ctrl+0")), view_, qOverload<>(&NodeGraphView::fitToView));
    view->addAction(tr("Actual &Size"), QKeySequence(tr("Ctrl+1")), view_, &NodeGraphView::resetZoom);
    view->addAction(tr("Arrange &Layers"), QKeySequence(tr("Ctrl+L")), this, &MainWindow::autoLayout);
    view->addSeparator();
    QAction* snap = view->addAction(tr("Snap to &Grid"));
    snap->setCheckable(true);
    snap->setChecked(scene_->snapToGrid());
    connect(snap, &QAction::toggled, this, [this](bool on) {
        scene_->setSnapToGrid(on);
        settings_.setSnapToGrid(on);
    });
    QAction* minimap = view->addAction(tr("&Minimap"));
    minimap->setCheckable(true);
    minimap->setChecked(view_->minimapVisible());
    connect(minimap, &QAction::toggled, this, [this](bool on) {
        view_->setMinimapVisible(on);
        settings_.setMinimap(on);
    });
    QMenu* theme = view->addMenu(tr("&Theme"));
    auto* themes = new QActionGroup(this);
    for (auto [name, value] : {std::pair{tr("&System"), Theme::System}, {tr("&Light"), Theme::Light}, {tr("&Dark"), Theme::Dark}}) {
        QAction* a = theme->addAction(name);
        a->setCheckable(true);
        a->setChecked(settings_.theme() == value);
        themes->addAction(a);
        connect(a, &QAction::triggered, this, [this, value] {
            settings_.setTheme(value);
            applyTheme(value);
        });
    }
    view->addSeparator();
    for (QDockWidget* dock : {static_cast<QDockWidget*>(palette_), static_cast<QDockWidget*>(inspector_),
                              static_cast<QDockWidget*>(code_), static_cast<QDockWidget*>(summary_),
                              static_cast<QDockWidget*>(problems_), static_cast<QDockWidget*>(history_)})
        view->addAction(dock->toggleViewAction());

    createTrainingActions(menuBar()->addMenu(tr("&Run")));
    view->addAction(trainingPanel_->toggleViewAction());
    view->addAction(charts_->toggleViewAction());
    view->addAction(runs_->toggleViewAction());
    view->addAction(compare_->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Neurite Studio"), this, [this] {
        QMessageBox::about(this, tr("About Neurite Studio"),
                           tr("<b>Neurite Studio %1</b><p>Design, train, compare and export neural networks.</p>")
                               .arg(QApplication::applicationVersion()));
    });
}

// [SECTION] Files ------------------------------------------------------------------------------------

void MainWindow::showMessage(const QString& text)
{
    messageBar_->setText(text);
    messageBar_->setVisible(!text.isEmpty());
}

QString MainWindow::message() const { return messageBar_->isVisible() ? messageBar_->text() : QString(); }

void MainWindow::showCanvas()
{
    centre_->setCurrentWidget(view_);
    view_->setFocus();
}

void MainWindow::newBlank()
{
    ModelGraph graph;
    graph.name = "untitled";
    doc_.reset(std::move(graph), {});
    showMessage({});
    showCanvas();
    view_->resetZoom();
    view_->centerOn(0, 0);
}

bool MainWindow::openFile(const QString& path)
{
    if (path.endsWith(QStringLiteral(".neurite")))
        return openBundle(path);
    try {
        doc_.load(path);
    } catch (const Error& e) {
        showMessage(tr("Could not open %1: %2").arg(QDir::toNativeSeparators(path), QString::fromUtf8(e.what())));
        return false;
    }
    fileOpened(path);
    return true;
}

bool MainWindow::openTemplate(const QString& resource)
{
    QFile f(resource);
    try {
        if (!f.open(QIODevice::ReadOnly))
            throw DataError(resource.toStdString(), "cannot be read");
        doc_.reset(modelFromText(f.readAll().toStdString(), resource.toStdString()), {});
    } catch (const Error& e) {
        showMessage(tr("Could not open the template: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    fileOpened({});
    return true;
}

// A bundle: its model on the canvas (unsaved: a bundle is not edited in place), and its weights as
// the ones the next training starts from.
bool MainWindow::openBundle(const QString& path)
{
    try {
        Bundle bundle = readBundle(path.toStdString());
        doc_.reset(std::move(bundle.model.graph), {});
    } catch (const Error& e) {
        showMessage(tr("Could not open %1: %2").arg(QDir::toNativeSeparators(path), QString::fromUtf8(e.what())));
        return false;
    }
    fileOpened({});
    trainingPanel_->setInitialWeights(path);
    showMessage(tr("Opened the bundle %1: training starts from its weights.").arg(QFileInfo(path).fileName()));
    return true;
}

bool MainWindow::importOnnxFile(const QString& path)
{
#if NEURITE_HAS_ONNX_IMPORT
    try {
        OnnxImportResult imported = importOnnx(path.toStdString());
        // The weights outlive this window: a later run (or a resumed one) reads them.
        const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                               QStringLiteral("/imported");
        QDir().mkpath(folder);
        const QString weights = QStringLiteral("%1/%2-%3.safetensors")
                                    .arg(folder, QFileInfo(path).completeBaseName())
                                    .arg(QDateTime::currentSecsSinceEpoch());
        std::vector<std::pair<std::string, const Tensor*>> tensors;
        for (const auto& [name, tensor] : imported.model.parameters)
            tensors.push_back({name, &tensor});
        writeSafetensors(weights.toStdString(), tensors);
        if (imported.model.graph.name.empty())
            imported.model.graph.name = QFileInfo(path).completeBaseName().toStdString();
        doc_.reset(std::move(imported.model.graph), {});
        fileOpened({});
        trainingPanel_->setInitialWeights(weights);
        QStringList notes;
        for (const auto& note : imported.notes)
            notes << QString::fromStdString(note);
        showMessage(tr("Imported %1 (ONNX opset %2); training starts from its weights.%3")
                        .arg(QFileInfo(path).fileName())
                        .arg(imported.opset)
                        .arg(notes.isEmpty() ? QString() : QStringLiteral(" ") + notes.join(QStringLiteral(" "))));
        return true;
    } catch (const Error& e) {
        showMessage(tr("Could not import %1: %2").arg(QDir::toNativeSeparators(path), QString::fromUtf8(e.what())));
        return false;
    }
#else
    showMessage(tr("Could not import %1: this build has no ONNX import (libonnx-dev was missing when it was built)")
                    .arg(QDir::toNativeSeparators(path)));
    return false;
#endif
}

void MainWindow::fileOpened(const QString& path)
{
    adapter_->setBadges({});   // they were of another model's layers
    if (!path.isEmpty()) {
        settings_.addRecentFile(path);
        welcome_->setRecentFiles(settings_.recentFiles());
    }
    showMessage({});
    showCanvas();
    // Files written by hand or by older versions may place cards on top of each other: arrange
    // them (an undoable edit, shown in the history).
    const QList<QGraphicsItem*> items = scene_->items();
    for (QGraphicsItem* a : items)
        if (a->type() == NodeItem::Type)
            for (QGraphicsItem* b : items)
                if (a != b && b->type() == NodeItem::Type &&
                    a->sceneBoundingRect().adjusted(10, 10, -10, -10).intersects(b->sceneBoundingRect().adjusted(10, 10, -10, -10)))
                    return autoLayout();
    view_->fitToView();  // the whole model, as a person expects on opening it
}

bool MainWindow::saveTo(const QString& path)
{
    try {
        doc_.save(path);
    } catch (const Error& e) {
        showMessage(tr("Could not save: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    settings_.addRecentFile(path);
    welcome_->setRecentFiles(settings_.recentFiles());
    showMessage({});
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 4000);
    return true;
}

bool MainWindow::save() { return doc_.path().isEmpty() ? saveAs() : saveTo(doc_.path()); }

bool MainWindow::saveAs()
{
    QString suggested = doc_.path();
    if (suggested.isEmpty())
        suggested = QDir::home().filePath(QString::fromStdString(doc_.graph().name.empty() ? "model" : doc_.graph().name) + ".json");
    const QString path = QFileDialog::getSaveFileName(this, tr("Save model"), suggested, tr("Neurite models (*.json)"));
    return !path.isEmpty() && saveTo(path);
}

void MainWindow::openDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open model"), QFileInfo(doc_.path()).absolutePath(),
                                                      tr("Neurite models (*.json *.neurite);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

void MainWindow::revert()
{
    if (doc_.path().isEmpty() || !doc_.isModified())
        return;
    if (QMessageBox::question(this, tr("Revert"), tr("Discard your changes to %1?").arg(doc_.displayName())) ==
        QMessageBox::Yes)
        openFile(doc_.path());
}

bool MainWindow::maybeSave()
{
    if (!doc_.isModified())
        return true;
    const auto answer = QMessageBox::question(this, tr("Unsaved changes"),
                                              tr("Save the changes to %1?").arg(doc_.displayName()),
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Save)
        return save();
    return answer == QMessageBox::Discard;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!confirmStopTraining(tr("Closing the window")) || !maybeSave()) {
        event->ignore();
        return;
    }
    settings_.setGeometry(saveGeometry());
    settings_.setDockState(saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    event->acceptProposedAction();
    if (confirmStopTraining(tr("Opening another model")) && maybeSave())
        openFile(urls.first().toLocalFile());
}

void MainWindow::updateTitle()
{
    setWindowTitle(doc_.displayName() + QStringLiteral("[*] — Neurite Studio"));
    setWindowModified(doc_.isModified());
}

void MainWindow::updateStatus()
{
    const GraphAnalysis& a = doc_.analysis();
    const int errors = int(a.errors().size());
    status_->setText(tr("%n layer(s)", nullptr, int(doc_.graph().nodes.size())) + QStringLiteral("  ·  ") +
                     (doc_.graph().nodes.empty() ? tr("empty") : errors ? tr("%n problem(s)", nullptr, errors) : tr("valid")) +
                     QStringLiteral("  ·  ") +
                     tr("zoom %1%").arg(qRound(view_->zoom() * 100)));
}

// [SECTION] Clipboard and layout ----------------------------------------------------------------------

void MainWindow::copy()
{
    const QStringList ids = scene_->selectedNodeIds();
    if (!ids.isEmpty()) {
        QApplication::clipboard()->setMimeData(copyNodes(doc_.graph(), ids));
        pasteCount_ = 0;
    }
}

void MainWindow::cut()
{
    copy();
    scene_->removeSelection();
}

void MainWindow::paste()
{
    try {
        ++pasteCount_;
        pasteGraph(nodesToPaste(QApplication::clipboard()->mimeData(), doc_, QPointF(40, 40) * pasteCount_));
    } catch (const Error& e) {
        showMessage(tr("Could not paste: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MainWindow::duplicate()
{
    std::unique_ptr<QMimeData> data(copyNodes(doc_.graph(), scene_->selectedNodeIds()));
    pasteGraph(nodesToPaste(data.get(), doc_, QPointF(40, 40)));
}

void MainWindow::pasteGraph(const ModelGraph& part)
{
    if (part.nodes.empty())
        return;
    QStringList ids;
    for (const Node& n : part.nodes)
        ids << QString::fromStdString(n.id);
    doc_.push(new AddNodesCommand(&doc_, part.nodes, part.edges, tr("Paste %n node(s)", nullptr, int(ids.size()))));
    scene_->selectNodes(ids);
}

void MainWindow::autoLayout()
{
    const ModelGraph& g = doc_.graph();
    QList<QSizeF> sizes;
    QHash<QString, int> index;
    for (const Node& n : g.nodes) {
        index.insert(QString::fromStdString(n.id), int(sizes.size()));
        NodeItem* item = scene_->nodeItem(QString::fromStdString(n.id));
        sizes << (item ? item->size() : QSizeF(200, 80));
    }
    QList<QPair<int, int>> edges;
    for (const Edge& e : g.edges)
        edges << qMakePair(index.value(QString::fromStdString(e.from.node)), index.value(QString::fromStdString(e.to.node)));
    // As many columns as the canvas shows at full size, so the text stays readable.
    const int columns = std::max(4, view_->viewport()->width() / 240);
    const QList<QPointF> positions = layeredLayout(sizes, edges, columns);
    std::vector<MoveNodesCommand::Move> moves;
    for (const Node& n : g.nodes)
        moves.push_back({n.id, QPointF(n.x, n.y), scene_->snapped(positions[index.value(QString::fromStdString(n.id))])});
    doc_.push(new MoveNodesCommand(&doc_, std::move(moves), tr("Arrange layers")));
    view_->fitToView(0.6);
}
