#include "datasets/FileBytes.h"

#include "engine/core/Error.h"

#include <cerrno>
#include <cstring>
#include <zlib.h>

namespace neurite {

std::vector<std::uint8_t> readFileBytes(const std::string& path)
{
    gzFile file = gzopen(path.c_str(), "rb");  // reads plain files as they are
    if (!file)
        throw DataError(path, std::string("cannot open: ") + std::strerror(errno));
    std::vector<std::uint8_t> data;
    std::uint8_t chunk[1 << 16];
    for (;;) {
        const int got = gzread(file, chunk, sizeof chunk);
        if (got < 0) {
            int code = 0;
            const std::string why = gzerror(file, &code);
            gzclose(file);
            throw DataError(path, DataError::Where::ByteOffset, data.size(), "corrupt compressed data: " + why);
        }
        if (got == 0)
            break;
        data.insert(data.end(), chunk, chunk + got);
    }
    // A gzip stream cut short reads as far as it goes; gzclose tells (Z_BUF_ERROR).
    if (gzclose(file) == Z_BUF_ERROR)
        throw DataError(path, DataError::Where::ByteOffset, data.size(),
                        "the compressed file is truncated (decompressed data ends here)");
    return data;
}

} // namespace neurite
