#include "datasets/ImageFolderReader.h"

#include "engine/core/Error.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#include <stb_image.h>

#include <algorithm>
#include <filesystem>

namespace neurite {

namespace fs = std::filesystem;

Dataset readImageFolder(const std::string& root)
{
    if (!fs::is_directory(root))
        throw DataError(root, "not a folder");
    std::vector<fs::path> classDirs;
    for (const auto& entry : fs::directory_iterator(root))
        if (entry.is_directory())
            classDirs.push_back(entry.path());
    std::sort(classDirs.begin(), classDirs.end());
    if (classDirs.empty())
        throw DataError(root, "has no class subfolders (expected one folder of images per class)");

    Dataset d;
    int width = 0, height = 0, channels = 0;
    for (std::size_t label = 0; label < classDirs.size(); ++label) {
        d.classNames.push_back(classDirs[label].filename().string());
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(classDirs[label])) {
            auto ext = entry.path().extension().string();
            std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
            if (entry.is_regular_file() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp"))
                files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            int w, h, c;
            stbi_uc* pixels = stbi_load(file.c_str(), &w, &h, &c, channels);  // 0 on the first: as stored
            if (!pixels)
                throw DataError(file.string(), std::string("cannot decode the image: ") + stbi_failure_reason());
            if (channels == 0) {
                width = w;
                height = h;
                channels = c >= 3 ? 3 : 1;
                if (c != channels) {  // reload with the channel count we keep (drops alpha)
                    stbi_image_free(pixels);
                    pixels = stbi_load(file.c_str(), &w, &h, &c, channels);
                }
            }
            if (w != width || h != height) {
                stbi_image_free(pixels);
                throw DataError(file.string(), "image is " + std::to_string(w) + "×" + std::to_string(h) +
                                                   " but the first image is " + std::to_string(width) + "×" +
                                                   std::to_string(height) + "; all images must have the same size");
            }
            // stb gives interleaved HWC; we keep CHW.
            const std::size_t base = d.bytes.size();
            d.bytes.resize(base + std::size_t(w * h * channels));
            for (int ch = 0; ch < channels; ++ch)
                for (int i = 0; i < w * h; ++i)
                    d.bytes[base + std::size_t(ch * w * h + i)] = pixels[i * channels + ch];
            stbi_image_free(pixels);
            d.labels.push_back(int(label));
        }
    }
    if (d.labels.empty())
        throw DataError(root, "no PNG, JPEG or BMP images in the class subfolders");
    d.sampleShape = Shape{channels, height, width};
    d.computeNormalisation();
    return d;
}

} // namespace neurite
