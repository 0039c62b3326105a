// The studio, driven as a person drives it: layers dragged from the palette onto the canvas,
// ports connected by dragging, attributes typed into the inspector; undo and redo of every kind of
// edit; refused connections; copy and paste (also between two windows); files; the inspector's
// maths, the code and the problems. Runs on the `offscreen` platform with scratch settings.
#include "app/studio/Autosave.h"
#include "app/studio/CodeDock.h"
#include "app/studio/GraphAdapter.h"
#include "app/studio/HealthBadges.h"
#include "app/studio/InspectorDock.h"
#include "app/studio/MainWindow.h"
#include "app/studio/PaletteDock.h"
#include "app/studio/ProblemsDock.h"
#include "app/studio/SummaryDock.h"
#include "engine/graph/Catalogue.h"
#include "engine/graph/ModelJson.h"
#include "widgets/PropertyEditor.h"
#include "widgets/nodegraph/EdgeItem.h"
#include "widgets/nodegraph/NodeGraphScene.h"
#include "widgets/nodegraph/NodeGraphView.h"
#include "widgets/nodegraph/NodeItem.h"

#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUndoStack>
#include <QtTest>

using namespace neurite;

namespace {

// A person's gestures on one window.
struct Hands {
    MainWindow& w;

    QWidget* canvas() const { return w.view()->viewport(); }
    QPoint onScreen(QPointF scenePos) const { return w.view()->mapFromScene(scenePos); }

