"""The page extractor: server templates, inline scripts and loaders, through the public stage API."""

import pytest

from migrate.extract import extract, language_for
from migrate.extract.base import Source
from migrate.model import FileFacts


def page(path: str, text: str) -> FileFacts:
    return extract(Source.of(path, language_for(path), text))


def by_command(facts: FileFacts) -> dict[str, object]:
    return {c.command: c for c in facts.calls}


LOADER = '<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=5b3e1f7c"></script>\n'


# --- template flavours --------------------------------------------------------------------------

ERB = """<!DOCTYPE html>
<html>
<head>
  <%# comment: <script>zE('messenger', 'close')</script> %>
  <% if user_signed_in? %>
  <script>
    var jwt = "<%= @zendesk_jwt %>";
    zE('messenger', 'loginUser', function (callback) { callback(jwt); });
  </script>
  <% end %>
  <script id="ze-snippet" async src="https://static.zdassets.com/ekr/snippet.js?key=<%= ENV['ZD_KEY'] %>"></script>
</head>
</html>
"""


def test_erb_template_token_loader_and_before_loader():
    f = page("app/views/layouts/application.html.erb", ERB)
    (login,) = f.calls
    assert (login.api, login.command, login.line, login.column) == ("messenger", "loginUser", 8, 5)
    assert (login.token_source, login.token_line, login.before_loader) == ("template", 7, True)
    (loader,) = f.loaders
    assert (loader.kind, loader.key, loader.line, loader.is_async) == ("snippet", None, 11, True)
    assert f.browser and f.errors == ()


RAZOR = """@model ChatViewModel
@{
    ViewData["Title"] = "Chat";
    var secretNote = "}";
}
<p>Mail support@example.com @@handle</p>
@section Scripts {
    <script>
        var user = @Html.Raw(Json.Serialize(Model.User));
        @if (Model.SignedIn) {
            zE('messenger', 'loginUser', function (callback) {
                callback('@Model.ZendeskJwt');
            });
        }
        zE('messenger:set', 'locale', '@Model.Culture');
    </script>
}
"""


def test_razor_expressions_blocks_and_sections():
    f = page("Views/Home/Chat.cshtml", RAZOR)
    calls = by_command(f)
    assert set(calls) == {"loginUser", "locale"}
    assert (calls["loginUser"].token_source, calls["loginUser"].token_line) == ("template", 12)
    assert calls["locale"].line == 15
    assert f.errors == ()


def test_razor_if_else_and_text_blocks_read_as_javascript():
    text = ("<script>\n"
            "    @if (User.Identity.IsAuthenticated) {\n"
            "        <text>zE('messenger', 'loginUser', function (cb) { cb('@Model.Jwt'); });</text>\n"
            "    } else if (Model.Guest) {\n"
            "        @:zE('messenger', 'open');\n"
            "    } else {\n"
            "        <text>zE('messenger', 'logoutUser');</text>\n"
            "    }\n"
            "    if (window.chat) { a(); } else { b(); }\n"
            "</script>\n")
    f = page("Views/Shared/_Chat.cshtml", text)
    assert [(c.command, c.line) for c in f.calls] == [("loginUser", 3), ("open", 5), ("logoutUser", 7)]
    assert f.errors == ()


def test_razor_bare_expression_is_a_template_value():
    text = ("<script>\n"
            "  zE('messenger', 'loginUser', function (cb) { cb(@Html.Raw(Json.Serialize(Model.Jwt))); });\n"
            "</script>\n")
    (c,) = page("Views/Chat.cshtml", text).calls
    assert (c.token_source, c.token_line) == ("template", 2)


JSP = """<%@ page contentType="text/html;charset=UTF-8" %>
<%-- zE('messenger', 'open') in a comment --%>
<script>
  var token = '${sessionScope.zendeskJwt}';
  var greeting = `Hello ${user.name}`;
  zE('messenger', 'loginUser', function (callback) { callback(token); });
  zE('messenger:set', 'locale', '<%= request.getLocale() %>');
</script>
"""


def test_jsp_el_and_scriptlets():
    f = page("WEB-INF/views/chat.jsp", JSP)
    calls = by_command(f)
    assert set(calls) == {"loginUser", "locale"}
    assert (calls["loginUser"].token_source, calls["loginUser"].token_line) == ("template", 4)
    assert f.errors == ()


@pytest.mark.parametrize("path", ["templates/chat.html", "templates/chat.j2", "templates/chat.html.twig",
                                  "views/chat.hbs", "templates/chat.njk"])
