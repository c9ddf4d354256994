"""Install the Excel add-in and diagnose why it does not work: `xxgk addin install` and `xxgk addin doctor`.

Everything that differs between machines sits in a Platform: the folders Excel uses, the interpreter, the
registry, the environment. Platform.current() describes this machine; tests build one over a temporary
folder, so both commands run on Linux exactly as they would on Windows or macOS.

Where things go (as xlwings' own `xlwings addin install` and `xlwings config create` put them):
- the add-in: Excel's per-user start-up folder, %APPDATA%\\Microsoft\\Excel\\XLSTART on Windows,
  ~/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel on macOS
  (xlwings asks a running Excel for `app.startup_path`; these are the folders it answers);
- the settings: the user config file the add-in's xlwings VBA reads (GetConfigFilePath with PROJECT_NAME
  "xxgk"): %USERPROFILE%\\.xxgk\\xxgk.conf, on macOS ~/Library/Containers/com.microsoft.Excel/Data/xxgk.conf,
  one `"KEY","value"` line per setting (VBA's Write #), keys compared case-insensitively;
- macOS only: RunPython goes through AppleScriptTask, which needs xlwings-<version>.applescript in
  ~/Library/Application Scripts/com.microsoft.Excel (xlwings' `runpython install`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xxgk import __version__
from xxgk.resources import resource_path

ADDIN = "xxgk.xlam"
ADDIN_RESOURCE = f"addin/{ADDIN}"
UDF_MODULES = "xxgk.addin.udfs"
WINDOWS, MACOS, LINUX = "windows", "macos", "linux"
INTERPRETER_KEY = {WINDOWS: "INTERPRETER_WIN", MACOS: "INTERPRETER_MAC"}
UDF_KEY = "UDF MODULES"
MAC_OFFICE = Path("Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel")
MAC_SANDBOX = Path("Library/Containers/com.microsoft.Excel/Data")
MAC_SCRIPTS = Path("Library/Application Scripts/com.microsoft.Excel")

UNSUPPORTED = ("Excel 加载项只能安装在 Windows 或 macOS 的 Microsoft Excel 中，本机是 Linux。"
               "WPS 用户：安装 WPS 加载项（在本机浏览器打开报送平台的 /wps/publish 页一键安装，"
               "或用 xxgk addin wps-package 生成离线安装包；没有出现时运行 xxgk addin doctor --wps）。"
               "LibreOffice 用户：直接在标准模板中填报，模板的“校验”表会实时显示勾稽关系是否成立；"
               "填完后运行 xxgk validate 文件.xlsx --annotate 标记副本.xlsx，"
               "副本中有“校验结果”表，有问题的单元格标出底色。")

WHEEL = f"xxgk-{__version__}-py3-none-any.whl"  # xxgk is installed from its wheel file, not from PyPI by name
PIP_ADDIN = f'pip install "{WHEEL}[addin]"（在 wheel 文件所在的文件夹中运行）'

Registry = Callable[[str, str], "str | None"]  # (key under HKEY_CURRENT_USER, value name; "" = default) -> data


class AddinUnsupported(Exception):
    """This machine cannot run the add-in (Linux), or not with this Python: the message says what to do instead."""


@dataclass(frozen=True)
class Platform:
    system: str  # windows | macos | linux
    xlstart: Path  # the folder Excel opens add-ins from at start-up
    config_file: Path  # the user config file the add-in's VBA reads
    python: Path  # the interpreter the add-in is to run
    scripts: Path | None = None  # macOS: the folder AppleScriptTask runs scripts from
    registry: Registry = field(default=lambda key, name: None)
    packages: Callable[[str], str | None] = field(default=lambda name: package_version(name))  # installed versions
    run: Callable[[list[str]], tuple[int, str]] = field(default=lambda argv: run_quietly(argv))  # exit code, stdout
    encoding: str = "utf-8"  # of the config file: VBA reads it in the system code page
    office_bits: Callable[[], int | None] = field(default=lambda: office_bitness(windows_machine_registry))

    @classmethod
    def current(cls) -> Platform:
        python = Path(sys.executable)
        if sys.platform.startswith("win"):
            import locale

            env = os.environ
            home = Path(env.get("USERPROFILE") or Path.home())
            appdata = Path(env.get("APPDATA") or home / "AppData" / "Roaming")
            return cls(WINDOWS, appdata / "Microsoft" / "Excel" / "XLSTART", home / ".xxgk" / "xxgk.conf", python,
                       registry=windows_registry, encoding=locale.getpreferredencoding(False))
        if sys.platform == "darwin":
            home = Path.home()
            return cls(MACOS, home / MAC_OFFICE, home / MAC_SANDBOX / "xxgk.conf", python, scripts=home / MAC_SCRIPTS)
        home = Path.home()
        return cls(LINUX, home, home / ".xxgk" / "xxgk.conf", python)

    @property
    def addin(self) -> Path:
        return self.xlstart / ADDIN

    @property
    def interpreter_key(self) -> str:
        return INTERPRETER_KEY.get(self.system, "INTERPRETER")


def windows_registry(key: str, name: str) -> str | None:
    """A string value under HKEY_CURRENT_USER, None when missing (Windows only)."""
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
            value, _ = winreg.QueryValueEx(handle, name)
    except OSError:
        return None
    return value if isinstance(value, str) else None


def windows_machine_registry(key: str, name: str) -> str | None:
    """A string value under HKEY_LOCAL_MACHINE (64-bit view, then 32-bit), None when missing (Windows only)."""
    if sys.platform != "win32":
        return None
    import winreg

    for view in (winreg.KEY_WOW64_64KEY, winreg.KEY_WOW64_32KEY):
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key, 0, winreg.KEY_READ | view) as handle:
                value, _ = winreg.QueryValueEx(handle, name)
        except OSError:
            continue
        if isinstance(value, str):
            return value
    return None


OFFICE_BITNESS_KEYS = ((r"SOFTWARE\Microsoft\Office\ClickToRun\Configuration", "Platform"),  # Microsoft 365 / C2R
                       *((rf"SOFTWARE\Microsoft\Office\{v}\Outlook", "Bitness") for v in ("16.0", "15.0", "14.0")))


def office_bitness(registry: Registry) -> int | None:
    """32 or 64: the bitness of the installed Office (Click-to-Run's Platform, else MSI Office's Bitness), None
    when the registry does not say."""
    for key, name in OFFICE_BITNESS_KEYS:
        value = (registry(key, name) or "").strip().lower()
        if value in ("x64", "x86"):
            return 64 if value == "x64" else 32
    return None


# ---- the config file --------------------------------------------------------------------------------


def read_config(path: Path, encoding: str = "utf-8") -> dict[str, str]:
    """The settings of an xlwings config file (keys upper-cased), {} when it does not exist."""
    if not path.is_file():
        return {}
    settings: dict[str, str] = {}
    for line in path.read_text(encoding=encoding, errors="replace").splitlines():
        key, sep, value = line.partition(",")
        if sep:
            settings.setdefault(key.strip().strip('"').upper(), value.strip().strip('"'))
    return settings


def config_text(settings: Mapping[str, str]) -> str:
    return "".join(f'"{key}","{value}"\r\n' for key, value in settings.items())


def addin_settings(platform: Platform) -> dict[str, str]:
    return {platform.interpreter_key: str(platform.python), UDF_KEY: UDF_MODULES}


# ---- install ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    text: str  # what it does, in Chinese
    run: Callable[[], object]


SERVER_KEY, TOKEN_KEY = "XXGK_SERVER", "XXGK_TOKEN"  # the 报送平台 mode (addin/vba/XxgkRemote.bas)


def server_settings(server: str, token: str | None) -> dict[str, str]:
    """The 报送平台 mode's settings (raises ValueError with a Chinese message for a bad URL or token)."""
    url = server.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s\",]+", url):
        raise ValueError(f"报送平台地址“{server}”不是 http:// 或 https:// 开头的网址。")
    settings = {SERVER_KEY: url}
    if token is not None:
        if not re.fullmatch(r"xxgk_[A-Za-z0-9_-]{20,100}", token.strip()):
            raise ValueError("令牌格式不对：应以 xxgk_ 开头，请从报送平台本单位页面完整复制。")
        settings[TOKEN_KEY] = token.strip()
    return settings


