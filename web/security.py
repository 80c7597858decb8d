"""Security headers on every response: a strict Content-Security-Policy and its companions.

The policy lets pages run only scripts served by this app (``/static/dashboard.js`` and the
vendored Plotly): there is no inline script, event-handler attribute or ``javascript:`` URL in
any template, and nothing is loaded from another origin. Styles allow ``'unsafe-inline'``
because Plotly draws its charts with ``<style>`` elements and ``style`` attributes (measured:
without it Chromium blocks both and the chart loses its hover labels' layout); the templates
themselves use none. Plotly needs no ``'unsafe-eval'`` for the bar and scatter traces used here.
The other headers stop MIME sniffing, framing (clickjacking), referrers leaking the
tracker's URLs to article sites, and cross-origin windows keeping a handle on ours.

It does not authenticate (``web.auth``) or escape anything (Jinja's autoescaping does).
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # Plotly's injected styles, see above
    "img-src 'self' data:",  # the empty favicon and Plotly's image export are data: URLs
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def install(app: Flask) -> None:
    app.after_request(add_security_headers)
