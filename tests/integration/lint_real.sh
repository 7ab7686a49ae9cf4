#!/usr/bin/env bash
# lint_real.sh - moat lint over the real-world Dockerfiles in ../shared/data
# (no crash, no parse failure, JSON and SARIF that parse, --exit-code honoured)
# and over Trivy's labelled good/bad snippets: every bad snippet of a check
# that one of our rules covers gets that rule's finding, the good ones do not.
set -euo pipefail

MOAT_SRC=${MOAT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MOAT_BUILD=${MOAT_BUILD:-$MOAT_SRC/build}
MOAT=${MOAT:-$MOAT_BUILD/moat}
DATA=${MOAT_DOCKERFILES:-$MOAT_SRC/../shared/data/dockerfiles}
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

if [[ ! -d $DATA ]]; then
  echo "SKIP no Dockerfiles at $DATA (../shared/data)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. every real Dockerfile, one at a time: exit 0 (or the --exit-code), valid JSON
# *.template files are templates of Dockerfiles ({{ }}, shell fragments), which BuildKit refuses
mapfile -d '' files < <(find "$DATA" -name 'Dockerfile*' ! -name '*.template' -type f -print0 | sort -z)
mapfile -d '' templates < <(find "$DATA" -name 'Dockerfile*.template' -type f -print0 | sort -z)
n=0 bad=0
for f in "${files[@]}"; do
  n=$((n + 1))
  set +e
  "$MOAT" lint --format json --exit-code 3 "$f" >"$tmp/out.json" 2>"$tmp/err"
  rc=$?
  set -e
  if [[ $rc -ne 0 && $rc -ne 3 ]]; then
    bad=$((bad + 1)); echo "  $f: exit $rc: $(head -c 300 "$tmp/err")"; continue
  fi
  if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d["findings"], list)' \
      "$tmp/out.json" 2>/dev/null; then
    bad=$((bad + 1)); echo "  $f: output is not moat JSON"
  fi
done
((bad == 0)) && ok "lint ran over $n real Dockerfiles without a crash or parse failure" ||
  not_ok "$bad of $n real Dockerfiles failed"
((n >= 300)) && ok "found $n real Dockerfiles" || not_ok "only $n real Dockerfiles found"
# a template is not a Dockerfile: where a line is no instruction ({{ }}, a shell fragment) it is
# refused with one line naming FILE:LINE, exit 1; one whose templating sits inside arguments only
# lints as the Dockerfile it is
tbad=0 refused=0
for f in "${templates[@]}"; do
  rc=0
  "$MOAT" lint --format json "$f" >"$tmp/out.json" 2>"$tmp/err" || rc=$?
  if [[ $rc == 1 && $(wc -l <"$tmp/err") == 1 ]] && grep -q "^moat: $f:[0-9]*: unknown instruction" "$tmp/err"; then
    refused=$((refused + 1))
  elif [[ ($rc == 0 || $rc == 3) && ! -s $tmp/err ]] && jq -e .findings "$tmp/out.json" >/dev/null; then
    :
  else
    tbad=$((tbad + 1)); echo "  $f: exit $rc: $(head -c 300 "$tmp/err")"
  fi
done
((refused >= 10 && tbad == 0)) &&
  ok "${#templates[@]} Dockerfile templates: $refused refused with FILE:LINE: unknown instruction, the rest lint" ||
  not_ok "$tbad of ${#templates[@]} templates neither refused as BuildKit refuses them nor linted"

