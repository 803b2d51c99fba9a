#!/usr/bin/env bash
# Refuse any change that deletes, edits, renames or retypes a record under the data folder's
# engagements/ between BASE and HEAD. New files are the only allowed change: records are append-only.
# `wst verify` finds edited events and deleted ones that others follow; a deleted *newest* event
# leaves no trace in the files, so a data repository's CI runs this script as well.
#
# usage: check-append-only.sh BASE [DATA_FOLDER]     (e.g. BASE=origin/main, DATA_FOLDER=data)
set -euo pipefail
base=${1:?usage: check-append-only.sh BASE [DATA_FOLDER]}
data=${2:-data}
changes=$(git diff --no-renames --name-status --diff-filter=DMT "$base"...HEAD -- "$data/engagements")
if [ -n "$changes" ]; then
  echo "wst: error: records under $data/engagements are append-only; this change deletes or edits:" >&2
  while IFS=$'\t' read -r status path; do
    case $status in D) what="deleted" ;; M) what="modified" ;; *) what="changed type" ;; esac
    echo "::error file=$path::record $what (records are append-only)"
  done <<< "$changes"
  exit 1
fi
echo "append-only: no record under $data/engagements was deleted or edited since $base"
