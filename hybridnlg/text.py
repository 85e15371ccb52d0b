"""Surface-text helpers shared by the assembler and realizers: spacing, capitalisation, clause joining."""

from __future__ import annotations

import re
import unicodedata

# Only a run's first space may start a match (the look-behind), so a long run of spaces that no punctuation follows
# is scanned once instead of once from each of its characters (19,000 em spaces took 14 s): linear time.
_SPACE_BEFORE_PUNCT = re.compile(r"(?<!\s)\s+(?=[,.;:!?])")
_MULTI_SPACE = re.compile(r"[ \t]+")
_TERMINAL = (".", "!", "?", "…")


def tidy(text: str) -> str:
    """Collapse runs of spaces, remove spaces before punctuation, trim (linear in the length of the text)."""
    text = _MULTI_SPACE.sub(" ", text.replace("\n", " "))
    return _SPACE_BEFORE_PUNCT.sub("", text).strip()


def capitalize_first(text: str) -> str:
    """Upper-case the first letter only (`iPhone`-style words after it stay as they are), past leading spaces and
    punctuation; a text that starts with a digit or a symbol (an emoji, a currency sign) is left as it is."""
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
        if not unicodedata.category(char).startswith(("P", "Z")):
            return text
    return text


def sentence(text: str) -> str:
    """A tidy sentence: capitalised, ending in terminal punctuation."""
    text = tidy(text)
    if not text:
        return text
    text = capitalize_first(text)
    stripped = text.rstrip("\"')]”’")
    return text if stripped.endswith(_TERMINAL) else text + "."


def join_clauses(texts: list[str], subject_forms: list[str], max_words: int = 30) -> str:
    """Aggregate sentences about one subject: 'X is a pub. It serves food.' -> 'X is a pub and serves food.'

    A later sentence that starts with one of `subject_forms` (its name, short form or pronoun) loses that
    subject and becomes a coordinated predicate; otherwise it is joined as a clause after a comma.
    When the joined sentence would run past `max_words`, the sentences stay apart.
    """
    tidied = [tidy(t) for t in texts]
    clauses = [t.rstrip("".join(_TERMINAL)).strip() for t in tidied if t]
    if not clauses:
        return ""
    forms = sorted({f for f in subject_forms if f}, key=len, reverse=True)
    prefixes = [form.lower() + " " for form in forms]
    rest: list[str] = []
    for clause in clauses[1:]:
        lowered = clause.lower()
        for form, prefix in zip(forms, prefixes, strict=True):
            if lowered.startswith(prefix):
                rest.append(clause[len(form) + 1 :])
                break
        else:
            rest.append(clause[0].lower() + clause[1:] if clause[:2].istitle() and not clause.isupper() else clause)
    if not rest:
        return sentence(clauses[0])
    if sum(len(c.split()) for c in clauses) > max_words:
        return " ".join(sentence(c) for c in clauses)
    if len(rest) == 1:
        # "X is a pub, has cheap prices and is quiet" reads better than a second "and"
        return sentence(f"{clauses[0]}{', ' if ' and ' in rest[0] else ' and '}{rest[0]}")
    return sentence(f"{clauses[0]}, " + ", ".join(rest[:-1]) + f" and {rest[-1]}")
