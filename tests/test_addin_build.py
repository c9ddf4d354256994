"""The Excel add-in addin/xxgk.xlam: built reproducibly from its text sources, and every part checked.

Nobody here has Excel, so the VBA project is read back by independent readers: oletools' olevba (module
text byte for byte), olefile in strict mode (the compound file), and LibreOffice (which loads the VBA
storage as a Basic library).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import io
import random
import re
import shutil
import subprocess
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import olefile
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, copytoken_help, decompress_stream

from xxgk.addin import build as addin_build
from xxgk.addin.build import ADDIN_DIR, CONFIG_SHEET, MODULES, PROJECT_NAME, BuildError, build, module_file
from xxgk.addin.cfb import sort_key
from xxgk.addin.vba_project import CHUNK, compress, copy_token_help, encrypt, needs_padding
from xxgk.libreoffice import find_soffice

XLAM = ADDIN_DIR / "xxgk.xlam"
CUSTOM_UI_NS = addin_build.CUSTOM_UI_NAMESPACE  # the namespace the build pairs with REL_CUSTOM_UI
CUSTOM_UI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CALLBACK = re.compile(r"^Sub (\w+)\(control As IRibbonControl\)\r\n(.*?)^End Sub", re.M | re.S)


@pytest.fixture(scope="module")
def xlam() -> bytes:
    return XLAM.read_bytes()


@pytest.fixture(scope="module")
def archive(xlam: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(xlam))


def source(name: str) -> str:
    kind = dict(MODULES)[name]
    return (ADDIN_DIR / module_file(name, kind)).read_bytes().decode("ascii")


# --- reproducible ----------------------------------------------------------------------------------------


def test_committed_addin_is_a_fresh_build(xlam: bytes) -> None:
    assert build() == xlam, "addin/xxgk.xlam is out of date: run `make addin` and commit it"


def test_committed_text_module_is_generated_from_the_texts() -> None:
    committed = (ADDIN_DIR / "vba" / "XxgkText.bas").read_bytes().decode("ascii")
    assert committed == addin_build.generated_text_module(), "run `make addin`: XxgkText.bas is stale"


def test_build_depends_only_on_the_sources(tmp_path: Path, xlam: bytes) -> None:
    copy = tmp_path / "elsewhere" / "addin"
    shutil.copytree(ADDIN_DIR, copy)
    for path in copy.rglob("*"):
        path.touch()  # other times, other folder: same bytes
    assert build(copy) == build(copy) == xlam


def test_zip_entries_carry_nothing_that_varies(archive: zipfile.ZipFile) -> None:
    names = archive.namelist()
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert names[2:] == sorted(names[2:])
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert (info.create_system, info.external_attr, info.extra) == (0, 0, b"")
        assert info.compress_type == zipfile.ZIP_STORED


def test_check_mode_reports_stale_output_without_writing(tmp_path: Path) -> None:
    copy = tmp_path / "addin"
    shutil.copytree(ADDIN_DIR, copy)
    assert addin_build.main(["--addin-dir", str(copy), "--check"]) == 0
    ribbon = copy / "vba" / "XxgkRibbon.bas"
    ribbon.write_bytes(ribbon.read_bytes() + b"' changed\r\n")
    before = (copy / "xxgk.xlam").read_bytes()
    assert addin_build.main(["--addin-dir", str(copy), "--check"]) == 1
    assert (copy / "xxgk.xlam").read_bytes() == before
    assert addin_build.main(["--addin-dir", str(copy)]) == 0
    assert (copy / "xxgk.xlam").read_bytes() != before
    assert addin_build.main(["--addin-dir", str(copy), "--check"]) == 0


def test_chinese_in_vba_source_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "addin"
    shutil.copytree(ADDIN_DIR, copy)
    ribbon = copy / "vba" / "XxgkRibbon.bas"
    ribbon.write_bytes(ribbon.read_bytes() + "' 校验\r\n".encode())
    with pytest.raises(BuildError, match="ASCII"):
        build(copy)
    assert addin_build.main(["--addin-dir", str(copy)]) == 2


# --- the VBA project, read back by oletools, olefile and LibreOffice ---------------------------------------


def test_olevba_extracts_exactly_the_sources() -> None:
    parser = VBA_Parser(str(XLAM))
    extracted = {filename: code for _, _, filename, code in parser.extract_all_macros()}
    expected = {PurePosixPath(module_file(name, kind)).name: source(name) for name, kind in MODULES}
    assert extracted == expected


def test_vba_project_is_a_strictly_valid_compound_file(archive: zipfile.ZipFile) -> None:
    data = archive.read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    streams = {"/".join(entry) for entry in ole.listdir()}
    assert streams == {"PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"} | {f"VBA/{n}" for n, _ in MODULES}
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")  # no performance cache
    for entry in ole.direntries:
        if entry is None or entry.entry_type not in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE):
            continue
        names = _in_order(ole, entry.sid_child)
        assert names == sorted(names, key=sort_key), f"siblings of {entry.name} are not a binary search tree"
        assert all(ole.direntries[i].color == 1 for i in _subtree(ole, entry.sid_child))  # 1: black


def _subtree(ole: olefile.OleFileIO, sid: int) -> list[int]:
    if sid == olefile.NOSTREAM:
        return []
    node = ole.direntries[sid]
    return [*_subtree(ole, node.sid_left), sid, *_subtree(ole, node.sid_right)]


def _in_order(ole: olefile.OleFileIO, sid: int) -> list[str]:
    return [ole.direntries[i].name for i in _subtree(ole, sid)]


def test_project_stream_names_the_modules_by_kind(archive: zipfile.ZipFile) -> None:
    ole = olefile.OleFileIO(archive.read("xl/vbaProject.bin"))
    text = ole.openstream("PROJECT").read().decode("cp1252")
    assert f'Name="{PROJECT_NAME}"' in text
    declared = re.findall(r"^(Document|Class|Module)=(\w+)", text, re.M)
    kinds = {"document": "Document", "class": "Class", "standard": "Module"}
    assert declared == [(kinds[kind], name) for name, kind in MODULES]
    dir_stream = decompress_stream(bytearray(ole.openstream("VBA/dir").read()))
    assert dir_stream[:42].find(b"\x03\x00\x02\x00\x00\x00\xe4\x04") >= 0  # PROJECTCODEPAGE 1252


def test_project_encryption_matches_what_excel_writes() -> None:
    # CMG, DPB and GC of xlwings' quickstart add-in (saved by Excel), with its project id, seed and filler
    project_id, seed, filler = "{318BEE36-5BE1-492A-826D-473DB19B0F30}", 0x5D, bytes([155, 255])
    assert encrypt(bytes(4), project_id, seed, filler) == "5D5F8AADDAA8DEA8DEA8DEA8DE"
    assert encrypt(bytes(1), project_id, seed, filler) == "5D5F8AADDAADDBADDBAD"
    assert encrypt(b"\xff", project_id, seed, filler) == "5D5F8AADDAADDBADDB52"


@pytest.mark.libreoffice
def test_libreoffice_loads_the_vba_project_as_a_basic_library(tmp_path: Path, archive: zipfile.ZipFile) -> None:
    soffice = find_soffice()
    if soffice is None:
        pytest.skip("LibreOffice is not installed (make test installs it)")
    # LibreOffice does not open add-ins: the same parts as a macro-enabled workbook
    book = tmp_path / "addin.xlsm"
    with zipfile.ZipFile(book, "w") as out:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"ms-excel.addin.macroEnabled", b"ms-excel.sheet.macroEnabled")
            out.writestr(zipfile.ZipInfo(info.filename, info.date_time), data)  # writestr alters its ZipInfo
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", "ods", "--outdir", str(tmp_path), str(book)],
        cwd=tmp_path, capture_output=True, timeout=180, check=True,
    )  # fmt: skip
    with zipfile.ZipFile(tmp_path / "addin.ods") as ods:
        library = ods.read(f"Basic/{PROJECT_NAME}/script-lb.xml").decode()
        assert sorted(re.findall(r'library:element library:name="(\w+)"', library)) == sorted(n for n, _ in MODULES)
        dictionary = ods.read(f"Basic/{PROJECT_NAME}/Dictionary.xml").decode()
        assert 'script:moduleType="class"' in dictionary
        ribbon = ods.read(f"Basic/{PROJECT_NAME}/XxgkRibbon.xml").decode()
        assert "Sub OnValidate(control As IRibbonControl)" in ribbon
        assert f'table:name="{CONFIG_SHEET}"' in ods.read("content.xml").decode()


# --- MS-OVBA compression against oletools' decompressor ---------------------------------------------------


def test_copy_token_limits_follow_the_specification() -> None:
    for position in range(1, CHUNK + 1):
        _, _, bit_count, maximum = copytoken_help(position, 0)
        assert copy_token_help(position) == (bit_count, maximum)
    assert copy_token_help(16) == (4, 4098) and copy_token_help(17) == (5, 2050) and copy_token_help(4096) == (12, 18)


def _round_trip(data: bytes) -> None:
    out = decompress_stream(bytearray(compress(data)))
    if needs_padding(data):  # the specification pads a raw final chunk with zeros
        assert out == data.ljust(-(-len(data) // CHUNK) * CHUNK, b"\0")
    else:
        assert out == data


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=10_000))
@example(b"")
@example(b"a" * CHUNK)
@example(b"a" * (CHUNK + 1))
@example(b"ab" * CHUNK + b"a")
def test_compression_round_trips_any_bytes(data: bytes) -> None:
    _round_trip(data)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"b", b" ", b"\r\n", b"End Sub", b"Dim x As String"]), max_size=3000))
def test_compression_round_trips_repetitive_text(words: list[bytes]) -> None:
    _round_trip(b"".join(words))


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=CHUNK), st.integers(min_value=1, max_value=2 * CHUNK), st.binary(min_size=1))
@example(16, CHUNK, b"x")
@example(17, CHUNK, b"x")
@example(2048, 3000, b"x")
@example(2049, 3000, b"x")
def test_compression_round_trips_long_runs_at_every_offset_width(prefix: int, run: int, filler: bytes) -> None:
    """A run starting `prefix` bytes into a chunk: copies as long as the offset width at that position allows."""
    head = bytes(range(256)) * (prefix // 256 + 1)
    _round_trip(head[:prefix] + filler[:1] * run)


def test_incompressible_final_chunk_is_padded_as_specified() -> None:
    data = random.Random(0).randbytes(CHUNK + 4000)
    assert needs_padding(data)
    _round_trip(data)


# --- the ribbon and its callbacks --------------------------------------------------------------------------


def _ribbon() -> ElementTree.Element:
    return ElementTree.fromstring((ADDIN_DIR / "customUI.xml").read_bytes())


def test_ribbon_has_the_chinese_tab_and_buttons() -> None:
    root = _ribbon()
    assert root.tag == f"{{{CUSTOM_UI_NS}}}customUI"
    tabs = root.findall(f".//{{{CUSTOM_UI_NS}}}tab")
    assert [tab.get("label") for tab in tabs] == ["信息公开年报"]
    labels = [el.get("label", "") for el in tabs[0].iter() if el.tag.split("}")[1] in {"button", "menu"}]
    assert labels[:2] == ["校验", "清除标记"] and "汇总" in labels and "帮助" in labels
    menu = tabs[0].find(f".//{{{CUSTOM_UI_NS}}}menu")
    assert menu is not None and menu.get("label") == "新建模板"
    assert [b.get("label", "")[:4] for b in menu] == ["2021", "2019"]


RIBBON_ATTRIBUTES = {  # a subset of what the 2006 customUI schema allows on each element
    "customUI": set(),
    "ribbon": set(),
    "tabs": set(),
    "tab": {"id", "label"},
    "group": {"id", "label"},
    "menu": {"id", "label", "size", "imageMso", "screentip", "supertip"},
    "button": {"id", "label", "size", "imageMso", "screentip", "supertip", "onAction"},
}


def test_ribbon_uses_only_known_elements_and_attributes() -> None:
    ids = []
    for element in _ribbon().iter():
        namespace, _, tag = element.tag[1:].partition("}")
        assert namespace == CUSTOM_UI_NS and tag in RIBBON_ATTRIBUTES, element.tag
        assert set(element.attrib) <= RIBBON_ATTRIBUTES[tag], (tag, element.attrib)
        assert all(len(value) <= 1024 for value in element.attrib.values())
        ids += [element.attrib["id"]] if "id" in element.attrib else []
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[A-Za-z_]\w*", i) for i in ids)
    for menu in _ribbon().iter(f"{{{CUSTOM_UI_NS}}}menu"):
        assert all("size" not in item.attrib for item in menu)  # menu items take the menu's itemSize


def test_every_action_is_a_ribbon_callback_in_the_vba() -> None:
    actions = [el.get("onAction") for el in _ribbon().iter() if el.get("onAction")]
    assert len(actions) == len(set(actions)) == 7
    for action in actions:
        module, _, sub = action.partition(".")
        callbacks = dict(CALLBACK.findall(source(module)))
        assert sub in callbacks, f"{action}: no `Sub {sub}(control As IRibbonControl)` in {module}"


def test_each_callback_runs_its_python_entry_and_reports_failures_in_chinese() -> None:
    callbacks = dict(CALLBACK.findall(source("XxgkRibbon")))
    entry = re.search(r'ENTRY_POINT As String = "([^"]*)"', source("XxgkRibbon"))
    assert entry is not None and entry.group(1) == "import xxgk.addin.buttons as b; b."
    expected = {
        "OnValidate": ("validate()", "ZhValidate"),
        "OnClear": ("clear()", "ZhClear"),
        "OnNewTemplate2021": ("new_template('gb2021')", "ZhNewTemplate2021"),
        "OnNewTemplate2019": ("new_template('gb2019')", "ZhNewTemplate2019"),
        "OnConsolidate": ("consolidate()", "ZhConsolidate"),
        "OnHelp": ("help()", "ZhHelp"),
    }
    assert set(callbacks) == {*expected, "OnSubmit"}  # 上报 exists only through the portal
    assert re.search(r'XxgkRemote\.Click "submit"', callbacks["OnSubmit"]) and "RunButton" not in callbacks["OnSubmit"]
    for name, (call, label) in expected.items():
        body = callbacks[name]
        assert body.lstrip().startswith("On Error GoTo Failed"), name
        assert f'RunButton "{call}"' in body and '"' not in call
        assert re.search(rf"^Failed:\r\n\s+ReportFailure {label}\(\)", body, re.M), name


def _python_commands() -> list[str]:
    """The Python each button runs: ENTRY_POINT followed by the callback's RunButton argument."""
    text = source("XxgkRibbon")
    entry = re.search(r'ENTRY_POINT As String = "([^"]*)"', text)
    assert entry is not None
    return [entry.group(1) + call for call in re.findall(r'RunButton "([^"]*)"', text)]


