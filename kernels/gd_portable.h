/*
 * gd_portable.h: the small dialect every kernel source in this folder is written in.
 *
 * The host prepends this header's text to each kernel file before compiling it (OpenCL C compilers do not resolve
 * #include reliably, and NVRTC gets the same treatment for symmetry), so the .cl files never #include it.
 * The same text compiles as OpenCL C 1.2 (clBuildProgram) and as CUDA C++ (nvcc defines __CUDACC__, NVRTC defines
 * __CUDACC_RTC__). Kernels use only these macros for qualifiers, indices, barriers and math, never the native names.
 *
 * Launch model shared by both backends: a 1-D or 2-D grid of work-groups (CUDA blocks) of work-items (CUDA threads).
 * The OpenCL host passes global size = groups * local size per dimension; the CUDA host passes grid = groups and
 * block = local size. Indices are returned as int.
 *
 * Tunables are plain #defines guarded by #ifndef, so the host may override them with -D options.
 */
#ifndef GD_PORTABLE_H
#define GD_PORTABLE_H

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)

#define GD_CUDA 1
#define GD_KERNEL extern "C" __global__
#define GD_GLOBAL
#define GD_LOCAL
#define GD_LOCAL_ARRAY(type, name, size) __shared__ type name[size]
#define GD_RESTRICT __restrict__
#define GD_INLINE static __device__ __forceinline__
/* Exact block shape (OpenCL reqd_work_group_size); CUDA can only bound the thread count. */
#define GD_WORK_GROUP_SIZE(x, y) __launch_bounds__((x) * (y))
#define GD_DIM_(v, d) ((d) == 0 ? (v).x : ((d) == 1 ? (v).y : (v).z))
#define GD_LOCAL_ID(d) ((int)GD_DIM_(threadIdx, d))
#define GD_GROUP_ID(d) ((int)GD_DIM_(blockIdx, d))
#define GD_LOCAL_SIZE(d) ((int)GD_DIM_(blockDim, d))
#define GD_NUM_GROUPS(d) ((int)GD_DIM_(gridDim, d))
#define GD_GLOBAL_ID(d) (GD_GROUP_ID(d) * GD_LOCAL_SIZE(d) + GD_LOCAL_ID(d))
#define GD_GLOBAL_SIZE(d) (GD_NUM_GROUPS(d) * GD_LOCAL_SIZE(d))
#define GD_BARRIER() __syncthreads()
#define GD_EXP(x) expf(x)
#define GD_LOG(x) logf(x)
#define GD_SQRT(x) sqrtf(x)
#define GD_TANH(x) tanhf(x)
typedef unsigned char gd_uchar;

#else /* OpenCL C */

#define GD_OPENCL 1
#define GD_KERNEL __kernel
#define GD_GLOBAL __global
#define GD_LOCAL __local
#define GD_LOCAL_ARRAY(type, name, size) __local type name[size]
#define GD_RESTRICT restrict
#if defined(__OPENCL_C_VERSION__) && __OPENCL_C_VERSION__ >= 120
#define GD_INLINE static inline
#else
#define GD_INLINE inline
#endif
#define GD_WORK_GROUP_SIZE(x, y) __attribute__((reqd_work_group_size((x), (y), 1)))
#define GD_LOCAL_ID(d) ((int)get_local_id(d))
#define GD_GROUP_ID(d) ((int)get_group_id(d))
#define GD_LOCAL_SIZE(d) ((int)get_local_size(d))
#define GD_NUM_GROUPS(d) ((int)get_num_groups(d))
#define GD_GLOBAL_ID(d) ((int)get_global_id(d))
#define GD_GLOBAL_SIZE(d) ((int)get_global_size(d))
#define GD_BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define GD_EXP(x) exp(x)
#define GD_LOG(x) log(x)
#define GD_SQRT(x) sqrt(x)
#define GD_TANH(x) tanh(x)
typedef uchar gd_uchar;

#endif

#define GD_MIN(a, b) ((a) < (b) ? (a) : (b))
#define GD_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Activation codes of the op contract (kernels/README.md, enum Activation). */
#define GD_ACT_NONE 0
#define GD_ACT_RELU 1
#define GD_ACT_SIGMOID 2
#define GD_ACT_TANH 3

/* y = f(v) for an activation code; relu keeps NaN and maps negatives to 0. Shared by gemm.cl and bias_activation.cl. */
GD_INLINE float gd_activate(float v, int act)
{
    if (act == GD_ACT_RELU) return v < 0.0f ? 0.0f : v;
    if (act == GD_ACT_SIGMOID) return 1.0f / (1.0f + GD_EXP(-v));
    if (act == GD_ACT_TANH) return GD_TANH(v);
    return v;
}

#endif /* GD_PORTABLE_H */
