"""Go: golang-jwt (and its forks); net/http, chi, gin, gorilla/mux and echo."""

import re

from migrate.lang import Framework, Language

LANGUAGE = Language(
    name="go",
    extensions={".go": "go"},
    needles=(b"wt", b"WT"),
    gate=(),
    libraries=("golang-jwt",),
    # First match wins: a gorilla or echo file imports net/http too.
    frameworks=(Framework("gorillamux", re.compile(r"\"github\.com/gorilla/mux\"")),
                Framework("echo", re.compile(r"\"github\.com/labstack/echo(/v4)?\"")),
                Framework("gohttp", re.compile(r"\"net/http\"|github\.com/(go-chi/chi|gin-gonic/gin)"))),
    now="time.Now().Unix()",
    now_plus_5_min="time.Now().Add(5 * time.Minute).Unix()",
    to_string="strconv.FormatInt(int64({}), 10)",
)