def test_each_button_runs_valid_python_that_names_an_existing_entry_point() -> None:
    commands = _python_commands()
    assert len(commands) == 6
    for command in commands:
        compile(command, "<RunPython>", "exec")  # cmd.exe passes it inside double quotes: it has none
    buttons = pytest.importorskip("xxgk.addin.buttons")
    for command in commands:
        call = ast.parse(command).body[-1].value  # type: ignore[attr-defined]
        function = getattr(buttons, call.func.attr)
        inspect.signature(function).bind(*(ast.literal_eval(arg) for arg in call.args))


def test_ribbon_labels_and_vba_texts_agree() -> None:
    texts = addin_build.read_texts((ADDIN_DIR / "texts.zh.txt").read_text(encoding="utf-8"))
    labels = {el.get("onAction"): el.get("label") for el in _ribbon().iter() if el.get("onAction")}
    assert texts["ZhTitle"] == _ribbon().find(f".//{{{CUSTOM_UI_NS}}}tab").get("label")  # type: ignore[union-attr]
    assert texts["ZhValidate"] == labels["XxgkRibbon.OnValidate"]
    assert texts["ZhClear"] == labels["XxgkRibbon.OnClear"]
    assert texts["ZhConsolidate"] == labels["XxgkRibbon.OnConsolidate"]
    assert texts["ZhHelp"] == labels["XxgkRibbon.OnHelp"]


