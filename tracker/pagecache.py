"""Pages remembered as rendered, per viewer, until any data they show changes.

Why. Under 20 concurrent clients on two cores a page's p95 is about ten times
its CPU time, so a page within 10× of a bare Flask page must cost about as
little as the login check and one template. At national scale the styrkort,
effect-goal, funds and compliance pages compute over 300 organisations (the
styrkort page's masking alone decides over every organisation's figures), so
what is remembered is the whole rendered answer, the way the overview
remembers its main block (tracker.followup.cache).

Exactness. The key holds the pages' data version (tracker.followup.freshness,
area PAGES), read in one query before the view runs; every write to a table a
page shows moves it on in the write's own transaction, so an answer remembered
under a version was computed from data at least that new, and the first
request after a write computes afresh. Everything else an answer depends on is
in the key: the viewer (their id: role, organisations and masking follow from
their rows, which are data), the path with its query string, the htmx headers
that choose a fragment, the language, the time zone, today's date, the host and
the path the app is served under. Only GET answers with status 200 and HTML
are remembered, never an error or a redirect; a request with flashed messages
waiting is computed afresh (the messages are shown once). A view may add to
the key (`vary`): the start page adds the session and the minute, since its
"since your last visit" starts at the viewer's other session's last activity
(a table no page shows) and its scheduler list counts from now; with two
sessions of one viewer open at once, that start can be a minute old.

The viewer's session is not in the key: the CSRF token is. Pages are rendered
with a stand-in where csrf_token() is called and each answer gets its own
session's token put in; an answer that holds the real token some other way
(a form rendering its own hidden field) is not remembered.

Bounds: each app process keeps at most MAX_BYTES of answers, least recently
used first out (the funds year page at 300 organisations is about 1 MB).
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import wraps

from flask import Response, current_app, g, make_response, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from tracker.clock import today
from tracker.db import get_session
from tracker.followup.cache import ResultCache
from tracker.followup.freshness import PAGES, read_version

CACHE_KEY = "tracker.pagecache"
MAX_BYTES = 64 * 1024 * 1024
CSRF_STAND_IN = "tracker-csrf-stand-in-7f3c9a"
_RENDERING = "tracker_pagecache_rendering"
FRAGMENT_HEADERS = ("HX-Request", "HX-Target", "HX-Trigger", "HX-Boosted", "HX-History-Restore-Request")


def csrf_token() -> str:
    """The templates' csrf_token(): the stand-in while a page is rendered to be remembered."""
    return Markup(CSRF_STAND_IN) if g.get(_RENDERING) else generate_csrf()


def page_cache() -> ResultCache:
    """The current app's remembered pages: (body, headers) per key, None for an answer not to remember."""
    return ResultCache.of_app(CACHE_KEY, max_entries=MAX_BYTES,
                              weight=lambda answer: 1 if answer is None else len(answer[0]))


def remembered(view: Callable | None = None, *, vary: Callable[[], Hashable] | None = None) -> Callable:
    """Remember the view's answers per viewer until the pages' data version moves on (see the module).

    `vary` adds what else the view's answer depends on (the start page: the session and the minute).
    """
    if view is None:
        return lambda view: remembered(view, vary=vary)

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET" or not current_user.is_authenticated or session.get("_flashes"):
            return view(*args, **kwargs)
        version = read_version(get_session(), PAGES)
        if version is None:
            return view(*args, **kwargs)
        key = (version, current_user.id, request.full_path, request.host_url, request.script_root,
               *(request.headers.get(h) for h in FRAGMENT_HEADERS), str(get_locale()), str(get_timezone()),
               today(), vary() if vary else None)
        fresh: list[Response] = []

        def compute():
            response = _render_with_stand_in(view, args, kwargs)
            fresh.append(response)
            return _rememberable(response)

        answer = page_cache().get_or_compute(key, compute)
        if answer is None:  # not a page to remember: the answer as it was made
            return _with_token(fresh[0]) if fresh else view(*args, **kwargs)
        body, headers = answer
        return Response(body.replace(CSRF_STAND_IN, generate_csrf()), headers=headers)

    return wrapper


def _render_with_stand_in(view: Callable, args, kwargs) -> Response:
    setattr(g, _RENDERING, True)
    try:
        return make_response(view(*args, **kwargs))
    finally:
        setattr(g, _RENDERING, False)


def _rememberable(response: Response) -> tuple[str, list] | None:
    if response.status_code != 200 or response.mimetype != "text/html" or response.direct_passthrough:
        return None
    body = response.get_data(as_text=True)
    real = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if real and real in body:  # a token rendered past the stand-in belongs to this session alone
        return None
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("set-cookie", "content-length")]
    return body, headers


def _with_token(response: Response) -> Response:
    if response.mimetype == "text/html" and not response.direct_passthrough:
        body = response.get_data(as_text=True)
        if CSRF_STAND_IN in body:
            response.set_data(body.replace(CSRF_STAND_IN, generate_csrf()))
    return response
