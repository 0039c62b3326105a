#include "datasets/IdxReader.h"

#include "datasets/FileBytes.h"
#include "engine/core/Error.h"

namespace neurite {

namespace {

struct Idx {
    std::vector<std::int64_t> dims;
    std::size_t dataOffset = 0;
    std::vector<std::uint8_t> bytes;
};

std::uint32_t bigEndian(const std::uint8_t* p) { return (p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

Idx readIdxFile(const std::string& path, std::size_t expectedDims)
{
    Idx idx;
    idx.bytes = readFileBytes(path);
    const auto& b = idx.bytes;
    if (b.size() < 4)
        throw DataError(path, DataError::Where::ByteOffset, b.size(), "file ends inside the 4-byte IDX magic number");
    if (b[0] != 0 || b[1] != 0 || b[2] != 0x08)
        throw DataError(path, DataError::Where::ByteOffset, 0,
                        "not an IDX file of unsigned bytes (magic number " + std::to_string(bigEndian(b.data())) +
                            ", expected 0x0000080" + std::to_string(expectedDims) + ")");
    if (b[3] != expectedDims)
        throw DataError(path, DataError::Where::ByteOffset, 3,
                        "IDX file has " + std::to_string(b[3]) + " dimension(s) but " + std::to_string(expectedDims) +
                            " were expected (" + (expectedDims == 3 ? "images" : "labels") + ")");
    idx.dataOffset = 4 + 4 * expectedDims;
    if (b.size() < idx.dataOffset)
        throw DataError(path, DataError::Where::ByteOffset, b.size(), "file ends inside the IDX header");
    std::int64_t count = 1;
    for (std::size_t d = 0; d < expectedDims; ++d) {
        idx.dims.push_back(bigEndian(b.data() + 4 + 4 * d));
        count *= idx.dims.back();
    }
    if (b.size() - idx.dataOffset < std::size_t(count))
        throw DataError(path, DataError::Where::ByteOffset, b.size(),
                        "truncated: the header promises " + std::to_string(count) + " data bytes from byte " +
                            std::to_string(idx.dataOffset) + " but the file ends after " +
                            std::to_string(b.size() - idx.dataOffset));
    return idx;
}

} // namespace

Dataset readIdx(const std::string& imagesPath, const std::string& labelsPath, int classes)
{
    Idx images = readIdxFile(imagesPath, 3);
    Idx labels = readIdxFile(labelsPath, 1);
    if (images.dims[0] != labels.dims[0])
        throw DataError(labelsPath, std::to_string(labels.dims[0]) + " labels for " + std::to_string(images.dims[0]) +
                                        " images in " + imagesPath);
    Dataset d;
    d.sampleShape = Shape{1, images.dims[1], images.dims[2]};
    d.bytes.assign(images.bytes.begin() + std::ptrdiff_t(images.dataOffset), images.bytes.begin() + std::ptrdiff_t(images.dataOffset + images.dims[0] * images.dims[1] * images.dims[2]));
    d.labels.reserve(std::size_t(labels.dims[0]));
    for (std::int64_t i = 0; i < labels.dims[0]; ++i) {
        const int label = labels.bytes[labels.dataOffset + std::size_t(i)];
        if (label >= classes)
            throw DataError(labelsPath, DataError::Where::ByteOffset, labels.dataOffset + std::size_t(i),
                            "label " + std::to_string(label) + " is not a class (expected 0.." +
                                std::to_string(classes - 1) + ")");
        d.labels.push_back(label);
    }
    d.classNames = numberedClasses(classes);
    return d;
}

} // namespace neurite
