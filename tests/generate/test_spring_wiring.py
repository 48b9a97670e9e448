"""Spring Boot wiring: the controller that signed the Zendesk JWT gains a GenesysOidcController.Claims
method beside the endpoint (the old expressions, the old security annotations, the method's own
login checks); the endpoint stays with a TODO(migrate:ZG220) note until `--cutover` removes it (on
an endpoint never wired, the claims replace it in one step); GenesysOidcController is written next
to it, and pom.xml / build.gradle gain nimbus-jose-jwt.

Maven Central is out of reach here: the rewritten and new files are parsed with tree-sitter (no
ERROR nodes), compared with golden files, and read for the contract of the wiring."""

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from migrate.lang.java.frameworks.spring import gradle, pom

from conftest import FIXTURES, GOLDEN
from wiring_support import DEPLOYMENT, ISSUER, after, assert_parses, generate_site

from migrate.generate import config as cfg
from migrate.generate.run import generate

CONTROLLER = "src/main/java/com/example/shop/web/ZendeskController.java"
PROVIDER = "src/main/java/com/example/shop/web/GenesysOidcController.java"
SECURITY = "src/main/java/com/example/shop/web/GenesysOidcSecurity.java"
PAGE = """\
<!doctype html>
<html><body>
<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=5f1c2b8e-8d41-4b57-9f0e-3a6c1d2e4b7a"></script>
<script>
  zE('messenger', 'loginUser', function (callback) {
    fetch('/api/chat-token').then(function (res) { return res.text(); }).then(callback);
  });
</script>
</body></html>
"""


_generate, _after = generate_site, after
KEEP = "// TODO(migrate:ZG220): remove after cut-over: the Zendesk token route"


def _cutover(site: Path):
    return generate(site, cfg.load(site, region="eu-west-1", deployment_id=DEPLOYMENT, issuer=ISSUER), cutover=True)


def _parses(text: str) -> None:
    assert_parses("java", text)


@pytest.fixture
def site(tmp_path, monkeypatch):
    copy = tmp_path / "spring"
    shutil.copytree(FIXTURES / "sites" / "spring", copy)
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return copy


def test_cutover_of_an_endpoint_never_wired_matches_golden_files(site, update_golden):
    after = _after(_cutover(site))
    for name, key in (("ZendeskController.java", CONTROLLER), ("pom.xml", "pom.xml")):
        path = GOLDEN / "spring" / name
        if update_golden:
            path.write_text(after[key])
        assert after[key] == path.read_text(), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def test_changed_and_new_java_files_parse(site):
    result = _generate(site)
    java = [c for c in result.changes.changes if c.path.endswith(".java")]
    assert {c.path for c in java if c.new} == {PROVIDER, SECURITY}
    assert {c.path for c in java if not c.new} == {CONTROLLER}
    for c in java:
        _parses(c.after)
    assert not result.notes


def test_default_adds_the_claims_beside_the_endpoint_that_stays_as_it_was(site):
    result = _generate(site)
    before, controller = (site / CONTROLLER).read_text(), _after(result)[CONTROLLER]
    endpoint = before[before.index("    @GetMapping"):before.index("        return Map.of")]
    assert "    " + KEEP + " GET /zendesk/jwt is kept" in controller
    assert controller.index(KEEP) < controller.index(endpoint)  # right above its annotations, same indentation
    assert controller.split(endpoint)[0].rstrip().endswith("(`migrate generate --cutover` removes it)")
    assert "public class ZendeskController implements GenesysOidcController.Claims {" in controller
    method = controller[controller.index("    @Override"):]
    assert method.startswith("    @Override\n    @PreAuthorize(\"hasRole('CUSTOMER')\")\n"
                             "    public Map<String, Object> claims(HttpServletRequest request, Principal principal) {\n")
    assert 'claims.put("sub", String.valueOf(customer.getId()));' in method
    for kept in ("import io.jsonwebtoken.Jwts;", "import org.springframework.web.bind.annotation.GetMapping;"):
        assert kept in controller
    (outcome,) = result.outcomes
    line = next(n for n, text in enumerate(controller.split("\n"), 1) if "public Map<String, Object> claims(" in text)
    assert (outcome.status, outcome.route) == ("wired", "GET /zendesk/jwt")
    assert f"provider mounted at {CONTROLLER}:{line} (spring)" in outcome.text


