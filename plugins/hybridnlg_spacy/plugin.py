"""Registers the spaCy validator; unavailable without the `spacy` extra."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hybridnlg import hookimpl, require

require("spacy", extra="spacy")

from .validator import SpacyValidator  # noqa: E402 - only once the dependency is known to be there


@hookimpl
def register_validators(register: Callable[[type[Any]], None]) -> None:
    register(SpacyValidator)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .mine_command import lexicon_group

    cli.add_command(lexicon_group)
