#pragma once
// The training half of the C interface between the engine and the CUDA module (libneurite_cuda.so);
// CudaProbe.h is the discovery half. Plain C types only, as there: the module and the engine may be
// built by different compilers, and C++ exceptions and typeinfo do not cross a dlopen boundary
// reliably. Nothing here throws or aborts: every call returns a status, and the context keeps the
// last failure (its message says which CUDA, cuBLAS or cuDNN call failed, on which geometry).
//
// The engine gets the table with dlsym("neurite_cuda_api") and calls neurite_cuda_api(VERSION);
// CudaBackend.h adapts it to neurite::Backend.
//
// Semantics: exactly neurite::Backend's (Backend.h), checked against the reference backend.
//   - Pointers named buffer, x, y, w, ... are device memory from allocate() of the same context;
//     host pointers are named host.
//   - One stream per context: every call is queued on it, in call order. download() and
//     synchronise() wait for it; the others return before the device has finished.
//   - A context may be used by one thread at a time (any thread).
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: the per-step operations (StepOperations.h); 3: NeuriteCudaOptions.deterministic; 4: gatherBatch
   (a data set held on the device); 5: NeuriteCudaOptions.bf16 (mixed precision); 6: telemetry
   (accumulateMoments, accumulateHistogram, accumulateUnitMaximum) */
#define NEURITE_CUDA_API_VERSION 6

typedef struct NeuriteCudaContext NeuriteCudaContext;   /* one device, its stream, handles, memory */
typedef struct NeuriteCudaGraph NeuriteCudaGraph;       /* a captured sequence of calls */

enum NeuriteCudaStatus {
    NEURITE_CUDA_OK = 0,
    NEURITE_CUDA_ERROR = 1,           /* a CUDA, cuBLAS or cuDNN call failed */
    NEURITE_CUDA_OUT_OF_MEMORY = 2,   /* the failure names purpose, bytes and free bytes */
    NEURITE_CUDA_INVALID = 3          /* bad arguments (geometry, unknown buffer, call not allowed now) */
};

/* Mixed precision (bf16): gemm, convForward and convBackward round their fp32 inputs to bf16
   (nearest even, a kernel of the module, into its scratch memory), multiply on bf16 tensor cores and
   accumulate in fp32; their outputs are fp32 (cuBLAS writes fp32; cuDNN's bf16 convolutions write
   bf16, widened back to fp32, so y, dx and dw carry bf16's 8-bit mantissa). Everything else (bias,
   ReLU, pooling, the per-step operations, the optimiser, every buffer the caller holds) stays fp32:
   the weights, gradients and optimiser state are the fp32 master copy. allowTf32 does not matter
   to those three calls then. */
typedef struct NeuriteCudaOptions {
    int device;                       /* CUDA device index */
    int allowTf32;                    /* cuBLAS and cuDNN may use TF32 tensor cores (10-bit mantissa) */
    int deterministic;                /* only cuDNN algorithms marked CUDNN_DETERMINISTIC */
    int bf16;                         /* version 5: gemm and convolutions in bf16, as above */
} NeuriteCudaOptions;

typedef struct NeuriteCudaFailure {
    int status;                       /* enum NeuriteCudaStatus of the last failed call */
    char message[1024];
    char purpose[256];                /* out of memory: what the memory was for */
    int64_t bytes;                    /* out of memory: the bytes asked for */
    int64_t freeBytes;                /* out of memory: free on the device (cudaMemGetInfo); -1 unknown */
} NeuriteCudaFailure;

typedef struct NeuriteCudaMemoryInfo {
    int64_t freeBytes, totalBytes;    /* the device's, from cudaMemGetInfo */
    int64_t inUseBytes;               /* handed out by allocate() and not released */
    int64_t cachedBytes;              /* released, kept by the context for reuse */
    int64_t deviceAllocations;        /* cudaMalloc calls so far (flat in a steady training step) */
} NeuriteCudaMemoryInfo;

/* neurite::ConvGeometry: x [n, cin, h, w], w [cout, cin/groups, k, k], y [n, cout, oh, ow]
   (halved by maxPool2x2). relu: y = max(0, conv + bias); backward masks dy with y > 0.
   maxPool2x2: 2×2 max pooling, stride 2, after the ReLU; argmax [n, cout, oh/2, ow/2] holds the
   in-plane index (in the oh×ow plane) of the chosen element. */