    // Drags a palette entry onto the canvas: the palette's own drag data, dropped at a point.
    QString drop(const QString& type, QPointF scenePos)
    {
        QTreeWidget* tree = w.palette()->tree();
        QTreeWidgetItem* entry = nullptr;  // the layer, not its category ("Input" is both)
        for (QTreeWidgetItem* item : tree->findItems(type, Qt::MatchExactly | Qt::MatchRecursive))
            if (item->parent())
                entry = item;
        if (!entry)
            return {};
        const QModelIndex index = tree->indexFromItem(entry);
        std::unique_ptr<QMimeData> mime(tree->model()->mimeData({index}));
        const QPoint at = onScreen(scenePos);
        QDragEnterEvent enter(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(canvas(), &enter);
        QDropEvent drop(QPointF(at), Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(canvas(), &drop);
        const auto& nodes = w.document()->graph().nodes;
        return nodes.empty() ? QString() : QString::fromStdString(nodes.back().id);
    }

    // Drags from an output port to an input port.
    void wire(const QString& from, const QString& to, const QString& toPort = QStringLiteral("in"))
    {
        NodeItem* a = w.scene()->nodeItem(from);
        NodeItem* b = w.scene()->nodeItem(to);
        QVERIFY(a && b);
        const QPoint start = onScreen(a->portPos(true, QStringLiteral("out")));
        const QPoint end = onScreen(b->portPos(false, toPort));
        QTest::mousePress(canvas(), Qt::LeftButton, {}, start);
        QTest::mouseMove(canvas(), (start + end) / 2);
        QTest::mouseMove(canvas(), end);
        QTest::mouseRelease(canvas(), Qt::LeftButton, {}, end);
    }

    void click(const QString& id)
    {
        NodeItem* item = w.scene()->nodeItem(id);
        QVERIFY(item);
        QTest::mouseClick(canvas(), Qt::LeftButton, {}, onScreen(item->scenePos() + QPointF(60, 12)));
        QCOMPARE(w.scene()->selectedNodeIds(), QStringList{id});
    }

    // Types into an editor of the inspector and presses Enter.
    void type(QWidget* editor, const QString& text)
    {
        QVERIFY(editor);
        editor->setFocus();
        if (auto* spin = qobject_cast<QAbstractSpinBox*>(editor))
            spin->selectAll();
        else if (auto* line = qobject_cast<QLineEdit*>(editor))
            line->selectAll();
        QTest::keyClicks(editor, text);
        QTest::keyClick(editor, Qt::Key_Return);
        w.view()->setFocus();  // focus leaves the editor, as when the person goes back to the canvas
    }

    void set(const QString& attribute, const QString& text)
    {
        type(w.inspector()->properties()->editor(attribute), text);
    }

    void rename(const QString& id) { type(w.inspector()->nameEdit(), id); }
};

nlohmann::json structure(const ModelGraph& g)
{
    // What a model is, without canvas positions or its name, every attribute spelled out (a file
    // may write a default value, the studio leaves defaults out: the same model).
    nlohmann::json j = modelToJson(g);
    for (auto& n : j["nodes"]) {
        n.erase("pos");
        for (const AttrSpec& a : Catalogue::instance().find(n["type"])->attrs)
            if (!n["attrs"].contains(a.name))
                n["attrs"][a.name] = a.defaultValue;
    }
    j.erase("name");
    j.erase("description");
    return j;
}

ModelGraph lenet5() { return loadModel(NEURITE_SOURCE_DIR "/resources/models/lenet5.json"); }

} // namespace

class TestStudio : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void buildLeNet5ByGestures();
    void undoRedoEveryKindOfEdit();
    void invalidConnectionsAreRefused();
    void aConnectionIntoATakenInputReplacesIt();
    void copyPasteAndBetweenWindows();
    void saveOpenRoundTrip();
    void aBadFileIsRefusedWithItsMessage();
    void anOldFileOpensArrangedAndByDragAndDrop();
    void anOpenedFileShowsTheWholeModel();
    void aBadgesNewNumbersDoNotRedrawTheCanvas();
    void inspectorShowsMathsWithTheModelsShapes();
    void problemsShowOnTheNodeAndSelectIt();
    void codeFollowsTheGraphAndTheSelection();
    void autoLayoutIsOneUndoableEdit();
    void autosaveLeavesAFileOnlyACrashKeeps();
    void paletteDoubleClicksDoNotStackCards();
    void arrowKeysNudgeAsOneEdit();

private:
    std::unique_ptr<MainWindow> w_;
};

void TestStudio::init()
{
    w_ = std::make_unique<MainWindow>();
    w_->resize(1400, 900);
    w_->show();
    QVERIFY(QTest::qWaitForWindowExposed(w_.get()));
    w_->newBlank();
}

void TestStudio::cleanup()
{
    w_->document()->undoStack()->setClean();  // no "save changes?" question
    w_.reset();
}

void TestStudio::buildLeNet5ByGestures()
{
    Hands hands{*w_};
    const ModelGraph expected = lenet5();
    // Each layer dragged from the palette, renamed and given its attributes in the inspector.
    int i = 0;
    for (const Node& n : expected.nodes) {
        const QString dropped = hands.drop(QString::fromStdString(n.type), QPointF((i % 4) * 300, (i / 4) * 200));
        ++i;
        QVERIFY2(!dropped.isEmpty(), n.type.c_str());
        hands.click(dropped);
        hands.rename(QString::fromStdString(n.id));
        QCOMPARE(w_->scene()->selectedNodeIds(), QStringList{QString::fromStdString(n.id)});
        for (const auto& [name, value] : n.attrs.items()) {
            QString text = QString::fromStdString(value.dump());
            if (value.is_array())
                text = text.mid(1, text.size() - 2);
            hands.set(QString::fromStdString(name), text);
        }
    }
    for (const Edge& e : expected.edges)
        hands.wire(QString::fromStdString(e.from.node), QString::fromStdString(e.to.node), QString::fromStdString(e.to.port));

    const std::string built = structure(w_->document()->graph()).dump(1), wanted = structure(expected).dump(1);
    if (built != wanted)
        qWarning("built:\n%s\nexpected:\n%s", built.c_str(), wanted.c_str());
    QCOMPARE(built, wanted);
    // Shapes and parameter counts are the engine's.
    const GraphAnalysis engine = analyse(expected, w_->document()->batchSize());
    const GraphAnalysis& shown = w_->document()->analysis();
    QVERIFY(shown.ok());
    QCOMPARE(shown.totalParams, engine.totalParams);
    QCOMPARE(shown.totalParams, std::int64_t(61706));
    for (const auto& [id, info] : engine.nodes) {
        QCOMPARE(shown.info(id).output.str(), info.output.str());
        QCOMPARE(shown.info(id).params, info.params);
    }
    // The canvas shows them: conv1's card says 6×28×28 and 156 parameters; its edge carries the shape.
    const NodeGraphNode card = w_->scene()->nodeItem(QStringLiteral("conv1"))->node();
    QVERIFY2(card.footer.contains(QStringLiteral("6×28×28")) && card.footer.contains(QStringLiteral("156 params")),
             qPrintable(card.footer));
    bool labelled = false;
    for (EdgeItem* edge : w_->scene()->edgeItems())
        labelled |= edge->connection().from.node == QStringLiteral("conv1") && edge->connection().label == QStringLiteral("6×28×28");
    QVERIFY(labelled);
}

void TestStudio::undoRedoEveryKindOfEdit()
{
    Hands hands{*w_};
    QUndoStack* undo = w_->document()->undoStack();
    const std::string empty = structure(w_->document()->graph()).dump();
    const QString in = hands.drop(QStringLiteral("Input"), {0, 0});
    const QString flat = hands.drop(QStringLiteral("Flatten"), {260, 0});
    const QString fc = hands.drop(QStringLiteral("Linear"), {520, 0});
    const QString loss = hands.drop(QStringLiteral("CrossEntropyLoss"), {780, 0});
    hands.wire(in, flat);
    hands.wire(flat, fc);
    hands.wire(fc, loss);
    hands.click(fc);
    hands.set(QStringLiteral("out_features"), QStringLiteral("32"));          // an attribute
    hands.rename(QStringLiteral("classifier"));                               // a rename
    // A move: drag the node by its header.
    NodeItem* item = w_->scene()->nodeItem(QStringLiteral("classifier"));
    const QPoint grab = hands.onScreen(item->scenePos() + QPointF(60, 12));
    QTest::mousePress(hands.canvas(), Qt::LeftButton, {}, grab);
    QTest::mouseMove(hands.canvas(), grab + QPoint(30, 50));
    QTest::mouseMove(hands.canvas(), grab + QPoint(60, 100));
    QTest::mouseRelease(hands.canvas(), Qt::LeftButton, {}, grab + QPoint(60, 100));
    QVERIFY(w_->document()->graph().find("classifier")->y > 40);
    hands.click(flat);
    w_->duplicate();                                                          // a paste
    hands.click(loss);
    w_->scene()->removeSelection();                                           // a delete
    const std::string full = modelToJson(w_->document()->graph()).dump();
    QVERIFY(w_->document()->analysis().nodes.size() == 4);

    // One command per edit: 4 drops, 3 wires, 1 attribute, 1 rename, 1 move, 1 paste, 1 delete.
    QCOMPARE(undo->count(), 12);
    while (undo->canUndo())
        undo->undo();
    QCOMPARE(structure(w_->document()->graph()).dump(), empty);
    while (undo->canRedo())
        undo->redo();
    QCOMPARE(modelToJson(w_->document()->graph()).dump(), full);
    // The canvas follows: one item per node.
    QCOMPARE(w_->scene()->edgeItems().size(), qsizetype(w_->document()->graph().edges.size()));
}

void TestStudio::invalidConnectionsAreRefused()
{
    Hands hands{*w_};
    const QString in = hands.drop(QStringLiteral("Input"), {0, 0});
    const QString a = hands.drop(QStringLiteral("ReLU"), {260, 0});
    const QString b = hands.drop(QStringLiteral("Tanh"), {520, 0});
    hands.wire(in, a);
    hands.wire(a, b);
    const auto edges = w_->document()->graph().edges;
    const int commands = w_->document()->undoStack()->count();

    hands.wire(b, a);  // a cycle
    QVERIFY2(w_->scene()->lastRefusal().contains(QStringLiteral("cycle")), qPrintable(w_->scene()->lastRefusal()));
    hands.wire(a, a);  // itself
    QVERIFY2(w_->scene()->lastRefusal().contains(QStringLiteral("itself")), qPrintable(w_->scene()->lastRefusal()));
    // Into an Input: dragging onto the node (it has no input port) is refused with the reason.
    NodeItem* input = w_->scene()->nodeItem(in);
    const QPoint start = hands.onScreen(w_->scene()->nodeItem(b)->portPos(true, QStringLiteral("out")));
    const QPoint end = hands.onScreen(input->scenePos() + QPointF(100, 30));
    QTest::mousePress(hands.canvas(), Qt::LeftButton, {}, start);
    QTest::mouseMove(hands.canvas(), end);
    QTest::mouseRelease(hands.canvas(), Qt::LeftButton, {}, end);
    QVERIFY2(w_->scene()->lastRefusal().contains(QStringLiteral("no input")), qPrintable(w_->scene()->lastRefusal()));
    hands.wire(in, a);  // the same edge again
    QVERIFY2(w_->scene()->lastRefusal().contains(QStringLiteral("already")), qPrintable(w_->scene()->lastRefusal()));

    QCOMPARE(w_->document()->graph().edges, edges);
    QCOMPARE(w_->document()->undoStack()->count(), commands);
}

void TestStudio::aConnectionIntoATakenInputReplacesIt()
{
    Hands hands{*w_};
    const QString in = hands.drop(QStringLiteral("Input"), {0, 0});
    const QString a = hands.drop(QStringLiteral("ReLU"), {260, 0});
    const QString b = hands.drop(QStringLiteral("Tanh"), {260, 180});
    const QString c = hands.drop(QStringLiteral("Sigmoid"), {520, 0});
    hands.wire(in, a);
    hands.wire(in, b);
    hands.wire(a, c);
    hands.wire(b, c);
    const auto* edge = w_->document()->graph().edgeInto(c.toStdString(), "in");
    QVERIFY(edge);
    QCOMPARE(QString::fromStdString(edge->from.node), b);
    QCOMPARE(w_->document()->graph().edges.size(), std::size_t(3));
    w_->document()->undoStack()->undo();
    QCOMPARE(QString::fromStdString(w_->document()->graph().edgeInto(c.toStdString(), "in")->from.node), a);
}

void TestStudio::copyPasteAndBetweenWindows()
{
    QVERIFY(w_->openTemplate(QStringLiteral(":/models/mlp.json")));
    const std::size_t nodes = w_->document()->graph().nodes.size();
    w_->scene()->selectNodes({QStringLiteral("fc1"), QStringLiteral("relu1")});
    w_->copy();
    w_->paste();
    const ModelGraph& g = w_->document()->graph();
    QCOMPARE(g.nodes.size(), nodes + 2);
    QVERIFY(g.find("fc4") || g.find("fc2"));
    // The pasted pair keeps its inner edge under the new ids, and is selected.
    const QStringList pasted = w_->scene()->selectedNodeIds();
    QCOMPARE(pasted.size(), 2);
    const Edge* inner = g.edgeInto(pasted[1].toStdString(), "in");
    QVERIFY(inner && QString::fromStdString(inner->from.node) == pasted[0]);
    QCOMPARE(g.find(pasted[0].toStdString())->attrs, g.find("fc1")->attrs);

    // Another window gets the same nodes, under their own ids (nothing is taken there).
    MainWindow other;
    other.show();
    other.newBlank();
    other.paste();
    QCOMPARE(other.document()->graph().nodes.size(), std::size_t(2));
    QVERIFY(other.document()->graph().find("fc1") && other.document()->graph().find("relu1"));
    other.document()->undoStack()->setClean();

    // Cut removes, and is one undoable edit.
    w_->scene()->selectNodes(pasted);
    w_->cut();
    QCOMPARE(w_->document()->graph().nodes.size(), nodes);
    // Pasting something that is not a model does nothing.
    QApplication::clipboard()->setText(QStringLiteral("hello"));
    const int commands = w_->document()->undoStack()->count();
    w_->paste();
    QCOMPARE(w_->document()->undoStack()->count(), commands);
}

void TestStudio::saveOpenRoundTrip()
{
    QTemporaryDir dir;
    QVERIFY(w_->openTemplate(QStringLiteral(":/models/resnet-small.json")));
    const QString path = dir.filePath(QStringLiteral("resnet.json"));
    QVERIFY(w_->saveTo(path));
    QVERIFY(!w_->document()->isModified());
    MainWindow second;
    QVERIFY(second.openFile(path));
    QCOMPARE(modelToJson(second.document()->graph()).dump(), modelToJson(w_->document()->graph()).dump());
    const QString again = dir.filePath(QStringLiteral("again.json"));
    QVERIFY(second.saveTo(again));
    QFile a(path), b(again);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(a.readAll(), b.readAll());
}

void TestStudio::aBadFileIsRefusedWithItsMessage()
{
    QVERIFY(w_->openTemplate(QStringLiteral(":/models/cnn.json")));
    const std::string before = modelToJson(w_->document()->graph()).dump();
    QTemporaryDir dir;
    const QString bad = dir.filePath(QStringLiteral("bad.json"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"format\": \"neurite-model\", \"version\": 2,\n \"nodes\": [ {\"id\": \"x\", \n");
    f.close();
    QVERIFY(!w_->openFile(bad));
    QVERIFY2(w_->message().contains(QStringLiteral("bad.json")), qPrintable(w_->message()));
    QVERIFY2(w_->message().contains(QStringLiteral("line")), qPrintable(w_->message()));
    QCOMPARE(modelToJson(w_->document()->graph()).dump(), before);
    // A newer format version is refused by the engine, with its message.
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("{\"format\": \"neurite-model\", \"version\": 99, \"nodes\": [], \"edges\": []}");
    f.close();
    QVERIFY(!w_->openFile(bad));
    QVERIFY2(w_->message().contains(QStringLiteral("99")), qPrintable(w_->message()));
    QCOMPARE(modelToJson(w_->document()->graph()).dump(), before);
    QVERIFY(!w_->openFile(dir.filePath(QStringLiteral("missing.json"))));
    QVERIFY(!w_->message().isEmpty());
}

void TestStudio::anOldFileOpensArrangedAndByDragAndDrop()
{
    // A version-1 chain (no canvas positions worth keeping), dropped onto the window as a file.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("old.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"version": 1, "name": "old", "input": [1, 28, 28], "layers": [{"type": "Flatten"},
            {"type": "Linear", "out_features": 64}, {"type": "ReLU"}, {"type": "Linear", "out_features": 10},
            {"type": "CrossEntropyLoss"}]})");
    f.close();
    QMimeData files;
    files.setUrls({QUrl::fromLocalFile(path)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w_.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w_.get(), &drop);
    QCOMPARE(w_->document()->path(), path);
    QCOMPARE(w_->document()->graph().nodes.size(), std::size_t(6));
    QVERIFY(w_->document()->analysis().ok());
    for (QGraphicsItem* a : w_->scene()->items())
        for (QGraphicsItem* b : w_->scene()->items())
            if (a != b && a->type() == NodeItem::Type && b->type() == NodeItem::Type)
                QVERIFY(!a->sceneBoundingRect().adjusted(10, 10, -10, -10).intersects(b->sceneBoundingRect().adjusted(10, 10, -10, -10)));
}

