"""Fluency checks: leftovers from templates and models, balance, length, script, sentences, repetition."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from hybridnlg import Issue

_fluency = partial(Issue, category="fluency")

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

_SPECIAL_TOKENS = re.compile(
    r"<\|[^|<>\n]{1,40}\|>"
    r"|</?(?:s|sep|pad|eos|bos|sos|unk|mask|cls|eot|endoftext|start|end)>"
    r"|\[(?:SEP|PAD|CLS|MASK|UNK|BOS|EOS)\]"
    r"|__[A-Za-z][\w]*__"
    r"|\$\{\w+\}",
    re.IGNORECASE,
)
_TEMPLATE_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\{\{|\}\}|\{%|%\}", re.DOTALL)
_NAMED_SLOT = re.compile(r"\[(\w+)\]|<(\w+)>|\{(\w+)\}")

_PAIRS = {")": "(", "]": "[", "}": "{", "”": "“", "»": "«"}
_OPENERS = set(_PAIRS.values())
_TERMINAL = ".!?"
_CLOSERS_AFTER_TERMINAL = "\"'”’)]»"

# Words a complete sentence does not end on: a cut-off generation usually stops right after one of these.
DANGLING = frozenset(
    "the a an and or but nor of to in on at near with for by from is are was were be been its their his her "
    "than that which who whose very as into onto has have had this these those our your my".split()
)

# For the blank pipeline, which has no tagger: the verbs data-to-text sentences are built on.
VERB_WORDS = frozenset(
    """
    be is are was were been being am 's 're 'm has have had having do does did can could will would shall should
    may might must offer offers offered offering serve serves served serving provide provides provided sit sits
    sat lie lies lay locate located situate situated find found rate rates rated rank ranks ranked get gets got
    rise rises rose risen fall falls fell fallen grow grows grew grown increase increases increased decrease
    decreases decreased decline declines declined drop drops dropped climb climbs climbed gain gains gained
    remain remains remained hold holds held stay stays stayed reach reaches reached report reports reported
    contribute contributes contributed expect expects expected welcome welcomes welcomed cater caters catered
    sell sells sold cost costs charge charges make makes made come comes came go goes went give gives gave
    take takes took see sees saw like likes liked enjoy enjoys enjoyed visit visits visited want wants wanted
    need needs needed include includes included feature features featured boast boasts boasted allow allows
    allowed accept accepts accepted recommend recommends recommended open opens opened close closes closed
    earn earns earned post posts posted show shows showed shown lead leads led fail fails failed stand stands
    stood run runs ran slip slips slipped jump jumps jumped edge edges edged totals totalled totaled amount amounts
    amounted receive receives received score scores scored call calls called name names named
    """.split()
)


_SUBJECT_PRONOUNS = ("it", "he", "she", "that", "which", "who")

# Be, have, do and the modals: a verb whatever the tagger says (the small English pipeline tags "That is 5 degrees
# warmer" with "is" as an adverb). "'s" is left out: it is as often a possessive.
AUXILIARIES = frozenset(
    "be is are was were been being am 're 'm has have had having do does did can could will would shall should may "
    "might must".split()
)
# Words that open a new clause as its subject; capitalised mid-sentence with no punctuation before them, they mark a
# missing sentence boundary ("…Chinese food It is located…").
CLAUSE_OPENERS = frozenset("it they he she we this there these those".split())
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "expl", "csubj"})
# A word after which a capitalised pronoun continues the clause (a title's first word after "by", "called", "and").
_JOINERS = DANGLING | frozenset(
    "so because while whereas although though if unless when where whether yet then called named titled entitled "
    "like unlike about after before until via per plus versus vs".split()
)


@dataclass(frozen=True)
class FluencyLimits:
    min_chars: int
    max_chars: int
    ngram_size: int
    max_ngram_repeats: int
    max_word_repeats: int
    max_foreign_script: float
    require_verb: bool
    require_terminal_punctuation: bool


def leftovers(text: str, slot_names: Iterable[str]) -> list[Issue]:
    """Template syntax, model special tokens and delexicalised slot names that reached the surface."""
    issues: list[Issue] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_TEMPLATE_SYNTAX, _SPECIAL_TOKENS):
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append(m.span())
            message = f"leftover placeholder or special token {m.group(0)!r}"
            issues.append(_fluency("leftover_placeholder", message, span=m.span()))
    names = {n.lower() for n in slot_names}
    for m in _NAMED_SLOT.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        if inner.lower() in names and not any(a < m.end() and m.start() < b for a, b in taken):
            issues.append(_fluency("leftover_placeholder", f"unfilled slot {m.group(0)!r}", fact=inner, span=m.span()))
    return issues


def balance(text: str) -> list[Issue]:
    """Brackets and double quotes that are not closed, or closed without being opened."""
    issues: list[Issue] = []
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _OPENERS:
            stack.append((ch, i))
        elif ch in _PAIRS:
            if stack and stack[-1][0] == _PAIRS[ch]:
                stack.pop()
            else:
                issues.append(_fluency("unbalanced", f"'{ch}' closes nothing", span=(i, i + 1)))
    for ch, i in stack:
        issues.append(_fluency("unbalanced", f"'{ch}' is never closed", span=(i, i + 1)))
    quotes = [i for i, ch in enumerate(text) if ch == '"']
    if len(quotes) % 2:
        issues.append(_fluency("unbalanced", 'a double quote (") is never closed', span=(quotes[-1], quotes[-1] + 1)))
    return issues


def characters(text: str, max_foreign: float) -> list[Issue]:
    """Control characters, broken encodings and text that is mostly in a non-Latin script."""
    issues: list[Issue] = []
    latin = other = 0
    first_other: int | None = None
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if ch == "\ufffd" or category in ("Cs", "Co") or (category == "Cc" and ch not in "\t\n\r"):
            issues.append(_fluency("odd_characters", f"unexpected character U+{ord(ch):04X}", span=(i, i + 1)))
        elif category == "Cf":
            message = f"invisible formatting character U+{ord(ch):04X}"
            issues.append(_fluency("odd_characters", message, span=(i, i + 1), severity="warning"))
        elif ch.isalpha():
            if unicodedata.name(ch, "").startswith("LATIN"):
                latin += 1
            else:
                other += 1
                first_other = i if first_other is None else first_other
    if len(issues) > 5:
        more = _fluency("odd_characters", f"{len(issues) - 5} more odd characters", severity=issues[5].severity)
        issues = [*issues[:5], more]
    if other and first_other is not None and other / (latin + other) > max_foreign:
        issues.append(
            _fluency(
                "foreign_script",
                f"{other} of {latin + other} letters are not in the Latin script",
                span=(first_other, len(text)),
            )
        )
    return issues


def length(text: str, limits: FluencyLimits) -> list[Issue]:
    size = len(text.strip())
    if size < limits.min_chars:
        return [_fluency("too_short", f"{size} characters; at least {limits.min_chars} expected", span=(0, len(text)))]
    if size > limits.max_chars:
        message = f"{size} characters; at most {limits.max_chars} allowed"
        return [_fluency("too_long", message, span=(limits.max_chars, len(text)))]
    return []


CharSpan = tuple[int, int]


def _within(span: CharSpan, names: Sequence[CharSpan]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in names)


def _cut(span: CharSpan, names: Sequence[CharSpan]) -> bool:
    """A sentence boundary inside a name or right after it ("Abh. Math. Semin. Univ. Hambg. as its abbreviation",
    "1634: The Ram Rebellion"): the splitter's, not the writer's."""
    start, end = span
    return any(a < end < b or a < start <= b + 1 for a, b in names)


def sentences(doc: Doc, statistical: bool, limits: FluencyLimits, names: Sequence[CharSpan] = ()) -> list[Issue]:
    """Each sentence has a verb and does not stop mid-phrase; the text ends with terminal punctuation. `names`:
    where the text writes the record's names and strings, which a sentence split must not cut."""
    issues: list[Issue] = []
    sents = [s for s in doc.sents if any(t.is_alpha or t.like_num for t in s)]
    for sent in sents:
        span = (sent.start_char, sent.end_char)
        if _cut(span, names):
            continue
        if limits.require_verb and not _has_verb(sent, statistical):
            issues.append(_fluency("incomplete_sentence", f"no verb in {_quote(sent.text)}", span=span))
            continue
        words = [t for t in sent if not (t.is_punct or t.is_space)]
        last = words[-1] if words else None
        if last is not None and last.lower_ in DANGLING and sent[-1].is_punct and not _ends_a_title(words):
            message = f"sentence ends on {last.text!r}: {_quote(sent.text)}"
            issues.append(_fluency("incomplete_sentence", message, span=span))
    if limits.require_terminal_punctuation and sents:
        stripped = doc.text.rstrip().rstrip(_CLOSERS_AFTER_TERMINAL)
        last_sent = sents[-1]
        if not stripped or stripped[-1] not in _TERMINAL + "…" or stripped.endswith(("...", "…")):
            reason = "trails off" if stripped.endswith(("...", "…")) else "has no terminal punctuation"
            message = f"the text {reason}: {_quote(last_sent.text)}"
            issue = _fluency("incomplete_sentence", message, span=(last_sent.start_char, last_sent.end_char))
            if not any(i.span == issue.span for i in issues):
                issues.append(issue)
    return issues


