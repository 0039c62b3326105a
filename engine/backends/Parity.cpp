#include "engine/backends/Parity.h"

#include "engine/core/Rng.h"
#include "engine/core/Shape.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>

namespace neurite {

namespace {

// Tolerances: float sums reordered (blocked kernels, other split of the reduction) differ by a
// few ulps per term; the worst case grows with the terms per output.
constexpr double kGemmTolerance = 1e-5;
constexpr double kConvTolerance = 1e-4;
constexpr double kPoolTolerance = 1e-6;   // the same additions in the same order: exact in practice

std::string dims(std::initializer_list<std::int64_t> d) { return Shape(std::vector<std::int64_t>(d)).str(); }

// Values in the subject backend's own memory (a GPU's, for a device backend): uploaded from the
// host, read back with host(). The reference runs on host vectors.
template <class T>
class BackendArray {
public:
    BackendArray(Backend& backend, const std::vector<T>& values) : backend_(backend), count_(values.size())
    {
        data_ = static_cast<T*>(backend.allocate(std::int64_t(std::max<std::size_t>(bytes(), 1)), "parity check"));
        backend.upload(data_, values.data(), std::int64_t(bytes()));
    }
    BackendArray(Backend& backend, std::size_t count) : BackendArray(backend, std::vector<T>(count)) {}
    ~BackendArray() { backend_.release(data_); }
    BackendArray(const BackendArray&) = delete;
    BackendArray& operator=(const BackendArray&) = delete;

    T* data() { return data_; }
    std::vector<T> host() const
    {
        std::vector<T> out(count_);
        backend_.download(out.data(), data_, std::int64_t(bytes()));
        return out;
    }

private:
    std::size_t bytes() const { return count_ * sizeof(T); }
    Backend& backend_;
    std::size_t count_;
    T* data_ = nullptr;
};
using Floats = BackendArray<float>;
using Indices = BackendArray<std::int32_t>;

// Upload, fill part of it, download: the bytes must come back exactly.
void memoryRows(Backend& s, std::vector<ParityRow>& out)
{
    auto want = parityInput(1000, 11);
    Floats buffer(s, want);
    s.fill(buffer.data() + 100, 0.25f, 300);
    std::fill(want.begin() + 100, want.begin() + 400, 0.25f);
    s.synchronise();
    out.push_back({"memory upload, fill, download", "1000 floats, 300 filled", parityError(buffer.host(), want), 0});
}

void gemmRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    const std::int64_t m = 37, n = 29, k = 45;
    for (bool ta : {false, true})
        for (bool tb : {false, true}) {
            const auto a = parityInput(m * k, 1), b = parityInput(k * n, 2);
            auto want = parityInput(m * n, 3);  // beta = 0.5 mixes in the old C
            Floats sa(s, a), sb(s, b), got(s, want);
            r.gemm(ta, tb, m, n, k, 1.5f, a.data(), ta ? m : k, b.data(), tb ? k : n, 0.5f, want.data(), n);
            s.gemm(ta, tb, m, n, k, 1.5f, sa.data(), ta ? m : k, sb.data(), tb ? k : n, 0.5f, got.data(), n);
            out.push_back({std::string("gemm ") + (ta ? "T" : "N") + (tb ? "T" : "N"),
                           "C " + dims({m, n}) + " = A·B, K " + std::to_string(k), parityError(got.host(), want),
                           kGemmTolerance});
        }
}

struct ConvCase {
    ConvGeometry g;
    const char* note;
};

void convRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    auto make = [](std::int64_t n, std::int64_t cin, std::int64_t h, std::int64_t w, std::int64_t cout, std::int64_t k,
                   std::int64_t stride, std::int64_t pad, std::int64_t dilation, std::int64_t groups, bool relu,
                   bool pool) {
        ConvGeometry g{n, cin, h, w, cout, k, stride, pad, dilation, groups};
        g.relu = relu;
        g.maxPool2x2 = pool;
        g.computeOutput();
        return g;
    };
    const ConvCase cases[] = {
        {make(3, 2, 9, 7, 4, 3, 1, 1, 1, 1, false, false), ""},
        {make(2, 3, 11, 12, 5, 5, 2, 2, 1, 1, false, false), ""},
        {make(2, 2, 10, 10, 3, 3, 1, 2, 2, 1, false, false), ", dilation 2"},
        {make(2, 4, 8, 8, 6, 3, 1, 1, 1, 2, false, false), ", groups 2"},
        {make(3, 2, 6, 6, 4, 3, 1, 1, 1, 1, true, false), ", ReLU"},
        {make(5, 1, 8, 6, 4, 3, 1, 1, 1, 1, true, true), ", ReLU + 2×2 pool"},
        {make(3, 16, 9, 7, 8, 3, 1, 1, 1, 1, false, false), ""},
        {make(2, 17, 10, 9, 20, 3, 2, 0, 1, 1, false, false), ""},
        {make(4, 32, 8, 6, 16, 3, 1, 1, 1, 1, true, true), ", ReLU + 2×2 pool"},
    };
    for (const ConvCase& c : cases) {
        const ConvGeometry& g = c.g;
        const std::string shape = "x " + dims({g.n, g.cin, g.h, g.w}) + ", w " + dims({g.cout, g.cin / g.groups, g.k, g.k}) +
                                  ", stride " + std::to_string(g.stride) + ", pad " + std::to_string(g.pad) + c.note;
        const std::int64_t outputs = g.n * g.cout * (g.maxPool2x2 ? (g.oh / 2) * (g.ow / 2) : g.oh * g.ow);
        const auto x = parityInput(g.n * g.cin * g.h * g.w, 4), w = parityInput(g.cout * g.cin / g.groups * g.k * g.k, 5);
        const auto bias = parityInput(g.cout, 6), dy = parityInput(outputs, 7);
        std::vector<float> wsReference(std::size_t(r.convWorkspace(g)));
        std::vector<float> y1(static_cast<std::size_t>(outputs));
        std::vector<std::int32_t> a1(y1.size());
        Floats sx(s, x), sw(s, w), sBias(s, bias), sdy(s, dy), wsSubject(s, std::size_t(s.convWorkspace(g)));
        Floats y2(s, y1.size());
        Indices a2(s, y1.size());
        r.convForward(g, x.data(), w.data(), bias.data(), y1.data(), wsReference.data(), a1.data());
        s.convForward(g, sx.data(), sw.data(), sBias.data(), y2.data(), wsSubject.data(), a2.data());
        out.push_back({"conv2d forward", shape, parityError(y2.host(), y1), kConvTolerance});
        std::vector<float> dx1(x.size()), dw1(w.size()), db1(bias.size());
        Floats dx2(s, x.size()), dw2(s, w.size()), db2(s, bias.size());
        r.convBackward(g, x.data(), w.data(), y1.data(), dy.data(), dx1.data(), dw1.data(), db1.data(),
                       wsReference.data(), a1.data());
        s.convBackward(g, sx.data(), sw.data(), y2.data(), sdy.data(), dx2.data(), dw2.data(), db2.data(),
                       wsSubject.data(), a2.data());
        out.push_back({"conv2d backward dX", shape, parityError(dx2.host(), dx1), kConvTolerance});
        out.push_back({"conv2d backward dW", shape, parityError(dw2.host(), dw1), kConvTolerance});
        out.push_back({"conv2d backward db", shape, parityError(db2.host(), db1), kConvTolerance});
    }
}

