#pragma once
// The backend parity check: every operation of the Backend interface, forward and backward, on a
// backend against the reference backend, on random inputs of several shapes (odd sizes, strides,
// padding, dilation, groups, the fused ReLU and pooling, shapes that take each fast path), with a
// tolerance stated per operation. The subject runs on its own memory (allocate, upload, download),
// so a device backend is checked as it trains. `neurite doctor --parity` prints it; tests run it.
#include "engine/backends/Backend.h"

#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

struct ParityRow {
    std::string op;                 // "conv2d backward dW"
    std::string shape;              // "x 2×16×11×12, w 5×16×5×5, stride 2, pad 2"
    double error = 0;               // max |got − want| / (1 + |want|) over all elements
    double tolerance = 0;
    bool pass() const { return error <= tolerance; }
};

std::vector<ParityRow> runParity(Backend& subject, Backend& reference);

// The check's parts, for tests of single operations: seeded values uniform in [−1, 1], and the
// error measure max |got − want| / (1 + |want|).
std::vector<float> parityInput(std::int64_t n, std::uint64_t seed);
double parityError(const std::vector<float>& got, const std::vector<float>& want);

} // namespace neurite
