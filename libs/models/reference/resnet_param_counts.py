"""Parameter counts of the CIFAR ResNet students, built as PyTorch modules.

The architecture is that of RepDistiller's models/resnet.py (basic blocks; 1x1 conv + BN
downsample where the shape changes; resnet<d>: widths 16/16/32/64, resnet<d>x4: 32/64/128/256),
restated here with torch.nn. Run with Debian's python3-torch:

    /usr/bin/python3 libs/models/reference/resnet_param_counts.py [num_classes] [in_channels]

Prints one JSON object {name: number of trainable parameters}.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.down is None else self.down(x)))


class CifarResNet(nn.Sequential):
    def forward(self, x):
        *body, fc = list(self)
        x = F.relu(body[1](body[0](x)))
        for block in body[2:]:
            x = block(x)
        return fc(x.mean(dim=(2, 3)))


def cifar_resnet(depth, widths, num_classes, in_channels):
    n = (depth - 2) // 6
    layers = [nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0])]
    cin = widths[0]
    for stage in range(3):
        for b in range(n):
            layers.append(Basic(cin, widths[stage + 1], 2 if b == 0 and stage > 0 else 1))
            cin = widths[stage + 1]
    layers.append(nn.Linear(cin, num_classes))
    return CifarResNet(*layers)


NETS = {f"resnet{d}": (d, [16, 16, 32, 64]) for d in (8, 14, 20, 32, 44, 56, 110)}
NETS.update({"resnet8x4": (8, [32, 64, 128, 256]), "resnet32x4": (32, [32, 64, 128, 256])})

if __name__ == "__main__":
    classes = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    channels = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    counts = {
        name: sum(p.numel() for p in cifar_resnet(d, w, classes, channels).parameters() if p.requires_grad)
        for name, (d, w) in NETS.items()
    }
    print(json.dumps(counts))
