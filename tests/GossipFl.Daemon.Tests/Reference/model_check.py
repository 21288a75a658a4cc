"""PyTorch's side of the model-export tests, run with Debian's python3-torch (there is no python3-safetensors).

  model_check.py check MODEL.safetensors DATA.npz PREDICTIONS.csv
      parses the safetensors file by hand, builds the torch.nn module docs/models.md documents for the model it
      names, loads the tensors with load_state_dict (strict), runs the npz's samples through it (mapped to inputs
      by the task in the file's metadata) and compares with gossipfl predict's CSV. Prints JSON.
  model_check.py jit MODEL.pt DATA.npz PREDICTIONS.csv TASK.json
      the same for a TorchScript file, loaded with torch.jit.load.
  model_check.py script OUT.pt
      writes a small scripted image classifier (784 -> 32 -> 10) for the daemon to train.
"""
import csv
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        tensor = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[entry["dtype"]])
        tensors[name] = tensor.reshape(entry["shape"]).clone()
    return tensors, metadata


class LogReg(nn.Module):
    def __init__(self, features, classes):
        super().__init__()
        self.linear = nn.Linear(features, classes)

    def forward(self, x):
        return self.linear(x.flatten(1))


class Mlp(nn.Module):
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
    kind = metadata["gossipfl.model"]
    shape = [int(d) for d in metadata["gossipfl.input_shape"].split(",")]
    classes = int(metadata["gossipfl.class_count"])
    features = int(np.prod(shape))
    if kind == "logreg":
        return LogReg(features, classes)
    if kind.startswith("mlp:"):
        return Mlp(features, [int(w) for w in kind[4:].split(",")], classes)
    if kind == "lenet":
        return LeNet5(shape[0], shape[1], shape[2], classes)
    raise SystemExit(f"unknown model {kind}")


def inputs(npz_path, task):
    # The task's mapping, as gossipfl computes it: in double, rounded to float once.
    x = np.load(npz_path)["x"].astype(np.float64)
    y = np.load(npz_path)["y"]
    low, high = task["range"]
    x = (x - low) / (high - low)
    x = (x - task["normalize"]["mean"][0]) / task["normalize"]["std"][0]
    return torch.from_numpy(x.astype(np.float32)).reshape([len(y), *task["input"]]), y


def compare(model, x, y, predictions_path):
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(x), dim=1).numpy()
    with open(predictions_path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    theirs = np.array([[float(v) for v in row[3:]] for row in rows], dtype=np.float64)
    classes = [name[2:] for name in header[3:]]
    predicted = [classes.index(row[2]) for row in rows]
    ours = probabilities.argmax(axis=1)
    print(json.dumps({
        "samples": len(rows),
        "same_classes": int((ours == np.array(predicted)).sum()),
        "max_probability_difference": float(np.abs(theirs - probabilities).max()),
        "accuracy": float((ours == y).mean()),
    }))


def check(model_path, npz_path, predictions_path):
    tensors, metadata = read_safetensors(model_path)
    model = build(metadata)
    model.load_state_dict(tensors, strict=True)
    x, y = inputs(npz_path, json.loads(metadata["gossipfl.task"]))
    compare(model, x, y, predictions_path)


def jit(model_path, npz_path, predictions_path, task_path):
    model = torch.jit.load(model_path)
    with open(task_path) as f:
        task = json.load(f)
    x, y = inputs(npz_path, task)
    compare(model, x, y, predictions_path)


def script(out_path):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    torch.jit.script(model).save(out_path)


if __name__ == "__main__":
    commands = {"check": check, "jit": jit, "script": script}
    if len(sys.argv) < 3 or sys.argv[1] not in commands:
        raise SystemExit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
