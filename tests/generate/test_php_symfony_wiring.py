"""Symfony wiring: GenesysOidcController goes beside the kept Zendesk action, its routes written the
way the old one was (#[Route] attributes or @Route annotations), authorize() behind the action's
guards (#[IsGranted] / @IsGranted on the method or its class, denyAccessUnlessGranted inside it)
with its claims; what the new controller cannot read makes the claims say nobody (ZG222); an action
with no login check gets a refusing authorize() and a TODO. The app runs for real in
tests/generated/test_php_symfony_run.py."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from wiring_support import DEPLOYMENT, ISSUER, after, assert_parses

from migrate.generate import config as cfg
from migrate.generate.run import generate
from migrate.lang.php import LANGUAGE
from migrate.scan import scan

PHP = shutil.which("php")
CONTROLLER = "src/Controller/GenesysOidcController.php"
HEAD = """<?php

namespace App\\Controller;

use Firebase\\JWT\\JWT;
use Symfony\\Bundle\\FrameworkBundle\\Controller\\AbstractController;
use Symfony\\Component\\HttpFoundation\\JsonResponse;
use Symfony\\Component\\Routing\\Annotation\\Route;
"""


def _site(tmp_path: Path, monkeypatch, controller: str) -> Path:
    root = tmp_path / "site"
    path = root / "src/Controller/ZendeskController.php"
    path.parent.mkdir(parents=True)
    path.write_text(HEAD + textwrap.dedent(controller))
    (root / "composer.json").write_text('{\n    "require": {\n        "php": ">=8.1",\n'
                                        '        "symfony/framework-bundle": "6.4.*"\n    }\n}\n')
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return root


def _generate(root: Path, cutover: bool = False):
    result = generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER),
                      cutover=cutover)
    for c in result.changes.changes:
        if c.after is not None and c.path.endswith(".php"):
            assert_parses("php", c.after)
            if PHP:
                lint = subprocess.run([PHP, "-l"], input=c.after, capture_output=True, text=True, timeout=30)
                assert lint.returncode == 0, (c.path, lint.stdout)
    return result


def _authorize(text: str) -> str:
    start = text.index("public function authorize(")
    return text[text.rfind("/**", 0, start):text.index("\n    }\n", start)]


def test_symfony_files_are_recognised_before_laravel():
    assert LANGUAGE.recognise(HEAD) == "symfony"
    assert LANGUAGE.recognise("<?php\nuse Illuminate\\Http\\Request;\nuse Symfony\\Component\\HttpFoundation\\"
                              "Response;\nclass A extends Controller {}\n") == "laravel"


def test_attribute_route_with_is_granted_and_a_class_prefix(tmp_path, monkeypatch):
    root = _site(tmp_path, monkeypatch, """
        use Symfony\\Component\\Security\\Http\\Attribute\\IsGranted;

        #[Route('/api')]
        class ZendeskController extends AbstractController
        {
            #[Route('/zendesk/jwt', name: 'zendesk_jwt', methods: ['GET'])]
            #[IsGranted('ROLE_CUSTOMER')]
            public function jwt(): JsonResponse
            {
                $user = $this->getUser();
                $token = JWT::encode(['external_id' => $user->getUserIdentifier(), 'name' => $user->getName()],
                                     getenv('ZENDESK_SECRET'), 'HS256');
                return $this->json(['jwt' => $token]);
            }
        }
        """)
    (signer,) = scan(str(root), jobs=1).inventory.signers
    result = _generate(root)
    (outcome,) = result.outcomes
    assert signer.signer.route == outcome.route == "GET /api/zendesk/jwt"  # scan and generate agree
    changed = after(result)
    old = changed["src/Controller/ZendeskController.php"]
    assert old.index("// TODO(migrate:ZG220)") < old.index("#[Route('/zendesk/jwt'")
    new = changed[CONTROLLER]
    assert "use Symfony\\Component\\Security\\Http\\Attribute\\IsGranted;" in new
    route = _authorize(new)
    assert "    #[Route('/oidc/authorize', name: 'genesys_oidc_authorize', methods: ['GET'])]\n" \
           "    #[IsGranted('ROLE_CUSTOMER')]\n" in route
    assert "if ($user === null) {" in route and "'sub' => (string) ($user->getUserIdentifier())," in route
    assert "use Firebase" not in new and '"ext-openssl": "*"' in changed["composer.json"]


def test_annotation_route_keeps_annotations_and_its_guard(tmp_path, monkeypatch):
    root = _site(tmp_path, monkeypatch, """
        use Sensio\\Bundle\\FrameworkExtraBundle\\Configuration\\IsGranted;

        class ZendeskController extends AbstractController
        {
            /**
             * Zendesk Messaging sign-in.
             *
             * @Route("/zendesk/jwt", name="zendesk_jwt", methods={"GET", "POST"})
             * @IsGranted("ROLE_USER")
             */
            public function jwt(): JsonResponse
            {
                $id = $this->getUser()->getUserIdentifier();
                return $this->json(['jwt' => JWT::encode(['external_id' => $id], getenv('ZENDESK_SECRET'), 'HS256')]);
            }
        }
        """)
    result = _generate(root)
    (outcome,) = result.outcomes
    assert outcome.route == "GET,POST /zendesk/jwt"
    changed = after(result)
    old = changed["src/Controller/ZendeskController.php"]
    assert old.index("// TODO(migrate:ZG220)") < old.index("/**\n     * Zendesk Messaging sign-in.")
    new = changed[CONTROLLER]
    assert "#[Route(" not in new and '@Route("/oidc/token", name="genesys_oidc_token", methods={"POST"})' in new
    route = _authorize(new)
    assert ' * @Route("/oidc/authorize", name="genesys_oidc_authorize", methods={"GET"})\n' \
           '     * @IsGranted("ROLE_USER")\n' in route
    assert "if ($this->getUser() === null) {" in route and "$id = $this->getUser()->getUserIdentifier();" in route


def test_no_login_check_and_the_old_class_constants_say_nobody(tmp_path, monkeypatch):
    root = _site(tmp_path, monkeypatch, """
        class ZendeskController extends AbstractController
        {
            private const GUEST = 'guest';

            #[Route('/zendesk/jwt', methods: ['GET'])]
            public function jwt(int $id): JsonResponse
            {
                return $this->json(['jwt' => JWT::encode(['external_id' => (string) $id, 'name' => self::GUEST],
                                                         getenv('ZENDESK_SECRET'), 'HS256')]);
            }
        }
        """)
    new = after(_generate(root))[CONTROLLER]
    route = _authorize(new)
    assert "public function authorize(Request $request): Response" in route  # $id is a route placeholder
    assert "// TODO(migrate:ZG223): the Zendesk token route GET /zendesk/jwt had no login check" in route
    assert "TODO(migrate:ZG222): `(string) $id` reads `$id`" in route
    assert "TODO(migrate:ZG222): `self::GUEST` reads `self::GUEST`" in route
    assert route.rstrip().endswith("return $this->answer($request, '/authorize', null);")


def test_cutover_of_an_action_never_wired_replaces_it_in_one_step(tmp_path, monkeypatch):
    root = _site(tmp_path, monkeypatch, """
        class ZendeskController extends AbstractController
        {
            #[Route('/', name: 'home')]
            public function home(): JsonResponse
            {
                return $this->json([]);
            }

            // Zendesk Messaging: signs the visitor in
            #[Route('/zendesk/jwt', methods: ['GET'])]
            public function jwt(): JsonResponse
            {
                $this->denyAccessUnlessGranted('ROLE_USER');
                $id = $this->getUser()->getUserIdentifier();
                return $this->json(['jwt' => JWT::encode(['external_id' => $id], getenv('ZENDESK_SECRET'), 'HS256')]);
            }
        }
        """)
    result = _generate(root, cutover=True)
    assert [o.status for o in result.outcomes] == ["cut"]
    changed = after(result)
    old = changed["src/Controller/ZendeskController.php"]
    assert "function jwt(" not in old and "Zendesk Messaging" not in old and "use Firebase" not in old
    assert "function home(" in old and "use Symfony\\Component\\Routing\\Annotation\\Route;" in old
    assert "$this->denyAccessUnlessGranted('ROLE_USER');" in _authorize(changed[CONTROLLER])


@pytest.mark.skipif(PHP is None, reason="php is not installed")
def test_fixture_site_second_run_after_apply_changes_nothing(tmp_path, monkeypatch):
    root = tmp_path / "site"
    shutil.copytree(Path(__file__).resolve().parents[1] / "generated" / "php" / "sites" / "symfony", root)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    _generate(root).changes.apply()
    again = _generate(root)
    assert again.changes.empty and [o.status for o in again.outcomes] == ["kept"]