def test_mustache_family_templates(path):
    text = ("{% extends 'base.html' %}\n"
            "{% block scripts %}\n"
            "<script>\n"
            "  {% if user %}\n"
            "  const jwt = '{{ zendesk_jwt }}';\n"
            "  {% endif %}\n"
            "  const cfg = {{ widget_config|tojson }};\n"
            "  zE('messenger', 'loginUser', (callback) => callback(jwt)); {# login #}\n"
            "</script>\n"
            "{% endblock %}\n")
    f = page(path, text)
    (c,) = f.calls
    assert (c.line, c.token_source, c.token_line) == (8, "template", 5)
    assert f.errors == ()


BLADE = """@extends('layouts.app')
@section('scripts')
<script>
    const zendesk = @json(['jwt' => $jwt, 'key' => config('zendesk.key')]);
    @if ($user)
    zE('messenger', 'loginUser', function (callback) { callback(zendesk.jwt); });
    @endif
    zE('messenger:set', 'locale', '{{ app()->getLocale() }}');
    {{-- zE('messenger', 'open') --}}
</script>
<?php echo '<!-- php -->'; ?>
@endsection
"""


def test_blade_directives_echoes_and_php():
    f = page("resources/views/chat.blade.php", BLADE)
    calls = by_command(f)
    assert set(calls) == {"loginUser", "locale"}
    assert (calls["loginUser"].token_source, calls["loginUser"].token_line) == ("template", 4)
    assert f.errors == ()


def test_php_page_reads_only_the_html_part():
    text = ("<?php\n"
            "$jwt = zendesk_jwt($user);\n"
            "echo \"<script>zE('messenger', 'open')</script>\";\n"
            "?>\n"
            "<script>\n"
            "  var jwt = '<?= $jwt ?>';\n"
            "  var name = <?php echo json_encode($user->name); ?>;\n"
            "  zE('messenger', 'loginUser', function (cb) { cb(jwt); });\n"
            "</script>\n")
    f = page("public/chat.php", text)
    (c,) = f.calls
    assert (c.command, c.line, c.token_source, c.token_line) == ("loginUser", 8, "template", 6)
    assert f.browser


def test_plain_php_code_is_not_browser_code():
    f = page("src/Jwt.php", "<?php\nfunction zendesk_token() { return 'x'; }\n")
    assert not f.browser and f.calls == () and f.loaders == ()


VUE = """<template>
  <button @click="zE('messenger', 'open')">{{ label }}</button>
  <script>zE('messenger', 'close')</script>
</template>

<script setup lang="ts">
import { onMounted } from "vue";
const locale: string = navigator.language as string;
onMounted(() => {
  window.zE("messenger:set", "locale", locale!);
});
</script>
"""


def test_vue_reads_only_its_script_blocks_with_their_language():
    f = page("src/components/Chat.vue", VUE)
    assert [(c.api, c.command, c.line) for c in f.calls] == [("messenger:set", "locale", 10)]
    assert f.errors == ()


def test_vue_tsx_script_block():
    text = ('<script lang="tsx">\n'
            "export default () => <button onClick={() => window.zE('messenger', 'open')}>Chat</button>;\n"
            "</script>\n")
    assert [(c.api, c.command) for c in page("src/Chat.vue", text).calls] == [("messenger", "open")]


@pytest.mark.parametrize("kind,read", [
    ("", True), ("text/javascript", True), ("module", True), ("text/template", False),
    ("application/ld+json", False), ("text/x-handlebars-template", False),
])
def test_script_types(kind, read):
    attr = f' type="{kind}"' if kind else ""
    f = page("index.html", f"<script{attr}>zE('messenger', 'open');</script>\n")
    assert bool(f.calls) is read


# --- loaders --------------------------------------------------------------------------------------

def test_loaders_from_script_src():
    text = (LOADER
            + '<script defer src="https://v2.zopim.com/?4rTmZ1"></script>\n'
            + '<script src="https://apps.mypurecloud.com/widgets/9.0/cxbus.min.js"></script>\n'
            + '<script src="/assets/app.js"></script>\n')
    f = page("index.html", text)
    assert [(ld.kind, ld.key, ld.line, ld.is_async) for ld in f.loaders] == [
        ("snippet", "5b3e1f7c", 1, False), ("zopim", "4rTmZ1", 2, True), ("genesys-webchat", None, 3, False)]


# --- before the loader ----------------------------------------------------------------------------

