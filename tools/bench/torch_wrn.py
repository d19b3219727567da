"""PyTorch side of `abd bench --compare torch`: the same pre-activation WRN-d-k, the same
steps and batch as `abd bench`, on this machine. One line per figure:
  torch <what> ... <value> <unit>
Run with Debian's torch: /usr/bin/python3 tools/bench/torch_wrn.py [--iters N] [--batch B] [--only train,ab,infer,gemm]
"""
import argparse, os, re, time
import torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--iters", type=int, default=3)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--only", default="")
p.add_argument("--threads", type=int, default=os.cpu_count())
a = p.parse_args()
torch.set_num_threads(a.threads)
B = a.batch
want = lambda k: not a.only or k in a.only.split(",")


class Block(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.bn1, s.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        s.bn2, s.conv2 = nn.BatchNorm2d(cout), nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        s.short = None if (cin == cout and stride == 1) else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

    def forward(s, x):
        o = F.relu(s.bn1(x))
        y = s.conv2(F.relu(s.bn2(s.conv1(o))))
        return y + (x if s.short is None else s.short(o))


class WRN(nn.Module):
    def __init__(s, d, k, cin=3, classes=10):
        super().__init__()
        n, w = (d - 4) // 6, [16, 16 * k, 32 * k, 64 * k]
        s.conv = nn.Conv2d(cin, 16, 3, 1, 1, bias=False)
        s.g = nn.ModuleList(
            nn.Sequential(*[Block(w[i] if j == 0 else w[i + 1], w[i + 1], st if j == 0 else 1) for j in range(n)])
            for i, st in zip(range(3), (1, 2, 2))
        )
        s.bn, s.fc, s.width = nn.BatchNorm2d(w[3]), nn.Linear(w[3], classes), w[1:]

    def taps(s, x):
        x = s.conv(x)
        pre = []
        for i, g in enumerate(s.g):
            x = g(x)
            pre.append(s.g[i + 1][0].bn1(x) if i < 2 else s.bn(x))
        return pre, s.fc(F.adaptive_avg_pool2d(F.relu(pre[-1]), 1).flatten(1))

    def forward(s, x):
        return s.taps(x)[1]


def timeit(fn, it):
    fn()
    t = time.perf_counter()
    for _ in range(it):
        fn()
    return (time.perf_counter() - t) / it


def sgd(params):
    return torch.optim.SGD(params, 0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)


def blas():
    try:
        maps = open("/proc/self/maps").read()
        libs = sorted(set(re.findall(r"/\S*(?:openblas|libblas|mkl|blis)\S*\.so[\S]*", maps)))
        return ",".join(os.path.realpath(l) for l in libs) or "unknown"
    except OSError:
        return "unknown"


print(f"# torch {torch.__version__} threads {torch.get_num_threads()} batch {B} blas {blas()}")
if want("gemm"):
    for n in (1024, 4096):
        x, y = torch.randn(n, n), torch.randn(n, n)
        print(f"torch gemm {n} {2 * n ** 3 / timeit(lambda: x @ y, 3) / 1e9:.1f} GFLOP/s")
if want("train"):
    for arch, c, hw in (("wrn-16-2", 3, 32), ("wrn-10-4", 3, 32), ("wrn-16-2", 1, 28), ("wrn-10-4", 1, 28)):
        d, k = map(int, arch[4:].split("-"))
        m = WRN(d, k, c).train()
        opt = sgd(m.parameters())
        x, y = torch.randn(B, c, hw, hw), torch.randint(0, 10, (B,))

        def step():
            opt.zero_grad()
            F.cross_entropy(m(x), y).backward()
            opt.step()

        print(f"torch train {arch} {c}x{hw}x{hw} b{B} {B / timeit(step, a.iters):.1f} img/s")
if want("ab"):
    for tarch in ("wrn-16-4", "wrn-22-4"):
        d, k = map(int, tarch[4:].split("-"))
        t, s = WRN(d, k).eval(), WRN(16, 2).train()
        conns = nn.ModuleList(
            nn.Sequential(nn.Conv2d(a_, b_, 1, bias=False), nn.BatchNorm2d(b_)) if a_ != b_ else nn.Identity()
            for a_, b_ in zip(s.width, t.width)
        )
        opt = sgd(list(s.parameters()) + list(conns.parameters()))
        x = torch.randn(B, 3, 32, 32)

        def ab_step():
            with torch.no_grad():
                on = [q > 0 for q in t.taps(x)[0]]
            opt.zero_grad()
            ls = []
            for cn, sp, tp in zip(conns, s.taps(x)[0], on):
                r = cn(sp)
                ls.append((((r + 1) ** 2) * ((r > -1) & ~tp) + ((r - 1) ** 2) * ((r <= 1) & tp)).sum() / B)
            ((ls[2] + ls[1] / 2 + ls[0] / 4) / 1000 * 3).backward()
            opt.step()

        print(f"torch ab-step {tarch}->wrn-16-2 3x32x32 b{B} teacher-forward {B / timeit(ab_step, a.iters):.1f} img/s")
if want("infer"):
    for arch in ("wrn-16-4", "wrn-22-4"):
        d, k = map(int, arch[4:].split("-"))
        m = WRN(d, k).eval()
        x = torch.randn(B, 3, 32, 32)
        with torch.no_grad():
            print(f"torch infer {arch} 3x32x32 b{B} {B / timeit(lambda: m(x), a.iters):.1f} img/s")
