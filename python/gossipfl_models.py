"""Load GossipFl's exported models in PyTorch (docs/models.md).

    import gossipfl_models
    model = gossipfl_models.load("final.safetensors")    # a torch.nn.Module with the trained weights, in eval mode
    probabilities = torch.softmax(model(inputs), dim=1)

Needs only torch: the safetensors file is parsed here (Debian ships no python3-safetensors; where the safetensors
package is installed, safetensors.torch.load_file gives the same tensors).
"""
import json
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    """The tensors (name -> tensor) and the __metadata__ (str -> str) of a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"]).clone()
    return tensors, metadata


class LogReg(nn.Module):
    """gossipfl.model = logreg: softmax regression on the flattened input."""

    def __init__(self, features, classes):
        super().__init__()
        self.linear = nn.Linear(features, classes)

    def forward(self, x):
        return self.linear(x.flatten(1))


class Mlp(nn.Module):
    """gossipfl.model = mlp:W1,W2,...: Linear layers fc0, fc1, ... with ReLU between them."""

    def __init__(self, features, hidden, classes):
        super().__init__()
        widths = [features, *hidden, classes]
        self.layer_count = len(widths) - 1
        for i in range(self.layer_count):
            setattr(self, f"fc{i}", nn.Linear(widths[i], widths[i + 1]))

    def forward(self, x):
        x = x.flatten(1)
        for i in range(self.layer_count - 1):
            x = F.relu(getattr(self, f"fc{i}")(x))
        return getattr(self, f"fc{self.layer_count - 1}")(x)


class LeNet5(nn.Module):
    """gossipfl.model = lenet: LeNet-5 with ReLU and max pooling, conv1 padded by 2; input [C, H, W]."""

    def __init__(self, channels, height, width, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        side = lambda n: (n // 2 - 4) // 2
        self.fc1 = nn.Linear(16 * side(height) * side(width), 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def build(metadata):
    """The empty module a file's metadata names."""
    kind = metadata["gossipfl.model"]
    shape = [int(d) for d in metadata["gossipfl.input_shape"].split(",")]
    classes = int(metadata["gossipfl.class_count"])
    features = 1
    for d in shape:
        features *= d
    if kind == "logreg":
        return LogReg(features, classes)
    if kind.startswith("mlp:"):
        return Mlp(features, [int(w) for w in kind[4:].split(",")], classes)
    if kind == "lenet":
        return LeNet5(shape[0], shape[1], shape[2], classes)
    raise ValueError(f"{kind}: a TorchScript model is exported as .pt; load it with torch.jit.load")


def load(path):
    """The trained module of a .safetensors file gossipfl wrote, in eval mode."""
    tensors, metadata = read_safetensors(path)
    model = build(metadata)
    model.load_state_dict(tensors, strict=True)
    return model.eval()


def task(path):
    """The task contract (docs/topology.md §2.4.1) the file carries, or None."""
    _, metadata = read_safetensors(path)
    text = metadata.get("gossipfl.task")
    return json.loads(text) if text else None
