"""PyTorch side of bench/training.sh: the same models, data shape, batch size, optimizer and thread count
as GossipFl.Bench.Training, timed the same way (one warm-up epoch, then the median of REPEATS epochs).
Run with Debian's /usr/bin/python3 (python3-torch). Prints one JSON object."""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    # Same architecture as native/gossipfl_torch/src/models.cpp.
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def build(name):
    if name == "lenet":
        return LeNet5()
    if name.startswith("mlp:"):
        widths = [int(w) for w in name[4:].split(",")]
        layers, width = [nn.Flatten()], 784
        for h in widths:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        return nn.Sequential(*layers, nn.Linear(width, 10))
    raise SystemExit(f"unknown model {name}")


def blas_library():
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if os.path.basename(path).startswith("libblas.so"):
                return path
    return None


def main():
    name, threads, samples, batch, repeats = sys.argv[1], *map(int, sys.argv[2:6])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.rand(samples, 1, 28, 28) * 2 - 1
    y = torch.randint(0, 10, (samples,))
    model = build(name)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def epoch():
        for start in range(0, samples, batch):
            opt.zero_grad()
            loss = F.cross_entropy(model(x[start:start + batch]), y[start:start + batch])
            loss.backward()
            opt.step()
            loss.item()  # the engine reads every batch's loss too

    epoch()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
    print(json.dumps({"implementation": "pytorch", "model": name, "threads": threads, "samples": samples,
                      "batch": batch, "epoch_seconds_median": median, "samples_per_second": samples / median,
                      "torch": torch.__version__, "blas": blas_library()}))


if __name__ == "__main__":
    main()
