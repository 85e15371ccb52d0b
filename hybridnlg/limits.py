"""One budget for every Jinja2 evaluation: a deadline and a size limit that nothing in a template walks around.

`LimitedEnvironment` is Jinja2's `SandboxedEnvironment` plus:

- time: the deadline is checked at every call, filter, operator, concatenation, printed value and every 64 steps of
  every `{% for %}` loop and `range()` (so nested loops with empty bodies stop too);
- size: no operation makes a string longer than `max_chars` (and longer than its own input), or a list of more than
  `max_chars` items (nested lists counted each time they appear): str methods (`ljust`, `center`, `zfill`, `replace`,
  `join`, `expandtabs`, `translate`, `format`), `%` and format-spec widths and precisions, `+`, `~`, `*`, `**`, list
  `extend`, printed values, and the filters with size arguments (`center`, `indent`, `wordwrap`, `format`, `join`,
  `batch`, `slice`, `sum`, `string`, `tojson`, `pprint`, `replace`, `urlize`, `xmlattr`) are checked *before* the
  string or list is built, from their arguments; every other filter (a plugin's too) and str method is checked after;
  block, macro and `render()` output is checked while it is joined. Each string and list built counts towards an
  allocation budget (MAX_ALLOCATED), so copying one big value many times stops too;
- comparing and hashing (`==`, `<`, `in`, dict keys, `sort`, `unique`, `min`, `max`, `groupby`, `dictsort`, tests
  such as `equalto`, list and dict methods) refuse lists, tuples and dicts whose nested items, counted each time they
  appear, pass MAX_COMPARED × max_chars: a list holding one list twice at each of 60 levels is 60 small lists in
  memory but 2**60 steps for `==`, in C, where no deadline can stop it;
- `range()` is capped at MAX_RANGE items, `lipsum()` at `max_chars`, integers at MAX_EXPONENT_BITS bits.

`limits(timeout_s, max_chars)` sets the budget of one evaluation (per thread); outside one (Jinja2 folding constants
while it compiles) the size limits apply and there is no deadline.

The Expressions of hybridnlg (`when`, titles, entity names) use it directly; the template plugin's sandbox subclasses
it through the public API (`hybridnlg.LimitedEnvironment`).
"""

from __future__ import annotations

import functools
import math
import operator
import re
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, operators
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS as JINJA_FILTERS
from jinja2.filters import make_attrgetter
from jinja2.runtime import LoopContext, markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment, SandboxedFormatter
from jinja2.utils import Namespace
from markupsafe import EscapeFormatter, Markup

DEFAULT_TIMEOUT_S = 2.0
DEFAULT_MAX_CHARS = 20_000
MAX_RANGE = 10_000
MAX_EXPONENT_BITS = 4_096  # also the largest product of `*` on integers
MAX_ALLOCATED = 32 << 20  # characters (bytes for non-ASCII text: 4 each) and list slots (8 each) built per evaluation
MAX_COMPARED = 10  # comparing or hashing may visit this many times max_chars nested items
_EVERY = 64  # loop steps between deadline checks
_TEXT = (str, bytes, bytearray)
_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()), type({}.items()))
_CONTAINERS: tuple[type, ...] = (list, tuple, set, frozenset, dict, *_VIEWS)
# Filters that hand back a part of their input as it is: never "built" text, so never over the size limit by themselves.
_PASS_THROUGH = frozenset(["attr", "d", "default", "first", "last", "max", "min", "random", "safe"])
# Methods of lists, dicts, sets and loops that compare or hash their arguments (or, for sort, the list's items).
_COMPARING = frozenset(["add", "changed", "count", "difference", "difference_update", "discard", "fromkeys", "get",
                        "index", "intersection", "intersection_update", "isdisjoint", "issubset", "issuperset", "pop",
                        "remove", "setdefault", "sort", "symmetric_difference", "symmetric_difference_update", "union",
                        "update"])
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gteq": operator.ge, "lt": operator.lt,
    "lteq": operator.le, "in": lambda a, b: a in b, "notin": lambda a, b: a not in b,
}


class LimitError(SecurityError):
    """An evaluation went past its time limit or would build a string or list over its size limit."""


class Budget(threading.local):
    """The current evaluation's limits, one per thread. Outside an evaluation (Jinja2 folding constants while it
    compiles) the size limits apply with no deadline."""

    def __init__(self, max_chars: int) -> None:
        self.deadline = math.inf
        self.max_chars = max_chars
        self.allocated = 0
        self.max_allocated = max(MAX_ALLOCATED, 500 * max_chars)


