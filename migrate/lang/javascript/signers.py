"""JWT signing code in JavaScript and TypeScript, through the libraries in ``libraries/``
(jsonwebtoken, jose, jwt-simple, njwt, jsrsasign, WebCrypto and Node HMAC by hand).

``extract(src)`` finds every call that signs a token and reports it as a ``Signer``: claims
as written, the header, the algorithm, the key's origin (never its value), the times the
library adds itself (``expiresIn``, ``setIssuedAt()``), and how the token is sent.
"""

from __future__ import annotations

from migrate.extract.base import Found, Source
from migrate.extract.treesitter import Doc
from migrate.lang.javascript import libraries, routes
from migrate.lang.javascript.context import Parts, Site, signer
from migrate.lang.javascript.imports import collect
from migrate.lang.javascript.values import JsFile


def _find(f: JsFile) -> list[Parts]:
    """Every library's signing calls; a library a file cannot use (none of its words) is skipped."""
    text = f.src.text
    used = [lib for lib in libraries.all_libraries() if any(w in text for w in lib.WORDS)]
    if not used:
        return []
    imports = collect(f, used)
    return [parts for lib in used for parts in lib.find(f, imports)]


def extract(src: Source) -> Found:
    found = Found()
    if not any(word in src.text for word in libraries.words()):
        return found  # files that cannot sign are not parsed
    grammar = src.language if src.language in ("javascript", "typescript", "tsx") else "javascript"
    doc = Doc.parse(grammar, src.data)
    if doc.root.has_error:
        found.syntax_error(src, doc.first_error())
    f = JsFile(src, grammar, doc)
    parts = _find(f)
    if parts:  # file-wide facts only when there is something to describe
        site = Site(f)
        found.browser = site.browser
        found.signers += [signer(site, p, routes.of(src.path, doc, p.call.start_byte)) for p in parts]
    return found
