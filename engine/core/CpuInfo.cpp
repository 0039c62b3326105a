#include "engine/core/CpuInfo.h"

#include <cpuid.h>
#include <cstring>
#include <thread>

namespace neurite {

static std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
        s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ')
        ++i;
    return s.substr(i);
}

static CpuInfo detect()
{
    CpuInfo info;
    unsigned a, b, c, d;
    char vendor[13] = {};
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        std::memcpy(vendor, &b, 4);
        std::memcpy(vendor + 4, &d, 4);
        std::memcpy(vendor + 8, &c, 4);
        info.vendor = vendor;
    }
    char brand[49] = {};
    if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
        for (unsigned leaf = 0; leaf < 3; ++leaf) {
            __get_cpuid(0x80000002 + leaf, &a, &b, &c, &d);
            unsigned regs[4] = {a, b, c, d};
            std::memcpy(brand + 16 * leaf, regs, 16);
        }
        info.model = trim(brand);
    }
    if (__get_cpuid(1, &a, &b, &c, &d))
        info.fma = c & bit_FMA;
    // OS support of AVX-512 state is implied on the Linux kernels we run on.
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        info.avx2 = b & bit_AVX2;
        info.avx512f = b & bit_AVX512F;
        info.avx512dq = b & bit_AVX512DQ;
        info.avx512bw = b & bit_AVX512BW;
        info.avx512vl = b & bit_AVX512VL;
    }
    info.logicalCores = int(std::max(1u, std::thread::hardware_concurrency()));
    return info;
}

std::vector<std::string> CpuInfo::extensions() const
{
    std::vector<std::string> out;
    if (avx2) out.push_back("AVX2");
    if (fma) out.push_back("FMA");
    if (avx512f) out.push_back("AVX-512F");
    if (avx512dq) out.push_back("AVX-512DQ");
    if (avx512bw) out.push_back("AVX-512BW");
    if (avx512vl) out.push_back("AVX-512VL");
    return out;
}

const CpuInfo& CpuInfo::current()
{
    static const CpuInfo info = detect();
    return info;
}

} // namespace neurite
