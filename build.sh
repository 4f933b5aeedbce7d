#!/usr/bin/env bash
# IceVeil's one entry point: set-up on a fresh machine, both browser packages, the headless report, tests, benchmarks.
#
#   ./build.sh          set up, build dist/chrome + dist/firefox (+ zips), print a headless self-test report
#   ./build.sh test     set up, build, run every test (native core, fuzz smoke, lint, real browsers)
#   ./build.sh bench    set up, build, run the benchmarks and rewrite BENCHMARKS.md
#   ./build.sh build    set up and build only
#   ./build.sh setup    install what is missing, nothing else
# Idempotent: every step checks before it installs or rebuilds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$PWD
TOOLS=$ROOT/.tools
export PATH="$HOME/.cargo/bin:$PATH"

T0=$(date +%s)
step() { printf '\n==> [+%4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

VERSION=$(python3 -c 'import json;print(json.load(open("manifest.json"))["version"])')
CRATE_VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
[ "$VERSION" = "$CRATE_VERSION" ] || die "manifest.json version $VERSION differs from Cargo.toml $CRATE_VERSION"
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
GECKODRIVER_VERSION=0.37.1
APT_PACKAGES=(chromium chromium-driver firefox-esr coturn tinyproxy nftables iproute2 python3 openssl)

# ---------------------------------------------------------------- set-up
setup_apt() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && { echo "Debian packages present: ${APT_PACKAGES[*]}"; return; }
  [ "$(id -u)" = 0 ] || die "need root to apt-get install ${missing[*]}"
  step "apt-get install ${missing[*]} (browsers, drivers, coturn, proxy; a few minutes)"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  # The lab starts its own coturn and tinyproxy; the distribution's services stay off.
  systemctl disable --now coturn tinyproxy >/dev/null 2>&1 || true
}

setup_rust() {
  command -v cargo >/dev/null || die "cargo not found: this machine kind ships Rust through rustup"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  WASM_BINDGEN=$TOOLS/wasm-bindgen-$WASM_BINDGEN_VERSION/bin/wasm-bindgen
  if [ ! -x "$WASM_BINDGEN" ]; then
    step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (pinned to Cargo.lock; about 4 minutes, once)"
    cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --root "$TOOLS/wasm-bindgen-$WASM_BINDGEN_VERSION"
  fi
  GECKODRIVER=$TOOLS/geckodriver-$GECKODRIVER_VERSION/bin/geckodriver
  if [ ! -x "$GECKODRIVER" ]; then
    step "cargo install geckodriver $GECKODRIVER_VERSION (about 5 minutes, once)"
    cargo install geckodriver --version "=$GECKODRIVER_VERSION" --root "$TOOLS/geckodriver-$GECKODRIVER_VERSION"
  fi
  export GECKODRIVER WASM_BINDGEN
}

setup_node() {
  command -v node >/dev/null || die "node not found (Node 20 is part of this machine kind)"
  if [ ! -f node_modules/.iceveil-lock ] || ! cmp -s package-lock.json node_modules/.iceveil-lock; then
    step "npm ci (playwright-core, web-ext, binaryen, esbuild)"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.iceveil-lock
  fi
}

setup() {
  step "set-up"
  setup_apt
  setup_rust
  setup_node
}

# ---------------------------------------------------------------- build
build() {
  step "cargo build (wasm32, size-optimised profile)"
  cargo build --quiet --profile wasm --lib --target wasm32-unknown-unknown
  step "wasm-bindgen $WASM_BINDGEN_VERSION + wasm-opt -Oz"
  rm -rf build/pkg && mkdir -p build/pkg
  "$WASM_BINDGEN" --target web --no-typescript --out-dir build/pkg \
    target/wasm32-unknown-unknown/wasm/iceveil.wasm
  # Firefox's isolated world gets the same Wasm through a classic-script glue (content scripts
  # cannot import modules); it must drive the very same binary, so the build checks that.
  rm -rf build/pkg-isolated
  "$WASM_BINDGEN" --target no-modules --no-typescript --out-dir build/pkg-isolated \
    target/wasm32-unknown-unknown/wasm/iceveil.wasm
  cmp -s build/pkg/iceveil_bg.wasm build/pkg-isolated/iceveil_bg.wasm \
    || die "wasm-bindgen's web and no-modules outputs differ; the isolated-world glue cannot share the Wasm"
  grep -q '^let wasm_bindgen = (function(exports) {$' build/pkg-isolated/iceveil.js \
    || die "unexpected no-modules glue from wasm-bindgen $WASM_BINDGEN_VERSION"
  { echo '// Generated (wasm-bindgen --target no-modules): the Rust core glue for Firefox'"'"'s isolated world, injected only into frames that use WebRTC.'
    sed 's/^let wasm_bindgen = (function(exports) {$/globalThis.iceveilCoreGlue = (function(exports) {/' build/pkg-isolated/iceveil.js
    echo 'void 0; // scripting.executeScript needs a structured-clonable completion value'
  } > build/pkg-isolated/iceveil-isolated.js
  node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    build/pkg/iceveil_bg.wasm -o build/pkg/iceveil_bg.wasm
  step "esbuild: the page layer's modules (extension/content/page/) -> one classic MAIN-world script"
  # Content scripts cannot be modules: the page layer's ES modules ship as one IIFE, strict as they were.
  # The bundle runs only where no other IceVeil instance covers the realm already (realms.js, MARK): the check is a
  # bare global identifier, read before any built-in is taken (docs/page-layer.md, "One wrap per realm").
  local mark
  mark=$(sed -n "s/^export const MARK = '\([A-Za-z_]*\)';$/\1/p" extension/content/page/realms.js)
  [ -n "$mark" ] || die "extension/content/page/realms.js: no MARK"
  node_modules/.bin/esbuild extension/content/page/main.js --bundle --format=iife --target=chrome121,firefox128 \
    --legal-comments=none --log-level=warning --outfile=build/page-main.js \
    "--banner:js=// IceVeil's page layer (MAIN world), bundled by build.sh from extension/content/page/*.js: read those, not this.
'use strict';
if (typeof $mark === 'undefined' || $mark !== true) {" "--footer:js=}"
  step "assemble dist/chrome and dist/firefox"
  local b
  mkdir -p dist
  for b in chrome firefox; do
    rm -rf "dist/$b" "dist/iceveil-$VERSION-$b.zip"
    mkdir -p "dist/$b"
    cp -R extension/. "dist/$b/"
    rm -rf "dist/$b/content/page"
    cp build/page-main.js "dist/$b/content/main.js"
    mkdir -p "dist/$b/psl" && cp data/public_suffix_list.dat "dist/$b/psl/"
    cp -R build/pkg "dist/$b/pkg"
    if [ "$b" = firefox ]; then cp build/pkg-isolated/iceveil-isolated.js "dist/$b/pkg/"; fi
    node scripts/derive-manifest.mjs manifest.json "$b" "dist/$b/manifest.json"
    python3 scripts/zip-dir.py "dist/$b" "dist/iceveil-$VERSION-$b.zip"
  done
  printf '%s\n' "built: dist/chrome dist/firefox" \
    "       $(du -b build/pkg/iceveil_bg.wasm | cut -f1) bytes wasm" \
    "       $(du -b "dist/iceveil-$VERSION-chrome.zip" | cut -f1) bytes dist/iceveil-$VERSION-chrome.zip" \
    "       $(du -b "dist/iceveil-$VERSION-firefox.zip" | cut -f1) bytes dist/iceveil-$VERSION-firefox.zip"
}

