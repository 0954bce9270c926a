"""Single process or torchrun: who this process is, and collective helpers that are no-ops alone.

Under torchrun (RANK/WORLD_SIZE/LOCAL_RANK in the environment) the process group uses NCCL on GPUs
and gloo on CPUs, so the same command trains on a laptop, on 2 CPU processes, or on a GPU cluster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True, slots=True)
class Place:
    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def start(device: str = "auto") -> Place:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if use_cuda:
        torch.cuda.set_device(local_rank)
        where = torch.device("cuda", local_rank)
    else:
        where = torch.device("cpu")
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return Place(rank, world, local_rank, where)


def stop() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def mean(value: float, place: Place) -> float:
    """The mean of a scalar over all processes."""
    if place.world == 1:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=place.device)
    dist.all_reduce(t)
    return float(t.item()) / place.world


def barrier(place: Place) -> None:
    if place.world > 1:
        dist.barrier()


def broadcast_flag(flag: bool, place: Place) -> bool:
    """Rank 0's decision, on every process (e.g. "stop now: the time budget is spent")."""
    if place.world == 1:
        return flag
    t = torch.tensor([1 if flag else 0], device=place.device)
    dist.broadcast(t, src=0)
    return bool(t.item())
