"""Java where no framework is recognised (a plain servlet here): the standalone provider.

GenesysOidcServlet is written next to the signing code, GenesysClaims computes the claims from the
signing code's own expressions rebound to the request (its session, its login check), the build
file gains nimbus-jose-jwt, and a TODO(migrate:ZG221) above the signing code says how to map it;
nothing is removed. Where javac and the jars of Maven's cache are here, the two new classes compile."""

import subprocess
import shutil
import textwrap
from pathlib import Path

import pytest

from wiring_support import after, assert_parses, generate_site

ROOT = Path(__file__).resolve().parent.parent.parent
M2 = ROOT / ".venv" / "m2"
PKG = "src/main/java/shop/chat"
PAGE = """\
<!doctype html>
<html><body>
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=5f1c2b8e-8d41-4b57-9f0e-3a6c1d2e4b7a"></script>
<script>
  zE('messenger', 'loginUser', function (callback) {
    fetch('/zendesk/token').then(function (res) { return res.text(); }).then(callback);
  });
</script>
</body></html>
"""
SERVLET = """\
package shop.chat;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Zendesk messaging: the JWT the widget's loginUser callback asks for. */
public class ZendeskTokenServlet extends HttpServlet {

    private final String secret = System.getenv("ZENDESK_SECRET");

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession(false);
        Customer customer = session == null ? null : (Customer) session.getAttribute("customer");
        if (customer == null) {
            resp.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        String token = Jwts.builder()
                .claim("external_id", customer.id())
                .claim("name", customer.name())
                .claim("email", customer.email())
                .signWith(Keys.hmacShaKeyFor(secret.getBytes(StandardCharsets.UTF_8)))
                .compact();
        resp.getWriter().write(token);
    }
}
"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    root = tmp_path / "servlet"
    (root / PKG).mkdir(parents=True)
    (root / "src/main/webapp").mkdir(parents=True)
    (root / "src/main/webapp/index.html").write_text(PAGE)
    (root / "pom.xml").write_text("<project>\n    <dependencies>\n    </dependencies>\n</project>\n")
    (root / PKG / "ZendeskTokenServlet.java").write_text(SERVLET)
    (root / PKG / "Customer.java").write_text("package shop.chat;\n\npublic record Customer(long id, String name, "
                                             "String email) implements java.io.Serializable {\n}\n")
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return root


def test_standalone_servlet_provider_and_claims_beside_the_signer(site):
    result = generate_site(site)
    (outcome,) = result.outcomes
    assert outcome.status == "standalone" and "framework not recognised" in outcome.text
    files = after(result)
    assert {c.path for c in result.changes.changes if c.new} == {f"{PKG}/GenesysOidcServlet.java",
                                                                 f"{PKG}/GenesysClaims.java"}
    for path, text in files.items():
        if path.endswith(".java"):
            assert_parses("java", text)
    # nothing removed: one TODO line above the signing method's piece
    servlet = files[f"{PKG}/ZendeskTokenServlet.java"]
    note = next(line for line in servlet.split("\n") if "TODO(migrate:ZG221)" in line)
    assert servlet.replace(note + "\n", "") == SERVLET
    assert note.startswith("    // TODO(migrate:ZG221): mount the sign-in provider from "
                           f"{PKG}/GenesysOidcServlet.java (new GenesysOidcServlet(new GenesysClaims()) at /oidc/*)")
    claims = files[f"{PKG}/GenesysClaims.java"]
    body = claims[claims.index("    public Map<String, Object> claims(HttpServletRequest request) {"):]
    assert body.startswith("    public Map<String, Object> claims(HttpServletRequest request) {\n"
                           "        HttpServletRequest req = request;\n"
                           "        HttpSession session = req.getSession(false);\n"
                           "        Customer customer = session == null ? null : (Customer) session.getAttribute(\"customer\");\n"
                           "        if (customer == null) {\n            return null;\n        }\n")
    assert 'claims.put("sub", String.valueOf(customer.id()));' in body and "ZG222" not in claims
    assert "import jakarta.servlet.http.HttpSession;" in claims and "io.jsonwebtoken" not in claims
    assert "<artifactId>nimbus-jose-jwt</artifactId>" in files["pom.xml"]
    result.changes.apply()
    again = generate_site(site)
    assert again.changes.empty and again.outcomes[0].status == "standalone"


def test_a_name_the_request_cannot_give_makes_the_claims_say_nobody(site):
    (site / PKG / "ZendeskTokenServlet.java").write_text(SERVLET.replace(
        '.claim("name", customer.name())', '.claim("name", customer.name()).claim("locale", secret)'))
    claims = after(generate_site(site))[f"{PKG}/GenesysClaims.java"]
    assert_parses("java", claims)
    assert "// TODO(migrate:ZG222): `secret` (locale) reads `secret`, unknown to the provider's request" in claims
    assert "        return null; // nobody is signed in until the claims are written\n    }" in claims


def test_the_new_classes_compile(site, tmp_path):
    jars = [next(M2.rglob(name), None) for name in ("tomcat-embed-core-*.jar", "nimbus-jose-jwt-10.10.jar",
                                                    "jedis-6.0.0.jar", "commons-pool2-2.*.jar")]
    if shutil.which("javac") is None or None in jars:
        pytest.skip("javac or the servlet API, nimbus and Jedis jars (Maven's cache under .venv/m2) are not here")
    files = after(generate_site(site))
    out = tmp_path / "src"
    for rel in (f"{PKG}/GenesysOidcServlet.java", f"{PKG}/GenesysClaims.java"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(files[rel])
    shutil.copy(site / PKG / "Customer.java", out / PKG / "Customer.java")
    proc = subprocess.run(["javac", "-Xlint:all", "-Xlint:-serial", "-Werror", "-d", str(tmp_path / "classes"),
                           "-cp", ":".join(map(str, jars)), *map(str, sorted(out.rglob("*.java")))],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