def test_cutover_after_the_default_removes_the_endpoint_its_imports_and_its_library(site):
    _generate(site).changes.apply()
    kept, pom_kept = (site / CONTROLLER).read_text(), (site / "pom.xml").read_text()
    again = _generate(site)
    assert again.changes.empty and again.outcomes[0].status == "kept"
    result = _cutover(site)
    (outcome,) = result.outcomes
    assert outcome.status == "cut" and outcome.route == "GET /zendesk/jwt"
    after = _after(result)
    controller = after[CONTROLLER]
    _parses(controller)
    endpoint = kept[kept.index("    // Zendesk messaging: the JWT"):kept.index("    // Genesys Cloud Messenger signs")]
    imports = [f"import {name};\n" for name in ("io.jsonwebtoken.Jwts", "io.jsonwebtoken.security.Keys",
               "java.nio.charset.StandardCharsets", "java.time.Instant", "java.util.Date",
               "org.springframework.web.bind.annotation.GetMapping")]
    expected = kept.replace(endpoint, "")
    for line in imports:
        expected = expected.replace(line, "")
    assert controller == expected
    assert "io.jsonwebtoken" not in after["pom.xml"] and "nimbus-jose-jwt" in after["pom.xml"]
    assert pom_kept.count("<dependency>") - after["pom.xml"].count("<dependency>") == 3


def test_a_login_check_inside_the_endpoint_is_carried_into_the_claims(tmp_path, monkeypatch):
    site = _small_spring(tmp_path, monkeypatch, """
            @GetMapping("/api/chat-token")
            ResponseEntity<String> token(Principal principal) {
                if (principal == null) {
                    return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
                }
                String jwt = Jwts.builder().claim("external_id", principal.getName()).claim("name", principal.getName())
                        .signWith(key).compact();
                return ResponseEntity.ok(jwt);
            }
        """)
    controller = _after(_generate(site))["src/main/java/shop/ChatController.java"]
    _parses(controller)
    method = controller[controller.index("    @Override"):]
    assert ("    public Map<String, Object> claims(HttpServletRequest request, Principal principal) {\n"
            "        if (principal == null) {\n            return null;\n        }\n") in method


def test_a_parameter_the_provider_cannot_give_makes_the_claims_say_nobody(tmp_path, monkeypatch):
    site = _small_spring(tmp_path, monkeypatch, """
            @GetMapping("/api/chat-token")
            String token(@RequestParam String customerId) {
                return Jwts.builder().claim("external_id", customerId).claim("name", "Customer " + customerId)
                        .signWith(key).compact();
            }
        """)
    controller = _after(_generate(site))["src/main/java/shop/ChatController.java"]
    _parses(controller)
    method = controller[controller.index("    @Override"):]
    assert "// TODO(migrate:ZG222): `customerId` (external_id) reads `customerId`, unknown to the provider's" in method
    assert "        return null; // nobody is signed in until the claims are written\n    }" in method
    assert "claims.put(" not in method


def _small_spring(tmp_path, monkeypatch, method: str) -> Path:
    site = tmp_path / "small"
    src = site / "src/main/java/shop"
    src.mkdir(parents=True)
    (site / "src/main/resources/static").mkdir(parents=True)
    (site / "src/main/resources/static/index.html").write_text(PAGE)
    (site / "pom.xml").write_text("<project>\n    <dependencies>\n    </dependencies>\n</project>\n")
    (src / "ChatController.java").write_text(textwrap.dedent("""\
        package shop;

        import io.jsonwebtoken.Jwts;
        import java.security.Key;
        import java.security.Principal;
        import org.springframework.http.HttpStatus;
        import org.springframework.http.ResponseEntity;
        import org.springframework.web.bind.annotation.GetMapping;
        import org.springframework.web.bind.annotation.RequestParam;
        import org.springframework.web.bind.annotation.RestController;

        @RestController
        class ChatController {
            private Key key;

            // Zendesk messaging token
        """) + textwrap.indent(textwrap.dedent(method), "    ") + "}\n")
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    return site


