"""What a token is for, judged from its own function, claims and destination (stage API)."""

import pytest

from migrate.scan import scan

from conftest import FIXTURES

CLEAN = FIXTURES / "clean"


@pytest.fixture(scope="module")
def clean():
    return scan(str(CLEAN), jobs=1).inventory


# file -> what the ignored signers' reasons must say, in order of line
IGNORED = {
    "support_sso.js": ["Support SSO"],
    "support_sso.py": ["Support SSO"],
    "support_sso.rb": ["Support SSO"],
    "support_sso.go": ["Support SSO"],
    "support_sso.php": ["Support SSO"],
    "SupportSso.cs": ["Support SSO"],
    "SupportSso.java": ["Support SSO"],
    "support_sso_fields.py": ["organization, tags are SSO user fields"],
    "support_sdk.js": ["Support SDK"],
    "sunshine_api.js": ['Sunshine Conversations API token (scope "app")',
                        'Sunshine Conversations API token (scope "appUser")'],
    "zendesk_and_vouchers.js": ["Support SSO", "no Zendesk claims", "no Zendesk claims"],
    "login_rule.js": ["no Zendesk claims"],
    "sunshine_user_token.js": ["Sunshine Conversations user token"],
    "sso_secret_scope_user.py": ["signed with the SSO secret"],
    "webhook_hmac.js": [],
    # a Zendesk word in the file says nothing about the service token next to the SSO helper
    "zendesk_and_service_token.py": ["Support SSO", "no Zendesk claims"],
    "zendesk_and_service_token.rb": ["Support SSO", "RS256-signed without Zendesk widget claims"],
    "zendesk_and_service_token.go": ["Support SSO", "no Zendesk claims"],
    "zendesk_and_service_token.php": ["Support SSO", "RS256-signed without Zendesk widget claims"],
    "ZendeskAndServiceToken.java": ["Support SSO", "RS256-signed without Zendesk widget claims"],
    "ZendeskAndServiceToken.cs": ["Support SSO", "RS256-signed without Zendesk widget claims"],
}


@pytest.mark.parametrize("path", sorted(IGNORED))
def test_lookalike_tokens_are_ignored_with_their_reason(clean, path) -> None:
    views = sorted((v for v in clean.signers if v.signer.path == path), key=lambda v: v.signer.line)
    assert [v.purpose for v in views] == ["other"] * len(IGNORED[path])
    for v, words in zip(views, IGNORED[path]):
        assert words in v.reason, v.reason


def test_support_sso_is_covered_in_every_language(clean) -> None:
    languages = {v.signer.language for v in clean.signers if "Support SSO" in v.reason}
    assert languages == {"javascript", "python", "ruby", "go", "php", "csharp", "java"}


def test_a_token_without_kid_or_scope_on_a_site_with_classic_pages_is_judged_as_classic_chat() -> None:
    inv = scan(str(FIXTURES / "rules/ZG206/ok_classic_chat_on_mixed_site"), jobs=1).inventory
    assert inv.site_kind == "messaging"
    (view,) = inv.signers
    assert (view.purpose, view.profile) == ("zendesk", "zendesk-classic-chat")


def test_an_iat_jti_token_is_a_widget_token_where_the_site_authenticates_help_center() -> None:
    inv = scan(str(FIXTURES / "rules/ZG212/classic_hc_worker"), jobs=1).inventory
    (view,) = inv.signers
    assert (view.purpose, view.profile) == ("zendesk", "zendesk-classic-hc")


def test_the_same_iat_jti_token_without_classic_auth_on_the_site_is_support_sso(tmp_path) -> None:
    worker = (FIXTURES / "rules/ZG212/classic_hc_worker/worker.js").read_text()
    (tmp_path / "worker.js").write_text(worker)
    (view,) = scan(str(tmp_path), jobs=1).inventory.signers
    assert view.purpose == "other" and "Support SSO" in view.reason


def test_every_finding_on_a_signer_names_its_profile() -> None:
    result = scan(str(FIXTURES.parent.parent / "examples/shop"), jobs=1)
    signer_paths = {v.signer.path for v in result.inventory.signers}
    on_signers = [f for f in result.findings if f.path in signer_paths]
    assert on_signers and all(f.profile == "zendesk-messaging" for f in on_signers)
    assert all(f.message.endswith("[judged as zendesk-messaging]") for f in on_signers)


def test_a_guessed_type_is_info_and_a_shown_one_a_warning(tmp_path) -> None:
    (tmp_path / "token.js").write_text(
        "const jwt = require('jsonwebtoken');\n"
        "app.get('/zendesk/jwt', (req, res) => res.send(jwt.sign({ external_id: req.user.id, scope: 'user' },"
        " process.env.ZD, { keyid: 'app_1' })));\n"
        "app.get('/zendesk/jwt2', (req, res) => res.send(jwt.sign({ external_id: parseInt(req.query.id, 10),"
        " scope: 'user' }, process.env.ZD, { keyid: 'app_1' })));\n")
    result = scan(str(tmp_path), select=["ZG208"], jobs=1)
    assert [(f.line, f.severity) for f in result.findings] == [(2, "info"), (3, "warning")]
    assert [f.line for f in result.failing] == [3]


def test_external_id_iat_and_exp_make_a_chat_token_even_with_a_jti() -> None:
    inv = scan(str(FIXTURES / "rules/ZG213/ok_chat_token_with_a_stray_jti.php"), jobs=1).inventory
    (view,) = inv.signers
    assert (view.purpose, view.profile) == ("zendesk", "zendesk-classic-chat"), view.reason


SUNSHINE_SERVER = """\
const jwt = require('jsonwebtoken');
app.get('/chat-token', requireLogin, (req, res) => {
  const token = jwt.sign({ scope: 'user', external_id: String(req.user.id) }, process.env.CHAT_KEY_SECRET,
    { header: { alg: 'HS256', typ: 'JWT', kid: process.env.CHAT_KEY_ID } });
  res.json({ token });
});
"""
SUNSHINE_PAGE = """<script>
fetch('/chat-token').then(r => r.json()).then(({ token }) =>
  Smooch.init({ integrationId: 'abc', externalId: 'u-1', jwt: token }));
</script>
"""
ZENDESK_PAGE = """<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=abc"></script>
<script>zE('messenger', 'loginUser', cb => fetch('/chat-token').then(r => r.json()).then(d => cb(d.token)));</script>
"""


@pytest.mark.parametrize(("page", "purpose"), [(SUNSHINE_PAGE, "other"), (SUNSHINE_PAGE + ZENDESK_PAGE, "zendesk"),
                                               (ZENDESK_PAGE, "zendesk")])
def test_a_messaging_shaped_token_on_a_sunshine_web_sdk_site_is_not_a_widget_token(tmp_path, page, purpose) -> None:
    """The same claims sign a visitor into Sunshine Conversations' Web SDK (Smooch.init/login):
    where no page loads a Zendesk widget, that is what the token is for."""
    (tmp_path / "server.js").write_text(SUNSHINE_SERVER)
    (tmp_path / "chat.html").write_text(page)
    (view,) = scan(str(tmp_path), jobs=1).inventory.signers
    assert view.purpose == purpose, view.reason
    if purpose == "other":
        assert "Sunshine Conversations Web SDK" in view.reason and "Smooch.init (chat.html:3)" in view.reason
