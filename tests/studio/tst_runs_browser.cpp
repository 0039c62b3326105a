// The Runs browser on real workspaces made with RunStore in a scratch folder: its columns and
// values, sorting by each column's type, search and filters, live updates from a second connection
// (with the selection kept; none behind another dock's tab), tags, notes and deletions written to
// the store, the actions' states and signals, and workspaces that cannot be opened. Runs on the
// `offscreen` platform.
#include "app/studio/runs/RunsDock.h"
#include "app/studio/runs/RunsFilterModel.h"
#include "app/studio/runs/RunsTableModel.h"
#include "engine/store/RunIndex.h"
#include "engine/store/RunStore.h"

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace neurite;
using Col = RunsTableModel::Column;

namespace {

// One run as the tests describe it; recorded as a real training run would be.
struct RunSpec {
    std::string name, model = "mlp", dataset = "fashion-mnist";
    nlohmann::json hyperparams = nlohmann::json::object();
    std::string status = "completed";                  // or running, queued, ...
    std::vector<double> valAccuracy = {}, valLoss = {};  // one point per epoch
    std::optional<double> testAccuracy = {};
    std::vector<std::string> tags = {};
    std::string notes = {};
};

std::int64_t record(RunStore& store, const RunSpec& spec)
{
    RunRecord r;
    r.name = spec.name;
    r.modelJson = nlohmann::json{{"format", "neurite-model"}, {"version", 2}, {"name", spec.model}, {"nodes", nlohmann::json::array()}}.dump();
    r.dataset = spec.dataset;
    r.hyperparams = spec.hyperparams;
    r.tags = spec.tags;
    r.notes = spec.notes;
    const auto id = store.createRun(r);
    if (spec.status == "queued")
        return id;
    store.startRun(id);
    for (std::size_t e = 0; e < spec.valAccuracy.size(); ++e)
        store.addMetric(id, "val/accuracy", {std::int64_t(e + 1) * 100, int(e + 1), 0, double(e), spec.valAccuracy[e]});
    for (std::size_t e = 0; e < spec.valLoss.size(); ++e)
        store.addMetric(id, "val/loss", {std::int64_t(e + 1) * 100, int(e + 1), 0, double(e), spec.valLoss[e]});
    if (spec.testAccuracy)
        store.addMetric(id, "test/accuracy", {999, 0, 0, 9, *spec.testAccuracy});
    store.flush();
    if (spec.status != "running")
        store.finishRun(id, spec.status, spec.status == "failed" ? "out of memory" : "");
    return id;
}

nlohmann::json settings(int epochs, int batch, const std::string& optimizer, double lr)
{
    return {{"epochs", epochs}, {"batch", batch}, {"optimizer", optimizer}, {"lr", lr}, {"settings", nlohmann::json::object()}};
}

QString cell(const RunsDock& dock, int proxyRow, int column)
{
    return dock.filter()->index(proxyRow, column).data().toString();
}

QList<qint64> shownIds(const RunsDock& dock)
{
    QList<qint64> ids;
    for (int r = 0; r < dock.filter()->rowCount(); ++r)
        ids << dock.filter()->idAt(r);
    return ids;
}

// A dock on the workspace that answers every question itself and records what it was asked.
struct Harness {
    RunsDock dock;
    QStringList asked, told;
    bool answerYes = true;
    std::optional<QString> textAnswer;

    explicit Harness(const QString& path)
    {
        dock.setPollInterval(0);  // the tests poll by hand, except where they test the timer
        dock.setPrompts({[this](const QString&, const QString& q) { asked << q; return answerYes; },
                         [this](const QString&, const QString& label, const QString&, bool) {
                             asked << label;
                             return textAnswer;
                         },
                         [this](const QString&, const QString& m) { told << m; }});
        dock.resize(1200, 500);
        dock.show();
        dock.setWorkspace(path);
    }
};

} // namespace

class TestRunsBrowser : public QObject {
    Q_OBJECT

    QString path_;
    QTemporaryDir dir_;

private slots:
    void init() { path_ = dir_.filePath(QStringLiteral("ws-%1.db").arg(QTest::currentTestFunction())); }

