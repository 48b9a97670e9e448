"""Serves the shop with the standard library's WSGI server (behind the proxy in production)."""

import os
from wsgiref.simple_server import WSGIRequestHandler, make_server

from app import application


class Handler(WSGIRequestHandler):
    def log_request(self, *args):
        pass  # the proxy logs requests


if __name__ == "__main__":
    server = make_server("127.0.0.1", int(os.environ.get("PORT", "8000")), application, handler_class=Handler)
    server.serve_forever()