# 2. all of them at once, in each format; a per-rule summary for the log
"$MOAT" lint --format json "${files[@]}" >"$tmp/all.json" && ok "json over all files" || not_ok "json over all files"
python3 - "$tmp/all.json" <<'PY' || not_ok "summary"
import json, sys, collections
d = json.load(open(sys.argv[1]))
c = collections.Counter(f["rule_id"] for f in d["findings"])
print("  findings per rule: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
PY
if "$MOAT" lint --format sarif "${files[@]}" >"$tmp/all.sarif" &&
  python3 - "$tmp/all.sarif" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
run = d["runs"][0]
rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
assert run["results"], "no results"
for r in run["results"]:
    assert r["ruleId"] in rules
    loc = r["locations"][0]["physicalLocation"]
    assert loc["region"]["startLine"] >= 1
for r in rules.values():
    assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
PY
  ok "sarif over all files: results point at lines, rules carry metadata"
else
  not_ok "sarif over all files"
fi
"$MOAT" lint --format table "${files[0]}" >"$tmp/t.txt" && ok "table format" || not_ok "table format"

# 3. gating: --severity and --exit-code
printf 'FROM debian:latest\nUSER root\n' >"$tmp/Dockerfile"
set +e
"$MOAT" lint -f json --exit-code 7 "$tmp/Dockerfile" >/dev/null; rc1=$?
"$MOAT" lint -f json --severity CRITICAL --exit-code 7 "$tmp/Dockerfile" >/dev/null; rc2=$?
(cd "$tmp" && "$MOAT" lint -f json --exit-code 5 >/dev/null); rc3=$?
"$MOAT" lint -f json --exit-code 4 - <"$tmp/Dockerfile" >/dev/null; rc4=$?
printf 'FROM a\nRUN <<EOF\nunterminated\n' >"$tmp/broken"
"$MOAT" lint "$tmp/broken" >/dev/null 2>"$tmp/err"; rc5=$?
"$MOAT" lint --ignore NOPE "$tmp/Dockerfile" >/dev/null 2>&1; rc6=$?
set -e
[[ $rc1 == 7 && $rc2 == 0 ]] && ok "--exit-code and --severity gate" || not_ok "gating: $rc1 $rc2"
[[ $rc3 == 5 ]] && ok "no argument reads ./Dockerfile" || not_ok "default ./Dockerfile: $rc3"
[[ $rc4 == 4 ]] && ok "'-' reads stdin" || not_ok "stdin: $rc4"
[[ $rc5 == 1 ]] && grep -q "broken:2: unterminated heredoc" "$tmp/err" &&
  [[ $(wc -l <"$tmp/err") == 1 ]] && ok "parse error: one line FILE:LINE: problem, exit 1" ||
  not_ok "parse error: $rc5 $(cat "$tmp/err")"
[[ $rc6 == 2 ]] && ok "unknown --ignore id is a usage error" || not_ok "--ignore NOPE: $rc6"

# 4. Trivy's labelled snippets, for the checks a rule of ours covers
python3 - "$MOAT" "$DATA/trivy-checks-labelled" "$tmp" <<'PY' && ok "labelled fixtures" || not_ok "labelled fixtures"
import json, subprocess, sys, yaml, os
moat, d, tmp = sys.argv[1:]
cover = {
    "add_instead_of_copy.yaml": {"MDL014"},
    "apt_get_missing_yes_flag_to_avoid_manual_input.yaml": {"MDL007"},
    "copy_from_references_current_from_alias.yaml": {"MDL030"},
    "latest_tag.yaml": {"MDL003"},
    "maintainer_is_deprecated.yaml": {"MDL021"},
    "multiple_cmd_instructions_listed.yaml": {"MDL022"},
    "multiple_entrypoint_instructions_listed.yaml": {"MDL023"},
    "port22.yaml": {"MDL024"},
    "root_user.yaml": {"MDL004", "MDL005"},
    "run_command_cd_instead_of_workdir.yaml": {"MDL018"},
    "run_using_sudo.yaml": {"MDL016"},
    "same_alias_in_different_froms.yaml": {"MDL028"},
    "unix_ports_out_of_range.yaml": {"MDL031"},
    "workdir_path_not_absolute.yaml": {"MDL017"},
    "run_using_wget_and_curl.yaml": {"MDL032"},
    "multiple_healthcheck_instructions.yaml": {"MDL033"},
    "copy_with_more_than_two_arguments_not_ending_with_slash.yaml": {"MDL034"},
    "missing_dnf_clean_all.yaml": {"MDL035"},
    "missing_zypper_clean.yaml": {"MDL035"},
    "yum_clean_all_missing.yaml": {"MDL035"},
    "run_apt_get_dist_upgrade.yaml": {"MDL036"},
    "update_instruction_alone.yaml": {"MDL037"},
}
fails = 0
checked = 0
for name in sorted(os.listdir(d)):
    if not name.endswith(".yaml"):
        continue
    cases = yaml.safe_load(open(os.path.join(d, name)))["dockerfile"]
    for kind in ("bad", "good"):
        for i, text in enumerate(cases.get(kind) or []):
            p = os.path.join(tmp, "snippet")
            open(p, "w").write(text + "\n")
            r = subprocess.run([moat, "lint", "-f", "json", p], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"  {name} {kind}[{i}]: exit {r.returncode}: {r.stderr.strip()}"); fails += 1; continue
            got = {f["rule_id"] for f in json.loads(r.stdout)["findings"]}
            want = cover.get(name)
            if want is None:
                continue
            checked += 1
            if kind == "bad" and not (got & want):
                print(f"  {name} bad[{i}]: want {sorted(want)}, got {sorted(got)}"); fails += 1
            if kind == "good" and (got & want):
                print(f"  {name} good[{i}]: unexpected {sorted(got & want)}"); fails += 1
print(f"  {checked} labelled snippets checked against {len(cover)} covered checks")
sys.exit(1 if fails else 0)
PY

echo "$PASS passed, $FAIL failed"
((FAIL == 0))
