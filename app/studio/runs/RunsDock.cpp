#include "app/studio/runs/RunsDock.h"

#include "app/studio/runs/RunsFilterModel.h"
#include "app/studio/runs/RunsTableModel.h"
#include "engine/store/RunIndex.h"
#include "engine/store/RunStore.h"
#include "widgets/OnScreen.h"

#include <QAction>
#include <QComboBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QScrollBar>
#include <QStackedLayout>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <set>

namespace {

// Column widths at first show (a person's later changes are theirs); measuring 10,000 rows'
// contents would cost more than the whole listing.
constexpr int kWidths[RunsTableModel::ColumnCount] = {50, 160, 110, 110, 110, 120, 75, 55, 55, 75, 65, 90, 90, 70, 140};

QStringList tagList(const QString& text)
{
    QStringList tags;
    for (const QString& part : text.split(QChar(','), Qt::SkipEmptyParts))
        if (const QString t = part.trimmed(); !t.isEmpty() && !tags.contains(t))
            tags << t;
    return tags;
}

QString idList(const QList<qint64>& ids)
{
    QStringList parts;
    for (int i = 0; i < ids.size() && i < 10; ++i)
        parts << QString::number(ids[i]);
    if (ids.size() > 10)
        parts << QStringLiteral("…");
    return parts.join(QStringLiteral(", "));
}

} // namespace

RunsDock::RunsDock(QWidget* parent) : QDockWidget(tr("Runs"), parent)
{
    setObjectName(QStringLiteral("RunsDock"));
    model_ = new RunsTableModel(this);
    filter_ = new RunsFilterModel(model_, this);

    search_ = new QLineEdit;
    search_->setPlaceholderText(tr("Search name, model, data set, tags, notes, id"));
    search_->setClearButtonEnabled(true);
    statusCombo_ = new QComboBox;
    statusCombo_->addItem(tr("All statuses"), QString());
    for (const QString& status : RunsTableModel::statuses())
        statusCombo_->addItem(RunsTableModel::statusIcon(status), status, status);
    tagCombo_ = new QComboBox;
    tagCombo_->addItem(tr("All tags"), QString());
    tagCombo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);

    table_ = new QTableView;
    table_->setModel(filter_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    table_->setShowGrid(false);
    table_->setSortingEnabled(true);
    table_->sortByColumn(RunsTableModel::Id, Qt::DescendingOrder);  // the newest first
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);  // no per-row measuring
    table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->setHighlightSections(false);
    for (int c = 0; c < RunsTableModel::ColumnCount; ++c)
        table_->setColumnWidth(c, kWidths[c]);

    message_ = new QLabel;
    message_->setAlignment(Qt::AlignCenter);
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    message_->setMargin(16);
    count_ = new QLabel;

    createActions();
    auto* toolbar = new QToolBar;
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addActions({open_, resume_, fork_, evaluate_, export_, compare_});
    toolbar->addSeparator();
    toolbar->addActions({inspect_, evaluationViews_, predict_});
    toolbar->addSeparator();
    toolbar->addActions({tags_, notes_, delete_});
    table_->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* separator = new QAction(this);
    separator->setSeparator(true);
    auto* separator2 = new QAction(this);
    separator2->setSeparator(true);
    table_->addActions({open_, resume_, fork_, evaluate_, export_, compare_, separator, inspect_, evaluationViews_,
                        predict_, separator2, tags_, notes_, delete_});

    auto* filters = new QHBoxLayout;
    filters->addWidget(search_, 1);
    filters->addWidget(statusCombo_);
    filters->addWidget(tagCombo_);
    pages_ = new QStackedLayout;
    pages_->addWidget(table_);
    pages_->addWidget(message_);
    auto* body = new QWidget;
    auto* layout = new QVBoxLayout(body);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(filters);
    layout->addWidget(toolbar);
    layout->addLayout(pages_, 1);
    layout->addWidget(count_);
    setWidget(body);

    connect(search_, &QLineEdit::textChanged, this, [this](const QString& text) {
        filter_->setSearchText(text);
        updateCount();
    });
    connect(statusCombo_, &QComboBox::currentIndexChanged, this, [this] {
        filter_->setStatusFilter(statusCombo_->currentData().toString());
        updateCount();
    });
    connect(tagCombo_, &QComboBox::currentIndexChanged, this, [this] {
        filter_->setTagFilter(tagCombo_->currentData().toString());
        updateCount();
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsDock::selectionChanged);
    connect(table_, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        emit openModelRequested(filter_->idAt(index.row()));
    });

    prompts_.confirm = [this](const QString& title, const QString& question) {
        return QMessageBox::question(this, title, question, QMessageBox::Yes | QMessageBox::No, QMessageBox::No) ==
               QMessageBox::Yes;
    };
    prompts_.editText = [this](const QString& title, const QString& label, const QString& text,
                               bool multiline) -> std::optional<QString> {
        bool ok = false;
        const QString answer = multiline ? QInputDialog::getMultiLineText(this, title, label, text, &ok)
                                         : QInputDialog::getText(this, title, label, QLineEdit::Normal, text, &ok);
        return ok ? std::optional<QString>(answer) : std::nullopt;
    };
    prompts_.inform = [this](const QString& title, const QString& message) {
        QMessageBox::information(this, title, message);
    };

    poll_ = new QTimer(this);
    poll_->setSingleShot(true);
    connect(poll_, &QTimer::timeout, this, [this] {
        // Behind another dock's tab (where it waits while the studio trains) nobody sees it: it
        // lists nothing then, and looks at once when its tab is chosen.
        if (isOnScreen(this)) {
            poll();
            if (model_->runningCount() > 0)
                model_->tickRunning();
        }
        scheduleNextPoll();
    });
    connect(this, &QDockWidget::visibilityChanged, this, [this](bool shown) {
        if (shown && poll_->isActive())
            poll_->start(0);
    });
    updatePage();
    updateActions();
    updateCount();
}

