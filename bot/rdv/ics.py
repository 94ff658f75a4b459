"""An appointment as an iCalendar file (RFC 5545), so the jeune can add it to their phone's agenda.

Times are written in Europe/Paris with its VTIMEZONE (phones show the right hour whatever their
own zone, across daylight-saving changes); lines end in CRLF and are folded at 75 octets without
splitting a UTF-8 character; text values are escaped. The UID stays the same when the appointment
is moved (SEQUENCE goes up), so a calendar updates the event instead of adding a second one.
"""
from __future__ import annotations

from datetime import datetime

from bot.clock import as_utc, to_paris

PRODID = "-//insysteme//Rendez-vous Mission Locale//FR"

VTIMEZONE_PARIS = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def escape_text(value: str) -> str:
    """TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 §3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, continuation lines start with a
    space (RFC 5545 §3.1); never inside a multi-byte UTF-8 character."""
    out: list[str] = []
    current, size, limit = [], 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, 75
        current.append(ch)
        size += n
    out.append("".join(current))
    return "\r\n".join(out)


def _local(at: datetime) -> str:
    return to_paris(at).strftime("%Y%m%dT%H%M%S")


def _utc(at: datetime) -> str:
    return as_utc(at).strftime("%Y%m%dT%H%M%SZ")


def make_ics(uid: str, start: datetime, end: datetime, summary: str, location: str,
             description: str, stamp: datetime, sequence: int = 0,
             cancelled: bool = False) -> bytes:
    """One VEVENT in a VCALENDAR, as bytes ready to attach (text/calendar; charset=utf-8)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancelled else 'PUBLISH'}",
        *VTIMEZONE_PARIS,
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART;TZID=Europe/Paris:{_local(start)}",
        f"DTEND;TZID=Europe/Paris:{_local(end)}",
        f"SEQUENCE:{sequence}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(location)}",
        f"DESCRIPTION:{escape_text(description)}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    if not cancelled:
        lines[-2:-2] = ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT2H",
                        f"DESCRIPTION:{escape_text(summary)}", "END:VALARM"]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
