"""Registers the GPT-2 realizer and the `train` command; unavailable without the `gpt2` extra."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hybridnlg import hookimpl, require

require("torch", "transformers", "tokenizers", "safetensors", extra="gpt2")

from .realizer import GPT2Realizer  # noqa: E402 - only once the dependencies are known to be there


@hookimpl
def register_realizers(register: Callable[[type[Any]], None]) -> None:
    register(GPT2Realizer)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .train import train_command

    cli.add_command(train_command)
