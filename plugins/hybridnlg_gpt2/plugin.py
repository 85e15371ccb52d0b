"""Registers the GPT-2 realizer and the `train` command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hybridnlg import hookimpl

from .realizer import GPT2Realizer


@hookimpl
def register_realizers(register: Callable[[type], None], engine: Any) -> None:
    register(GPT2Realizer)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .train import train_command

    cli.add_command(train_command)
