"""PyTorch reference for libs/tensor/src/native/native-bench.ts on the same machine.

Run: /usr/bin/python3 libs/tensor/native/bench/torch-reference.py  (Debian python3-torch; 2 threads)
One JSON line per figure: conv forward GFLOP/s, forward+backward (data and weights) ms and GFLOP/s,
and matmul 1024^2 GFLOP/s; minimum over repetitions, like the TS bench.
"""
import os
import time, json, torch
torch.set_num_threads(int(os.environ.get('ABD_NATIVE_THREADS', os.cpu_count() or 2)))
cases=[('b128_32x32_32-32_k3s1',128,32,32,32,3,1),('b128_28x28_16-16_k3s1',128,28,16,16,3,1),('b128_16x16_64-128_k3s2',128,16,64,128,3,2)]
def best(f,reps=8):
    f(); t=[]
    for _ in range(reps):
        t0=time.perf_counter(); f(); t.append(time.perf_counter()-t0)
    return min(t)*1e3
for name,n,hw,ci,co,k,s in cases:
    x=torch.randn(n,ci,hw,hw,requires_grad=True); w=torch.randn(co,ci,k,k,requires_grad=True)
    y=torch.nn.functional.conv2d(x,w,stride=s,padding=k//2); dy=torch.randn_like(y)
    flops=2*y.numel()*ci*k*k
    fwd=best(lambda: torch.nn.functional.conv2d(x.detach(),w.detach(),stride=s,padding=k//2))
    def fb():
        yy=torch.nn.functional.conv2d(x,w,stride=s,padding=k//2); torch.autograd.grad(yy,[x,w],dy)
    tot=best(fb)
    print(json.dumps({'bench':'torch','case':name,'fwd_ms':round(fwd,2),'fwd_gflops':round(flops/fwd/1e6,2),'fwd_bwd_ms':round(tot,2),'fwd_bwd_gflops':round(3*flops/tot/1e6,2)}))
a=torch.randn(1024,1024); b=torch.randn(1024,1024)
ms=best(lambda: a@b); print(json.dumps({'bench':'torch','case':'matmul1024','gflops':round(2*1024**3/ms/1e6,2)}))