def test_cutover_of_an_endpoint_never_wired_makes_it_the_claims_with_its_expressions_and_guard(site):
    controller = _after(_cutover(site))[CONTROLLER]
    assert "public class ZendeskController implements GenesysOidcController.Claims {" in controller
    assert '@GetMapping("/zendesk/jwt")' not in controller and "zendeskJwt" not in controller
    method = controller[controller.index("    @Override"):]
    assert method.startswith("    @Override\n    @PreAuthorize(\"hasRole('CUSTOMER')\")\n"
                             "    public Map<String, Object> claims(HttpServletRequest request, Principal principal) {\n")
    assert "        Customer customer = customers.findByUsername(principal.getName());\n" in method
    assert 'claims.put("sub", String.valueOf(customer.getId())); // external_id -> sub (zendesk-messaging.yaml:' in method
    assert 'claims.put("name", customer.getDisplayName());' in method
    assert 'claims.put("email", principal.getName());' in method
    assert 'claims.put("email_verified", true);' in method
    assert '"scope"' not in method and "expiration" not in method
    # the site has its own SecurityFilterChain: the provider's server-to-server endpoints get theirs
    assert "TODO(migrate:ZG225)" not in method
    security = _after(_cutover(site))[SECURITY]
    assert security.startswith("package com.example.shop.web;\n\nimport ")
    assert '@Order(Ordered.HIGHEST_PRECEDENCE)' in security and ".csrf(csrf -> csrf.disable())" in security
    assert 'http.securityMatcher("/oidc/.well-known/openid-configuration", "/oidc/jwks.json",\n' \
           '                        "/oidc/token", "/oidc/userinfo")' in security
    assert "/oidc/authorize" not in security.split("*/", 1)[1]  # the site's own rules apply there
    # the JWT library's imports are gone, the ones the new method needs are there
    for gone in ("io.jsonwebtoken", "java.time.Instant", "java.util.Date", "GetMapping", "StandardCharsets"):
        assert gone not in controller
    for kept in ("import jakarta.servlet.http.HttpServletRequest;", "import java.util.LinkedHashMap;",
                 "import java.security.Principal;", "import org.springframework.security.access.prepost.PreAuthorize;"):
        assert kept in controller


def test_provider_controller_next_to_it_in_its_package(site):
    provider = _after(_generate(site))[PROVIDER]
    assert provider.startswith("package com.example.shop.web;\n\nimport com.nimbusds.jose.JOSEException;\n")
    assert '@RequestMapping("/oidc")' in provider and "public GenesysOidcController(Claims claims" in provider


def test_pom_gains_nimbus_and_jedis(site):
    result = _generate(site)
    after, before = _after(result)["pom.xml"], (site / "pom.xml").read_text()
    block = ("        <dependency>\n            <groupId>com.nimbusds</groupId>\n"
             "            <artifactId>nimbus-jose-jwt</artifactId>\n            <version>10.10</version>\n"
             "        </dependency>\n"
             "        <dependency>\n            <groupId>redis.clients</groupId>\n"
             "            <artifactId>jedis</artifactId>\n            <version>6.0.0</version>\n"
             "        </dependency>\n")
    assert after == before.replace("    </dependencies>\n", block + "    </dependencies>\n")
    assert pom(after) is None


def test_diff_applies_with_git_and_a_second_run_changes_nothing(site, tmp_path):
    result = _generate(site)
    diff = result.changes.diff()
    assert f"+++ b/{PROVIDER}" in diff
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=copy, input=diff.encode(), capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    subprocess.run(["git", "apply", "-"], cwd=copy, input=diff.encode(), check=True)
    result.changes.apply()
    for path in (c.path for c in result.changes.changes):
        assert (copy / path).read_bytes() == (site / path).read_bytes(), path
    again = _generate(site)
    assert again.changes.empty and again.changes.diff() == ""
    assert not again.notes, "the generated provider is not taken for a Zendesk signer"


