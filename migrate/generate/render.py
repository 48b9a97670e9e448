"""Rendering the jinja2 templates shipped in templates/."""

from __future__ import annotations

from functools import cache

import jinja2

from migrate.data import data_dir


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty string
        keep_trailing_newline=True,
        autoescape=False,  # code, not HTML
    )


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
