// libneurite_onednn.so: oneDNN's convolutions behind the OneDnnConvolution interface. The only
// code that links oneDNN (and OpenMP); loaded with dlopen by OneDnnConvolution.cpp.
#include "engine/backends/cpu/OneDnnConvolution.h"

#include <dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace neurite {

using dnnl::memory;
using Tag = memory::format_tag;

namespace {

class OneDnnKernel final : public OneDnnConvolution {
public:
    void forward(const float* x, const float* w, const float* bias, float* y) override;
    void backward(const float* x, const float* w, const float* dy, float* dx, float* dw, float* db) override;
    std::string kernel() const override { return forwardDesc.impl_info_str(); }

    int threads = 1;
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
    dnnl::convolution_forward::primitive_desc forwardDesc;
    dnnl::convolution_backward_data::primitive_desc backDataDesc;
    dnnl::convolution_backward_weights::primitive_desc backWeightsDesc;
    // The engine's tensors in plain layouts (their pointers are set per call) and oneDNN's blocked
    // copies, allocated once, with the reorders between them and each primitive's arguments.
    memory userX, userW, userB, userY, userDy, userDx, userDw, userDb, zeroBias, unusedDb;
    memory blockedX, blockedW, blockedY, blockedDyData, blockedDx, blockedDw, blockedWData, blockedXWeights, blockedDyWeights;
    struct Step {
        dnnl::primitive primitive;
        std::unordered_map<int, memory> args;
    };
    std::vector<Step> forwardSteps, weightSteps, dataSteps;

    static Step copy(const memory& from, const memory& to)
    {
        return {dnnl::reorder(from, to), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}}};
    }
    void run(const std::vector<Step>& steps)
    {
        for (const Step& s : steps)
            s.primitive.execute(stream, s.args);
    }
};

