"""Benchmark section a2_conv: numpy fast conv/pool layers against PyTorch on the CPU, and one CNN epoch.

Runs with assignment2/ as working directory (python -m tools.bench). Every time is the median of
several repeats after warm-up calls, in blocks of ours and torch's taken in turn over three
rounds (the machine's speed drifts; see paired_median_seconds in tools/bench/timing.py); torch uses
as many threads as there are cores and the same dtype as ours. Metrics (ratios are our time /
torch's time, lower is better):

  a2.conv.<shape>.<dtype>.fwd_ratio_vs_torch, ...fwdbwd_ratio_vs_torch   targets: <= 1.0 float64, <= 1.5 float32
  a2.conv.<shape>.<dtype>.fwd_ms / fwdbwd_ms / torch_fwd_ms / torch_fwdbwd_ms
  a2.conv.<shape>.<dtype>.gemm_only_fwd_ratio_vs_torch, ...gemm_only_fwdbwd_ratio_vs_torch: numpy's
      matrix products alone (columns already built) against torch's whole layer: the lowest ratio
      any im2col design on numpy's BLAS can reach
  a2.conv.<shape>.<dtype>.fwdbwd_ratio_vs_gemm (<= 1.5), ...fwd_ratio_vs_gemm: our whole layer against
      those matrix products alone (the same three GEMMs: forward, dw, column gradients), timed in
      turn in one run; also for NET_SHAPES, the convolutions the notebooks' networks run (a
      network's first layer without dx, as the network calls it)
  a2.numpy_gemm_gflops.<dtype>, a2.conv.fwd_gflops_large.<dtype>, a2.conv.fwd_gemm_fraction_large.<dtype>  (>= 0.40)
  a2.pool.<dtype>.fwdbwd_ratio_vs_torch   (<= 2)
  a2.conv.speedup_vs_naive                (first shape, float64, forward; >= 200)
  a2.cnn.epoch_seconds, a2.cnn.torch_epoch_seconds, a2.cnn.epoch_ratio_vs_torch (<= 2.5),
  a2.cnn.train_acc_1epoch, a2.cnn.val_acc_1epoch (>= 0.42 both; ThreeLayerConvNet, batch 50,
  float32, Adam 1e-3, hidden layer 300 (CNN_RECIPE), 49,000 training images; train accuracy on
  1,000 of them, as the Solver does)

Set A2_CONV_BENCH_QUICK=1 to skip the CNN epoch (the layer timings take about a minute).
Set A2_CONV_STAGES to a comma-separated subset of conv, net_shapes, gemm, pool, naive, cnn to
run only those stages (it overrides A2_CONV_BENCH_QUICK; A2_CONV_STAGES=cnn: the
ThreeLayerConvNet epoch alone).
"""

import os
import time

import numpy as np

from tools.bench import median_seconds, paired_median_seconds

SHAPES = {
    # name: (N, C, H, W, F, K, stride, pad)
    "n100_c3_31x31_f25_k3_s2": (100, 3, 31, 31, 25, 3, 2, 1),
    "n50_c3_32x32_f32_k7_s1": (50, 3, 32, 32, 32, 7, 1, 3),
    "n64_c64_32x32_f64_k3_s1": (64, 64, 32, 32, 64, 3, 1, 1),
}
LARGE = "n64_c64_32x32_f64_k3_s1"
NET_SHAPES = {
    # name: (N, C, H, W, F, K, stride, pad, need_dx)
    # ThreeLayerConvNet's conv (ConvolutionalNetworks.ipynb, batch 50): the first layer, no dx
    "cnn_n50_c3_32x32_f32_k7_s1_nodx": (50, 3, 32, 32, 32, 7, 1, 3, False),
    # SmallResNet(filters=(16, 32, 64)) at batch 100 (CNN_Architectures.ipynb, a2_resnet): the stem
    # (no dx) and each distinct block conv; a stride-2 conv on an even map gets the padded,
    # trimmed input that resnet._conv builds (33x33, 31x31, 17x17, 15x15, pad 0)
    "resnet_n100_c3_32x32_f16_k3_s1_nodx": (100, 3, 32, 32, 16, 3, 1, 1, False),
    "resnet_n100_c16_32x32_f16_k3_s1": (100, 16, 32, 32, 16, 3, 1, 1, True),
    "resnet_n100_c16_33x33_f32_k3_s2": (100, 16, 33, 33, 32, 3, 2, 0, True),
    "resnet_n100_c16_31x31_f32_k1_s2": (100, 16, 31, 31, 32, 1, 2, 0, True),
    "resnet_n100_c32_16x16_f32_k3_s1": (100, 32, 16, 16, 32, 3, 1, 1, True),
    "resnet_n100_c32_17x17_f64_k3_s2": (100, 32, 17, 17, 64, 3, 2, 0, True),
    "resnet_n100_c32_15x15_f64_k1_s2": (100, 32, 15, 15, 64, 1, 2, 0, True),
    "resnet_n100_c64_8x8_f64_k3_s1": (100, 64, 8, 8, 64, 3, 1, 1, True),
}


