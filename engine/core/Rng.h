#pragma once
// A small, fast, seedable random generator (xoshiro128+ seeded by splitmix64). The engine uses
// only this generator so that the same seed gives the same run on every machine.
#include <array>
#include <cmath>
#include <cstdint>

namespace neurite {

class Rng {
public:
    explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

    void reseed(std::uint64_t seed)
    {
        for (auto& s : s_) {
            seed += 0x9e3779b97f4a7c15ull;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            s = std::uint32_t(z ^ (z >> 31));
        }
    }

    std::uint32_t next()
    {
        const std::uint32_t result = s_[0] + s_[3];
        const std::uint32_t t = s_[1] << 9;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = (s_[3] << 11) | (s_[3] >> 21);
        return result;
    }

    // The whole state, for checkpoints.
    std::array<std::uint32_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
    void setState(const std::array<std::uint32_t, 4>& s)
    {
        for (int i = 0; i < 4; ++i)
            s_[i] = s[std::size_t(i)];
    }

    float uniform() { return float(next() >> 8) * (1.0f / 16777216.0f); }          // [0, 1)
    float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
    std::uint32_t below(std::uint32_t n) { return std::uint32_t((std::uint64_t(next()) * n) >> 32); }
    float normal()  // Box-Muller
    {
        const float u1 = 1.0f - uniform(), u2 = uniform();
        return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
    }

private:
    std::uint32_t s_[4];
};

} // namespace neurite