PREVIOUS_KEY = "XXGK_PREVIOUS"  # the local mode's last-year report(s) for 校验 (xxgk.addin.previous)


def previous_setting(path: Path) -> dict[str, str]:
    """The local mode's last-year setting (raises ValueError with a Chinese message when the path is missing)."""
    if not path.exists():
        raise ValueError(f"上年报告“{path}”不存在：请给出上年年报工作簿或存放上年年报的文件夹。")
    return {PREVIOUS_KEY: str(path.resolve())}


def install_steps(platform: Platform, source: Path | None = None, server: dict[str, str] | None = None,
                  previous: dict[str, str] | None = None) -> list[Step]:
    """What `xxgk addin install` does, in order. Raises AddinUnsupported on Linux. With `server`
    (server_settings), the add-in is set to the 报送平台 mode instead of this Python; with `previous`
    (previous_setting), 校验 compares with last year's report (kept from an earlier install when not given)."""
    if platform.system not in INTERPRETER_KEY:
        raise AddinUnsupported(UNSUPPORTED)
    current = read_config(platform.config_file, platform.encoding)
    if server:
        settings = {**current, **server}
        said = f"{SERVER_KEY} = {server[SERVER_KEY]}" + (f"；{TOKEN_KEY} = {server[TOKEN_KEY][:9]}…"
                                                        if TOKEN_KEY in server else "")
    else:
        settings = {k: v for k, v in {**current, **addin_settings(platform), **(previous or {})}.items()
                    if k not in (SERVER_KEY, TOKEN_KEY)}
        said = f"{platform.interpreter_key} = {platform.python}；{UDF_KEY} = {UDF_MODULES}" + (
            f"；{PREVIOUS_KEY} = {previous[PREVIOUS_KEY]}" if previous else "")
    config = encoded_config(platform, settings)  # before anything is copied: refused means nothing installed
    source = source or resource_path(ADDIN_RESOURCE)
    steps = [
        Step(f"复制加载项 {source} → {platform.addin}", lambda: copy_addin(source, platform.addin)),
        Step(f"写入配置 {platform.config_file}：{said}", lambda: write_atomically(platform.config_file, config)),
    ]
    if server:
        return steps
    if platform.system == MACOS and platform.scripts is not None:
        script = applescript(platform)
        target = platform.scripts / script.name
        steps.append(Step(f"复制 {script.name} → {target}（RunPython 在 macOS 上经 AppleScript 启动 Python）",
                          lambda: write_atomically(target, script.read_bytes())))
    return steps