# ThreeLayerConvNet's one-epoch recipe (batch 50, Adam, no regularisation), shared with its PyTorch twin.
# hidden_dim 300 rather than 100 (issue 19; stand-in, 2 threads, one probe each): train / val 0.484 / 0.447
# against 0.448 / 0.421, epoch ratio to torch 1.97 against 1.98; 500 gave 0.409 / 0.448 at ratio 2.19.
CNN_RECIPE = dict(num_filters=32, filter_size=7, hidden_dim=300, weight_scale=1e-3, learning_rate=1e-3)


def _median_time(fn, repeats=7, warmup=1):
    return median_seconds(fn, repeats=repeats, warmup=warmup)


def _gemm_floor(x, w, dout, stride, pad, need_dx=True):
    """The matrix products of an im2col convolution on columns built beforehand (independently
    of the layer under test): returns (forward_fn, backward_fn), each running its GEMMs into
    preallocated buffers (backward: dw = dout2 cols^T, and with dx the column gradients)."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    cols = np.ascontiguousarray(win[:, :, :Ho, :Wo].transpose(1, 4, 5, 0, 2, 3)).reshape(C * HH * WW, -1)
    w2 = w.reshape(F, -1)
    d2 = np.ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(F, -1)  # (F, N*P)
    buf_o = np.empty((F, cols.shape[1]), x.dtype)
    buf_c = np.empty(cols.shape, x.dtype)
    buf_w = np.empty((F, cols.shape[0]), x.dtype)

    def fwd():
        np.matmul(w2, cols, out=buf_o)  # (F,K)x(K,N*P)

    def bwd():
        np.matmul(d2, cols.T, out=buf_w)  # (F,N*P)x(N*P,K)
        if need_dx:
            np.matmul(w2.T, d2, out=buf_c)  # (K,F)x(F,N*P)

    return fwd, bwd


def _bench_conv(torch, metrics):
    from cs231n.fast_layers import conv_forward_fast, conv_backward_fast

    F_ = torch.nn.functional
    for dtype in ("float64", "float32"):
        for name, (N, C, H, W, F, K, s, p) in SHAPES.items():
            rng = np.random.default_rng(0)
            x = rng.standard_normal((N, C, H, W)).astype(dtype)
            w = rng.standard_normal((F, C, K, K)).astype(dtype)
            b = rng.standard_normal(F).astype(dtype)
            cp = {"stride": s, "pad": p}
            out, _ = conv_forward_fast(x, w, b, cp)
            dout = rng.standard_normal(out.shape).astype(dtype)
            repeats = 3 if name == LARGE else 7

            xt = torch.from_numpy(x).requires_grad_()
            wt = torch.from_numpy(w).requires_grad_()
            bt = torch.from_numpy(b).requires_grad_()
            dt = torch.from_numpy(dout)

            def torch_fwd():
                with torch.no_grad():
                    F_.conv2d(xt, wt, bt, stride=s, padding=p)

            def torch_fwdbwd():
                xt.grad = wt.grad = bt.grad = None
                F_.conv2d(xt, wt, bt, stride=s, padding=p).backward(dt)

            # the floor of any im2col design: the matrix products alone, on columns already built
            gemm_fwd, gemm_bwd = _gemm_floor(x, w, dout, s, p)

            # ours, torch's and the GEMM floor timed in blocks taken in turn, so that all see the same machine
            t_fwd, tt_fwd, t_gemm_fwd = paired_median_seconds(
                [lambda: conv_forward_fast(x, w, b, cp), torch_fwd, gemm_fwd], repeats
            )
            t_fb, tt_fb, t_gemm_bwd = paired_median_seconds(
                [lambda: conv_backward_fast(dout, conv_forward_fast(x, w, b, cp)[1]), torch_fwdbwd, gemm_bwd],
                repeats,
            )
            t_gemm_fb = t_gemm_fwd + t_gemm_bwd
            gemm_fwd = gemm_bwd = None  # free the buffers before the next shape
            key = f"a2.conv.{name}.{dtype}"
            metrics[f"{key}.fwd_ms"] = round(t_fwd * 1e3, 3)
            metrics[f"{key}.fwdbwd_ms"] = round(t_fb * 1e3, 3)
            metrics[f"{key}.torch_fwd_ms"] = round(tt_fwd * 1e3, 3)
            metrics[f"{key}.torch_fwdbwd_ms"] = round(tt_fb * 1e3, 3)
            metrics[f"{key}.fwd_ratio_vs_torch"] = round(t_fwd / tt_fwd, 3)
            metrics[f"{key}.fwdbwd_ratio_vs_torch"] = round(t_fb / tt_fb, 3)
            metrics[f"{key}.gemm_only_fwd_ratio_vs_torch"] = round(t_gemm_fwd / tt_fwd, 3)
            metrics[f"{key}.gemm_only_fwdbwd_ratio_vs_torch"] = round(t_gemm_fb / tt_fb, 3)
            metrics[f"{key}.fwd_ratio_vs_gemm"] = round(t_fwd / t_gemm_fwd, 3)
            metrics[f"{key}.fwdbwd_ratio_vs_gemm"] = round(t_fb / t_gemm_fb, 3)
            if name == LARGE:
                Ho = 1 + (H + 2 * p - K) // s
                flops = 2.0 * N * F * C * K * K * Ho * Ho
                metrics[f"a2.conv.fwd_gflops_large.{dtype}"] = round(flops / t_fwd / 1e9, 2)


def _bench_net_shapes(metrics):
    """Our conv layer against its GEMMs alone on the convolutions the notebooks' networks run."""
    from cs231n.fast_layers import conv_forward_fast, conv_backward_fast

    for dtype in ("float64", "float32"):
        for name, (N, C, H, W, F, K, s, p, need_dx) in NET_SHAPES.items():
            rng = np.random.default_rng(0)
            x = rng.standard_normal((N, C, H, W)).astype(dtype)
            w = rng.standard_normal((F, C, K, K)).astype(dtype)
            b = rng.standard_normal(F).astype(dtype)
            cp = {"stride": s, "pad": p}
            out, _ = conv_forward_fast(x, w, b, cp)
            dout = rng.standard_normal(out.shape).astype(dtype)
            gemm_fwd, gemm_bwd = _gemm_floor(x, w, dout, s, p, need_dx)

            def ours():
                conv_backward_fast(dout, conv_forward_fast(x, w, b, cp)[1], need_dx=need_dx)

            def gemm():
                gemm_fwd()
                gemm_bwd()

            t_fb, t_gemm = paired_median_seconds([ours, gemm], 5)
            gemm_fwd = gemm_bwd = None
            key = f"a2.conv.{name}.{dtype}"
            metrics[f"{key}.fwdbwd_ms"] = round(t_fb * 1e3, 3)
            metrics[f"{key}.gemm_only_fwdbwd_ms"] = round(t_gemm * 1e3, 3)
            metrics[f"{key}.fwdbwd_ratio_vs_gemm"] = round(t_fb / t_gemm, 3)