RunsDock::~RunsDock() = default;

void RunsDock::createActions()
{
    const auto make = [this](const QString& text, const QString& tip) {
        auto* a = new QAction(text, this);
        a->setToolTip(tip);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
        return a;
    };
    open_ = make(tr("Open model"), tr("Opens the model the run trained on the canvas (double-click a run)"));
    resume_ = make(tr("Resume"), tr("Continues a stopped or interrupted run from its last checkpoint"));
    fork_ = make(tr("Fork"), tr("Starts a new run from this one's model and settings"));
    evaluate_ = make(tr("Evaluate"), tr("Evaluates the run's best checkpoint on the test set"));
    export_ = make(tr("Export…"), tr("Exports a checkpoint as ONNX, a PyTorch folder or a Neurite bundle, "
                                     "verified in its runtime"));
    inspect_ = make(tr("Inspect layers"), tr("Shows the layers' recorded telemetry and health on the canvas"));
    evaluationViews_ = make(tr("Confusion matrix…"), tr("The confusion matrix on the test set (click a cell to see its "
                                                        "images), per-class precision, recall and F1, the most confident "
                                                        "mistakes"));
    predict_ = make(tr("Predict…"), tr("Draw a digit or drop an image and see what the run's model predicts"));
    compare_ = make(tr("Compare"), tr("Compares the selected runs (two or more)"));
    tags_ = make(tr("Edit tags…"), tr("Adds or removes tags of the selected runs"));
    notes_ = make(tr("Edit notes…"), tr("Writes notes on the selected run"));
    delete_ = make(tr("Delete…"), tr("Deletes the selected runs with their metrics, checkpoints and artefacts"));
    delete_->setShortcut(QKeySequence::Delete);

    const auto one = [this](void (RunsDock::*signal)(qint64)) {
        return [this, signal] {
            if (const auto ids = selectedRuns(); ids.size() == 1)
                emit(this->*signal)(ids.front());
        };
    };
    connect(open_, &QAction::triggered, this, one(&RunsDock::openModelRequested));
    connect(resume_, &QAction::triggered, this, one(&RunsDock::resumeRequested));
    connect(fork_, &QAction::triggered, this, one(&RunsDock::forkRequested));
    connect(evaluate_, &QAction::triggered, this, one(&RunsDock::evaluateRequested));
    connect(export_, &QAction::triggered, this, one(&RunsDock::exportRequested));
    connect(inspect_, &QAction::triggered, this, one(&RunsDock::inspectRequested));
    connect(evaluationViews_, &QAction::triggered, this, one(&RunsDock::evaluationViewsRequested));
    connect(predict_, &QAction::triggered, this, one(&RunsDock::predictRequested));
    connect(compare_, &QAction::triggered, this, [this] {
        if (const auto ids = selectedRuns(); ids.size() >= 2)
            emit compareRequested(ids);
    });
    connect(tags_, &QAction::triggered, this, &RunsDock::editTags);
    connect(notes_, &QAction::triggered, this, &RunsDock::editNotes);
    connect(delete_, &QAction::triggered, this, &RunsDock::deleteSelected);
}

// [SECTION] Workspace and listing

