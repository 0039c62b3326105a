#pragma once
// OpenMP's idle workers (oneDNN's, in libneurite_onednn.so) spin for a long time between parallel
// regions and take the cores from our own threads; GOMP_SPINCOUNT makes them sleep sooner. libgomp
// reads it once, when it loads. The oneDNN module sets it before loading libgomp itself
// (OneDnnConvolution.cpp), but a Qt program has libgomp loaded before main() (Qt Core links libb2,
// which links libgomp): there, the only way is to start the program again with it set.
//
// Call first thing in main(). Returns only when nothing needs doing or the restart failed (then
// the program runs as it would have, with OpenMP's default spinning).
#include <cstdlib>
#include <ctime>
#include <dlfcn.h>
#include <string>
#include <unistd.h>

namespace neurite {

inline void restartIfOpenMpSpinsTooLong(char** argv)
{
    if (std::getenv("GOMP_SPINCOUNT"))
        return;  // the user's choice, or this is the restarted program
    setenv("GOMP_SPINCOUNT", "1000", 1);
    if (void* gomp = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD)) {
        dlclose(gomp);
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);  // start-up times count from the first start
        setenv("NEURITE_LAUNCHED_NS", std::to_string(now.tv_sec * 1000000000LL + now.tv_nsec).c_str(), 1);
        execv("/proc/self/exe", argv);
    }
}

} // namespace neurite