BEFORE = """<script>
  zE('messenger', 'open');
  if (typeof zE !== 'undefined') { zE('messenger', 'close'); }
  window.zE && zE('messenger', 'show');
  document.addEventListener('DOMContentLoaded', function () { zE('messenger', 'hide'); });
  (function () { zE('messenger:set', 'locale', 'de'); })();
  window.zESettings = { webWidget: { color: { theme: '#000' } } };
</script>
""" + LOADER + """<script>
  zE('messenger', 'loginUser', function (cb) { cb(t); });
</script>
"""


def test_before_loader_only_for_calls_that_run_before_it():
    flags = {c.command: c.before_loader for c in page("index.html", BEFORE).calls}
    assert flags == {"open": True, "close": False, "show": False, "hide": False, "locale": True,
                     "webWidget.color.theme": False, "loginUser": False}


def test_no_loader_on_the_page_no_before_loader():
    f = page("partials/chat.html", "<script>zE('messenger', 'open');</script>\n")
    assert [c.before_loader for c in f.calls] == [False]


# --- scripts of one page --------------------------------------------------------------------------

def test_a_template_variable_from_an_earlier_script():
    text = ("<script>var zdJwt = '{{ jwt }}';</script>\n" + LOADER
            + "<script>\n  zE('messenger', 'loginUser', function (cb) { cb(zdJwt); });\n</script>\n")
    (c,) = page("chat.html", text).calls
    assert (c.token_source, c.token_line) == ("template", 1)


def test_a_broken_script_does_not_spoil_the_next():
    text = ("<script>zE('messenger', 'open'</script>\n"
            "<script>function (( {</script>\n"
            "<script>zE('messenger', 'close');</script>\n")
    f = page("index.html", text)
    assert ("messenger", "close") in [(c.api, c.command) for c in f.calls]
    assert len(f.errors) == 1 and "syntax error at line 1" in f.errors[0].message


def test_crlf_page():
    text = ("<html>\r\n<body>\r\n<script>\r\n  var jwt = '<%= @jwt %>';\r\n"
            "  zE('messenger', 'loginUser', function (cb) {\r\n    cb(jwt);\r\n  });\r\n</script>\r\n</body>\r\n")
    (c,) = page("chat.html.erb", text).calls
    assert (c.line, c.column, c.token_line) == (5, 3, 4)


def test_non_ascii_text_before_a_call_keeps_the_column():
    text = "<p>Grüße aus Köln – 日本</p><script>zE('messenger', 'open');</script>\n"
    (c,) = page("index.html", text).calls
    assert (c.line, c.column) == (1, text.index("zE") + 1)


def test_multi_line_template_tags_keep_lines():
    text = ("<%\n  jwt = build_jwt(\n    current_user\n  )\n%>\n"
            "<script>zE('messenger', 'open');</script>\n")
    (c,) = page("chat.html.erb", text).calls
    assert c.line == 6


# --- secrets and signing in page code -------------------------------------------------------------

def test_secrets_in_page_scripts_are_marked_without_values():
    text = ("<script>\n"
            "  const zendeskSecret = 'zd-page-secret-1';\n"
            "  const GENESYS_CLIENT_SECRET = '<%= ENV['GENESYS_CLIENT_SECRET'] %>';\n"
            "</script>\n")
    f = page("chat.html.erb", text)
    assert [(m.kind, m.line) for m in f.markers] == [("zendesk-secret", 2), ("genesys-client-secret", 3)]
    assert "zd-page-secret-1" not in repr(f)


def test_jwt_signing_in_a_page_script_is_a_browser_signer():
    text = ('<script type="module">\n'
            "  import { SignJWT } from 'jose';\n"
            "  const key = new TextEncoder().encode(window.cfg.key);\n"
            "  const jwt = await new SignJWT({ external_id: '1', scope: 'user' })\n"
            "    .setProtectedHeader({ alg: 'HS256', kid: 'app_1' }).sign(key);\n"
            "  zE('messenger', 'loginUser', (cb) => cb(jwt));\n"
            "</script>\n")
    f = page("chat.html", text)
    assert [(s.library, s.line, s.browser) for s in f.signers] == [("jose", 4, True)]


# --- Smarty (.tpl) --------------------------------------------------------------------------------

SMARTY = """{* chat hook *}
{if $chat_enabled}
{literal}
<script type="text/javascript">
  (function(d){var s=d.createElement('script');s.async=true;
  s.src='https://v2.zopim.com/?{/literal}{$chat_key}{literal}';d.head.appendChild(s);})(document);
</script>
{/literal}
<script>
  $zopim(function () {
    {if $customer}$zopim.livechat.setName('{$customer->name|escape:'javascript'}');{/if}
    $zopim.livechat.setEmail("{$customer->email}");
  });
</script>
{/if}
"""