    void columnsAndValues()
    {
        std::int64_t full, bare;
        {
            RunStore store(path_.toStdString());
            full = record(store, {"alpha", "resnet-small", "cifar-10", settings(20, 64, "adam", 0.001), "completed",
                                  {0.5, 0.8, 0.7}, {0.9, 0.4, 0.6}, 0.77, {"cnn", "baseline"}, "first try"});
            bare = record(store, {"bare", "mlp", "mnist", {}, "failed", {}, {}, std::nullopt, {}, ""});
        }
        Harness h(path_);
        QVERIFY(h.dock.errorText().isEmpty());
        QCOMPARE(h.dock.objectName(), QStringLiteral("RunsDock"));
        QCOMPARE(h.dock.windowTitle(), QStringLiteral("Runs"));
        QCOMPARE(h.dock.filter()->columnCount(), int(RunsTableModel::ColumnCount));
        QCOMPARE(h.dock.filter()->rowCount(), 2);
        QCOMPARE(h.dock.countLabel()->text(), QStringLiteral("2 runs"));
        QVERIFY(h.dock.showingTable());
        h.dock.table()->sortByColumn(Col::Id, Qt::AscendingOrder);
        QCOMPARE(h.dock.filter()->idAt(0), full);

        const QStringList expected = {QString::number(full), "alpha", "completed", "resnet-small", "cifar-10", "",
                                      "", "20", "64", "adam", "0.001", "0.8000", "0.4000", "0.7700", "baseline, cnn"};
        for (int c = 0; c < RunsTableModel::ColumnCount; ++c)
            if (!expected[c].isEmpty())
                QCOMPARE(cell(h.dock, 0, c), expected[c]);
        const RunRecord stored = RunStore(path_.toStdString()).run(full);
        QCOMPARE(cell(h.dock, 0, Col::Created),
                 QDateTime::fromMSecsSinceEpoch(qint64(stored.createdAt * 1000)).toLocalTime().toString("yyyy-MM-dd HH:mm"));
        QVERIFY(cell(h.dock, 0, Col::Duration).endsWith('s'));
        QVERIFY(!h.dock.filter()->index(0, Col::Status).data(Qt::DecorationRole).value<QIcon>().isNull());
        QCOMPARE(h.dock.filter()->index(0, Col::Name).data(Qt::ToolTipRole).toString(), QStringLiteral("first try"));

        // Absent settings and metrics read "-".
        QCOMPARE(h.dock.filter()->idAt(1), bare);
        for (int c : {Col::Epochs, Col::Batch, Col::Optimizer, Col::Lr, Col::BestValAccuracy, Col::BestValLoss, Col::TestAccuracy})
            QCOMPARE(cell(h.dock, 1, c), QStringLiteral("-"));
        QCOMPARE(h.dock.filter()->index(1, Col::Status).data(Qt::ToolTipRole).toString(), QStringLiteral("out of memory"));
        // Status dots differ by status.
        QVERIFY(RunsTableModel::statusColor("failed") != RunsTableModel::statusColor("completed"));
    }

    void indexReadsEachDistinctModelName()
    {
        RunStore store(path_.toStdString());
        for (const char* model : {"mlp", "cnn", "mlp", "lenet5", "cnn"})
            record(store, {std::string("run of ") + model, model, "mnist", settings(1, 8, "sgd", 0.1), "completed", {}, {}, {}, {}, ""});
        const auto rows = listRunRows(store.database());
        QCOMPARE(rows.size(), std::size_t(5));
        for (const auto& r : rows)
            QCOMPARE(QString::fromStdString(r.modelName), QString::fromStdString(r.name.substr(7)));
        QCOMPARE(rows[1].optimizer.value_or(""), std::string("sgd"));
        QCOMPARE(rows[1].lr.value_or(0), 0.1);

        // Some runs only; their rows equal the full listing's.
        const auto some = listRunRows(store.database(), {4, 2, 99});
        QCOMPARE(some.size(), std::size_t(2));
        QVERIFY(some[0] == rows[1]);
        QVERIFY(some[1] == rows[3]);

        // A stamp moves with a new point, a tag, a note; the others stay.
        const auto before = runStamps(store.database());
        QCOMPARE(before.size(), std::size_t(5));
        store.addMetric(2, "val/accuracy", {500, 5, 0, 0, 0.5});
        store.flush();
        store.setTags(3, {"x"}, {});
        store.setNotes(4, "note");
        const auto after = runStamps(store.database());
        for (std::size_t i = 0; i < after.size(); ++i)
            QCOMPARE(after[i] == before[i], i == 0 || i == 4);
    }

