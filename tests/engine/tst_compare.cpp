// Comparing runs (engine/compare): differing settings of nested JSON, number display, model diff,
// seed groups and their mean/min/max band, best values, and the metrics CSV read back from a real
// run store.
#include "engine/compare/BestValue.h"
#include "engine/compare/MetricBand.h"
#include "engine/compare/MetricsCsv.h"
#include "engine/compare/ModelDiff.h"
#include "engine/compare/SeedGroups.h"
#include "engine/compare/SettingsDiff.h"
#include "engine/compare/ValueText.h"
#include "engine/core/Error.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

using namespace neurite;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

using Values = std::vector<std::optional<std::string>>;

// An RFC 4180 reader, written apart from the writer so the round trip checks both.
std::vector<std::vector<std::string>> parseCsv(const std::string& text)
{
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
                field += text[++i];
            else if (c == '"')
                quoted = false;
            else
                field += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
        } else if (c == '\n') {
            row.push_back(std::move(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
        } else {
            field += c;
        }
    }
    if (!field.empty() || !row.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

ModelGraph smallModel()
{
    ModelGraph g;
    g.name = "mlp";
    g.add("input", "Input", {{"shape", {1, 28, 28}}});
    g.add("flatten", "Flatten");
    g.add("fc1", "Linear", {{"out_features", 256}});
    g.add("act", "ReLU");
    g.add("fc2", "Linear", {{"out_features", 10}});
    g.connect("input", "flatten");
    g.connect("flatten", "fc1");
    g.connect("fc1", "act");
    g.connect("act", "fc2");
    return g;
}

MetricPoint at(std::int64_t step, double value)
{
    return MetricPoint{step, 0, 0, 0, value};
}

} // namespace

class TestCompare : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    std::string path(const std::string& name) const { return (fs::path(dir.path().toStdString()) / name).string(); }

private slots:
    void numbersReadShortAndExact()
    {
        QCOMPARE(numberText(0.001), std::string("0.001"));
        QCOMPARE(numberText(0.1 + 0.2), std::string("0.30000000000000004"));
        QCOMPARE(numberText(1e-5), std::string("1e-05"));
        QCOMPARE(numberText(3.0), std::string("3"));
        QCOMPARE(numberText(100000.0), std::string("100000"));
        QCOMPARE(numberText(-2.5), std::string("-2.5"));
        QCOMPARE(numberText(1e300), std::string("1e+300"));
        QCOMPARE(numberText(std::numeric_limits<double>::quiet_NaN()), std::string("nan"));
        QCOMPARE(numberText(-std::numeric_limits<double>::infinity()), std::string("-inf"));
        for (const double v : {1.0 / 3, 2.0 / 3 * 1e-7, 123456.789e10, 5e-324, 1.7976931348623157e308})
            QCOMPARE(std::strtod(numberText(v).c_str(), nullptr), v);

        QCOMPARE(valueText(json("adam")), std::string("adam"));
        QCOMPARE(valueText(json(128)), std::string("128"));
        QCOMPARE(valueText(json(std::uint64_t(18446744073709551615ull))), std::string("18446744073709551615"));
        QCOMPARE(valueText(json(0.001)), std::string("0.001"));
        QCOMPARE(valueText(json(true)), std::string("true"));
        QCOMPARE(valueText(json(nullptr)), std::string("null"));
        QCOMPARE(valueText(json::parse(R"([1, 0.5, "a, b"])")), std::string(R"([1, 0.5, "a, b"])"));
        QCOMPARE(valueText(json::parse(R"({"kind": "step", "gamma": 0.1})")),
                 std::string(R"({"gamma": 0.1, "kind": "step"})"));
    }

    void flattenedSettingsUseDottedKeys()
    {
        const auto flat = flattenSettings(json::parse(
            R"({"train": {"optimizer": {"lr": 0.001, "betas": [0.9, 0.999]}, "seed": 1, "extra": {}}, "batch": 64})"));
        QCOMPARE(flat.size(), std::size_t(5));
        QCOMPARE(flat.at("train.optimizer.lr"), json(0.001));
        QCOMPARE(flat.at("train.optimizer.betas"), json::parse("[0.9, 0.999]"));
        QCOMPARE(flat.at("train.extra"), json::object());
        QCOMPARE(flat.at("batch"), json(64));
        const auto ignored =
            flattenSettings(json::parse(R"({"train": {"seed": 1, "seeds": 2}, "seed": 3})"), {"train.seed", "seed"});
        QCOMPARE(ignored.size(), std::size_t(1));
        QVERIFY(ignored.count("train.seeds"));
        QVERIFY(flattenSettings(json::parse(R"({"train": {"a": 1}})"), {"train"}).empty());
        QVERIFY(flattenSettings(json()).empty());
        QVERIFY(flattenSettings(json::object()).empty());
    }

    void onlyDifferingSettingsAreListed()
    {
        const std::vector<json> runs = {
            json::parse(R"({"train": {"optimizer": {"lr": 0.001, "kind": "adam"}, "epochs": 10}, "seed": 1,
                           "shape": [1, 28, 28]})"),
            json::parse(R"({"train": {"optimizer": {"lr": 0.01, "kind": "adam"}, "epochs": 10.0}, "seed": 2,
                           "shape": [1, 28, 28], "augment": true})"),
            json::parse(R"({"train": {"optimizer": {"lr": 0.001, "kind": "adam"}, "epochs": 10}, "seed": 3,
                           "shape": [3, 28, 28]})"),
        };
        const auto d = differingSettings(runs);
        QCOMPARE(d.size(), std::size_t(4)); // epochs 10 == 10.0; kind the same
        QCOMPARE(d[0].key, std::string("augment"));
        QCOMPARE(d[0].values, (Values{std::nullopt, "true", std::nullopt}));
        QCOMPARE(d[1].key, std::string("seed"));
        QCOMPARE(d[1].values, (Values{"1", "2", "3"}));
        QCOMPARE(d[2].key, std::string("shape"));
        QCOMPARE(d[2].values, (Values{"[1, 28, 28]", "[1, 28, 28]", "[3, 28, 28]"}));
        QCOMPARE(d[3].key, std::string("train.optimizer.lr"));
        QCOMPARE(d[3].values, (Values{"0.001", "0.01", "0.001"}));

        const auto withoutSeed = differingSettings(runs, {"seed", "augment"});
        QCOMPARE(withoutSeed.size(), std::size_t(2));
        QCOMPARE(withoutSeed[0].key, std::string("shape"));

        // A string and a number that read alike are still different settings; a lone run has none.
        const auto typed = differingSettings({json{{"lr", "0.01"}}, json{{"lr", 0.01}}});
        QCOMPARE(typed.size(), std::size_t(1));
        QCOMPARE(typed[0].values, (Values{"0.01", "0.01"}));
        QVERIFY(differingSettings({runs[0]}).empty());
        QVERIFY(differingSettings({runs[0], runs[0]}).empty());
    }

    void modelDiffFindsEveryKindOfChange()
    {
        const ModelGraph a = smallModel();
        ModelGraph b = smallModel();
        b.find("fc1")->attrs["out_features"] = 512; // an attribute changed
        b.find("act")->type = "GELU";               // a type changed
        b.find("act")->x = 300;                     // moved: layout, not a change
        b.add("drop", "Dropout", {{"p", 0.25}});    // a node added ...
        b.edges.erase(b.edges.begin() + 3);         // ... and act → fc2 rewired through it
        b.connect("act", "drop");
        b.connect("drop", "fc2");
        b.nodes.erase(b.nodes.begin() + 1); // flatten removed, input → fc1 rewired
        b.edges.erase(b.edges.begin(), b.edges.begin() + 2);
        b.connect("input", "fc1");

        const ModelDiff d = diffModels(a, b);
        QCOMPARE(d.added.size(), std::size_t(1));
        QCOMPARE(d.added[0].id, std::string("drop"));
        QCOMPARE(d.removed.size(), std::size_t(1));
        QCOMPARE(d.removed[0].id, std::string("flatten"));
        QCOMPARE(d.changed.size(), std::size_t(2));
        QCOMPARE(d.changed[0].id, std::string("fc1"));
        QVERIFY(!d.changed[0].typeChanged());
        QCOMPARE(d.changed[0].attributes.size(), std::size_t(1));
        QCOMPARE(d.changed[0].attributes[0].name, std::string("out_features"));
        QCOMPARE(*d.changed[0].attributes[0].before, json(256));
        QCOMPARE(*d.changed[0].attributes[0].after, json(512));
        QCOMPARE(d.changed[1].id, std::string("act"));
        QVERIFY(d.changed[1].typeChanged());
        QVERIFY(d.changed[1].attributes.empty());
        QCOMPARE(d.edgesAdded, (std::vector<Edge>{{{"act", "out"}, {"drop", "in"}},
                                                  {{"drop", "out"}, {"fc2", "in"}},
                                                  {{"input", "out"}, {"fc1", "in"}}}));
        QCOMPARE(d.edgesRemoved, (std::vector<Edge>{{{"input", "out"}, {"flatten", "in"}},
                                                    {{"flatten", "out"}, {"fc1", "in"}},
                                                    {{"act", "out"}, {"fc2", "in"}}}));
        QCOMPARE(modelDiffText(d), std::string("+ drop (Dropout {\"p\": 0.25})\n"
                                               "- flatten (Flatten)\n"
                                               "~ fc1: out_features 256 -> 512\n"
                                               "~ act: type ReLU -> GELU\n"
                                               "+ edge act.out -> drop.in\n"
                                               "+ edge drop.out -> fc2.in\n"
                                               "+ edge input.out -> fc1.in\n"
                                               "- edge input.out -> flatten.in\n"
                                               "- edge flatten.out -> fc1.in\n"
                                               "- edge act.out -> fc2.in\n"));

        QVERIFY(diffModels(a, a).empty());
        QCOMPARE(modelDiffText(diffModels(a, a)), std::string());
    }

    void attributeBackToDefaultShowsTheDefault()
    {
        ModelGraph a = smallModel();
        a.find("fc1")->attrs["bias"] = false;
        const ModelDiff d = diffModels(a, smallModel());
        QCOMPARE(d.changed.size(), std::size_t(1));
        QCOMPARE(d.changed[0].attributes.size(), std::size_t(1));
        QVERIFY(d.changed[0].attributes[0].before.has_value());
        QVERIFY(!d.changed[0].attributes[0].after.has_value());
        QCOMPARE(modelDiffText(d), std::string("~ fc1: bias false -> default (true)\n")); // the catalogue's
    }

    void runsThatDifferOnlyBySeedAreGrouped()
    {
        const json base = json::parse(R"({"settings": {"lr": "0.01", "seed": "1"}, "epochs": 5})");
        std::vector<SeedRun> runs;
        for (int i = 0; i < 3; ++i) {
            json s = base;
            s["settings"]["seed"] = std::to_string(i + 1);
            runs.push_back({i + 1, s, std::uint64_t(i + 1), "hashA"});
        }
        json other = base;
        other["settings"]["lr"] = "0.1";
        runs.insert(runs.begin() + 1, SeedRun{10, other, 1, "hashA"});

        const auto groups = seedGroups(runs, {"settings.seed"});
        QCOMPARE(groups.size(), std::size_t(2));
        QCOMPARE(groups[0].runs, (std::vector<std::int64_t>{1, 2, 3}));
        QCOMPARE(groups[0].seeds, (std::vector<std::uint64_t>{1, 2, 3}));
        QCOMPARE(groups[1].runs, (std::vector<std::int64_t>{10}));

        // Without leaving the seed out every run stands alone; another model is another group.
        QCOMPARE(seedGroups(runs, {}).size(), std::size_t(4));
        runs[2].modelHash = "hashB";
        QCOMPARE(seedGroups(runs, {"settings.seed"}).size(), std::size_t(3));
    }

    void bandIsMeanMinMaxPerStep()
    {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const std::vector<std::vector<MetricPoint>> curves = {
            {at(0, 1.0), at(10, 4.0), at(20, 2.0)},
            {at(10, 2.0), at(0, 3.0), at(20, 8.0), at(20, 5.0)},  // unordered; step 20 recorded twice
            {at(0, 8.0), at(10, nan), at(20, 11.0), at(30, 7.5)}, // step 30 only in this run
        };
        const MetricBand band = metricBand(curves);
        QCOMPARE(band.xs, (std::vector<double>{0, 10, 20, 30}));
        QCOMPARE(band.count, (std::vector<int>{3, 2, 3, 1}));
        QCOMPARE(band.mean, (std::vector<double>{4.0, 3.0, 6.0, 7.5}));
        QCOMPARE(band.min, (std::vector<double>{1.0, 2.0, 2.0, 7.5}));
        QCOMPARE(band.max, (std::vector<double>{8.0, 4.0, 11.0, 7.5}));
        QVERIFY(metricBand({}).xs.empty());
        QVERIFY(metricBand({{at(5, nan)}}).xs.empty());
    }

    void bestValueFollowsTheDirection()
    {
        const double inf = std::numeric_limits<double>::infinity();
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const std::vector<MetricPoint> points = {at(1, 0.5), at(2, inf), at(3, 0.2), at(4, 0.9),
                                                 at(5, nan), at(6, 0.2), at(7, -inf)};
        QCOMPARE(*bestValue(points, false), 0.2);
        QCOMPARE(bestPoint(points, false)->step, std::int64_t(3)); // the earliest of a tie
        QCOMPARE(*bestValue(points, true), 0.9);
        QCOMPARE(bestPoint(points, true)->step, std::int64_t(4));
        QVERIFY(!bestValue({}, true));
        QVERIFY(!bestValue({at(1, nan)}, false));
    }

    void csvFieldsAreQuotedWhenNeeded()
    {
        QCOMPARE(csvField("plain"), std::string("plain"));
        QCOMPARE(csvField("a,b"), std::string("\"a,b\""));
        QCOMPARE(csvField("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
        QCOMPARE(csvField("two\nlines"), std::string("\"two\nlines\""));
        QCOMPARE(csvField(""), std::string(""));
    }

    void csvRoundTripsFromARealStore()
    {
        RunStore store(path("csv.db"));
        RunRecord r;
        r.modelJson = R"({"format": "neurite-model", "version": 2, "nodes": []})";
        r.name = "wide, \"lucky\" run";
        const auto a = store.createRun(r);
        r.name = "plain";
        const auto b = store.createRun(r);
        struct Row {
            std::int64_t run;
            std::string metric;
            MetricPoint p;
        };
        const std::vector<Row> points = {
            {a, "train/loss", {1, 1, 32, 0.125, 0.1 + 0.2}},
            {a, "train/loss", {2, 1, 64, 0.30000000000000004, 1.0 / 3}},
            {a, "val/accuracy", {2, 1, 64, 1e-9, 0.90625}},
            {b, "train/loss", {1, 1, 32, 12345.678901234567, 2.718281828459045e-20}},
            {b, "train/loss", {9007199254740993, 2, 1ll << 40, 7.0, -1e300}},
        };
        for (const auto& row : points)
            store.addMetric(row.run, row.metric, row.p);
        store.flush();

        const std::string file = path("metrics.csv");
        QCOMPARE(saveMetricsCsv(store, {a, b}, file), points.size());
        const std::string text = readFile(file);
        QCOMPARE(text, metricsCsv(store, {a, b}));
        QVERIFY(!fs::exists(file + ".partial"));

        const auto rows = parseCsv(text);
        QCOMPARE(rows.size(), points.size() + 1);
        QCOMPARE(rows[0],
                 (std::vector<std::string>{"run", "run_name", "metric", "step", "epoch", "samples", "time", "value"}));
        for (std::size_t i = 0; i < points.size(); ++i) {
            const auto& row = rows[i + 1];
            const auto& want = points[i];
            QCOMPARE(row.size(), std::size_t(8));
            QCOMPARE(std::stoll(row[0]), want.run);
            QCOMPARE(row[1], want.run == a ? std::string("wide, \"lucky\" run") : std::string("plain"));
            QCOMPARE(row[2], want.metric);
            QCOMPARE(std::stoll(row[3]), want.p.step);
            QCOMPARE(std::stoi(row[4]), want.p.epoch);
            QCOMPARE(std::stoll(row[5]), want.p.samples);
            QCOMPARE(std::strtod(row[6].c_str(), nullptr), want.p.time); // exactly, not approximately
            QCOMPARE(std::strtod(row[7].c_str(), nullptr), want.p.value);
        }
    }

    void unwritableCsvIsADataErrorNamingTheFile()
    {
        RunStore store(path("unwritable.db"));
        RunRecord r;
        r.modelJson = "{}";
        const auto id = store.createRun(r);
        const std::string file = path("no/such/folder/metrics.csv");
        try {
            saveMetricsCsv(store, {id}, file);
            QFAIL("no DataError");
        } catch (const DataError& e) {
            QCOMPARE(e.file(), file);
            QVERIFY(std::string(e.what()).find(file) != std::string::npos);
        }
        // A failure in the middle (an unknown run) leaves an older export as it was.
        const std::string kept = path("kept.csv");
        std::ofstream(kept) << "older export\n";
        QVERIFY_THROWS_EXCEPTION(StoreError, saveMetricsCsv(store, {id, 999}, kept));
        QCOMPARE(readFile(kept), std::string("older export\n"));
        QVERIFY(!fs::exists(kept + ".partial"));
    }
};

QTEST_APPLESS_MAIN(TestCompare)
#include "tst_compare.moc"
