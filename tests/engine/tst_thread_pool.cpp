// The engine's thread pool: every index of a loop runs exactly once, in chunks whose bounds depend
// only on the loop and the thread count (the engine's determinism), and a late thread's chunk is
// run by another thread instead of being waited for.
#include "engine/core/ThreadPool.h"

#include <QtTest>
#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

using namespace neurite;

class TestThreadPool : public QObject {
    Q_OBJECT
private slots:
    void everyIndexOnceInFixedChunks_data();
    void everyIndexOnceInFixedChunks();
    void aLateThreadsChunkIsNotWaitedFor();
    void manyShortLoops();
};

void TestThreadPool::everyIndexOnceInFixedChunks_data()
{
    QTest::addColumn<int>("threads");
    QTest::addColumn<qint64>("n");
    QTest::addColumn<qint64>("grain");
    QTest::newRow("2 threads, 1000") << 2 << qint64(1000) << qint64(1);
    QTest::newRow("3 threads, 7") << 3 << qint64(7) << qint64(1);
    QTest::newRow("4 threads, 3 (fewer indices than threads)") << 4 << qint64(3) << qint64(1);
    QTest::newRow("4 threads, 1000, grain 300 (3 chunks)") << 4 << qint64(1000) << qint64(300);
    QTest::newRow("2 threads, 1 index") << 2 << qint64(1) << qint64(1);
}

void TestThreadPool::everyIndexOnceInFixedChunks()
{
    QFETCH(int, threads);
    QFETCH(qint64, n);
    QFETCH(qint64, grain);
    ThreadPool pool(threads);
    QCOMPARE(pool.threads(), threads);
    // The chunks as the header promises them: min(threads, n / grain) equal parts, always the same.
    const qint64 chunks = std::min<qint64>(threads, std::max<qint64>(1, n / grain));
    std::set<std::pair<qint64, qint64>> expected;
    for (qint64 c = 0; c < chunks; ++c)
        expected.insert({n * c / chunks, n * (c + 1) / chunks});
    for (int repeat = 0; repeat < 200; ++repeat) {
        std::vector<int> hits(std::size_t(n), 0);
        std::mutex m;
        std::set<std::pair<qint64, qint64>> seen;
        pool.parallelFor(n, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i)
                ++hits[std::size_t(i)];   // disjoint chunks: no two threads touch one index
            std::lock_guard lock(m);
            seen.insert({begin, end});
        }, grain);
        QVERIFY2(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }),
                 qPrintable(QStringLiteral("repeat %1: an index ran %2 times").arg(repeat)
                                .arg(*std::max_element(hits.begin(), hits.end()))));
        QCOMPARE(seen, expected);
    }
}

// A worker that has gone to sleep (no work for a while) takes tens of microseconds to wake; the
// calling thread runs its own chunk in far less and then takes the sleeping worker's chunk too,
// rather than waiting for it. With chunks bound to threads (the pool's first design) the caller
// never ran a worker's chunk, so this count was 0.
void TestThreadPool::aLateThreadsChunkIsNotWaitedFor()
{
    ThreadPool pool(2);
    const auto caller = std::this_thread::get_id();
    int callerRanBoth = 0;
    const int loops = 200;
    for (int i = 0; i < loops; ++i) {
        std::this_thread::sleep_for(std::chrono::microseconds(300));   // the worker spins 50 µs, then sleeps
        std::atomic<int> onCaller{0};
        pool.parallelFor(2, [&](std::int64_t begin, std::int64_t end) {
            if (std::this_thread::get_id() == caller)
                onCaller += int(end - begin);
        });
        callerRanBoth += onCaller == 2;
    }
    qInfo("the caller ran both chunks in %d of %d loops that found the worker asleep", callerRanBoth, loops);
    QVERIFY(callerRanBoth > 0);
}

// Short loops back to back, of random sizes, on more threads than the machine may have: the
// chunk hand-over between jobs loses or repeats nothing.
void TestThreadPool::manyShortLoops()
{
    std::mt19937 random(7);
    for (int threads : {2, 3, 5}) {
        ThreadPool pool(threads);
        std::vector<std::atomic<int>> hits(512);
        for (int loop = 0; loop < 20000; ++loop) {
            const std::int64_t n = std::int64_t(random() % 512) + 1;
            pool.parallelFor(n, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i)
                    hits[std::size_t(i)].fetch_add(1, std::memory_order_relaxed);
            });
            for (std::int64_t i = 0; i < n; ++i)
                if (hits[std::size_t(i)].exchange(0, std::memory_order_relaxed) != 1)
                    QFAIL(qPrintable(QStringLiteral("%1 threads, loop %2: index %3 of %4 did not run exactly once")
                                         .arg(threads).arg(loop).arg(i).arg(n)));
        }
    }
}

QTEST_APPLESS_MAIN(TestThreadPool)
#include "tst_thread_pool.moc"
