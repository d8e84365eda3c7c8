#!/usr/bin/env bash
# config/README.md's key table must be what `wafer serve --config-markdown`
# prints from the key table in config/config.c (the one source of truth).
# usage: config_docs.sh WAFER README
set -euo pipefail
wafer=$1 readme=$2
expected=$("$wafer" serve --config-markdown)
actual=$(sed -n '/^| key | type |/,$p' "$readme")
if [ -z "$actual" ]; then
    echo "config_docs: no key table in $readme" >&2
    exit 1
fi
if [ "$actual" != "$expected" ]; then
    echo "config_docs: $readme's key table differs from 'wafer serve --config-markdown':" >&2
    diff <(echo "$actual") <(echo "$expected") >&2 || true
    echo "regenerate the table with the command above" >&2
    exit 1
fi
echo "config_docs: $(echo "$expected" | grep -c '^| `') keys documented, table up to date"