OneDnnConvolution* create(const ConvGeometry& g, int threads)
{
    auto impl = std::make_unique<OneDnnKernel>();
    impl->threads = threads;
    const memory::dims src{g.n, g.cin, g.h, g.w}, wei{g.cout, g.cin, g.k, g.k}, bia{g.cout},
        dst{g.n, g.cout, g.oh, g.ow}, strides{g.stride, g.stride}, pad{g.pad, g.pad};
    // oneDNN's padding on the right can be smaller than on the left when the stride skips the end.
    const memory::dims padRight{(g.oh - 1) * g.stride + g.k - g.h - g.pad, (g.ow - 1) * g.stride + g.k - g.w - g.pad};
    const auto f32 = memory::data_type::f32;
    const memory::desc anySrc(src, f32, Tag::any), anyWei(wei, f32, Tag::any), anyDst(dst, f32, Tag::any),
        biasDesc(bia, f32, Tag::x);
    dnnl::primitive_attr attr;
    if (g.relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
        attr.set_post_ops(ops);
    }
    auto& e = impl->engine;
    try {
        impl->forwardDesc = dnnl::convolution_forward::primitive_desc(
            {dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, anySrc, anyWei, biasDesc, anyDst,
             strides, pad, padRight},
            attr, e);
        const std::string kernel = impl->forwardDesc.impl_info_str();
        if (kernel.rfind("jit", 0) != 0)
            return nullptr;  // oneDNN's GEMM fallback: our own lowering is faster
        impl->backDataDesc = dnnl::convolution_backward_data::primitive_desc(
            {dnnl::algorithm::convolution_direct, anySrc, anyWei, anyDst, strides, pad, padRight}, e, impl->forwardDesc);
        impl->backWeightsDesc = dnnl::convolution_backward_weights::primitive_desc(
            {dnnl::algorithm::convolution_direct, anySrc, anyWei, biasDesc, anyDst, strides, pad, padRight}, e,
            impl->forwardDesc);
    } catch (const dnnl::error&) {
        return nullptr;  // no implementation for this shape
    }
    OneDnnKernel& I = *impl;
    const memory::desc plainSrc(src, f32, Tag::nchw), plainWei(wei, f32, Tag::oihw), plainDst(dst, f32, Tag::nchw);
    I.userX = memory(plainSrc, e, nullptr);
    I.userW = memory(plainWei, e, nullptr);
    I.userB = memory(biasDesc, e, nullptr);
    I.userY = memory(plainDst, e, nullptr);
    I.userDy = memory(plainDst, e, nullptr);
    I.userDx = memory(plainSrc, e, nullptr);
    I.userDw = memory(plainWei, e, nullptr);
    I.userDb = memory(biasDesc, e, nullptr);
    I.zeroBias = memory(biasDesc, e);
    std::fill_n(static_cast<float*>(I.zeroBias.get_data_handle()), g.cout, 0.0f);
    I.unusedDb = memory(biasDesc, e);
    I.blockedX = memory(I.forwardDesc.src_desc(), e);
    I.blockedW = memory(I.forwardDesc.weights_desc(), e);
    I.blockedY = memory(I.forwardDesc.dst_desc(), e);
    I.blockedDyData = memory(I.backDataDesc.diff_dst_desc(), e);
    I.blockedWData = memory(I.backDataDesc.weights_desc(), e);
    I.blockedDx = memory(I.backDataDesc.diff_src_desc(), e);
    I.blockedXWeights = memory(I.backWeightsDesc.src_desc(), e);
    I.blockedDyWeights = memory(I.backWeightsDesc.diff_dst_desc(), e);
    I.blockedDw = memory(I.backWeightsDesc.diff_weights_desc(), e);

    // Forward: x, w in; y out. The bias argument is chosen per call (zeros when there is none).
    I.forwardSteps = {OneDnnKernel::copy(I.userX, I.blockedX), OneDnnKernel::copy(I.userW, I.blockedW),
                      {dnnl::convolution_forward(I.forwardDesc),
                       {{DNNL_ARG_SRC, I.blockedX}, {DNNL_ARG_WEIGHTS, I.blockedW}, {DNNL_ARG_BIAS, I.userB}, {DNNL_ARG_DST, I.blockedY}}},
                      OneDnnKernel::copy(I.blockedY, I.userY)};
    // Backward to the weights and bias, then to the input.
    I.weightSteps = {OneDnnKernel::copy(I.userDy, I.blockedDyWeights), OneDnnKernel::copy(I.userX, I.blockedXWeights),
                     {dnnl::convolution_backward_weights(I.backWeightsDesc),
                      {{DNNL_ARG_SRC, I.blockedXWeights}, {DNNL_ARG_DIFF_DST, I.blockedDyWeights}, {DNNL_ARG_DIFF_WEIGHTS, I.blockedDw},
                       {DNNL_ARG_DIFF_BIAS, I.userDb}}},
                     OneDnnKernel::copy(I.blockedDw, I.userDw)};
    I.dataSteps = {OneDnnKernel::copy(I.userDy, I.blockedDyData), OneDnnKernel::copy(I.userW, I.blockedWData),
                   {dnnl::convolution_backward_data(I.backDataDesc),
                    {{DNNL_ARG_DIFF_DST, I.blockedDyData}, {DNNL_ARG_WEIGHTS, I.blockedWData}, {DNNL_ARG_DIFF_SRC, I.blockedDx}}},
                   OneDnnKernel::copy(I.blockedDx, I.userDx)};
    return impl.release();
}

// The plain buffers' pointers are set per call; everything else was made in create().
void OneDnnKernel::forward(const float* x, const float* w, const float* bias, float* y)
{
    omp_set_num_threads(threads);
    userX.set_data_handle(const_cast<float*>(x));
    userW.set_data_handle(const_cast<float*>(w));
    userY.set_data_handle(y);
    userB.set_data_handle(bias ? const_cast<float*>(bias) : zeroBias.get_data_handle());
    run(forwardSteps);
    stream.wait();
}

void OneDnnKernel::backward(const float* x, const float* w, const float* dy, float* dx, float* dw, float* db)
{
    omp_set_num_threads(threads);
    userX.set_data_handle(const_cast<float*>(x));
    userW.set_data_handle(const_cast<float*>(w));
    userDy.set_data_handle(const_cast<float*>(dy));
    userDw.set_data_handle(dw);
    userDb.set_data_handle(db ? db : unusedDb.get_data_handle());
    run(weightSteps);
    if (dx) {
        userDx.set_data_handle(dx);
        run(dataSteps);
    }
    stream.wait();
}

} // namespace
} // namespace neurite

extern "C" neurite::OneDnnConvolution* neurite_onednn_create(const neurite::ConvGeometry* g, int threads)
{
    try {
        return neurite::create(*g, threads);
    } catch (const std::exception&) {
        return nullptr;  // oneDNN refused: the caller keeps its own lowering
    }
}
