"""A literal signing secret never reaches a report, whatever literal form the language writes it in."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.extract.traits import mask

CANARY = "CANARY-s3cr3t-value"

SITES = {
    "ruby_percent_q.rb": f"""require 'jwt'
class ZendeskController < ApplicationController
  def jwt
    secret = %q({CANARY})
    render json: {{ token: JWT.encode({{ external_id: current_user.id.to_s, scope: 'user' }}, secret, 'HS256', {{ kid: 'app_1' }}) }}
  end
end
""",
    "ruby_percent_Q_nested.rb": f"""require 'jwt'
class ZendeskController < ApplicationController
  def jwt
    secret = %Q{{{{{CANARY}}}}}
    render json: {{ token: JWT.encode({{ external_id: current_user.id.to_s, scope: 'user' }}, secret, 'HS256', {{ kid: 'app_1' }}) }}
  end
end
""",
    "ruby_heredoc.rb": f"""require 'jwt'
class ZendeskController < ApplicationController
  def jwt
    secret = <<~KEY.strip
      {CANARY}
    KEY
    render json: {{ token: JWT.encode({{ external_id: current_user.id.to_s, scope: 'user' }}, secret, 'HS256', {{ kid: 'app_1' }}) }}
  end
end
""",
    "php_heredoc.php": f"""<?php
use Firebase\\JWT\\JWT;
$secret = <<<EOT
{CANARY}
EOT;
echo JWT::encode(['external_id' => (string) $user->id, 'scope' => 'user'], $secret, 'HS256', 'app_1');
""",
    "php_nowdoc.php": f"""<?php
use Firebase\\JWT\\JWT;
$secret = <<<'EOT'
{CANARY}
EOT;
echo JWT::encode(['external_id' => (string) $user->id, 'scope' => 'user'], $secret, 'HS256', 'app_1');
""",
    "go_raw.go": f"""package main

import "github.com/golang-jwt/jwt/v5"

func sign(id string) (string, error) {{
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{{"external_id": id, "scope": "user"}})
	t.Header["kid"] = "app_1"
	return t.SignedString([]byte(`{CANARY}`))
}}
""",
    "csharp_verbatim.cs": f"""using JWT.Algorithms;
using JWT.Builder;
public class Tokens {{
    public string Zendesk(string id) => JwtBuilder.Create()
        .WithAlgorithm(new HMACSHA256Algorithm())
        .WithSecret(@"{CANARY} ""quoted"" end")
        .AddHeader(HeaderName.KeyId, "app_1")
        .AddClaim("external_id", id).AddClaim("scope", "user").Encode();
}}
""",
    "java_text_block.java": f"""import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
public class Tokens {{
    String zendesk(String id) {{
        String secret = \"\"\"
            {CANARY}\"\"\";
        return Jwts.builder().setHeaderParam("kid", "app_1").claim("external_id", id).claim("scope", "user")
            .signWith(Keys.hmacShaKeyFor(secret.getBytes())).compact();
    }}
}}
""",
    "python_prefixed.py": f"""import jwt

def zendesk(user):
    return jwt.encode({{"external_id": str(user.id), "scope": "user"}}, rb"{CANARY}", algorithm="HS256",
                      headers={{"kid": "app_1"}})
""",
    "js_template.js": f"""const jwt = require('jsonwebtoken');
function zendesk(user) {{
  return jwt.sign({{ external_id: String(user.id), scope: 'user' }}, `{CANARY}`, {{ keyid: 'app_1' }});
}}
""",
}


@pytest.mark.parametrize("name", sorted(SITES))
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_literal_secret_in_any_report(tmp_path, name, fmt):
    (tmp_path / name).write_text(SITES[name])
    r = CliRunner().invoke(app, ["scan", str(tmp_path), "--format", fmt, "--exit-zero"])
    assert r.exit_code == 0, r.stderr
    assert CANARY not in r.stdout + r.stderr
    if fmt == "json":
        report = json.loads(r.stdout)
        (signer,) = report["signers"]
        assert signer["secret"]["source"] == "literal", signer["secret"]
        assert "***" in signer["secret"]["expression"]


def test_masking_is_linear_on_a_line_of_backslashes():
    text = '"' + "\\" * 200_000 + " # not closed"
    started = time.monotonic()
    assert mask(text) == '"***"'
    assert time.monotonic() - started < 1.0
