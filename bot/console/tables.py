"""The console's SQL tables: accounts, server-side sessions, login failures, audit log, private
notes, and the Telegram alerts already relayed (so several web workers send each alert once).

Declared on the shared `metadata` (imported by bot/app/schema.py) so that SQLite and
PostgreSQL deployments, and several workers, share them.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Index, Integer, String, Table, Text

from bot.stores.db import metadata

ROLES = ("referent", "admin", "communication")

accounts = Table(
    "console_accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),   # stored lower-case
    Column("name", String(80), nullable=False),                   # first name shown to jeunes
    Column("role", String(20), nullable=False),
    Column("mission_locale", String(64)),                         # None for admins (all)
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
)

# The cookie holds a random token; only its SHA-256 is stored, so a copy of the database does not
# give anyone a live session.
sessions = Table(
    "console_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ip", String(64)),
    Index("ix_console_sessions_seen", "last_seen_at"),
)

login_failures = Table(
    "console_login_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False),      # "account:<email>" or "ip:<address>"
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_console_login_failures_key_at", "key", "at"),
)

audit = Table(
    "console_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("account_id", Integer),
    Column("account_email", String(254)),
    Column("action", String(40), nullable=False),
    Column("jeune_id", String(64)),                  # pseudonymous
    Column("mission_locale", String(64)),
    Column("ip", String(64)),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_console_audit_at", "at"),
    Index("ix_console_audit_jeune", "jeune_id"),
)

notes = Table(
    "console_notes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("jeune_id", String(64), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("author_id", Integer, nullable=False),
    Column("author_name", String(80), nullable=False),
    Column("text", Text, nullable=False),
)

relayed_alerts = Table(
    "console_relayed_alerts", metadata,
    Column("key", String(200), primary_key=True),    # kind:jeune_id:at
    Column("at", DateTime(timezone=True), nullable=False),
)
