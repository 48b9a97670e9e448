"""gorilla/mux: the provider is a prefix route on the top router, ``r.PathPrefix("/oidc/").Handler(...)``
(``Handle("/oidc/", ...)`` would match that one path), beside the Zendesk route; a route on a
subrouter (``s := r.PathPrefix("/zendesk").Subrouter(); s.Use(requireLogin)``) gives the provider
the subrouter's middleware as its guard, not its prefix.  The wiring is the Go one (gohttp)."""

from migrate.lang.go.frameworks.gohttp import wire

__all__ = ["wire"]
