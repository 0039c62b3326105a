// neurite: train, check and inspect models from the command line, on the engine the studio uses.
#include "app/cli/Commands.h"
#include "engine/core/Error.h"
#include "engine/store/Sqlite.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

using namespace neurite;
using namespace neurite::cli;

static const char* kUsageText =
    "usage: neurite <command> [options]\n"
    "\n"
    "commands:\n"
    "  train MODEL.json    train a model (see neurite train --help)\n"
    "  models check FILE   validate a model and print shapes, parameters, FLOPs and memory per node\n"
    "  models list         list the example models and layer types\n"
    "  doctor              describe this machine: CPU, BLAS kernel and its speed, devices\n"
    "  runs COMMAND        list, show, compare, export, tag, note, delete, evaluate runs, and\n"
    "                      write out checkpoints (see neurite runs --help)\n"
    "  export RUN|MODEL    a trained model as ONNX, a PyTorch folder or a Neurite bundle, verified\n"
    "                      in its runtime with --verify (see neurite export --help)\n"
    "  import MODEL.onnx   an ONNX model as a Neurite model with its weights (see neurite import --help)\n"
    "  evaluate MODEL      a bundle's (or a model file's --init) loss and accuracy on a data set\n"
    "\n"
    "  --version           print the version\n"
    "  --help              print this help; every command takes --help\n";

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::cerr << kUsageText;
        return kUsage;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    try {
        if (command == "--version" || command == "version") {
            std::cout << "neurite " << NEURITE_VERSION << "\n";
            return kOk;
        }
        if (command == "--help" || command == "-h" || command == "help") {
            std::cout << kUsageText;
            return kOk;
        }
        if (command == "train")
            return trainCommand(args);
        if (command == "models")
            return modelsCommand(args);
        if (command == "doctor")
            return doctorCommand(args);
        if (command == "runs")
            return runsCommand(args);
        if (command == "export")
            return exportCommand(args);
        if (command == "import")
            return importCommand(args);
        if (command == "evaluate")
            return evaluateCommand(args);
        std::cerr << "neurite: unknown command '" << command << "'\n\n" << kUsageText;
        return kUsage;
    } catch (const ModelError& e) {
        std::cerr << "neurite: model error: " << e.what() << "\n";
        return kModel;
    } catch (const DataError& e) {
        std::cerr << "neurite: data error: " << e.what() << "\n";
        return kData;
    } catch (const StoreError& e) {
        std::cerr << "neurite: workspace error: " << e.what() << "\n";
        return kStore;
    } catch (const ConfigError& e) {
        std::cerr << "neurite: " << e.what() << "\n";
        return kUsage;
    } catch (const std::exception& e) {
        std::cerr << "neurite: error: " << e.what() << "\n";
        return kInternal;
    }
}
