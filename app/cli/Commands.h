#pragma once
// The commands of `neurite`. Each returns the process exit code (see ExitCode) and writes its
// messages to stdout/stderr; errors are thrown as typed exceptions and mapped in main.cpp.
#include <string>
#include <vector>

namespace neurite::cli {

enum ExitCode : int {
    kOk = 0,
    kUsage = 1,       // bad command line or settings
    kModel = 2,       // the model file is invalid
    kData = 3,        // a data file is missing, truncated or corrupt
    kDiverged = 4,    // training diverged (NaN or Inf)
    kCancelled = 5,   // stopped by Ctrl-C
    kStore = 6,       // the workspace cannot be opened, read or written
    kParity = 7,      // doctor --parity: a backend disagrees with the reference backend
    kVerify = 8,      // export --verify: the runtime's outputs differ from Neurite's
    kInternal = 70,
};

int trainCommand(const std::vector<std::string>& args);
int modelsCommand(const std::vector<std::string>& args);
int doctorCommand(const std::vector<std::string>& args);
int runsCommand(const std::vector<std::string>& args);
int exportCommand(const std::vector<std::string>& args);
int importCommand(const std::vector<std::string>& args);
int evaluateCommand(const std::vector<std::string>& args);

} // namespace neurite::cli
