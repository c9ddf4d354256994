"""Instantiate rule patterns over their `each` loops into concrete rule instances (cached per spec)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from xxgk.rules.ast import BinOp, Compare, Expr, Num, Prev, Ref, Sum, walk_refs
from xxgk.rules.parser import RuleSyntaxError, parse_check

if TYPE_CHECKING:
    from xxgk.spec import FormSpec, RuleDef

_VAR = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class RuleInstance:
    rule: RuleDef
    key: str  # unique, e.g. "R1[new]"
    bindings: tuple[tuple[str, str], ...]
    check: Compare
    computes: str | None  # the cell this instance defines as a formula, if any
    table: str  # the table of the first cell on the left-hand side

    @cached_property  # instances live as long as their spec (expand_rules caches them): worked out once
    def ids(self) -> tuple[str, ...]:
        """This year's cells, left side first, without repeats."""
        return tuple(dict.fromkeys(r.id for side in (self.check.left, self.check.right)
                                   for r, in_prev in walk_refs(side) if not in_prev))

    @cached_property
    def prev_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.id for side in (self.check.left, self.check.right)
                                   for r, in_prev in walk_refs(side) if in_prev))

    @cached_property
    def uses_prev(self) -> bool:
        return bool(self.prev_ids)


def _substitute(pattern: str, bindings: dict[str, str]) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1) not in bindings:
            raise RuleSyntaxError(f"unbound variable {{{m.group(1)}}} in {pattern!r}")
        return bindings[m.group(1)]

    return _VAR.sub(repl, pattern)


def expand_ref(pattern: str, bindings: dict[str, str], spec: FormSpec) -> list[str]:
    segments = _substitute(pattern, bindings).split(".")
    options: list[tuple[str, ...]] = []
    for seg in segments:
        if seg.startswith("@"):
            if seg[1:] not in spec.groups:
                raise RuleSyntaxError(f"unknown group {seg} in {pattern!r}")
            options.append(spec.groups[seg[1:]].keys)
        else:
            options.append((seg,))
    return [".".join(p for p in combo if p) for combo in itertools.product(*options)]


def _instantiate(expr: Expr, bindings: dict[str, str], spec: FormSpec, in_sum: bool = False) -> list[Expr]:
    if isinstance(expr, Num):
        return [expr]
    if isinstance(expr, Ref):
        ids = expand_ref(expr.id, bindings, spec)
        if len(ids) > 1 and not in_sum:
            raise RuleSyntaxError(f"{expr.id!r} names several cells; wrap it in sum()")
        for cid in ids:
            if cid not in spec.cells:
                raise RuleSyntaxError(f"unknown cell id {cid!r} (from {expr.id!r})")
        return [Ref(cid) for cid in ids]
    if isinstance(expr, Sum):
        items = [x for item in expr.items for x in _instantiate(item, bindings, spec, in_sum=True)]
        return [Sum(tuple(items))]
    if isinstance(expr, BinOp):
        (left,) = _instantiate(expr.left, bindings, spec)
        (right,) = _instantiate(expr.right, bindings, spec)
        return [BinOp(expr.op, left, right)]
    (inner,) = _instantiate(expr.expr, bindings, spec)
    return [Prev(inner)]


def _bindings(rule: RuleDef, spec: FormSpec) -> list[dict[str, str]]:
    names, lists = [], []
    for var, group in rule.each:
        if group not in spec.groups:
            raise RuleSyntaxError(f"unknown group {group!r} in each")
        names.append(var)
        lists.append(spec.groups[group].keys)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]


def _instances_of(rule: RuleDef, spec: FormSpec, defined: set[str]) -> list[RuleInstance]:
    pattern = parse_check(rule.check)
    out = []
    for b in _bindings(rule, spec):
        (left,) = _instantiate(pattern.left, b, spec)
        (right,) = _instantiate(pattern.right, b, spec)
        check = Compare(pattern.op, left, right)
        computes = None
        if rule.computes:
            if not isinstance(left, Ref) or any(p for _, p in walk_refs(right)):
                raise RuleSyntaxError("a computing rule needs one cell on the left and no prev() on the right")
            if left.id not in defined:
                computes = left.id
                defined.add(left.id)
        first = next(r for r, _ in walk_refs(left))
        key = f"{rule.id}[{','.join(b.values())}]" if b else rule.id
        out.append(RuleInstance(rule, key, tuple(b.items()), check, computes, spec.cells[first.id].table))
    return out


# By id(spec), keeping the spec alive: a spec that failed its load-time checks must not die and hand its id
# (and with it these cached instances) to another spec.
_CACHE: dict[int, tuple[FormSpec, list[RuleInstance]]] = {}


def expand_rules(spec: FormSpec) -> list[RuleInstance]:
    """All rule instances of the spec in rule order. Raises SpecError naming the rule when one is bad."""
    from xxgk.spec import SpecError

    cached = _CACHE.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    defined: set[str] = set()
    instances: list[RuleInstance] = []
    for rule in spec.rules:
        try:
            instances.extend(_instances_of(rule, spec, defined))
        except RuleSyntaxError as exc:
            raise SpecError(f"rule {rule.id}: {exc}") from exc
    _CACHE[id(spec)] = (spec, instances)
    return instances


_COMPUTED: dict[int, tuple[FormSpec, dict[str, Expr]]] = {}


def computed_cells(spec: FormSpec) -> dict[str, Expr]:
    """Computed cell id -> its defining expression, ordered so every cell comes after its inputs."""
    cached = _COMPUTED.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = _COMPUTED[id(spec)] = (spec, _order_computed(spec))
    return cached[1]


def _order_computed(spec: FormSpec) -> dict[str, Expr]:
    exprs = {i.computes: i.check.right for i in expand_rules(spec) if i.computes}
    ordered: dict[str, Expr] = {}

    def visit(cid: str, stack: tuple[str, ...]) -> None:
        if cid in ordered or cid not in exprs:
            return
        if cid in stack:
            from xxgk.spec import SpecError

            raise SpecError(f"computed cells form a cycle: {' -> '.join((*stack, cid))}")
        for ref, _ in walk_refs(exprs[cid]):
            visit(ref.id, (*stack, cid))
        ordered[cid] = exprs[cid]

    for cid in exprs:
        visit(cid, ())
    return ordered


def binding_labels(inst: RuleInstance, spec: FormSpec) -> dict[str, str]:
    """Message placeholders for the loop variables: the label of each bound key."""
    labels = {}
    for var, key in inst.bindings:
        group = dict(inst.rule.each)[var]
        g = spec.groups[group]
        labels[var] = g.labels.get(key) or spec.label_of(key, inst.table)
    return labels