bool RunsDock::setWorkspace(const QString& path)
{
    poll_->stop();
    store_.reset();
    path_ = path;
    error_.clear();
    version_ = -1;
    stamps_.clear();
    model_->setRows({});
    try {
        const std::string file = path.toStdString();
        readOnly_ = !neurite::RunStore::writable(file);
        store_ = std::make_unique<neurite::RunStore>(file, readOnly_);
    } catch (const std::exception& e) {
        store_.reset();
        fail(tr("Cannot open the workspace %1:\n%2").arg(path, QString::fromUtf8(e.what())));
        return false;
    }
    reload();
    scheduleNextPoll();
    return error_.isEmpty();
}

void RunsDock::reload() { refresh(); }

void RunsDock::refresh()
{
    if (!store_)
        return;
    QElapsedTimer clock;
    clock.start();
    const ViewState state = viewState();
    reloading_ = true;
    try {
        neurite::Database& db = store_->database();
        // The version first: a commit during the listing is seen by the next poll, never missed.
        version_ = neurite::dataVersion(db);
        std::vector<neurite::RunStamp> stamps = neurite::runStamps(db);
        std::vector<neurite::RunRow> rows;
        const bool everything = stamps_.empty();
        if (everything) {
            rows = neurite::listRunRows(db);
        } else {
            std::vector<std::int64_t> moved;  // new runs and runs whose stamp changed
            std::size_t at = 0;
            for (const auto& s : stamps) {
                while (at < stamps_.size() && stamps_[at].id < s.id)
                    ++at;
                if (at == stamps_.size() || !(stamps_[at] == s) || model_->rowOfId(s.id) < 0)
                    moved.push_back(s.id);
            }
            std::vector<neurite::RunRow> fresh = neurite::listRunRows(db, moved);
            rows.reserve(stamps.size());
            std::size_t next = 0;
            for (const auto& s : stamps) {  // the unchanged rows as they are, the moved ones fresh
                if (next < fresh.size() && fresh[next].id == s.id)
                    rows.push_back(std::move(fresh[next++]));
                else if (const int r = model_->rowOfId(s.id); r >= 0)
                    rows.push_back(model_->run(r));
            }
        }
        stamps_ = std::move(stamps);
        const bool reset = model_->setRows(std::move(rows));
        error_.clear();
        restore(state, reset);
        if (!everything)  // the first listing is no measure of what polling costs
            lastReloadMs_ = double(clock.nsecsElapsed()) / 1e6;
    } catch (const std::exception& e) {
        stamps_.clear();
        error_ = tr("Cannot list the runs of %1:\n%2").arg(path_, QString::fromUtf8(e.what()));
    }
    reloading_ = false;
    updateTags();
    updatePage();
    updateCount();
    selectionChanged();
}

bool RunsDock::poll()
{
    if (!store_)
        return false;
    try {
        if (neurite::dataVersion(store_->database()) == version_)
            return false;
    } catch (const std::exception& e) {
        fail(tr("Cannot read the workspace %1:\n%2").arg(path_, QString::fromUtf8(e.what())));
        return false;
    }
    refresh();
    return true;
}

void RunsDock::setPollInterval(int milliseconds)
{
    pollInterval_ = milliseconds;
    scheduleNextPoll();
}

void RunsDock::scheduleNextPoll()
{
    if (pollInterval_ <= 0 || !store_) {
        poll_->stop();
        return;
    }
    // A refresh that took 100 ms is done at most every 2 s: the table never eats the GUI thread.
    poll_->start(std::max(pollInterval_, int(lastReloadMs_ * 20)));
}

void RunsDock::fail(const QString& error)
{
    error_ = error;
    updatePage();
    updateCount();
    updateActions();
}

// [SECTION] Selection and view state

QList<qint64> RunsDock::selectedRuns() const
{
    QModelIndexList rows = table_->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    QList<qint64> ids;
    ids.reserve(rows.size());
    for (const QModelIndex& index : rows)
        ids << filter_->idAt(index.row());
    return ids;
}

void RunsDock::selectRuns(const QList<qint64>& ids)
{
    QItemSelection selection;
    for (qint64 id : ids)
        if (const QModelIndex index = filter_->indexOfId(id); index.isValid())
            selection.select(index, index.siblingAtColumn(RunsTableModel::ColumnCount - 1));
    table_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    if (!ids.isEmpty())
        if (const QModelIndex first = filter_->indexOfId(ids.front()); first.isValid()) {
            table_->selectionModel()->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
            table_->scrollTo(first);
        }
}

