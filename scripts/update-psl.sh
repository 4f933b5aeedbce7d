#!/usr/bin/env bash
# Refreshes data/public_suffix_list.dat (the Public Suffix List that src/suffix.rs parses) from the newest release of the maintained `psl` crate.
# Usage: scripts/update-psl.sh [version]   (default: the newest psl 2.x the registry has)
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-2}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
printf '[package]\nname = "psl-fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\npsl = "%s"\n' "$want" > "$tmp/Cargo.toml"
: > "$tmp/src/lib.rs"
echo "==> fetching the psl crate ($want) through cargo"
cargo fetch --manifest-path "$tmp/Cargo.toml" --quiet
dir="$(cargo metadata --manifest-path "$tmp/Cargo.toml" --format-version 1 \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s).packages.find(p=>p.name==="psl");console.log(require("path").dirname(p.manifest_path)+" "+p.version)})')"
read -r src version <<<"$dir"
rules="$src/data/rules.txt"
[ -s "$rules" ] || { echo "update-psl: $rules is missing or empty; the psl crate changed its layout" >&2; exit 1; }
{
  echo "// Mozilla's Public Suffix List (https://publicsuffix.org/list/), as shipped in the psl crate $version (data/rules.txt)."
  echo "// Written by scripts/update-psl.sh; do not edit by hand. The marker below is what the publicsuffix crate's parser expects."
  echo "// ===BEGIN ICANN DOMAINS==="
  cat "$rules"
} > data/public_suffix_list.dat
echo "==> data/public_suffix_list.dat: $(grep -vc '^//' data/public_suffix_list.dat) rules from psl $version"
