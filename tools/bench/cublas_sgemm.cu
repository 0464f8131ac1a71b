// cublas_sgemm.cu: the cuBLAS peer of `gpudigits bench --device cuda`: SGEMM (fp32, TF32 off) at the GEMM shapes
// the bench times, on the same GPU, timed with CUDA events (min and median over REPEAT timed calls after a warm-up).
// Row-major C (m x n) = op(A) op(B) is computed as the column-major C^T = op(B)^T op(A)^T.
//   build: nvcc -O2 -o cublas_sgemm cublas_sgemm.cu -lcublas        run: ./cublas_sgemm [SQUARE] [REPEAT]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#define CHECK_CUDA(x) do { cudaError_t check_e_ = (x); if (check_e_ != cudaSuccess) { \
  std::fprintf(stderr, "%s failed: %s\n", #x, cudaGetErrorString(check_e_)); std::exit(1); } } while (0)
#define CHECK_CUBLAS(x) do { cublasStatus_t check_s_ = (x); if (check_s_ != CUBLAS_STATUS_SUCCESS) { \
  std::fprintf(stderr, "%s failed: status %d\n", #x, (int)check_s_); std::exit(1); } } while (0)

struct Shape { bool ta, tb; int m, n, k; const char* note; };

int main(int argc, char** argv) {
  int square = argc > 1 ? std::atoi(argv[1]) : 4096;
  int repeat = argc > 2 ? std::atoi(argv[2]) : 20;
  const int batch = 128;
  std::vector<Shape> shapes = {
    {false, false, batch, 128, 784, "forward layer 1"}, {false, false, batch, 128, 128, "forward layer 2"},
    {false, false, batch, 10, 128, "forward layer 3"}, {true, false, 784, 128, batch, "weight grad layer 1"},
    {true, false, 128, 128, batch, "weight grad layer 2"}, {true, false, 128, 10, batch, "weight grad layer 3"},
    {false, true, batch, 128, 128, "input grad layer 2"}, {false, true, batch, 128, 10, "input grad layer 3"},
    {false, false, square, square, square, "square"}, {true, false, square, square, square, "square"},
    {false, true, square, square, square, "square"},
  };
  cublasHandle_t handle;
  CHECK_CUBLAS(cublasCreate(&handle));
  CHECK_CUBLAS(cublasSetMathMode(handle, CUBLAS_PEDANTIC_MATH));  // plain fp32: no TF32, no reduced precision
  cudaDeviceProp prop;
  CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
  int version = 0;
  CHECK_CUBLAS(cublasGetVersion(handle, &version));
  std::printf("cuBLAS %d on %s (sm_%d%d), fp32 pedantic math, %d timed calls per shape\n", version, prop.name,
              prop.major, prop.minor, repeat);
  cudaEvent_t start, stop;
  CHECK_CUDA(cudaEventCreate(&start));
  CHECK_CUDA(cudaEventCreate(&stop));
  for (const Shape& s : shapes) {
    size_t na = (size_t)s.m * s.k, nb = (size_t)s.k * s.n, nc = (size_t)s.m * s.n;
    float *a, *b, *c;
    CHECK_CUDA(cudaMalloc(&a, na * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&b, nb * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&c, nc * sizeof(float)));
    std::vector<float> host(std::max(na, nb));
    for (size_t i = 0; i < host.size(); i++) host[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    CHECK_CUDA(cudaMemcpy(a, host.data(), na * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(b, host.data(), nb * sizeof(float), cudaMemcpyHostToDevice));
    const float alpha = 1.0f, beta = 0.0f;
    auto run = [&]() {
      CHECK_CUBLAS(cublasSgemm(handle, s.tb ? CUBLAS_OP_T : CUBLAS_OP_N, s.ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                               s.n, s.m, s.k, &alpha, b, s.tb ? s.k : s.n, a, s.ta ? s.m : s.k, &beta, c, s.n));
    };
    for (int i = 0; i < 3; i++) run();
    CHECK_CUDA(cudaDeviceSynchronize());
    // Small shapes are called many times per timed repetition, as the bench does, so launch cost is included.
    int calls = (double)s.m * s.n * s.k < 1e8 ? 100 : 1;
    std::vector<float> ms;
    for (int r = 0; r < repeat; r++) {
      CHECK_CUDA(cudaEventRecord(start));
      for (int i = 0; i < calls; i++) run();
      CHECK_CUDA(cudaEventRecord(stop));
      CHECK_CUDA(cudaEventSynchronize(stop));
      float t = 0;
      CHECK_CUDA(cudaEventElapsedTime(&t, start, stop));
      ms.push_back(t / calls);
    }
    std::sort(ms.begin(), ms.end());
    double flop = 2.0 * s.m * s.n * s.k;
    std::printf("cublas gemm %c%c m%d n%d k%d: min %.4f ms (%.1f GFLOP/s), median %.4f ms (%.1f GFLOP/s)  %s\n",
                s.ta ? 'T' : 'N', s.tb ? 'T' : 'N', s.m, s.n, s.k, ms.front(), flop / (ms.front() * 1e6),
                ms[ms.size() / 2], flop / (ms[ms.size() / 2] * 1e6), s.note);
    CHECK_CUDA(cudaFree(a));
    CHECK_CUDA(cudaFree(b));
    CHECK_CUDA(cudaFree(c));
  }
  cublasDestroy(handle);
  return 0;
}
