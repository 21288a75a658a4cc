"""PyTorch side of bench/train-process.sh: the job `gossipfl train --epochs 1` runs on its defaults, as one whole
process in Debian's PyTorch (python3-torch, the same libtorch 1.13): read Fashion-MNIST from Debian's
dataset-fashion-mnist IDX files, scale pixels to [0, 1] and standardise with mean 0.2860 and std 0.3530, train the
MLP 784-200-200-10 for one epoch (batch 64, SGD lr 0.05 with momentum 0.9, a shuffled order), then evaluate on the
10,000 test images. Uses torch's default thread count (1 with Debian's build here), or THREADS if given as the first
argument. Prints the test accuracy."""
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DIRECTORY = os.environ.get("GOSSIPFL_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def idx(name):
    # IDX (LeCun's MNIST format): a big-endian header of dimension sizes, then unsigned bytes.
    for path in (os.path.join(DIRECTORY, name + ".gz"), os.path.join(DIRECTORY, name)):
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            dims = data[3]
            shape = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(dims)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    raise SystemExit(f"{name} not found in {DIRECTORY}")


def load(prefix):
    images = torch.from_numpy(idx(prefix + "-images-idx3-ubyte").astype(np.float32)).div_(255).sub_(0.2860).div_(0.3530)
    labels = torch.from_numpy(idx(prefix + "-labels-idx1-ubyte").astype(np.int64))
    return images.reshape(-1, 784), labels


def main():
    if len(sys.argv) > 1:
        torch.set_num_threads(int(sys.argv[1]))
    torch.manual_seed(1)
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    model = nn.Sequential(nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    order = torch.randperm(train_x.shape[0])
    for start in range(0, train_x.shape[0], 64):
        batch = order[start:start + 64]
        optimizer.zero_grad()
        F.cross_entropy(model(train_x[batch]), train_y[batch]).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(test_x[s:s + 1000]).argmax(1) == test_y[s:s + 1000]).sum()) for s in range(0, 10000, 1000))
    print(f"pytorch: test accuracy {correct / 100:.2f}% ({torch.get_num_threads()} threads)")


if __name__ == "__main__":
    sys.exit(main())
