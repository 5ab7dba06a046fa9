"""The web application and its server: `create_app` for a session (tests drive it with a test client), `serve`
to run it with uvicorn on loopback unless another address is asked for."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from checker.session import Session
from checker.web.routes import Pages

HERE = Path(__file__).resolve().parent
LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1", "[::1]"]
# Nothing but this server: no external script, style, font, image or connection can load in the page.
_HEADERS = [(b"content-security-policy", b"default-src 'self'; form-action 'self'; frame-ancestors 'none'"),
            (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer")]


class _PrivatePages:
    """Adds the headers that keep the page to itself: only its own assets, nothing cached (patient data)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + _HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(session: Session, allowed_hosts: list[str] | None = None) -> Starlette:
    """The page and the API for one session. `allowed_hosts`: the Host headers answered (None = any); a server on
    loopback answers only loopback names, so another site cannot reach it through a DNS name of its own."""
    pages = Pages(session, Jinja2Templates(directory=str(HERE / "templates")))
    routes = [
        Route("/", pages.index, methods=["GET"]),
        Route("/questionnaire", pages.questionnaire, methods=["POST"]),
        Route("/check", pages.check, methods=["POST"]),
        Route("/download/{kind:str}", pages.download, methods=["POST"]),
        Route("/api/check", pages.api_check, methods=["POST"]),
        Route("/api/requirements", pages.api_requirements, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(_PrivatePages)]
    if allowed_hosts is not None:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    return Starlette(routes=routes, middleware=middleware)


def is_loopback(host: str) -> bool:
    """Whether an address is this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(session: Session, host: str, port: int, say: Callable[[str], None]) -> None:
    """Build the catalog and the note reader first (the first page is then as fast as the rest), then serve until
    interrupted; `say` tells where (and warns about a non-loopback address: the page shows patient data)."""
    import uvicorn
    loopback = is_loopback(host)
    if not loopback:
        say(f"warning: serving on {host}, reachable from other machines: the page shows patient data to anyone "
            "who can reach it")
    session.catalog()
    session.extractor()
    app = create_app(session, [*LOOPBACK_NAMES, host] if loopback else None)
    shown = f"[{host}]" if ":" in host else host
    say(f"imrcheck serve: http://{shown}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
