// Convolutions on cuDNN (its legacy convolution API, present in every cuDNN 9; deprecated there in
// favour of the graph API, which we may move to later), with the fused bias, ReLU and 2×2 max
// pooling as our own kernels around it:
//
//   forward:  cudnnConvolutionForward → y′;  y′ = relu(y′ + bias) (kernel);  y = maxpool2×2(y′) + argmax
//   backward: dy′ = unpool(dy masked by y > 0, argmax) or dy masked by y > 0 or dy (kernels);
//             db = Σ dy′ (cudnnConvolutionBackwardBias), dw, dx (cudnnConvolutionBackward{Filter,Data})
//
// y′ and dy′ live in the context's scratch memory, after cuDNN's workspace. The algorithms come
// from cuDNN's heuristics (Get*_v7), once per shape: unlike cudnnFind*, they run nothing on the
// device, so the first call of a shape may be inside a CUDA graph capture.
//
// In bf16 (CudaApi.h) cuDNN's legacy API takes bf16 x, w and y (and dx, dw, dy), fp32 compute
// (its PSEUDO_BFLOAT16 configuration): x, w and dy′ are rounded to bf16 into scratch (Bf16Kernels.cu),
// cuDNN's bf16 y′, dx and dw are widened back to fp32 there; bias, ReLU, pooling, the masks and db
// stay fp32 throughout:
//
//   forward:  x, w → bf16;  cudnnConvolutionForward → y′ (bf16) → fp32;  then as above
//   backward: dy′ as above (fp32);  db from it (fp32);  x, dy′ (and w) → bf16;
//             cudnnConvolutionBackward{Filter,Data} → dw, dx (bf16) → fp32
#include "engine/backends/cuda/CudaContext.h"
#include "engine/backends/cuda/CudaKernels.h"

#include <algorithm>
#include <climits>
#include <vector>