# --- VBA text: ASCII only, Chinese through ChrW -----------------------------------------------------------


def test_vba_is_ascii_and_every_chinese_text_it_uses_exists() -> None:
    texts = addin_build.read_texts((ADDIN_DIR / "texts.zh.txt").read_text(encoding="utf-8"))
    for name, _ in MODULES:
        text = source(name)
        assert text.isascii()
        assert max(len(line) for line in text.split("\r\n")) < 1024  # VBA's line length limit
        for used in set(re.findall(r"\b(Zh[A-Za-z0-9]+)\(\)", text)):
            assert used in texts, f"{name} uses {used}, which texts.zh.txt does not define"


def _evaluate_vba_text(body: str) -> str:
    """What a generated text function returns: its literals, ChrW codes and vbLf, in order."""
    out = []
    for literal, code, _newline in re.findall(r'"((?:[^"]|"")*)"|ChrW\(&H([0-9A-F]{4})\)|(vbLf)', body):
        out.append(literal.replace('""', '"') if literal else chr(int(code, 16)) if code else "\n")
    return "".join(out)


def test_text_module_spells_the_chinese_texts() -> None:
    texts = addin_build.read_texts((ADDIN_DIR / "texts.zh.txt").read_text(encoding="utf-8"))
    functions = dict(re.findall(r"^Public Function (\w+)\(\) As String\r\n(.*?)^End Function", source("XxgkText"), re.M | re.S))
    assert {name: _evaluate_vba_text(body) for name, body in functions.items()} == texts
    assert "xxgk addin doctor" in texts["ZhSendBack"] and "\n" in texts["ZhPythonFailed"]