    void sortsByEachColumnsType()
    {
        {
            RunStore store(path_.toStdString());
            const double lrs[] = {0.01, 0.1, 0.001};
            for (int i = 0; i < 12; ++i) {  // ids 1..12: as text, "10" would come before "9"
                RunSpec s{"run" + std::to_string(i), "mlp", "mnist", settings(5 + i, 32, "sgd", lrs[i % 3])};
                if (i != 4)
                    s.valAccuracy = {0.1 * (i % 7), 0.05};
                record(store, s);
            }
        }
        Harness h(path_);
        QTableView* t = h.dock.table();
        t->sortByColumn(Col::Id, Qt::AscendingOrder);
        QCOMPARE(shownIds(h.dock).mid(8, 2), (QList<qint64>{9, 10}));
        t->sortByColumn(Col::Id, Qt::DescendingOrder);
        QCOMPARE(shownIds(h.dock).first(), 12);

        t->sortByColumn(Col::Lr, Qt::AscendingOrder);
        QCOMPARE(cell(h.dock, 0, Col::Lr), QStringLiteral("0.001"));
        QCOMPARE(cell(h.dock, 4, Col::Lr), QStringLiteral("0.01"));
        QCOMPARE(cell(h.dock, 11, Col::Lr), QStringLiteral("0.1"));
        QCOMPARE(shownIds(h.dock).first(4), (QList<qint64>{3, 6, 9, 12}));  // ties keep id order

        t->sortByColumn(Col::Epochs, Qt::AscendingOrder);  // 5..16: as text, "10" would come before "5"
        QCOMPARE(cell(h.dock, 0, Col::Epochs), QStringLiteral("5"));
        QCOMPARE(cell(h.dock, 11, Col::Epochs), QStringLiteral("16"));

        // The run without val/accuracy (id 5) comes last in both orders.
        t->sortByColumn(Col::BestValAccuracy, Qt::DescendingOrder);
        QCOMPARE(cell(h.dock, 0, Col::BestValAccuracy), QStringLiteral("0.6000"));
        QCOMPARE(shownIds(h.dock).last(), 5);
        t->sortByColumn(Col::BestValAccuracy, Qt::AscendingOrder);
        QCOMPARE(cell(h.dock, 0, Col::BestValAccuracy), QStringLiteral("0.0500"));
        QCOMPARE(shownIds(h.dock).last(), 5);

        t->sortByColumn(Col::Created, Qt::DescendingOrder);  // created one after the other
        QCOMPARE(shownIds(h.dock).first(), 12);
        QCOMPARE(h.dock.filter()->index(0, Col::Created).data(RunsTableModel::SortRole).typeId(), QMetaType::Double);
    }