namespace neurite::cuda {

namespace {

constexpr std::size_t kMaxWorkspace = std::size_t(1) << 30;   // skip algorithms that want more

bool validGeometry(const NeuriteCudaConv& g)
{
    const bool positive = g.n > 0 && g.cin > 0 && g.h > 0 && g.w > 0 && g.cout > 0 && g.k > 0 && g.stride > 0 &&
                          g.pad >= 0 && g.dilation > 0 && g.groups > 0 && g.oh > 0 && g.ow > 0;
    if (!positive || g.cin % g.groups || g.cout % g.groups)
        return false;
    for (const std::int64_t v : {g.n, g.cin, g.h, g.w, g.cout, g.k, g.stride, g.pad, g.dilation, g.groups})
        if (v > INT_MAX)
            return false;
    return g.oh * g.ow <= INT32_MAX;   // argmax holds an in-plane index
}

// The first algorithm cuDNN's heuristics rank that works, fits kMaxWorkspace, is deterministic when
// asked and, where tensor cores are not allowed (full FP32: neither TF32 nor bf16), uses plain FP32
// arithmetic (CUDNN_FMA_MATH); failing the last, the first that meets the rest.
template <class Perf>
const Perf* choose(const std::vector<Perf>& ranked, int returned, bool tensorCores, bool deterministic)
{
    const Perf* fallback = nullptr;
    for (int i = 0; i < returned; ++i) {
        const Perf& p = ranked[std::size_t(i)];
        if (p.status != CUDNN_STATUS_SUCCESS || p.memory > kMaxWorkspace)
            continue;
        if (deterministic && p.determinism != CUDNN_DETERMINISTIC)
            continue;
        if (tensorCores || p.mathType == CUDNN_FMA_MATH)
            return &p;
        if (!fallback)
            fallback = &p;
    }
    return fallback;
}

// The plan for this shape: made and kept on first use.
int planFor(NeuriteCudaContext* c, const NeuriteCudaConv& g, ConvPlan** out)
{
    const std::string where = describe(g);
    if (!validGeometry(g))
        return fail(c, NEURITE_CUDA_INVALID, where + ": inconsistent geometry");
    const ConvKey key{g.n, g.cin, g.h, g.w, g.cout, g.k, g.stride, g.pad, g.dilation, g.groups};
    if (auto found = c->convPlans.find(key); found != c->convPlans.end()) {
        *out = found->second.get();
        return NEURITE_CUDA_OK;
    }
    auto plan = std::make_unique<ConvPlan>();
    const auto check = [&](cudnnStatus_t e, const char* call) {
        return e == CUDNN_STATUS_SUCCESS ? int(NEURITE_CUDA_OK) : failCudnn(c, e, call, where);
    };
    // bf16 tensors, fp32 compute: cuDNN's PSEUDO_BFLOAT16 configuration of the legacy API.
    const cudnnDataType_t type = c->bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
    const bool tensorCores = c->allowTf32 || c->bf16;
    const cudnnMathType_t math = c->bf16 ? CUDNN_TENSOR_OP_MATH : c->allowTf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
    const std::string kind = std::string(c->bf16 ? " bf16" : "") + (c->deterministic ? " deterministic" : "");
    int e = check(cudnnCreateTensorDescriptor(&plan->x), "cudnnCreateTensorDescriptor");
    if (!e)
        e = check(cudnnCreateTensorDescriptor(&plan->y), "cudnnCreateTensorDescriptor");
    if (!e)
        e = check(cudnnCreateTensorDescriptor(&plan->yFloat), "cudnnCreateTensorDescriptor");
    if (!e)
        e = check(cudnnCreateTensorDescriptor(&plan->bias), "cudnnCreateTensorDescriptor");
    if (!e)
        e = check(cudnnCreateFilterDescriptor(&plan->w), "cudnnCreateFilterDescriptor");
    if (!e)
        e = check(cudnnCreateConvolutionDescriptor(&plan->conv), "cudnnCreateConvolutionDescriptor");
    if (!e)
        e = check(
            cudnnSetTensor4dDescriptor(plan->x, CUDNN_TENSOR_NCHW, type, int(g.n), int(g.cin), int(g.h), int(g.w)),
            "cudnnSetTensor4dDescriptor (x)");
    if (!e)
        e = check(cudnnSetFilter4dDescriptor(plan->w, type, CUDNN_TENSOR_NCHW, int(g.cout), int(g.cin / g.groups),
                                             int(g.k), int(g.k)),
                  "cudnnSetFilter4dDescriptor (w)");
    if (!e)
        e = check(cudnnSetConvolution2dDescriptor(plan->conv, int(g.pad), int(g.pad), int(g.stride), int(g.stride),
                                                  int(g.dilation), int(g.dilation), CUDNN_CROSS_CORRELATION,
                                                  CUDNN_DATA_FLOAT),
                  "cudnnSetConvolution2dDescriptor");
    if (!e)
        e = check(cudnnSetConvolutionGroupCount(plan->conv, int(g.groups)), "cudnnSetConvolutionGroupCount");
    if (!e)
        e = check(cudnnSetConvolutionMathType(plan->conv, math), "cudnnSetConvolutionMathType");
    int n = 0, ch = 0, oh = 0, ow = 0;
    if (!e)
        e = check(cudnnGetConvolution2dForwardOutputDim(plan->conv, plan->x, plan->w, &n, &ch, &oh, &ow),
                  "cudnnGetConvolution2dForwardOutputDim");
    if (e)
        return e;
    if (n != g.n || ch != g.cout || oh != g.oh || ow != g.ow)
        return fail(c, NEURITE_CUDA_INVALID,
                    where + ": cuDNN computes the output " + std::to_string(n) + "×" + std::to_string(ch) + "×" +
                        std::to_string(oh) + "×" + std::to_string(ow));
    e = check(cudnnSetTensor4dDescriptor(plan->y, CUDNN_TENSOR_NCHW, type, n, ch, oh, ow),
              "cudnnSetTensor4dDescriptor (y)");
    if (!e)
        e = check(cudnnSetTensor4dDescriptor(plan->yFloat, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, ch, oh, ow),
                  "cudnnSetTensor4dDescriptor (fp32 y)");
    if (!e)
        e = check(cudnnSetTensor4dDescriptor(plan->bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, ch, 1, 1),
                  "cudnnSetTensor4dDescriptor (bias)");
    if (e)
        return e;

    int most = 0, returned = 0;
    {
        if ((e = check(cudnnGetConvolutionForwardAlgorithmMaxCount(c->cudnn, &most),
                       "cudnnGetConvolutionForwardAlgorithmMaxCount")))
            return e;
        std::vector<cudnnConvolutionFwdAlgoPerf_t> ranked(std::size_t(std::max(most, 1)));
        if ((e = check(cudnnGetConvolutionForwardAlgorithm_v7(c->cudnn, plan->x, plan->w, plan->conv, plan->y, most,
                                                              &returned, ranked.data()),
                       "cudnnGetConvolutionForwardAlgorithm_v7")))
            return e;
        const auto* best = choose(ranked, returned, tensorCores, c->deterministic);
        if (!best)
            return fail(c, NEURITE_CUDA_ERROR, where + ": cuDNN offers no" + kind + " forward algorithm");
        plan->forward = best->algo;
        plan->forwardMath = tensorCores ? best->mathType : CUDNN_FMA_MATH;
        plan->forwardBytes = best->memory;
    }
    {
        if ((e = check(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(c->cudnn, &most),
                       "cudnnGetConvolutionBackwardDataAlgorithmMaxCount")))
            return e;
        std::vector<cudnnConvolutionBwdDataAlgoPerf_t> ranked(std::size_t(std::max(most, 1)));
        if ((e = check(cudnnGetConvolutionBackwardDataAlgorithm_v7(c->cudnn, plan->w, plan->y, plan->conv, plan->x,
                                                                   most, &returned, ranked.data()),
                       "cudnnGetConvolutionBackwardDataAlgorithm_v7")))
            return e;
        const auto* best = choose(ranked, returned, tensorCores, c->deterministic);
        if (!best)
            return fail(c, NEURITE_CUDA_ERROR, where + ": cuDNN offers no" + kind + " backward-data algorithm");
        plan->backwardData = best->algo;
        plan->backwardDataMath = tensorCores ? best->mathType : CUDNN_FMA_MATH;
        plan->backwardDataBytes = best->memory;
    }
    {
        if ((e = check(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(c->cudnn, &most),
                       "cudnnGetConvolutionBackwardFilterAlgorithmMaxCount")))
            return e;
        std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> ranked(std::size_t(std::max(most, 1)));
        if ((e = check(cudnnGetConvolutionBackwardFilterAlgorithm_v7(c->cudnn, plan->x, plan->y, plan->conv, plan->w,
                                                                     most, &returned, ranked.data()),
                       "cudnnGetConvolutionBackwardFilterAlgorithm_v7")))
            return e;
        const auto* best = choose(ranked, returned, tensorCores, c->deterministic);
        if (!best)
            return fail(c, NEURITE_CUDA_ERROR, where + ": cuDNN offers no" + kind + " backward-filter algorithm");
        plan->backwardFilter = best->algo;
        plan->backwardFilterMath = tensorCores ? best->mathType : CUDNN_FMA_MATH;
        plan->backwardFilterBytes = best->memory;
    }
    *out = plan.get();
    c->convPlans.emplace(key, std::move(plan));
    return NEURITE_CUDA_OK;
}

// The fused pooling's shape: the convolution's output planes, 2×2 windows, stride 2.
PoolPlane fusedPool(const NeuriteCudaConv& g) { return {g.oh, g.ow, 2, 2, 0, g.oh / 2, g.ow / 2}; }

// The element counts of x, w and y′ (y before the fused pooling).
std::int64_t inputs(const NeuriteCudaConv& g) { return g.n * g.cin * g.h * g.w; }
std::int64_t weights(const NeuriteCudaConv& g) { return g.cout * (g.cin / g.groups) * g.k * g.k; }
std::int64_t outputs(const NeuriteCudaConv& g) { return g.n * g.cout * g.oh * g.ow; }

std::size_t bf16Bytes(std::int64_t count) { return std::size_t(count) * sizeof(std::uint16_t); }

// The bf16 path's conversions (Bf16Kernels.cu), failing as the module does.
int toBf16(NeuriteCudaContext* c, const float* x, std::uint16_t* y, std::int64_t count, const char* what,
           const std::string& where)
{
    const cudaError_t e = launchToBf16(c->stream, x, count, y, 1, count);
    return e == cudaSuccess ? int(NEURITE_CUDA_OK) : failCuda(c, e, what, where);
}

int fromBf16(NeuriteCudaContext* c, const std::uint16_t* x, float* y, std::int64_t count, const char* what,
             const std::string& where)
{
    const cudaError_t e = launchFromBf16(c->stream, x, y, count);
    return e == cudaSuccess ? int(NEURITE_CUDA_OK) : failCuda(c, e, what, where);
}

} // namespace

ConvPlan::~ConvPlan()
{
    if (conv)
        cudnnDestroyConvolutionDescriptor(conv);
    if (w)
        cudnnDestroyFilterDescriptor(w);
    for (cudnnTensorDescriptor_t t : {x, y, yFloat, bias})
        if (t)
            cudnnDestroyTensorDescriptor(t);
}

int convForward(NeuriteCudaContext* c, const NeuriteCudaConv* g, const float* x, const float* w, const float* bias,
                float* y, std::int32_t* argmax)
{
    return guarded(c, [&] {
        if (!g)
            return fail(c, NEURITE_CUDA_INVALID, "convForward: null geometry");
        ConvPlan* plan = nullptr;
        if (const int e = planFor(c, *g, &plan))
            return e;
        const std::string where = describe(*g);
        const std::int64_t count = outputs(*g);
        // Scratch: cuDNN's workspace, y′ when pooling follows, the bf16 copies of x, w and y′.
        ScratchLayout layout;
        const std::size_t atWorkspace = layout.add(plan->forwardBytes);
        const std::size_t atFull = g->maxPool2x2 ? layout.add(std::size_t(count) * sizeof(float)) : 0;
        const std::size_t atX = c->bf16 ? layout.add(bf16Bytes(inputs(*g))) : 0;
        const std::size_t atW = c->bf16 ? layout.add(bf16Bytes(weights(*g))) : 0;
        const std::size_t atY = c->bf16 ? layout.add(bf16Bytes(count)) : 0;
        void* block = nullptr;
        if (const int e = scratch(c, layout.bytes, "workspace of " + where, &block))
            return e;
        void* workspace = ScratchLayout::part<void>(block, atWorkspace);
        float* out = g->maxPool2x2 ? ScratchLayout::part<float>(block, atFull) : y;
        const void *xIn = x, *wIn = w;
        void* yOut = out;
        if (c->bf16) {
            auto* x16 = ScratchLayout::part<std::uint16_t>(block, atX);
            auto* w16 = ScratchLayout::part<std::uint16_t>(block, atW);
            if (const int e = toBf16(c, x, x16, inputs(*g), "fp32 → bf16 kernel (x)", where))
                return e;
            if (const int e = toBf16(c, w, w16, weights(*g), "fp32 → bf16 kernel (w)", where))
                return e;
            xIn = x16;
            wIn = w16;
            yOut = ScratchLayout::part<void>(block, atY);
        }
        const float one = 1.0f, zero = 0.0f;
        if (const cudnnStatus_t e = cudnnSetConvolutionMathType(plan->conv, plan->forwardMath); e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnSetConvolutionMathType", where);
        if (const cudnnStatus_t e =
                cudnnConvolutionForward(c->cudnn, &one, plan->x, xIn, plan->w, wIn, plan->conv, plan->forward,
                                        workspace, plan->forwardBytes, &zero, plan->y, yOut);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnConvolutionForward", where);
        if (c->bf16)
            if (const int e =
                    fromBf16(c, static_cast<const std::uint16_t*>(yOut), out, count, "bf16 → fp32 kernel (y)", where))
                return e;
        if (const cudaError_t e = launchBiasRelu(c->stream, out, bias, g->n, g->cout, g->oh * g->ow, g->relu != 0);
            e != cudaSuccess)
            return failCuda(c, e, "bias and ReLU kernel", where);
        if (g->maxPool2x2)
            if (const cudaError_t e = launchMaxPoolForward(c->stream, fusedPool(*g), g->n * g->cout, out, y, argmax);
                e != cudaSuccess)
                return failCuda(c, e, "fused max pool kernel", where);
        return int(NEURITE_CUDA_OK);
    });
}

int convBackward(NeuriteCudaContext* c, const NeuriteCudaConv* g, const float* x, const float* w, const float* y,
                 const float* dy, float* dx, float* dw, float* db, const std::int32_t* argmax)
{
    return guarded(c, [&] {
        if (!g)
            return fail(c, NEURITE_CUDA_INVALID, "convBackward: null geometry");
        ConvPlan* plan = nullptr;
        if (const int e = planFor(c, *g, &plan))
            return e;
        const std::string where = describe(*g);
        if ((g->relu && !y) || (g->maxPool2x2 && !argmax) || !dw)
            return fail(c, NEURITE_CUDA_INVALID, where + ": backward needs dw, y (ReLU) and argmax (pooling)");
        const std::int64_t count = outputs(*g);
        const bool own = g->maxPool2x2 || g->relu;   // dy′ differs from dy
        // Scratch: cuDNN's workspace, dy′ (fp32) when it differs from dy, the bf16 copies of x, dy′,
        // dw and, when dx is asked for, of w and dx.
        ScratchLayout layout;
        const std::size_t atWorkspace = layout.add(std::max(plan->backwardDataBytes, plan->backwardFilterBytes));
        const std::size_t atFull = own ? layout.add(std::size_t(count) * sizeof(float)) : 0;
        const std::size_t atX = c->bf16 ? layout.add(bf16Bytes(inputs(*g))) : 0;
        const std::size_t atDy = c->bf16 ? layout.add(bf16Bytes(count)) : 0;
        const std::size_t atDw = c->bf16 ? layout.add(bf16Bytes(weights(*g))) : 0;
        const std::size_t atW = c->bf16 && dx ? layout.add(bf16Bytes(weights(*g))) : 0;
        const std::size_t atDx = c->bf16 && dx ? layout.add(bf16Bytes(inputs(*g))) : 0;
        void* block = nullptr;
        if (const int e = scratch(c, layout.bytes, "workspace of " + where, &block))
            return e;
        void* workspace = ScratchLayout::part<void>(block, atWorkspace);
        const float* grad = dy;
        if (own) {
            auto* full = ScratchLayout::part<float>(block, atFull);
            const cudaError_t e =
                g->maxPool2x2
                    ? launchMaxPoolBackward(c->stream, fusedPool(*g), g->n * g->cout, dy, argmax, g->relu ? y : nullptr,
                                            full)
                    : launchReluMask(c->stream, full, dy, y, count);
            if (e != cudaSuccess)
                return failCuda(c, e, g->maxPool2x2 ? "fused max pool backward kernel" : "ReLU mask kernel", where);
            grad = full;
        }
        const float one = 1.0f, zero = 0.0f;
        if (db)
            if (const cudnnStatus_t e =
                    cudnnConvolutionBackwardBias(c->cudnn, &one, plan->yFloat, grad, &zero, plan->bias, db);
                e != CUDNN_STATUS_SUCCESS)
                return failCudnn(c, e, "cudnnConvolutionBackwardBias", where);

        // What cuDNN reads and writes: the caller's fp32 buffers, or their bf16 copies in scratch.
        const void *xIn = x, *wIn = w, *gradIn = grad;
        void *dwOut = dw, *dxOut = dx;
        if (c->bf16) {
            auto* x16 = ScratchLayout::part<std::uint16_t>(block, atX);
            auto* dy16 = ScratchLayout::part<std::uint16_t>(block, atDy);
            if (const int e = toBf16(c, x, x16, inputs(*g), "fp32 → bf16 kernel (x)", where))
                return e;
            if (const int e = toBf16(c, grad, dy16, count, "fp32 → bf16 kernel (dy)", where))
                return e;
            xIn = x16;
            gradIn = dy16;
            dwOut = ScratchLayout::part<void>(block, atDw);
        }
        if (const cudnnStatus_t e = cudnnSetConvolutionMathType(plan->conv, plan->backwardFilterMath);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnSetConvolutionMathType", where);
        if (const cudnnStatus_t e = cudnnConvolutionBackwardFilter(c->cudnn, &one, plan->x, xIn, plan->y, gradIn,
                                                                   plan->conv, plan->backwardFilter, workspace,
                                                                   plan->backwardFilterBytes, &zero, plan->w, dwOut);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnConvolutionBackwardFilter", where);
        if (c->bf16)
            if (const int e = fromBf16(c, static_cast<const std::uint16_t*>(dwOut), dw, weights(*g),
                                       "bf16 → fp32 kernel (dw)", where))
                return e;
        if (!dx)
            return int(NEURITE_CUDA_OK);
        if (c->bf16) {
            auto* w16 = ScratchLayout::part<std::uint16_t>(block, atW);
            if (const int e = toBf16(c, w, w16, weights(*g), "fp32 → bf16 kernel (w)", where))
                return e;
            wIn = w16;
            dxOut = ScratchLayout::part<void>(block, atDx);
        }
        if (const cudnnStatus_t e = cudnnSetConvolutionMathType(plan->conv, plan->backwardDataMath);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnSetConvolutionMathType", where);
        if (const cudnnStatus_t e = cudnnConvolutionBackwardData(c->cudnn, &one, plan->w, wIn, plan->y, gradIn,
                                                                 plan->conv, plan->backwardData, workspace,
                                                                 plan->backwardDataBytes, &zero, plan->x, dxOut);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnConvolutionBackwardData", where);
        if (c->bf16)
            if (const int e = fromBf16(c, static_cast<const std::uint16_t*>(dxOut), dx, inputs(*g),
                                       "bf16 → fp32 kernel (dx)", where))
                return e;
        return int(NEURITE_CUDA_OK);
    });
}

} // namespace neurite::cuda