// resnet-small.json once opened on 4 of its 22 nodes; a person expects the whole model in view.
void TestStudio::anOpenedFileShowsTheWholeModel()
{
    QVERIFY(w_->openFile(QStringLiteral(NEURITE_SOURCE_DIR "/resources/models/resnet-small.json")));
    QCOMPARE(w_->document()->graph().nodes.size(), std::size_t(22));
    const QRectF visible = w_->view()->mapToScene(w_->view()->viewport()->rect()).boundingRect();
    for (QGraphicsItem* item : w_->scene()->items())
        if (item->type() == NodeItem::Type)
            QVERIFY2(visible.contains(item->sceneBoundingRect()), qPrintable(static_cast<NodeItem*>(item)->toolTip()));
}

// While a model trains, its layers' badges get new numbers several times a second; the canvas
// redraws a node only when what it shows changes (the badge's glyph or colour), not its tooltip.
void TestStudio::aBadgesNewNumbersDoNotRedrawTheCanvas()
{
    QVERIFY(w_->openTemplate(QStringLiteral(":/models/mlp.json")));
    QCoreApplication::processEvents();
    int redraws = 0;
    QObject counting;   // the connection ends with it, before `redraws` does
    connect(w_->scene(), &QGraphicsScene::changed, &counting, [&redraws](const QList<QRectF>& regions) {
        redraws += int(!regions.isEmpty());
    });
    const auto badge = [this](const QString& glyph, const QString& tip) {
        w_->graphAdapter()->setBadges({{QStringLiteral("fc1"), NodeBadge{glyph, QColor(Qt::darkGreen), tip}}});
        QCoreApplication::processEvents();
    };
    badge(QStringLiteral("✓"), QStringLiteral("Health: fine, step 10"));
    QVERIFY2(redraws > 0, "the badge appearing redraws its node");
    redraws = 0;
    badge(QStringLiteral("✓"), QStringLiteral("Health: fine, step 20"));
    QCOMPARE(redraws, 0);
    QVERIFY(w_->scene()->nodeItem(QStringLiteral("fc1"))->toolTip().contains(QStringLiteral("step 20")));
    badge(QStringLiteral("!"), QStringLiteral("Health: 90% dead, step 30"));
    QVERIFY2(redraws > 0, "a new verdict redraws its node");
}

