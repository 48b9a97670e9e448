# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv on first use and install what they need into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := tests/node/node_modules/.installed

.PHONY: demo test fuzz bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A .venv made before the distribution was renamed holds it as "migrate": that one goes first, so
# the two do not share (and later remove) the same commands.
$(STAMP): pyproject.toml | $(BIN)/python
	@$(BIN)/python -m pip uninstall --quiet --yes migrate 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

DEMO_FLAGS := --region eu-west-1 --deployment-id 5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60 \
              --issuer https://shop.example.com/oidc

demo: $(STAMP)
	@echo "== 1. migrate scan examples/shop: what is there, what is wrong =="
	$(BIN)/migrate scan examples/shop --exit-zero  # without --exit-zero, findings make it exit 1
	@echo
	@echo "== 2. migrate generate examples/shop: the Genesys side, as a diff (nothing is written) =="
	MIGRATE_SECRETS_DIR=$(CURDIR)/.venv/demo-secrets $(BIN)/migrate generate examples/shop $(DEMO_FLAGS)
	@echo
	@echo "== migrate is installed in $(CURDIR)/$(BIN). To run it as \`migrate\` in this shell: =="
	@echo "export PATH=\"$(CURDIR)/$(BIN):\$$PATH\""
	@echo "== or for every shell, from this clone: pipx install --editable $(CURDIR) =="

# npm packages the generated JavaScript needs when the tests run it under node.
$(NODE_STAMP): tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Debian's chromium, for the browser test (tests/browser). Where apt-get is missing the test is
# skipped, with the reason written here.
CHROMIUM := /usr/bin/chromium
CHROMIUM_UNAVAILABLE := $(VENV)/chromium-unavailable
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

