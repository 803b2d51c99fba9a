#!/usr/bin/env bash
# Refuse any change that deletes, edits, renames or retypes a record under the data folder's
# engagements/ or roster/ between BASE and HEAD: records are append-only. `wst verify` finds edited
# events and deleted ones that others follow; a deleted *newest* event leaves no trace in the
# files, so a data repository's CI runs this script as well.
# people.toml and firm.toml may change, but a change to who is CEO, to anyone's keys, to the
# signature requirement or the review period must come with a CEO-signed roster approval
# (`wst roster approve`), checked here with `wst roster check`; deleting either file is refused.
#
# usage: check-append-only.sh BASE [DATA_FOLDER]     (e.g. BASE=origin/main, DATA_FOLDER=data)
set -euo pipefail
base=${1:?usage: check-append-only.sh BASE [DATA_FOLDER]}
data=${2:-data}
status=0
changes=$(git diff --no-renames --name-status --diff-filter=DMT "$base"...HEAD -- "$data/engagements" "$data/roster")
if [ -n "$changes" ]; then
  echo "wst: error: records under $data/engagements and $data/roster are append-only; this change deletes or edits:" >&2
  while IFS=$'\t' read -r kind path; do
    case $kind in D) what="deleted" ;; M) what="modified" ;; *) what="changed type" ;; esac
    echo "::error file=$path::record $what (records are append-only)"
  done <<< "$changes"
  status=1
fi
settings=$(git diff --no-renames --name-status "$base"...HEAD -- "$data/people.toml" "$data/firm.toml")
if [ -n "$settings" ]; then
  while IFS=$'\t' read -r kind path; do
    if [ "$kind" = D ]; then
      echo "::error file=$path::deleted; the firm's settings and roster cannot be removed"
      status=1
    fi
  done <<< "$settings"
  if ! report=$(wst roster check --data "$data"); then
    while IFS= read -r line; do
      echo "::error file=${line%%: *}::${line#*: }"
    done <<< "$report"
    echo "wst: error: people.toml/firm.toml changed without a CEO-signed roster approval ('wst roster approve')" >&2
    status=1
  fi
fi
[ "$status" -eq 0 ] && echo "append-only: no record under $data/engagements or $data/roster was deleted or edited since $base"
exit "$status"