RunsDock::ViewState RunsDock::viewState() const
{
    ViewState s;
    s.selected = selectedRuns();
    if (const QModelIndex current = table_->currentIndex(); current.isValid())
        s.current = filter_->idAt(current.row());
    s.atTop = table_->verticalScrollBar()->value() == 0;
    if (const QModelIndex top = table_->indexAt(QPoint(1, 1)); top.isValid())
        s.top = filter_->idAt(top.row());
    return s;
}

void RunsDock::restore(const ViewState& s, bool reset)
{
    if (reset) {  // a merge keeps the selection by itself; a reset loses it
        QItemSelection selection;
        for (qint64 id : s.selected)
            if (const QModelIndex index = filter_->indexOfId(id); index.isValid())
                selection.select(index, index.siblingAtColumn(RunsTableModel::ColumnCount - 1));
        table_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
        if (const QModelIndex current = filter_->indexOfId(s.current); current.isValid())
            table_->selectionModel()->setCurrentIndex(current, QItemSelectionModel::NoUpdate);
    }
    if (s.atTop)  // new runs appear at the top, in sight
        table_->scrollToTop();
    else if (const QModelIndex top = filter_->indexOfId(s.top); top.isValid())
        table_->scrollTo(top, QAbstractItemView::PositionAtTop);
}

void RunsDock::selectionChanged()
{
    if (reloading_)
        return;
    updateActions();
    if (const QList<qint64> ids = selectedRuns(); ids != lastSelection_) {
        lastSelection_ = ids;
        emit selectionChangedRuns(ids);
    }
}

const neurite::RunRow* RunsDock::row(qint64 id) const
{
    const int r = model_->rowOfId(id);
    return r < 0 ? nullptr : &model_->run(r);
}

// [SECTION] What the dock shows

bool RunsDock::showingTable() const { return pages_->currentWidget() == table_; }

void RunsDock::updatePage()
{
    if (!error_.isEmpty()) {
        message_->setText(error_);
        pages_->setCurrentWidget(message_);
    } else if (!store_) {
        message_->setText(tr("No workspace is open."));
        pages_->setCurrentWidget(message_);
    } else if (model_->rowCount() == 0) {
        message_->setText(tr("No runs yet. Press Train (F5) to train the model on the canvas, or run "
                             "neurite train MODEL.json in a terminal: runs appear here as they start."));
        pages_->setCurrentWidget(message_);
    } else {
        pages_->setCurrentWidget(table_);
    }
}

void RunsDock::updateCount()
{
    const int total = model_->rowCount(), shown = filter_->rowCount(), running = model_->runningCount();
    QString text = total == 1 ? tr("1 run") : tr("%1 runs").arg(total);
    if (shown != total)
        text = tr("%1 of %2").arg(shown).arg(text);
    if (running > 0)
        text += tr(" · %1 running").arg(running);
    if (readOnly_ && store_)
        text += tr(" · read-only");
    count_->setText(text);
}

void RunsDock::updateTags()
{
    std::set<std::string> all;
    for (int r = 0; r < model_->rowCount(); ++r)
        all.insert(model_->run(r).tags.begin(), model_->run(r).tags.end());
    QStringList tags;
    for (const auto& t : all)
        tags << QString::fromStdString(t);
    QStringList shown;
    for (int i = 1; i < tagCombo_->count(); ++i)
        shown << tagCombo_->itemData(i).toString();
    if (tags == shown)
        return;
    const QString current = tagCombo_->currentData().toString();
    {
        const QSignalBlocker block(tagCombo_);
        while (tagCombo_->count() > 1)
            tagCombo_->removeItem(1);
        for (const QString& t : tags)
            tagCombo_->addItem(t, t);
        tagCombo_->setCurrentIndex(std::max(0, tagCombo_->findData(current)));
    }
    filter_->setTagFilter(tagCombo_->currentData().toString());  // the tag may be gone
}

void RunsDock::updateActions()
{
    const QList<qint64> ids = selectedRuns();
    const bool ready = store_ && error_.isEmpty();
    const neurite::RunRow* one = ready && ids.size() == 1 ? row(ids.front()) : nullptr;
    const std::string status = one ? one->status : std::string();
    const bool writable = ready && !readOnly_;
    open_->setEnabled(one != nullptr);
    fork_->setEnabled(one != nullptr);
    resume_->setEnabled(one && writable && (status == "stopped" || status == "interrupted"));
    evaluate_->setEnabled(one && status != "queued" && status != "running");
    export_->setEnabled(one && status != "queued");   // any run with a checkpoint; says so when it has none
    inspect_->setEnabled(one && status != "queued");
    evaluationViews_->setEnabled(one && status != "queued" && status != "running");
    predict_->setEnabled(one && status != "queued");
    compare_->setEnabled(ready && ids.size() >= 2);
    tags_->setEnabled(writable && !ids.isEmpty());
    notes_->setEnabled(writable && one != nullptr);
    delete_->setEnabled(writable && !ids.isEmpty());
}

