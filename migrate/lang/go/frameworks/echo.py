"""echo: ``e.GET("/zendesk/jwt", handler, middleware...)`` (the handler first) gets the provider's
routes beside it on the top echo instance, with the route's and its group's middleware on
/authorize and the echo.Context handed to the claims function (genesysoidc.ContextKey).
The wiring is the Go one (gohttp)."""

from migrate.lang.go.frameworks.gohttp import wire

__all__ = ["wire"]
