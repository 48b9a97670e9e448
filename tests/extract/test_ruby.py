"""Ruby signers (ruby-jwt), read through the public extraction stage."""

from __future__ import annotations

import textwrap

import pytest

from migrate.extract import extract
from migrate.extract.base import Source
from migrate.model import FileFacts, Signer


def facts(code: str) -> FileFacts:
    path = "app/controllers/zendesk_controller.rb"
    return extract(Source.of(path, "ruby", textwrap.dedent(code)))


def one(code: str) -> Signer:
    found = facts(code)
    assert not found.errors, found.errors
    assert len(found.signers) == 1, found.signers
    return found.signers[0]


def line_of(code: str, needle: str) -> int:
    lines = textwrap.dedent(code).split("\n")
    return next(i for i, text in enumerate(lines, 1) if needle in text)


RAILS = """\
class ZendeskController < ApplicationController
  def token
    payload = { external_id: current_user.id.to_s, 'scope' => 'user', exp: Time.now.to_i + 300 }
    token = JWT.encode(payload, ENV.fetch('ZENDESK_SECRET'), 'HS256', { kid: ENV['ZENDESK_KID'] })
    render json: { jwt: token }
  end
end
"""


def test_hash_literal_with_symbol_and_string_keys() -> None:
    s = one(RAILS)
    assert (s.language, s.library, s.algorithm) == ("ruby", "ruby-jwt", "HS256")
    assert (s.line, s.column) == (line_of(RAILS, "JWT.encode"), 13)
    assert set(s.claims) == {"external_id", "scope", "exp"}
    assert s.claims["scope"].value == "user"
    assert s.claims["external_id"].has("stringified")
    exp = s.claims["exp"]
    assert exp.kind == "binary" and exp.has("clock") and exp.offset == 300
    assert s.function == "token" and "zendesk" in s.hints and s.browser is False


def test_fourth_argument_is_the_header() -> None:
    s = one(RAILS)
    kid = s.header["kid"]
    assert kid.text == "ENV['ZENDESK_KID']" and kid.has("env-unguarded")
    assert kid.line == line_of(RAILS, "JWT.encode")


def test_header_as_trailing_keywords() -> None:
    code = RAILS.replace("'HS256', { kid: ENV['ZENDESK_KID'] })", "'HS256', kid: KID, typ: 'JWT')")
    s = one(code)
    assert set(s.header) == {"kid", "typ"}


def test_algorithm_defaults_to_hs256() -> None:
    code = RAILS.replace(", 'HS256', { kid: ENV['ZENDESK_KID'] })", ")")
    s = one(code)
    assert s.algorithm == "HS256" and s.algorithm_expr is None and s.header == {}


@pytest.mark.parametrize("alg,name", [("'RS256'", "RS256"), (":HS512", "HS512"), ("ALG", "ES256")])
def test_algorithm_forms(alg: str, name: str) -> None:
    code = "ALG = 'ES256'\n" + RAILS.replace("'HS256'", alg)
    s = one(code)
    assert s.algorithm == name and s.algorithm_expr is not None and s.algorithm_expr.text == alg


def test_root_scoped_constant_receiver() -> None:
    s = one(RAILS.replace("JWT.encode(", "::JWT.encode("))
    assert s.library == "ruby-jwt"


def test_other_encode_calls_are_not_signers() -> None:
    assert facts("Base64.encode(x)\nJSON.encode(y)\njwt.encode(z)\n").signers == ()


def test_local_payload_with_writes_merge_and_resolution() -> None:
    code = """\
    class ZendeskController < ApplicationController
      def token
        now = Time.now.to_i
        payload = { 'external_id' => current_user.uuid }
        payload[:scope] = 'user'
        payload[:exp] = now + 300
        payload.merge!(iat: now, email_verified: true)
        payload.store(:name, current_user.name)
        token = JWT.encode(payload, ENV.fetch('ZENDESK_SECRET'), 'HS256')
        payload[:late] = 'after signing'
        render plain: token
      end
    end
    """
    s = one(code)
    assert set(s.claims) == {"external_id", "scope", "exp", "iat", "email_verified", "name"}
    exp = s.claims["exp"]
    assert exp.text == "now + 300" and exp.line == line_of(code, "payload[:exp]")
    assert exp.resolved is not None and exp.resolved.text == "Time.now.to_i + 300"
    assert exp.final.offset == 300
    iat = s.claims["iat"]
    assert iat.kind == "name" and iat.final.text == "Time.now.to_i" and iat.has("clock")
    assert s.claims["email_verified"].kind == "bool"
    assert s.response == "text"


