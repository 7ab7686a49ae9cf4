#!/usr/bin/env bash
# admit.sh - `moat admit`: allow and deny with every reason, on the alpine
# fixture and an image built here with a planted AWS key. Evidence comes from a
# signed build -> test chain (moat key, moat attest) whose test phase carries
# the `moat scan --scanners secret` summary, or from a fresh scan. Checks the
# exit status (0 allow, 3 deny, 1 error), the reasons' text, that the secret
# count in the reasons is the scan report's (by_kind.secret), that an
# attestation replayed onto another image does not count, that a
# vulnerability-only scan's "0 secrets" satisfies neither scan.secrets nor
# no_secrets, JSON output, policy errors with line numbers, and the audit log
# line.
source "$(dirname "$0")/common.sh"

it_fixtures alpine
ARCHIVE=$FIXTURES/alpine/docker-archive.tar
export MOAT_PASSWORD=admit-test-passphrase
fx() { (ulimit -n 4096; podman --runtime runc --cgroup-manager cgroupfs "$@"); }
trap 'fx rmi -f localhost/moat-test/admit-secret:1 >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

say "an image with a planted secret (podman build on the fixture)"
SECRET_TAR=$WORK/secret.tar
if fx image exists localhost/moat-test/alpine:1 || fx load -q -i "$ARCHIVE" >/dev/null 2>&1; then
  mkdir -p "$WORK/ctx"
  # an AWS example-format key id and secret, split so this file holds no whole secret
  printf 'aws_access_key_id = AKIA%s\naws_secret_access_key = %s\n' "Z7VQ4XJ2MRTN6KWB" \
    "PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA+" >"$WORK/ctx/credentials"
  printf 'FROM localhost/moat-test/alpine:1\nCOPY credentials /root/.aws/credentials\nUSER 1000\n' \
    >"$WORK/ctx/Containerfile"
  if fx build --network none -q -t localhost/moat-test/admit-secret:1 "$WORK/ctx" >"$WORK/build.log" 2>&1 &&
    fx save --format docker-archive -o "$SECRET_TAR" localhost/moat-test/admit-secret:1 >>"$WORK/build.log" 2>&1; then
    ok "built localhost/moat-test/admit-secret:1 (USER 1000, AWS credentials file)"
  else
    not_ok "podman build: $(tail -c 300 "$WORK/build.log")"
    SECRET_TAR=
  fi
else
  it_skip "podman cannot load the fixture here: the secret image cases do not run"
  SECRET_TAR=
fi

say "keys and a build -> test chain with scan summaries"
mkdir -p "$WORK/keys" "$WORK/att"
it_moat "$WORK/o" "$WORK/e" key generate --out "$WORK/keys/build" &&
  it_moat "$WORK/o" "$WORK/e" key generate --out "$WORK/keys/test" ||
  not_ok "moat key generate: $(head -c 300 "$WORK/e")"
# A vulnerability database with one advisory for a package no image has: scans run
# the vuln scanner for real (max_severity needs it) and find nothing.
mkdir -p "$WORK/osv"
printf '%s\n' '{"schema_version":"1.6.0","id":"MOAT-TEST-NONE","modified":"2026-01-01T00:00:00Z",' \
  '"affected":[{"package":{"ecosystem":"Alpine:v3.20","name":"moat-test-no-such-package"},' \
  '"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-r0"}]}]}]}' \
  >"$WORK/osv/MOAT-TEST-NONE.json"
it_moat "$WORK/o" "$WORK/e" db import -q --db "$WORK/vuln.db" "$WORK/osv" ||
  not_ok "moat db import: $(head -c 300 "$WORK/e")"
# attest_chain NAME TAR - build phase, vuln+secret scan, test phase with the scan summary
attest_chain() {
  local name=$1 tar=$2
  it_moat "$WORK/o" "$WORK/e" attest --phase build --key "$WORK/keys/build.key" \
    --bundle "$WORK/att/$name.intoto.jsonl" "docker-archive:$tar" &&
    it_moat "$WORK/$name.scan.json" "$WORK/e" scan --scanners vuln,secret --db "$WORK/vuln.db" -f json \
      "docker-archive:$tar" &&
    it_moat "$WORK/o" "$WORK/e" attest --phase test --key "$WORK/keys/test.key" \
      --scan-result "$WORK/$name.scan.json" --bundle "$WORK/att/$name.intoto.jsonl" \
      "docker-archive:$tar" &&
    ok "$name: build and test phases attested ($(wc -l <"$WORK/att/$name.intoto.jsonl") envelopes)" ||
    not_ok "$name: attesting failed: $(head -c 300 "$WORK/e")"
}
attest_chain alpine "$ARCHIVE"
[[ -n $SECRET_TAR ]] && attest_chain secret "$SECRET_TAR"

cat >"$WORK/custody.yaml" <<'YAML'
version: 1
keys:
  build: keys/build.pub
  test: keys/test.pub
phases:
  - name: build
    keys: [build]
  - name: test
    keys: [test]
