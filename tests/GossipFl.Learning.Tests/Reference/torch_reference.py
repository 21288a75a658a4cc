"""PyTorch reference for the GossipFl engine tests, run with Debian's /usr/bin/python3 (python3-torch).

Commands (each reads a JSON job file written by the C# test and prints one JSON object):
  train JOB   build the model the job names, load the given flat initial parameters (parameters() order),
              run SGD over consecutive batches, report each step's loss and the final full-data loss.
  script OUT  write a small TorchScript classifier (18 features -> 2 classes) to OUT.
  dpstep JOB  DP-SGD's clipped mean gradient of one batch (all samples of the job), computed in float64 the
              plain way: one backward pass per sample, clipped to min(1, C / norm) with the norm over all
              parameters. C is the job's "clip", or when it is 0 the median of the per-sample norms, so that
              clipping binds for about half of the samples. Writes the gradient (float64, parameters() order) to
              the job's "gradient" path and prints C, the per-sample norms and the mean loss.
"""
import json
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    # Mirrors native/gossipfl_torch/src/models.cpp: ReLU, max pooling, conv1 padded by 2.
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


def build(kind, shape, hidden, classes):
    features = int(np.prod(shape))
    if kind == "logreg":
        return nn.Sequential(nn.Flatten(), nn.Linear(features, classes))
    if kind == "mlp":
        layers, width = [nn.Flatten()], features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, classes))
        return nn.Sequential(*layers)
    if kind == "lenet":
        return LeNet5(shape[0], shape[1], shape[2], classes)
    raise SystemExit(f"unknown model kind {kind}")


def train(job_path):
    with open(job_path) as f:
        job = json.load(f)
    torch.set_num_threads(1)
    shape = job["shape"]
    model = build(job["kind"], shape, job.get("hidden", []), job["classes"])
    flat = torch.from_numpy(np.fromfile(job["parameters"], dtype="<f4"))
    total = sum(p.numel() for p in model.parameters())
    if flat.numel() != total:
        raise SystemExit(f"parameter count mismatch: file {flat.numel()}, model {total}")
    with torch.no_grad():
        offset = 0
        for p in model.parameters():
            p.copy_(flat[offset:offset + p.numel()].view_as(p))
            offset += p.numel()
    x = torch.from_numpy(np.fromfile(job["features"], dtype="<f4")).view(-1, *shape)
    y = torch.from_numpy(np.fromfile(job["labels"], dtype="<i8"))
    opt = torch.optim.SGD(model.parameters(), lr=job["lr"], momentum=job["momentum"])
    batch, losses = job["batch"], []
    for step in range(job["steps"]):
        start = (step * batch) % x.shape[0]
        xb, yb = x[start:start + batch], y[start:start + batch]
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        final = F.cross_entropy(model(x), y).item()
    print(json.dumps({"losses": losses, "final_loss": final, "torch": torch.__version__}))


def dpstep(job_path):
    with open(job_path) as f:
        job = json.load(f)
    torch.set_num_threads(1)
    shape = job["shape"]
    model = build(job["kind"], shape, job.get("hidden", []), job["classes"]).double()
    flat = torch.from_numpy(np.fromfile(job["parameters"], dtype="<f4")).double()
    with torch.no_grad():
        offset = 0
        for p in model.parameters():
            p.copy_(flat[offset:offset + p.numel()].view_as(p))
            offset += p.numel()
    x = torch.from_numpy(np.fromfile(job["features"], dtype="<f4")).double().view(-1, *shape)
    y = torch.from_numpy(np.fromfile(job["labels"], dtype="<i8"))
    params = list(model.parameters())
    per_sample, losses = [], []
    for i in range(x.shape[0]):
        loss = F.cross_entropy(model(x[i:i + 1]), y[i:i + 1])
        grads = torch.autograd.grad(loss, params)
        per_sample.append(torch.cat([g.reshape(-1) for g in grads]))
        losses.append(loss.item())
    norms = torch.stack([g.norm() for g in per_sample])
    clip = job["clip"] if job["clip"] > 0 else norms.median().item()
    total = torch.zeros_like(per_sample[0])
    for g, n in zip(per_sample, norms):
        total += g * min(1.0, clip / n.item())
    (total / x.shape[0]).numpy().astype("<f8").tofile(job["gradient"])
    print(json.dumps({"clip": clip, "norms": norms.tolist(), "mean_loss": sum(losses) / len(losses)}))


def script(out_path):
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(18, 16), nn.ReLU(), nn.Linear(16, 2))
    torch.jit.script(model).save(out_path)
    print(json.dumps({"parameters": sum(p.numel() for p in model.parameters())}))


if __name__ == "__main__":
    commands = {"train": train, "script": script, "dpstep": dpstep}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        raise SystemExit("usage: torch_reference.py train JOB.json | script OUT.pt | dpstep JOB.json")
    commands[sys.argv[1]](sys.argv[2])
