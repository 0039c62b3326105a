#include "engine/export/onnx/OnnxVerify.h"

#include "engine/core/Error.h"
#include "engine/graph/ShapeInference.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace neurite {

namespace fs = std::filesystem;

namespace {

bool hasRuntime(const fs::path& dir)
{
    std::error_code ec;
    return fs::is_regular_file(dir / "verify.js", ec) &&
           fs::is_regular_file(dir / "node_modules" / "onnxruntime-node" / "package.json", ec);
}

fs::path programDir()
{
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : self.parent_path();
}

// `name` on $PATH, or "".
std::string onPath(const std::string& name)
{
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    for (std::size_t start = 0; start <= dirs.size();) {
        const std::size_t end = std::min(dirs.find(':', start), dirs.size());
        const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
        if (end > start && ::access(candidate.c_str(), X_OK) == 0)
            return candidate.string();
        start = end + 1;
    }
    return {};
}

// A scratch folder, removed with everything in it.
struct ScratchDir {
    fs::path path;
    ScratchDir()
    {
        std::string pattern = (fs::temp_directory_path() / "neurite-onnx-XXXXXX").string();
        if (::mkdtemp(pattern.data()))
            path = pattern;
    }
    ~ScratchDir()
    {
        std::error_code ec;
        if (!path.empty())
            fs::remove_all(path, ec);
    }
};

struct ProcessResult {
    int exitCode = -1;
    std::string out;        // stdout
    std::string error;      // why it could not start, else empty
};

// Runs argv[0] (a path) with stdout to a pipe and stderr to `stderrFile`; waits for it.
ProcessResult run(const std::vector<std::string>& argv, const fs::path& stderrFile)
{
    ProcessResult r;
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) {
        r.error = "no pipe";
        return r;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    if (spawned != 0) {
        ::close(pipeFds[0]);
        r.error = "cannot start " + argv[0];
        return r;
    }
    char buffer[4096];
    for (ssize_t n; (n = ::read(pipeFds[0], buffer, sizeof buffer)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        r.out.append(buffer, std::size_t(n));
    }
    ::close(pipeFds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

std::string tail(const fs::path& file, std::size_t chars = 600)
{
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
    return text.size() > chars ? "..." + text.substr(text.size() - chars) : text;
}

bool writeFloats(const fs::path& file, const std::vector<float>& values)
{
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size() * sizeof(float)));
    return bool(out.flush());
}

std::vector<float> readFloats(const fs::path& file)
{
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    std::vector<float> values(ec ? 0 : size / sizeof(float));
    std::ifstream(file, std::ios::binary)
        .read(reinterpret_cast<char*>(values.data()), std::streamsize(values.size() * sizeof(float)));
    return values;
}

// Softmax of each row of x: [rows × (x.size() / rows)].
std::vector<float> rowSoftmax(const std::vector<float>& x, std::int64_t rows)
{
    std::vector<float> y(x.size());
    const std::size_t d = rows > 0 ? x.size() / std::size_t(rows) : 0;
    for (std::size_t r = 0; d && r < std::size_t(rows); ++r) {
        const float* in = x.data() + r * d;
        const double top = *std::max_element(in, in + d);
        double sum = 0;
        for (std::size_t i = 0; i < d; ++i)
            sum += std::exp(double(in[i]) - top);
        for (std::size_t i = 0; i < d; ++i)
            y[r * d + i] = float(std::exp(double(in[i]) - top) / sum);
    }
    return y;
}

// Runs the runner and compares; throws Error on any failure, with its reason.
void runAndCompare(const TrainedModel& model, const std::string& onnxPath, const OnnxExportOptions& options,
                   VerificationReport& report)
{
    const std::string dir = onnxVerifyDir();
    if (dir.empty())
        throw Error("ONNX Runtime is not installed: run installer/setup.sh (it runs `npm ci --ignore-scripts` in "
                    "tools/onnx-verify), or set NEURITE_ONNX_VERIFY_DIR to a folder where that was done");
    const std::string node = onPath("node").empty() ? onPath("nodejs") : onPath("node");
    if (node.empty())
        throw Error("Node.js (node) is not on the PATH: install nodejs (installer/setup.sh does)");
    if (!fs::is_regular_file(onnxPath))
        throw Error("no ONNX file '" + onnxPath + "'");

    const std::int64_t n = report.samples;
    const std::vector<float> inputs = verificationInputs(model, n);
    const std::vector<float> ours = referenceOutputs(model, inputs, n);
    const std::vector<std::string> expected = onnxOutputNames(model, options);

    ScratchDir scratch;
    if (scratch.path.empty() || !writeFloats(scratch.path / "input.bin", inputs))
        throw Error("cannot write the verification inputs to " + fs::temp_directory_path().string());
    const GraphAnalysis analysis = analyse(model.graph);
    std::string dims = std::to_string(n);
    for (auto d : analysis.info(analysis.inputNode).output.dims())
        dims += "," + std::to_string(d);

    const ProcessResult r = run({node, (fs::path(dir) / "verify.js").string(), fs::absolute(onnxPath).string(),
                                 (scratch.path / "input.bin").string(), dims, scratch.path.string()},
                                scratch.path / "stderr.txt");
    if (!r.error.empty())
        throw Error(r.error);
    const auto line = r.out.substr(0, r.out.find('\n'));
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw Error("ONNX Runtime's runner failed (exit " + std::to_string(r.exitCode) + "): " +
                    tail(scratch.path / "stderr.txt"));
    if (j.contains("error"))
        throw Error("ONNX Runtime: " + j["error"].get<std::string>());
    report.runtimeVersion = j.value("version", std::string());

    for (const auto& name : expected) {
        const auto it = std::find_if(j["outputs"].begin(), j["outputs"].end(),
                                     [&](const nlohmann::json& o) { return o.value("name", "") == name; });
        if (it == j["outputs"].end())
            throw Error("ONNX Runtime gives no output '" + name + "'");
        const auto outDims = (*it)["dims"].get<std::vector<std::int64_t>>();
        if (outDims.empty() || outDims[0] != n)
            throw Error("ONNX Runtime's output '" + name + "' has a batch of " +
                        (outDims.empty() ? std::string("none") : std::to_string(outDims[0])) + ", not " +
                        std::to_string(n));
        const std::vector<float> theirs = readFloats(scratch.path / (*it)["file"].get<std::string>());
        report.outputs.push_back(compareOutputs(name, name == "probabilities" ? rowSoftmax(ours, n) : ours, theirs));
    }
}

} // namespace

std::string onnxVerifyDir()
{
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("NEURITE_ONNX_VERIFY_DIR"))
        candidates.emplace_back(env);
    candidates.emplace_back(NEURITE_ONNX_VERIFY_SOURCE_DIR);
    if (const fs::path bin = programDir(); !bin.empty())
        candidates.push_back(bin.parent_path() / "share" / "neurite" / "onnx-verify");
    candidates.emplace_back(NEURITE_ONNX_VERIFY_INSTALL_DIR);
    for (const auto& dir : candidates)
        if (hasRuntime(dir))
            return dir.string();
    return {};
}

VerificationReport verifyOnnx(const TrainedModel& model, const std::string& onnxPath,
                              const OnnxExportOptions& options, std::int64_t samples)
{
    VerificationReport report;
    report.runtime = "ONNX Runtime";
    report.samples = samples;
    report.tolerance = 1e-4;
    try {
        if (samples < 1)
            throw Error("verification needs at least one sample");
        runAndCompare(model, onnxPath, options, report);
        for (const auto& o : report.outputs)
            if (!(o.maxRelative <= report.tolerance) && report.message.empty()) {
                char text[160];
                std::snprintf(text, sizeof text, "output '%s' differs from Neurite's by up to %.3g (relative), "
                              "over the tolerance %.0e", o.name.c_str(), o.maxRelative, report.tolerance);
                report.message = text;
            }
        report.passed = report.message.empty() && !report.outputs.empty();
    } catch (const std::exception& e) {
        report.message = e.what();
        report.passed = false;
    } catch (...) {
        report.message = "the verification failed for an unknown reason";
        report.passed = false;
    }
    return report;
}

} // namespace neurite
