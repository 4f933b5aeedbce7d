#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time over the committed corpus; exits non-zero on any crash.
#
#   FUZZ_SECONDS=20 scripts/fuzz-smoke.sh        # per target (default 20)
#
# Stable Rust only: cargo-fuzz needs nightly flags, which RUSTC_BOOTSTRAP=1 unlocks. cargo-fuzz
# is installed into .tools/cargo-fuzz (gitignored) when missing. New inputs found during the run
# go to a scratch directory, so the committed corpus (fuzz/corpus/<target>) is only read.
# Targets are built without a sanitizer (-s none: the core is safe Rust) but with debug
# assertions and overflow checks, which is cargo-fuzz's default.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECS="${FUZZ_SECONDS:-20}"
TOOLS="$ROOT/.tools/cargo-fuzz"
export PATH="$TOOLS/bin:$PATH"
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
TARGETS=(candidate sdp)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz-smoke: cargo-fuzz not found; installing into $TOOLS"
  cargo install cargo-fuzz --locked --root "$TOOLS"
fi

cd "$ROOT"
for t in "${TARGETS[@]}"; do
  echo "fuzz-smoke: building target '$t'"
  cargo fuzz build -s none "$t"
done

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
failed=()
for t in "${TARGETS[@]}"; do
  corpus="fuzz/corpus/$t"
  mkdir -p "$corpus" "$SCRATCH/$t"
  n=$(find "$corpus" -type f | wc -l)
  echo "fuzz-smoke: running '$t' for ${SECS}s over $n corpus inputs"
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
  if cargo fuzz run -s none "$t" "$SCRATCH/$t" "$corpus" -- \
      -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}"; then
    echo "fuzz-smoke: '$t' OK"
  else
    echo "fuzz-smoke: '$t' FAILED (crash input in fuzz/artifacts/$t/)" >&2
    failed+=("$t")
  fi
done

if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz-smoke: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz-smoke: all ${#TARGETS[@]} targets passed (${SECS}s each)"
