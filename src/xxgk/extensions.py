"""Provincial extensions of a national form.

A province adds its own tables to the national annual-report form in `templates/ext/<name>.yaml`:

    extension: zj                 # the file's name; the merged form is gb2019+zj
    label: 浙江                    # short Chinese name (file names, messages)
    title: 浙江省补充指标
    spec_version: "1"
    basis: …                      # the province's document
    extends: [gb2019]             # the national forms it may extend
    tables: [...]                 # the national schema; each table on a sheet of its own, after the national ones
    groups: {...}                 # optional, new names only
    rules: [...]                  # optional: the national rule language, may use national cells and groups
    charts: [...]                 # optional: charts of a consolidated summary
    narrative_claims: [...]       # optional: numbers a report's text states about the added cells, as in the
                                  # national specs (compared with the tables by xxgk.importer.crosscheck)

The national spec is never copied: its YAML mapping and the extension's are merged and parsed by
`xxgk.spec.parse_spec`, so the merged spec is an ordinary FormSpec, checked exactly like a national one.
Every cell an extension adds is named `<name>.…`, so a later national form cannot clash with it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from xxgk.resources import resource_path
from xxgk.spec import (
    EXT_FOLDER,
    EXT_SEPARATOR,
    EXTENSIONS,
    FORMS,
    Extension,
    FormSpec,
    SpecError,
    parse_spec,
    read_yaml,
    spec_path,
)

REQUIRED_KEYS = ("extension", "label", "title", "spec_version", "basis", "extends", "tables")
OPTIONAL_KEYS = ("groups", "rules", "charts", "narrative_claims")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def extension_path(name: str) -> Path:
    return resource_path(f"{EXT_FOLDER}/{name}.yaml")


@cache
def _raw_extension(name: str) -> Any:
    if name not in EXTENSIONS:
        raise SpecError(f"unknown extension {name!r}; known: {', '.join(EXTENSIONS) or '(none)'}")
    return read_yaml(extension_path(name))


def extension_info(name: str) -> Extension:
    """What an extension file declares (name, label, version, the forms it extends, its tables)."""
    return _info(_raw_extension(name), name)


def extended_forms(form: str | None = None) -> tuple[str, ...]:
    """The merged form keys the shipped extensions offer (gb2019+zj …), of one national form when given."""
    out = []
    for name in EXTENSIONS:
        for national in extension_info(name).extends:
            if form is None or national == form:
                out.append(f"{national}{EXT_SEPARATOR}{name}")
    return tuple(out)


def form_keys() -> tuple[str, ...]:
    """Every form key a workbook may carry: the national forms, then the extended ones."""
    return (*FORMS, *extended_forms())


def extension_claims(name: str) -> list[dict[str, Any]]:
    """The extension's `narrative_claims` (checked when the extended spec loads)."""
    return list(_raw_extension(name).get("narrative_claims") or [])


def load_extended(form: str, name: str) -> FormSpec:
    """The national form `form` with the extension `name` (use xxgk.spec.load_spec, which caches)."""
    return extend(read_yaml(spec_path(form)), _raw_extension(name), name)


def extend(national: dict[str, Any], ext: Any, name: str | None = None) -> FormSpec:
    """Merge an extension's YAML mapping into a national form's and parse the result; SpecError names the culprit."""
    info = _info(ext, name)
    if national.get("form") not in info.extends:
        raise SpecError(f"extension {info.name}: extends {', '.join(info.extends)}, not {national.get('form')}")
    _check_tables(national, ext, info)
    merged = dict(national)
    merged["form"] = f"{national['form']}{EXT_SEPARATOR}{info.name}"
    merged["spec_version"] = f"{national['spec_version']}{EXT_SEPARATOR}{info.name}.{info.version}"
    merged["basis"] = f"{national['basis']}；{info.basis}"
    merged["tables"] = [*national["tables"], *ext["tables"]]
    merged["groups"] = _merge_groups(national.get("groups") or {}, ext.get("groups") or {}, info.name)
    merged["rules"] = _merge_rules(national.get("rules") or [], ext.get("rules") or [], info.name)
    merged["charts"] = [*(national.get("charts") or []), *(ext.get("charts") or [])]
    spec = parse_spec(merged, extension=info)
    _check_claims(ext.get("narrative_claims") or [], spec, info.name)
    return spec


