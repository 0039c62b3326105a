#pragma once
// bf16 (bfloat16: 1 sign bit, 8 exponent bits, 7 stored mantissa bits) as the module's mixed
// precision uses it: fp32 values rounded to bf16 before cuBLAS and cuDNN read them, bf16 results
// widened back to fp32. A bf16 value is held as its 16 bits (std::uint16_t), the top half of the
// fp32 with the same value, so that no CUDA header is needed to name it.
//
// Written once for the device (Bf16Kernels.cu maps a thread onto one element) and the host
// (tst_cuda_adapter checks the rounding; neurite_cuda_check emulates the module's products with
// it). nvcc compiles this for the device: the rules of engine/kernels/HostDevice.h hold here too.
#include "engine/kernels/HostDevice.h"

#if !defined(__CUDA_ARCH__)
#include <cstring>
#endif

namespace neurite::cuda {

NEURITE_HD_INLINE std::uint32_t floatBits(float f)
{
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return bits;
#endif
}

NEURITE_HD_INLINE float floatFromBits(std::uint32_t bits)
{
#if defined(__CUDA_ARCH__)
    return __uint_as_float(bits);
#else
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
#endif
}

// f rounded to the nearest bf16, ties to even (as __float2bfloat16_rn and PyTorch's .bfloat16()):
// the relative error is at most 2⁻⁸ (half a unit of the 8th significant bit). Values beyond the
// largest bf16 (about 3.39e38) become ±inf; a NaN stays a NaN of the same sign (quieted: its top
// mantissa bit is set).
NEURITE_HD_INLINE std::uint16_t floatToBf16(float f)
{
    const std::uint32_t bits = floatBits(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u)
        return std::uint16_t((bits >> 16) | 0x0040u);
    const std::uint32_t lsb = (bits >> 16) & 1u;   // the kept part's last bit: a tie goes to even
    return std::uint16_t((bits + 0x7fffu + lsb) >> 16);
}

// The fp32 of the same value: exact.
NEURITE_HD_INLINE float bf16ToFloat(std::uint16_t h) { return floatFromBits(std::uint32_t(h) << 16); }

// f through bf16 and back: what a cuBLAS or cuDNN call in bf16 sees of an fp32 input.
NEURITE_HD_INLINE float roundedToBf16(float f) { return bf16ToFloat(floatToBf16(f)); }

// Packing rows for the conversion: element i of a packed [rows, width] block comes from this index
// of rows `stride` floats apart (a matrix with leading dimension `stride`).
NEURITE_HD_INLINE std::int64_t packedSource(std::int64_t i, std::int64_t width, std::int64_t stride)
{
    return stride == width ? i : i / width * stride + i % width;
}

} // namespace neurite::cuda