void TestStudio::inspectorShowsMathsWithTheModelsShapes()
{
    QVERIFY(w_->openTemplate(QStringLiteral(":/models/mlp.json")));
    Hands hands{*w_};
    hands.click(QStringLiteral("fc1"));
    QCOMPARE(w_->inspector()->nodeId(), QStringLiteral("fc1"));
    QVERIFY2(w_->inspector()->mathsText().contains(QStringLiteral("Y[128×256] = X[128×784] · Wᵀ[784×256] + b[256]")),
             qPrintable(w_->inspector()->mathsText()));
    // What the layer becomes in an ONNX export, from its catalogue entry.
    auto* onnx = w_->inspector()->findChild<QLabel*>(QStringLiteral("inspector:onnx"));
    QVERIFY(onnx && onnx->text().startsWith(QStringLiteral("Gemm")));
    // The batch size of the summary is the one the maths uses.
    auto* batch = w_->summary()->findChild<QSpinBox*>(QStringLiteral("summary:batch"));
    QVERIFY(batch);
    batch->setValue(32);
    QVERIFY2(w_->inspector()->mathsText().contains(QStringLiteral("Y[32×256] = X[32×784]")),
             qPrintable(w_->inspector()->mathsText()));
    QVERIFY2(w_->summary()->text().contains(QStringLiteral("235.1 k")), qPrintable(w_->summary()->text()));
    // A scrubbed value is one command until it is finished.
    auto* out = qobject_cast<QSpinBox*>(w_->inspector()->properties()->editor(QStringLiteral("out_features")));
    QVERIFY(out);
    const int commands = w_->document()->undoStack()->count();
    out->setValue(257);
    out->setValue(258);
    out->setValue(300);
    emit out->editingFinished();
    QCOMPARE(w_->document()->undoStack()->count(), commands + 1);
    QCOMPARE(w_->document()->graph().find("fc1")->attrs["out_features"].get<int>(), 300);
    out->setValue(301);
    QCOMPARE(w_->document()->undoStack()->count(), commands + 2);
}

