#pragma once
// NEURITE_SIMD_CLONES on a hot loop's function makes GCC compile it three times (AVX-512,
// AVX2 + FMA, baseline x86-64) and pick the best for the running CPU at load time. The packages
// stay portable; the loops still use the whole vector width of the machine they run on.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NEURITE_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NEURITE_SIMD_CLONES
#endif