def test_gradle_site_with_authentication_principal_and_nimbus_signer(tmp_path, monkeypatch):
    site = tmp_path / "gradle"
    src = site / "src/main/java/shop"
    src.mkdir(parents=True)
    (site / "src/main/resources/static").mkdir(parents=True)
    (site / "src/main/resources/static/index.html").write_text(PAGE)
    (site / "build.gradle").write_text(textwrap.dedent("""\
        plugins {
            id 'java'
            id 'org.springframework.boot' version '3.3.5'
        }

        dependencies {
            implementation 'org.springframework.boot:spring-boot-starter-web'
        }
        """))
    (src / "ChatController.java").write_text(textwrap.dedent("""\
        package shop;

        import com.nimbusds.jose.JWSAlgorithm;
        import com.nimbusds.jose.JWSHeader;
        import com.nimbusds.jose.crypto.MACSigner;
        import com.nimbusds.jwt.JWTClaimsSet;
        import com.nimbusds.jwt.SignedJWT;
        import org.springframework.security.core.annotation.AuthenticationPrincipal;
        import org.springframework.web.bind.annotation.GetMapping;
        import org.springframework.web.bind.annotation.RestController;

        @RestController
        class ChatController {

            // Zendesk messaging token
            @GetMapping("/api/chat-token")
            String token(@AuthenticationPrincipal ShopUser user) throws Exception {
                JWTClaimsSet claims = new JWTClaimsSet.Builder()
                        .claim("external_id", user.id())
                        .claim("name", user.fullName())
                        .claim("email", user.email())
                        .build();
                SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
                jwt.sign(new MACSigner(System.getenv("ZENDESK_SECRET")));
                return jwt.serialize();
            }
        }
        """))
    monkeypatch.setenv("MIGRATE_SECRETS_DIR", str(tmp_path / "secrets"))
    result = _cutover(site)
    after = _after(result)
    assert not result.notes, result.notes
    controller = after["src/main/java/shop/ChatController.java"]
    _parses(controller)
    assert "class ChatController implements GenesysOidcController.Claims {" in controller
    assert "ShopUser user = (ShopUser) ((Authentication) principal).getPrincipal();" in controller
    assert 'claims.put("sub", String.valueOf(user.id()));' in controller
    assert "import org.springframework.security.core.Authentication;" in controller
    assert "com.nimbusds" not in controller and "GetMapping" not in controller
    assert after["build.gradle"].count("implementation 'com.nimbusds:nimbus-jose-jwt:10.10'\n") == 1
    assert after["build.gradle"].count("implementation 'redis.clients:jedis:6.0.0'\n") == 1
    assert after["src/main/java/shop/GenesysOidcController.java"].startswith("package shop;\n\n")
    jars = _java_jars()
    if shutil.which("javac") and jars:  # the cast of the principal and the override compile, with no warning
        out = tmp_path / "javac"
        for rel in ("src/main/java/shop/ChatController.java", "src/main/java/shop/GenesysOidcController.java"):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_text(after[rel])
        (out / "src/main/java/shop/ShopUser.java").write_text(
            "package shop;\n\nrecord ShopUser(long id, String fullName, String email) {\n}\n")
        proc = subprocess.run(["javac", "-Xlint:all", "-Xlint:-processing", "-Werror", "-d", str(tmp_path / "classes"),
                               "-cp", ":".join(map(str, jars)), *map(str, sorted(out.rglob("*.java")))],
                              capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def _java_jars() -> list[Path] | None:
    """The Spring, servlet, nimbus and Jedis jars in Maven's cache under .venv/m2 (None when one is missing)."""
    m2 = Path(__file__).resolve().parents[2] / ".venv" / "m2"
    names = ("spring-web-6.*.jar", "spring-context-6.*.jar", "spring-core-6.*.jar", "spring-beans-6.*.jar",
             "spring-jcl-6.*.jar", "spring-aop-6.*.jar", "spring-security-core-6.*.jar", "tomcat-embed-core-10.*.jar",
             "nimbus-jose-jwt-10.10.jar", "jedis-6.0.0.jar", "commons-pool2-2.*.jar", "slf4j-api-2.*.jar")
    found = [max(m2.rglob(name), default=None) for name in names]
    return None if None in found else found


def test_build_files_in_their_own_style():
    kts = 'dependencies {\n    implementation("org.springframework.boot:spring-boot-starter-web")\n}\n'
    assert gradle(kts) == ('dependencies {\n    implementation("redis.clients:jedis:6.0.0")\n'
                           '    implementation("com.nimbusds:nimbus-jose-jwt:10.10")\n'
                           '    implementation("org.springframework.boot:spring-boot-starter-web")\n}\n')
    assert gradle(gradle(kts)) is None
    bare = "<project>\n  <artifactId>a</artifactId>\n</project>\n"
    assert "<artifactId>nimbus-jose-jwt</artifactId>" in pom(bare)
    managed = ("<project>\n    <dependencyManagement>\n        <dependencies>\n        </dependencies>\n"
               "    </dependencyManagement>\n    <dependencies>\n        <dependency>\n"
               "            <artifactId>x</artifactId>\n        </dependency>\n    </dependencies>\n</project>\n")
    out = pom(managed)
    assert out.index("nimbus-jose-jwt") > out.index("</dependencyManagement>")
    assert out.index("<artifactId>jedis</artifactId>") > out.index("nimbus-jose-jwt")  # GENESYS_OIDC_STORE_URL
    assert "<version>6.0.0</version>" in out and pom(out) is None


def _secured_site(tmp_path, monkeypatch, method: str, chain: str | None, annotation: str = "") -> Path:
    """A Spring Security site (Boot 3) whose endpoint may carry an annotation; `chain` is the body of
    the site's SecurityFilterChain bean, or None for Spring Boot's default one."""
    site = _small_spring(tmp_path, monkeypatch, annotation + method)
    (site / "pom.xml").write_text("<project>\n    <dependencies>\n        <dependency>\n"
                                  "            <groupId>org.springframework.boot</groupId>\n"
                                  "            <artifactId>spring-boot-starter-security</artifactId>\n"
                                  "        </dependency>\n    </dependencies>\n</project>\n")
    if chain is not None:
        (site / "src/main/java/shop/SecurityConfig.java").write_text(textwrap.dedent("""\
            package shop;

            import org.springframework.context.annotation.Bean;
            import org.springframework.context.annotation.Configuration;
            import org.springframework.security.config.annotation.web.builders.HttpSecurity;
            import org.springframework.security.web.SecurityFilterChain;

            @Configuration
            class SecurityConfig {
                @Bean
                SecurityFilterChain security(HttpSecurity http) throws Exception {
                    http.authorizeHttpRequests(a -> a
            %s);
                    return http.build();
                }
            }
            """) % textwrap.indent(chain, " " * 16))
    return site


TOKEN = """
    @GetMapping("/api/chat-token")
    String token(Principal principal) {
        return Jwts.builder().claim("external_id", principal.getName()).claim("name", principal.getName())
                .signWith(key).compact();
    }
"""
REFUSES = "        boolean loginChecked = false;\n        if (!loginChecked) {\n            return null;\n        }\n"


@pytest.mark.parametrize("chain, annotation, checked", [
    ('.requestMatchers("/api/**").authenticated()\n.anyRequest().permitAll()', "", True),
    ('.requestMatchers("/", "/api/chat-*").permitAll()\n.anyRequest().authenticated()', "", False),
    (".anyRequest().permitAll()", "", False),
    (".anyRequest().permitAll()", '@PreAuthorize("isAuthenticated()")', True),
    (".anyRequest().permitAll()", '@Secured("ROLE_USER")', True),
])
def test_an_endpoint_without_a_login_check_gets_claims_that_refuse(tmp_path, monkeypatch, chain, annotation,
                                                                    checked):
    site = _secured_site(tmp_path, monkeypatch, TOKEN, chain, annotation)
    result = _generate(site)
    controller = _after(result)["src/main/java/shop/ChatController.java"]
    _parses(controller)
    method = controller[controller.index("    @Override"):]
    assert (REFUSES in method) is not checked
    assert ("TODO(migrate:ZG223): the Zendesk endpoint GET /api/chat-token had no login check" in method) \
        is not checked
    # the claims are all there, for when a login check guards them
    assert 'claims.put("sub", String.valueOf(principal.getName()));' in method and "        return claims;\n" in method
    assert "src/main/java/shop/GenesysOidcSecurity.java" in _after(result)


def test_spring_security_without_a_chain_of_the_site_keeps_the_advice(tmp_path, monkeypatch):
    """A chain of ours would switch Spring Boot's default one off (everything behind a login): the claims
    say what to permit instead, and no security class is written."""
    site = _secured_site(tmp_path, monkeypatch, TOKEN, None, '@PreAuthorize("isAuthenticated()")')
    after = _after(_generate(site))
    assert "src/main/java/shop/GenesysOidcSecurity.java" not in after
    method = after["src/main/java/shop/ChatController.java"].split("    @Override", 1)[1]
    assert 'csrf.ignoringRequestMatchers("/oidc/token")' in method and REFUSES not in method