# --- xlwings' module, its licence, and the config it reads ------------------------------------------------


def test_xlwings_module_keeps_its_licence_and_is_renamed_to_the_addin() -> None:
    xlwings = source("xlwings")
    assert "'xlwings is distributed under a BSD 3-clause license." in xlwings
    assert "'* Redistributions of source code must retain the above copyright notice" in xlwings
    assert f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"' in xlwings  # <name>.conf sheet and files
    assert "@license: MIT" in source("Dictionary")


def test_xlwings_module_differs_from_xlwings_only_by_the_documented_patches() -> None:
    xlwings = pytest.importorskip("xlwings")
    stock_path = Path(xlwings.__file__).parent / "xlwings_custom_addin.bas"
    ours = source("xlwings")
    version = re.search(r"^'Version: (\S+)", ours, re.M)
    if not stock_path.is_file() or version is None or version.group(1) != xlwings.__version__:
        pytest.skip("the installed xlwings is not the version the add-in was taken from")
    stock = stock_path.read_bytes().decode("ascii").splitlines()
    added = [line for line in ours.splitlines() if line not in stock]
    removed = [line for line in stock if line not in ours.splitlines()]
    assert removed == ['Public Const PROJECT_NAME As String = "myaddin"']
    assert added == [
        'Public Const PROJECT_NAME As String = "xxgk"',
        "    Content = ZhPythonFailed() & vbLf & vbLf & Content ' xxgk: explain in Chinese before Python's report",
    ]