    void searchesAndFilters()
    {
        {
            RunStore store(path_.toStdString());
            record(store, {"baseline", "mlp", "fashion-mnist", {}, "completed", {}, {}, {}, {"paper"}, ""});
            record(store, {"deep", "resnet-small", "cifar-10", {}, "failed", {}, {}, {}, {}, ""});
            record(store, {"wide", "cnn", "cifar-10", {}, "stopped", {}, {}, {}, {"paper", "wide"}, "Try a Cosine schedule"});
            record(store, {"again", "cnn", "mnist", {}, "completed", {}, {}, {}, {}, ""});
        }
        Harness h(path_);
        const auto search = [&](const QString& text) {
            h.dock.searchField()->setText(text);
            auto ids = shownIds(h.dock);
            std::sort(ids.begin(), ids.end());
            return ids;
        };
        QCOMPARE(search("RESNET"), (QList<qint64>{2}));            // the model name, any case
        QCOMPARE(search("cifar"), (QList<qint64>{2, 3}));          // the data set
        QCOMPARE(search("paper"), (QList<qint64>{1, 3}));          // a tag
        QCOMPARE(search("cosine"), (QList<qint64>{3}));            // the notes
        QCOMPARE(search("cnn mnist"), (QList<qint64>{4}));         // every word
        QCOMPARE(search("4"), (QList<qint64>{4}));                 // the id
        QCOMPARE(h.dock.countLabel()->text(), QStringLiteral("1 of 4 runs"));
        QCOMPARE(search(""), (QList<qint64>{1, 2, 3, 4}));

        QComboBox* status = h.dock.statusCombo();
        status->setCurrentIndex(status->findData(QStringLiteral("failed")));
        QCOMPARE(shownIds(h.dock), (QList<qint64>{2}));
        status->setCurrentIndex(status->findData(QStringLiteral("completed")));
        QCOMPARE(search("cnn"), (QList<qint64>{4}));               // search and status together
        status->setCurrentIndex(0);
        search("");

        QComboBox* tag = h.dock.tagCombo();
        QCOMPARE(tag->count(), 3);                                  // All tags, paper, wide
        tag->setCurrentIndex(tag->findData(QStringLiteral("wide")));
        QCOMPARE(shownIds(h.dock), (QList<qint64>{3}));
        h.dock.filter()->setTagFilter(QStringLiteral("paper"));
        QCOMPARE(h.dock.filter()->rowCount(), 2);
    }

    void showsAnotherConnectionsRunsAndKeepsTheSelection()
    {
        RunStore writer(path_.toStdString());  // another process's `neurite train`, in effect
        for (int i = 0; i < 40; ++i)
            record(writer, {"run" + std::to_string(i), "mlp", "mnist", {}, "completed"});
        const auto live = record(writer, {"live", "mlp", "mnist", {}, "running", {0.5}});
        Harness h(path_);
        h.dock.resize(1200, 300);
        QCOMPARE(h.dock.countLabel()->text(), QStringLiteral("41 runs · 1 running"));
        QVERIFY(!h.dock.poll());  // nothing new

        h.dock.table()->sortByColumn(Col::Id, Qt::AscendingOrder);
        h.dock.selectRuns({7, 9});
        h.dock.table()->scrollTo(h.dock.filter()->indexOfId(20), QAbstractItemView::PositionAtTop);
        QCOMPARE(h.dock.filter()->idAt(h.dock.table()->indexAt({1, 1}).row()), 20);

        QSignalSpy selection(&h.dock, &RunsDock::selectionChangedRuns);
        const auto added = record(writer, {"new", "cnn", "cifar-10", {}, "completed", {0.9}});
        writer.addMetric(live, "val/accuracy", {200, 2, 0, 1, 0.75});
        writer.finishRun(live, "completed");
        QVERIFY(h.dock.poll());
        QVERIFY(h.dock.filter()->indexOfId(added).isValid());
        QCOMPARE(h.dock.countLabel()->text(), QStringLiteral("42 runs"));
        QCOMPARE(cell(h.dock, h.dock.filter()->indexOfId(live).row(), Col::BestValAccuracy), QStringLiteral("0.7500"));
        QCOMPARE(h.dock.selectedRuns(), (QList<qint64>{7, 9}));
        QCOMPARE(selection.count(), 0);  // the selection did not change
        QCOMPARE(h.dock.filter()->idAt(h.dock.table()->indexAt({1, 1}).row()), 20);

        // A deletion by the other connection: the rest of the selection stays.
        writer.deleteRun(9);
        QVERIFY(h.dock.poll());
        QCOMPARE(h.dock.selectedRuns(), (QList<qint64>{7}));

        // Tags and notes written by the other connection (`neurite runs tag`, in effect).
        writer.setTags(7, {"cli"}, {});
        writer.setNotes(8, "from the terminal");
        QVERIFY(h.dock.poll());
        QCOMPARE(cell(h.dock, h.dock.filter()->indexOfId(7).row(), Col::Tags), QStringLiteral("cli"));
        QCOMPARE(h.dock.filter()->indexOfId(8, Col::Name).data(Qt::ToolTipRole).toString(), QStringLiteral("from the terminal"));

        // Many changes at once reset the model; the selection and the top row come back.
        for (int i = 0; i < 300; ++i)
            record(writer, {"bulk" + std::to_string(i), "mlp", "mnist", {}, "completed"});
        QVERIFY(h.dock.poll());
        QCOMPARE(h.dock.model()->rowCount(), 341);
        QCOMPARE(h.dock.selectedRuns(), (QList<qint64>{7}));
        QCOMPARE(h.dock.filter()->idAt(h.dock.table()->indexAt({1, 1}).row()), 20);

        // The timer polls by itself.
        h.dock.setPollInterval(50);
        const auto later = record(writer, {"later", "mlp", "mnist", {}, "completed"});
        QTRY_VERIFY(h.dock.filter()->indexOfId(later).isValid());
        QCOMPARE(h.dock.selectedRuns(), (QList<qint64>{7}));
    }

