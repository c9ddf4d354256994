"""Settings of one running portal: where the data lives and what is switched on."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_UPLOAD = 20 * 2**20
DB_FILE = "xxgk.sqlite3"
SECRET_FILE = "secret.key"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str = ""  # empty: SQLite in data_dir
    public_validate: bool = True  # 在线校验 without an account
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD  # per request
    max_files: int = 50  # per 在线校验 request
    check_slots: int = 2  # workbook checks one process runs at once (each may take up to ~200 MB)
    check_wait: float = 15.0  # seconds a request waits for a free slot before 503
    secure_cookies: bool = False  # always Secure; else Secure when the trusted proxy says the request came over HTTPS
    trusted_proxies: str = "127.0.0.1"  # comma-separated addresses whose X-Forwarded-For/-Proto are believed
    session_hours: int = 12
    secret_key: str = ""  # empty: read (or create) data_dir/secret.key, shared by all workers

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / DB_FILE}"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"


def _flag(value: str | None, default: bool) -> bool:
    return default if value is None else value.strip().lower() not in ("0", "false", "no", "off", "")


def from_env(data_dir: Path | None = None, **overrides: object) -> Settings:
    """Settings from XXGK_* environment variables (how uvicorn/gunicorn workers get them), then overrides."""
    env = os.environ
    values: dict[str, object] = {
        "data_dir": Path(data_dir or env.get("XXGK_DATA", "xxgk-data")),
        "database_url": env.get("XXGK_DATABASE_URL", ""),
        "public_validate": _flag(env.get("XXGK_PUBLIC_VALIDATE"), True),
        "max_upload_bytes": int(env.get("XXGK_MAX_UPLOAD_MB", "0") or 0) * 2**20 or DEFAULT_MAX_UPLOAD,
        "secure_cookies": _flag(env.get("XXGK_SECURE_COOKIES"), False),
        "check_slots": int(env.get("XXGK_CHECK_SLOTS", "0") or 0) or 2,
        "check_wait": float(env.get("XXGK_CHECK_WAIT", "0") or 0) or 15.0,
        "secret_key": env.get("XXGK_SECRET_KEY", ""),
        "trusted_proxies": env.get("XXGK_TRUSTED_PROXIES", "127.0.0.1"),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)  # type: ignore[arg-type]


def prepare(settings: Settings) -> Settings:
    """Create the data folder and the secret key when missing; the returned settings carry the key."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.files_dir.mkdir(exist_ok=True)
    if settings.secret_key:
        return settings
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        tmp = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # first worker wins; the others read its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    from dataclasses import replace

    return replace(settings, secret_key=path.read_text().strip())
