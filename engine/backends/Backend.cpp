#include "engine/backends/Backend.h"

#include "engine/core/Error.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace neurite {

void ConvGeometry::computeOutput()
{
    oh = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
    ow = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

void* Backend::allocate(std::int64_t bytes, const std::string& purpose)
{
    constexpr std::int64_t kAlign = 64;
    const std::int64_t rounded = (std::max<std::int64_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
    void* p = std::aligned_alloc(kAlign, std::size_t(rounded));
    if (!p)
        throw OutOfMemoryError(purpose, bytes, -1, "the host");
    return p;
}

void Backend::release(void* buffer) { std::free(buffer); }

void Backend::upload(void* buffer, const void* host, std::int64_t bytes)
{
    if (bytes > 0)
        std::memcpy(buffer, host, std::size_t(bytes));
}

void Backend::download(void* host, const void* buffer, std::int64_t bytes)
{
    if (bytes > 0)
        std::memcpy(host, buffer, std::size_t(bytes));
}

void Backend::fill(float* buffer, float value, std::int64_t count)
{
    std::fill(buffer, buffer + std::max<std::int64_t>(count, 0), value);
}

void Backend::beginRecording() { throw Error(name() + " cannot record calls"); }

std::unique_ptr<Recording> Backend::endRecording() { throw Error(name() + " cannot record calls"); }

void Backend::parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn, std::int64_t)
{
    if (n > 0)
        fn(0, n);
}

void PoolGeometry::computeOutput()
{
    oh = (h + 2 * pad - k) / stride + 1;
    ow = (w + 2 * pad - k) / stride + 1;
}

} // namespace neurite
