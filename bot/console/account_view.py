"""Accounts in the console: everyone changes their own password and may turn on a second factor
(TOTP); an admin (ARML) resets a password, disables and enables an account. A new password ends
every session of the account."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.console.accounts import AccountError

ACCOUNT_FLASH = {
    "password": "Mot de passe changé. Vos autres sessions sont fermées.",
    "bad_current": "Le mot de passe actuel n'est pas le bon.",
    "differ": "Les deux nouveaux mots de passe ne sont pas les mêmes.",
    "totp_on": "Double authentification activée : le code vous sera demandé à chaque connexion.",
    "totp_bad": "Ce code n'est pas le bon : réessayez avec le code affiché maintenant.",
    "totp_off": "Double authentification retirée.",
    "totp_required": "Les comptes admin doivent activer la double authentification avant tout.",
    "reset": "Mot de passe remplacé ; les sessions de ce compte sont fermées.",
    "enabled": "Compte réactivé.", "disabled": "Compte désactivé ; ses sessions sont fermées.",
}


def install_account_views(console: Any, r: web.UrlDispatcher) -> None:
    v = AccountViews(console)
    r.add_get("/compte", v.page)
    r.add_post("/compte/mot-de-passe", v.change_password)
    r.add_post("/compte/totp", v.totp_start)
    r.add_post("/compte/totp/confirmer", v.totp_confirm)
    r.add_post("/compte/totp/retirer", v.totp_remove)
    r.add_get("/comptes", v.admin_page)
    r.add_post("/comptes/{account_id}/mot-de-passe", v.admin_reset)
    r.add_post("/comptes/{account_id}/activer", v.admin_enable)
    r.add_post("/comptes/{account_id}/desactiver", v.admin_disable)


class AccountViews:
    def __init__(self, console: Any):
        self.c = console

    def _flash(self, request: web.Request) -> tuple[str | None, bool]:
        key = request.query.get("ok") or request.query.get("err") or ""
        return ACCOUNT_FLASH.get(key) or (request.query.get("msg") if key == "msg" else None), \
            bool(request.query.get("err"))

    async def page(self, request: web.Request) -> web.Response:
        session = await self.c.auth.require(request)
        account = session.account
        pending = await self.c.totp.pending_secret(account.id)
        flash, error = self._flash(request)
        return self.c.render("account.html", request, session, nav="account", flash=flash,
                             flash_error=error, totp_on=await self.c.totp.enabled(account.id),
                             pending=pending,
                             pending_uri=self.c.totp.uri(pending, account.email) if pending else None)

    async def change_password(self, request: web.Request) -> web.Response:
        session = await self.c.auth.require(request)
        form = await request.post()
        account = session.account
        current, new, again = (str(form.get(k) or "")[:1024] for k in ("current", "new", "again"))
        if not await self.c.accounts.check_password(account.id, current):
            await self.c.lockout.failed(account.email, request.remote)
            raise web.HTTPSeeOther("/console/compte?err=bad_current")
        if new != again:
            raise web.HTTPSeeOther("/console/compte?err=differ")
        try:
            await self.c.accounts.set_password(account.email, new)
        except AccountError as exc:
            return await self._error(request, str(exc))
        await self.c.audit.record("password_changed", account=account, ip=request.remote)
        # set_password ended every session, this one too: a fresh one for this browser
        token = await self.c.sessions.create(account, request.remote)
        response = web.HTTPSeeOther("/console/compte?ok=password")
        self.c.auth.set_cookie(response, self.c.auth.cookie, token,
                               max_age=self.c.config.session.max_hours * 3600)
        raise response

    async def _error(self, request: web.Request, message: str) -> web.Response:
        session = await self.c.auth.require(request)
        return self.c.render("error.html", request, session, status=400, message=message)

    async def totp_start(self, request: web.Request) -> web.Response:
        session = await self.c.auth.require(request)
        await self.c.totp.start(session.account.id)
        raise web.HTTPSeeOther("/console/compte")

    async def totp_confirm(self, request: web.Request) -> web.Response:
        session = await self.c.auth.require(request)
        form = await request.post()
        if not await self.c.totp.check(session.account.id, str(form.get("code") or "")[:20],
                                       self.c.clock.now(), confirming=True):
            raise web.HTTPSeeOther("/console/compte?err=totp_bad")
        await self.c.audit.record("totp_enabled", account=session.account, ip=request.remote)
        raise web.HTTPSeeOther("/console/compte?ok=totp_on")

    async def totp_remove(self, request: web.Request) -> web.Response:
        session = await self.c.auth.require(request)
        form = await request.post()
        if not await self.c.accounts.check_password(session.account.id,
                                                    str(form.get("current") or "")[:1024]):
            raise web.HTTPSeeOther("/console/compte?err=bad_current")
        await self.c.totp.remove(session.account.id)
        await self.c.audit.record("totp_removed", account=session.account, ip=request.remote)
        raise web.HTTPSeeOther("/console/compte?ok=totp_off")

    # admin ------------------------------------------------------------------------------------
    async def admin_page(self, request: web.Request) -> web.Response:
        session = await self.c.auth.require(request, admin=True)
        flash, error = self._flash(request)
        return self.c.render("accounts.html", request, session, nav="accounts",
                             rows=await self.c.accounts.list(), flash=flash, flash_error=error)

    async def _target(self, request: web.Request):
        try:
            account_id = int(request.match_info["account_id"])
        except ValueError:
            raise web.HTTPNotFound(text="Compte inconnu.") from None
        target = await self.c.accounts.get(account_id)
        if target is None:
            raise web.HTTPNotFound(text="Compte inconnu.")
        return target

    async def admin_reset(self, request: web.Request) -> web.Response:
        session = await self.c.auth.require(request, admin=True)
        target = await self._target(request)
        form = await request.post()
        try:
            await self.c.accounts.set_password(target.email, str(form.get("password") or "")[:1024])
        except AccountError as exc:
            return await self._error(request, str(exc))
        await self.c.audit.record("password_reset", account=session.account, ip=request.remote,
                                  target=target.email)
        raise web.HTTPSeeOther("/console/comptes?ok=reset")

    async def admin_enable(self, request: web.Request) -> web.Response:
        session = await self.c.auth.require(request, admin=True)
        target = await self._target(request)
        await self.c.accounts.enable(target.email)
        await self.c.audit.record("account_enabled", account=session.account, ip=request.remote,
                                  target=target.email)
        raise web.HTTPSeeOther("/console/comptes?ok=enabled")

    async def admin_disable(self, request: web.Request) -> web.Response:
        session = await self.c.auth.require(request, admin=True)
        target = await self._target(request)
        if target.id == session.account.id:
            return await self._error(request, "Vous ne pouvez pas désactiver votre propre compte.")
        await self.c.accounts.disable(target.email, self.c.clock.now())
        await self.c.audit.record("account_disabled", account=session.account, ip=request.remote,
                                  target=target.email)
        raise web.HTTPSeeOther("/console/comptes?ok=disabled")