def test_smarty_literal_blocks_value_tags_statements_and_comments():
    assert language_for("modules/chat/views/templates/hook/chat.tpl") == "page:smarty"
    f = page("modules/chat/views/templates/hook/chat.tpl", SMARTY)
    assert [(c.api, c.command, c.line, c.column) for c in f.calls] == [
        ("$zopim", "ready", 10, 3), ("$zopim", "livechat.setName", 11, 19), ("$zopim", "livechat.setEmail", 12, 5)]
    (loader,) = f.loaders
    assert (loader.kind, loader.key, loader.line, loader.is_async) == ("zopim", None, 6, True)
    assert f.errors == ()


def test_smarty_value_tag_is_a_template_token_and_literal_braces_stay_javascript():
    text = ("<script>\n"
            "  function zdLogin(cb) {ldelim} cb('{$zendesk_jwt|escape:'javascript'}'); {rdelim}\n"
            "  var opts = <{$chat_options}>;\n"
            "  zE('messenger', 'loginUser', zdLogin);\n"
            "</script>\n")
    f = page("themes/site/chat.tpl", text)
    (c,) = f.calls
    assert (c.command, c.line, c.token_source, c.token_line) == ("loginUser", 4, "template", 2)
    assert f.errors == ()


def test_smarty_inside_literal_is_javascript_not_tags():
    text = ("{literal}<script>\n"
            "var cfg = {a: {b: 1}};\n"
            "zE('messenger', 'open');\n"
            "</script>{/literal}{* $zopim(function(){}) *}\n")
    f = page("chat.tpl", text)
    assert [(c.command, c.line) for c in f.calls] == [("open", 3)] and f.errors == ()


def test_a_go_template_tpl_masks_only_actions():
    text = ("{{ define \"chat\" }}\n"
            "<script>\n"
            "  var cfg = {locale: \"{{ .Locale }}\", n: {{ len .Items }}};\n"
            "  {{/* no chat for bots */}}{{ if .Human }}\n"
            "  zE('messenger', 'loginUser', function (cb) { cb('{{ .Token }}'); });\n"
            "  {{ end }}\n"
            "</script>\n"
            "{{ end }}\n")
    f = page("web/templates/chat.tpl", text)
    (c,) = f.calls
    assert (c.line, c.token_source, c.token_line) == (5, "template", 5)
    assert f.errors == ()


def test_a_wrong_smarty_guess_costs_a_script_not_the_scan():
    text = ("{if $a}<script>var x = {$never_closed;\n</script>{/if}\n"
            "<script>zE('messenger', 'open');</script>\n")
    f = page("broken.tpl", text)
    assert [(c.command, c.line) for c in f.calls] == [("open", 3)]


# --- Liferay and JSP tag libraries ---------------------------------------------------------------

LIFERAY = """<%@ taglib uri="http://liferay.com/tld/aui" prefix="aui" %>
<liferay-util:html-bottom outputKey="zendesk">
  <script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=5b3e1f7c"></script>
</liferay-util:html-bottom>
<aui:script use="aui-base,liferay-form">
  var <portlet:namespace />token = '<c:out value="${zendeskJwt}" />';
  if (a < b) {
    zE('messenger', 'loginUser', function (callback) { callback(<portlet:namespace />token); });
  }
</aui:script>
<aui:script>
  <c:if test="${not empty locale}">
  zE('messenger:set', 'locale', '<%= locale %>');
  </c:if>
</aui:script>
"""


@pytest.mark.parametrize("path", ["html/portlet/chat/view.jsp", "html/common/init.jspf"])
def test_liferay_aui_script_bodies_are_javascript(path):
    f = page(path, LIFERAY)
    assert [(c.command, c.line, c.column) for c in f.calls] == [("loginUser", 8, 5), ("locale", 13, 3)]
    login = f.calls[0]
    assert (login.token_source, login.token_line) == ("template", 6)
    assert [(ld.kind, ld.key, ld.line) for ld in f.loaders] == [("snippet", "5b3e1f7c", 3)]
    assert f.errors == ()


def test_an_aui_script_alone_is_read():
    f = page("view.jsp", "<aui:script>\nzE('messenger', 'open');\n</aui:script>\n")
    assert [(c.command, c.line) for c in f.calls] == [("open", 2)]


# --- JSP scriptlets that sign -----------------------------------------------------------------

