#include "engine/core/Tensor.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace neurite {

void Tensor::Free::operator()(float* p) const { std::free(p); }

Tensor::Tensor(Shape shape) : Tensor(std::move(shape), 0.0f) {}

Tensor::Tensor(Shape shape, float value) : shape_(std::move(shape)), numel_(shape_.numel())
{
    const std::size_t bytes = (std::size_t(std::max<std::int64_t>(numel_, 1)) * sizeof(float) + 63) / 64 * 64;
    auto* p = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!p)
        throw std::bad_alloc();
    data_.reset(p);
    fill(value);
}

void Tensor::fill(float value) { std::fill_n(data_.get(), numel_, value); }

} // namespace neurite