def _ends_a_title(words: list[Token]) -> bool:
    """The closing word ends a Title Case run ("…was followed by Turn Me On."): a name or a title, not a cut-off.
    A lone capitalised function word ("near The.") is still a cut-off, whatever the tagger calls it."""
    if len(words) < 2:
        return False
    last, before = words[-1], words[-2]
    return last.is_title and before.is_title and not before.is_sent_start


def _has_verb(sent: Span, statistical: bool) -> bool:
    if statistical:
        if any(t.pos_ in ("VERB", "AUX") or t.lower_ in AUXILIARIES for t in sent):
            return True
        return any(_mistagged_verb(sent, i) for i in range(1, len(sent) - 1))
    for i, tok in enumerate(sent):
        if tok.lower_ in VERB_WORDS or (tok.is_alpha and len(tok) > 4 and tok.lower_.endswith("ed")):
            return True
        # "John Smith runs it", "It serves": a word in -s right after a name or a pronoun.
        prev = sent[i - 1] if i else None
        after_subject = prev is not None and (prev.text[:1].isupper() or prev.lower_ in _SUBJECT_PRONOUNS)
        third_person = tok.lower_.endswith("s") and not tok.lower_.endswith("ss")
        if after_subject and tok.is_alpha and tok.is_lower and len(tok) > 3 and third_person:
            return True
    return False


