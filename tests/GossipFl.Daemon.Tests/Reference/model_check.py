"""PyTorch's side of the model-export tests, run with Debian's python3-torch (there is no python3-safetensors).

  model_check.py check MODEL.safetensors DATA.npz PREDICTIONS.csv
      loads the file with python/gossipfl_models.py (the torch.nn modules docs/models.md documents, filled with
      load_state_dict, strict), runs the npz's samples through it (mapped to inputs
      by the task in the file's metadata) and compares with gossipfl predict's CSV. Prints JSON.
  model_check.py jit MODEL.pt DATA.npz PREDICTIONS.csv TASK.json
      the same for a TorchScript file, loaded with torch.jit.load.
  model_check.py script OUT.pt
      writes a small scripted image classifier (784 -> 32 -> 10) for the daemon to train.
"""
import csv
import json
import sys

import numpy as np
import torch
import torch.nn as nn

# The module users load models with (python/gossipfl_models.py; the test puts it on PYTHONPATH), so the test checks
# what docs/models.md tells users to run.
import gossipfl_models

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
    model = gossipfl_models.load(model_path)
    x, y = inputs(npz_path, gossipfl_models.task(model_path))
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
