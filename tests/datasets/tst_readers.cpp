// Data-set readers on files this test writes (good ones and every kind of bad one), the real
// Fashion-MNIST of Debian's dataset-fashion-mnist, and the batcher.
#include "datasets/Batcher.h"
#include "datasets/CifarReader.h"
#include "datasets/CsvReader.h"
#include "datasets/DatasetCatalogue.h"
#include "datasets/IdxReader.h"
#include "datasets/ImageFolderReader.h"
#include "datasets/Synthetic.h"
#include "engine/core/Error.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>
#include <zlib.h>

using namespace neurite;
namespace fs = std::filesystem;

namespace {

void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void writeGz(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), unsigned(bytes.size()));
    gzclose(f);
}

void put32(std::vector<std::uint8_t>& v, std::uint32_t x)
{
    for (int s = 24; s >= 0; s -= 8)
        v.push_back(std::uint8_t(x >> s));
}

// An IDX image file of n 3×2 images whose pixels count up, and its labels (i % 10).
std::vector<std::uint8_t> idxImages(std::uint32_t n)
{
    std::vector<std::uint8_t> v;
    put32(v, 0x00000803);
    put32(v, n);
    put32(v, 3);
    put32(v, 2);
    for (std::uint32_t i = 0; i < n * 6; ++i)
        v.push_back(std::uint8_t(i));
    return v;
}

std::vector<std::uint8_t> idxLabels(std::uint32_t n)
{
    std::vector<std::uint8_t> v;
    put32(v, 0x00000801);
    put32(v, n);
    for (std::uint32_t i = 0; i < n; ++i)
        v.push_back(std::uint8_t(i % 10));
    return v;
}

// Runs f, expects a DataError whose message contains every part.
template <typename F>
void expectDataError(F f, std::initializer_list<std::string> parts)
{
    try {
        f();
    } catch (const DataError& e) {
        for (const auto& part : parts)
            QVERIFY2(std::string(e.what()).find(part) != std::string::npos, (std::string(e.what()) + "\n  lacks: " + part).c_str());
        return;
    }
    QFAIL("no DataError");
}

} // namespace

class TestReaders : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    std::string at(const std::string& name) const { return (fs::path(dir.path().toStdString()) / name).string(); }