def _mistagged_verb(sent: Span, i: int) -> bool:
    """A third-person verb in -s tagged as a plural noun between a subject and its complement: "Super Capers stars
    Tom Sizemore", "Jazz originates from the Blues". A noun phrase rarely has a plural noun in that position."""
    tok, prev, nxt = sent[i], sent[i - 1], sent[i + 1]
    if tok.tag_ != "NNS" or not tok.is_lower or not tok.is_alpha or tok.lower_.endswith("ss") or len(tok) < 4:
        return False
    return prev.pos_ in ("NOUN", "PROPN", "PRON", "NUM") and nxt.pos_ in ("DET", "PROPN", "NUM", "ADP", "PRON")


def run_ons(doc: Doc, statistical: bool, names: Sequence[CharSpan] = ()) -> list[Issue]:
    """Two sentences run together with no punctuation: a capitalised subject pronoun (or, with the parser, any
    capitalised subject determiner/pronoun) right after a word, followed by a lower-case word."""
    issues: list[Issue] = []
    for tok in doc[1:]:
        if not (tok.is_title and tok.is_alpha and len(tok) > 1) or tok.i + 1 >= len(doc):
            continue
        if _within((tok.idx, tok.idx + len(tok)), names):
            continue
        prev, nxt = doc[tok.i - 1], doc[tok.i + 1]
        if not (prev.is_alpha or prev.like_num) or "\n" in prev.whitespace_ or prev.lower_ in _JOINERS:
            continue
        if not (nxt.is_lower or nxt.text.startswith("'")):
            continue  # a title or a name goes on capitalised ("Here There And Everywhere")
        if statistical and prev.pos_ in ("CCONJ", "SCONJ", "ADP", "DET", "AUX", "PART"):
            continue
        opener = tok.lower_ in CLAUSE_OPENERS
        if statistical and not opener:
            subject = tok.dep_ in _SUBJECT_DEPS or (tok.dep_ == "det" and tok.head.dep_ in _SUBJECT_DEPS)
            opener = tok.pos_ in ("PRON", "DET") and subject
        if not opener:
            continue
        if prev.text[:1].isupper() and not _verb_like(nxt, statistical):
            continue  # after a name, only a verb next makes it a new clause rather than part of a title
        sent = tok.sent
        message = f"no sentence boundary before {tok.text!r}: {_quote(sent.text)}"
        issues.append(_fluency("run_on_sentence", message, span=(prev.idx, tok.idx + len(tok))))
    return issues


# units of measure a number is written with; after a name they measure nothing ("serves the city of Luanda metres")
UNITS = frozenset(
    "metre metres meter meters kilometre kilometres kilometer kilometers millimetre millimetres millimeter "
    "millimeters centimetre centimetres feet foot inches miles kilograms kilogram tonnes tons".split()
)