def _udf_wrapper(name: str, params: list[ast.arg], defaults: int, volatile: bool, in_wizard: bool,
                 vararg: str | None = None) -> list[str]:
    """The VBA xlwings' generate_vba_wrapper (0.37.8) writes into an add-in for one plain @xw.func function
    (a *vararg becomes a ParamArray copied after the fixed arguments)."""
    shown = [p.arg for p in params if p.arg != "caller"]
    optional = set(shown[len(shown) - defaults :]) if defaults else set()
    signature = ", ".join([*(("Optional " if p in optional else "") + p for p in shown),
                           *([f"ParamArray {vararg}()"] if vararg else [])])
    args = ", ".join("Nothing" if p.arg == "caller" else p.arg for p in params)
    copy = [] if vararg is None else [
        "    Dim argsArray() As Variant",
        f"    argsArray = Array({args})",
        f"    ReDim Preserve argsArray(0 to UBound({vararg}) - LBound({vararg}) + {len(params)})",
        f"    For k = LBound({vararg}) To UBound({vararg})",
        f"    argsArray({len(params)} + k - LBound({vararg})) = {vararg}(k)",
        "    Next k",
    ]
    call = f'XLPy.CallUDF("xxgk.addin.udfs", "{name}", ' + ("argsArray" if vararg else f"Array({args})")
    return [
        f"Function {name}({signature})",
        *([] if in_wizard else ['    If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function']),
        *(["    Application.Volatile"] if volatile else []),
        *copy,
        '    #If App = "Microsoft Excel" Then',
        "        If TypeOf Application.Caller Is Range Then On Error GoTo failed",
        f"        {name} = {call}, ActiveWorkbook, Application.Caller)",
        "        Exit Function",
        "    #Else",
        f"        {name} = {call})",
        "        Exit Function",
        "    #End If",
        "failed:",
        f"    {name} = Err.Description",
        "End Function",
        "",
    ]