def encoded_config(platform: Platform, settings: Mapping[str, str]) -> bytes:
    """The config file's bytes in the code page the add-in's VBA reads it in. A path that code page cannot
    write (a user name in another script than the system's) would reach VBA garbled: refused, in Chinese."""
    try:
        return config_text(settings).encode(platform.encoding)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start:exc.end]
        raise AddinUnsupported(
            f"无法安装：Python 的路径 {platform.python} 含有本机系统编码（{platform.encoding}）不能表示的字符“{bad}”，"
            "加载项读不到这样的路径。没有复制或改动任何文件。"
            "请把 Python 安装到只含英文字母和数字的文件夹（如 C:\\Python311），"
            f"用它运行 python -m {PIP_ADDIN}，再用它运行 xxgk addin install。") from None


def copy_addin(source: Path, target: Path) -> None:
    write_atomically(target, source.read_bytes())
    remove_mark_of_the_web(target)


def remove_mark_of_the_web(path: Path) -> None:
    """Delete the Zone.Identifier stream (Windows: the alternate data stream; elsewhere a file of that name)."""
    Path(f"{path}:Zone.Identifier").unlink(missing_ok=True)


def applescript(platform: Platform) -> Path:
    """The AppleScript of the installed xlwings (its version is the one the add-in's VBA asks for)."""
    return xlwings_folder() / f"xlwings-{platform.packages('xlwings')}.applescript"


def xlwings_folder() -> Path:
    from importlib import util

    spec = util.find_spec("xlwings")  # finds the package without importing it (xlwings imports pandas)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"没有安装 xlwings：请运行 {PIP_ADDIN}")
    return Path(spec.origin).parent