    // Behind another dock's tab (where it waits while the studio trains) it lists nothing, however
    // often another connection commits; its tab chosen, it lists at once.
    void listsOnlyWhenItsTabIsChosen()
    {
        {
            RunStore store(path_.toStdString());
            record(store, {"first"});
        }
        QMainWindow window;
        auto* dock = new RunsDock(&window);
        auto* other = new QDockWidget(QStringLiteral("Live charts"), &window);
        other->setWidget(new QLabel(QStringLiteral("charts")));
        window.addDockWidget(Qt::BottomDockWidgetArea, dock);
        window.tabifyDockWidget(dock, other);
        window.resize(900, 600);
        dock->setPollInterval(20);
        QVERIFY(dock->setWorkspace(path_));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        other->raise();
        QTRY_VERIFY(!other->visibleRegion().isEmpty());
        QCOMPARE(dock->model()->rowCount(), 1);

        RunStore writer(path_.toStdString());
        record(writer, {"second"});
        QTest::qWait(300);                                    // fifteen polls' worth
        QCOMPARE(dock->model()->rowCount(), 1);
        dock->raise();
        QTRY_COMPARE_WITH_TIMEOUT(dock->model()->rowCount(), 2, 500);
    }

    void tagsAndNotesAreStored()
    {
        {
            RunStore store(path_.toStdString());
            record(store, {"a", "mlp", "mnist", {}, "completed", {}, {}, {}, {"old", "both"}});
            record(store, {"b", "mlp", "mnist", {}, "completed", {}, {}, {}, {"both", "mine"}});
        }
        Harness h(path_);
        h.dock.selectRuns({1});
        QVERIFY(h.dock.tagsAction()->isEnabled());
        h.textAnswer = QStringLiteral("new, both ,  new");
        h.dock.editTags();
        QCOMPARE(RunStore(path_.toStdString()).run(1).tags, (std::vector<std::string>{"both", "new"}));

        // Two runs: only the tags they share are edited; their own are kept.
        h.dock.selectRuns({1, 2});
        QCOMPARE(h.dock.selectedRuns(), (QList<qint64>{2, 1}));  // newest first
        h.textAnswer = QStringLiteral("shared");
        h.dock.editTags();
        QCOMPARE(RunStore(path_.toStdString()).run(1).tags, (std::vector<std::string>{"new", "shared"}));
        QCOMPARE(RunStore(path_.toStdString()).run(2).tags, (std::vector<std::string>{"mine", "shared"}));
        QCOMPARE(h.dock.selectedRuns(), (QList<qint64>{2, 1}));
        QVERIFY(h.dock.tagCombo()->findData(QStringLiteral("shared")) > 0);

        h.textAnswer.reset();  // cancelled: nothing changes
        h.dock.editTags();
        QCOMPARE(RunStore(path_.toStdString()).run(2).tags, (std::vector<std::string>{"mine", "shared"}));

        QVERIFY(!h.dock.notesAction()->isEnabled());  // notes: one run at a time
        h.dock.selectRuns({2});
        QVERIFY(h.dock.notesAction()->isEnabled());
        h.textAnswer = QStringLiteral("lr too high\nretry with 0.01");
        h.dock.editNotes();
        QCOMPARE(RunStore(path_.toStdString()).run(2).notes, std::string("lr too high\nretry with 0.01"));
        h.dock.searchField()->setText(QStringLiteral("retry"));
        QCOMPARE(shownIds(h.dock), (QList<qint64>{2}));
    }