def test_udf_wrappers_match_the_worksheet_functions() -> None:
    spec = importlib.util.find_spec("xxgk.addin.udfs")
    if spec is None or spec.origin is None:
        pytest.skip("xxgk.addin.udfs is not in this tree")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    expected: list[str] = []
    for function in sorted((n for n in tree.body if isinstance(n, ast.FunctionDef)), key=lambda n: n.name):
        decorators = [d for d in function.decorator_list if isinstance(d, ast.Call) and ast.unparse(d.func) == "xw.func"]
        if not decorators:
            continue
        options = {k.arg: ast.literal_eval(k.value) for k in decorators[0].keywords}
        assert not function.args.kwonlyargs, "extend the wrapper generator"
        vararg = function.args.vararg.arg if function.args.vararg else None
        expected += _udf_wrapper(function.name, function.args.args, len(function.args.defaults),
                                 options.get("volatile", False), options.get("call_in_wizard", True), vararg)  # fmt: skip
    assert expected, "xxgk.addin.udfs has no @xw.func functions"
    wrappers = source("xlwings_udfs").split("\r\n")
    body = wrappers[wrappers.index('#Const App = "Microsoft Excel" \'Adjust when using outside of Excel') + 1 :]
    assert body == [*expected, ""]


def test_config_sheet_holds_the_addin_settings(archive: zipfile.ZipFile) -> None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    assert [s.get("name") for s in workbook.iter(f"{MAIN_NS}sheet")] == [CONFIG_SHEET] == [f"{PROJECT_NAME}.conf"]
    sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    rows = [[c.findtext(f"{MAIN_NS}is/{MAIN_NS}t") for c in row] for row in sheet.iter(f"{MAIN_NS}row")]
    settings = {key.upper(): value for key, value in rows}  # type: ignore[union-attr]
    assert settings == {"UDF MODULES": "xxgk.addin.udfs", "ADD_WORKBOOK_TO_PYTHONPATH": "false"}
    # a key on this sheet beats the user's config file even when empty, so the interpreter must not be here
    assert not any(key.startswith("INTERPRETER") for key in settings)
    assert sheet.find(f"{MAIN_NS}sheetPr").get("codeName") == "Sheet1"  # type: ignore[union-attr]


# --- package structure ---------------------------------------------------------------------------------


def _relationships(archive: zipfile.ZipFile, name: str) -> list[tuple[str, str]]:
    root = ElementTree.fromstring(archive.read(name))
    return [(r.get("Type", ""), r.get("Target", "")) for r in root.iter(f"{PKG_REL_NS}Relationship")]