def test_payload_built_with_merge() -> None:
    code = """\
    def token
      base = { external_id: user.id.to_s }
      payload = base.merge(scope: 'user', exp: 5.minutes.from_now.to_i)
      JWT.encode(payload, ENV.fetch('ZENDESK_SECRET'), 'HS256')
    end
    """
    s = one(code)
    assert set(s.claims) == {"external_id", "scope", "exp"}
    assert s.claims["exp"].offset == 300


def test_value_kinds() -> None:
    code = """\
    JWT.encode({ scope: :user, name: "#{u.first} #{u.last}", email_verified: 'true',
                 n: 1.5, gone: nil, external_id: 42 }, ENV['S'])
    """
    claims = one(code).claims
    assert claims["scope"].kind == "string" and claims["scope"].value == "user"
    assert claims["name"].kind == "template"
    assert claims["email_verified"].kind == "string" and claims["email_verified"].value == "true"
    assert claims["n"].kind == "float" and claims["gone"].kind == "null"
    assert claims["external_id"].kind == "int" and claims["external_id"].value == 42


@pytest.mark.parametrize("exp,trait", [
    ("(Time.now.to_f * 1000).to_i + 300_000", "clock-ms"),
    ("Time.now.to_f + 300", "float"),
    ("Time.now.to_i.to_s", "stringified"),
])
def test_clock_mistakes(exp: str, trait: str) -> None:
    s = one(RAILS.replace("Time.now.to_i + 300", exp))
    assert s.claims["exp"].has(trait)


@pytest.mark.parametrize("key,source,trait", [
    ("ENV['ZENDESK_SECRET']", "env", "env-unguarded"),
    ("ENV.fetch('ZENDESK_SECRET')", "env", "env"),
    ("Rails.application.credentials.zendesk[:jwt_secret]", "config", "config"),
    ("Rails.application.credentials.dig(:zendesk, :secret)", "config", "config"),
    ("Base64.decode64(ENV['ZENDESK_SECRET'])", "env", "base64-decoded"),
    ("Base64.strict_decode64(secret)", "config", "base64-decoded"),
])
def test_secret_sources(key: str, source: str, trait: str) -> None:
    code = f"""\
    def token
      secret = Rails.configuration.x.zendesk_secret
      JWT.encode({{ scope: 'user' }}, {key}, 'HS256')
    end
    """
    secret = one(code).secret
    assert secret is not None and secret.source == source and trait in secret.traits
    assert secret.line == line_of(code, "JWT.encode")


def test_env_fetch_is_guarded() -> None:
    secret = one(RAILS).secret
    assert secret is not None and "env-unguarded" not in secret.traits


def test_literal_secrets_are_never_kept() -> None:
    code = """\
    SECRET = 'rb-s3cret-constant'
    def token
      a = JWT.encode({ scope: 'user' }, SECRET, 'HS256')
      b = JWT.encode({ scope: 'user' }, "inline-rb-s3cret", 'HS256')
      c = JWT.encode({ scope: 'user' }, Base64.decode64('YjY0LXMzY3JldA=='), 'HS256')
      d = JWT.encode({ scope: 'user' }, ENV.fetch('ZD', 'fallback-rb-s3cret'), 'HS256')
    end
    """
    found = facts(code)
    sources = [s.secret.source for s in found.signers if s.secret]
    assert sources == ["literal", "literal", "literal", "env"]
    assert "base64-decoded" in found.signers[2].secret.traits  # type: ignore[union-attr]
    assert "literal-fallback" in found.signers[3].secret.traits  # type: ignore[union-attr]
    text = repr(found)
    for value in ("rb-s3cret-constant", "inline-rb-s3cret", "YjY0LXMzY3JldA==",
                  "fallback-rb-s3cret"):
        assert value not in text


def test_secret_from_a_method_parameter_and_an_instance_variable() -> None:
    code = """\
    class Signer
      def initialize
        @secret = ENV.fetch('ZENDESK_SECRET')
      end

      def sign(user, key)
        [JWT.encode({ external_id: user.id.to_s }, key, 'HS256'),
         JWT.encode({ external_id: user.id.to_s }, @secret, 'HS256')]
      end
    end
    """
    found = facts(code)
    assert [s.secret.source for s in found.signers if s.secret] == ["parameter", "env"]


