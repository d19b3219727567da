"""Logits of a CIFAR ResNet in PyTorch (eval mode) from weights saved by the TypeScript test.

    /usr/bin/python3 libs/models/reference/resnet_forward.py <dir>

<dir>/spec.json: {"name", "classes", "channels", "shape": NHWC input shape, "tensors": [[name, shape], ...]}
<dir>/tensors.bin, <dir>/input.bin: little-endian float32, tensors in spec order (tfjs layouts:
conv HWIO, fc [in, out]) and the NHWC input. Prints the logits as a JSON list.
"""
import json
import os
import sys

import numpy as np
import torch

from resnet_param_counts import NETS, cifar_resnet


def main(d):
    spec = json.load(open(os.path.join(d, "spec.json")))
    flat = np.fromfile(os.path.join(d, "tensors.bin"), dtype="<f4")
    values, off = {}, 0
    for name, shape in spec["tensors"]:
        size = int(np.prod(shape))
        values[name] = flat[off : off + size].reshape(shape)
        off += size
    depth, widths = NETS[spec["name"]]
    net = cifar_resnet(depth, widths, spec["classes"], spec["channels"]).eval()
    # Map our names (layer1.0.conv1.w, layer2.0.down.w, bn1.mean, fc.w) onto the modules.
    mods = list(net)
    n = (depth - 2) // 6
    where = {"conv1": mods[0], "bn1": mods[1], "fc": mods[-1]}
    for stage in range(3):
        for b in range(n):
            blk = mods[2 + stage * n + b]
            p = f"layer{stage + 1}.{b}"
            where.update({f"{p}.conv1": blk.conv1, f"{p}.bn1": blk.bn1, f"{p}.conv2": blk.conv2, f"{p}.bn2": blk.bn2})
            if blk.down is not None:
                where.update({f"{p}.down": blk.down[0], f"{p}.downbn": blk.down[1]})
    with torch.no_grad():
        for name, v in values.items():
            mod, field = name.rsplit(".", 1)
            m = where[mod]
            if field == "w" and v.ndim == 4:
                m.weight.copy_(torch.from_numpy(v.transpose(3, 2, 0, 1).copy()))
            elif field == "w":
                m.weight.copy_(torch.from_numpy(v.T.copy()))
            else:
                attr = {"b": "bias", "gamma": "weight", "beta": "bias", "mean": "running_mean", "var": "running_var"}[field]
                getattr(m, attr).copy_(torch.from_numpy(v))
        x = np.fromfile(os.path.join(d, "input.bin"), dtype="<f4").reshape(spec["shape"]).transpose(0, 3, 1, 2)
        logits = net(torch.from_numpy(x.copy()))
    print(json.dumps(logits.flatten().tolist()))


if __name__ == "__main__":
    main(sys.argv[1])
