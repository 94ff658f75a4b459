"""Who is asking, and may they: the session cookie, login / logout, CSRF, roles.

- The cookie carries a random token (HttpOnly, SameSite=Strict, Secure when PUBLIC_URL is https,
  path /console); the session lives in SQL (sessions.py) and is replaced at each login.
- Every POST carries the session's CSRF token (a form field `csrf` or the `X-CSRF-Token` header),
  compared with hmac.compare_digest; the login form uses a double-submit cookie instead, since
  there is no session yet. A request from another Origin is refused too.
- No session: a redirect to the login page. A page of a role you do not have: 403. A conversation
  of another Mission Locale: 404 (its existence is not revealed).
"""
from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote, urlsplit

from aiohttp import web

from bot.console.sessions import Session

LOGIN_CSRF_COOKIE = "insysteme_login_csrf"


class Auth:
    def __init__(self, console):
        self.c = console
        self.secure = bool(console.services.env.public_url
                           and console.services.env.public_url.startswith("https://"))
        # "__Secure-" makes browsers refuse the cookie over plain HTTP
        self.cookie = "__Secure-insysteme_console" if self.secure else "insysteme_console"

    # cookies ------------------------------------------------------------------------------------
    def set_cookie(self, response: web.StreamResponse, name: str, value: str,
                   max_age: int | None = None) -> None:
        response.set_cookie(name, value, path="/console", httponly=True, samesite="Strict",
                            secure=self.secure, max_age=max_age)

    def clear_cookie(self, response: web.StreamResponse, name: str) -> None:
        response.del_cookie(name, path="/console")
        # del_cookie sets no SameSite/HttpOnly: set an empty expired one with the same flags
        self.set_cookie(response, name, "", max_age=0)

    # who is asking ------------------------------------------------------------------------------
    async def session(self, request: web.Request) -> Session | None:
        if "console_session" not in request:
            request["console_session"] = await self.c.sessions.get(request.cookies.get(self.cookie))
        return request["console_session"]

    async def require(self, request: web.Request, *, conversations: bool = False,
                      admin: bool = False) -> Session:
        """The session, or: redirect to login (none), 403 (wrong role or bad CSRF on a POST)."""
        session = await self.session(request)
        if session is None:
            target = request.path_qs if request.method == "GET" else "/console/"
            raise web.HTTPSeeOther(f"/console/login?next={quote(target, safe='')}")
        if request.method == "POST":
            self.check_origin(request)
            given = request.headers.get("X-CSRF-Token")
            if given is None:
                form = await request.post()
                value = form.get("csrf")
                given = value if isinstance(value, str) else None
            if not session.csrf_ok(given):
                raise web.HTTPForbidden(text="Jeton de sécurité (CSRF) invalide : rechargez la page.")
        if (self.c.config.totp == "admins" and session.account.is_admin
                and not request.path.startswith(("/console/compte", "/console/logout"))
                and not await self.c.totp.enabled(session.account.id)):
            # an admin sees every Mission Locale: the second factor first
            raise web.HTTPSeeOther("/console/compte?err=totp_required")
        if conversations and not session.account.sees_conversations:
            raise web.HTTPForbidden(text="Votre rôle ne donne pas accès aux conversations.")
        if admin and not session.account.is_admin:
            raise web.HTTPForbidden(text="Page réservée aux administrateurs (ARML).")
        return session

    @staticmethod
    def check_origin(request: web.Request) -> None:
        origin = request.headers.get("Origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="Requête d'un autre site refusée.")

    # login / logout -----------------------------------------------------------------------------
    async def login_page(self, request: web.Request) -> web.Response:
        # shown even to someone logged in: logging in again (another account) ends that session
        return self._login_form(request, error=None)

    def _login_form(self, request: web.Request, error: str | None, email: str = "",
                    status: int = 200) -> web.Response:
        token = secrets.token_urlsafe(24)
        response = self.c.render("login.html", request, None, status=status, error=error,
                                 email=email, login_csrf=token,
                                 next=safe_next(request.query.get("next")))
        self.set_cookie(response, LOGIN_CSRF_COOKIE, token, max_age=3600)
        return response

    async def login(self, request: web.Request) -> web.Response:
        self.check_origin(request)
        form = await request.post()
        email = str(form.get("email") or "")[:254]
        password = str(form.get("password") or "")[:1024]
        given, expected = str(form.get("csrf") or ""), request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise web.HTTPForbidden(text="Jeton de sécurité (CSRF) invalide : rechargez la page de connexion.")
        ip = request.remote
        until = await self.c.lockout.locked_until(email, ip)
        if until is not None:
            await self.c.audit.record("login_locked", email=email, ip=ip)
            seconds = max(1, int((until - self.c.clock.now()).total_seconds()) + 1)
            wait = f"{seconds} secondes" if seconds < 120 else f"{seconds // 60 + 1} minutes"
            return self._login_form(request, f"Trop d'essais pour ce compte depuis cette adresse : "
                                             f"réessayez dans {wait}.", email, status=429)
        account = await self.c.accounts.verify(email, password)
        if account is not None and await self.c.totp.enabled(account.id):
            code = str(form.get("code") or "")[:20]
            if not await self.c.totp.check(account.id, code, self.c.clock.now()):
                await self.c.lockout.failed(email, ip)
                await self.c.audit.record("login_failed", email=email, ip=ip, second_factor=True)
                return self._login_form(request, "Code de l'application d'authentification "
                                                 "manquant ou faux.", email, status=401)
        if account is None:
            await self.c.lockout.failed(email, ip)
            await self.c.audit.record("login_failed", email=email, ip=ip)
            return self._login_form(request, "Adresse ou mot de passe incorrect.", email, status=401)
        await self.c.lockout.succeeded(email, ip)
        token = await self.c.sessions.create(account, ip, replaces=request.cookies.get(self.cookie))
        await self.c.audit.record("login", account=account, ip=ip)
        response = web.HTTPSeeOther(safe_next(str(form.get("next") or "")))
        self.set_cookie(response, self.cookie, token,
                        max_age=self.c.config.session.max_hours * 3600)
        self.clear_cookie(response, LOGIN_CSRF_COOKIE)
        raise response

    async def logout(self, request: web.Request) -> web.Response:
        session = await self.require(request)
        await self.c.sessions.end(request.cookies.get(self.cookie, ""))
        await self.c.audit.record("logout", account=session.account, ip=request.remote)
        response = web.HTTPSeeOther("/console/login")
        self.clear_cookie(response, self.cookie)
        raise response


def safe_next(target: str | None) -> str:
    """Only a path inside the console: no open redirect."""
    if target and target.startswith("/console/") and not target.startswith("//") \
            and "\\" not in target and "\n" not in target and "\r" not in target:
        return target
    return "/console/"
