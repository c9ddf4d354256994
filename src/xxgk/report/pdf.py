"""Convert the Word report to PDF with LibreOffice headless (Writer), as xxgk.libreoffice runs Calc."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from xxgk.libreoffice import _prepare_profile, _profile_dir, _profile_lock, _run, find_soffice

TIMEOUT = 120.0


def docx_to_pdf(src: Path, target: Path, *, timeout: float = TIMEOUT) -> Path:
    """Write `target` (PDF) from the .docx `src`; RuntimeError with a Chinese reason when LibreOffice fails."""
    soffice = find_soffice()
    if soffice is None:
        raise RuntimeError("未找到 LibreOffice（soffice），无法生成 PDF；请安装 LibreOffice（Debian: libreoffice-writer-nogui）。")
    profile = _profile_dir()
    with tempfile.TemporaryDirectory(prefix="xxgk-pdf-") as work_s:
        work = Path(work_s)
        copy = work / "report.docx"  # an ASCII name: LibreOffice mangles non-ASCII paths under a C locale
        shutil.copyfile(src, copy)
        out = work / "out"
        out.mkdir()
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--norestore",
               "--nologo", "--nodefault", "--nofirststartwizard", "--convert-to", "pdf:writer_pdf_Export",
               "--outdir", str(out), str(copy)]
        with _profile_lock(profile):
            _prepare_profile(profile)
            proc = _run(cmd, work, timeout)
        produced = out / "report.pdf"
        if proc.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = (proc.stderr.strip() or proc.stdout.strip() or "无输出")[-500:]
            raise RuntimeError(f"LibreOffice 转换 PDF 失败（退出码 {proc.returncode}）：{detail}")
        tmp = target.with_name(f".{target.stem}.pdf.part")
        shutil.move(str(produced), tmp)
        os.replace(tmp, target)
    return target
