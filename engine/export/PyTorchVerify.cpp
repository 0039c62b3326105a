#include "engine/export/PyTorchVerify.h"

#include "engine/graph/ShapeInference.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace neurite {

namespace fs = std::filesystem;

namespace {

// Imports the folder's load.py (a strict load), runs the inputs, writes the outputs as float32.
// The version is printed first, so that a report names it even when the load fails.
const char* kDriver = R"py(
import json, sys
folder, inputs, shape, outputs = sys.argv[1:5]
import numpy as np
import torch
print("torch-version:", torch.__version__, flush=True)
sys.path.insert(0, folder)
import load
model = load.load()
assert not model.training
x = torch.from_numpy(np.fromfile(inputs, "<f4").reshape(json.loads(shape)))
with torch.no_grad():
    y = model(x)
y.reshape(y.shape[0], -1).numpy().astype("<f4").tofile(outputs)
)py";

constexpr int kTimeLimitSeconds = 600;

struct ProcessResult {
    std::string startError;      // empty when it started
    bool timedOut = false;
    int exitCode = -1;           // when it exited
    int signal = 0;              // when a signal ended it
};

// Runs argv[0] (a path) with stdin from /dev/null and stdout, stderr into files; kills it after
// `limit` seconds. Plain POSIX: the engine has no Qt.
ProcessResult runProcess(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err,
                         int limitSeconds)
{
    ProcessResult r;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> envText;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, "PYTHONDONTWRITEBYTECODE=", 24) != 0)
            envText.emplace_back(*e);
    envText.emplace_back("PYTHONDONTWRITEBYTECODE=1");  // no __pycache__ in the export folder
    std::vector<char*> env;
    for (auto& e : envText)
        env.push_back(e.data());
    env.push_back(nullptr);

    pid_t pid = 0;
    const int started = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (started != 0) {
        r.startError = std::strerror(started);
        return r;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limitSeconds);
    int status = 0;
    while (true) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR) {
            r.startError = std::string("waiting for it failed: ") + std::strerror(errno);
            return r;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            r.timedOut = true;
            return r;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (WIFEXITED(status))
        r.exitCode = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        r.signal = WTERMSIG(status);
    return r;
}

std::string readText(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The last lines of a runtime's error output: where Python says what went wrong.
std::string tail(const std::string& text, std::size_t lines = 8)
{
    std::size_t at = text.size();
    while (at > 0 && (text[at - 1] == '\n' || text[at - 1] == ' '))
        --at;
    const std::size_t end = at;
    for (std::size_t n = 0; at > 0 && n < lines; --at)
        if (text[at - 1] == '\n' && ++n == lines)
            break;
    return text.substr(at, end - at);
}

// A scratch folder, removed with everything in it.
struct ScratchFolder {
    fs::path path;
    ScratchFolder()
    {
        std::string pattern = (fs::temp_directory_path() / "neurite-verify-XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            throw std::runtime_error(std::string("cannot create a scratch folder: ") + std::strerror(errno));
        path = pattern;
    }
    ~ScratchFolder()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

std::string python()
{
    const char* chosen = std::getenv("NEURITE_PYTHON");
    return chosen && *chosen ? chosen : "/usr/bin/python3";
}

std::string outputName(const TrainedModel& model)
{
    const GraphAnalysis a = analyse(model.graph);
    const Node* loss = model.graph.find(a.lossNode);
    return loss && loss->type != "MSELoss" ? "logits" : "output";
}

} // namespace

VerificationReport verifyPyTorch(const TrainedModel& model, const std::string& folder, std::int64_t samples)
{
    VerificationReport r;
    r.runtime = "PyTorch";
    r.samples = samples;
    r.tolerance = 1e-4;
    const std::vector<float> inputs = verificationInputs(model, samples);
    const std::vector<float> ours = referenceOutputs(model, inputs, samples);
    const std::string interpreter = python();
    try {
        if (!fs::is_regular_file(fs::path(folder) / "load.py")) {
            r.message = "no load.py in " + folder + ": not a PyTorch export folder";
            return r;
        }
        if (access(interpreter.c_str(), X_OK) != 0) {
            r.message = "no Python at " + interpreter + " (Debian: apt install python3-torch)";
            return r;
        }
        ScratchFolder scratch;
        const fs::path x = scratch.path / "inputs.bin", y = scratch.path / "outputs.bin";
        std::ofstream(x, std::ios::binary)
            .write(reinterpret_cast<const char*>(inputs.data()), std::streamsize(inputs.size() * sizeof(float)));
        const GraphAnalysis a = analyse(model.graph);
        std::string shape = "[" + std::to_string(samples);
        for (auto d : a.info(a.inputNode).output.dims())
            shape += ", " + std::to_string(d);
        shape += "]";
        const ProcessResult run = runProcess({interpreter, "-c", kDriver, fs::absolute(folder).string(), x.string(),
                                              shape, y.string()},
                                             scratch.path / "stdout.txt", scratch.path / "stderr.txt",
                                             kTimeLimitSeconds);
        const std::string out = readText(scratch.path / "stdout.txt"), err = readText(scratch.path / "stderr.txt");
        if (const auto at = out.find("torch-version: "); at != std::string::npos)
            r.runtimeVersion = out.substr(at + 15, out.find('\n', at) - at - 15);
        if (!run.startError.empty()) {
            r.message = "could not run " + interpreter + ": " + run.startError;
            return r;
        }
        if (run.timedOut) {
            r.message = interpreter + " ran past " + std::to_string(kTimeLimitSeconds) + " s and was stopped";
            return r;
        }
        if (run.exitCode != 0) {
            if (err.find("No module named 'torch'") != std::string::npos)
                r.message = "PyTorch is not installed for " + interpreter + " (Debian: apt install python3-torch)";
            else if (err.find("No module named 'numpy'") != std::string::npos)
                r.message = "NumPy is not installed for " + interpreter + " (Debian: apt install python3-numpy)";
            else
                r.message = "PyTorch could not load or run the export (" +
                            (run.signal ? "signal " + std::to_string(run.signal)
                                        : "exit code " + std::to_string(run.exitCode)) +
                            "): " + tail(err);
            return r;
        }
        const std::string bytes = readText(y);
        std::vector<float> theirs(bytes.size() / sizeof(float));
        std::memcpy(theirs.data(), bytes.data(), theirs.size() * sizeof(float));
        r.outputs.push_back(compareOutputs(outputName(model), ours, theirs));
        const OutputDifference& d = r.outputs.back();
        r.passed = d.maxRelative <= r.tolerance;
        if (theirs.size() != ours.size())
            r.message = "PyTorch gave " + std::to_string(theirs.size()) + " output values; Neurite " +
                        std::to_string(ours.size());
        else if (!r.passed)
            r.message = "PyTorch's outputs differ from Neurite's: max relative difference " +
                        std::to_string(d.maxRelative) + " (max " + std::to_string(d.maxAbs) + "), tolerance " +
                        std::to_string(r.tolerance);
    } catch (const std::exception& e) {  // files of the scratch folder
        r.passed = false;
        r.message = std::string("the verification could not run: ") + e.what();
    }
    return r;
}

} // namespace neurite
