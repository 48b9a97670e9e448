"""Values followed the same way in every tree-sitter language (C#, Java, Go, Ruby, PHP, Python,
JavaScript/TypeScript):
keys through their wrappers and into the callers of the function around them, names
substituted into the text of an expression.  Read through the public extraction stage."""

from __future__ import annotations

import textwrap

import pytest

from migrate.extract import extract
from migrate.extract.base import Source
from migrate.model import Signer


def one(path: str, language: str, code: str) -> Signer:
    found = extract(Source.of(path, language, textwrap.dedent(code)))
    assert not found.errors, found.errors
    assert len(found.signers) == 1, found.signers
    return found.signers[0]


# A key parameter used inside a block / closure of the function that receives it: the
# function's same-file callers say what it is (here a committed literal).
PARAMETER_IN_CLOSURE = {
    "ruby": ("app/services/chat_token.rb", """\
        class ChatToken
          def sign(secret)
            [1].map do |_|
              JWT.encode({ external_id: '1', exp: Time.now.to_i + 300 }, secret, 'HS256')
            end.first
          end

          def issue
            sign('s3cr3t-value')
          end
        end
        """),
    "php": ("src/ChatToken.php", """\
        <?php
        use Firebase\\JWT\\JWT;

        function sign_for($secret) {
            $make = fn($id) => JWT::encode(['external_id' => $id, 'exp' => time() + 300], $secret, 'HS256');
            return $make('1');
        }

        echo sign_for('s3cr3t-value');
        """),
    "go": ("chat/token.go", """\
        package chat

        import "github.com/golang-jwt/jwt/v5"

        func signFor(secret string) (string, error) {
        \tbuild := func(id string) (string, error) {
        \t\treturn jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"external_id": id}).SignedString([]byte(secret))
        \t}
        \treturn build("1")
        }

        func Issue() (string, error) {
        \treturn signFor("s3cr3t-value")
        }
        """),
    "javascript": ("src/token.js", """\
        const jwt = require('jsonwebtoken');

        function signFor(secret) {
          const build = (id) => jwt.sign({ external_id: id, exp: Math.floor(Date.now() / 1000) + 300 }, secret);
          return build('1');
        }

        module.exports = () => signFor('s3cr3t-value');
        """),
}


PARAMETER_IN_CLOSURE["python"] = ("chat/tokens.py", """\
    import jwt

    def sign(secret):
        def make(user):
            return jwt.encode({"external_id": user.ref, "scope": "user"}, secret, algorithm="HS256")
        return make

    def issue(user):
        return sign("s3cr3t-value")(user)
    """)


@pytest.mark.parametrize("language", sorted(PARAMETER_IN_CLOSURE))
def test_a_key_parameter_used_in_a_closure_is_followed_into_the_callers(language: str) -> None:
    path, code = PARAMETER_IN_CLOSURE[language]
    s = one(path, language, code)
    assert s.secret is not None
    assert s.secret.source == "literal", s.secret
    assert "s3cr3t" not in s.secret.expression


# A decoded key: the decoder is shown in the key's expression, before the source it reads,
# and its trait is kept.
DECODED_KEY = {
    "ruby": ("app/controllers/zendesk_controller.rb", "Base64.decode64(", """\
        class ZendeskController < ApplicationController
          def token
            key = Base64.decode64(ENV.fetch('ZENDESK_SECRET'))
            render json: { jwt: JWT.encode({ external_id: '1' }, key, 'HS256') }
          end
        end
        """),
    "php": ("src/token.php", "base64_decode(", """\
        <?php
        use Firebase\\JWT\\JWT;
        $key = base64_decode(getenv('ZENDESK_SECRET'));
        echo JWT::encode(['external_id' => '1'], $key, 'HS256');
        """),
    "go": ("chat/token.go", "base64.StdEncoding.DecodeString(", """\
        package chat

        import (
        \t"encoding/base64"
        \t"os"

        \t"github.com/golang-jwt/jwt/v5"
        )

        func Sign() (string, error) {
        \tkey, _ := base64.StdEncoding.DecodeString(os.Getenv("ZENDESK_SECRET"))
        \treturn jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"external_id": "1"}).SignedString(key)
        }
        """),
    "csharp": ("Controllers/ZendeskController.cs", "Convert.FromBase64String(", """\
        using System.IdentityModel.Tokens.Jwt;
        using Microsoft.IdentityModel.Tokens;

        public class ZendeskController
        {
            public string Token()
            {
                var bytes = Convert.FromBase64String(Environment.GetEnvironmentVariable("ZENDESK_SECRET"));
                var creds = new SigningCredentials(new SymmetricSecurityKey(bytes), SecurityAlgorithms.HmacSha256);
                return new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(claims: null, signingCredentials: creds));
            }
        }
        """),
    "javascript": ("src/token.js", "Buffer.from(", """\
        const jwt = require('jsonwebtoken');
        const key = Buffer.from(process.env.ZENDESK_SECRET, 'base64');
        module.exports = () => jwt.sign({ external_id: '1' }, key);
        """),
    "java": ("src/main/java/ZendeskToken.java", "Decoders.BASE64.decode(", """\
        import io.jsonwebtoken.Jwts;
        import io.jsonwebtoken.io.Decoders;
        import io.jsonwebtoken.security.Keys;

        public class ZendeskToken {
            public String token() {
                byte[] bytes = Decoders.BASE64.decode(System.getenv("ZENDESK_SECRET"));
                return Jwts.builder().claim("external_id", "1").signWith(Keys.hmacShaKeyFor(bytes)).compact();
            }
        }
        """),
}