$(CHROMIUM): | $(BIN)/python
	@if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "no apt-get here: Debian's chromium cannot be installed, the browser test is skipped" \
	    | tee $(CHROMIUM_UNAVAILABLE); \
	elif [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null 2>&1; then \
	  echo "not root and no sudo: Debian's chromium cannot be installed, the browser test is skipped" \
	    | tee $(CHROMIUM_UNAVAILABLE); \
	else \
	  { $(APT_INSTALL) || { $(SUDO) apt-get update -q && $(APT_INSTALL); }; } \
	  && rm -f $(CHROMIUM_UNAVAILABLE); \
	fi

# Debian's ruby with ruby-jwt, rack, webrick and ActiveSupport, for the Ruby provider test
# (tests/generated/test_ruby_provider.py runs the generated provider core under ruby); Sinatra and
# Rails 6.1 (ruby-railties: 17 small packages, about 5 seconds to install) for the migrated apps that
# tests/generated/test_rb_sinatra_run.py and test_rb_rails_run.py boot with rackup; the redis gem
# (ruby-redis) for the provider's GENESYS_OIDC_STORE_URL store (test_rb_production.py). Where they cannot
# be installed the tests are skipped, with the reason in their skip message.
RUBY_STAMP := $(VENV)/.ruby-installed-redis
RUBY_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                ruby ruby-jwt ruby-rack ruby-webrick ruby-activesupport ruby-sinatra ruby-railties ruby-redis

$(RUBY_STAMP): | $(BIN)/python
	@if ! command -v apt-get >/dev/null 2>&1 || { [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null 2>&1; }; then \
	  echo "Debian's ruby packages cannot be installed here: the Ruby provider tests are skipped"; \
	else \
	  { $(RUBY_INSTALL) || { $(SUDO) apt-get update -q && $(RUBY_INSTALL); }; } && touch $(RUBY_STAMP) \
	    || echo "installing Debian's ruby packages failed: the Ruby provider tests are skipped"; \
	fi

# Debian's php-cli (with its openssl extension), for the PHP provider tests
# (tests/generated/test_php_provider.py serves the generated provider with `php -S`), and Symfony 5.4's
# framework and security bundles (36 small packages, about 20 seconds to install) for the migrated
# Symfony site of tests/generated/test_php_symfony_run.py; phpredis (php-redis) for the provider's
# GENESYS_OIDC_STORE_URL store and Laravel 8's cache over it (php-illuminate-cache, php-illuminate-redis)
# for test_php_production.py and test_php_laravel_cache.py. Where they cannot be installed those tests
# are skipped, with the reason in their skip message.
PHP_STAMP := $(VENV)/.php-installed-redis
PHP_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q php-cli \
               php-symfony-framework-bundle php-symfony-security-bundle php-redis \
               php-illuminate-cache php-illuminate-redis

$(PHP_STAMP): | $(BIN)/python
	@if ! command -v apt-get >/dev/null 2>&1 || { [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null 2>&1; }; then \
	  echo "Debian's php-cli cannot be installed here: the PHP provider tests are skipped"; \
	else \
	  { $(PHP_INSTALL) || { $(SUDO) apt-get update -q && $(PHP_INSTALL); }; } && touch $(PHP_STAMP) \
	    || echo "installing Debian's php-cli failed: the PHP provider tests are skipped"; \
	fi

# Debian's Mono (mcs and System.Web), for the ASP.NET on .NET Framework site test
# (tests/generated/test_cs_systemweb_run.py builds the migrated WebForms site with mcs and serves it
# with System.Web on 127.0.0.1). Where it cannot be installed that test is skipped, with the reason
# in its skip message.
MONO_STAMP := $(VENV)/.mono-installed
MONO_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                mono-mcs mono-xsp4 libmono-system-web4.0-cil libmono-system-web-mvc3.0-cil ca-certificates-mono

$(MONO_STAMP): | $(BIN)/python
	@if ! command -v apt-get >/dev/null 2>&1 || { [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null 2>&1; }; then \
	  echo "Debian's Mono cannot be installed here: the System.Web site test is skipped"; \
	else \
	  { $(MONO_INSTALL) || { $(SUDO) apt-get update -q && $(MONO_INSTALL); }; } && touch $(MONO_STAMP) \
	    || echo "installing Debian's Mono failed: the System.Web site test is skipped"; \
	fi

# Debian's redis-server, for the tests that run several processes of one provider sharing their
# codes and refresh tokens (tests/generated/redis_server.py starts it on 127.0.0.1 and stops it).
# Where it cannot be installed those tests are skipped, with the reason in their skip message.
REDIS_STAMP := $(VENV)/.redis-installed
REDIS_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server

$(REDIS_STAMP): | $(BIN)/python
	@if ! command -v apt-get >/dev/null 2>&1 || { [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null 2>&1; }; then \
	  echo "Debian's redis-server cannot be installed here: the shared-store tests are skipped"; \
	else \
	  { $(REDIS_INSTALL) || { $(SUDO) apt-get update -q && $(REDIS_INSTALL); }; } && touch $(REDIS_STAMP) \
	    || echo "installing Debian's redis-server failed: the shared-store tests are skipped"; \
	fi

# The Go and Spring Boot provider tests (tests/generated/test_go_provider_run.py and
# test_java_provider_run.py) build the generated provider into a small site with the go command and
# with Maven. This first build downloads what they need into .venv/go-cache and .venv/m2 (for Go also
# the module versions that the wiring writes into a site's go.mod, and the modules of the Go sites in
# tests/generated/go/sites and the Maven sites in tests/generated/java/sites that the wiring tests
# migrate and build), so the builds inside the tests
# run from those caches (Maven offline). Where go, or mvn and java, are missing or the module proxy
# or Maven Central cannot be reached, the reason is printed here and those tests are skipped with it.
GO_STAMP := $(VENV)/.go-warm
JAVA_STAMP := $(VENV)/.java-warm
GO_HOST := tests/generated/go/hostapp
JAVA_HOST := tests/generated/java/hostapp

$(GO_STAMP): $(GO_HOST)/go.mod $(GO_HOST)/go.sum migrate/lang/go/frameworks/gohttp.py $(wildcard tests/generated/go/sites/*/go.mod) | $(STAMP)
	@$(BIN)/python tests/generated/toolchains.py warm go && touch $(GO_STAMP) || true

$(JAVA_STAMP): $(JAVA_HOST)/pom.xml tests/generated/java/servlethost/pom.xml migrate/lang/java/frameworks/spring.py $(wildcard tests/generated/java/sites/*/pom.xml) | $(STAMP)
	@$(BIN)/python tests/generated/toolchains.py warm java && touch $(JAVA_STAMP) || true

test: $(STAMP) $(NODE_STAMP) $(CHROMIUM) $(RUBY_STAMP) $(PHP_STAMP) $(GO_STAMP) $(JAVA_STAMP) $(MONO_STAMP) $(REDIS_STAMP)
	$(BIN)/python -m pytest

# A longer, random run of the fuzz suites (tests/test_fuzz_*.py: scan, check-token, generate, verify
# on generated hostile input), with how many cases each tried; `make test` runs a short, repeatable
# one. FUZZ_FLAGS=-x stops at the first failure.
FUZZ_FLAGS ?=
fuzz: $(STAMP)
	MIGRATE_FUZZ=long $(BIN)/python -m pytest tests/test_fuzz_support.py tests/test_fuzz_check_token.py \
	  tests/test_fuzz_scan.py tests/test_fuzz_generate.py tests/test_fuzz_verify.py -p no:cacheprovider \
	  --hypothesis-show-statistics $(FUZZ_FLAGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/scan_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