def write_atomically(target: Path, data: bytes) -> None:
    """A fresh file (temp + rename), so a reader never sees half a file."""
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".xxgk-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---- doctor -----------------------------------------------------------------------------------------

OK, WARN, FAIL = "ok", "warning", "error"
WPS_PROGIDS = ("ket.", "et.", "wps")
EXTENSION_KEYS = ((r"Software\Microsoft\Windows\CurrentVersion\Explorer\FileExts\.xlsx\UserChoice", "ProgId"),
                  (r"Software\Classes\.xlsx", ""))
REINSTALL = "用要使用的 Python 运行 xxgk addin install（会重写配置）。"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's checklist: location → problem, then what to do."""

    status: str  # ok | warning | error
    message: str
    remedy: str = ""


def check_xlwings_package(platform: Platform) -> Check:
    version = platform.packages("xlwings")
    if version is None:
        return Check(FAIL, "没有安装 xlwings：加载项的按钮无法调用 Python。", f"运行 {PIP_ADDIN}。")
    return Check(OK, f"xlwings 已安装：{version}")


def check_addin_file(platform: Platform, source: Path | None) -> Check:
    if not platform.addin.is_file():
        return Check(FAIL, f"加载项不在 Excel 的启动文件夹中：{platform.addin} 不存在，Excel 不会显示“信息公开年报”选项卡。",
                     "运行 xxgk addin install，然后重新启动 Excel。")
    if source is not None and source.is_file() and source.read_bytes() != platform.addin.read_bytes():
        return Check(WARN, f"{platform.addin} 与本版本 xxgk 附带的加载项不同（旧版本或被改动）。",
                     "关闭 Excel，运行 xxgk addin install。")
    return Check(OK, f"加载项已安装：{platform.addin}")


def check_addin_xlwings_version(platform: Platform, source: Path | None) -> Check | None:
    addin = platform.addin if platform.addin.is_file() else source
    package = platform.packages("xlwings")
    if addin is None or not addin.is_file() or package is None:
        return None  # reported by the checks above
    try:
        built = addin_xlwings_version(addin)
    except ImportError:
        return Check(WARN, "无法读取加载项内置的 xlwings 版本：没有安装 oletools。", f"运行 {PIP_ADDIN}。")
    if built is None:
        return Check(WARN, f"{addin} 中找不到 xlwings 的版本号（加载项可能已损坏）。", "关闭 Excel，运行 xxgk addin install。")
    if built != package:
        return Check(FAIL, f"加载项内置的 xlwings 版本为 {built}，已安装的 xlwings 为 {package}：两者不一致时按钮会报错。",
                     f"运行 pip install xlwings=={built}，或安装与之配套的 xxgk 版本后重新运行 xxgk addin install。")
    return Check(OK, f"加载项与已安装的 xlwings 版本一致：{built}")


def check_mark_of_the_web(platform: Platform) -> Check | None:
    if platform.system != WINDOWS or not platform.addin.is_file():
        return None
    zone = zone_id(platform.addin)
    if zone is not None and zone >= 3:
        return Check(FAIL, f"{platform.addin} 带有“来自网络”的标记（Zone.Identifier，ZoneId={zone}）：Excel 会阻止其中的宏，按钮无反应或报安全警告。",
                     "关闭 Excel，运行 xxgk addin install（重新写入的文件不带该标记）；"
                     "或右键该文件 → 属性 → 勾选“解除锁定” → 确定。")
    return Check(OK, "加载项没有“来自网络”的标记。")


def check_config(platform: Platform) -> Check:
    settings = read_config(platform.config_file, platform.encoding)
    if not settings.get(platform.interpreter_key):
        return Check(FAIL, f"配置文件 {platform.config_file} 不存在或没有 {platform.interpreter_key}：加载项找不到 Python。",
                     REINSTALL)
    if settings.get(UDF_KEY) != UDF_MODULES:
        return Check(WARN, f"配置文件 {platform.config_file} 中 {UDF_KEY} 不是 {UDF_MODULES}：工作表函数 XXGK_STATUS 等不可用。",
                     REINSTALL)
    return Check(OK, f"配置文件：{platform.config_file}")