YAML
cat >"$WORK/attested.yaml" <<'YAML'
registries: [localhost/moat-test/]
custody: custody.yaml
attestations: att/
scan: {max_severity: HIGH, max_age: 7d, secrets: 0}
no_secrets: true
YAML
cat >"$WORK/fresh.yaml" <<'YAML'
registries: [localhost/moat-test/]
fresh_scan: true
no_secrets: true
non_root: true
YAML

# admit LABEL WANT_RC POLICY REF [args...] - runs moat admit, checks the exit status
admit() {
  local label=$1 want=$2 policy=$3 ref=$4 rc=0
  shift 4
  it_moat "$WORK/out" "$WORK/err" admit --policy "$policy" "$@" "$ref" || rc=$?
  if ((rc == want)); then
    return 0
  fi
  not_ok "$label: exit $rc, expected $want: $(cat "$WORK/out" "$WORK/err" | head -c 500)"
  return 1
}
has() { grep -qF -- "$1" "$WORK/out"; }

say "attested evidence"
admit "alpine, signed chain, scan clean" 0 "$WORK/attested.yaml" "docker-archive:$ARCHIVE" --audit-log "$WORK/audit.jsonl" &&
  [[ $(cat "$WORK/out") == "allow docker-archive:$ARCHIVE" ]] &&
  ok "alpine with a complete chain and a clean attested scan: $(cat "$WORK/out")"
if [[ -n $SECRET_TAR ]]; then
  n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["by_kind"]["secret"])' "$WORK/secret.scan.json")
  if admit "secret image, attested scan" 3 "$WORK/attested.yaml" "docker-archive:$SECRET_TAR" \
    --audit-log "$WORK/audit.jsonl"; then
    if ((n > 0)) && has "  - scan: $n secrets in the attested scan (allowed 0)" &&
      has "  - no_secrets: $n secrets in the attested scan" && ! has custody:; then
      ok "secret image denied by its own signed scan ($n secrets): $(tail -n +2 "$WORK/out" | tr -s ' \n' ' ')"
    else
      not_ok "secret image reasons (scan found $n): $(cat "$WORK/out")"
    fi
  fi
  # the alpine chain replayed for the secret image: its statements name another digest
  mkdir -p "$WORK/att-replay" && cp "$WORK/att/alpine.intoto.jsonl" "$WORK/att-replay/"
  sed 's|attestations: att/|attestations: att-replay/|' "$WORK/attested.yaml" >"$WORK/replay.yaml"
  if admit "replayed attestations" 3 "$WORK/replay.yaml" "docker-archive:$SECRET_TAR"; then
    has "  - custody: phase build: missing" && has "  - scan: no verified scan attestation" &&
      ok "alpine's chain does not admit another image: $(tail -n +2 "$WORK/out" | tr -s ' \n' ' ')" ||
      not_ok "replayed chain: $(cat "$WORK/out")"
  fi
  # the same image, attested with a vulnerability-only scan: 0 secrets because none were looked for
  mkdir -p "$WORK/att-vuln"
  if it_moat "$WORK/vuln.scan.json" "$WORK/e" scan --scanners vuln --db "$WORK/vuln.db" -q -f json \
      "docker-archive:$SECRET_TAR" &&
    it_moat "$WORK/o" "$WORK/e" attest --phase build --key "$WORK/keys/build.key" \
      --bundle "$WORK/att-vuln/secret.intoto.jsonl" "docker-archive:$SECRET_TAR" &&
    it_moat "$WORK/o" "$WORK/e" attest --phase test --key "$WORK/keys/test.key" \
      --scan-result "$WORK/vuln.scan.json" --bundle "$WORK/att-vuln/secret.intoto.jsonl" \
      "docker-archive:$SECRET_TAR"; then
    sed 's|attestations: att/|attestations: att-vuln/|' "$WORK/attested.yaml" >"$WORK/vuln-only.yaml"
    if [[ $(jq -c '[.scanners, .summary.by_kind.secret]' "$WORK/vuln.scan.json") == '[["vuln"],0]' ]] &&
      admit "vulnerability-only attested scan" 3 "$WORK/vuln-only.yaml" "docker-archive:$SECRET_TAR"; then
      has "  - scan: the attested scan did not run the secret scanner; policy requires scan.secrets" &&
        has "  - no_secrets: the attested scan did not run the secret scanner; policy requires no_secrets" &&
        ! has custody: &&
        ok "a vuln-only scan's \"0 secrets\" does not admit the image holding $n secrets: $(tail -n +2 "$WORK/out" | tr -s ' \n' ' ')" ||
        not_ok "vuln-only scan reasons: $(cat "$WORK/out")"
    else
      not_ok "vuln-only scan: $(jq -c .scanners "$WORK/vuln.scan.json") $(cat "$WORK/out" 2>/dev/null)"
    fi
  else
    not_ok "vuln-only scan and attest: $(head -c 300 "$WORK/e")"
  fi
fi

say "OCI 1.1 referrers in an image layout"
cp -r "$FIXTURES/alpine/oci" "$WORK/oci"
cat >"$WORK/custody-build.yaml" <<'YAML'
version: 1
keys:
  build: keys/build.pub
phases:
  - name: build
    keys: [build]
