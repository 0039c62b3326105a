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
#include "engine/backends/cuda/CudaContext.h"
#include "engine/backends/cuda/CudaKernels.h"

#include <algorithm>
#include <climits>
#include <vector>

namespace neurite::cuda {

namespace {

constexpr std::size_t kAlign = 256;
constexpr std::size_t kMaxWorkspace = std::size_t(1) << 30;   // skip algorithms that want more

std::size_t aligned(std::size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

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
// asked and, where TF32 is not allowed, uses plain FP32 arithmetic (CUDNN_FMA_MATH); failing the
// last, the first that meets the rest.
template <class Perf>
const Perf* choose(const std::vector<Perf>& ranked, int returned, bool allowTf32, bool deterministic)
{
    const Perf* fallback = nullptr;
    for (int i = 0; i < returned; ++i) {
        const Perf& p = ranked[std::size_t(i)];
        if (p.status != CUDNN_STATUS_SUCCESS || p.memory > kMaxWorkspace)
            continue;
        if (deterministic && p.determinism != CUDNN_DETERMINISTIC)
            continue;
        if (allowTf32 || p.mathType == CUDNN_FMA_MATH)
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
    int e = check(cudnnCreateTensorDescriptor(&plan->x), "cudnnCreateTensorDescriptor");
    if (!e)
        e = check(cudnnCreateTensorDescriptor(&plan->y), "cudnnCreateTensorDescriptor");
    if (!e)
        e = check(cudnnCreateTensorDescriptor(&plan->bias), "cudnnCreateTensorDescriptor");
    if (!e)
        e = check(cudnnCreateFilterDescriptor(&plan->w), "cudnnCreateFilterDescriptor");
    if (!e)
        e = check(cudnnCreateConvolutionDescriptor(&plan->conv), "cudnnCreateConvolutionDescriptor");
    if (!e)
        e = check(cudnnSetTensor4dDescriptor(plan->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(g.n), int(g.cin),
                                             int(g.h), int(g.w)),
                  "cudnnSetTensor4dDescriptor (x)");
    if (!e)
        e = check(cudnnSetFilter4dDescriptor(plan->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, int(g.cout),
                                             int(g.cin / g.groups), int(g.k), int(g.k)),
                  "cudnnSetFilter4dDescriptor (w)");
    if (!e)
        e = check(cudnnSetConvolution2dDescriptor(plan->conv, int(g.pad), int(g.pad), int(g.stride), int(g.stride),
                                                  int(g.dilation), int(g.dilation), CUDNN_CROSS_CORRELATION,
                                                  CUDNN_DATA_FLOAT),
                  "cudnnSetConvolution2dDescriptor");
    if (!e)
        e = check(cudnnSetConvolutionGroupCount(plan->conv, int(g.groups)), "cudnnSetConvolutionGroupCount");
    if (!e)
        e = check(cudnnSetConvolutionMathType(plan->conv, c->allowTf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH),
                  "cudnnSetConvolutionMathType");
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
    e = check(cudnnSetTensor4dDescriptor(plan->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, ch, oh, ow),
              "cudnnSetTensor4dDescriptor (y)");
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
        const auto* best = choose(ranked, returned, c->allowTf32, c->deterministic);
        if (!best)
            return fail(c, NEURITE_CUDA_ERROR,
                        where + ": cuDNN offers no forward algorithm" + (c->deterministic ? " that is deterministic" : ""));
        plan->forward = best->algo;
        plan->forwardMath = c->allowTf32 ? best->mathType : CUDNN_FMA_MATH;
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
        const auto* best = choose(ranked, returned, c->allowTf32, c->deterministic);
        if (!best)
            return fail(c, NEURITE_CUDA_ERROR,
                        where + ": cuDNN offers no backward-data algorithm" + (c->deterministic ? " that is deterministic" : ""));
        plan->backwardData = best->algo;
        plan->backwardDataMath = c->allowTf32 ? best->mathType : CUDNN_FMA_MATH;
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
        const auto* best = choose(ranked, returned, c->allowTf32, c->deterministic);
        if (!best)
            return fail(c, NEURITE_CUDA_ERROR,
                        where + ": cuDNN offers no backward-filter algorithm" + (c->deterministic ? " that is deterministic" : ""));
        plan->backwardFilter = best->algo;
        plan->backwardFilterMath = c->allowTf32 ? best->mathType : CUDNN_FMA_MATH;
        plan->backwardFilterBytes = best->memory;
    }
    *out = plan.get();
    c->convPlans.emplace(key, std::move(plan));
    return NEURITE_CUDA_OK;
}

// The fused pooling's shape: the convolution's output planes, 2×2 windows, stride 2.
PoolPlane fusedPool(const NeuriteCudaConv& g) { return {g.oh, g.ow, 2, 2, 0, g.oh / 2, g.ow / 2}; }

} // namespace

ConvPlan::~ConvPlan()
{
    if (conv)
        cudnnDestroyConvolutionDescriptor(conv);
    if (w)
        cudnnDestroyFilterDescriptor(w);
    for (cudnnTensorDescriptor_t t : {x, y, bias})
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
        const std::size_t full = g->maxPool2x2 ? std::size_t(g->n * g->cout * g->oh * g->ow) * sizeof(float) : 0;
        void* block = nullptr;
        if (const int e = scratch(c, aligned(plan->forwardBytes) + full, "workspace of " + where, &block))
            return e;
        float* out = g->maxPool2x2 ? reinterpret_cast<float*>(static_cast<char*>(block) + aligned(plan->forwardBytes)) : y;
        const float one = 1.0f, zero = 0.0f;
        if (const cudnnStatus_t e = cudnnSetConvolutionMathType(plan->conv, plan->forwardMath); e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnSetConvolutionMathType", where);
        if (const cudnnStatus_t e = cudnnConvolutionForward(c->cudnn, &one, plan->x, x, plan->w, w, plan->conv,
                                                            plan->forward, block, plan->forwardBytes, &zero, plan->y, out);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnConvolutionForward", where);
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
        const std::size_t workspace = aligned(std::max(plan->backwardDataBytes, plan->backwardFilterBytes));
        const std::int64_t count = g->n * g->cout * g->oh * g->ow;
        const bool own = g->maxPool2x2 || g->relu;   // dy′ differs from dy
        void* block = nullptr;
        if (const int e = scratch(c, workspace + (own ? std::size_t(count) * sizeof(float) : 0),
                                  "workspace of " + where, &block))
            return e;
        const float* grad = dy;
        if (own) {
            auto* full = reinterpret_cast<float*>(static_cast<char*>(block) + workspace);
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
            if (const cudnnStatus_t e = cudnnConvolutionBackwardBias(c->cudnn, &one, plan->y, grad, &zero, plan->bias, db);
                e != CUDNN_STATUS_SUCCESS)
                return failCudnn(c, e, "cudnnConvolutionBackwardBias", where);
        if (const cudnnStatus_t e = cudnnSetConvolutionMathType(plan->conv, plan->backwardFilterMath);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnSetConvolutionMathType", where);
        if (const cudnnStatus_t e =
                cudnnConvolutionBackwardFilter(c->cudnn, &one, plan->x, x, plan->y, grad, plan->conv,
                                               plan->backwardFilter, block, plan->backwardFilterBytes, &zero, plan->w, dw);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnConvolutionBackwardFilter", where);
        if (!dx)
            return int(NEURITE_CUDA_OK);
        if (const cudnnStatus_t e = cudnnSetConvolutionMathType(plan->conv, plan->backwardDataMath);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnSetConvolutionMathType", where);
        if (const cudnnStatus_t e =
                cudnnConvolutionBackwardData(c->cudnn, &one, plan->w, w, plan->y, grad, plan->conv, plan->backwardData,
                                             block, plan->backwardDataBytes, &zero, plan->x, dx);
            e != CUDNN_STATUS_SUCCESS)
            return failCudnn(c, e, "cudnnConvolutionBackwardData", where);
        return int(NEURITE_CUDA_OK);
    });
}

} // namespace neurite::cuda