void TestStudio::problemsShowOnTheNodeAndSelectIt()
{
    QVERIFY(w_->openTemplate(QStringLiteral(":/models/cnn.json")));
    Hands hands{*w_};
    hands.click(QStringLiteral("flatten"));
    w_->scene()->removeSelection();  // now a Linear gets 64×7×7
    hands.wire(QStringLiteral("pool2"), QStringLiteral("fc1"));
    const NodeGraphNode card = w_->scene()->nodeItem(QStringLiteral("fc1"))->node();
    QVERIFY2(card.problem.contains(QStringLiteral("Flatten")), qPrintable(card.problem));
    QVERIFY(!card.warningOnly);
    QListWidget* list = w_->problems()->list();
    QVERIFY(list->count() >= 1);
    QListWidgetItem* item = list->item(0);
    QVERIFY2(item->text().startsWith(QStringLiteral("fc1")), qPrintable(item->text()));
    w_->scene()->clearSelection();
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(item).center());
    QCOMPARE(w_->scene()->selectedNodeIds(), QStringList{QStringLiteral("fc1")});
}

void TestStudio::codeFollowsTheGraphAndTheSelection()
{
    QVERIFY(w_->openTemplate(QStringLiteral(":/models/mlp.json")));
    QVERIFY2(w_->code()->code().contains(QStringLiteral("self.fc1 = nn.Linear(784, 256, bias=True)")), qPrintable(w_->code()->code()));
    Hands hands{*w_};
    hands.click(QStringLiteral("fc1"));
    hands.set(QStringLiteral("out_features"), QStringLiteral("64"));
    QVERIFY(w_->code()->code().contains(QStringLiteral("self.fc1 = nn.Linear(784, 64, bias=True)")));
    QVERIFY(w_->code()->code().contains(QStringLiteral("self.fc2 = nn.Linear(64, 128, bias=True)")));
    QVERIFY(!w_->code()->editor()->extraSelections().isEmpty());  // fc1's lines are highlighted
    // Clicking fc2's line selects fc2.
    QTextCursor cursor(w_->code()->editor()->document()->find(QStringLiteral("self.fc2 = ")));
    w_->code()->editor()->setTextCursor(cursor);
    QCOMPARE(w_->scene()->selectedNodeIds(), QStringList{QStringLiteral("fc2")});
}

