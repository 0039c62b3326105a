#pragma once
// A folder of images, one subfolder per class (the class name is the subfolder's name):
// PNG, JPEG and BMP, read with stb_image. All images must have the same size; they are stored
// with the channel count of the first (1: grey, 3: RGB).
#include "datasets/Dataset.h"

#include <string>

namespace neurite {

// Throws DataError naming the image that cannot be decoded or whose size differs.
Dataset readImageFolder(const std::string& root);

} // namespace neurite