typedef struct NeuriteCudaConv {
    int64_t n, cin, h, w;
    int64_t cout, k;
    int64_t stride, pad, dilation, groups;
    int64_t oh, ow;
    int relu, maxPool2x2;
} NeuriteCudaConv;

/* neurite::PoolGeometry: x [n, c, h, w], y [n, c, oh, ow]. */
typedef struct NeuriteCudaPool {
    int64_t n, c, h, w;
    int64_t k, stride, pad;
    int64_t oh, ow;
} NeuriteCudaPool;

/* ---- The per-step operations' arguments, mirroring engine/backends/StepOperations.h (enums as int,
   in the order of the C++ enums; bool as 0/1). */
enum NeuriteCudaActivationKind {     /* neurite::ActivationKind */
    NEURITE_CUDA_RELU, NEURITE_CUDA_LEAKY_RELU, NEURITE_CUDA_ELU, NEURITE_CUDA_GELU, NEURITE_CUDA_SILU,
    NEURITE_CUDA_SIGMOID, NEURITE_CUDA_TANH
};
enum NeuriteCudaLossKind {           /* neurite::LossKind */
    NEURITE_CUDA_CROSS_ENTROPY, NEURITE_CUDA_MEAN_SQUARED_ERROR, NEURITE_CUDA_BCE_WITH_LOGITS
};
enum NeuriteCudaOptimizerKind {      /* neurite::OptimizerKind */
    NEURITE_CUDA_SGD, NEURITE_CUDA_ADAM, NEURITE_CUDA_ADAMW, NEURITE_CUDA_RMSPROP
};

typedef struct NeuriteCudaActivation {   /* neurite::ActivationSpec */
    int kind;                         /* enum NeuriteCudaActivationKind */
    float alpha;                      /* LeakyReLU's slope, ELU's alpha */
} NeuriteCudaActivation;

typedef struct NeuriteCudaLoss {         /* neurite::LossSpec + LossTarget */
    int kind;                         /* enum NeuriteCudaLossKind */
    float labelSmoothing;             /* cross-entropy only */
    const int32_t* labels;            /* [rows] classes, or null */
    const float* targets;             /* x's shape, or null; exactly one of the two is set */
} NeuriteCudaLoss;

typedef struct NeuriteCudaBatchNorm {    /* neurite::BatchNormTensors, each [channels] */
    const float* gamma;
    const float* beta;
    float* runningMean;
    float* runningVar;
    float* savedMean;
    float* savedInvstd;
} NeuriteCudaBatchNorm;

typedef struct NeuriteCudaOptimizer {    /* neurite::OptimizerStepSettings */
    int kind;                         /* enum NeuriteCudaOptimizerKind */
    double lr, weightDecay, momentum;
    int nesterov;
    double beta1, beta2, eps, alpha;
    int64_t step;                     /* counting this one, from 1 */
} NeuriteCudaOptimizer;

typedef struct NeuriteCudaOptimizerSlot {   /* neurite::OptimizerSlot */
    float* value;
    const float* grad;
    float* state0;                    /* momentum / Adam's m / RMSprop's square average; null if unused */
    float* state1;                    /* Adam's v / RMSprop's momentum; null if unused */
    int64_t count;
} NeuriteCudaOptimizerSlot;

typedef struct NeuriteCudaGradientSlice {   /* neurite::GradientSlice */
    float* data;
    int64_t count;
} NeuriteCudaGradientSlice;

typedef struct NeuriteCudaSamples {     /* neurite::ResidentSamples: device pointers; bytes or features */
    int64_t count, sampleSize;
    const uint8_t* bytes;             /* images [count × channels × plane] */
    const float* byteValues;          /* [channels × 256] */
    int64_t channels, plane;
    const float* features;            /* [count × sampleSize] */
    const float* mean;                /* [sampleSize] */
    const float* std;                 /* [sampleSize] */
    const int32_t* labels;            /* [count] */
} NeuriteCudaSamples;