def _is_container(value: Any) -> bool:
    return isinstance(value, _CONTAINERS)


def _number_size(value: Any) -> int:
    """An upper bound of the length of a number written in full (`%f`, `{:,f}`), before width and precision."""
    if isinstance(value, float):
        shown = len(f"{value:.0f}") if math.isfinite(value) else 4
    elif isinstance(value, int):
        shown = value.bit_length() // 3 + 2
    elif isinstance(value, Decimal):
        shown = len(str(value)) + (abs(value.adjusted()) if value.is_finite() else 0)
    else:
        return 0  # not a number: Python refuses it
    return shown * 4 // 3 + 26  # digit grouping; sign, point, six decimals and an exponent


def _digits(text: str) -> int:
    """A number written in a format spec; one too long to convert counts as huge."""
    return int(text) if len(text) <= 12 else 10**12


def text_size(value: Any, limit: int, indent: int = 0) -> int:
    """An upper bound of len(str(value)) (with `indent`: of its JSON or pretty-printed form, one line per item), exact
    for strings; counting stops once past `limit`, so it costs at most about `limit` steps."""
    if isinstance(value, str):
        return len(value)
    return _nested_size(value, limit, indent, 0, set())


def _nested_size(value: Any, limit: int, indent: int, depth: int, path: set[int]) -> int:
    if isinstance(value, str):  # inside a container: its repr, up to 10 characters each (\U0001f600)
        return len(value) + 2 if len(value) > limit else len(repr(value))
    if isinstance(value, (bytes, bytearray)):
        return 4 * len(value) + 14
    if value is None or isinstance(value, (bool, float)):
        return 24
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if isinstance(value, Decimal):
        return len(str(value))
    if isinstance(value, Namespace):
        return 14 + _nested_size(getattr(value, "_Namespace__attrs", {}), limit, indent, depth, path)
    if not _is_container(value):
        return len(str(value))
    if id(value) in path:  # a list that holds itself prints as [...]
        return 5
    path.add(id(value))
    try:
        total = 14  # brackets, or the name of a dict view
        items: Iterable[Any] = value.items() if isinstance(value, dict) else value
        for item in items:
            total += 3 + indent * (depth + 1) + _nested_size(item, limit, indent, depth + 1, path)
            if total > limit:
                break
        return total
    finally:
        path.discard(id(value))


def cells(value: Any, limit: int) -> int:
    """Items in a list, tuple, set or dict, counting those of nested ones each time they appear (a list that holds
    one big list 10,000 times counts it 10,000 times); the length of a string; counting stops once past `limit`."""
    if isinstance(value, _TEXT):
        return len(value)
    return _cells(value, limit, set())


def _flat(items: Iterable[Any]) -> bool:
    """No list, tuple, set or dict among `items` (the types are gathered at C speed: a long flat list costs little)."""
    return not any(issubclass(kind, _CONTAINERS) for kind in set(map(type, items)))


def _parts(value: Any) -> tuple[Iterable[Any], ...]:
    return (value.keys(), value.values()) if isinstance(value, dict) else (value,)


def _cells(value: Any, limit: int, path: set[int]) -> int:
    if not _is_container(value) or id(value) in path:
        return 0
    path.add(id(value))
    try:
        total = len(value)
        for part in _parts(value):
            if total > limit or _flat(part):
                continue
            for item in part:
                if total > limit:
                    break
                if isinstance(item, _CONTAINERS):
                    total += _cells(item, limit, path)
        return total
    finally:
        path.discard(id(value))


class _TooMany(Exception):
    pass


def compared_cells(value: Any, limit: int) -> int:
    """How many nested items comparing (`==`, `<`, sorting) or hashing `value` may visit: a list, tuple or dict is
    counted each time it appears, so `[a, a]` nested 60 times counts 2**60 while holding 60 lists. One step per
    distinct container (memoized); counting stops once past `limit` (raising _TooMany)."""
    memo: dict[int, int] = {}

    def children(container: Any) -> Iterator[Any]:
        if isinstance(container, type({}.items())):  # not the transient (key, item) tuples: their ids are reused
            pairs: Iterable[tuple[Any, Any]] = container
            for pair in pairs:
                yield from pair
            return
        for part in _parts(container):
            if not _flat(part):
                yield from part

    def walk(container: Any, path: set[int]) -> int:
        key = id(container)
        if key in memo:
            return memo[key]
        if key in path:
            return 0
        path.add(key)
        total = len(container)
        for item in children(container):
            if isinstance(item, _CONTAINERS):
                total += walk(item, path)
            if total > limit:
                raise _TooMany
        path.discard(key)
        memo[key] = total
        return total

    return walk(value, set()) if isinstance(value, _CONTAINERS) else 0


