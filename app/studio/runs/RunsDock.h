#pragma once
// The Runs browser: every run of a workspace in one table, searched, filtered by status and tag,
// sorted by any column, with the actions a person takes on runs (open, resume, fork, evaluate,
// compare, tags, notes, delete).
// - It reads over its own RunStore connection, on the GUI thread (neurite::listRunRows: one lean
//   query, fluid with 10,000 runs). Tags, notes and deletions are written through that store too.
// - Live: every second it asks the connection whether another one committed (PRAGMA data_version,
//   e.g. a `neurite train` in a terminal) and lists again only then, keeping the selection (by run
//   id) and the scroll position. Then only the runs whose stamp moved are listed again (a training
//   run's flush costs one row, not 10,000). While that is slow, it polls less often (at most ~5% of
//   the GUI thread's time); behind another dock's tab, not at all until its tab is chosen. The
//   owner calls reload() after writing through a connection of its own.
// - It never starts work: the actions that need the rest of the studio are signals.
// - A workspace that cannot be opened or read shows why in the dock; nothing throws out of it.
#include "engine/store/RunIndex.h"

#include <QDockWidget>
#include <QList>

#include <functional>
#include <memory>
#include <optional>

namespace neurite {
class RunStore;
}
class RunsFilterModel;
class RunsTableModel;
class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QStackedLayout;
class QTableView;
class QTimer;

// How the dock asks the person; the defaults are dialogs, tests answer by themselves.
struct RunsDockPrompts {
    std::function<bool(const QString& title, const QString& question)> confirm;      // true: go ahead
    std::function<std::optional<QString>(const QString& title, const QString& label, const QString& text,
                                         bool multiline)> editText;                     // nullopt: cancelled
    std::function<void(const QString& title, const QString& message)> inform;          // refusals, failures
};

class RunsDock : public QDockWidget {
    Q_OBJECT
public:
    explicit RunsDock(QWidget* parent = nullptr);
    ~RunsDock() override;

    // Workspace
    bool setWorkspace(const QString& path);             // opens it (a new one is created); false: see errorText()
    QString workspace() const { return path_; }
    QString errorText() const { return error_; }        // why it cannot be opened or listed; empty when fine
    bool readOnly() const { return readOnly_; }         // read-only media: no tags, notes or deletions

    // Selection, by run id, in the table's order
    QList<qint64> selectedRuns() const;
    void selectRuns(const QList<qint64>& ids);          // and scrolls to the first

    void setPollInterval(int milliseconds);             // 1000 by default; 0: no polling
    void setPrompts(RunsDockPrompts prompts);           // replaces the dialogs (tests)

    // Parts, for the owner and tests
    QTableView* table() const { return table_; }
    RunsTableModel* model() const { return model_; }
    RunsFilterModel* filter() const { return filter_; }
    QLineEdit* searchField() const { return search_; }
    QComboBox* statusCombo() const { return statusCombo_; }
    QComboBox* tagCombo() const { return tagCombo_; }
    QLabel* countLabel() const { return count_; }
    QLabel* messageLabel() const { return message_; }   // the empty-workspace hint or the error
    bool showingTable() const;                          // false while the hint or an error is shown
    QAction* openAction() const { return open_; }
    QAction* resumeAction() const { return resume_; }
    QAction* forkAction() const { return fork_; }
    QAction* evaluateAction() const { return evaluate_; }
    QAction* exportAction() const { return export_; }
    QAction* inspectAction() const { return inspect_; }
    QAction* evaluationViewsAction() const { return evaluationViews_; }
    QAction* predictAction() const { return predict_; }
    QAction* compareAction() const { return compare_; }
    QAction* tagsAction() const { return tags_; }
    QAction* notesAction() const { return notes_; }
    QAction* deleteAction() const { return delete_; }

public slots:
    void reload();                                      // lists again, now, the runs that changed
    bool poll();                                        // lists the changed runs if another connection committed; true if it did
    void editTags();                                    // of the selected runs
    void editNotes();                                   // of the one selected run
    void deleteSelected();                              // asks first; refuses running runs

signals:
    void openModelRequested(qint64 id);                 // double-click, or Open model
    void resumeRequested(qint64 id);                    // a stopped or interrupted run
    void forkRequested(qint64 id);
    void evaluateRequested(qint64 id);
    void exportRequested(qint64 id);                    // Export… (ONNX, PyTorch, bundle)
    void inspectRequested(qint64 id);                   // the layers' recorded telemetry
    void evaluationViewsRequested(qint64 id);           // confusion matrix, per-class metrics, mistakes
    void predictRequested(qint64 id);                   // draw or drop an image, see the prediction
    void compareRequested(const QList<qint64>& ids);    // two or more
    void selectionChangedRuns(const QList<qint64>& ids);

private:
    struct ViewState {                                  // what a reload must not lose
        QList<qint64> selected;
        qint64 current = -1, top = -1;                  // the current run, the run at the top of the view
        bool atTop = true;
    };
    void createActions();
    void refresh();                                     // every run the first time, then those whose stamp moved
    ViewState viewState() const;
    void restore(const ViewState& state, bool reset);
    void selectionChanged();
    void updateActions();
    void updateCount();
    void updateTags();
    void updatePage();
    void fail(const QString& error);
    const neurite::RunRow* row(qint64 id) const;  // null when not listed
    void scheduleNextPoll();

    std::unique_ptr<neurite::RunStore> store_;
    QString path_, error_;
    bool readOnly_ = false;
    qint64 version_ = -1;                               // PRAGMA data_version at the last listing
    std::vector<neurite::RunStamp> stamps_;             // at the last listing, by id
    double lastReloadMs_ = 0;
    int pollInterval_ = 1000;
    bool reloading_ = false;
    QList<qint64> lastSelection_;
    RunsDockPrompts prompts_;

    RunsTableModel* model_;
    RunsFilterModel* filter_;
    QTableView* table_;
    QLineEdit* search_;
    QComboBox* statusCombo_;
    QComboBox* tagCombo_;
    QLabel* count_;
    QLabel* message_;
    QStackedLayout* pages_;                             // the table, or the message
    QTimer* poll_;
    QAction *open_, *resume_, *fork_, *evaluate_, *export_, *compare_, *tags_, *notes_, *delete_;
    QAction *inspect_, *evaluationViews_, *predict_;
};