private slots:
    void idxPlainAndGzip()
    {
        writeBytes(at("img"), idxImages(5));
        writeGz(at("lab.gz"), idxLabels(5));
        const Dataset d = readIdx(at("img"), at("lab.gz"));
        QCOMPARE(d.size(), std::int64_t(5));
        QCOMPARE(d.sampleShape, (Shape{1, 3, 2}));
        QCOMPARE(int(d.bytes[6]), 6);
        QCOMPARE(d.labels[4], 4);
    }

    void idxErrors()
    {
        writeGz(at("lab5.gz"), idxLabels(5));
        auto wrongMagic = idxImages(5);
        wrongMagic[2] = 0x09;
        writeBytes(at("magic"), wrongMagic);
        expectDataError([&] { readIdx(at("magic"), at("lab5.gz")); }, {at("magic"), "at byte 0", "not an IDX file of unsigned bytes"});

        auto truncated = idxImages(5);
        truncated.resize(truncated.size() - 7);
        writeBytes(at("short"), truncated);
        expectDataError([&] { readIdx(at("short"), at("lab5.gz")); }, {at("short"), "at byte 39", "truncated: the header promises 30 data bytes from byte 16"});

        writeBytes(at("img4"), idxImages(4));
        expectDataError([&] { readIdx(at("img4"), at("lab5.gz")); }, {at("lab5.gz"), "5 labels for 4 images"});

        auto badLabel = idxLabels(5);
        badLabel.back() = 12;
        writeBytes(at("badlab"), badLabel);
        writeBytes(at("img5"), idxImages(5));
        expectDataError([&] { readIdx(at("img5"), at("badlab")); }, {"at byte 12", "label 12 is not a class"});

        writeBytes(at("tiny"), {0, 0});
        expectDataError([&] { readIdx(at("tiny"), at("lab5.gz")); }, {"at byte 2", "inside the 4-byte IDX magic"});

        expectDataError([&] { readIdx(at("missing"), at("lab5.gz")); }, {at("missing"), "cannot open"});
    }

    void truncatedGzip()
    {
        // Compress a large image file, then cut the compressed stream in half.
        writeGz(at("big.gz"), idxImages(4000));
        std::ifstream in(at("big.gz"), std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        bytes.resize(bytes.size() / 2);
        std::ofstream(at("cut.gz"), std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
        writeGz(at("lab4000.gz"), idxLabels(4000));
        expectDataError([&] { readIdx(at("cut.gz"), at("lab4000.gz")); }, {at("cut.gz"), "at byte"});
    }

    void cifar()
    {
        std::vector<std::uint8_t> batch;
        for (int r = 0; r < 3; ++r) {
            batch.push_back(std::uint8_t(r + 7));
            batch.insert(batch.end(), 3072, std::uint8_t(r));
        }
        const auto folder = at("cifar");
        fs::create_directories(folder);
        writeBytes(folder + "/data_batch_1.bin", batch);
        std::ofstream(folder + "/batches.meta.txt") << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
        const Dataset d = readCifar10({folder + "/data_batch_1.bin"});
        QCOMPARE(d.size(), std::int64_t(3));
        QCOMPARE(d.sampleShape, (Shape{3, 32, 32}));
        QCOMPARE(d.labels[2], 9);
        QCOMPARE(d.classNames[9], std::string("truck"));
        QCOMPARE(int(d.bytes[3072 * 2]), 2);

        auto partial = batch;
        partial.resize(partial.size() - 100);
        writeBytes(at("partial.bin"), partial);
        expectDataError([&] { readCifar10({at("partial.bin")}); }, {"at byte 6146", "2973 byte(s) are left over"});
        batch[3073] = 10;
        writeBytes(at("label.bin"), batch);
        expectDataError([&] { readCifar10({at("label.bin")}); }, {"at byte 3073", "label 10 is not a CIFAR-10 class"});
    }

    void csv()
    {
        std::ofstream(at("iris.csv")) << "sepal,petal,species\n1.0,2.0,setosa\n1.5,2.5,virginica\n\n3,4e0,setosa\n";
        const Dataset d = readCsv(at("iris.csv"));
        QCOMPARE(d.size(), std::int64_t(3));
        QCOMPARE(d.sampleShape, (Shape{2}));
        QCOMPARE(d.classNames, (std::vector<std::string>{"setosa", "virginica"}));
        QCOMPARE(d.labels, (std::vector<std::int32_t>{0, 1, 0}));
        QCOMPARE(d.features[5], 4.0f);

        std::ofstream(at("numbers.csv")) << "label,x\n2,0.5\n0,1.5\n";
        const Dataset n = readCsv(at("numbers.csv"), "label");
        QCOMPARE(n.classes(), 3);
        QCOMPARE(n.labels[0], 2);

        std::ofstream(at("short.csv")) << "a,b,label\n1,2,x\n1,y\n";
        expectDataError([&] { readCsv(at("short.csv")); }, {at("short.csv") + ":3", "row has 2 columns but the header has 3"});
        std::ofstream(at("text.csv")) << "a,b,label\n1,2,x\n1,two,y\n";
        expectDataError([&] { readCsv(at("text.csv")); }, {":3", "column 'b': 'two' is not a number"});
        std::ofstream(at("nolabel.csv")) << "a,b\n1,2\n";
        expectDataError([&] { readCsv(at("nolabel.csv"), "class"); }, {":1", "no column named 'class'"});
        std::ofstream(at("empty.csv")) << "";
        expectDataError([&] { readCsv(at("empty.csv")); }, {"the file is empty"});
    }

    void imageFolder()
    {
        const auto root = at("images");
        for (const char* cls : {"cat", "dog"}) {
            fs::create_directories(root + "/" + cls);
            for (int i = 0; i < 2; ++i) {
                std::vector<std::uint8_t> rgb(4 * 3 * 3, std::uint8_t(cls[0] == 'c' ? 10 * i : 200));
                rgb[0] = 255;  // red of the first pixel
                const std::string name = root + "/" + cls + "/" + std::to_string(i);
                if (i == 0)
                    stbi_write_png((name + ".png").c_str(), 4, 3, 3, rgb.data(), 12);
                else
                    stbi_write_bmp((name + ".bmp").c_str(), 4, 3, 3, rgb.data());
            }
        }
        const Dataset d = readImageFolder(root);
        QCOMPARE(d.size(), std::int64_t(4));
        QCOMPARE(d.sampleShape, (Shape{3, 3, 4}));
        QCOMPARE(d.classNames, (std::vector<std::string>{"cat", "dog"}));
        QCOMPARE(d.labels, (std::vector<std::int32_t>{0, 0, 1, 1}));
        QCOMPARE(int(d.bytes[0]), 255);           // channel 0, pixel 0 (CHW)
        QCOMPARE(int(d.bytes[12]), 0);            // channel 1, pixel 0 of cat/0.png

        std::ofstream(root + "/dog/broken.png") << "not a png";
        expectDataError([&] { readImageFolder(root); }, {"broken.png", "cannot decode the image"});
        fs::remove(root + "/dog/broken.png");
        std::vector<std::uint8_t> big(5 * 5 * 3, 1);
        stbi_write_png((root + "/dog/big.png").c_str(), 5, 5, 3, big.data(), 15);
        expectDataError([&] { readImageFolder(root); }, {"big.png", "image is 5×5 but the first image is 4×3"});
    }

    void synthetic()
    {
        for (const char* kind : {"spiral", "circles", "xor", "blobs"}) {
            const Dataset d = makeSynthetic({kind, 101, 0.1, 4, 1});
            QCOMPARE(d.size(), std::int64_t(101));
            QCOMPARE(d.sampleShape, (Shape{2}));
            QCOMPARE(makeSynthetic({kind, 101, 0.1, 4, 1}).features, d.features);  // seeded
        }
        QVERIFY_THROWS_EXCEPTION(ConfigError, makeSynthetic({"moons", 10, 0.1, 2, 1}));
        const auto bundle = loadDataset("blobs:samples=40,classes=5,noise=0.2");
        QCOMPARE(bundle.train.size(), std::int64_t(40));
        QCOMPARE(bundle.train.classes(), 5);
        QVERIFY_THROWS_EXCEPTION(ConfigError, loadDataset("spiral:samples=lots"));
        QVERIFY_THROWS_EXCEPTION(ConfigError, loadDataset("no-such-set"));
    }

    void fashionMnistFromDebian()
    {
        const DataBundle b = loadDataset("fashion-mnist");
        QCOMPARE(b.train.size(), std::int64_t(60000));
        QCOMPARE(b.test.size(), std::int64_t(10000));
        QCOMPARE(b.train.sampleShape, (Shape{1, 28, 28}));
        QCOMPARE(b.train.classNames[9], std::string("Ankle boot"));
        QCOMPARE(b.train.bytes.size(), std::size_t(60000 * 784));  // bytes, not floats
        std::vector<int> counts(10);
        for (auto l : b.test.labels)
            ++counts[std::size_t(l)];
        for (int c : counts)
            QCOMPARE(c, 1000);
    }

    void batcherCoversEverySampleOncePerEpoch()
    {
        const Dataset d = makeSynthetic({"blobs", 103, 0.1, 3, 1});
        Batcher b(d, allIndices(d.size()), 10, true, {}, 5);
        std::vector<float> x(20);
        std::vector<std::int32_t> labels(10);
        std::vector<std::vector<float>> firstEpoch;
        for (int epoch = 1; epoch <= 2; ++epoch) {
            b.startEpoch(epoch);
            std::multiset<float> seen;
            std::int64_t total = 0, n;
            while ((n = b.next(x.data(), labels.data(), 10)) > 0) {
                total += n;
                for (std::int64_t i = 0; i < n; ++i)
                    seen.insert(x[std::size_t(2 * i)]);
                if (epoch == 1)
                    firstEpoch.emplace_back(x.begin(), x.begin() + 2 * n);
            }
            QCOMPARE(total, std::int64_t(103));
            std::multiset<float> all;
            for (std::int64_t i = 0; i < d.size(); ++i)
                all.insert(d.features[std::size_t(2 * i)]);
            QVERIFY(seen == all);
        }
        // The same seed gives the same order.
        Batcher again(d, allIndices(d.size()), 10, true, {}, 5);
        again.startEpoch(1);
        again.next(x.data(), labels.data(), 10);
        QCOMPARE(std::vector<float>(x.begin(), x.end()), firstEpoch[0]);
    }

    // A backend that holds the set asks for sample ids: the same epoch order as the values, the
    // same floats through the byte table; none while augmenting (that is done batch by batch).
    void batcherServesIdsInTheSameOrder()
    {
        const Dataset d = makeSynthetic({"blobs", 53, 0.1, 3, 1});
        Batcher values(d, allIndices(d.size()), 8, true, {}, 9), ids(d, allIndices(d.size()), 8, true, {}, 9);
        QVERIFY(ids.samples() && ids.samples()->features == d.features.data() && !ids.samples()->bytes);
        std::vector<float> x(16);
        std::vector<std::int32_t> labels(8), batchIds(8);
        values.startEpoch(2);
        ids.startIdEpoch(2);
        std::int64_t total = 0;
        while (const std::int64_t n = values.next(x.data(), labels.data(), 8)) {
            QCOMPARE(ids.nextIds(batchIds.data(), 8), n);
            for (std::int64_t i = 0; i < n; ++i) {
                const auto id = std::size_t(batchIds[std::size_t(i)]);
                QCOMPARE(labels[std::size_t(i)], d.labels[id]);
                QCOMPARE(x[std::size_t(2 * i)], (d.features[2 * id] - d.mean[0]) / d.std[0]);
            }
            total += n;
        }
        QCOMPARE(ids.nextIds(batchIds.data(), 8), std::int64_t(0));
        QCOMPARE(total, std::int64_t(53));

        Dataset image;
        image.sampleShape = Shape{2, 1, 2};
        image.bytes = {0, 255, 51, 102};
        image.labels = {0};
        image.classNames = {"only"};
        image.mean = {0.5f, 0.0f};
        image.std = {0.5f, 2.0f};
        Batcher plain(image, {0}, 1, false, {}, 1);
        const HostSamples* held = plain.samples();
        QVERIFY(held && held->bytes == image.bytes.data() && held->channels == 2 && held->plane == 2);
        plain.startEpoch(0);
        std::vector<float> pixels(4);
        plain.next(pixels.data(), labels.data(), 1);
        for (std::size_t i = 0; i < 4; ++i)   // x = (v / 255 − mean) / std, from the table
            QCOMPARE(pixels[i], held->byteValues[(i / 2) * 256 + image.bytes[i]]);
        QCOMPARE(pixels[1], 1.0f);
        QVERIFY(std::abs(pixels[3] - 0.2f) < 1e-6f);
        QVERIFY(!Batcher(image, {0}, 1, false, {0, true}, 1).samples());
    }

    void augmentationFlipsAndPads()
    {
        Dataset d;
        d.sampleShape = Shape{1, 2, 3};
        d.bytes = {0, 51, 102, 153, 204, 255};
        d.labels = {0};
        d.classNames = {"only"};
        d.mean = {0};
        d.std = {1};
        std::vector<float> x(6);
        std::vector<std::int32_t> labels(1);
        bool sawFlip = false, sawPlain = false;
        Batcher b(d, {0}, 1, false, {0, true}, 3);
        for (int epoch = 0; epoch < 20; ++epoch) {
            b.startEpoch(epoch);
            b.next(x.data(), labels.data(), 1);
            const auto near = [](float a, float b) { return std::abs(a - b) < 1e-6f; };
            if (near(x[0], 0.4f) && near(x[2], 0.0f))
                sawFlip = true;
            else if (near(x[0], 0.0f) && near(x[2], 0.4f))
                sawPlain = true;
            else
                QFAIL("neither the image nor its mirror");
        }
        QVERIFY(sawFlip && sawPlain);
        QVERIFY_THROWS_EXCEPTION(ConfigError, Batcher(makeSynthetic({}), {0}, 1, false, {2, false}, 1));
    }

    void augmentationCropsWithPadding()
    {
        Dataset d;
        d.sampleShape = Shape{1, 3, 3};
        d.bytes = {10, 20, 30, 40, 50, 60, 70, 80, 90};
        d.labels = {0};
        d.classNames = {"only"};
        d.mean = {0};
        d.std = {1};
        std::vector<float> x(9);
        std::vector<std::int32_t> labels(1);
        Batcher b(d, {0}, 1, false, {1, false}, 4);
        int shifted = 0;
        for (int epoch = 0; epoch < 30; ++epoch) {
            b.startEpoch(epoch);
            b.next(x.data(), labels.data(), 1);
            // The crop is the image moved by (dy, dx) in [−1, 1]², padding reading 0: find the shift.
            bool explained = false;
            for (int dy = -1; dy <= 1 && !explained; ++dy)
                for (int dx = -1; dx <= 1 && !explained; ++dx) {
                    bool all = true;
                    for (int y = 0; y < 3; ++y)
                        for (int xx = 0; xx < 3; ++xx) {
                            const int sy = y + dy, sx = xx + dx;
                            const float want = sy >= 0 && sy < 3 && sx >= 0 && sx < 3 ? d.bytes[std::size_t(sy * 3 + sx)] / 255.0f : 0.0f;
                            all &= std::abs(x[std::size_t(y * 3 + xx)] - want) < 1e-6f;
                        }
                    if (all) {
                        explained = true;
                        shifted += dy != 0 || dx != 0;
                    }
                }
            QVERIFY2(explained, "the output is not a shifted crop of the padded image");
        }
        QVERIFY(shifted > 10);  // 8 of the 9 shifts move the image
    }

    void splitIsSeededAndDisjoint()
    {
        const Split a = splitIndices(1000, 0.2, 9), b = splitIndices(1000, 0.2, 9);
        QCOMPARE(a.validation, b.validation);
        QCOMPARE(a.validation.size(), std::size_t(200));
        std::set<std::int64_t> all(a.train.begin(), a.train.end());
        all.insert(a.validation.begin(), a.validation.end());
        QCOMPARE(all.size(), std::size_t(1000));
        QVERIFY_THROWS_EXCEPTION(ConfigError, splitIndices(10, 1.0, 1));
    }
};

QTEST_APPLESS_MAIN(TestReaders)
#include "tst_readers.moc"
