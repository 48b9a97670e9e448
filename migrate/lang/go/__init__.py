"""Go: golang-jwt (and its forks); net/http, chi and gin."""

import re

from migrate.lang import Framework, Language

LANGUAGE = Language(
    name="go",
    extensions={".go": "go"},
    needles=(b"wt", b"WT"),
    gate=(),
    libraries=("golang-jwt",),
    frameworks=(Framework("gohttp", re.compile(r"\"net/http\"|github\.com/(go-chi/chi|gin-gonic/gin)")),),
    now="time.Now().Unix()",
    now_plus_5_min="time.Now().Add(5 * time.Minute).Unix()",
    to_string="strconv.FormatInt(int64({}), 10)",
)