SCRIPTLET = """<%@ page import="io.jsonwebtoken.Jwts, io.jsonwebtoken.security.Keys" %>
<%-- Jwts.builder() in a comment signs nothing --%>
<%
  String secret = System.getenv("ZENDESK_SECRET");
  String jwt = Jwts.builder()
      .claim("external_id", request.getRemoteUser())
      .claim("scope", "user")
      .signWith(Keys.hmacShaKeyFor(secret.getBytes()))
      .compact();
%>
<script>
  zE('messenger', 'loginUser', cb => cb('<%= jwt %>'));
</script>
"""


def test_a_scriptlet_signer_is_read_as_java_at_its_page_line():
    f = page("WEB-INF/views/chat.jsp", SCRIPTLET)
    (s,) = f.signers
    assert (s.language, s.library, s.line, s.column, s.browser) == ("java", "jjwt", 5, 16, False)
    assert set(s.claims) == {"external_id", "scope"} and "kid" not in s.header
    assert s.secret is not None and s.secret.source == "env" and s.secret.line == 8
    assert s.response == "template"  # <%= jwt %> prints it into the page
    (c,) = f.calls  # the page's widget calls stay as they are
    assert (c.command, c.line, c.token_source, c.token_line) == ("loginUser", 12, "template", 12)
    assert f.errors == ()


def test_a_declaration_method_and_split_scriptlets():
    text = ('<%@ page import="com.auth0.jwt.JWT" %>\n'
            "<%!\n"
            '  private static final String ZD_SECRET = System.getenv("ZD_SECRET");\n'
            "  String zendeskToken(String id) {\n"
            '    return JWT.create().withKeyId("app_1").withClaim("external_id", id)\n'
            "        .sign(Algorithm.HMAC256(ZD_SECRET));\n"
            "  }\n"
            "%>\n"
            "<% if (request.getRemoteUser() != null) { %>\n"
            "<script>zE('messenger', 'loginUser', cb => cb('<%= zendeskToken(request.getRemoteUser()) %>'));</script>\n"
            "<% } %>\n")
    f = page("chat.jsp", text)
    (s,) = f.signers
    assert (s.library, s.line, s.function, s.header["kid"].value) == ("java-jwt", 5, "zendeskToken", "app_1")
    assert s.secret is not None and s.secret.source == "env"
    assert [c.line for c in f.calls] == [10] and f.errors == ()


def test_no_scriptlet_signer_without_scriptlets_or_signing():
    js_only = ("<script>\n  // Jwts.builder() runs on the server\n  zE('messenger', 'open');\n</script>\n")
    assert page("a.jsp", js_only).signers == ()
    plain = '<% String name = request.getRemoteUser(); %>\n<script>zE("messenger", "open");</script>\n'
    assert page("b.jsp", plain).signers == ()


def test_scriptlet_view_keeps_positions():
    from migrate.extract.pages import scriptlet_view
    data = b'<%@ page %>\n<a><% int a = 1; %></a>\n<p><%= a %></p><%-- x --%>\xc3\xa9'
    view = scriptlet_view(data)
    assert len(view) == len(data) and view.count(b"\n") == data.count(b"\n")
    assert view.split(b"\n")[1] == b" " * 5 + b" int a = 1; " + b" " * 6
    assert view.split(b"\n")[2].strip() == b"_p( a );"


# --- widget code written in strings ---------------------------------------------------------------

def test_document_write_in_a_page_script_before_the_loader():
    text = ("<script>\n"
            "  document.write('<script>zE(\"messenger\", \"open\")<\\/script>');\n"
            "  function later() { document.write('<script>zE(\"messenger\", \"close\")<\\/script>'); }\n"
            "</script>\n" + LOADER)
    f = page("index.html", text)
    assert [(c.command, c.line, c.column, c.before_loader) for c in f.calls] == [
        ("open", 2, 27, True), ("close", 3, 46, False)]
    assert f.errors == ()


def test_a_blade_view_that_signs_in_a_php_block() -> None:
    page = """<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=k"></script>
<script>
    @php
        $token = \\Firebase\\JWT\\JWT::encode(['external_id' => (string) auth()->id(), 'scope' => 'user'],
            config('zd.secret'), 'HS256', config('zd.kid'));
    @endphp
    zE('messenger', 'loginUser', function (cb) { cb('{{ $token }}'); });
</script>
"""
    f = extract(Source.of("resources/views/chat.blade.php", "page:blade", page))
    (s,) = f.signers
    assert (s.language, s.library, s.line, s.route) == ("php", "php-jwt", 4, None)
    assert set(s.claims) == {"external_id", "scope"} and s.secret.source == "config"
    assert not f.errors
