#!/usr/bin/env bash
# Runs a command inside the NAT lab when this machine allows it (reusing a running lab, else building and removing one); otherwise runs it as is.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ "$(id -u)" = 0 ] && [ "${IVL_NO_LAB:-0}" != 1 ] && ip netns list >/dev/null 2>&1; then
  export IVL_LAB_DIR=${IVL_LAB_DIR:-/tmp/ivl-lab}
  owner=0
  if ! "$here/lab.sh" status >/dev/null 2>&1; then
    "$here/lab.sh" up >/dev/null || { echo "with-lab: the lab failed to start" >&2; "$here/lab.sh" down; exit 1; }
    owner=1
  fi
  export IVL_LAB_JSON="$IVL_LAB_DIR/lab.json"
  "$here/lab.sh" exec -- "$@"
  rc=$?
  [ "$owner" = 1 ] && [ "${IVL_KEEP_LAB:-0}" != 1 ] && "$here/lab.sh" down >/dev/null 2>&1
  exit $rc
fi
echo "with-lab: not root or no network namespaces here; running outside the lab" >&2
exec "$@"