void TestStudio::autoLayoutIsOneUndoableEdit()
{
    QVERIFY(w_->openTemplate(QStringLiteral(":/models/resnet-small.json")));
    const std::string before = modelToJson(w_->document()->graph()).dump();
    w_->autoLayout();
    QCOMPARE(w_->document()->undoStack()->count(), 1);
    // Left to right, in bands like lines of text: every edge goes further right in its band or to
    // a later band, and no two cards overlap.
    const ModelGraph& g = w_->document()->graph();
    for (const Edge& e : g.edges) {
        const Node* from = g.find(e.from.node);
        const Node* to = g.find(e.to.node);
        QVERIFY(to->x > from->x || to->y > from->y + 100);
    }
    for (const Node& a : g.nodes)
        for (const Node& b : g.nodes)
            if (&a != &b)
                QVERIFY(!w_->scene()->nodeItem(QString::fromStdString(a.id))->sceneBoundingRect().adjusted(8, 8, -8, -8)
                             .intersects(w_->scene()->nodeItem(QString::fromStdString(b.id))->sceneBoundingRect().adjusted(8, 8, -8, -8)));
    w_->document()->undoStack()->undo();
    QCOMPARE(modelToJson(w_->document()->graph()).dump(), before);
}

void TestStudio::autosaveLeavesAFileOnlyACrashKeeps()
{
    QString file;
    {
        Document doc;
        Autosave autosave(&doc);
        file = autosave.file();
        autosave.saveNow();
        QVERIFY(!QFile::exists(file));  // nothing unsaved, nothing written
        doc.push(new QUndoCommand(QStringLiteral("an edit")));
        autosave.saveNow();
        QVERIFY(QFile::exists(file));
        QVERIFY(Autosave::leftovers().isEmpty());  // this process still runs
        // What a crash leaves: the same file under a process id that is gone.
        QVERIFY(QFile::copy(file, Autosave::folder() + QStringLiteral("/autosave-999999999-1.json")));
    }
    QVERIFY(!QFile::exists(file));  // a clean close removes its own
    const auto left = Autosave::leftovers();
    QCOMPARE(left.size(), qsizetype(1));
    QVERIFY(QFile::remove(left.first().file));
}

