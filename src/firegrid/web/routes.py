"""Web pages (server-rendered, vendored JS; no CDN at run time).

``/`` opens the last district viewed (cookie) or the first one; ``/d/{code}`` is a district's
dashboard, ``/d/{code}/siting`` its station-siting page and ``/d/{code}/supervision`` its
supervision & records page (draws, hazards, credit, 四率, water, equipment, training). The
language is ``?lang=zh|en``, remembered in a cookie. Pages read the database through the same
queries and services as the API; the page's JavaScript draws the map and the chart and fetches
the indicator, data-quality, coverage, siting, risk and supervision results from the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from firegrid import __version__
from firegrid.accounts.models import User
from firegrid.api.deps import ANONYMOUS, DbDep, OptionalUser
from firegrid.api.errors import status_for
from firegrid.config import get_settings
from firegrid.db.session import Database
from firegrid.districts.queries import DistrictOverview
from firegrid.errors import NotFoundError
from firegrid.web import format as fmt
from firegrid.web.i18n import DEFAULT_LANG, LANG_COOKIE, LANGS, Lang, parse_lang, t
from firegrid.web.pages import dashboard, district_choices, siting_page, supervision_page

__all__ = ["DISTRICT_COOKIE", "router", "templates"]

_HERE = Path(__file__).resolve().parent
#: Cookie remembering the district last viewed, so ``/`` returns to it.
DISTRICT_COOKIE = "firegrid_district"
_YEAR_SECONDS = 365 * 24 * 3600

templates = Jinja2Templates(directory=_HERE / "templates")
templates.env.filters.update(
    integer=fmt.integer, money=fmt.money, rate=fmt.rate, wan=fmt.wan, decimal=fmt.decimal
)

# Keep the key order of the page's JSON (legend and table order), unlike Jinja's default.
templates.env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}

router = APIRouter(include_in_schema=False)
router.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

LangQuery = Annotated[str | None, Query(alias="lang", max_length=8)]
YearQuery = Annotated[int | None, Query(ge=1900, le=2200)]


def _lang(request: Request, asked: str | None) -> Lang:
    return (
        parse_lang(asked)
        or parse_lang(request.cookies.get(LANG_COOKIE))
        or parse_lang(get_settings().default_language)
        or DEFAULT_LANG
    )


def _csp(tile_url: str) -> str:
    """Content-Security-Policy: the page may load nothing but this server (and its tiles)."""
    img = "'self' data:"
    if tile_url:
        parts = urlsplit(tile_url)
        host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
        img += f" {parts.scheme}://{host}" if parts.scheme else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {img}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def _render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    lang: Lang,
    asked_lang: str | None,
    status_code: int = 200,
) -> HTMLResponse:
    def tr(key: str, **values: object) -> str:
        return t(key, lang, **values)

    settings = get_settings()
    response = templates.TemplateResponse(
        request,
        template,
        {
            **context,
            "lang": lang,
            "langs": LANGS,
            "t": tr,
            "version": __version__,
            "lang_url": lambda code: str(request.url.include_query_params(lang=code)),
        },
        status_code=status_code,
    )
    if parse_lang(asked_lang):
        response.set_cookie(
            LANG_COOKIE, lang, max_age=_YEAR_SECONDS, path="/", samesite="lax", httponly=True
        )
    response.headers["Content-Security-Policy"] = _csp(settings.tile_url)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    db: DbDep,
    lang: LangQuery = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Open the chosen, the last viewed or the first district's dashboard."""
    with db.session(actor=ANONYMOUS) as session:
        codes = [o.district.code for o in district_choices(session)]
    if not codes:
        chosen = _lang(request, lang)
        return _render(request, "empty.html", {"districts": []}, lang=chosen, asked_lang=lang)
    remembered = request.cookies.get(DISTRICT_COOKIE)
    code = district or (remembered if remembered in codes else codes[0])
    target = f"/d/{quote(code, safe='')}"
    if parse_lang(lang):
        target += f"?lang={parse_lang(lang)}"
    return RedirectResponse(target, status_code=303)


def _not_found(
    request: Request,
    exc: NotFoundError,
    districts: list[DistrictOverview],
    *,
    lang: Lang,
    asked_lang: str | None,
) -> HTMLResponse:
    status, _slug = status_for(exc)
    return _render(
        request,
        "error.html",
        {"districts": districts, "title_key": "not_found_title", "detail": str(exc)},
        lang=lang,
        asked_lang=asked_lang,
        status_code=status,
    )


def _remember_district(response: Response, code: str) -> None:
    response.set_cookie(
        DISTRICT_COOKIE, code, max_age=_YEAR_SECONDS, path="/", samesite="lax", httponly=True
    )


def _district_page(
    request: Request,
    db: Database,
    code: str,
    *,
    asked_lang: str | None,
    user: User | None,
    template: str,
    nav: str,
    build: Callable[[Session, Lang], object],
) -> Response:
    """Render one of district ``code``'s pages, gathered by ``build(session, lang)``."""
    chosen = _lang(request, asked_lang)
    with db.session(actor=ANONYMOUS) as session:
        districts = district_choices(session)
        try:
            page = build(session, chosen)
        except NotFoundError as exc:
            return _not_found(request, exc, districts, lang=chosen, asked_lang=asked_lang)
    response = _render(
        request,
        template,
        {"districts": districts, "page": page, "user": user, "nav": nav},
        lang=chosen,
        asked_lang=asked_lang,
    )
    _remember_district(response, code)
    return response


@router.get("/d/{code}", response_class=HTMLResponse)
def district_dashboard(
    code: str,
    request: Request,
    db: DbDep,
    user: OptionalUser,
    lang: LangQuery = None,
    year: YearQuery = None,
) -> Response:
    """Show a district's dashboard: map, indicators, fire statistics and data quality."""
    return _district_page(
        request,
        db,
        code,
        asked_lang=lang,
        user=user,
        template="dashboard.html",
        nav="dashboard",
        build=lambda session, chosen: dashboard(
            session, code, lang=chosen, year=year, user=user, settings=get_settings()
        ),
    )


@router.get("/d/{code}/siting", response_class=HTMLResponse)
def district_siting(
    code: str,
    request: Request,
    db: DbDep,
    user: OptionalUser,
    lang: LangQuery = None,
) -> Response:
    """Show a district's station-siting page: models, parameters, results on the map."""
    return _district_page(
        request,
        db,
        code,
        asked_lang=lang,
        user=user,
        template="siting.html",
        nav="siting",
        build=lambda session, chosen: siting_page(
            session, code, lang=chosen, settings=get_settings()
        ),
    )


@router.get("/d/{code}/supervision", response_class=HTMLResponse)
def district_supervision(
    code: str,
    request: Request,
    db: DbDep,
    user: OptionalUser,
    lang: LangQuery = None,
) -> Response:
    """Show a district's supervision & records page: draws, hazards, credit, rates, records."""
    return _district_page(
        request,
        db,
        code,
        asked_lang=lang,
        user=user,
        template="supervision.html",
        nav="supervision",
        build=lambda session, chosen: supervision_page(
            session, code, lang=chosen, user=user, settings=get_settings()
        ),
    )