# ---------------------------------------------------------------- report, tests, bench
report() {
  step "headless self-test report (Chromium with dist/chrome)"
  tests/lab/with-lab.sh node tests/report.mjs
}

# Runs one suite, keeping its output in $TEST_LOG for the closing count.
suite() {
  local name=$1
  shift
  if "$@" 2>&1 | tee -a "$TEST_LOG"; then :; else failed+=("$name"); fi
}

run_tests() {
  failed=()
  TEST_LOG=$(mktemp)
  step "native core: cargo test"
  suite "cargo test" cargo test --quiet
  if [ -x scripts/fuzz-smoke.sh ]; then
    step "fuzz smoke (bounded)"
    suite "fuzz smoke" scripts/fuzz-smoke.sh
  fi
  step "core at the JS boundary: wasm-bindgen-test in headless Chromium and Firefox"
  local drv
  for drv in CHROMEDRIVER=/usr/bin/chromedriver "GECKODRIVER=$GECKODRIVER"; do
    suite "wasm-bindgen-test ${drv%%=*}" env "$drv" WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" \
      WASM_BINDGEN_TEST_TIMEOUT=120 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$(dirname "$WASM_BINDGEN")/wasm-bindgen-test-runner" \
      cargo test --target wasm32-unknown-unknown --test wasm
  done
  step "web-ext lint dist/firefox, Chromium manifest check"
  suite "package lint" node tests/lint.mjs
  step "real browsers: Chromium $(chromium --version 2>/dev/null | awk '{print $2}') and Firefox $(firefox-esr --version 2>/dev/null | awk '{print $3}') (node --test, inside the lab)"
  suite "browser tests" tests/lab/with-lab.sh node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
  # One closing count over every runner: cargo's "N passed; M failed", lint's "N passed, M failed", node's "ℹ pass N".
  local passed failed_n
  passed=$(grep -hoE '(test result: [a-zA-Z]+\. [0-9]+ passed|^lint: [0-9]+ passed|^ℹ pass [0-9]+)' "$TEST_LOG" | grep -oE '[0-9]+' | awk '{ s += $1 } END { print s + 0 }' || true)
  failed_n=$(grep -hoE '([0-9]+ failed;|^lint: [0-9]+ passed, [0-9]+ failed|^ℹ fail [0-9]+)' "$TEST_LOG" | grep -oE '[0-9]+( failed|$)' | grep -oE '^[0-9]+' | awk '{ s += $1 } END { print s + 0 }' || true)
  rm -f "$TEST_LOG"
  step "done"
  if [ ${#failed[@]} -gt 0 ]; then
    printf '\nFAILED suites: %s\n' "${failed[*]}"
    printf 'tests: %s passed, %s failed\n' "${passed:-0}" "$(( ${failed_n:-0} > 0 ? ${failed_n:-0} : ${#failed[@]} ))"
    return 1
  fi
  printf '\nall test suites passed\n'
  printf 'tests: %s passed, %s failed\n' "${passed:-0}" "${failed_n:-0}"
}

cmd=${1:-all}
case "$cmd" in
  setup) setup ;;
  build) setup; build ;;
  all) setup; build; report ;;
  test) setup; build; run_tests; exit $? ;;
  bench) setup; build; step "benchmarks (inside the NAT lab)"; tests/lab/with-lab.sh node tests/bench/run.mjs ;;
  *) die "unknown command '$cmd' (use: ./build.sh [setup|build|test|bench])" ;;
esac
step "done"