void TestStudio::paletteDoubleClicksDoNotStackCards()
{
    // Activating a palette entry (double-click or Enter) adds the layer in the middle of the view;
    // three in a row cascade instead of hiding each other.
    for (int i = 0; i < 3; ++i)
        emit w_->palette()->layerActivated(QStringLiteral("ReLU"));
    const auto& nodes = w_->document()->graph().nodes;
    QCOMPARE(nodes.size(), std::size_t(3));
    QVERIFY(nodes[1].x != nodes[0].x && nodes[2].y != nodes[1].y);
    QCOMPARE(w_->document()->undoStack()->count(), 3);
}

void TestStudio::arrowKeysNudgeAsOneEdit()
{
    Hands hands{*w_};
    const QString a = hands.drop(QStringLiteral("ReLU"), {200, 100});
    const QString b = hands.drop(QStringLiteral("Tanh"), {500, 100});
    hands.click(a);
    const double x = w_->document()->graph().find(a.toStdString())->x;
    const int commands = w_->document()->undoStack()->count();
    QTest::keyClick(hands.canvas(), Qt::Key_Right);
    QTest::keyClick(hands.canvas(), Qt::Key_Right);
    QTest::keyClick(hands.canvas(), Qt::Key_Right, Qt::ShiftModifier);
    QCOMPARE(w_->document()->graph().find(a.toStdString())->x, x + 7 * NodeGraphScene::kGrid);
    QCOMPARE(w_->document()->undoStack()->count(), commands + 1);  // three nudges, one command
    w_->scene()->selectNodes({b});
    QTest::keyClick(hands.canvas(), Qt::Key_Down);
    QCOMPARE(w_->document()->undoStack()->count(), commands + 2);  // other nodes: a new command
    w_->document()->undoStack()->undo();
    w_->document()->undoStack()->undo();
    QCOMPARE(w_->document()->graph().find(a.toStdString())->x, x);
}

int main(int argc, char** argv)
{
    // Scratch settings and data: the tests never touch the person's own.
    QTemporaryDir home;
    qputenv("XDG_CONFIG_HOME", home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", home.filePath(QStringLiteral("data")).toUtf8());
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Neurite Studio"));
    QApplication::setOrganizationName(QStringLiteral("Neurite"));
    TestStudio test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_studio.moc"