def _bench_gemm(metrics):
    for dtype in ("float64", "float32"):
        a = np.random.default_rng(0).standard_normal((2048, 2048)).astype(dtype)
        t = _median_time(lambda: a @ a, 5)
        metrics[f"a2.numpy_gemm_gflops.{dtype}"] = round(2.0 * 2048**3 / t / 1e9, 2)
        if f"a2.conv.fwd_gflops_large.{dtype}" in metrics:
            metrics[f"a2.conv.fwd_gemm_fraction_large.{dtype}"] = round(
                metrics[f"a2.conv.fwd_gflops_large.{dtype}"] / metrics[f"a2.numpy_gemm_gflops.{dtype}"], 3
            )


def _bench_pool(torch, metrics):
    from cs231n.fast_layers import max_pool_forward_fast, max_pool_backward_fast

    pp = {"pool_height": 2, "pool_width": 2, "stride": 2}
    for dtype in ("float64", "float32"):
        x = np.random.default_rng(0).standard_normal((50, 32, 32, 32)).astype(dtype)  # the CNN's pool
        out, _ = max_pool_forward_fast(x, pp)
        dout = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
        xt = torch.from_numpy(x).requires_grad_()
        dt = torch.from_numpy(dout)

        def torch_fb():
            xt.grad = None
            torch.nn.functional.max_pool2d(xt, 2, 2).backward(dt)

        t, tt = paired_median_seconds(
            [lambda: max_pool_backward_fast(dout, max_pool_forward_fast(x, pp)[1]), torch_fb], 7
        )
        metrics[f"a2.pool.{dtype}.fwdbwd_ms"] = round(t * 1e3, 3)
        metrics[f"a2.pool.{dtype}.torch_fwdbwd_ms"] = round(tt * 1e3, 3)
        metrics[f"a2.pool.{dtype}.fwdbwd_ratio_vs_torch"] = round(t / tt, 3)
    # overlapping windows (3x3, stride 2) are correct but slower; reported, no target
    x = np.random.default_rng(0).standard_normal((50, 32, 31, 31))
    pp3 = {"pool_height": 3, "pool_width": 3, "stride": 2}
    out, _ = max_pool_forward_fast(x, pp3)
    dout = np.ones_like(out)
    metrics["a2.pool.overlap3s2.float64.fwdbwd_ms"] = round(
        1e3 * _median_time(lambda: max_pool_backward_fast(dout, max_pool_forward_fast(x, pp3)[1]), 5), 3
    )