void poolRows(Backend& s, Backend& r, std::vector<ParityRow>& out)
{
    for (auto [k, stride, pad] : {std::tuple{2, 2, 0}, {3, 2, 1}, {3, 1, 1}}) {
        PoolGeometry g{3, 4, 9, 8, k, stride, pad};
        g.computeOutput();
        const std::string shape = "x " + dims({g.n, g.c, g.h, g.w}) + ", window " + std::to_string(k) + ", stride " +
                                  std::to_string(stride) + ", pad " + std::to_string(pad);
        const auto x = parityInput(g.n * g.c * g.h * g.w, 8), dy = parityInput(g.n * g.c * g.oh * g.ow, 9);
        std::vector<float> y1(dy.size()), dx1(x.size());
        std::vector<std::int32_t> a1(dy.size());
        Floats sx(s, x), sdy(s, dy), y2(s, dy.size()), dx2(s, x.size());
        Indices a2(s, dy.size());
        r.maxPoolForward(g, x.data(), y1.data(), a1.data());
        s.maxPoolForward(g, sx.data(), y2.data(), a2.data());
        out.push_back({"max pool forward", shape, parityError(y2.host(), y1), kPoolTolerance});
        r.maxPoolBackward(g, dy.data(), a1.data(), dx1.data());
        s.maxPoolBackward(g, sdy.data(), a2.data(), dx2.data());
        out.push_back({"max pool backward", shape, parityError(dx2.host(), dx1), kPoolTolerance});
        r.avgPoolForward(g, x.data(), y1.data());
        s.avgPoolForward(g, sx.data(), y2.data());
        out.push_back({"avg pool forward", shape, parityError(y2.host(), y1), kPoolTolerance});
        r.avgPoolBackward(g, dy.data(), dx1.data());
        s.avgPoolBackward(g, sdy.data(), dx2.data());
        out.push_back({"avg pool backward", shape, parityError(dx2.host(), dx1), kPoolTolerance});
    }
}

} // namespace

std::vector<float> parityInput(std::int64_t n, std::uint64_t seed)
{
    Rng rng(seed);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v)
        x = rng.uniform(-1, 1);
    return v;
}

double parityError(const std::vector<float>& got, const std::vector<float>& want)
{
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
        worst = std::max(worst, double(std::abs(got[i] - want[i])) / (1.0 + std::abs(want[i])));
    return worst;
}

std::vector<ParityRow> runParity(Backend& subject, Backend& reference)
{
    std::vector<ParityRow> rows;
    memoryRows(subject, rows);
    gemmRows(subject, reference, rows);
    convRows(subject, reference, rows);
    poolRows(subject, reference, rows);
    return rows;
}

} // namespace neurite
