"""The console's SQL tables: accounts, server-side sessions, login failures, audit log, private
notes, and the Telegram alerts already relayed (so several web workers send each alert once).

Declared on the shared `metadata` (imported by bot/app/schema.py) so that SQLite and
PostgreSQL deployments, and several workers, share them.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Index, Integer, String, Table, Text

from bot.stores.db import metadata

# dpo: the data-protection officer of one Mission Locale (its journal only; no conversation)
ROLES = ("referent", "admin", "communication", "dpo")

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

# The second factor (TOTP) of an account: the secret, and when it was confirmed with a first code
# (an unconfirmed secret is not asked at login). `last_step`: the last time step accepted, so a
# code cannot be used twice.
totp = Table(
    "console_totp", metadata,
    Column("account_id", Integer, primary_key=True),
    Column("secret", String(64), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("last_step", Integer),
)

# Who holds a conversation (by account, where conversations.assigned_to keeps the first name
# shown): to tell that person when a colleague takes it over.
assignments = Table(
    "console_assignments", metadata,
    Column("jeune_id", String(64), primary_key=True),
    Column("account_id", Integer, nullable=False),
    Column("name", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Who has a conversation open now (one row per open page's live stream).
viewers = Table(
    "console_viewers", metadata,
    Column("stream", String(64), primary_key=True),
    Column("jeune_id", String(64), nullable=False, index=True),
    Column("account_id", Integer, nullable=False),
    Column("name", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
