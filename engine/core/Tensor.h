#pragma once
// A dense float32 tensor in row-major (NCHW) order with 64-byte aligned storage.
// The training plan allocates all its tensors once; nothing here allocates per step.
#include "engine/core/Shape.h"

#include <cstddef>
#include <memory>
#include <span>

namespace neurite {

class Tensor {
public:
    Tensor() = default;
    explicit Tensor(Shape shape);           // zero-filled
    Tensor(Shape shape, float fill);

    const Shape& shape() const { return shape_; }
    std::int64_t numel() const { return numel_; }
    float* data() { return data_.get(); }
    const float* data() const { return data_.get(); }
    std::span<float> span() { return {data_.get(), std::size_t(numel_)}; }
    std::span<const float> span() const { return {data_.get(), std::size_t(numel_)}; }
    float& operator[](std::int64_t i) { return data_[i]; }
    float operator[](std::int64_t i) const { return data_[i]; }

    void fill(float value);

private:
    struct Free {
        void operator()(float* p) const;
    };
    Shape shape_;
    std::int64_t numel_ = 0;
    std::unique_ptr<float[], Free> data_;
};

} // namespace neurite
