#pragma once
// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random
// numbers: as easy as 1, 2, 3" (SC 2011), bit for bit as in Random123 and cuRAND: 10 rounds on a
// 128-bit counter under a 64-bit key. No state: the same (counter, key) gives the same four words
// on every backend and every thread, which is what lets a GPU draw dropout masks in parallel and
// still agree with the CPU.
//
// The dropout rule (every backend must follow it, so that the same seed, step and element give the
// same mask everywhere):
//   element i (its flat index in the layer's [n × features] output, 64-bit) of training step `step`
//   in random stream `stream` (one per dropout layer: engine/train uses a hash of its node id) draws
//       counter = { low32(i / 4), high32(i / 4), step, stream },  key = { low32(seed), high32(seed) }
//   and takes lane i % 4 of philox4x32_10(counter, key); that word becomes u = uniformFromBits(word)
//   in [0, 1), and the element is dropped when u < p (kept, scaled by 1 / (1 − p), otherwise).
//   One call of the generator thus serves four neighbouring elements.
#include "engine/kernels/HostDevice.h"

namespace neurite::kernels {

struct Philox4x32Block {
    std::uint32_t word[4];
};

struct Philox4x32Key {
    std::uint32_t word[2];
};

// The constants of Philox4x32 (Random123's PHILOX_M4x32_0/1 and PHILOX_W32_0/1).
inline constexpr std::uint32_t kPhiloxMultiplier0 = 0xD2511F53u;
inline constexpr std::uint32_t kPhiloxMultiplier1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kPhiloxKeyBump0 = 0x9E3779B9u;  // golden ratio
inline constexpr std::uint32_t kPhiloxKeyBump1 = 0xBB67AE85u;  // √3 − 1

// One Philox round: two 32×32→64 products, their halves crossed and mixed with the key.
NEURITE_HD_INLINE Philox4x32Block philoxRound(const Philox4x32Block& c, const Philox4x32Key& k)
{
    const std::uint64_t p0 = std::uint64_t(kPhiloxMultiplier0) * c.word[0];
    const std::uint64_t p1 = std::uint64_t(kPhiloxMultiplier1) * c.word[2];
    const auto hi0 = std::uint32_t(p0 >> 32), lo0 = std::uint32_t(p0);
    const auto hi1 = std::uint32_t(p1 >> 32), lo1 = std::uint32_t(p1);
    return {{hi1 ^ c.word[1] ^ k.word[0], lo1, hi0 ^ c.word[3] ^ k.word[1], lo0}};
}

// Philox4x32-10: four random 32-bit words from a counter and a key.
NEURITE_HD_INLINE Philox4x32Block philox4x32_10(Philox4x32Block counter, Philox4x32Key key)
{
    counter = philoxRound(counter, key);
    for (int round = 1; round < 10; ++round) {
        key.word[0] += kPhiloxKeyBump0;
        key.word[1] += kPhiloxKeyBump1;
        counter = philoxRound(counter, key);
    }
    return counter;
}

// A float in [0, 1) from 32 random bits: the top 24 bits × 2^-24 (every value exact in a float,
// the same rule as Rng::uniform()).
NEURITE_HD_INLINE float uniformFromBits(std::uint32_t bits)
{
    return float(bits >> 8) * (1.0f / 16777216.0f);
}

// The key of a 64-bit seed: its low word, then its high word.
NEURITE_HD_INLINE Philox4x32Key philoxKeyFromSeed(std::uint64_t seed)
{
    return {{std::uint32_t(seed), std::uint32_t(seed >> 32)}};
}

// The counter of element `element` under the dropout rule above (the block that serves it and its
// three neighbours; its lane is element % 4).
NEURITE_HD_INLINE Philox4x32Block elementCounter(std::uint64_t element, std::uint32_t step, std::uint32_t stream)
{
    const std::uint64_t block = element / 4;
    return {{std::uint32_t(block), std::uint32_t(block >> 32), step, stream}};
}

// The uniform number in [0, 1) of element `element` of step `step` in stream `stream` under `seed`.
NEURITE_HD_INLINE float elementUniform(std::uint64_t seed, std::uint32_t step, std::uint32_t stream,
                                      std::uint64_t element)
{
    const Philox4x32Block bits = philox4x32_10(elementCounter(element, step, stream), philoxKeyFromSeed(seed));
    return uniformFromBits(bits.word[element % 4]);
}

} // namespace neurite::kernels