    void deletesAfterAskingAndRefusesRunningRuns()
    {
        {
            RunStore store(path_.toStdString());
            for (const char* status : {"completed", "failed", "stopped", "running"})
                record(store, {status, "mlp", "mnist", {}, status, {0.5}});
        }
        Harness h(path_);
        h.dock.selectRuns({1, 2});
        QVERIFY(h.dock.deleteAction()->isEnabled());
        h.answerYes = false;
        h.dock.deleteSelected();
        QCOMPARE(h.asked.size(), 1);
        QVERIFY2(h.asked.last().contains("2 runs"), qPrintable(h.asked.last()));
        QCOMPARE(RunStore(path_.toStdString()).listRuns().size(), std::size_t(4));

        h.answerYes = true;
        h.dock.deleteSelected();
        {
            RunStore check(path_.toStdString());
            QCOMPARE(check.listRuns().size(), std::size_t(2));
            QVERIFY_THROWS_EXCEPTION(StoreError, check.run(1));
            QVERIFY(check.metrics(2, "val/accuracy").empty());
        }
        QCOMPARE(h.dock.model()->rowCount(), 2);
        QVERIFY(h.dock.selectedRuns().isEmpty());

        h.dock.selectRuns({3, 4});  // 4 is running
        h.asked.clear();
        h.dock.deleteSelected();
        QVERIFY(h.asked.isEmpty());  // refused before asking
        QCOMPARE(h.told.size(), 1);
        QVERIFY2(h.told.last().contains("running"), qPrintable(h.told.last()));
        QCOMPARE(RunStore(path_.toStdString()).listRuns().size(), std::size_t(2));
    }

    void actionsFollowTheSelection()
    {
        {
            RunStore store(path_.toStdString());
            for (const char* status : {"completed", "stopped", "interrupted", "running"})
                record(store, {status, "mlp", "mnist", {}, status});
        }
        Harness h(path_);
        QSignalSpy open(&h.dock, &RunsDock::openModelRequested), resume(&h.dock, &RunsDock::resumeRequested),
            fork(&h.dock, &RunsDock::forkRequested), evaluate(&h.dock, &RunsDock::evaluateRequested),
            compare(&h.dock, &RunsDock::compareRequested), selection(&h.dock, &RunsDock::selectionChangedRuns),
            exported(&h.dock, &RunsDock::exportRequested);
        QVERIFY(!h.dock.openAction()->isEnabled());
        h.dock.selectRuns({1});
        QCOMPARE(selection.count(), 1);
        QCOMPARE(selection.last().at(0).value<QList<qint64>>(), (QList<qint64>{1}));
        QVERIFY(!h.dock.resumeAction()->isEnabled());
        QVERIFY(h.dock.evaluateAction()->isEnabled());
        QVERIFY(!h.dock.compareAction()->isEnabled());
        h.dock.openAction()->trigger();
        h.dock.forkAction()->trigger();
        h.dock.evaluateAction()->trigger();
        QVERIFY(h.dock.exportAction()->isEnabled());
        h.dock.exportAction()->trigger();
        QCOMPARE(exported.last().at(0).toLongLong(), 1);
        // Inside the network: the recorded telemetry, the evaluation views, predictions.
        QSignalSpy inspect(&h.dock, &RunsDock::inspectRequested), views(&h.dock, &RunsDock::evaluationViewsRequested),
            predict(&h.dock, &RunsDock::predictRequested);
        for (QAction* a : {h.dock.inspectAction(), h.dock.evaluationViewsAction(), h.dock.predictAction()}) {
            QVERIFY(a->isEnabled());
            a->trigger();
        }
        QCOMPARE(inspect.last().at(0).toLongLong(), 1);
        QCOMPARE(views.last().at(0).toLongLong(), 1);
        QCOMPARE(predict.last().at(0).toLongLong(), 1);
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.last().at(0).toLongLong(), 1);
        QCOMPARE(fork.last().at(0).toLongLong(), 1);
        QCOMPARE(evaluate.last().at(0).toLongLong(), 1);
        for (qint64 id : {2, 3}) {
            h.dock.selectRuns({id});
            QVERIFY(h.dock.resumeAction()->isEnabled());
            h.dock.resumeAction()->trigger();
            QCOMPARE(resume.last().at(0).toLongLong(), id);
        }
        h.dock.selectRuns({4});
        QVERIFY(!h.dock.resumeAction()->isEnabled());
        QVERIFY(!h.dock.evaluateAction()->isEnabled());
        h.dock.table()->sortByColumn(Col::Id, Qt::AscendingOrder);
        h.dock.selectRuns({3, 1});
        QVERIFY(h.dock.compareAction()->isEnabled());
        QVERIFY(!h.dock.openAction()->isEnabled());
        h.dock.compareAction()->trigger();
        QCOMPARE(compare.last().at(0).value<QList<qint64>>(), (QList<qint64>{1, 3}));