typedef struct NeuriteCudaApi {
    int version;                      /* NEURITE_CUDA_API_VERSION */
    size_t size;                      /* sizeof(NeuriteCudaApi) as the module was built */

    /* ---- Context. create writes the reason into error[capacity] when it fails (no context then). */
    int (*create)(const NeuriteCudaOptions* options, NeuriteCudaContext** context, char* error, size_t capacity);
    void (*destroy)(NeuriteCudaContext* context);        /* waits for the stream; null: nothing */
    const NeuriteCudaFailure* (*lastFailure)(const NeuriteCudaContext* context);
    int (*describe)(NeuriteCudaContext* context, char* text, size_t capacity);  /* "NVIDIA H200 (GPU 0), ..." */

    /* ---- Memory. allocate: at least 256-byte aligned, never null on success, bytes 0 allowed.
       Released memory is cached by rounded size; out of memory empties the cache and retries once. */
    int (*allocate)(NeuriteCudaContext* context, int64_t bytes, const char* purpose, void** buffer);
    int (*release)(NeuriteCudaContext* context, void* buffer);            /* null: nothing */
    int (*upload)(NeuriteCudaContext* context, void* buffer, const void* host, int64_t bytes);
    int (*download)(NeuriteCudaContext* context, void* host, const void* buffer, int64_t bytes);  /* waits */
    int (*fill)(NeuriteCudaContext* context, float* buffer, float value, int64_t count);
    int (*synchronise)(NeuriteCudaContext* context);
    int (*memoryInfo)(NeuriteCudaContext* context, NeuriteCudaMemoryInfo* info);
    int (*emptyCache)(NeuriteCudaContext* context);                       /* cudaFree of the cached blocks */

    /* ---- Operations, as neurite::Backend (row-major; booleans as 0/1). */
    int (*gemm)(NeuriteCudaContext* context, int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
    /* bias may be null; argmax is written when maxPool2x2 (may be null then only if unused later). */
    int (*convForward)(NeuriteCudaContext* context, const NeuriteCudaConv* g, const float* x, const float* w,
                       const float* bias, float* y, int32_t* argmax);
    /* dw overwritten; db and dx overwritten, each may be null; y read when relu, argmax when maxPool2x2. */
    int (*convBackward)(NeuriteCudaContext* context, const NeuriteCudaConv* g, const float* x, const float* w,
                        const float* y, const float* dy, float* dx, float* dw, float* db, const int32_t* argmax);
    int (*maxPoolForward)(NeuriteCudaContext* context, const NeuriteCudaPool* g, const float* x, float* y,
                          int32_t* argmax);
    int (*maxPoolBackward)(NeuriteCudaContext* context, const NeuriteCudaPool* g, const float* dy,
                           const int32_t* argmax, float* dx);
    int (*avgPoolForward)(NeuriteCudaContext* context, const NeuriteCudaPool* g, const float* x, float* y);
    int (*avgPoolBackward)(NeuriteCudaContext* context, const NeuriteCudaPool* g, const float* dy, float* dx);

    /* ---- CUDA graphs. Between captureBegin and captureEnd the calls above are recorded, not run
       (upload, download, synchronise and emptyCache are refused then); replay runs the recording on
       the context's stream. A graph reads and writes the very buffers named while capturing: keep
       them allocated until graphDestroy. The module's own scratch memory is kept for it. */
    int (*captureBegin)(NeuriteCudaContext* context);
    int (*captureEnd)(NeuriteCudaContext* context, NeuriteCudaGraph** graph);
    int (*graphReplay)(NeuriteCudaContext* context, NeuriteCudaGraph* graph);
    int (*graphDestroy)(NeuriteCudaContext* context, NeuriteCudaGraph* graph);   /* null: nothing */

    /* ---- The per-step operations (version 2): neurite::StepOperations, one entry per method, the
       same arguments and semantics (StepOperations.h). Each queues kernels on the stream and never
       waits for the device: results the host needs (loss, norm, counts) stay in device buffers.
       Reductions are deterministic (partials in a fixed order, in double; integer atomics only for
       counts). Host arrays (slots, slices) are read during the call and may be reused at once. */
    int (*activationForward)(NeuriteCudaContext* context, const NeuriteCudaActivation* a, const float* x, float* y,
                             int64_t count);
    int (*activationBackward)(NeuriteCudaContext* context, const NeuriteCudaActivation* a, const float* x,
                              const float* y, const float* dy, float* dx, int64_t count);
    int (*dropoutForward)(NeuriteCudaContext* context, float p, uint64_t seed, uint32_t step, uint32_t stream,
                          const float* x, float* y, float* mask, int64_t count);
    int (*multiply)(NeuriteCudaContext* context, const float* a, const float* b, float* y, int64_t count);
    int (*add)(NeuriteCudaContext* context, const float* a, const float* b, float* y, int64_t count);
    int (*accumulate)(NeuriteCudaContext* context, const float* x, float* y, int64_t count);
    int (*copy)(NeuriteCudaContext* context, const float* x, float* y, int64_t count);
    int (*copyRows)(NeuriteCudaContext* context, const float* x, int64_t xStride, float* y, int64_t yStride,
                    int64_t yOffset, int64_t rows, int64_t width);
    int (*addBias)(NeuriteCudaContext* context, float* y, const float* bias, int64_t rows, int64_t channels,
                   int64_t positions);
    int (*biasGradient)(NeuriteCudaContext* context, const float* dy, float* db, int64_t rows, int64_t channels,
                        int64_t positions);
    int (*softmaxForward)(NeuriteCudaContext* context, const float* x, float* y, int64_t rows, int64_t width);
    int (*softmaxBackward)(NeuriteCudaContext* context, const float* y, const float* dy, float* dx, int64_t rows,
                           int64_t width);
    int (*lossForward)(NeuriteCudaContext* context, const NeuriteCudaLoss* l, const float* x, int64_t rows,
                       int64_t width, float* loss);   /* loss: [1], the mean */
    int (*lossBackward)(NeuriteCudaContext* context, const NeuriteCudaLoss* l, const float* x, int64_t rows,
                        int64_t width, float* dx);
    int (*batchNormForward)(NeuriteCudaContext* context, const float* x, float* y, int64_t n, int64_t channels,
                            int64_t positions, const NeuriteCudaBatchNorm* t, float momentum, float eps, int training);
    int (*batchNormBackward)(NeuriteCudaContext* context, const float* x, const float* dy, float* dx, int64_t n,
                             int64_t channels, int64_t positions, const NeuriteCudaBatchNorm* t, float* dgamma,
                             float* dbeta);   /* dx may be null */
    int (*layerNormForward)(NeuriteCudaContext* context, const float* x, float* y, int64_t rows, int64_t width,
                            const float* gamma, const float* beta, float eps, float* savedMean, float* savedInvstd);
    int (*layerNormBackward)(NeuriteCudaContext* context, const float* x, const float* dy, float* dx, int64_t rows,
                             int64_t width, const float* gamma, const float* savedMean, const float* savedInvstd,
                             float* dgamma, float* dbeta);   /* dx may be null */
    int (*globalAvgPoolForward)(NeuriteCudaContext* context, const float* x, float* y, int64_t planes,
                                int64_t planeSize);
    int (*globalAvgPoolBackward)(NeuriteCudaContext* context, const float* dy, float* dx, int64_t planes,
                                 int64_t planeSize);
    /* slots: a host array of slotCount descriptors (device pointers inside). */
    int (*optimizerStep)(NeuriteCudaContext* context, const NeuriteCudaOptimizer* s,
                         const NeuriteCudaOptimizerSlot* slots, int64_t slotCount);
    /* gradients: a host array of sliceCount slices; norm: [1] on the device. */
    int (*clipGradientNorm)(NeuriteCudaContext* context, const NeuriteCudaGradientSlice* gradients, int64_t sliceCount,
                            double maxNorm, float* norm);
    int (*countNonFinite)(NeuriteCudaContext* context, const float* x, int64_t count, int32_t* found);
    int (*countTopK)(NeuriteCudaContext* context, const float* scores, const int32_t* labels, int64_t rows,
                     int64_t classes, int topK, int32_t* hits);
    int (*addToConfusion)(NeuriteCudaContext* context, const float* scores, const int32_t* labels, int64_t rows,
                          int64_t classes, int32_t* matrix);

    /* ---- Data held on the device (version 4): x [n × sampleSize] and labels [n] of samples ids [n]. */
    int (*gatherBatch)(NeuriteCudaContext* context, const NeuriteCudaSamples* set, const int32_t* ids, int64_t n,
                       float* x, int32_t* labels);

    /* ---- Telemetry (version 6), as StepOperations.h says; every pointer on the device. */
    int (*accumulateMoments)(NeuriteCudaContext* context, const float* x, const float* minus, int64_t count,
                             float* moments);
    int (*accumulateHistogram)(NeuriteCudaContext* context, const float* x, int64_t count, const float* moments,
                               int bins, float* counts);
    int (*accumulateUnitMaximum)(NeuriteCudaContext* context, const float* x, int64_t rows, int64_t channels,
                                 int64_t positions, float* unitMax);
} NeuriteCudaApi;

/* The table, or null when the module does not speak `version`. */
typedef const NeuriteCudaApi* (*NeuriteCudaApiFn)(int version);
const NeuriteCudaApi* neurite_cuda_api(int version);

#ifdef __cplusplus
}
#endif