RESPONSES = {
    "render json: token": "json-string",
    "render json: { jwt: token }": "object",
    "render json: { jwt: token }, status: :ok": "object",
    "render plain: token": "text",
    "render json: token.to_json": "json-string",
    "render :show, locals: { jwt: token }": "template",
    "@jwt = token": "template",
    "@jwt = token\n    render json: { jwt: @jwt }": "object",
    "logger.info(token)": None,
}


@pytest.mark.parametrize("send,kind", RESPONSES.items(), ids=list(RESPONSES))
def test_rails_responses(send: str, kind: str | None) -> None:
    assert one(RAILS.replace("render json: { jwt: token }", send)).response == kind


SINATRA = """\
require 'sinatra'
require 'jwt'

get '/zendesk/jwt' do
  claims = { external_id: session[:uid], scope: 'user' }
  token = JWT.encode(claims, ENV.fetch('ZENDESK_SECRET'), 'HS256')
  SEND
end
"""

SINATRA_RESPONSES = {
    "token": "text",
    "body token": "text",
    "json(token)": "json-string",
    "json(jwt: token)": "object",
    "{ jwt: token }.to_json": "object",
    "token # the body is the token": "text",
    "erb :chat, locals: { jwt: token }": "template",
    "logger.info(token)\n  'ok'": None,
}


@pytest.mark.parametrize("send,kind", SINATRA_RESPONSES.items(), ids=list(SINATRA_RESPONSES))
def test_sinatra_responses(send: str, kind: str | None) -> None:
    s = one(SINATRA.replace("SEND", send))
    assert s.function == "/zendesk/jwt" and s.response == kind


def test_response_through_a_signing_method() -> None:
    code = """\
    class ZendeskController < ApplicationController
      def show
        render json: { jwt: zendesk_token }
      end

      private

      def zendesk_token
        JWT.encode({ external_id: current_user.id.to_s }, ENV.fetch('ZENDESK_SECRET'), 'HS256')
      end
    end
    """
    s = one(code)
    assert s.function == "zendesk_token" and s.response == "object"


def test_rs256_api_token() -> None:
    code = """\
    class ServiceToken
      def self.call
        payload = { sub: 'billing', aud: 'https://api.example.com', exp: 1.hour.from_now.to_i }
        JWT.encode(payload, OpenSSL::PKey::RSA.new(File.read('key.pem')), 'RS256')
      end
    end
    """
    s = one(code)
    assert s.algorithm == "RS256" and set(s.claims) == {"sub", "aud", "exp"}
    assert s.claims["exp"].offset == 3600
    assert "zendesk" not in s.hints and s.function == "call"
    assert s.secret is not None and "file" in s.secret.traits


def test_syntax_error_is_reported_and_the_rest_still_read() -> None:
    found = facts(RAILS + "\ndef broken(\n  x = [1, 2\n")
    assert len(found.errors) == 1 and "syntax error" in found.errors[0].message
    assert found.signers and found.signers[0].claims["scope"].value == "user"


# --- library modules -----------------------------------------------------------------------------

def _ruby_libraries():
    from migrate.lang.ruby import libraries
    return libraries.all_libraries()


@pytest.mark.parametrize("lib", _ruby_libraries(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_each_library_module_is_a_complete_spec(lib) -> None:
    from migrate.lang.ruby import LANGUAGE
    assert isinstance(lib.NAME, str) and lib.NAME in LANGUAGE.libraries
    assert lib.RECEIVERS and all(isinstance(n, str) and n[:1].isupper() for n in lib.RECEIVERS)
    assert lib.SIGNS and all(isinstance(n, str) and n.isidentifier() for n in lib.SIGNS)
    assert lib.DEFAULT_ALG is None or isinstance(lib.DEFAULT_ALG, str)


def test_every_ruby_library_has_one_module() -> None:
    from migrate.lang.ruby import LANGUAGE, libraries
    mods = libraries.all_libraries()
    assert sorted(m.NAME for m in mods) == sorted(LANGUAGE.libraries)
    assert libraries.signing("::JWT", "encode").NAME == "ruby-jwt"
    assert libraries.signing("JWT", "decode") is None
