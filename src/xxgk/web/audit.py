"""The audit log: who uploaded, returned, accepted, consolidated what and when; every refused access."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xxgk.web.models import Account, AuditEntry

OK, DENIED, REFUSED = "ok", "denied", "refused"
OUTCOMES = {OK: "成功", DENIED: "拒绝访问", REFUSED: "未通过"}
ACTIONS = {
    "login": "登录", "csrf": "请求来源校验", "upload": "上传报表", "notes": "填写说明", "accept": "接受报表",
    "return": "退回报表", "consolidate": "汇总", "change_password": "修改密码", "token_create": "创建接口令牌",
    "token_revoke": "吊销接口令牌", "add_account": "添加账号", "add_region": "添加地区", "add_unit": "添加单位",
    "enable_account": "启用账号", "disable_account": "停用账号", "import_roster": "导入名册", "reset_password": "重设密码",
    "set_year": "设置报告年度", "update_account": "修改账号", "view_unit": "查看单位", "view_submission": "查看报表",
    "view_region": "查看地区", "view_summary": "查看汇总表", "report_up": "上报上级", "view_job": "查看汇总任务",
}
TARGETS = {"unit": "单位", "submission": "报表", "region": "地区", "summary": "汇总表", "account": "账号", "job": "汇总任务"}


def action_text(action: str) -> str:
    """The Chinese name of an audit action (role checks read 需要…角色)."""
    if action.startswith("role:"):
        from xxgk.web.models import ROLES

        return "需要" + "或".join(ROLES.get(r, "其他") for r in action[5:].split("/")) + "权限"
    return ACTIONS.get(action, "其他操作")


def target_text(target: str) -> str:
    """unit:12 → 单位 12; names and paths as they are."""
    def one(part: str) -> str:
        kind, sep, rest = part.partition(":")
        return f"{TARGETS[kind]} {rest}" if sep and kind in TARGETS else part

    return " ".join(one(p) for p in target.split(" "))


def record(db: Session, account: Account | None, action: str, target: str = "", *, outcome: str = OK,
           detail: str = "", ip: str = "") -> AuditEntry:
    """Add an entry to the session (committed with the action it records)."""
    entry = AuditEntry(account_id=account.id if account else None, username=account.username if account else "",
                       action=action, target=target[:300], outcome=outcome, detail=detail, ip=ip[:64])
    db.add(entry)
    return entry
