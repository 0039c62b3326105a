#include "datasets/DatasetCatalogue.h"

#include "datasets/CifarReader.h"
#include "datasets/CsvReader.h"
#include "datasets/IdxReader.h"
#include "datasets/ImageFolderReader.h"
#include "datasets/Synthetic.h"
#include "engine/core/Error.h"

#include <cstdlib>
#include <filesystem>

namespace neurite {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kFashionClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

std::vector<std::string> fashionLocations()
{
    std::vector<std::string> places;
    if (const char* dir = std::getenv("NEURITE_FASHION_MNIST"))
        places.push_back(dir);
    places.push_back("/usr/share/datasets/fashion-mnist");  // Debian's dataset-fashion-mnist
    return places;
}

// "name" or "name.gz", whichever exists in dir.
std::string idxFile(const fs::path& dir, const std::string& name)
{
    for (const auto& candidate : {name, name + ".gz"})
        if (fs::exists(dir / candidate))
            return (dir / candidate).string();
    return {};
}

bool hasIdx(const fs::path& dir) { return !idxFile(dir, "train-images-idx3-ubyte").empty(); }

DataBundle loadIdxFolder(const fs::path& dir, const std::string& name)
{
    DataBundle b;
    const auto labels = idxFile(dir, "train-labels-idx1-ubyte");
    if (labels.empty())
        throw DataError((dir / "train-labels-idx1-ubyte.gz").string(), "missing: the training labels of " + name);
    b.train = readIdx(idxFile(dir, "train-images-idx3-ubyte"), labels);
    b.train.name = name + "/train";
    const auto testImages = idxFile(dir, "t10k-images-idx3-ubyte"), testLabels = idxFile(dir, "t10k-labels-idx1-ubyte");
    if (!testImages.empty() && !testLabels.empty()) {
        b.test = readIdx(testImages, testLabels);
        b.test.name = name + "/test";
    }
    b.description = name + " from " + dir.string();
    return b;
}

void setNormalisation(DataBundle& b, std::vector<float> mean, std::vector<float> std)
{
    b.train.mean = b.test.mean = std::move(mean);
    b.train.std = b.test.std = std::move(std);
}

DataBundle loadSynthetic(const std::string& spec, std::uint64_t seed)
{
    SyntheticConfig c;
    c.seed = seed;
    const auto colon = spec.find(':');
    c.kind = spec.substr(0, colon);
    if (colon != std::string::npos) {
        std::string options = spec.substr(colon + 1);
        std::size_t at = 0;
        while (at < options.size()) {
            auto comma = options.find(',', at);
            if (comma == std::string::npos)
                comma = options.size();
            const std::string item = options.substr(at, comma - at);
            const auto eq = item.find('=');
            if (eq == std::string::npos)
                throw ConfigError("data set option '" + item + "' is not of the form key=value");
            const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
            try {
                if (key == "samples") c.samples = std::stoll(value);
                else if (key == "noise") c.noise = std::stod(value);
                else if (key == "classes") c.classes = std::stoi(value);
                else throw ConfigError("unknown data set option '" + key + "' (samples, noise, classes)");
            } catch (const std::logic_error&) {
                throw ConfigError("data set option '" + key + "': '" + value + "' is not a number");
            }
            at = comma + 1;
        }
    }
    DataBundle b;
    b.train = makeSynthetic(c);
    b.train.name = c.kind + "/train";
    SyntheticConfig testConfig = c;
    testConfig.seed = seed + 7919;
    testConfig.samples = std::max<std::int64_t>(c.samples / 4, 2);
    b.test = makeSynthetic(testConfig);
    b.test.name = c.kind + "/test";
    b.description = "synthetic " + c.kind + " (" + std::to_string(c.samples) + " samples, noise " +
                    std::to_string(c.noise) + ")";
    return b;
}

bool isSynthetic(const std::string& spec)
{
    const std::string kind = spec.substr(0, spec.find(':'));
    return kind == "spiral" || kind == "circles" || kind == "xor" || kind == "blobs";
}

} // namespace

