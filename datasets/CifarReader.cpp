#include "datasets/CifarReader.h"

#include "datasets/FileBytes.h"
#include "engine/core/Error.h"

#include <filesystem>
#include <fstream>

namespace neurite {

Dataset readCifar10(const std::vector<std::string>& batchFiles)
{
    constexpr std::size_t kPixels = 3 * 32 * 32, kRecord = 1 + kPixels;
    Dataset d;
    d.sampleShape = Shape{3, 32, 32};
    for (const auto& path : batchFiles) {
        const auto bytes = readFileBytes(path);
        if (bytes.empty() || bytes.size() % kRecord)
            throw DataError(path, DataError::Where::ByteOffset, bytes.size() / kRecord * kRecord,
                            "a CIFAR-10 batch is made of " + std::to_string(kRecord) + "-byte records, but " +
                                std::to_string(bytes.size() % kRecord) + " byte(s) are left over (truncated file?)");
        for (std::size_t at = 0; at < bytes.size(); at += kRecord) {
            if (bytes[at] > 9)
                throw DataError(path, DataError::Where::ByteOffset, at,
                                "label " + std::to_string(bytes[at]) + " is not a CIFAR-10 class (0..9)");
            d.labels.push_back(bytes[at]);
            d.bytes.insert(d.bytes.end(), bytes.begin() + std::ptrdiff_t(at + 1), bytes.begin() + std::ptrdiff_t(at + kRecord));
        }
    }
    d.classNames = numberedClasses(10);
    if (!batchFiles.empty()) {
        std::ifstream meta(std::filesystem::path(batchFiles[0]).parent_path() / "batches.meta.txt");
        std::vector<std::string> names;
        for (std::string line; std::getline(meta, line);)
            if (!line.empty())
                names.push_back(line);
        if (names.size() == 10)
            d.classNames = names;
    }
    return d;
}

} // namespace neurite
