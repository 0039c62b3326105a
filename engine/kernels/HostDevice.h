#pragma once
// The one switch of engine/kernels: NEURITE_HD marks a function that nvcc compiles for both the host
// and the device (__host__ __device__); g++ sees an ordinary inline function.
//
// Rules for every header in this folder (they are compiled by nvcc for the device too):
// - only <cstdint> and <cmath>; the float C functions (expf, erff, tanhf, expm1f, log1pf, sqrtf,
//   fabsf) and their double forms (exp, log, log1p, sqrt), which exist on both sides;
// - no allocation, no exceptions, no std::function / std::vector / std::string, no std:: algorithms;
// - each function works on one element, one row, one channel or one chunk, so that a CUDA kernel
//   calls it per thread or block and a host loop calls it per index.
#include <cstdint>

#if defined(__CUDACC__)
#define NEURITE_HD __host__ __device__
#else
#define NEURITE_HD
#endif

#define NEURITE_HD_INLINE NEURITE_HD inline
