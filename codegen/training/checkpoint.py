"""Checkpoints that survive a kill at any moment: written to a temporary directory, then renamed.

A checkpoint holds the weights (safetensors), the optimizer and schedule state, the step and the
random-number states; with the step-determined data order (codegen.training.data) that is everything a
resumed run needs to continue exactly where the killed one stopped.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

PREFIX = "step-"


@dataclass(frozen=True, slots=True)
class Progress:
    step: int
    tokens: int  # target tokens trained on, all processes together
    seconds: float  # training time so far (excluding evaluation and saving)
    cpu_seconds: float = 0.0  # CPU time of this process in those steps


def checkpoints(out: Path) -> list[Path]:
    """Complete checkpoints, oldest first."""
    root = out / "checkpoints"
    found = [p for p in root.glob(f"{PREFIX}*") if (p / "state.json").is_file()] if root.is_dir() else []
    return sorted(found, key=lambda p: int(p.name[len(PREFIX) :]))


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    # tied embeddings share storage; safetensors refuses shared tensors, so store each name once
    seen: dict[int, str] = {}
    out = {}
    for name, tensor in model.state_dict().items():
        key = tensor.data_ptr()
        if key in seen:
            continue
        seen[key] = name
        out[name] = tensor.detach().contiguous().cpu()
    return out


def save(
    out: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    progress: Progress,
    keep: int,
) -> Path:
    root = out / "checkpoints"
    final = root / f"{PREFIX}{progress.step:07d}"
    tmp = root / f".tmp-{final.name}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(_weights(model), str(tmp / "model.safetensors"))
    torch.save(
        {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp / "optimizer.pt"
    )
    torch.save(
        {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()},
        tmp / "rng.pt",
    )
    (tmp / "state.json").write_text(
        json.dumps(
            {
                "step": progress.step,
                "tokens": progress.tokens,
                "seconds": progress.seconds,
                "cpu_seconds": progress.cpu_seconds,
            }
        )
        + "\n"
    )
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in checkpoints(out)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def load(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, scheduler: Any) -> Progress:
    weights = load_file(str(path / "model.safetensors"))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    tied = {n for n, _ in model.named_parameters(remove_duplicate=False)} - set(weights)
    if unexpected or set(missing) - tied:
        raise RuntimeError(f"{path}: checkpoint does not match the model ({missing=} {unexpected=})")
    states = torch.load(path / "optimizer.pt", weights_only=False)
    optimizer.load_state_dict(states["optimizer"])
    scheduler.load_state_dict(states["scheduler"])
    rng = torch.load(path / "rng.pt", weights_only=False)
    torch.set_rng_state(rng["torch"])
    np.random.set_state(rng["numpy"])
    random.setstate(rng["python"])
    state = json.loads((path / "state.json").read_text())
    return Progress(state["step"], state["tokens"], state["seconds"], state.get("cpu_seconds", 0.0))