def _printf_number(text: str, k: int, positional: list[Any]) -> tuple[int, int]:
    """A width or precision at `text[k]`: digits, or `*` (taken from the values); and where it ends."""
    if k < len(text) and text[k] == "*":
        star = positional.pop(0) if positional else 0
        return (abs(star) if isinstance(star, int) else 0), k + 1
    start = k
    while k < len(text) and text[k].isdigit():
        k += 1
    return (_digits(text[start:k]) if k > start else 0), k


def _printf_size(fmt: str | bytes, values: Any, limit: int) -> int:
    """An upper bound of len(fmt % values), from the conversion specifiers and the sizes of the values."""
    text = fmt if isinstance(fmt, str) else fmt.decode("latin-1")
    positional = list(values) if isinstance(values, tuple) else [values]
    mapping = values if isinstance(values, Mapping) else None
    size = i = 0
    while size <= limit:
        j = text.find("%", i)
        if j < 0:
            return size + len(text) - i
        size += j - i
        k = j + 1
        key = None
        if k < len(text) and text[k] == "(":  # %(name)s, where the name may hold balanced parentheses
            depth, start = 1, k + 1
            while k + 1 < len(text) and depth:
                k += 1
                depth += {"(": 1, ")": -1}.get(text[k], 0)
            key, k = text[start:k], k + 1
        while k < len(text) and text[k] in "#0- +":
            k += 1
        width, k = _printf_number(text, k, positional)
        precision = 0
        if k < len(text) and text[k] == ".":
            precision, k = _printf_number(text, k + 1, positional)
        while k < len(text) and text[k] in "hlL":
            k += 1
        conversion, i = text[k : k + 1], k + 1
        if conversion == "%":
            size += max(1, width)
            continue
        value = mapping.get(key) if key is not None and mapping is not None else (
            positional.pop(0) if positional else None)
        shown = text_size(value, limit) if conversion in "sra" else _number_size(value)
        if conversion in "ra" and isinstance(value, str):  # a repr, up to 10 characters for one
            shown *= 10
        size += width + precision + shown
    return size


def _field_size(value: Any, spec: str, limit: int) -> int:
    """An upper bound of len(format(value, spec)): widths and precisions are the numbers in the spec."""
    numbers = sum(_digits(d) for d in re.findall(r"\d+", spec))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return numbers + _number_size(value)  # '{:f}' writes Decimal('1e999999') out in full
    return numbers + text_size(value, limit)


def _translated_size(text: str, table: Any, limit: int) -> int:
    longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1) if isinstance(table, dict) else 1
    if len(text) * max(longest, 1) <= limit:
        return len(text) * max(longest, 1)
    size = 0
    for char, count in Counter(text).items():
        try:
            new = table[ord(char)]
        except (LookupError, TypeError):
            new = char
        size += count * (len(new) if isinstance(new, str) else 1 if new is not None else 0)
    return size


class _LimitedIterable:
    """What a `{% for %}` loop iterates: the same items, with the deadline checked every few steps."""

    __slots__ = ("env", "iterable")

    def __init__(self, env: LimitedEnvironment, iterable: Any) -> None:
        self.env = env
        self.iterable = iterable

    def __len__(self) -> int:  # loop.length without consuming the items, as before
        return len(self.iterable)

    def __iter__(self) -> Iterator[Any]:
        check = self.env.check_deadline
        for i, item in enumerate(self.iterable):
            if i % _EVERY == 0:
                check()
            yield item