def test_content_types_and_relationships_are_consistent(archive: zipfile.ZipFile) -> None:
    names = set(archive.namelist())
    types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{CT_NS}Default")}
    overrides = {o.get("PartName", "").lstrip("/"): o.get("ContentType") for o in types.iter(f"{CT_NS}Override")}
    assert set(overrides) <= names
    for name in names - {"[Content_Types].xml"}:
        assert name in overrides or name.rsplit(".", 1)[-1] in defaults, f"{name} has no content type"
    assert overrides["xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"

    targets = set()
    for rels in (n for n in names if n.endswith(".rels")):
        folder = PurePosixPath(rels).parent.parent
        for _, target in _relationships(archive, rels):
            resolved = str(folder / target) if str(folder) != "." else target
            assert resolved in names, f"{rels} points at a missing part: {target}"
            targets.add(resolved)
    assert names - targets == {"[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels"}
    assert (CUSTOM_UI_REL, "customUI/customUI.xml") in _relationships(archive, "_rels/.rels")
    assert archive.read("customUI/customUI.xml") == (ADDIN_DIR / "customUI.xml").read_bytes()


def test_the_wheel_ships_this_addin() -> None:
    setup = (ADDIN_DIR.parent / "setup.py").read_text(encoding="utf-8")
    assert '("addin", "xxgk.xlam")' in setup
    assert "include addin/xxgk.xlam" in (ADDIN_DIR.parent / "MANIFEST.in").read_text(encoding="utf-8")


SERVER_BUTTONS = {"OnValidate": "validate", "OnClear": "clear", "OnSubmit": "submit"}


def test_in_server_mode_the_check_buttons_post_to_the_portal_and_the_others_say_where_to_go() -> None:
    callbacks = dict(CALLBACK.findall(source("XxgkRibbon")))
    for name, endpoint in SERVER_BUTTONS.items():
        body = callbacks[name]
        assert "XxgkRemote.ServerMode()" in body and f'XxgkRemote.Click "{endpoint}"' in body, name
    for name in ("OnNewTemplate2021", "OnNewTemplate2019", "OnConsolidate"):
        assert "LocalOnly()" in callbacks[name], name
    assert "ZhServerHelp" in callbacks["OnHelp"]
    remote = source("XxgkRemote")
    assert 'RunServerPython ServerUrl() & "/addin/" & endpoint, auth:=auth' in remote
    assert 'Private Const SERVER_KEY As String = "XXGK_SERVER"' in remote
    assert 'Private Const TOKEN_KEY As String = "XXGK_TOKEN"' in remote
    assert 'auth = "Bearer " & token' in remote


def test_server_mode_lifts_protection_with_the_empty_password_and_puts_it_back() -> None:
    remote = source("XxgkRemote")
    click = remote[remote.index("Public Sub Click("):remote.index("End Sub", remote.index("Public Sub Click("))]
    assert click.index("UnprotectAll(") < click.index("RunServerPython") < click.index("ProtectAgain wb")
    assert 'ws.Unprotect ""' in remote and 'wb.Unprotect ""' in remote
    assert 'Protect Password:="", DrawingObjects:=s(1), Contents:=True' in remote


def test_every_action_the_server_sends_has_a_sub_in_the_add_in() -> None:
    """The funcs of addin/PROTOCOL.md's table, as xlwings' VBA client dispatches them (Application.Run func)."""
    protocol = (ADDIN_DIR / "PROTOCOL.md").read_text(encoding="utf-8")
    funcs = set(re.findall(r"^\| `(\w+)` \|", protocol, re.M))
    assert {"addSheet", "setValues", "setRangeColor", "alert", "setColumnWidth", "setFontProperty"} <= funcs
    subs = {name.lower() for name in re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)",
                                                source("Remote") + source("XxgkRemote"), re.M)}
    assert {f.lower() for f in funcs} <= subs


def _xlwings_original(name: str) -> str:
    xlwings = pytest.importorskip("xlwings")
    assert xlwings.__version__ == "0.37.8"
    text = (Path(xlwings.__file__).parent / "addin" / name).read_bytes().decode("ascii")
    return text


CLASS_HEADER = "VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  'True\r\nEND\r\n"
CLASS_ATTRIBUTES = ('Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"',
                    "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False")


@pytest.mark.parametrize("name", ["WebHelpers.bas", "WebClient.cls", "WebRequest.cls", "WebResponse.cls",
                                  "IWebAuthenticator.cls", "Remote.bas"])
def test_vendored_web_client_is_xlwings_own_but_for_the_documented_patches(name: str) -> None:
    original = _xlwings_original(name)
    ours = (ADDIN_DIR / "vba" / name).read_bytes().decode("ascii")
    if name.endswith(".cls"):  # the module stream form: no VERSION/BEGIN header, the class attributes Excel writes
        assert original.startswith(CLASS_HEADER)
        original = original[len(CLASS_HEADER):]
        ours = "\r\n".join(line for line in ours.split("\r\n") if line not in CLASS_ATTRIBUTES)
    changed = [(a, b) for a, b in zip(original.split("\r\n"), ours.replace(
        "    payload.Add \"xxgk\", XxgkRemote.Extras(wb) ' xxgk patch 1: our clients' extras (addin/PROTOCOL.md)\r\n",
        "").split("\r\n"), strict=True) if a != b]
    documented = (ADDIN_DIR / "vba" / "VENDORED.md").read_text(encoding="utf-8")
    assert name in documented
    for before, after in changed:
        assert "xxgk patch" in after and before.strip().split(",")[0] in after, (before, after)
    assert len(changed) == (3 if name == "Remote.bas" else 0)
    assert ours.count("xxgk patch") == (4 if name == "Remote.bas" else 0)
