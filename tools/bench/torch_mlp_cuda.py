# PyTorch reference on an NVIDIA GPU for docs/benchmarks.md ("CUDA"): the default GpuDigits model (784-128-128-10,
# ReLU, softmax cross-entropy, batch 128, SGD lr 0.05 momentum 0.9) trained with the data already on the GPU and
# batches gathered there, as GpuDigits does; prints seconds per epoch (synchronized) and test accuracy, then
# cuBLAS sgemm rates at 4096^3 and at the training shapes.
# Usage: python3 torch_mlp_cuda.py MNIST_DIR [EPOCHS]    (MNIST_DIR holds the four IDX files, raw or .gz)
import gzip, os, struct, sys, time
import numpy as np
import torch

folder = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
dev = torch.device("cuda")
torch.manual_seed(0)


def idx(name):
    path = os.path.join(folder, name)
    raw = open(path, "rb").read() if os.path.exists(path) else gzip.open(path + ".gz", "rb").read()
    dims = struct.unpack(">" + "I" * raw[3], raw[4:4 + 4 * raw[3]])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * raw[3]).reshape(dims)


xtr = torch.tensor(idx("train-images-idx3-ubyte").reshape(-1, 784), device=dev).float() / 255
ytr = torch.tensor(idx("train-labels-idx1-ubyte"), device=dev).long()
xte = torch.tensor(idx("t10k-images-idx3-ubyte").reshape(-1, 784), device=dev).float() / 255
yte = torch.tensor(idx("t10k-labels-idx1-ubyte"), device=dev).long()
mean, std = xtr.mean(), xtr.std()
xtr, xte = (xtr - mean) / std, (xte - mean) / std

net = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU(),
                          torch.nn.Linear(128, 10)).to(dev)
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
loss_fn, batch, n = torch.nn.CrossEntropyLoss(), 128, xtr.shape[0]
print(f"device {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}", flush=True)
for epoch in range(epochs):
    torch.cuda.synchronize()
    start = time.perf_counter()
    order = torch.randperm(n, device=dev)
    for i in range(0, n, batch):
        rows = order[i:i + batch]
        opt.zero_grad(set_to_none=True)
        loss_fn(net(xtr[rows]), ytr[rows]).backward()
        opt.step()
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = (net(xte).argmax(1) == yte).float().mean().item()
    print(f"epoch {epoch + 1} train_s {seconds:.4f} test_acc {accuracy:.4f}", flush=True)


def gemm_rate(m, n, k, repeat=20):
    a, b = torch.randn(m, k, device=dev), torch.randn(k, n, device=dev)
    for _ in range(3):
        torch.mm(a, b)
    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    begin.record()
    for _ in range(repeat):
        torch.mm(a, b)
    end.record()
    torch.cuda.synchronize()
    return 2.0 * m * n * k * repeat / (begin.elapsed_time(end) * 1e6)


torch.backends.cuda.matmul.allow_tf32 = False  # FP32 like GpuDigits
for m, n, k in [(4096, 4096, 4096), (1024, 1024, 1024), (128, 128, 784), (128, 128, 128), (784, 128, 128), (128, 10, 128)]:
    print(f"sgemm {m}x{n}x{k} {gemm_rate(m, n, k):.0f} GFLOP/s", flush=True)