def check_interpreter(platform: Platform) -> list[Check]:
    configured = read_config(platform.config_file, platform.encoding).get(platform.interpreter_key)
    if not configured:
        return []  # check_config said it
    path = Path(configured)
    if not path.is_file():
        return [Check(FAIL, f"配置的 Python 不存在：{configured}（已卸载或移动）。", REINSTALL)]
    if not os.access(path, os.X_OK):
        return [Check(FAIL, f"配置的 Python 无法运行：{configured}（没有执行权限）。", REINSTALL)]
    checks = [Check(OK, f"配置的 Python：{configured}")]
    if not configured.isascii():
        checks.append(Check(FAIL, f"Python 的路径含有中文或其他非 ASCII 字符：{configured}。"
                            "加载项经 cmd.exe 启动 Python，这样的路径会使按钮失败。",
                            "把 Python 安装到只含英文字母和数字的文件夹（如 C:\\Python311），"
                            f"用它运行 python -m {PIP_ADDIN}，再用它运行 xxgk addin install。"))
    if path.resolve() != platform.python.resolve():
        checks.append(check_other_interpreter(platform, configured))
    return checks


PROBE = ("import importlib.util as u, sys; missing = [m for m in ('xxgk', 'xlwings') if u.find_spec(m) is None]; "
         "print(' '.join(missing)); sys.exit(3 if missing else 0)")


def check_other_interpreter(platform: Platform, configured: str) -> Check:
    """The add-in runs the configured Python, not this one: it must have xxgk and xlwings itself."""
    code, out = platform.run([configured, "-c", PROBE])
    if code == 0:
        return Check(OK, f"配置的 Python 中已安装 xxgk 和 xlwings（它不是运行本命令的 {platform.python}）。")
    missing = "、".join(out.split()) or "xxgk 和 xlwings"
    return Check(FAIL, f"配置的 Python（{configured}）中没有安装 {missing}：按钮会报错。"
                 f"（本命令由另一个 Python 运行：{platform.python}）",
                 f'运行 "{configured}" -m {PIP_ADDIN}；或用已安装 xxgk 的 Python 运行 xxgk addin install。')


def check_wps_handler(platform: Platform) -> Check | None:
    if platform.system != WINDOWS:
        return None
    for key, name in EXTENSION_KEYS:
        progid = platform.registry(key, name)
        if progid and progid.lower().startswith(WPS_PROGIDS):
            return Check(WARN, f".xlsx 文件默认用 WPS 打开（{progid}）：WPS 不能运行本加载项，双击模板不会出现“信息公开年报”选项卡。",
                         "右键模板 → 打开方式 → 选择 Excel 并勾选“始终使用此应用”；"
                         "或在 WPS 中使用 WPS 加载项（报送平台的 /wps/publish 页安装）。")
    return Check(OK, ".xlsx 文件没有被 WPS 接管。")


def check_pandas(platform: Platform) -> Check | None:
    """RunPython imports xlwings before anything else, and xlwings imports pandas whenever it is installed."""
    version = platform.packages("pandas")
    if version is None:
        return None
    return Check(WARN, f"本环境安装了 pandas {version}：每次点击按钮 xlwings 都会导入它，校验要多花约 0.2–0.4 秒。",
                 "加载项不需要 pandas。如本环境只供加载项使用，可运行 pip uninstall pandas；"
                 f'需要 DataFrame（xxgk.frames）的分析请另建环境，在其中 pip install "{WHEEL}[frames]"。')


PE_MACHINES = {0x8664: 64, 0x14C: 32, 0xAA64: 64}  # IMAGE_FILE_MACHINE_AMD64, I386, ARM64


