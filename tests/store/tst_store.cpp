// The run store on real SQLite files: runs, metrics, checkpoints (hash, retention, export), schema
// versions, and every kind of bad workspace: not SQLite, truncated, newer, read-only, full.
#include "engine/tensorio/Safetensors.h"
#include "engine/store/RunStore.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace neurite;
namespace fs = std::filesystem;

namespace {

RunRecord sampleRun(const std::string& name)
{
    RunRecord r;
    r.name = name;
    r.modelJson = R"({"format": "neurite-model", "version": 2, "nodes": []})";
    r.dataset = "spiral";
    r.hyperparams = {{"settings", {{"lr", "0.01"}}}};
    r.seed = 7;
    return r;
}

Tensor filled(Shape shape, float start)
{
    Tensor t(std::move(shape));
    for (std::int64_t i = 0; i < t.numel(); ++i)
        t[i] = start + float(i);
    return t;
}

std::string integrity(const std::string& path)
{
    Database db(path, Database::Mode::ReadOnly);
    auto s = db.prepare("PRAGMA integrity_check");
    s.step();
    return s.text(0);
}

template <typename F>
std::string storeError(F f)
{
    try {
        f();
    } catch (const StoreError& e) {
        return e.what();
    } catch (const DataError& e) {
        return e.what();
    }
    return "(no error)";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

class TestStore : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    std::string at(const std::string& name) const { return (fs::path(dir.path().toStdString()) / name).string(); }

private slots:
    void runsTagsNotesAndDelete()
    {
        RunStore store(at("runs.db"));
        auto r = sampleRun("");
        r.tags = {"baseline"};
        const auto a = store.createRun(r);
        const auto b = store.createRun(sampleRun("second"));
        QCOMPARE(store.run(a).name, std::string("run 1"));
        QCOMPARE(store.run(a).status, std::string("queued"));
        store.startRun(a);
        QCOMPARE(store.run(a).status, std::string("running"));
        store.finishRun(a, "completed");
        QCOMPARE(store.run(a).status, std::string("completed"));
        QVERIFY(store.run(a).endedAt >= store.run(a).startedAt);
        store.setTags(b, {"x", "y"}, {});
        store.setTags(b, {}, {"x"});
        QCOMPARE(store.run(b).tags, std::vector<std::string>{"y"});
        store.setNotes(b, "try a smaller lr");
        QCOMPARE(store.run(b).notes, std::string("try a smaller lr"));
        QCOMPARE(store.listRuns({.tag = "baseline"}).size(), std::size_t(1));
        QCOMPARE(store.listRuns({.status = "completed"}).size(), std::size_t(1));
        QCOMPARE(store.run(a).modelHash, sha256Hex(sampleRun("").modelJson));
        QCOMPARE(store.listRuns({.modelHash = store.run(a).modelHash.substr(0, 8)}).size(), std::size_t(2));

        store.addMetric(b, "train/loss", {1, 1, 32, 0.1, 2.0});
        store.flush();
        store.saveCheckpoint(b, 1, 1, {}, {});
        store.deleteRun(b);
        QVERIFY(contains(storeError([&] { store.run(b); }), "no run 2"));
        auto left = store.database().prepare("SELECT (SELECT count(*) FROM metrics) + (SELECT count(*) FROM checkpoints)");
        left.step();
        QCOMPARE(left.integer(0), std::int64_t(0));  // metrics and checkpoints went with it
        QCOMPARE(integrity(at("runs.db")), std::string("ok"));
    }

    void metricsAreBatchedAndSorted()
    {
        RunStore store(at("metrics.db"));
        const auto a = store.createRun(sampleRun("a")), b = store.createRun(sampleRun("b"));
        for (int step = 1; step <= 100; ++step) {
            store.addMetric(a, "train/loss", {step, 1 + step / 50, step * 32, step * 0.01, 1.0 / step});
            store.addMetric(b, "train/loss", {step, 1, step * 32, step * 0.01, 2.0 / step});
        }
        {
            RunStore reader(at("metrics.db"));  // nothing is visible before the flush
            QCOMPARE(reader.metrics(a, "train/loss").size(), std::size_t(0));
        }
        store.flush();
        const auto points = store.metrics(a, "train/loss");
        QCOMPARE(points.size(), std::size_t(100));
        QCOMPARE(points.back().step, std::int64_t(100));
        QCOMPARE(points.back().value, 0.01);
        const auto runs = store.listRuns({.sortMetric = "train/loss", .ascending = true});
        QCOMPARE(runs[0].run.id, a);  // the lower final loss first
        QCOMPARE(runs[0].finalMetrics.at("train/loss"), 0.01);
        store.deleteMetricsAfter(a, 60);
        QCOMPARE(store.metrics(a, "train/loss").size(), std::size_t(60));
        QCOMPARE(store.listRuns({})[0].finalMetrics.at("train/loss"), 1.0 / 60);
    }

    void checkpointRoundTripRetentionAndExport()
    {
        RunStore store(at("ckpt.db"));
        const auto run = store.createRun(sampleRun("c"));
        const Tensor w = filled({3, 4}, 1), b = filled({4}, 100);
        std::vector<CheckpointInfo> saved;
        for (int epoch = 1; epoch <= 5; ++epoch)
            saved.push_back(store.saveCheckpoint(run, epoch * 10, epoch, {{"model/w", &w}, {"model/b", &b}},
                                                 {{"trainer_state", "{}"}}, "val/loss", epoch == 2 ? 0.1 : 1.0 + epoch));
        std::map<std::string, std::string> metadata;
        const auto back = store.loadCheckpoint(saved[4].id, &metadata);
        QCOMPARE(metadata.at("trainer_state"), std::string("{}"));
        QVERIFY(std::equal(w.data(), w.data() + w.numel(), back.at("model/w").data()));
        QVERIFY(std::equal(b.data(), b.data() + b.numel(), back.at("model/b").data()));
        QCOMPARE(back.at("model/w").shape(), (Shape{3, 4}));

        store.applyRetention(run, 2);  // the last two and the best (epoch 2)
        std::vector<int> epochs;
        for (const auto& c : store.checkpoints(run))
            epochs.push_back(c.epoch);
        QCOMPARE(epochs, (std::vector<int>{2, 4, 5}));

        const auto other = store.createRun(sampleRun("accuracy"));
        for (int epoch = 1; epoch <= 4; ++epoch)
            store.saveCheckpoint(other, epoch, epoch, {{"model/w", &w}}, {}, "val/accuracy", epoch == 1 ? 0.9 : 0.5);
        store.applyRetention(other, 1, true);  // the last, and the most accurate (epoch 1)
        QCOMPARE(store.checkpoints(other).size(), std::size_t(2));
        QCOMPARE(store.checkpoints(other).front().epoch, 1);

        store.exportCheckpoint(saved[4].id, at("out.safetensors"));  // a plain file other tools read
        const auto file = readSafetensors(at("out.safetensors"));
        QVERIFY(std::equal(w.data(), w.data() + w.numel(), file.at("model/w").data()));
    }

    void corruptCheckpointIsRefused()
    {
        RunStore store(at("corrupt.db"));
        const auto run = store.createRun(sampleRun("c"));
        const Tensor w = filled({64}, 0);
        const auto c = store.saveCheckpoint(run, 1, 1, {{"model/w", &w}}, {});
        // Flip one byte of the tensor data, keeping the length.
        store.database().exec("UPDATE checkpoints SET data = substr(data, 1, bytes - 9) || X'FF' || substr(data, bytes - 7)");
        const std::string message = storeError([&] { store.loadCheckpoint(c.id); });
        QVERIFY2(contains(message, "checkpoint 1 of run 1: SHA-256 mismatch"), message.c_str());
        QVERIFY(contains(storeError([&] { store.exportCheckpoint(c.id, at("never.safetensors")); }), "SHA-256 mismatch"));
        QVERIFY(!fs::exists(at("never.safetensors")));
    }

    void notSqliteIsRefusedAndKept()
    {
        std::ofstream(at("notes.txt")) << "these are my notes, not a database\n" << std::string(2000, 'x');
        const auto before = fs::file_size(at("notes.txt"));
        const std::string message = storeError([&] { RunStore store(at("notes.txt")); });
        QVERIFY2(contains(message, "not a Neurite workspace"), message.c_str());
        QCOMPARE(fs::file_size(at("notes.txt")), before);
    }

    void otherSqliteDatabaseIsRefused()
    {
        {
            Database other(at("other.db"));
            other.exec("CREATE TABLE songs (title TEXT)");
        }
        QVERIFY(contains(storeError([&] { RunStore store(at("other.db")); }), "an SQLite database that is not a Neurite workspace"));
    }

    void newerSchemaIsRefusedAndUntouched()
    {
        {
            RunStore store(at("new.db"));
            store.createRun(sampleRun("from the future"));
            store.database().exec("PRAGMA user_version = 99");
        }
        const auto bytes = [&] {
            std::ifstream in(at("new.db"), std::ios::binary);
            return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        };
        const std::string before = bytes();
        const std::string message = storeError([&] { RunStore store(at("new.db")); });
        QVERIFY2(contains(message, "written by a newer Neurite (schema 99"), message.c_str());
        QCOMPARE(bytes(), before);
    }

    void truncatedWorkspaceIsAClearError()
    {
        {
            RunStore store(at("cut.db"));
            for (int i = 0; i < 50; ++i)
                store.createRun(sampleRun("run"));
            store.database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        fs::resize_file(at("cut.db"), fs::file_size(at("cut.db")) / 2);
        const std::string message = storeError([&] {
            RunStore store(at("cut.db"));
            store.listRuns();
        });
        QVERIFY2(contains(message, at("cut.db")) && (contains(message, "malformed") || contains(message, "not a Neurite")),
                 message.c_str());
    }

    void readOnlyWorkspaceReadsButDoesNotWrite()
    {
        {
            RunStore store(at("ro.db"));
            store.createRun(sampleRun("kept"));
        }
        RunStore store(at("ro.db"), true);
        QCOMPARE(store.listRuns().size(), std::size_t(1));
        const std::string message = storeError([&] { store.createRun(sampleRun("new")); });
        QVERIFY2(contains(message, "readonly") || contains(message, "read-only"), message.c_str());
        QCOMPARE(store.listRuns().size(), std::size_t(1));
    }

    void fullDiskLosesNothing()
    {
        RunStore store(at("full.db"));
        const auto run = store.createRun(sampleRun("small disk"));
        store.addMetric(run, "train/loss", {1, 1, 1, 0, 0.5});
        store.flush();
        // A disk that is full: SQLite may not grow the file past its current size plus a little.
        auto pages = store.database().prepare("PRAGMA page_count");
        pages.step();
        store.database().exec("PRAGMA max_page_count = " + std::to_string(pages.integer(0) + 2));
        const Tensor big = filled({1 << 18}, 0);  // 1 MiB
        const std::string message = storeError([&] { store.saveCheckpoint(run, 2, 1, {{"model/w", &big}}, {}); });
        QVERIFY2(contains(message, "full"), message.c_str());
        QCOMPARE(store.checkpoints(run).size(), std::size_t(0));  // not half there: not there
        QCOMPARE(store.metrics(run, "train/loss").size(), std::size_t(1));
        QCOMPARE(integrity(at("full.db")), std::string("ok"));
    }

    void deadProcessRunIsInterrupted()
    {
        const std::string path = at("dead.db");
        const pid_t child = fork();
        if (child == 0) {  // a trainer that dies without a word
            {
                RunStore store(path);
                store.startRun(store.createRun(sampleRun("doomed")));
            }
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        RunStore store(path);
        const RunRecord r = store.run(1);
        QCOMPARE(r.status, std::string("interrupted"));
        QVERIFY2(contains(r.message, "ended without finishing it; resume it with neurite train --resume 1"), r.message.c_str());
    }

    void ownRunningRunIsNotInterrupted()
    {
        RunStore store(at("alive.db"));
        const auto id = store.createRun(sampleRun("alive"));
        store.startRun(id);
        RunStore reader(at("alive.db"));  // another connection of this (living) process
        QCOMPARE(reader.run(id).status, std::string("running"));
    }
};

QTEST_APPLESS_MAIN(TestStore)
#include "tst_store.moc"
