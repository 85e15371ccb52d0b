"""Jinja2's sandbox plus one budget for each segment's rendering: a deadline (`timeout_s`) and a size limit
(`max_output_chars`) that string methods, format widths, `+`, `~`, `*`, `**`, filters with size arguments, loops and
output all answer to.

The limits are the core's (`hybridnlg.LimitedEnvironment`, defined in hybridnlg/limits.py), so templates and the
core's expressions (`when`, titles, entity names) answer to the same checks; see that module for what is checked where.
"""

from __future__ import annotations

from typing import Any

from hybridnlg import LimitedEnvironment, LimitError

__all__ = ["LimitError", "LimitedSandbox"]


class LimitedSandbox(LimitedEnvironment):
    """The template realizer's environment: the shared limits, set from its `timeout_s` and `max_output_chars`."""

    subject = "template rendering"
    time_setting = "timeout_s"
    size_setting = "max_output_chars"

    def render_limited(self, template: Any, variables: dict[str, Any], timeout_s: float, max_chars: int) -> str:
        """Render chunk by chunk, stopping at the deadline or the size limit instead of after the damage."""
        with self.limits(timeout_s, max_chars):
            parts: list[str] = []
            size = 0
            for chunk in template.generate(variables):
                size += len(chunk)
                if size > max_chars:
                    raise LimitError(f"output of more than {max_chars} characters exceeds max_output_chars")
                self.check_deadline()
                parts.append(chunk)
            return "".join(parts)
