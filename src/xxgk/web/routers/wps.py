"""The WPS JS add-in served by the portal (same origin as /addin/*, so no CORS): /wps/ribbon.xml, /wps/index.html
and its scripts, images and help page; /wps/publish.xml (the entry for the user's jsaddons folder) and the
publish page /wps/publish that installs the add-in through WPS's local service, as Kingsoft's publish.html does."""

from __future__ import annotations

from pathlib import PurePosixPath

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from xxgk.addin import wps
from xxgk.web.pages import render
from xxgk.web.routers.public import MaybeAccount

router = APIRouter(prefix="/wps", include_in_schema=False)

LOCAL_SERVICE = "http://127.0.0.1:58890 http://localhost:58890"
PUBLISH_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
               f"base-uri 'none'; form-action 'self'; frame-ancestors 'none'; connect-src 'self' {LOCAL_SERVICE}")
NO_CACHE = {"Cache-Control": "no-cache"}  # WPS fetches ribbon.xml at each start: a new version is taken at once


def addin_url(request: Request) -> str:
    """The add-in's address as users' WPS reaches this portal (behind the trusted proxy: its scheme and host)."""
    return str(request.base_url).rstrip("/") + "/wps/"


@router.get("")
def root() -> Response:
    return RedirectResponse("/wps/publish", status_code=307)


@router.get("/publish.xml")
def publish_xml(request: Request) -> Response:
    return Response(wps.publish_xml(wps.online_entry(addin_url(request))), media_type="application/xml; charset=utf-8",
                    headers={**NO_CACHE, "Content-Disposition": 'attachment; filename="publish.xml"'})


@router.get("/publish")
def publish_page(request: Request, account: MaybeAccount) -> Response:
    response = render(request, "wps_publish.html", account=account, addin_url=addin_url(request), addon_name=wps.NAME,
                      addon_type=wps.TYPE, version=wps.VERSION, entry=wps.online_entry(addin_url(request)))
    response.headers["Content-Security-Policy"] = PUBLISH_CSP
    return response


@router.get("/{path:path}")
def addin_file(path: str) -> Response:
    files = wps.addin_files()
    rel = str(PurePosixPath(path or "index.html"))
    if rel.endswith("/") or rel == ".":
        rel = "index.html"
    found = files.get(rel)
    if found is None:
        return Response("WPS 加载项中没有这个文件。", 404, media_type="text/plain; charset=utf-8")
    return FileResponse(found, media_type=wps.MEDIA.get(found.suffix, "application/octet-stream"), headers=NO_CACHE)
