"""Registers the fidelity validator and `train-fidelity`; unavailable without the `gpt2` extra."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hybridnlg import hookimpl, require

require("torch", "transformers", "tokenizers", extra="gpt2")

from .validator import FidelityValidator  # noqa: E402 - only once the dependencies are known to be there


@hookimpl
def register_validators(register: Callable[[type[Any]], None]) -> None:
    register(FidelityValidator)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .train import train_fidelity_command

    cli.add_command(train_fidelity_command)
