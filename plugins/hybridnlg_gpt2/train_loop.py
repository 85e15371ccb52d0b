"""The epoch loop of `train()`: optimisation steps, logging, the time budget, dev evaluation and early stopping."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .train_batches import Encoded, batches, collate, dev_loss
from .train_settings import TrainSettings

if TYPE_CHECKING:
    from rich.console import Console


@dataclass
class TrainResult:
    out: Path
    best_dev_loss: float | None
    steps: int
    epochs_completed: float
    minutes: float
    history: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = "epochs"


@dataclass
class Schedule:
    """AdamW with a linear warm-up and decay over `total` steps; `total` shrinks to fit a time budget."""

    optimizer: Any
    scheduler: Any
    warmup: int
    planned: int
    total: int
    deadline: float | None

    def refit(self, steps: int, seconds_per_step: float, reserve: float, tolerance: int) -> None:
        """Re-plan the schedule's end so that the linear decay finishes by the deadline (less `reserve` seconds)."""
        assert self.deadline is not None
        left = self.deadline - time.monotonic() - reserve
        fit = steps + max(int(left / seconds_per_step), 1)
        if fit < self.planned and abs(fit - self.total) > tolerance:
            self.total = fit
            self.scheduler = linear_schedule(self.optimizer, min(self.warmup, fit // 2), fit, last_epoch=steps - 1)


def linear_schedule(optimizer: Any, warmup: int, total: int, last_epoch: int = -1) -> Any:
    """transformers' linear warm-up and decay of the learning rate over `total` steps."""
    from transformers import get_linear_schedule_with_warmup

    return get_linear_schedule_with_warmup(optimizer, warmup, total, last_epoch=last_epoch)  # type: ignore[no-untyped-call]


@dataclass
class EpochLoop:
    """Trains `model` epoch by epoch; after each epoch (or an early end) evaluates on dev and saves when best."""

    settings: TrainSettings
    model: Any
    pad_id: int
    device: str
    train_set: list[Encoded]
    dev_batches: list[list[Encoded]]
    rng: random.Random
    schedule: Schedule
    console: Console
    save: Callable[[], None]
    started: float
    result: TrainResult = field(init=False)
    eval_seconds: float = 0.0
    eval_total: float = 0.0
    bad_evals: int = 0
    window_loss: float = 0.0
    window_tokens: int = 0
    window_start: float = 0.0
    loop_started: float = 0.0
    advance: Callable[[str], None] = field(default=lambda status: None)

    def __post_init__(self) -> None:
        self.result = TrainResult(self.settings.out, None, 0, 0.0, 0.0)

    def run(self) -> TrainResult:
        from rich import progress

        self.model.train()
        self.window_start = self.loop_started = time.monotonic()
        columns = [progress.TextColumn("{task.description}"), progress.BarColumn(), progress.MofNCompleteColumn(),
                   progress.TimeElapsedColumn(), progress.TextColumn("{task.fields[status]}")]
        with progress.Progress(*columns, console=self.console, transient=True,
                               disable=not self.console.is_terminal) as bar:
            task = bar.add_task("training", total=self.schedule.planned, status="")
            self.advance = lambda status: bar.update(task, advance=1, status=status)
            for epoch in range(self.settings.epochs):
                if self._epoch(epoch):
                    break
        return self.result

    def _epoch(self, epoch: int) -> bool:
        """One pass over the shuffled training set, then a dev evaluation. True when training should stop."""
        epoch_batches = batches(self.train_set, self.settings.batch_size, self.rng, shuffle=True)
        number, stop_reason = self._steps(epoch, epoch_batches)
        finished = number == len(epoch_batches)
        self.result.epochs_completed = epoch + 1 if finished else round(epoch + number / len(epoch_batches), 2)
        if self._evaluate(f"epoch {epoch + 1}" if finished else f"end ({stop_reason})"):
            self.result.stopped = "early stopping"
            return True
        if stop_reason and (not finished or epoch + 1 < self.settings.epochs):
            self.result.stopped = stop_reason
            return True
        return False

    def _steps(self, epoch: int, epoch_batches: list[list[Encoded]]) -> tuple[int, str | None]:
        """Optimisation steps over one epoch's batches: (batches done, why it stopped early or None)."""
        number = 0
        for number, batch in enumerate(epoch_batches, 1):
            self._step(batch)
            if self.result.steps % self.settings.log_every == 0:
                self._log(epoch)
            stop_reason = self._stop_reason()
            if stop_reason:
                return number, stop_reason
        return number, None

    def _step(self, batch: list[Encoded]) -> None:
        import torch

        inputs = collate(batch, self.pad_id, self.device)
        loss = self.model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.settings.grad_clip)
        self.schedule.optimizer.step()
        self.schedule.scheduler.step()
        self.schedule.optimizer.zero_grad(set_to_none=True)
        self.result.steps += 1
        self.window_loss += loss.item()
        self.window_tokens += int(inputs["attention_mask"].sum())
        self.advance(f"loss {self.window_loss / max(self.result.steps % self.settings.log_every, 1):.3f}")

    def _log(self, epoch: int) -> None:
        """Log the window's mean loss and speed; with a time budget, fit the schedule to it; start a new window."""
        log_every, steps, schedule = self.settings.log_every, self.result.steps, self.schedule
        elapsed = time.monotonic() - self.window_start
        self.console.print(f"epoch {epoch + 1} step {steps}/{schedule.total} loss {self.window_loss / log_every:.4f} "
                           f"lr {schedule.scheduler.get_last_lr()[0]:.2e} {self.window_tokens / elapsed:.0f} tok/s "
                           f"{(time.monotonic() - self.started) / 60:.1f} min")
        if schedule.deadline is not None:
            # Average since the start (less dev evaluations): one noisy window must not jerk the LR.
            seconds_per_step = (time.monotonic() - self.loop_started - self.eval_total) / steps
            schedule.refit(steps, seconds_per_step, self._reserve(), log_every // 2)
        self.window_loss, self.window_tokens, self.window_start = 0.0, 0, time.monotonic()

    def _reserve(self) -> float:
        """Seconds kept back before the deadline for the last dev evaluation and saving."""
        return max(self.eval_seconds, 30.0) * 1.5

    def _stop_reason(self) -> str | None:
        deadline = self.schedule.deadline
        out_of_time = deadline is not None and time.monotonic() > deadline - self._reserve()
        if out_of_time or self.result.steps >= self.schedule.total:
            return "time budget" if out_of_time or self.schedule.total < self.schedule.planned else "max steps"
        return None

    def _evaluate(self, label: str) -> bool:
        """Dev loss now; saves when best. Returns True when early stopping should stop training."""
        began = time.monotonic()
        loss = dev_loss(self.model, self.dev_batches, self.pad_id, self.device) if self.dev_batches else float("nan")
        self.eval_seconds = time.monotonic() - began
        self.eval_total += self.eval_seconds
        self.result.history.append({"at": label, "step": self.result.steps, "dev_loss": round(loss, 4),
                                    "minutes": round((time.monotonic() - self.started) / 60, 2)})
        best = self.result.best_dev_loss
        improved = not self.dev_batches or best is None or loss < best
        if improved:
            self.result.best_dev_loss = loss if self.dev_batches else None
            self.bad_evals = 0
            self.save()
        else:
            self.bad_evals += 1
        saved = " (best, saved)" if improved else ""
        self.console.print(f"[{label}] step {self.result.steps} dev loss {loss:.4f}{saved}")
        return bool(self.dev_batches) and self.bad_evals >= self.settings.patience
