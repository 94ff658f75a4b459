"""QR codes of the deep links into the bot (an action's code in `?start=` / `?source=`), for the
weekly post's page in the console and for posters (`insysteme posts preview --qr FILE`).

segno writes SVG and PNG itself (no Pillow). Always a full QR code, never a Micro QR: phone
cameras do not all read Micro QR. Error correction M at least (segno raises it when the link
leaves room), so a poster a bit worn or folded still scans.
"""
from __future__ import annotations

import io
from pathlib import Path

import segno

BORDER = 4          # the quiet zone the standard asks for, in modules
FORMATS = (".svg", ".png")


def make_qr(url: str) -> segno.QRCode:
    if not url:
        raise ValueError("pas de lien à mettre dans le QR code")
    return segno.make(url, micro=False, error="m")


def qr_svg(url: str, scale: int = 4) -> str:
    """An inline <svg> (no XML declaration), black on white, its title the link itself."""
    return make_qr(url).svg_inline(scale=scale, border=BORDER, dark="#000", light="#fff",
                                   title=url)


def qr_png(url: str, scale: int = 10) -> bytes:
    out = io.BytesIO()
    make_qr(url).save(out, kind="png", scale=scale, border=BORDER)
    return out.getvalue()


def write_qr(url: str, path: Path | str) -> Path:
    """Write the QR code to `path`, as SVG or PNG after its suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path.name} : le fichier doit finir par .svg ou .png")
    if suffix == ".svg":     # a standalone file: XML declaration and namespace
        make_qr(url).save(str(path), kind="svg", scale=10, border=BORDER, dark="#000",
                          light="#fff", title=url)
    else:
        path.write_bytes(qr_png(url))
    return path
