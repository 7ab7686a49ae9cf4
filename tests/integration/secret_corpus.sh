#!/usr/bin/env bash
# secret_corpus.sh - the secret scan on the labelled corpora of ../shared/data/secrets
# (CredSweeper's and detect-secrets' own expected outputs, scored line by line by
# bench/secret-corpus.py): no labelled negative may be reported (but the encrypted PEM keys
# moat reports by design, listed apart), and CredSweeper recall must not fall below what it
# is today. Missing corpora are a loud SKIP (exit 77), never a pass.
set -euo pipefail
data=${MOAT_SHARED_DATA:-$MOAT_SRC/../shared/data}/secrets
rc=0
python3 "$MOAT_SRC/bench/secret-corpus.py" --moat "$MOAT" --data "$data" --max-fp 0 \
  --min-recall 0.14 || rc=$?
if ((rc == 77)); then echo "SKIP: no labelled secret corpora under $data" >&2; fi
exit $rc