class _LimitedFormatter(SandboxedFormatter):
    """`str.format` with every field's width and precision checked before it is formatted, and the total after."""

    _env: LimitedEnvironment

    def __init__(self, env: LimitedEnvironment, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self._made = 0

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion:
            self._env.check_size(text_size(value, self._env.budget.max_chars), f"a `!{conversion}` format field")
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> Any:
        env = self._env
        env.check_deadline()
        env.check_size(_field_size(value, format_spec, env.budget.max_chars), f"the format field `{{:{format_spec}}}`")
        text = super().format_field(value, format_spec)
        self._made += len(text)
        env.check_size(self._made, "str.format()")
        return text


class _LimitedEscapeFormatter(_LimitedFormatter, EscapeFormatter):
    pass


class _LimitedCodeGenerator(CodeGenerator):
    """`a ~ b` goes through `environment.join_operands`, which checks the size before joining."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            markup = "context.eval_ctx.volatile"
        else:
            markup = "True" if frame.eval_ctx.autoescape else "False"
        self.write("environment.join_operands((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {markup})")


    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        """`a == b`, `a in b`, ...: through `environment.compare`, which refuses a deep comparison past the limit;
        a chain (`a < b < c`) keeps Python's chaining, with each operand checked on its own."""
        if len(node.ops) == 1:
            self.write(f"environment.compare({node.ops[0].op!r}, ")
            self.visit(node.expr, frame)
            self.write(", ")
            self.visit(node.ops[0].expr, frame)
            self.write(")")
            return
        self.write("(environment.comparable(")
        self.visit(node.expr, frame)
        self.write(")")
        for op in node.ops:
            self.write(f" {operators[op.op]} environment.comparable(")
            self.visit(op.expr, frame)
            self.write(")")
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        """`{key: value}`: a key is hashed, so a tuple key is checked like a comparison."""
        self.write("{")
        for idx, item in enumerate(node.items):
            if idx:
                self.write(", ")
            self.write("environment.comparable(")
            self.visit(item.key, frame)
            self.write("): ")
            self.visit(item.value, frame)
        self.write("}")


class _GuardedFilters(dict[str, Callable[..., Any]]):
    """The environment's filters: every filter put in (now, by a plugin's hook, later) is wrapped by `guard_filter`."""

    def __init__(self, env: LimitedEnvironment, filters: Mapping[str, Any], tests: bool = False) -> None:
        super().__init__()
        self._env = env
        self._guard = env.guard_test if tests else env.guard_filter
        self.update(filters)

    def __setitem__(self, name: str, func: Callable[..., Any]) -> None:
        super().__setitem__(name, self._guard(name, func))

    def update(self, *args: Any, **kwargs: Any) -> None:
        for name, func in dict(*args, **kwargs).items():
            self[name] = func

    def __ior__(self, other: Any) -> _GuardedFilters:  # type: ignore[override,misc]
        self.update(other)
        return self

    def setdefault(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        if name not in self:
            self[name] = func
        return self[name]


class LimitedEnvironment(SandboxedEnvironment):
    """A sandbox in which one budget (`limits()`) bounds the time and the size of everything an evaluation builds."""

    intercepted_binops = frozenset(["+", "*", "%", "**"])
    code_generator_class = _LimitedCodeGenerator
    subject = "evaluation"  # how the messages name what ran and the settings
    time_setting = "time limit"
    size_setting = "size limit"

    def __init__(self, *args: Any, max_chars: int = DEFAULT_MAX_CHARS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = Budget(max_chars)
        self.globals["range"] = self.bounded_range
        lipsum: Any = self.globals["lipsum"]
        self.globals["lipsum"] = self._bounded_lipsum(lipsum)
        filters: Any = _GuardedFilters(self, self.filters)
        tests: Any = _GuardedFilters(self, self.tests, tests=True)
        self.filters, self.tests = filters, tests
        self.finalize = self._guard_finalize(self.finalize)

    # -- the budget ----------------------------------------------------------------------------------------------

    @contextmanager
    def limits(self, timeout_s: float, max_chars: int) -> Iterator[Budget]:
        """The budget of one evaluation in this thread (nested ones keep the earlier deadline)."""
        budget = self.budget
        saved = (budget.deadline, budget.max_chars, budget.allocated, budget.max_allocated)
        budget.deadline = min(budget.deadline, time.monotonic() + timeout_s)
        budget.max_chars = max_chars
        budget.allocated = 0
        budget.max_allocated = max(MAX_ALLOCATED, 500 * max_chars)
        try:
            yield budget
        finally:
            budget.deadline, budget.max_chars, budget.allocated, budget.max_allocated = saved

    def check_deadline(self) -> None:
        if time.monotonic() > self.budget.deadline:
            raise LimitError(f"{self.subject} ran past its time limit ({self.time_setting})")

    def check_size(self, size: int, what: str) -> None:
        """Refuse `what` before it builds `size` characters or items, when that is over the size limit."""
        if size > self.budget.max_chars:
            raise LimitError(f"{what} would build {size:,} characters or items, over the limit of "
                             f"{self.budget.max_chars:,} ({self.size_setting})")

    def charge(self, amount: int, what: str) -> None:
        budget = self.budget
        budget.allocated += amount
        if budget.allocated > budget.max_allocated:
            raise LimitError(f"{what}: strings and lists built in all went past {budget.max_allocated:,} "
                             f"characters ({self.size_setting})")

    def checked(self, value: Any, what: str, *sources: Any) -> Any:
        """A result built by `what` from `sources`: text over the size limit and longer than each of its sources is
        refused; text and lists count towards the allocation budget."""
        if any(value is source for source in sources):
            return value
        if isinstance(value, _TEXT):
            size = len(value)
            if size > self.budget.max_chars and size > max((len(s) for s in sources if isinstance(s, _TEXT)),
                                                           default=0):
                raise LimitError(f"{what} built {size:,} characters, over the limit of {self.budget.max_chars:,} "
                                 f"({self.size_setting})")
            self.charge(size if not isinstance(value, str) or value.isascii() else 4 * size, what)
        elif isinstance(value, (list, tuple, set, frozenset, dict)):
            self.charge(8 * len(value), what)
        return value

    def check_comparable(self, *values: Any) -> None:
        """Refuse to compare or hash values whose nested items, each counted as often as it appears, are too many."""
        limit = MAX_COMPARED * self.budget.max_chars
        for value in values:
            try:
                compared_cells(value, limit)
            except _TooMany:
                raise LimitError(f"comparing or hashing a {type(value).__name__} of more than {limit:,} nested items "
                                 f"(each counted as often as it appears) is over the limit ({self.size_setting})"
                                 ) from None

    def compare(self, op: str, left: Any, right: Any) -> Any:
        """`left op right` in a template: a deep comparison (both sides lists, tuples or dicts) is checked first."""
        if isinstance(left, _CONTAINERS) and isinstance(right, _CONTAINERS):
            self.check_deadline()
            self.check_comparable(left, right)
        return _OPERATORS[op](left, right)

    def comparable(self, value: Any) -> Any:
        if isinstance(value, _CONTAINERS):
            self.check_comparable(value)
        return value

    def bounded_list(self, iterable: Any) -> list[Any]:
        """The items of `iterable` (a generator is consumed once), with the deadline checked as they come."""
        if isinstance(iterable, (list, tuple)):
            return list(iterable)
        items = []
        for i, item in enumerate(iterable):
            if i % _EVERY == 0:
                self.check_deadline()
            items.append(item)
        return items

    # -- where templates and expressions build things ------------------------------------------------------------

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in list(tree.find_all(nodes.For)):
            guard = nodes.Call(nodes.EnvironmentAttribute("limited_iter"), [loop.iter], [], None, None,
                               lineno=loop.iter.lineno)
            guard.set_environment(self)
            loop.iter = guard
        return tree

    def limited_iter(self, iterable: Any) -> _LimitedIterable:
        return _LimitedIterable(self, iterable)

    def bounded_range(self, *args: int) -> Iterator[int]:
        values = range(*args)
        if len(values) > MAX_RANGE:
            raise LimitError(f"range() of {len(values)} items exceeds the limit of {MAX_RANGE}")
        for i, value in enumerate(values):
            if i % _EVERY == 0:
                self.check_deadline()
            yield value

    def _bounded_lipsum(self, lipsum: Callable[..., str]) -> Callable[..., str]:
        def bounded(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
            self.check_size(int(n) * int(max) * 16, "lipsum()")  # words of at most 15 letters and a space
            return lipsum(n, html, min, max)

        return bounded

    def concat(self, parts: Iterable[str]) -> str:
        """Output of a block, a macro, `{% set %}...{% endset %}` or a whole `render()`: joined while it is checked."""
        limit = self.budget.max_chars
        kept: list[str] = []
        size = 0
        for i, part in enumerate(parts):
            size += len(part)
            if size > limit:
                raise LimitError(f"output of more than {limit:,} characters, over the limit ({self.size_setting})")
            if i % _EVERY == 0:
                self.check_deadline()
            kept.append(part)
        joined: str = self.checked("".join(kept), "output")
        return joined

    def join_operands(self, parts: tuple[Any, ...], markup: bool) -> str:
        """`a ~ b ~ c`."""
        self.check_deadline()
        limit = self.budget.max_chars
        sizes = [text_size(part, limit) for part in parts]
        if sum(sizes) > max(sizes, default=0):
            self.check_size(sum(sizes), "`~`")
        joined: str = self.checked((markup_join if markup else str_join)(parts), "`~`", *parts)
        return joined

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.check_deadline()
        limit = self.budget.max_chars
        if operator == "*":
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > MAX_EXPONENT_BITS:
                    raise LimitError(f"a product of {left.bit_length() + right.bit_length()} bits is over the limit "
                                     f"of {MAX_EXPONENT_BITS} bits")
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (*_TEXT, list, tuple)) and isinstance(count, int) and count > 1:
                    self.check_size(cells(seq, limit) * count, "'*'")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and right * max(abs(left).bit_length(), 1) > MAX_EXPONENT_BITS:
                raise LimitError(f"{left} ** {right} is too large to compute (over the limit of {MAX_EXPONENT_BITS} "
                                 "bits)")
        elif operator == "+":
            if isinstance(left, (*_TEXT, list, tuple)) and isinstance(right, (*_TEXT, list, tuple)):
                if len(left) and len(right):
                    self.check_size(cells(left, limit) + cells(right, limit), "'+'")
        elif operator == "%" and isinstance(left, (str, bytes)):
            self.check_size(_printf_size(left, right, limit), "'%' formatting")
        return self.checked(super().call_binop(context, operator, left, right), f"'{operator}'", left, right)

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        return self.checked(value, "a slice", obj) if isinstance(argument, slice) else value

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)) or value.__name__ not in (
            "format",
            "format_map",
        ):
            return None
        owner: Any = value.__self__
        if not isinstance(owner, str):
            return None
        formatter = (_LimitedEscapeFormatter(self, escape=owner.escape) if isinstance(owner, Markup)
                     else _LimitedFormatter(self))
        is_format_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument and no keyword arguments")
                kwargs, args = args[0], ()
            formatter._made = 0
            return type(owner)(formatter.vformat(owner, args, kwargs))

        return functools.update_wrapper(wrapper, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self.check_deadline()
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", None)
        what = f"{type(owner).__name__}.{name}()" if owner is not None else f"{name}()"
        if isinstance(owner, _TEXT) and isinstance(name, str):
            if name in ("format", "format_map"):
                __obj = __self.wrap_str_format(__obj) or __obj
            else:
                args = __self._check_text_method(owner, name, args, kwargs, what)
        elif isinstance(owner, (list, dict, set)) and name in ("append", "extend", "insert", "update", "setdefault"):
            args = __self._check_growth(owner, name, args, kwargs, what)
            if name in _COMPARING:
                __self.check_comparable(*(a for a in (*args, *kwargs.values()) if isinstance(a, _CONTAINERS)))
        elif name in _COMPARING and isinstance(owner, (*_CONTAINERS, LoopContext)):
            __self.check_comparable(*(a for a in (*args, *kwargs.values()) if isinstance(a, _CONTAINERS)))
            if name == "sort":
                __self.check_comparable(owner)
            return super().call(__context, __obj, *args, **kwargs)
        else:  # a macro, a global, a method of a list or dict: only copies count (towards the allocation budget)
            result = super().call(__context, __obj, *args, **kwargs)
            if isinstance(result, (list, tuple, set, frozenset, dict)) and not any(result is a for a in args):
                __self.charge(8 * len(result), what)
            return result
        return __self.checked(super().call(__context, __obj, *args, **kwargs), what, owner)

    def _check_text_method(self, text: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                           what: str) -> tuple[Any, ...]:
        size = len(text)
        arg = args[0] if args else None
        if name in ("ljust", "rjust", "center", "zfill") and isinstance(arg, int):
            self.check_size(max(size, arg), what)
        elif name == "expandtabs":
            tabsize = arg if args else kwargs.get("tabsize", 8)
            if isinstance(tabsize, int):
                tab: Any = "\t" if isinstance(text, str) else b"\t"
                self.check_size(size + text.count(tab) * max(tabsize, 0), what)
        elif name == "replace" and len(args) >= 2 and isinstance(args[0], _TEXT) and isinstance(args[1], _TEXT):
            old, new = args[0], args[1]
            count = args[2] if len(args) > 2 else kwargs.get("count", -1)
            hits = text.count(old) if old else size + 1
            if isinstance(count, int) and count >= 0:
                hits = min(hits, count)
            self.check_size(size + hits * (len(new) - len(old)), what)
        elif name == "join" and args:
            items = self.bounded_list(arg)
            self.check_size(sum(len(i) for i in items if isinstance(i, _TEXT)) + size * max(len(items) - 1, 0),
                            what)
            args = (items, *args[1:])
        elif name == "translate" and isinstance(text, str) and args:
            self.check_size(_translated_size(text, arg, self.budget.max_chars), what)
        return args

    def _check_growth(self, container: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                      what: str) -> tuple[Any, ...]:
        limit = self.budget.max_chars
        if name == "extend" and args:
            items = self.bounded_list(args[0])
            self.check_size(cells(container, limit) + cells(items, limit), what)
            return (items, *args[1:])
        added = [*args, *kwargs.values()]
        self.check_size(len(container) + 1, what)
        self.charge(8 * (1 + sum(cells(a, limit) for a in added)), what)
        return args

    # -- filters and printed values ------------------------------------------------------------------------------

    def guard_filter(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func` with the deadline checked before, its size arguments checked before (Jinja2's own filters) and its
        result checked after."""
        if getattr(func, "hybridnlg_guarded", False):
            return func
        skip = 0 if getattr(func, "jinja_pass_arg", None) is None else 1  # the context or environment it is passed
        check = _FILTER_CHECKS.get(name) if func is JINJA_FILTERS.get(name) else None
        replacement = _FILTER_REPLACEMENTS.get(name) if func is JINJA_FILTERS.get(name) else None
        run = replacement or func
        what = f"the '{name}' filter"
        passes_through = name in _PASS_THROUGH

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.check_deadline()
            user = list(args[skip:])
            if check is not None and user:
                check(self, user, kwargs, what)
            result = run(*args[:skip], *user, **kwargs)
            return result if passes_through else self.checked(result, what, *user[:1])

        guarded.hybridnlg_guarded = True  # type: ignore[attr-defined]
        return guarded

    def guard_test(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """A test (`is eq`, `is in`, also through `select`): the deadline, and deep comparisons checked first."""
        if getattr(func, "hybridnlg_guarded", False):
            return func

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.check_deadline()
            containers = [a for a in (*args, *kwargs.values()) if isinstance(a, _CONTAINERS)]
            if len(containers) > 1:
                self.check_comparable(*containers)
            return func(*args, **kwargs)

        guarded.hybridnlg_guarded = True  # type: ignore[attr-defined]
        return guarded

    def _guard_finalize(self, finalize: Callable[..., Any] | None) -> Callable[..., Any]:
        """Every printed value (`{{ ... }}`): the deadline, and its size before it becomes text."""

        def printed(value: Any) -> Any:
            self.check_deadline()
            self.check_size(text_size(value, self.budget.max_chars), "printing a value")
            return value

        if finalize is None:
            return printed

        @functools.wraps(finalize)
        def guarded(*args: Any) -> Any:
            return printed(finalize(*args))

        return guarded


def _arg(user: list[Any], kwargs: dict[str, Any], index: int, name: str, default: Any = None) -> Any:
    return user[index] if len(user) > index else kwargs.get(name, default)


def _check_center(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    width = _arg(user, kwargs, 1, "width", 80)
    if isinstance(width, int):
        env.check_size(max(text_size(user[0], env.budget.max_chars), width), what)


def _check_indent(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    width = _arg(user, kwargs, 1, "width", 4)
    indent = width if isinstance(width, int) else len(str(width))
    text = str(user[0]) if isinstance(user[0], str) else ""
    env.check_size(len(text) + (text.count("\n") + 1) * max(indent, 0), what)


def _check_format(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    if isinstance(user[0], str):
        env.check_size(_printf_size(user[0], kwargs or tuple(user[1:]), env.budget.max_chars), what)


def _check_join(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    items = env.bounded_list(user[0])
    attribute = _arg(user, kwargs, 2, "attribute")
    if attribute is not None:
        items = list(map(make_attrgetter(env, attribute), items))
        if len(user) > 2:
            user[2] = None
        else:
            kwargs["attribute"] = None
    user[0] = items
    limit = env.budget.max_chars
    size = len(str(_arg(user, kwargs, 1, "d", ""))) * max(len(items) - 1, 0)
    for item in items:
        size += text_size(item, limit)
        if size > limit:
            break
    env.check_size(size, what)


def _check_text(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    env.check_size(text_size(user[0], env.budget.max_chars), what)


def _check_tojson(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    indent = _arg(user, kwargs, 1, "indent")
    width = indent if isinstance(indent, int) else len(indent) if isinstance(indent, str) else 0
    env.check_size(text_size(user[0], env.budget.max_chars, max(width, 0)), what)


def _check_pprint(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    env.check_size(text_size(user[0], env.budget.max_chars, 1), what)


def _check_batch(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    count = _arg(user, kwargs, 1, "linecount")
    if _arg(user, kwargs, 2, "fill_with") is not None and isinstance(count, int):
        env.check_size(count, what)


def _check_slice(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    count = _arg(user, kwargs, 1, "slices")
    if isinstance(count, int):
        env.check_size(count, what)


def _check_sum(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    start = _arg(user, kwargs, 2, "start", 0)
    if isinstance(start, (int, float, Decimal)):
        return
    items = env.bounded_list(user[0])
    user[0] = items
    attribute = _arg(user, kwargs, 1, "attribute")
    get = make_attrgetter(env, attribute) if attribute is not None else (lambda item: item)
    limit = env.budget.max_chars
    size = cells(start, limit)
    for item in items:
        size += cells(get(item), limit)
        if size > limit:
            break
    env.check_size(size, what)


def _sorting(attribute_at: int | None) -> Callable[[LimitedEnvironment, list[Any], dict[str, Any], str], None]:
    """sort, unique, min, max, groupby (the attribute's position), dictsort (None): the keys they compare or hash."""

    def check(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
        if attribute_at is None:
            env.comparable(user[0])
            return
        items = user[0] = env.bounded_list(user[0])
        attribute = _arg(user, kwargs, attribute_at, "attribute")
        if attribute is None:
            keys = items
        else:
            getters = [make_attrgetter(env, part) for part in str(attribute).split(",")]
            keys = [get(item) for item in items for get in getters]
        env.check_comparable(*(key for key in keys if isinstance(key, _CONTAINERS)))

    return check


def _check_replace(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    text, old, new = str(user[0]), str(_arg(user, kwargs, 1, "old", "")), str(_arg(user, kwargs, 2, "new", ""))
    count = _arg(user, kwargs, 3, "count")
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    env.check_size(len(text) + hits * (len(new) - len(old)), what)


def _check_urlize(env: LimitedEnvironment, user: list[Any], kwargs: dict[str, Any], what: str) -> None:
    extra = sum(len(str(_arg(user, kwargs, i, name) or "")) for i, name in ((3, "target"), (4, "rel")))
    env.check_size(len(str(user[0])) + len(str(user[0]).split()) * extra, what)


def _wordwrap(environment: LimitedEnvironment, s: str, width: int = 79, break_long_words: bool = True,
              wrapstring: str | None = None, break_on_hyphens: bool = True) -> str:
    """Jinja2's `wordwrap`, with the size of the result known before it is joined."""
    import textwrap

    environment.check_size(len(s), "the 'wordwrap' filter")  # never shorter than its input
    if wrapstring is None:
        wrapstring = environment.newline_sequence
    paragraphs = [textwrap.wrap(line, width=width, expand_tabs=False, replace_whitespace=False,
                                break_long_words=break_long_words, break_on_hyphens=break_on_hyphens)
                  for line in s.splitlines()]
    lines = sum(len(p) for p in paragraphs)
    size = sum(len(line) for p in paragraphs for line in p)
    environment.check_size(size + (lines + len(paragraphs)) * len(wrapstring), "the 'wordwrap' filter")
    return wrapstring.join([wrapstring.join(p) for p in paragraphs])


_wordwrap.jinja_pass_arg = JINJA_FILTERS["wordwrap"].jinja_pass_arg  # type: ignore[attr-defined]

_FILTER_CHECKS: dict[str, Callable[[LimitedEnvironment, list[Any], dict[str, Any], str], None]] = {
    "batch": _check_batch,
    "center": _check_center,
    "dictsort": _sorting(None),
    "groupby": _sorting(1),
    "max": _sorting(2),
    "min": _sorting(2),
    "sort": _sorting(3),
    "unique": _sorting(2),
    "format": _check_format,
    "indent": _check_indent,
    "join": _check_join,
    "pprint": _check_pprint,
    "replace": _check_replace,
    "slice": _check_slice,
    "string": _check_text,
    "sum": _check_sum,
    "tojson": _check_tojson,
    "urlize": _check_urlize,
    "xmlattr": _check_text,
}
_FILTER_REPLACEMENTS: dict[str, Callable[..., Any]] = {"wordwrap": _wordwrap}

EXPRESSION_TIMEOUT_S = DEFAULT_TIMEOUT_S
EXPRESSION_MAX_CHARS = DEFAULT_MAX_CHARS
