#!/usr/bin/env bash
# tests/integration/cli_first_run.sh — what a first-time user meets: one-line
# errors for unknown options with a pointer to --help, `moat help CMD`,
# `moat --version` as JSON naming the libraries (checked against the
# libraries' own tools), -o into a missing directory refused before any
# work, and the scan's warnings: none on a normal scan, each one where it
# applies (no OS, no packages, no advisories for the image's release, a
# stale database), in the JSON report, on stderr and in SARIF.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_need jq openssl python3
it_fixtures alpine debian-min

SHARED=${MOAT_SHARED:-$MOAT_SRC/../shared/data}
[[ -d $SHARED/osv/debian-bookworm-derived ]] || it_skip_all "no shared OSV data at $SHARED/osv"
DEB=docker-archive:$FIXTURES/debian-min/docker-archive.tar
ALP=docker-archive:$FIXTURES/alpine/docker-archive.tar

# --- usage errors -------------------------------------------------------------
rc=0
it_moat "$WORK/o" "$WORK/e" scan --no-such-option "$DEB" || rc=$?
if [[ $rc == 2 && $(wc -l <"$WORK/e") == 2 ]] && grep -q "^moat scan: unrecognized option '--no-such-option'" "$WORK/e" &&
  grep -q "^Try 'moat scan --help' for more information.$" "$WORK/e" && [[ ! -s $WORK/o ]]; then
  ok "unknown option: exit 2, one error line and a pointer to --help, not the whole help"
else
  not_ok "unknown option: rc $rc, stderr: $(head -c 300 "$WORK/e")"
fi
rc=0
it_moat "$WORK/o" "$WORK/e" sbom -f || rc=$?
[[ $rc == 2 && $(wc -l <"$WORK/e") == 2 ]] && grep -q "requires an argument" "$WORK/e" &&
  ok "missing option argument: two lines, exit 2" || not_ok "missing argument: rc $rc $(cat "$WORK/e")"
for cmd in scan sbom db lint key attest sign verify admit authz; do
  "$MOAT" "$cmd" --help >"$WORK/h1" 2>&1 || true
  "$MOAT" help "$cmd" >"$WORK/h2" 2>&1 || true
  if [[ -s $WORK/h1 ]] && cmp -s "$WORK/h1" "$WORK/h2"; then :; else
    not_ok "moat help $cmd differs from moat $cmd --help"
    continue
  fi
done
((FAIL == 0)) && ok "moat help CMD prints CMD --help for every command"
rc=0
"$MOAT" help no-such-command >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] && ok "moat help with an unknown command: exit 2" || not_ok "help unknown: rc $rc"

# --- version ------------------------------------------------------------------
[[ $("$MOAT" --version) =~ ^moat\ [0-9]+\.[0-9]+\.[0-9]+$ ]] && ok "moat --version: one line" ||
  not_ok "moat --version: $("$MOAT" --version)"
