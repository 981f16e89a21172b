"""Distributed data-parallel plumbing for multi-GPU pre-training under ``torchrun``.

``torchrun --nproc-per-node G -m engine.cli.main pretrain …`` starts G processes with RANK,
WORLD_SIZE and LOCAL_RANK set; :func:`init_from_env` joins the process group (NCCL on CUDA,
gloo on CPU), each rank samples its own shard of windows (DistributedSampler), gradients are
averaged by DistributedDataParallel, and only rank 0 writes checkpoints and reports. Without
those variables everything runs as a single plain process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import Dataset, DistributedSampler, RandomSampler, Sampler


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_from_env(device: torch.device) -> DistInfo:
    """Join the process group torchrun describes in the environment; single process otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    info = DistInfo(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(info.local_rank)
        dist.init_process_group(backend=backend)
    return info


def local_device(device: torch.device, info: DistInfo) -> torch.device:
    """Each rank drives the GPU of its local rank."""
    if device.type == "cuda" and info.enabled:
        return torch.device("cuda", info.local_rank)
    return device


def wrap(module: nn.Module, info: DistInfo, device: torch.device) -> nn.Module:
    if not info.enabled:
        return module
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=ids)


def unwrap(module: nn.Module) -> nn.Module:
    return module.module if isinstance(module, DistributedDataParallel) else module


def make_sampler(dataset: Dataset, info: DistInfo, seed: int) -> Sampler:
    if info.enabled:
        return DistributedSampler(dataset, num_replicas=info.world_size, rank=info.rank, shuffle=True,
                                  seed=seed, drop_last=True)
    return RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))


def set_epoch(sampler: Sampler, epoch: int, seed: int) -> None:
    """Reshuffle per epoch, reproducibly (so a resumed run sees a fresh but determined order)."""
    if isinstance(sampler, DistributedSampler):
        sampler.set_epoch(epoch)
    elif isinstance(sampler, RandomSampler) and sampler.generator is not None:
        sampler.generator.manual_seed(seed + epoch)


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def mean_over_ranks(values: dict[str, float], info: DistInfo, device: torch.device) -> dict[str, float]:
    """Average logged numbers over ranks (for reporting only)."""
    if not info.enabled or not values:
        return values
    keys = sorted(values)
    t = torch.tensor([values[k] for k in keys], device=device, dtype=torch.float64)
    dist.all_reduce(t)
    return {k: float(v) / info.world_size for k, v in zip(keys, t.tolist())}


def shutdown(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()
