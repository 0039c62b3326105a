#pragma once
// Shape of a tensor: a list of extents, batch dimension excluded unless stated.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace neurite {

class Shape {
public:
    Shape() = default;
    Shape(std::initializer_list<std::int64_t> dims) : dims_(dims) {}
    explicit Shape(std::vector<std::int64_t> dims) : dims_(std::move(dims)) {}

    std::size_t rank() const { return dims_.size(); }
    std::int64_t operator[](std::size_t i) const { return dims_[i]; }
    std::int64_t& operator[](std::size_t i) { return dims_[i]; }
    const std::vector<std::int64_t>& dims() const { return dims_; }
    std::int64_t numel() const;   // product of extents; 1 for rank 0
    bool empty() const { return dims_.empty(); }
    bool operator==(const Shape&) const = default;

    // "64×7×7" (the multiplication sign, as people write shapes); "scalar" for rank 0.
    std::string str() const;

private:
    std::vector<std::int64_t> dims_;
};

} // namespace neurite
