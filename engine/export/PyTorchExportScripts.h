#pragma once
// The Python scripts of the PyTorch export, as templates (PyTorchExportScripts.cpp).
namespace neurite {

extern const char* const kLoadPyTemplate;    // load.py: "@TITLE@", "# @MODEL_CONSTANTS@"
extern const char* const kTrainPyTemplate;   // train.py: "@TITLE@", "# @SETTINGS@"

} // namespace neurite
