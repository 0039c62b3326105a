#pragma once
// An array in a backend's memory (Backend::allocate), released with it. Host code reaches its
// contents only through upload() and download(): on a GPU it is device memory.
#include "engine/backends/Backend.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace neurite {

template <class T>
class BackendBuffer {
public:
    BackendBuffer() = default;
    // count elements, zeroed (on the backend: no host copy of their size is made); purpose names
    // it in an out-of-memory error (a node id).
    BackendBuffer(Backend& backend, std::int64_t count, const std::string& purpose)
        : backend_(&backend), count_(count)
    {
        data_ = static_cast<T*>(backend.allocate(bytes() ? bytes() : 1, purpose));
        if (count <= 0)
            return;
        static_assert(sizeof(T) == sizeof(float), "zeroed through fill(): 4-byte elements only");
        backend.fill(reinterpret_cast<float*>(data_), 0.0f, count);   // 0.0f: every bit 0, any 4-byte zero
    }
    // count elements copied from host memory (any element size: nothing is zeroed first).
    static BackendBuffer uploaded(Backend& backend, const T* host, std::int64_t count, const std::string& purpose)
    {
        BackendBuffer b;
        b.backend_ = &backend;
        b.count_ = count;
        b.data_ = static_cast<T*>(backend.allocate(b.bytes() ? b.bytes() : 1, purpose));
        if (count > 0)
            backend.upload(b.data_, host, b.bytes());
        return b;
    }
    ~BackendBuffer()
    {
        if (backend_)
            backend_->release(data_);
    }
    BackendBuffer(BackendBuffer&& other) noexcept { swap(other); }
    BackendBuffer& operator=(BackendBuffer&& other) noexcept
    {
        BackendBuffer(std::move(other)).swap(*this);
        return *this;
    }
    BackendBuffer(const BackendBuffer&) = delete;
    BackendBuffer& operator=(const BackendBuffer&) = delete;

    T* data() const { return data_; }
    std::int64_t size() const { return count_; }
    std::int64_t bytes() const { return count_ * std::int64_t(sizeof(T)); }

    void upload(const std::vector<T>& values)   // values.size() == size()
    {
        backend_->upload(data_, values.data(), bytes());
    }
    std::vector<T> download() const
    {
        std::vector<T> out(static_cast<std::size_t>(count_));
        backend_->download(out.data(), data_, bytes());
        return out;
    }

private:
    void swap(BackendBuffer& other) noexcept
    {
        std::swap(backend_, other.backend_);
        std::swap(data_, other.data_);
        std::swap(count_, other.count_);
    }
    Backend* backend_ = nullptr;
    T* data_ = nullptr;
    std::int64_t count_ = 0;
};

} // namespace neurite