DataBundle loadDataset(const std::string& spec, std::uint64_t seed)
{
    if (spec == "fashion-mnist") {
        for (const auto& place : fashionLocations())
            if (hasIdx(place)) {
                DataBundle b = loadIdxFolder(place, "fashion-mnist");
                b.train.classNames = b.test.classNames = kFashionClasses;
                setNormalisation(b, {0.2860f}, {0.3530f});
                return b;
            }
        throw ConfigError("fashion-mnist not found in /usr/share/datasets/fashion-mnist; install the Debian package "
                          "dataset-fashion-mnist (installer/setup.sh does) or set NEURITE_FASHION_MNIST");
    }
    if (isSynthetic(spec))
        return loadSynthetic(spec, seed);

    const fs::path path(spec);
    if (!fs::exists(path))
        throw ConfigError("unknown data set '" + spec + "': not a known name (" +
                          "fashion-mnist, spiral, circles, xor, blobs) and no such file or folder");
    if (fs::is_regular_file(path)) {
        if (path.extension() != ".csv")
            throw DataError(spec, "unknown data file type; expected a .csv file or a folder");
        DataBundle b;
        b.train = readCsv(spec);
        b.train.name = path.stem().string();
        b.description = "CSV " + spec;
        return b;
    }
    if (hasIdx(path)) {
        DataBundle b = loadIdxFolder(path, path.filename().string());
        setNormalisation(b, {0.5f}, {0.5f});
        b.train.computeNormalisation();
        b.test.mean = b.train.mean;
        b.test.std = b.train.std;
        return b;
    }
    if (fs::exists(path / "data_batch_1.bin")) {
        std::vector<std::string> train;
        for (int i = 1; i <= 5; ++i)
            if (fs::exists(path / ("data_batch_" + std::to_string(i) + ".bin")))
                train.push_back((path / ("data_batch_" + std::to_string(i) + ".bin")).string());
        DataBundle b;
        b.train = readCifar10(train);
        b.train.name = "cifar-10/train";
        if (fs::exists(path / "test_batch.bin")) {
            b.test = readCifar10({(path / "test_batch.bin").string()});
            b.test.name = "cifar-10/test";
        }
        setNormalisation(b, {0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f});
        b.description = "CIFAR-10 from " + spec;
        return b;
    }
    DataBundle b;
    const bool split = fs::is_directory(path / "train");
    b.train = readImageFolder(split ? (path / "train").string() : spec);
    b.train.name = path.filename().string() + "/train";
    if (split && fs::is_directory(path / "test")) {
        b.test = readImageFolder((path / "test").string());
        b.test.name = path.filename().string() + "/test";
        b.test.mean = b.train.mean;
        b.test.std = b.train.std;
    }
    b.description = "image folder " + spec;
    return b;
}

std::vector<CatalogueEntry> knownDatasets()
{
    std::vector<CatalogueEntry> out;
    CatalogueEntry fashion{"fashion-mnist", "70,000 28×28 grey images of clothes in 10 classes", "", false};
    for (const auto& place : fashionLocations())
        if (hasIdx(place)) {
            fashion.location = place;
            fashion.available = true;
            break;
        }
    if (!fashion.available)
        fashion.location = "not installed (Debian package dataset-fashion-mnist)";
    out.push_back(fashion);
    out.push_back({"spiral", "2-D points on interleaved spiral arms (synthetic)", "made on the spot", true});
    out.push_back({"circles", "2-D points on two concentric circles (synthetic)", "made on the spot", true});
    out.push_back({"xor", "2-D points labelled by quadrant parity (synthetic)", "made on the spot", true});
    out.push_back({"blobs", "2-D Gaussian blobs, one per class (synthetic)", "made on the spot", true});
    return out;
}

} // namespace neurite
