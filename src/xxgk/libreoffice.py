"""Recalculate a workbook with LibreOffice's real spreadsheet engine.

XlsxWriter (and many other generators) write a cached result of ``0`` for every
formula.  Readers such as python-calamine or openpyxl only see cached values, so
before we trust any formula result we let LibreOffice load the file, recalculate
everything and save a fresh ``.xlsx``.

LibreOffice by default *trusts* the cached values of OOXML files ("never
recalculate" / "prompt"), so we run it with a dedicated user profile whose
``registrymodifications.xcu`` forces recalculation on load.  The same profile
also disables macros and external link updates: the input comes from e-mail and
is untrusted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CONVERT_TIMEOUT", "DEFAULT_TIMEOUT", "SofficeFailed", "SofficeMissing", "SofficeTimeout", "convert",
           "convert_many", "export_pdf", "find_soffice", "recalc"]

DEFAULT_TIMEOUT = 120.0
CONVERT_TIMEOUT = 60.0  # a submission of a few sheets converts in about a second


class SofficeMissing(RuntimeError):
    """LibreOffice is not installed (or $XXGK_SOFFICE names nothing runnable)."""


class SofficeTimeout(RuntimeError):
    """LibreOffice did not finish in time and was killed."""


class SofficeFailed(RuntimeError):
    """LibreOffice ran but wrote no output for a file (it could not open it)."""

_CANDIDATES_POSIX = (
    "/usr/bin/soffice",
    "/usr/local/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/snap/bin/libreoffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
_CANDIDATES_WINDOWS = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)

# Items we need in the profile.  Values:
#   Calc/Formula/Load/{OOXML,ODF}RecalcMode: 0 = always recalc, 1 = never, 2 = prompt
#   Calc/Content/Update/Link:                0 = always, 1 = never, 2 = on demand
#   Common/Security/Scripting:               no macro may ever run
_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", "0"),
    ("/org.openoffice.Office.Calc/Formula/Load", "ODFRecalcMode", "0"),
    ("/org.openoffice.Office.Calc/Content/Update", "Link", "1"),
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
)


def _item(path: str, name: str, value: str) -> str:
    return f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'


_XCU = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    + "".join(_item(*s) + "\n" for s in _SETTINGS)
    + "</oor:items>\n"
)


def find_soffice() -> str | None:
    """Return the path of the LibreOffice ``soffice`` executable, or ``None``.

    ``$XXGK_SOFFICE`` overrides the search; then ``PATH`` (``soffice``,
    ``libreoffice``), then the usual install locations.
    """
    env = os.environ.get("XXGK_SOFFICE")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = _CANDIDATES_WINDOWS if os.name == "nt" else _CANDIDATES_POSIX
    for cand in candidates:
        if Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    return None


def _profile_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    return Path(tempfile.gettempdir()) / f"xxgk-lo-profile-{uid}"


def _prepare_profile(profile: Path) -> None:
    """Make sure the profile's registry forces recalculation (and blocks macros/links).

    LibreOffice rewrites ``registrymodifications.xcu`` on exit but keeps our
    items; if any is missing (fresh profile, or someone edited it) we write the
    file anew.
    """
    xcu = profile / "user" / "registrymodifications.xcu"
    xcu.parent.mkdir(parents=True, exist_ok=True)
    try:
        current = xcu.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        current = ""
    if all(_item(*s) in current for s in _SETTINGS):
        return
    tmp = xcu.with_suffix(".xcu.tmp")
    tmp.write_text(_XCU, encoding="utf-8")
    os.replace(tmp, xcu)


@contextlib.contextmanager
def _profile_lock(profile: Path) -> Iterator[None]:
    """Serialise use of the shared profile: two soffice processes on one profile clash."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock, callers must not run recalc in parallel
        yield
        return
    profile.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{profile}.lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _run(cmd: list[str], cwd: Path, timeout: float, what: str = "重算", extra_env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    """Run soffice in its own process group so a timeout kills soffice.bin too."""
    popen_kw: dict[str, object] = {}
    if os.name == "posix":
        popen_kw["start_new_session"] = True
    env = dict(os.environ) | (extra_env or {})
    env.pop("DISPLAY", None)  # never try to reach an X server
    env.setdefault("HOME", str(cwd))  # soffice insists on a HOME
    with subprocess.Popen(
        cmd,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=env,
        **popen_kw,  # type: ignore[call-overload]
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            if os.name == "posix":
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
            out, err = proc.communicate()
            raise SofficeTimeout(f"LibreOffice {what}超时（超过 {timeout:g} 秒），已终止。stderr: {err.strip()}") from None
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def recalc(src: Path, out_dir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Recalculate every formula of ``src`` with LibreOffice and save it as xlsx in ``out_dir``.

    Returns ``out_dir / (src.stem + ".xlsx")``.  The input file is never
    written to: LibreOffice works on a private copy (so no ``.~lock`` file
    appears beside the input either).  Raises ``FileNotFoundError`` if ``src``
    is missing, ``ValueError`` if the output would overwrite ``src`` and
    ``RuntimeError`` (with LibreOffice's stderr) if LibreOffice is missing,
    fails or times out.
    """
    return recalc_many([src], out_dir, timeout=timeout)[0]


def recalc_many(srcs: list[Path], out_dir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> list[Path]:
    """``recalc`` for several files in one LibreOffice start (each start costs about a second)."""
    profile = _profile_dir()
    with _profile_lock(profile):
        return _to_xlsx(srcs, out_dir, profile, timeout, "重算")


def convert(src: Path, out_dir: Path, *, timeout: float = CONVERT_TIMEOUT) -> Path:
    """Convert ``src`` (.xls, .ods, .et …) to ``out_dir / (src.stem + ".xlsx")`` with LibreOffice.

    Untrusted input: LibreOffice runs with a throw-away profile made for this call (macros never run,
    external links never update, formulas recalculated on load), on a private copy of ``src`` (which is
    never written to), killed after ``timeout`` seconds. Nothing is kept between calls, so conversions in
    parallel processes never share a profile. Raises SofficeMissing, SofficeTimeout or SofficeFailed.
    """
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-") as tmp:
        return _to_xlsx([Path(src)], out_dir, Path(tmp) / "profile", timeout, "转换")[0]


def convert_many(srcs: list[Path], out_dir: Path, *, timeout: float) -> list[Path | None]:
    """Convert several files in one LibreOffice start (each start costs one to three seconds): srcs[i] becomes
    ``out_dir / f"{i}.xlsx"``, so equal names in different folders never clash.

    The guarantees of ``convert`` hold (throw-away profile made for this batch, private copies, originals never
    written to); ``timeout`` is for the whole batch. Returns, per source, the .xlsx written or None where
    LibreOffice wrote nothing: it could not open that file, or the time ran out before it got to it (what it
    had finished by then is kept). The caller converts those one by one to learn why. Raises SofficeMissing.
    """
    srcs = [Path(s) for s in srcs]
    soffice = find_soffice()
    if soffice is None:
        raise SofficeMissing("未找到 LibreOffice（soffice），无法转换。")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-") as tmp:
        work = Path(tmp)
        copies = [work / f"input{i}{_suffix(src)}" for i, src in enumerate(srcs)]
        for src, copy in zip(srcs, copies, strict=True):
            shutil.copyfile(src, copy)
        conv_out = work / "out"
        conv_out.mkdir()
        profile = work / "profile"
        _prepare_profile(profile)
        with contextlib.suppress(SofficeTimeout):
            _run(_command(soffice, profile, conv_out, copies), work, timeout, "转换")
        outputs: list[Path | None] = []
        for i in range(len(srcs)):
            produced = conv_out / f"input{i}.xlsx"
            # zipfile.is_zipfile needs the central directory, written last: a file cut off by the kill fails it
            if produced.is_file() and zipfile.is_zipfile(produced):
                outputs.append(Path(shutil.move(str(produced), out_dir / f"{i}.xlsx")))
            else:
                outputs.append(None)
    return outputs


def _command(soffice: str, profile: Path, conv_out: Path, copies: list[Path]) -> list[str]:
    return [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--nofirststartwizard",
        "--convert-to",
        "xlsx:Calc MS Excel 2007 XML",
        "--outdir",
        str(conv_out),
        *(str(c) for c in copies),
    ]


def _to_xlsx(srcs: list[Path], out_dir: Path, profile: Path, timeout: float, what: str) -> list[Path]:
    srcs = [Path(s) for s in srcs]
    out_dir = Path(out_dir)
    targets = [out_dir / f"{s.stem}.xlsx" for s in srcs]
    for src, target in zip(srcs, targets, strict=True):
        if not src.is_file():
            raise FileNotFoundError(f"找不到要{what}的文件：{src}")
        if target.resolve() == src.resolve():
            raise ValueError(f"输出目录与输入文件相同，{what}结果会覆盖原文件：{src}；请换一个输出目录。")
    if len({t.name for t in targets}) != len(targets):
        raise ValueError(f"要{what}的文件同名，输出会互相覆盖；请分开{what}。")
    soffice = find_soffice()
    if soffice is None:
        raise SofficeMissing(
            f"未找到 LibreOffice（soffice），无法{what}；请安装 LibreOffice（Debian: libreoffice-calc-nogui）。"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"xxgk-{'recalc' if what == '重算' else 'convert'}-") as work_s:
        work = Path(work_s)
        # ASCII-only private copies: LibreOffice mangles non-ASCII paths under a C
        # locale and drops a lock file beside the document it opens.
        copies = [work / f"input{i}{_suffix(src)}" for i, src in enumerate(srcs)]
        for src, copy in zip(srcs, copies, strict=True):
            shutil.copyfile(src, copy)
        conv_out = work / "out"
        conv_out.mkdir()
        cmd = _command(soffice, profile, conv_out, copies)
        _prepare_profile(profile)
        proc = _run(cmd, work, timeout * len(srcs), what)
        for i, (src, target) in enumerate(zip(srcs, targets, strict=True)):
            produced = conv_out / f"input{i}.xlsx"
            if proc.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
                detail = (proc.stderr.strip() or proc.stdout.strip() or "无输出")[-2000:]
                raise SofficeFailed(f"LibreOffice {what}失败（退出码 {proc.returncode}），文件：{src.name}。stderr: {detail}")
            tmp_target = out_dir / f".{src.stem}.xlsx.part"
            shutil.move(str(produced), tmp_target)
            os.replace(tmp_target, target)
    return targets


# The Windows fonts a Chinese Word document names, and what stands in for them where they are missing (Linux):
# a Chinese serif for 宋体/仿宋, a Chinese sans for 黑体, so the PDF looks like the official layout rather than
# falling back to a Japanese or Latin sans.
_CHINESE_FONTS = {
    "仿宋": ("FangSong", "仿宋_GB2312", "FangSong_GB2312", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
    "宋体": ("SimSun", "NSimSun", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"),
    "黑体": ("SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei"),
}
_SYSTEM_FONTCONFIG = Path("/etc/fonts/fonts.conf")


def export_pdf(src: Path, target: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert a document (.docx …) to the PDF ``target`` with LibreOffice; ``src`` is never written to.

    A throw-away profile for this call (macros never run), a private ASCII-named copy of ``src``, the output
    written atomically; missing Chinese Windows fonts replaced by installed Chinese ones. Raises SofficeMissing,
    SofficeFailed or SofficeTimeout (RuntimeErrors with a Chinese reason).
    """
    src, target = Path(src), Path(target)
    if not src.is_file():
        raise FileNotFoundError(f"找不到要转换的文件：{src}")
    soffice = find_soffice()
    if soffice is None:
        raise SofficeMissing("未找到 LibreOffice（soffice），无法生成 PDF；请安装 LibreOffice（Debian: libreoffice-writer-nogui）。")
    with tempfile.TemporaryDirectory(prefix="xxgk-pdf-") as work_s:
        work = Path(work_s)
        copy = work / f"input{_suffix(src)}"
        shutil.copyfile(src, copy)
        out, profile = work / "out", work / "profile"
        out.mkdir()
        _prepare_profile(profile)
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--norestore",
               "--nologo", "--nodefault", "--nofirststartwizard", "--convert-to", "pdf", "--outdir", str(out), str(copy)]
        proc = _run(cmd, work, timeout, "转换 PDF", _font_env(work))
        produced = out / "input.pdf"
        if proc.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = (proc.stderr.strip() or proc.stdout.strip() or "无输出")[-500:]
            raise SofficeFailed(f"LibreOffice 转换 PDF 失败（退出码 {proc.returncode}），文件：{src.name}。{detail}")
        part = target.with_name(f".{target.stem}.pdf.part")
        shutil.move(str(produced), part)
        os.replace(part, target)
    return target


def _font_env(work: Path) -> dict[str, str]:
    """FONTCONFIG_FILE: the system's fontconfig plus the Chinese stand-ins (only where fontconfig is used)."""
    if os.name != "posix" or not _SYSTEM_FONTCONFIG.is_file() or "FONTCONFIG_FILE" in os.environ:
        return {}
    aliases = "".join(
        f'<alias binding="same"><family>{name}</family><prefer>{"".join(f"<family>{f}</family>" for f in stand_ins)}'
        "</prefer></alias>" for name, stand_ins in _CHINESE_FONTS.items())
    conf = work / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f'<include ignore_missing="yes">{_SYSTEM_FONTCONFIG}</include>{aliases}</fontconfig>',
                    encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


def _suffix(src: Path) -> str:
    return src.suffix.lower() if src.suffix[1:].isalnum() and len(src.suffix) <= 6 else ""
