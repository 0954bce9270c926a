"""Next-token loss computed only where there is a target.

A causal LM's head turns every position into vocabulary logits (16k here), which costs about as much
as the whole transformer body of this small model and dominates memory traffic; in fine-tuning most
positions are prompt, which carries no loss. Running the head on the target positions alone gives
the same loss and gradients as `model(labels=...)` for a fraction of the work.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from codegen.training.data import IGNORE


class TargetLoss(torch.nn.Module):
    """Wraps a Hugging Face causal LM; forward returns (mean loss over targets, number of targets).

    A module of its own so DistributedDataParallel can wrap it and still synchronise gradients."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, int]:
        decoder, head = self.model.get_decoder(), self.model.get_output_embeddings()
        targets = labels[:, 1:]
        keep = targets != IGNORE
        if decoder is None or head is None:  # not a decoder + head model: let it compute its own loss
            return self.model(input_ids=input_ids, labels=labels).loss, int(keep.sum())
        hidden = decoder(input_ids=input_ids).last_hidden_state[:, :-1]
        logits = head(hidden[keep]).float()
        return F.cross_entropy(logits, targets[keep]), int(keep.sum())
