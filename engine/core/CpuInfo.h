#pragma once
// What this processor is and which vector extensions it has (read with CPUID).
#include <string>
#include <vector>

namespace neurite {

struct CpuInfo {
    std::string model;                    // "AMD EPYC 9R14", from the brand string
    std::string vendor;                   // "GenuineIntel", "AuthenticAMD"
    int logicalCores = 1;
    bool avx2 = false, fma = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
    std::vector<std::string> extensions() const;  // the ones above that are present, by name

    static const CpuInfo& current();
};

} // namespace neurite
