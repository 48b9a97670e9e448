"""PHP: firebase/php-jwt; Symfony, Laravel and plain PHP.  PHP files are pages too."""

import re

from migrate.lang import Framework, Language

LANGUAGE = Language(
    name="php",
    extensions={".php": "php"},
    needles=(),  # PHP files are pages too: the walk's full needle set applies
    gate=(),
    libraries=("php-jwt",),
    frameworks=(
        # Symfony first: Laravel apps use Symfony components too, but never its Route or its controller base.
        Framework("symfony", re.compile(r"Symfony\\Component\\Routing\\(Annotation|Attribute)\\Route\b|"
                                        r"Symfony\\Bundle\\FrameworkBundle\\Controller\\AbstractController\b")),
        Framework("laravel", re.compile(r"Illuminate\\|extends\s+Controller\b|Route::")),
        Framework("php", re.compile(r"")),
    ),
    now="time()",
    now_plus_5_min="time() + 300",
    to_string="(string) {}",
    pages=True,
)
