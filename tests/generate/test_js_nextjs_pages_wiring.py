"""Next.js Pages Router API routes: the provider's catch-all route beside the kept one, in the
route's language, under /api (with a rewrite from the issuer path, added to next.config.js or a new
one, or a ZG221 TODO when the config already rewrites), and the cut-over of the old route."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from wiring_support import DEPLOYMENT, after, assert_parses, generate_site

from migrate.generate import config as cfg
from migrate.generate.run import generate
from migrate.scan import scan


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))


def _site(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "package.json").write_text('{"name": "shop", "dependencies": {"jsonwebtoken": "^9.0.3", "next": "^14"}}\n')
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip("\n"))
    return root


TS_ROUTE = """
import type { NextApiRequest, NextApiResponse } from 'next';
import jwt from 'jsonwebtoken';
import { getServerSession } from 'next-auth/next';
import { authOptions } from '../auth/[...nextauth]';

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const session = await getServerSession(req, res, authOptions);
  if (!session?.user) return res.status(401).end();
  res.json({ token: jwt.sign({ external_id: session.user.id, email: session.user.email }, process.env.ZD_SECRET!) });
}
"""


def test_typescript_api_route_under_src_pages_with_an_api_issuer(tmp_path):
    root = _site(tmp_path, {"src/pages/api/zendesk/token.ts": TS_ROUTE})
    result = generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT,
                                     issuer="https://shop.example.com/api/oidc"))
    files = after(result)
    route = files["src/pages/api/oidc/[...oidc].ts"]
    assert_parses("typescript", route)
    assert "import type { NextApiRequest } from 'next';" in route
    assert "import { getServerSession } from 'next-auth/next';" in route
    assert "import { authOptions } from '../auth/[...nextauth]';" in route  # moved relative to the new folder
    assert "import { createNextApiHandler } from '../../../lib/genesys-oidc-provider.cjs';" in route
    # `res` is not the provider's: the session lookup that needs it makes the claims say nobody
    assert "TODO(migrate:ZG222)" in route and "`res`" in route
    assert "src/lib/genesys-oidc-provider.d.cts" in files
    assert not any(p.startswith("next.config") for p in files)  # /api/oidc is served as it is
    (outcome,) = result.outcomes
    (signer,) = [s for s in scan(str(root), jobs=1).inventory.signers if s.purpose == "zendesk"]
    assert outcome.route == signer.signer.route == "* /api/zendesk/token"


def test_a_site_without_next_config_gets_one_with_the_rewrite(tmp_path):
    root = _site(tmp_path, {"pages/api/zendesk/jwt.js": """
        const jwt = require('jsonwebtoken');
        const { withSession } = require('../../../lib/session');

        async function handler(req, res) {
          res.json({ token: jwt.sign({ external_id: req.session.user.id }, process.env.ZD_SECRET) });
        }

        export default withSession(handler);
        """})
    files = after(generate_site(root))
    assert 'module.exports = {\n  async rewrites() {\n    return [{ source: "/oidc/:path*", destination: ' \
           '"/api/oidc/:path*" }];\n  },\n};\n' in files["next.config.js"]
    route = files["pages/api/oidc/[...oidc].js"]
    assert_parses("javascript", route)
    assert "  claims: (req) => ({\n    sub: String(req.session.user.id)," in route
    assert "TODO(migrate:ZG223): the old route had no login check" in route  # refusing guard, parses
    old = files["pages/api/zendesk/jwt.js"]
    assert old.index("TODO(migrate:ZG220)") < old.index("async function handler(req, res)")


def test_a_config_that_rewrites_already_gets_a_todo(tmp_path):
    root = _site(tmp_path, {
        "next.config.mjs": "export default { async rewrites() { return []; } };\n",
        "pages/api/zendesk/jwt.js": """
            import jwt from 'jsonwebtoken';
            export default function handler(req, res) {
              res.json({ token: jwt.sign({ external_id: req.user.id }, process.env.ZD_SECRET) });
            }
            """})
    result = generate_site(root)
    files = after(result)
    assert "next.config.mjs" not in files
    route = files["pages/api/oidc/[...oidc].js"]
    assert "// TODO(migrate:ZG221): add the rewrite { source: \"/oidc/:path*\", destination: \"/api/oidc/:path*\" } " \
           "to next.config.mjs" in route
    assert_parses("javascript", route)


def test_cutover_in_one_step_keeps_a_file_that_holds_more(tmp_path):
    root = _site(tmp_path, {"pages/api/zendesk/jwt.js": """
        import jwt from 'jsonwebtoken';
        import { requireUser } from '../../../lib/auth';

        export function ping() {
          return 'pong';
        }

        // Zendesk token.
        export default async function handler(req, res) {
          const user = await requireUser(req, res);
          res.json({ token: jwt.sign({ external_id: user.id }, process.env.ZD_SECRET) });
        }
        """})
    result = generate(root, cfg.load(root, region="eu-west-1", deployment_id=DEPLOYMENT,
                                     issuer="https://shop.example.com/oidc"), cutover=True)
    files = after(result)
    old = files["pages/api/zendesk/jwt.js"]
    assert "export function ping()" in old and "jwt" not in old and "requireUser" not in old and "Zendesk" not in old
    assert "It replaces the Zendesk token route * /api/zendesk/jwt." in files["pages/api/oidc/[...oidc].js"]
    assert [o.status for o in result.outcomes] == ["cut"]
