"""Catalogue patterns: regular expressions, matched ignoring case, that skip at once the texts lacking a word
every match needs.

A pattern's literal words are read from its text by a small reader that shapes it as the standard
library's own parser does (re._parser is private): the words, and so the texts skipped, are the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


def fold(text: str) -> str:
    """Lower case as re.IGNORECASE compares ASCII letters, where 'İ' and 'ı' are 'i' and 'ſ' is 's'."""
    folded = text.lower()
    if folded.isascii():
        return folded
    return folded.replace("\u0307", "").replace("ı", "i").replace("ſ", "s")  # "İ".lower() is "i\u0307"


class Pattern:
    """A catalogue pattern, matched case-insensitively, that skips the texts lacking a word it needs.

    re gets no literal-prefix speed-up from IGNORECASE patterns, so it tries every position of the
    text in turn; most texts lack a word that every match needs ("race equality " for
    'race equality (\\w+ ){0,2}scheme'), and a substring test on the folded text says so far sooner.
    """

    def __init__(self, pattern: str, words: frozenset[str]):
        self.regex = re.compile(pattern, re.IGNORECASE)
        # One of these is in every match; none known: every text is searched. A word that holds
        # another ("equality scheme", "equalit") adds nothing to the test.
        self.words = tuple(word for word in words if not any(other in word for other in words if other != word))

    def search(self, text: str, folded: str | None = None) -> re.Match | None:
        """regex.search(text); `folded` is fold(text), passed when the caller has it already."""
        if self.words and not self.may_occur_in(fold(text) if folded is None else folded):
            return None
        return self.regex.search(text)

    def may_occur_in(self, folded: str) -> bool:
        """False when the folded text lacks every word a match needs, so that no part of it can match."""
        return not self.words or any(word in folded for word in self.words)


@lru_cache(maxsize=4096)
def compiled(pattern: str) -> Pattern:
    return Pattern(pattern, _pattern_words(pattern))


def any_of(patterns: Sequence[str]) -> Pattern:
    """One pattern matching wherever any of the patterns does: one pass instead of many."""
    return _alternation(tuple(patterns))


@lru_cache(maxsize=1024)
def _alternation(patterns: tuple[str, ...]) -> Pattern:
    # Each pattern's own words: parsed together, the alternatives lose the prefix they share
    # ("race equality", "res 2005" need only "r"), and a short word rules little out.
    words = [compiled(p).words for p in patterns]
    needed = frozenset().union(*words) if all(words) else frozenset()
    return Pattern("|".join(f"(?:{p})" for p in patterns) or r"(?!)", needed)


def _pattern_words(pattern: str) -> frozenset[str]:
    try:
        nodes = _PatternReader(pattern).read()
    except (_Unsupported, ValueError):  # ValueError: a name or comment left open
        return frozenset()
    return _required_words(nodes) or frozenset()


def _required_words(nodes: Sequence[_Node]) -> frozenset[str] | None:
    """Folded ASCII strings one of which every match of the read pattern contains (None: no such set known)."""
    options: list[frozenset[str]] = []
    run = ""  # consecutive literal characters
    for node in [*nodes, _Node("end")]:
        if node.kind == "literal" and node.text.isascii():
            run += node.text.lower()
            continue
        if run:
            options.append(frozenset([run]))
            run = ""
        words = None
        if node.kind == "group" or (node.kind == "repeat" and node.min >= 1):
            words = _required_words(node.nodes)
        elif node.kind == "branch":
            branches = [_required_words(branch) for branch in node.branches]
            words = frozenset().union(*(b for b in branches if b)) if all(branches) else None
        if words:
            options.append(words)
    # Any option will do; the one whose shortest word is longest rules out the most texts.
    return max(options, key=lambda words: min(map(len, words)), default=None)


@dataclass(frozen=True)
class _Node:
    """A part of a regular expression, as far as its literal words go.

    kind: "literal" (one character), "set" (a character class or category such as \\d), "anchor"
    (^, $, \\b, ., a negated single character), "group", "repeat" (of `nodes`, at least `min` times),
    "branch" (alternatives), "lookaround" (it matches no text)."""

    kind: str
    text: str = ""
    nodes: tuple[_Node, ...] = ()
    min: int = 0
    branches: tuple[tuple[_Node, ...], ...] = ()
    negated: bool = False


class _Unsupported(Exception):
    """Syntax the reader does not follow (inline flags, conditionals, back references): no words known."""


_CATEGORIES = frozenset("dDsSwW")
_ANCHORS = frozenset("AbBZ")
_CONTROL_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_CODE_ESCAPES = {"x": 2, "u": 4, "U": 8}
_REPEAT = re.compile(r"\{(?!\})(\d*)(?:,\d*)?\}")


class _PatternReader:
    """Reads a regular expression's text into _Nodes the way the standard library's parser shapes it:
    alternatives give up the items they all start with ("(race|racial)" is "rac" then "(e|ial)"),
    and alternatives of single characters are a set. Only the shape matters: re compiles the pattern."""

    def __init__(self, pattern: str):
        self.text, self.pos = pattern, 0

    def read(self) -> list[_Node]:
        nodes = self._alternation()
        if self.pos != len(self.text):
            raise _Unsupported("an unmatched )")
        return nodes

    def _take(self, count: int = 1) -> str:
        taken = self.text[self.pos : self.pos + count]
        self.pos += count
        return taken

    def _alternation(self) -> list[_Node]:
        branches = [self._sequence()]
        while self.text.startswith("|", self.pos):
            self.pos += 1
            branches.append(self._sequence())
        return _branch(branches)

    def _sequence(self) -> list[_Node]:
        nodes: list[_Node] = []
        while self.pos < len(self.text) and self.text[self.pos] not in "|)":
            char = self._take()
            repeat = _REPEAT.match(self.text, self.pos - 1) if char == "{" else None
            if char in "*+?" or repeat:
                if repeat:
                    self.pos = repeat.end()
                    least = int(repeat.group(1) or 0)
                else:
                    least = 1 if char == "+" else 0
                if self.text.startswith(("?", "+"), self.pos):  # lazy or possessive
                    self.pos += 1
                if not nodes:
                    raise _Unsupported("nothing to repeat")
                nodes.append(_Node("repeat", nodes=(nodes.pop(),), min=least))
            elif char == "(":
                nodes.extend(self._group())
            elif char == "[":
                nodes.append(self._set())
            elif char == "\\":
                nodes.append(self._escape())
            elif char in ".^$":
                nodes.append(_Node("anchor", char))
            else:
                nodes.append(_Node("literal", char))
        return nodes

    def _group(self) -> list[_Node]:
        kind = "group"
        if self.text.startswith("?#", self.pos):  # a comment
            self.pos = self.text.index(")", self.pos) + 1
            return []
        if self.text.startswith("?", self.pos):
            for opening, meaning in (
                ("?:", "group"),
                ("?>", "group"),
                ("?=", "lookaround"),
                ("?!", "lookaround"),
                ("?<=", "lookaround"),
                ("?<!", "lookaround"),
                ("?P<", "group"),
            ):
                if self.text.startswith(opening, self.pos):
                    self.pos += len(opening)
                    kind = meaning
                    break
            else:
                raise _Unsupported("inline flags, a conditional or a back reference")
            if opening == "?P<":
                self.pos = self.text.index(">", self.pos) + 1
        nodes = self._alternation()
        if self._take() != ")":
            raise _Unsupported("an unclosed (")
        return [_Node(kind, nodes=tuple(nodes))]

    def _set(self) -> _Node:
        start = self.pos - 1
        negated = self.text.startswith("^", self.pos)
        self.pos += negated
        members: list[_Node] = []
        while True:
            char = self._take()
            if not char:
                raise _Unsupported("an unclosed [")
            if char == "]" and members:
                break
            member = self._escape() if char == "\\" else _Node("literal", char)
            if self.text.startswith("-", self.pos) and not self.text.startswith("-]", self.pos):
                self.pos += 1
                if self._take() == "\\":
                    self._escape()
                member = _Node("set")  # a range
            members.append(member)
        text = self.text[start : self.pos]
        if len(members) == 1 and members[0].kind == "literal":
            return _Node("anchor", text) if negated else members[0]
        return _Node("set", text, negated=negated)

    def _escape(self) -> _Node:
        char = self._take()
        if char in _CATEGORIES:
            return _Node("set", "\\" + char)
        if char in _ANCHORS:
            return _Node("anchor", "\\" + char)
        if char in _CONTROL_ESCAPES:
            return _Node("literal", _CONTROL_ESCAPES[char])
        if char in _CODE_ESCAPES:
            return _Node("literal", chr(int(self._take(_CODE_ESCAPES[char]), 16)))
        if not char or char.isalnum():
            raise _Unsupported(f"the escape \\{char}")
        return _Node("literal", char)


def _branch(branches: list[list[_Node]]) -> list[_Node]:
    """Alternatives as the standard library's parser keeps them, which decides the words they share."""
    if len(branches) == 1:
        return branches[0]
    shared: list[_Node] = []
    # Only single items compare equal: the parser's groups, repeats and lookarounds never do.
    while all(branches) and branches[0][0].kind in ("literal", "set", "anchor"):
        first = branches[0][0]
        if any(branch[0] != first for branch in branches):
            break
        shared.append(first)
        branches = [branch[1:] for branch in branches]
    if all(len(b) == 1 and (b[0].kind == "literal" or (b[0].kind == "set" and not b[0].negated)) for b in branches):
        return [*shared, _Node("set", "|".join(b[0].text for b in branches))]
    return [*shared, _Node("branch", branches=tuple(tuple(b) for b in branches))]