DECODED_KEY["python"] = ("chat/tokens.py", "base64.b64decode(", """\
    import base64
    import os

    import jwt

    KEY = base64.b64decode(os.environ["ZENDESK_SECRET"])

    def chat_token(user):
        return jwt.encode({"external_id": user.ref, "scope": "user"}, KEY, algorithm="HS256")
    """)


@pytest.mark.parametrize("language", sorted(DECODED_KEY))
def test_a_decoded_key_shows_its_decoder_then_its_source(language: str) -> None:
    path, decoder, code = DECODED_KEY[language]
    s = one(path, language, code)
    assert s.secret is not None
    assert s.secret.source == "env", s.secret
    assert "base64-decoded" in s.secret.traits
    hops = s.secret.expression.split(" = ")
    at = next(i for i, hop in enumerate(hops) if hop.startswith(decoder))
    assert "ZENDESK_SECRET" in hops[-1] and at < len(hops) - 1, hops


def test_substituted_names_keep_the_arithmetic() -> None:
    """A name holding a sum is parenthesised where the operator around it binds tighter, and
    left bare where it is the left operand of a sum."""
    s = one("chat/token.go", "go", """\
        package chat

        import (
        \t"os"
        \t"time"

        \t"github.com/golang-jwt/jwt/v5"
        )

        func Sign() (string, error) {
        \tstart := time.Now().Unix() + 60
        \tttl := 4 * 60
        \tclaims := jwt.MapClaims{"external_id": "1", "iat": time.Now().Unix(), "exp": start + ttl, "nbf": 2 * start}
        \treturn jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(os.Getenv("ZENDESK_SECRET")))
        }
        """)
    exp, nbf = s.claims["exp"], s.claims["nbf"]
    assert exp.resolved is not None and exp.resolved.text == "time.Now().Unix() + 60 + (4 * 60)"
    assert nbf.resolved is not None and nbf.resolved.text == "2 * (time.Now().Unix() + 60)"


def test_a_text_encoder_is_looked_through_and_a_key_constructor_shown() -> None:
    """JavaScript: ``new TextEncoder().encode(k)`` passes the secret's own bytes (not shown),
    ``createSecretKey(..)`` makes a key of it (shown, before the source)."""
    s = one("src/token.ts", "typescript", """\
        import { SignJWT } from 'jose';
        import { createSecretKey } from 'crypto';

        const secret = process.env.ZENDESK_SECRET!;
        const key = createSecretKey(new TextEncoder().encode(secret));

        export async function token(): Promise<string> {
          return new SignJWT({ external_id: '1' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
        }
        """)
    assert s.secret is not None and s.secret.source == "env", s.secret
    hops = s.secret.expression.split(" = ")
    assert hops[0] == "key" and hops[1].startswith("createSecretKey(") and hops[2] == "secret", hops
    assert not any(h.startswith("new TextEncoder") for h in hops), hops


JS_SCOPES = """\
    const jwt = require('jsonwebtoken');

    function token(user) {
      let ttl = 3600;
      if (user.kiosk) {
        const ttl = 60;
        audit(ttl);
      }
      ttl = 300;
      const exp = Math.floor(Date.now() / 1000) + ttl;
      return jwt.sign({ external_id: String(user.id), exp }, KEY);
    }

    const KEY = process.env.ZENDESK_SECRET;
    """


def test_javascript_scopes_a_reassignment_to_the_function_and_a_const_to_its_block() -> None:
    """``ttl = 300`` (the function's) is read after ``let ttl`` (the body's); the block's own
    ``const ttl`` is not; ``KEY``, declared further down, is seen from inside the function."""
    s = one("src/token.js", "javascript", JS_SCOPES)
    exp = s.claims["exp"]
    assert exp.resolved is not None and exp.resolved.resolved is not None, exp
    assert exp.resolved.resolved.text == "Math.floor(Date.now() / 1000) + 300", exp
    assert s.secret is not None and s.secret.source == "env", s.secret


def test_a_javascript_parameter_hides_a_module_name() -> None:
    """A parameter has no value, yet it hides the module's name of the same spelling."""
    s = one("src/token.js", "javascript", """\
        const jwt = require('jsonwebtoken');
        const key = 'module-s3cret';
        function sign(user, key) {
          return jwt.sign({ external_id: user.id }, key);
        }
        module.exports = sign;
        """)
    assert s.secret is not None and s.secret.source == "parameter", s.secret
    assert s.secret.expression == "key"


def test_a_key_parameter_is_followed_into_a_call_on_an_instance_not_past_a_spread() -> None:
    """The callers of a method are found through the instance a constant holds; a call that
    spreads its arguments says nothing about the parameter."""
    code = """\
        const jwt = require('jsonwebtoken');
        class Tokens {
          issue(user, key) { return jwt.sign({ external_id: user.id }, key); }
        }
        const tokens = new Tokens();
        module.exports = (...args) => tokens.issue(%s);
        """
    s = one("src/tokens.js", "javascript", code % "args[0], 'instance-s3cret'")
    assert s.secret is not None and s.secret.source == "literal", s.secret
    s = one("src/tokens.js", "javascript", code % "...args, 'spread-s3cret'")
    assert s.secret is not None and s.secret.source == "parameter", s.secret