if "$MOAT" --version --format json >"$WORK/v.json" 2>"$WORK/e"; then
  ossl=$(openssl version | awk '{print $2}')
  got=$(jq -r '.libraries.OpenSSL' "$WORK/v.json")
  sq=$(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')
  [[ $(jq -r .name "$WORK/v.json") == moat && $got == "$ossl" &&
     $(jq -r '.libraries.SQLite' "$WORK/v.json") == "$sq" &&
     $(jq '.libraries | length' "$WORK/v.json") -ge 10 ]] &&
    ok "moat --version --format json: OpenSSL $got and SQLite $sq as their own tools report them" ||
    not_ok "version json: $(head -c 400 "$WORK/v.json") (openssl $ossl, sqlite $sq)"
else
  not_ok "moat --version --format json failed: $(cat "$WORK/e")"
fi

# --- -o into a directory that does not exist ----------------------------------
rc=0
start=$(date +%s%N)
it_moat "$WORK/o" "$WORK/e" scan --scanners secret -o "$WORK/missing/dir/out.json" "$DEB" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[[ $rc == 1 ]] && grep -q "$WORK/missing/dir" "$WORK/e" && [[ ! -e $WORK/missing ]] &&
  ok "-o into a missing directory: exit 1 naming the directory, before the scan (${ms} ms)" ||
  not_ok "-o missing dir: rc $rc $(cat "$WORK/e")"

# --- progress on a terminal, none in a pipe -------------------------------------
if command -v script >/dev/null; then
  env -u CI script -qc "'$MOAT' scan --scanners secret -f json -o '$WORK/p.json' '$DEB'" /dev/null >"$WORK/tty" 2>&1 || true
  "$MOAT" scan --scanners secret -f json -o "$WORK/p.json" "$DEB" 2>"$WORK/e" || true
  grep -q "reading layer 1/1" "$WORK/tty" && ! grep -q "reading layer" "$WORK/e" &&
    ok "moat scan shows layer progress on a terminal, not in a pipe" || not_ok "progress: $(cat -v "$WORK/tty" | head -c 200)"
else
  it_skip "script(1) not installed: no pseudo-terminal for the progress check"
fi

# --- lint: what BuildKit refuses, and a build context directory -----------------
mkdir -p "$WORK/ctx"
printf 'FROM debian:12\nFROOM x\n' >"$WORK/ctx/Dockerfile"
rc=0
it_moat "$WORK/o" "$WORK/e" lint "$WORK/ctx" || rc=$?
[[ $rc == 1 && $(cat "$WORK/e") == "moat: $WORK/ctx/Dockerfile:2: unknown instruction: FROOM (did you mean FROM?)" ]] &&
  ok "lint DIR reads DIR/Dockerfile; FROOM is an error naming FILE:LINE" || not_ok "lint FROOM: rc $rc $(cat "$WORK/e")"
printf 'FROM debian:12\nRUNN true\n' >"$WORK/ctx/Dockerfile"
rc=0
it_moat "$WORK/o" "$WORK/e" lint "$WORK/ctx/Dockerfile" || rc=$?
[[ $rc == 1 ]] && grep -q "unknown instruction: RUNN (did you mean RUN?)" "$WORK/e" &&
  ok "RUNN is an error" || not_ok "lint RUNN: rc $rc $(cat "$WORK/e")"
: >"$WORK/ctx/Dockerfile"
rc=0
it_moat "$WORK/o" "$WORK/e" lint "$WORK/ctx" || rc=$?
[[ $rc == 1 ]] && grep -q "the Dockerfile has no instructions" "$WORK/e" &&
  ok "an empty Dockerfile is an error" || not_ok "lint empty: rc $rc $(cat "$WORK/e")"
printf 'FROM debian:latest\nRUN apt-get update && apt-get install -y curl\n' >"$WORK/ctx/Dockerfile"
rc=0
it_moat "$WORK/o" "$WORK/e" lint -f json --exit-code 4 "$WORK/ctx" || rc=$?
[[ $rc == 4 && $(jq -r '[.findings[] | select(.rule_id == "MDL003") | .aliases[0]] | first' "$WORK/o") == DL3007 ]] &&
  ok "lint DIR finds the latest tag, with hadolint's DL3007 as alias" || not_ok "lint DIR findings: rc $rc"

mkdir -p "$WORK/ctx2"
printf 'FROM alpine:3.20\nUSER root\n' >"$WORK/ctx2/Dockerfile"
COLUMNS=60 "$MOAT" lint -f table --color never "$WORK/ctx/Dockerfile" "$WORK/ctx2/Dockerfile" >"$WORK/t.txt" 2>"$WORK/e" || true
# one group a file: the file's name, then the column heads, then its rows with the whole FILE:LINE
if [[ $(grep -cx -e "$WORK/ctx/Dockerfile" -e "$WORK/ctx2/Dockerfile" "$WORK/t.txt") == 2 ]] &&
  [[ $(grep -c '^RULE ' "$WORK/t.txt") == 2 ]] && grep -q "$WORK/ctx2/Dockerfile:2 " "$WORK/t.txt" &&
  grep -q "MDL004  DL3002" "$WORK/t.txt"; then
  ok "lint table: grouped by file, whole FILE:LINE even at 60 columns, hadolint's DL id beside the rule"
else
  not_ok "lint table: $(head -c 600 "$WORK/t.txt")"
fi

# --- warnings -----------------------------------------------------------------
DB=$WORK/vuln.db
"$MOAT" db import --db "$DB" -q "$SHARED/osv/debian-bookworm-derived" >/dev/null
warn_codes() { jq -r '[.warnings[].code] | join(" ")' "$1"; }

it_moat "$WORK/w.json" "$WORK/e" scan --db "$DB" -f json "$DEB" || true
[[ $(warn_codes "$WORK/w.json") == "" && ! -s $WORK/e ]] &&
  ok "a normal scan (debian-min, Debian database) has no warning" ||
  not_ok "normal scan warns: $(warn_codes "$WORK/w.json") / $(cat "$WORK/e")"

it_moat "$WORK/w.json" "$WORK/e" scan --db "$DB" -f json "$ALP" || true
[[ $(warn_codes "$WORK/w.json") == db-no-advisories ]] && grep -q "no advisories for Alpine:v3.20" "$WORK/e" &&
  [[ $(jq '.findings | length' "$WORK/w.json") == 0 ]] &&
  ok "Alpine against a Debian-only database: 'no advisories for Alpine:v3.20', not a silent clean" ||
  not_ok "alpine warning: $(warn_codes "$WORK/w.json") / $(cat "$WORK/e")"
it_moat "$WORK/w.sarif" "$WORK/e" scan --db "$DB" -f sarif "$ALP" || true
[[ $(jq -r '.runs[0].invocations[0].toolExecutionNotifications[0].descriptor.id' "$WORK/w.sarif") == db-no-advisories ]] &&
  ok "SARIF carries the warning as a tool execution notification" ||
  not_ok "sarif notification missing"

mkdir -p "$WORK/empty"
it_moat "$WORK/w.json" "$WORK/e" scan --db "$DB" -f json "dir:$WORK/empty" || true
[[ $(warn_codes "$WORK/w.json") == "os-not-detected no-packages" ]] &&
  ok "an empty directory: no OS detected, no packages (not 'clean')" ||
  not_ok "empty dir warnings: $(warn_codes "$WORK/w.json")"

# a severity gate that leaves out findings of unknown severity says how many
it_moat "$WORK/g.json" "$WORK/e" scan --db "$DB" -f json --severity HIGH,CRITICAL "$DEB" || true
n_unknown=$("$MOAT" scan --db "$DB" -q -f json "$DEB" | jq '[.findings[] | select(.severity == "UNKNOWN")] | length')
grep -q "^moat: --severity left out $n_unknown findings whose severity is unknown" "$WORK/e" && ((n_unknown > 0)) &&
  ok "--severity HIGH,CRITICAL says it left out $n_unknown findings of unknown severity" ||
  not_ok "unknown-severity note: $(cat "$WORK/e") (want $n_unknown)"

# --- suppressions as Trivy users write them -----------------------------------
it_moat "$WORK/all.json" "$WORK/e" scan --db "$DB" -f json "$DEB" || true
id=$(jq -r '[.findings[].rule_id] | first' "$WORK/all.json")
n_all=$(jq '.findings | length' "$WORK/all.json")
n_id=$(jq --arg id "$id" '[.findings[] | select(.rule_id == $id)] | length' "$WORK/all.json")
mkdir -p "$WORK/proj"
printf '# accepted until the next release\n%s\n' "$(tr 'A-Z' 'a-z' <<<"$id")" >"$WORK/proj/.moatignore"
(cd "$WORK/proj" && "$MOAT" scan --db "$DB" -f json "$DEB") >"$WORK/ig.json" 2>"$WORK/e" || true
[[ $n_id -ge 1 && $(jq '.findings | length' "$WORK/ig.json") == $((n_all - n_id)) &&
   $(jq --arg id "$id" '[.findings[] | select(.rule_id == $id)] | length' "$WORK/ig.json") == 0 ]] &&
  ok ".moatignore in the current directory drops $id ($n_id of $n_all findings), case-insensitively" ||
  not_ok ".moatignore: $n_all -> $(jq '.findings | length' "$WORK/ig.json") $(cat "$WORK/e")"
printf '%s exp:2020-01-01\n' "$id" >"$WORK/old.ignore"
it_moat "$WORK/ig.json" "$WORK/e" scan --db "$DB" -f json --ignorefile "$WORK/old.ignore" "$DEB" || true
[[ $(jq '.findings | length' "$WORK/ig.json") == "$n_all" && $(warn_codes "$WORK/ig.json") == ignore-expired ]] &&
  grep -q "old.ignore:1: the entry for $id expired on 2020-01-01" "$WORK/e" &&
  ok "an expired entry (exp:2020-01-01) no longer applies, and a warning says so" ||
  not_ok "expired ignore: $(jq '.findings | length' "$WORK/ig.json") $(cat "$WORK/e")"
printf 'CVE-1 exp:2020-02-30\n' >"$WORK/bad.ignore"
rc=0
it_moat "$WORK/o" "$WORK/e" scan --db "$DB" --ignorefile "$WORK/bad.ignore" "$DEB" || rc=$?
[[ $rc == 1 && $(cat "$WORK/e") == "moat: $WORK/bad.ignore:1: exp:2020-02-30 is not a date (exp:YYYY-MM-DD)" ]] &&
  ok "a bad date in the ignore file: one line naming FILE:LINE" || not_ok "bad ignore: rc $rc $(cat "$WORK/e")"
rc=0
it_moat "$WORK/o" "$WORK/e" scan --db "$DB" --ignorefile "$WORK/none.ignore" "$DEB" || rc=$?
[[ $rc == 1 ]] && grep -q "none.ignore" "$WORK/e" && ok "a named ignore file that is missing is an error" ||
  not_ok "missing --ignorefile: rc $rc"

TRACKER=$SHARED/debian-security-tracker-subset
if [[ -f $TRACKER/CVE.list ]]; then
  "$MOAT" db import --db "$WORK/cve-only.db" -q "$TRACKER/CVE.list" >/dev/null 2>&1 || true
  it_moat "$WORK/w.json" "$WORK/e" scan --db "$WORK/cve-only.db" -f json "$DEB" || true
  jq -e '[.warnings[].code] | index("db-incomplete")' "$WORK/w.json" >/dev/null && grep -q "DSA" "$WORK/e" &&
    ok "the tracker's CVE list without its DSA list: the scan says stable fixes cannot be known" ||
    not_ok "db-incomplete: $(warn_codes "$WORK/w.json") $(cat "$WORK/e")"
else
  it_skip "no tracker lists at $TRACKER"
fi

cp "$DB" "$WORK/old.db"
python3 - "$WORK/old.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE sources SET imported_at = imported_at - 30 * 86400")
c.commit()
PY
it_moat "$WORK/w.json" "$WORK/e" scan --db "$WORK/old.db" -f json "$DEB" || true
[[ $(warn_codes "$WORK/w.json") == db-stale ]] && grep -q "last updated 30 days ago" "$WORK/e" &&
  ok "a database imported 30 days ago: db-stale" || not_ok "stale: $(warn_codes "$WORK/w.json") $(cat "$WORK/e")"
it_moat "$WORK/w.json" "$WORK/e" scan -q --db "$WORK/old.db" -f json "$DEB" || true
[[ ! -s $WORK/e && $(warn_codes "$WORK/w.json") == db-stale ]] &&
  ok "-q keeps stderr quiet, the report still carries the warning" || not_ok "-q: $(cat "$WORK/e")"

it_done
