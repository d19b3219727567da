"""A tiny CNN teacher exported with torch.onnx.export, and its own activations for the ONNX teacher test.

    /usr/bin/python3 libs/models/reference/tiny_teacher_onnx.py <out dir>

Writes <out>/tiny_teacher.onnx (input `image` NCHW [N, 3, 12, 10], free N; output `logits` [N, 5]),
<out>/tiny_teacher.onnx.sha256 and <out>/tiny_teacher.json: a fixed NCHW input, the logits and the
pre-ReLU activations (the AB taps) that PyTorch computes for it, keyed by their value names in the
ONNX graph (the inputs of its Relu nodes), so the test can compare what the adapter reads with them.
"""
import hashlib
import json
import os
import sys

import onnx
import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(6)
        self.fc = nn.Linear(6, 5)

    def forward(self, x):
        a1 = self.bn1(self.conv1(x))
        a2 = self.bn2(self.conv2(torch.relu(a1)))
        h = torch.relu(a2).mean(dim=(2, 3))
        return self.fc(h), [a1, a2]


class LogitsOnly(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)[0]


def main(out):
    torch.manual_seed(0)
    net = Tiny()
    # Non-trivial running statistics, as after training.
    for bn in (net.bn1, net.bn2):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 1.5)
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.5, 0.5)
    net.eval()
    x = torch.randn(2, 3, 12, 10)
    # The reference values first: export restores the wrapper's mode, and a fresh wrapper is in
    # training mode, which would put the net back into it (BN on batch statistics).
    with torch.no_grad():
        logits, acts = net(x)
    path = os.path.join(out, "tiny_teacher.onnx")
    torch.onnx.export(
        LogitsOnly(net).eval(), x, path, input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}}, opset_version=13,
    )
    model = onnx.load(path)
    onnx.checker.check_model(model)
    relu_inputs = [n.input[0] for n in model.graph.node if n.op_type == "Relu"]
    if len(relu_inputs) != len(acts):
        raise SystemExit(f"expected {len(acts)} Relu nodes, found {relu_inputs}")
    dump = {
        "input": {"shape": list(x.shape), "values": x.flatten().tolist()},
        "logits": {"shape": list(logits.shape), "values": logits.flatten().tolist()},
        "taps": {k: {"shape": list(a.shape), "values": a.flatten().tolist()} for k, a in zip(relu_inputs, acts)},
    }
    with open(os.path.join(out, "tiny_teacher.json"), "w") as f:
        json.dump(dump, f)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    with open(os.path.join(out, "tiny_teacher.onnx.sha256"), "w") as f:
        f.write(f"{digest}  tiny_teacher.onnx\n")
    print(json.dumps({"taps": relu_inputs, "sha256": digest}))


if __name__ == "__main__":
    main(sys.argv[1])