def stray_units(doc: Doc) -> list[Issue]:
    """A unit of measure right after a capitalised word, with no number to measure: what a neural realizer leaves
    when it puts a name where a number goes (none of WebNLG's 39,890 human texts has one)."""
    issues: list[Issue] = []
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        named = prev.is_alpha and prev.text[:1].isupper() and not prev.is_sent_start
        if named and tok.lower_ in UNITS and tok.is_lower:
            message = f"{tok.text!r} measures no number: {_quote(tok.sent.text)}"
            issues.append(_fluency("stray_unit", message, span=(prev.idx, tok.idx + len(tok))))
    return issues


def _verb_like(tok: Token, statistical: bool) -> bool:
    if statistical and tok.pos_ in ("VERB", "AUX"):
        return True
    return tok.lower_ in VERB_WORDS or tok.lower_ in AUXILIARIES or tok.text.startswith("'")


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def repetition(doc: Doc, limits: FluencyLimits, names: Sequence[CharSpan] = ()) -> list[Issue]:
    """Stuttered words, phrases said twice, and content words used too often; a name said again (or a name that
    repeats a word, "A Long Long Way") is no repetition."""
    words = [t for t in doc if not (t.is_punct or t.is_space)]
    issues = [i for i in _stutters(doc, words) if not (i.span and _within(i.span, names))]
    for start, end in _repeated_ngrams(words, limits.ngram_size, limits.max_ngram_repeats, names):
        if any(i.span and i.span[0] <= start and end <= i.span[1] for i in issues):
            continue
        issues.append(_fluency("repetition", f"repeated phrase {_quote(doc.text[start:end])}", span=(start, end)))
    counts = Counter(t.lower_ for t in words if t.is_alpha and not t.is_stop and len(t) > 2
                     and not _within((t.idx, t.idx + len(t)), names))
    for word, count in counts.items():
        if count > limits.max_word_repeats:
            last = [t for t in words if t.lower_ == word][-1]
            span = (last.idx, last.idx + len(last))
            issues.append(_fluency("repetition", f"{word!r} used {count} times", span=span, severity="warning"))
    return issues


def _stutters(doc: Doc, words: list[Token]) -> list[Issue]:
    """A phrase said twice in a row ("a a", "near Burger King near Burger King"): the typical decoding loop."""
    issues: list[Issue] = []
    lowered = [t.lower_ for t in words]
    covered = -1
    for i in range(len(words)):
        for n in range(1, 9):
            if i + 2 * n > len(words) or words[i].idx <= covered:
                break
            contiguous = words[i + 2 * n - 1].i - words[i].i == 2 * n - 1  # "Clowns. Clowns serves" is fine
            repeated = lowered[i : i + n] == lowered[i + n : i + 2 * n]
            if contiguous and repeated and any(t.is_alpha for t in words[i : i + n]):
                last = words[i + 2 * n - 1]
                covered = last.idx
                what = "word" if n == 1 else "phrase"
                phrase = doc.text[words[i].idx : words[i + n - 1].idx + len(words[i + n - 1])]
                span = (words[i].idx, last.idx + len(last))
                issues.append(_fluency("repetition", f"repeated {what} {_quote(phrase)}", span=span))
                break
    return issues


def _repeated_ngrams(words: list[Token], n: int, max_repeats: int,
                     names: Sequence[CharSpan] = ()) -> list[tuple[int, int]]:
    """Character spans (overlapping ones merged) of n-grams with content words seen more than `max_repeats` times;
    n-grams that touch a name do not count."""
    seen: dict[tuple[str, ...], int] = {}
    flagged: list[tuple[int, int]] = []
    for i in range(len(words) - n + 1):
        gram = words[i : i + n]
        if names and any(a < gram[-1].idx + len(gram[-1]) and gram[0].idx < b for a, b in names):
            continue
        key = tuple(t.lower_ for t in gram)
        content = [t for t in gram if not (t.is_stop or t.like_num)]
        # Names repeat legitimately ("The Golden Palace is ... The Golden Palace is"); phrases about them do not.
        if not content or all(t.text[:1].isupper() for t in content):
            continue
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > max_repeats:
            start, end = gram[0].idx, gram[-1].idx + len(gram[-1])
            if flagged and start <= flagged[-1][1]:
                flagged[-1] = (flagged[-1][0], end)
            else:
                flagged.append((start, end))
    return flagged
