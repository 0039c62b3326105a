#include "engine/core/Shape.h"

namespace neurite {

std::int64_t Shape::numel() const
{
    std::int64_t n = 1;
    for (auto d : dims_)
        n *= d;
    return n;
}

std::string Shape::str() const
{
    if (dims_.empty())
        return "scalar";
    std::string s;
    for (std::size_t i = 0; i < dims_.size(); ++i) {
        if (i)
            s += "\u00d7";
        s += std::to_string(dims_[i]);
    }
    return s;
}

} // namespace neurite