def pe_bits(path: Path) -> int | None:
    """32 or 64 from a DLL's PE header (the COFF header's Machine field), None when it is not a PE file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head[:2] != b"MZ" or len(head) < 0x40:
        return None
    offset = int.from_bytes(head[0x3C:0x40], "little")
    if offset + 6 > len(head) or head[offset:offset + 4] != b"PE\0\0":
        return None
    return PE_MACHINES.get(int.from_bytes(head[offset + 4:offset + 6], "little"))


def check_xlwings_dll(platform: Platform) -> Check | None:
    """The worksheet functions need xlwings' DLL of Office's bitness where the add-in's VBA loads it: beside the
    configured interpreter, or one folder up (a virtual environment's Scripts)."""
    configured = read_config(platform.config_file, platform.encoding).get(platform.interpreter_key)
    version = platform.packages("xlwings")
    if platform.system != WINDOWS or not configured or version is None:
        return None
    bits = platform.office_bits()
    wanted = [bits] if bits else [64, 32]
    folders = [Path(configured).parent, Path(configured).parent.parent]
    office = f"{bits} 位 Office" if bits else "Office（位数未知）"
    for want in wanted:
        for folder in folders:
            dll = folder / f"xlwings{want}-{version}.dll"
            if not dll.is_file():
                continue
            got = pe_bits(dll)
            if got != want:
                return Check(FAIL, f"{dll} 不是 {want} 位的 DLL（文件头为 {got or '无法识别'}）：{office} 无法加载，"
                             "工作表函数 XXGK_STATUS 等会报错。", f'运行 "{configured}" -m pip install --force-reinstall '
                             f"xlwings=={version}，再运行 xxgk addin install。")
            return Check(OK, f"xlwings 的 DLL 与 {office} 匹配：{dll}")
    names = "、".join(f"xlwings{w}-{version}.dll" for w in wanted)
    return Check(FAIL, f"在 {folders[0]} 和 {folders[1]} 中找不到 {names}：{office} 无法加载 xlwings 的 DLL，"
                 "工作表函数 XXGK_STATUS 等会报错（按钮不受影响）。",
                 f'运行 "{configured}" -m pip install --force-reinstall xlwings=={version}（DLL 随 xlwings 安装到 Python 的文件夹），'
                 "再运行 xxgk addin doctor。")


def check_applescript(platform: Platform) -> Check | None:
    version = platform.packages("xlwings")
    if platform.system != MACOS or platform.scripts is None or version is None:
        return None
    script = platform.scripts / f"xlwings-{version}.applescript"
    if not script.is_file():
        return Check(FAIL, f"缺少 {script}：macOS 上的 Excel 无法启动 Python。", "运行 xxgk addin install。")
    return Check(OK, f"AppleScript 已就位：{script}")


def doctor(platform: Platform, source: Path | None = None) -> list[Check]:
    """Every check, in the order a person fixes them. source: the add-in this xxgk ships (default: found)."""
    if platform.system not in INTERPRETER_KEY:
        return [Check(FAIL, UNSUPPORTED)]
    source = source if source is not None else shipped_addin()
    found = [check_xlwings_package(platform), check_addin_file(platform, source),
             check_addin_xlwings_version(platform, source), check_mark_of_the_web(platform),
             check_config(platform), *check_interpreter(platform), check_xlwings_dll(platform), check_pandas(platform),
             check_wps_handler(platform), check_applescript(platform)]
    return [c for c in found if c is not None]


# ---- small readers ----------------------------------------------------------------------------------


def package_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def run_quietly(argv: list[str]) -> tuple[int, str]:
    import subprocess

    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return -1, str(exc)
    return done.returncode, done.stdout


def shipped_addin() -> Path | None:
    try:
        return resource_path(ADDIN_RESOURCE)
    except FileNotFoundError:
        return None


def zone_id(path: Path) -> int | None:
    """The ZoneId of a file's Mark of the Web (its Zone.Identifier alternate data stream), None without one."""
    try:
        text = Path(f"{path}:Zone.Identifier").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip().lower() == "zoneid" and value.strip().isdigit():
            return int(value.strip())
    return None


def addin_xlwings_version(path: Path) -> str | None:
    """XLWINGS_VERSION as the add-in's xlwings VBA module declares it. Raises ImportError without oletools."""
    import logging
    import re
    import warnings

    with warnings.catch_warnings():  # oletools uses pyparsing names that newer pyparsing deprecates
        warnings.simplefilter("ignore")
        from oletools.olevba import VBA_Parser
    logging.getLogger("olevba").setLevel(logging.ERROR)  # its notes (e.g. on VBA stomping) are not for users

    parser = VBA_Parser(str(path))
    try:
        for _, _, _, code in parser.extract_all_macros():
            text = code.decode("latin-1") if isinstance(code, bytes) else str(code)
            if (m := re.search(r'XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]+)"', text, re.IGNORECASE)):
                return m.group(1)
    finally:
        parser.close()
    return None
