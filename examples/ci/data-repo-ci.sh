#!/usr/bin/env bash
# CI for a firm's shared data repository: records append-only, files valid, history intact, and
# every record that arrived since BASE dated within WST_CLOCK_SKEW (default 1h) of the CI clock.
# usage: data-repo-ci.sh BASE [DATA_FOLDER] [POLICIES_FOLDER]
set -euo pipefail
base=${1:?usage: data-repo-ci.sh BASE [DATA_FOLDER] [POLICIES_FOLDER]}
data=${2:-data}
here=$(cd "$(dirname "$0")" && pwd)
"$here/check-append-only.sh" "$base" "$data"
args=(--data "$data" --format github)
[ -n "${3:-}" ] && args+=(--policies "$3")
wst validate "${args[@]}"
wst verify "${args[@]}" --since "$base" --clock-skew "${WST_CLOCK_SKEW:-1h}"
