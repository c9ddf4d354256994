"""Parse a rule's check text into a Compare AST.

Grammar:
    check := expr ("==" | "~=" | "<=" | ">=") expr
    expr  := term (("+" | "-") term)*
    term  := NUMBER | REF | "sum" "(" expr ("," expr)* ")" | "prev" "(" expr ")" | "(" expr ")"
REF is a dotted id whose segments may hold {var} placeholders and @group lists (expanded later).
"""

from __future__ import annotations

import re

from xxgk.rules.ast import BinOp, Compare, Expr, Num, Prev, Ref, Sum

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<op>==|~=|<=|>=|[-+(),])|(?P<ref>[A-Za-z_{@][A-Za-z0-9_.{}@]*))"
)
COMPARATORS = ("==", "~=", "<=", ">=")


class RuleSyntaxError(ValueError):
    pass


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise RuleSyntaxError(f"unexpected character at {pos}: {text[pos:pos + 10]!r}")
        kind = m.lastgroup
        assert kind is not None
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise RuleSyntaxError(f"expected {value or 'more'} in {self.text!r}, got {tok and tok[1]!r}")
        self.pos += 1
        return tok

    def check(self) -> Compare:
        left = self.expr()
        _, op = self.take()
        if op not in COMPARATORS:
            raise RuleSyntaxError(f"expected a comparison in {self.text!r}, got {op!r}")
        right = self.expr()
        if self.peek() is not None:
            raise RuleSyntaxError(f"trailing text in {self.text!r}: {self.peek()}")
        return Compare(op, left, right)

    def expr(self) -> Expr:
        node = self.term()
        while (tok := self.peek()) is not None and tok[1] in "+-" and tok[0] == "op":
            self.pos += 1
            node = BinOp(tok[1], node, self.term())
        return node

    def term(self) -> Expr:
        kind, value = self.take()
        if kind == "num":
            return Num(float(value))
        if value == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if kind == "ref" and value in ("sum", "prev"):
            self.take("(")
            items = [self.expr()]
            while self.peek() == ("op", ","):
                self.pos += 1
                items.append(self.expr())
            self.take(")")
            if value == "prev":
                if len(items) != 1:
                    raise RuleSyntaxError(f"prev() takes one argument in {self.text!r}")
                return Prev(items[0])
            return Sum(tuple(items))
        if kind == "ref":
            return Ref(value)
        raise RuleSyntaxError(f"unexpected {value!r} in {self.text!r}")


def parse_check(text: str) -> Compare:
    return _Parser(text).check()