YAML
printf 'custody: custody-build.yaml\n' >"$WORK/referrers.yaml"
admit "oci layout before attesting" 3 "$WORK/referrers.yaml" "oci:$WORK/oci:1" &&
  { has "  - custody: phase build: missing" && ok "oci layout without referrers: $(tail -n +2 "$WORK/out")" ||
    not_ok "oci before: $(cat "$WORK/out")"; }
if it_moat "$WORK/o" "$WORK/e" attest --phase build --key "$WORK/keys/build.key" "oci:$WORK/oci:1"; then
  admit "oci layout with a referrer" 0 "$WORK/referrers.yaml" "oci:$WORK/oci:1" &&
    ok "the build phase stored as an OCI referrer in the layout admits it: $(cat "$WORK/out")"
else
  not_ok "moat attest oci: $(head -c 300 "$WORK/e")"
fi

say "fresh scan"
if [[ -n $SECRET_TAR ]]; then
  admit "fresh scan, secret image" 3 "$WORK/fresh.yaml" "docker-archive:$SECRET_TAR" &&
    { has "  - no_secrets: $n secrets in the fresh scan" && ! has non_root && ! has registry &&
      ok "fresh scan finds the same $n secrets; USER 1000 passes non_root: $(tail -n +2 "$WORK/out" | tr -s ' \n' ' ')" ||
      not_ok "fresh scan reasons: $(cat "$WORK/out")"; }
fi
admit "fresh scan, alpine" 3 "$WORK/fresh.yaml" "docker-archive:$ARCHIVE" &&
  { [[ $(tail -n +2 "$WORK/out") == "  - non_root: runs as root (no USER set)" ]] &&
    ok "alpine: no secrets found now, but runs as root: $(tail -n +2 "$WORK/out")" ||
    not_ok "fresh alpine reasons: $(cat "$WORK/out")"; }

say "every reason, JSON, errors"
cat >"$WORK/strict.yaml" <<'YAML'
registries: [registry.example.com/team/]
custody: custody.yaml
attestations: [att/alpine.intoto.jsonl]
scan: {max_severity: HIGH, max_age: 1s}
non_root: true
YAML
sleep 2 # the attested scan is now older than max_age
admit "strict policy" 3 "$WORK/strict.yaml" "docker-archive:$ARCHIVE" &&
  { has "  - registry: localhost/moat-test/alpine:1 is not under a trusted registry prefix" &&
    grep -qE '^  - scan: the attested scan is [0-9]+[smhd].* old \(max_age 1s\)$' "$WORK/out" &&
    has "  - non_root: runs as root (no USER set)" && [[ $(head -n1 "$WORK/out") == deny* ]] &&
    ok "deny with every reason, in order: $(tail -n +2 "$WORK/out" | tr -s ' \n' ' ')" ||
    not_ok "strict reasons: $(cat "$WORK/out")"; }
admit "--name" 3 "$WORK/strict.yaml" "docker-archive:$ARCHIVE" --name registry.example.com/team/alpine:1 &&
  { ! has registry: && ok "--name registry.example.com/team/alpine:1 satisfies the registry rule" ||
    not_ok "--name: $(cat "$WORK/out")"; }
admit "json" 3 "$WORK/strict.yaml" "docker-archive:$ARCHIVE" --format json &&
  { python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert d["decision"]=="deny" and d["allow"] is False and len(d["reasons"])==3, d
assert d["config_digest"].startswith("sha256:") and d["image_name"]=="localhost/moat-test/alpine:1"' "$WORK/out" 2>"$WORK/py.err" &&
    ok "--format json: decision, 3 reasons, digest" || not_ok "json: $(cat "$WORK/py.err" "$WORK/out" | head -c 400)"; }
printf 'registries: [docker.io/library/]\nnon_rot: true\n' >"$WORK/typo.yaml"
admit "typo" 1 "$WORK/typo.yaml" "docker-archive:$ARCHIVE" &&
  { grep -q "typo.yaml: line 2: unknown key 'non_rot'" "$WORK/err" &&
    ok "a typo in the policy is an error with its line: $(cat "$WORK/err")" || not_ok "typo: $(cat "$WORK/err")"; }
printf 'custody: missing.yaml\n' >"$WORK/nocustody.yaml"
admit "missing custody policy" 1 "$WORK/nocustody.yaml" "docker-archive:$ARCHIVE" &&
  { grep -q "missing.yaml" "$WORK/err" && ok "a missing custody.yaml is an error: $(cat "$WORK/err")" ||
    not_ok "missing custody: $(cat "$WORK/err")"; }

say "audit log"
want=2
[[ -z $SECRET_TAR ]] && want=1
v=$("$MOAT" authz --verify-log "$WORK/audit.jsonl" 2>&1) && [[ $v == *": $want lines, chain intact"* ]] &&
  grep -q '"kind":"admit","subject":"docker-archive:[^"]*","decision":"allow","reasons":\[\],"actor":"uid:' "$WORK/audit.jsonl" &&
  ok "moat admit --audit-log: $v" || not_ok "audit log: $v: $(head -c 300 "$WORK/audit.jsonl")"

it_done
