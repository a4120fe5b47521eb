"""The student record card (学籍卡) as a PDF a registrar prints.

``GET /students/{number}/record-card.pdf`` with a bearer token. The data, the
scope and the field checks are those of the GraphQL archive
(``resolvers.archive_card``); the read is audited before the file leaves, and a
student outside the caller's scope is answered as not found.

The card needs a font with Chinese glyphs. It is looked up in this order: the
file named by ``XUEJI_CJK_FONT``, any font under ``hub/fonts/``, then the usual
paths of Debian's ``fonts-wqy-microhei``, ``fonts-wqy-zenhei`` and
``fonts-noto-cjk`` packages (the Docker image installs ``fonts-wqy-microhei``).
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.auth import AuthError, bearer, read_token
from hub.limits import RateLimited
from hub.state import HubState
from resolvers.access import load_grant, write_audit
from resolvers.archive_card import CardSection, RecordCard, record_card
from resolvers.context import RequestContext
from resolvers.errors import Forbidden

logger = logging.getLogger(__name__)

FONT_ENV = "XUEJI_CJK_FONT"
BUNDLED_FONTS = Path(__file__).parent / "fonts"
SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)
FONT_SUFFIXES = (".ttf", ".ttc", ".otf")
FAMILY = "cjk"
_SAFE_NAME = re.compile(r"[^0-9A-Za-z]")
# Why a section was left out, in words for the person holding the card.
WITHHELD = {
    "NOT_PERMITTED": "本岗位无权查看",
    "OUT_OF_SCOPE": "学生已离校，本校仅保留历史信息",
    "NO_APPROVAL": "无书面批准",
    "APPROVAL_EXPIRED": "书面批准已过期",
    "APPROVAL_REVOKED": "书面批准已撤销",
    "NOT_IN_APPROVAL": "书面批准未包含此类信息",
}


class FontMissing(Exception):
    """No font with Chinese glyphs was found; the card cannot be drawn."""


def find_font() -> Path:
    """The first usable CJK font of the lookup order in the module docstring."""
    named = os.environ.get(FONT_ENV)
    candidates = [Path(named)] if named else []
    if BUNDLED_FONTS.is_dir():
        candidates += sorted(
            p for p in BUNDLED_FONTS.iterdir() if p.suffix.lower() in FONT_SUFFIXES
        )
    candidates += SYSTEM_FONTS
    for path in candidates:
        if path.is_file():
            return path
    raise FontMissing("no CJK font: install fonts-wqy-microhei or set XUEJI_CJK_FONT")


@dataclass(frozen=True)
class _Layout:
    margin: float = 15
    title_size: float = 18
    heading_size: float = 12
    body_size: float = 9
    line: float = 6


def render_record_card(card: RecordCard, font: Path) -> bytes:
    """The card as PDF bytes, one table per section, A4 portrait."""
    layout = _Layout()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(layout.margin, layout.margin)
    pdf.set_auto_page_break(auto=True, margin=layout.margin)
    pdf.add_font(FAMILY, fname=str(font))
    pdf.set_title(f"学籍卡 {card.student_number}")
    pdf.add_page()
    _header(pdf, card, layout)
    for section in card.sections:
        _section(pdf, section, layout)
    return bytes(pdf.output())


def _header(pdf: FPDF, card: RecordCard, layout: _Layout) -> None:
    pdf.set_font(FAMILY, size=layout.title_size)
    pdf.cell(0, 12, "学生学籍卡", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=layout.body_size)
    printed = card.printed_at.strftime("%Y-%m-%d %H:%M")
    line = f"{card.name}  学籍号 {card.student_number}  打印 {printed}（北京时间）"
    pdf.cell(0, layout.line, line, align="C", new_x="LMARGIN", new_y="NEXT")
    printer = f"打印人 {card.printed_by}"
    pdf.cell(0, layout.line, printer, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _section(pdf: FPDF, section: CardSection, layout: _Layout) -> None:
    pdf.set_font(FAMILY, size=layout.heading_size)
    pdf.cell(0, 9, section.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=layout.body_size)
    if section.withheld is not None:
        reason = WITHHELD.get(section.withheld, section.withheld)
        note = f"（未打印：{reason}）"
        pdf.cell(0, layout.line, note, new_x="LMARGIN", new_y="NEXT")
        return
    if not section.rows:
        pdf.cell(0, layout.line, "（无记录）", new_x="LMARGIN", new_y="NEXT")
        return
    # One weight only: the CJK font has no bold face to draw headings with.
    headings = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(
        line_height=layout.line, text_align="LEFT", headings_style=headings
    ) as table:
        heading = table.row()
        for title in section.headers:
            heading.cell(title)
        for values in section.rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(2)


async def record_card_endpoint(request: Request) -> Response:
    """``GET /students/{number}/record-card.pdf``: the card, audited."""
    state: HubState = request.app.state.hub
    token = bearer(request.headers.get("authorization"))
    challenge = {"WWW-Authenticate": "Bearer"}
    if token is None:
        return _problem(401, "需要登录凭证。", "UNAUTHENTICATED", challenge)
    try:
        principal = read_token(token, state.settings.token_key)
        state.rate_limiter.check(principal.subject)
    except AuthError:
        return _problem(401, "登录凭证无效或已过期。", "UNAUTHENTICATED", challenge)
    except RateLimited as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return _problem(429, "请求过于频繁，请稍后再试。", "RATE_LIMITED", headers)
    ctx = RequestContext(
        principal=principal,
        sessionmaker=state.sessionmaker,
        crypto=state.crypto,
        request_id=uuid.uuid4().hex[:16],
        now=state.clock(),
        settings=state.settings,
    )
    try:
        return await _answer(ctx, request.path_params["number"])
    finally:
        await ctx.close()


async def _answer(ctx: RequestContext, number: str) -> Response:
    try:
        ctx.grant = await load_grant(ctx)
        card = await record_card(ctx, number)
        if card is None:
            return _problem(404, "未找到该对象。", "NOT_FOUND")
        pdf = await run_in_threadpool(render_record_card, card, find_font())
        # No audit, no card (第三十七条): written before the file leaves.
        await write_audit(ctx)
    except Forbidden as exc:
        return _problem(403, str(exc), "FORBIDDEN")
    except FontMissing:
        logger.error("record card unavailable: no CJK font installed")
        return _problem(503, "服务器未安装中文字体，暂不能导出学籍卡。", "UNAVAILABLE")
    except SQLAlchemyError:
        logger.exception("record card failed request_id=%s", ctx.request_id)
        body = {"code": "INTERNAL_ERROR", "requestId": ctx.request_id}
        return _problem(500, "服务器内部错误，请联系管理员并提供请求编号。", body)
    filename = f"record-card-{_SAFE_NAME.sub('', card.student_number)}.pdf"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


def _problem(
    status: int,
    message: str,
    code: str | dict[str, str],
    headers: dict[str, str] | None = None,
) -> Response:
    extensions = code if isinstance(code, dict) else {"code": code}
    body = {"errors": [{"message": message, "extensions": extensions}]}
    return JSONResponse(body, status_code=status, headers=headers)