def _info(ext: Any, name: str | None) -> Extension:
    if not isinstance(ext, dict):
        raise SpecError(f"extension {name}: expected a mapping, got {type(ext).__name__}")
    where = f"extension {ext.get('extension', name)}"
    unknown = sorted(set(ext) - {*REQUIRED_KEYS, *OPTIONAL_KEYS})
    if unknown:
        raise SpecError(f"{where}: unknown keys {unknown}; allowed: {', '.join((*REQUIRED_KEYS, *OPTIONAL_KEYS))}")
    missing = [k for k in REQUIRED_KEYS if k not in ext]
    if missing:
        raise SpecError(f"{where}: missing {missing}")
    own = str(ext["extension"])
    if not _NAME_RE.match(own):
        raise SpecError(f"{where}: the name must be lower-case letters, digits and _, starting with a letter")
    if name is not None and own != name:
        raise SpecError(f"{where}: the file is named {name}.yaml; name and file must agree")
    extends = (ext["extends"],) if isinstance(ext["extends"], str) else tuple(map(str, ext["extends"] or ()))
    bad = [f for f in extends if f not in FORMS] or ([] if extends else ["(none)"])
    if bad:
        raise SpecError(f"{where}: extends unknown national forms {bad}; known: {', '.join(FORMS)}")
    tables = ext["tables"]
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise SpecError(f"{where}: tables must be a non-empty list of tables")
    for key, kind in (("groups", dict), ("rules", list), ("charts", list), ("narrative_claims", list)):
        if ext.get(key) is not None and not isinstance(ext[key], kind):
            raise SpecError(f"{where}: {key} must be a {'mapping' if kind is dict else 'list'}")
    return Extension(name=own, label=str(ext["label"]), title=str(ext["title"]), version=str(ext["spec_version"]),
                     basis=str(ext["basis"]), extends=extends, tables=tuple(str(t.get("id")) for t in tables))


def _check_tables(national: dict[str, Any], ext: dict[str, Any], info: Extension) -> None:
    """New table ids, and every added cell under the extension's own name (zj.…) so that a later national form
    cannot clash with it. Checked before parsing: a misnamed cell would otherwise first show as a broken rule."""
    taken = {str(t.get("id")) for t in national["tables"]}
    for table in ext["tables"]:
        where = f"extension {info.name} table {table.get('id')}"
        if str(table.get("id")) in taken:
            raise SpecError(f"{where}: duplicate table id")
        taken.add(str(table.get("id")))
        for cid in _raw_cell_ids(table):
            if not cid.startswith(f"{info.name}."):
                raise SpecError(f"{where}: cell id {cid!r} must start with {info.name + '.'!r}")


def _raw_cell_ids(table: dict[str, Any]) -> list[str]:
    """The cell ids a table's YAML declares (as Block.cell_id makes them); what is malformed, parse_spec reports."""
    out = []
    for block in _dicts(table.get("blocks")):
        prefix = str(block.get("prefix", ""))
        for row in _dicts(block.get("rows")):
            for col in _dicts(block.get("columns")):
                out.append(".".join(p for p in (prefix, str(row.get("key", "")), str(col.get("key", ""))) if p))
    return out


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _merge_groups(national: dict[str, Any], ext: dict[str, Any], name: str) -> dict[str, Any]:
    clash = sorted(set(national) & set(ext))
    if clash:
        raise SpecError(f"extension {name}: groups {clash} already exist in the national form")
    return {**national, **ext}


def _merge_rules(national: list[Any], ext: list[Any], name: str) -> list[Any]:
    seen: set[str] = set()
    for rule in (*national, *ext):
        rid = str(rule.get("id")) if isinstance(rule, dict) else "?"
        if rid in seen:
            raise SpecError(f"extension {name}: duplicate rule id {rid!r}")
        seen.add(rid)
    return [*national, *ext]


def _check_claims(claims: list[Any], spec: FormSpec, name: str) -> None:
    """Each claim: the cells it sums (known to the merged form) and one regular expression, `pattern` with one
    group for the number or `none` stating zero."""
    for n, claim in enumerate(claims, 1):
        where = f"extension {name} narrative_claims #{n}"
        if not isinstance(claim, dict) or sorted(set(claim) - {"cells"}) not in (["pattern"], ["none"]):
            raise SpecError(f"{where}: expected {{cells: [...], pattern: '...'}} or {{cells: [...], none: '...'}}")
        cells = claim.get("cells")
        if not isinstance(cells, list) or not cells or any(c not in spec.cells for c in cells):
            raise SpecError(f"{where}: cells must list cell ids of {spec.form}, got {cells!r}")
        text = str(claim.get("pattern") or claim.get("none"))
        try:
            groups = re.compile(text).groups
        except re.error as exc:
            raise SpecError(f"{where}: bad regular expression {text!r}: {exc}") from None
        if groups != (1 if "pattern" in claim else 0):
            raise SpecError(f"{where}: a pattern needs exactly one group (the number), a none pattern none")