        // Double-click opens the model.
        const QModelIndex second = h.dock.filter()->indexOfId(2, Col::Name);
        const QPoint at = h.dock.table()->visualRect(second).center();
        QTest::mouseClick(h.dock.table()->viewport(), Qt::LeftButton, {}, at);  // a double-click's first press
        QTest::mouseDClick(h.dock.table()->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(open.last().at(0).toLongLong(), 2);
        QCOMPARE(h.dock.table()->actions().size(), 14);  // the context menu: 12 actions and 2 separators
    }

    void emptyWorkspaceShowsAHint()
    {
        Harness h(path_);
        QVERIFY(h.dock.errorText().isEmpty());
        QVERIFY(!h.dock.showingTable());
        QVERIFY(h.dock.messageLabel()->text().startsWith("No runs yet. Press Train (F5)"));
        QCOMPARE(h.dock.countLabel()->text(), QStringLiteral("0 runs"));
        {
            RunStore writer(path_.toStdString());
            record(writer, {"first", "mlp", "mnist"});
        }
        QVERIFY(h.dock.poll());
        QVERIFY(h.dock.showingTable());
    }

    void badWorkspacesShowAnError()
    {
        QFile garbage(path_);
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(8192, '\x5a'));
        garbage.close();
        Harness h(path_);
        QVERIFY(!h.dock.errorText().isEmpty());
        QVERIFY(!h.dock.showingTable());
        QVERIFY(h.dock.messageLabel()->text().contains(path_));
        QVERIFY(!h.dock.poll());
        QVERIFY(!h.dock.deleteAction()->isEnabled());
        h.dock.reload();  // nothing to reload: no crash

        // An SQLite database that is not a workspace.
        const QString other = dir_.filePath(QStringLiteral("other.db"));
        {
            Database db(other.toStdString());
            db.exec("CREATE TABLE t (x)");
        }
        QVERIFY(!h.dock.setWorkspace(other));
        QVERIFY(h.dock.messageLabel()->text().contains(QStringLiteral("not a Neurite workspace")));

        // A good one afterwards works.
        const QString good = dir_.filePath(QStringLiteral("good.db"));
        {
            RunStore store(good.toStdString());
            record(store, {"fine", "mlp", "mnist"});
        }
        QVERIFY(h.dock.setWorkspace(good));
        QVERIFY(h.dock.errorText().isEmpty());
        QVERIFY(h.dock.showingTable());
        QCOMPARE(h.dock.model()->rowCount(), 1);
    }
};

QTEST_MAIN(TestRunsBrowser)
#include "tst_runs_browser.moc"