// [SECTION] Writes: tags, notes, deletions

void RunsDock::setPrompts(RunsDockPrompts prompts) { prompts_ = std::move(prompts); }

void RunsDock::editTags()
{
    const QList<qint64> ids = selectedRuns();
    if (!store_ || readOnly_ || ids.isEmpty())
        return;
    std::vector<std::string> common;  // the tags every selected run has: the ones the person edits
    for (int i = 0; i < ids.size(); ++i) {
        const auto* r = row(ids[i]);
        if (!r)
            return;
        if (i == 0) {
            common = r->tags;
            continue;
        }
        std::erase_if(common, [&](const std::string& t) { return std::find(r->tags.begin(), r->tags.end(), t) == r->tags.end(); });
    }
    QStringList shown;
    for (const auto& t : common)
        shown << QString::fromStdString(t);
    const QString label = ids.size() == 1
                              ? tr("Tags of run %1, separated by commas:").arg(ids.front())
                              : tr("Tags of the %1 selected runs, separated by commas (tags only some of them have are "
                                   "kept):").arg(ids.size());
    const auto answer = prompts_.editText(tr("Edit tags"), label, shown.join(QStringLiteral(", ")), false);
    if (!answer)
        return;
    std::vector<std::string> wanted;
    for (const QString& t : tagList(*answer))
        wanted.push_back(t.toStdString());
    try {
        for (qint64 id : ids) {
            const auto* r = row(id);
            std::vector<std::string> add, remove;
            for (const auto& t : wanted)
                if (std::find(r->tags.begin(), r->tags.end(), t) == r->tags.end())
                    add.push_back(t);
            for (const auto& t : common)
                if (std::find(wanted.begin(), wanted.end(), t) == wanted.end())
                    remove.push_back(t);
            if (!add.empty() || !remove.empty())
                store_->setTags(id, add, remove);
        }
    } catch (const std::exception& e) {
        prompts_.inform(tr("Edit tags"), tr("The tags could not be saved:\n%1").arg(QString::fromUtf8(e.what())));
    }
    reload();
}

void RunsDock::editNotes()
{
    const QList<qint64> ids = selectedRuns();
    const auto* r = ids.size() == 1 ? row(ids.front()) : nullptr;
    if (!store_ || readOnly_ || !r)
        return;
    const qint64 id = r->id;
    const auto answer = prompts_.editText(tr("Edit notes"), tr("Notes on run %1 (%2):").arg(id).arg(QString::fromStdString(r->name)),
                                          QString::fromStdString(r->notes), true);
    if (!answer)
        return;
    try {
        store_->setNotes(id, answer->toStdString());
    } catch (const std::exception& e) {
        prompts_.inform(tr("Edit notes"), tr("The notes could not be saved:\n%1").arg(QString::fromUtf8(e.what())));
    }
    reload();
}

void RunsDock::deleteSelected()
{
    const QList<qint64> ids = selectedRuns();
    if (!store_ || readOnly_ || ids.isEmpty())
        return;
    QList<qint64> active;
    for (qint64 id : ids)
        if (const auto* r = row(id); r && (r->status == "running" || r->status == "queued"))
            active << id;
    if (!active.isEmpty()) {
        prompts_.inform(tr("Delete runs"),
                        active.size() == 1
                            ? tr("Run %1 is still running: stop it before deleting it. Nothing was deleted.").arg(active.front())
                            : tr("Runs %1 are still running or queued: stop them, or leave them out of the selection, "
                                 "before deleting. Nothing was deleted.").arg(idList(active)));
        return;
    }
    const QString question =
        ids.size() == 1
            ? tr("Delete run %1 (%2) with its metrics, checkpoints and artefacts?\n\nThis cannot be undone.")
                  .arg(ids.front()).arg(QString::fromStdString(row(ids.front())->name))
            : tr("Delete %1 runs (%2) with their metrics, checkpoints and artefacts?\n\nThis cannot be undone.")
                  .arg(ids.size()).arg(idList(ids));
    if (!prompts_.confirm(tr("Delete runs"), question))
        return;
    QStringList failures;
    for (qint64 id : ids) {
        try {
            store_->deleteRun(id);
        } catch (const std::exception& e) {
            failures << QString::fromUtf8(e.what());
        }
    }
    reload();
    if (!failures.isEmpty())
        prompts_.inform(tr("Delete runs"), tr("Some runs could not be deleted:\n%1").arg(failures.join(QChar('\n'))));
}
