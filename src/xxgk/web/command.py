"""`xxgk serve`: the portal on one machine (SQLite and a local storage folder by default)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from xxgk.web.settings import Settings


@click.command(help="启动报送平台（网页和 JSON 接口）。DIR 保存数据库和报送的文件，不存在时自动创建。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口")
@click.option("--data", "data", default="xxgk-data", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="数据文件夹（SQLite 数据库和报送的文件）")
@click.option("--database-url", envvar="XXGK_DATABASE_URL", default="",
              help="数据库地址，如 postgresql://用户:密码@主机/库名（默认：数据文件夹中的 SQLite）")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="工作进程数")
@click.option("--max-upload-mb", default=20, show_default=True, type=click.IntRange(1, 1024), help="单次上传大小上限（MB）")
@click.option("--no-public-validate", is_flag=True, help="关闭无需账号的在线校验")
@click.option("--trusted-proxy", envvar="XXGK_TRUSTED_PROXIES", default="127.0.0.1", show_default=True,
              help="反向代理（nginx）的地址，多个用逗号分隔：只采信它转发的用户 IP 和 HTTPS 标记")
def serve(host: str, port: int, data: Path, database_url: str, workers: int, max_upload_mb: int,
          no_public_validate: bool, trusted_proxy: str) -> None:
    try:
        import uvicorn

        import xxgk.web.app  # noqa: F401  (fails here, not in a worker, when the web extra is missing)
    except ImportError as exc:
        raise click.UsageError(f"报送平台需要 web 组件（缺少 {exc.name}）。请安装：pip install 'xxgk[web]'") from exc
    from xxgk.web.settings import from_env, prepare

    settings = prepare(from_env(data, database_url=database_url or None, max_upload_bytes=max_upload_mb * 2**20,
                                public_validate=not no_public_validate))
    _check_port(host, port)
    _check_database(settings)
    os.environ.update({"XXGK_DATA": str(settings.data_dir.resolve()), "XXGK_DATABASE_URL": settings.database_url,
                       "XXGK_MAX_UPLOAD_MB": str(max_upload_mb),
                       "XXGK_PUBLIC_VALIDATE": "0" if no_public_validate else "1",
                       "XXGK_TRUSTED_PROXIES": trusted_proxy})
    click.echo(f"报送平台：http://{host}:{port}/  数据：{settings.data_dir.resolve()}  （Ctrl+C 停止）")
    uvicorn.run("xxgk.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", proxy_headers=False)  # the app reads forwarded headers itself


@click.command("portal-admin", help="报送平台的管理员账号：USERNAME 不存在时新建管理员，已存在时重设其密码（其登录随之失效）。"
                                    "新部署的平台用它建立第一个管理员，之后在“管理”页面添加其他账号。")
@click.argument("username")
@click.option("--data", "data", default="xxgk-data", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="数据文件夹（与 xxgk serve --data 相同）")
@click.option("--database-url", envvar="XXGK_DATABASE_URL", default="", help="数据库地址（与 xxgk serve 相同）")
@click.password_option("--password", envvar="XXGK_ADMIN_PASSWORD", prompt="密码", confirmation_prompt="再次输入密码",
                       help="密码（不给出时提示输入；也可用环境变量 XXGK_ADMIN_PASSWORD）")
def portal_admin(username: str, data: Path, database_url: str, password: str) -> None:
    from sqlalchemy import select

    from xxgk.web import directory
    from xxgk.web.db import make_engine, session_factory
    from xxgk.web.models import ADMIN, Account
    from xxgk.web.service import ActionError
    from xxgk.web.settings import from_env, prepare

    settings = prepare(from_env(data, database_url=database_url or None))
    _check_database(settings)
    engine = make_engine(settings.db_url)
    try:
        with session_factory(engine)() as db:
            account = db.scalar(select(Account).where(Account.username == username.strip()))
            if account is None:
                directory.add_account(db, None, username, password, ADMIN, "管理员")
                click.echo(f"已新建管理员 {username.strip()}。启动 xxgk serve 后用它登录，在“管理”页面添加地区、单位和账号。")
            else:
                directory.reset_password(db, None, account, password)
                click.echo(f"已重设 {account.username} 的密码，该账号需重新登录。")
    except ActionError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        engine.dispose()


def _check_port(host: str, port: int) -> None:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.UsageError(f"无法在 {host}:{port} 上启动：{exc.strerror or exc}。"
                                   "端口可能已被占用，请用 --port 换一个端口。") from exc


def _check_database(settings: Settings) -> None:
    """Connect and migrate once here, so a wrong --database-url is a Chinese message, not a worker's traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from xxgk.web.db import make_engine, migrate

    try:
        engine = make_engine(settings.db_url)
        migrate(engine, settings.data_dir)
        engine.dispose()
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:300]
        raise click.UsageError(f"无法使用数据库 {settings.db_url.split('@')[-1]}：{reason}。请检查 --database-url。") from exc