def _bench_naive(metrics):
    from cs231n.fast_layers import conv_forward_fast
    from cs231n.layers import conv_forward_naive

    N, C, H, W, F, K, s, p = SHAPES["n100_c3_31x31_f25_k3_s2"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, K, K))
    b = rng.standard_normal(F)
    cp = {"stride": s, "pad": p}
    t0 = time.perf_counter()
    out_naive, _ = conv_forward_naive(x, w, b, cp)
    t_naive = time.perf_counter() - t0
    t_fast = _median_time(lambda: conv_forward_fast(x, w, b, cp), 9)
    out_fast, _ = conv_forward_fast(x, w, b, cp)
    rel = np.max(np.abs(out_naive - out_fast) / np.maximum(1e-8, np.abs(out_naive) + np.abs(out_fast)))
    metrics["a2.conv.naive_fwd_seconds"] = round(t_naive, 3)
    metrics["a2.conv.speedup_vs_naive"] = round(t_naive / t_fast, 1)
    metrics["a2.conv.fast_vs_naive_rel_error"] = float(f"{rel:.3g}")


def _torch_epoch(torch, data, num_iters, batch_size, seed, r):
    """The same net (recipe r), initialisation scale, optimizer, batch size and sampling in PyTorch float32."""
    nn = torch.nn
    torch.manual_seed(seed)
    F, K, H = r["num_filters"], r["filter_size"], r["hidden_dim"]
    net = nn.Sequential(
        nn.Conv2d(3, F, K, padding=(K - 1) // 2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(F * 16 * 16, H),
        nn.ReLU(),
        nn.Linear(H, 10),
    )
    with torch.no_grad():
        for m in net:
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.weight.normal_(0.0, r["weight_scale"])
                m.bias.zero_()
    opt = torch.optim.Adam(net.parameters(), lr=r["learning_rate"])
    X = torch.from_numpy(data["X_train"])
    y = torch.from_numpy(data["y_train"].astype(np.int64))
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for _ in range(num_iters):
        idx = torch.from_numpy(rng.choice(len(X), batch_size))
        loss = nn.functional.cross_entropy(net(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        sub = rng.choice(len(X), 1000, replace=False)
        train_acc = (net(X[sub]).argmax(1) == y[sub]).float().mean().item()
        val_acc = (net(torch.from_numpy(data["X_val"])).argmax(1).numpy() == data["y_val"]).mean()
    return seconds, train_acc, float(val_acc)


def _bench_cnn(torch, metrics):
    from cs231n.classifiers.cnn import ThreeLayerConvNet
    from cs231n.data_utils import get_CIFAR10_data
    from cs231n.solver import Solver

    r = CNN_RECIPE
    data = {k: v for k, v in get_CIFAR10_data().items() if k.startswith(("X_train", "y_train", "X_val", "y_val"))}
    batch_size = 50
    num_iters = len(data["X_train"]) // batch_size
    np.random.seed(0)
    model = ThreeLayerConvNet(
        num_filters=r["num_filters"],
        filter_size=r["filter_size"],
        hidden_dim=r["hidden_dim"],
        weight_scale=r["weight_scale"],
        reg=0.0,
        dtype=np.float32,
    )
    solver = Solver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": r["learning_rate"]},
        num_epochs=1,
        batch_size=batch_size,
        verbose=False,
        seed=0,
    )
    t0 = time.perf_counter()
    for _ in range(num_iters):
        solver._step()
    seconds = time.perf_counter() - t0
    train_acc = solver.check_accuracy(data["X_train"], data["y_train"], num_samples=1000)
    val_acc = solver.check_accuracy(data["X_val"], data["y_val"])
    t_seconds, t_train, t_val = _torch_epoch(torch, data, num_iters, batch_size, seed=0, r=r)
    metrics["a2.cnn.epoch_seconds"] = round(seconds, 2)
    metrics["a2.cnn.torch_epoch_seconds"] = round(t_seconds, 2)
    metrics["a2.cnn.epoch_ratio_vs_torch"] = round(seconds / t_seconds, 3)
    metrics["a2.cnn.train_acc_1epoch"] = round(float(train_acc), 4)
    metrics["a2.cnn.val_acc_1epoch"] = round(float(val_acc), 4)
    metrics["a2.cnn.torch_train_acc_1epoch"] = round(t_train, 4)
    metrics["a2.cnn.torch_val_acc_1epoch"] = round(t_val, 4)


def run():
    import torch

    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    metrics = {"a2.conv.torch_threads": threads}
    stages = {
        "conv": ("conv layers vs torch", _bench_conv, (torch, metrics)),
        "net_shapes": ("conv layers vs their GEMMs, the networks' shapes", _bench_net_shapes, (metrics,)),
        "gemm": ("numpy GEMM", _bench_gemm, (metrics,)),
        "pool": ("max pool vs torch", _bench_pool, (torch, metrics)),
        "naive": ("naive conv", _bench_naive, (metrics,)),
        "cnn": ("ThreeLayerConvNet epoch, ours and torch's", _bench_cnn, (torch, metrics)),
    }
    chosen = os.environ.get("A2_CONV_STAGES", "").strip()
    if chosen:
        names = [n.strip() for n in chosen.split(",") if n.strip()]
        unknown = sorted(set(names) - set(stages))
        if unknown:
            raise ValueError(f"A2_CONV_STAGES: unknown stage(s) {unknown}; choose from {list(stages)}")
        stages = {n: stages[n] for n in stages if n in names}
    elif os.environ.get("A2_CONV_BENCH_QUICK", "") in ("1", "true", "yes"):
        del stages["cnn"]
    for label, fn, args in stages.values():
        t0 = time.perf_counter()
        print(f"   a2_conv: {label} ...", end="", flush=True)
        fn(*args)
        print(f" {time.perf_counter() - t0:.0f} s", flush=True)
    return metrics


if __name__ == "__main__":  # alone: cd assignment2 && PYTHONPATH=.. python -m tools.bench.sections.a2_conv
    for k, v in sorted(run().items()):
        print(f"{k:55s} {v}")
