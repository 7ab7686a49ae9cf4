#!/usr/bin/env bash
# tests/integration/custody_tamper.sh — `moat verify` refuses every way of
# breaking a chain of custody, each with its own one-line reason, through
# the real binary on real images (copies of the alpine multi-layer fixture
# as docker-archive and oci layout, and Debian 12 minbase read in place):
# one byte changed in a layer (docker-archive and oci), in the manifest (oci
# layout; also re-pointed from index.json with a correct digest), in the
# envelope payload, in the signature; an attestation replayed onto another
# image; a phase signed with another phase's key; a missing phase; phases
# out of order; an expired attestation; a vulnerability-only scan (or one
# that does not say which scanners ran) offered for a secrets requirement; a
# policy naming an unknown key, a missing key file or a file that is not a
# public key. The good chains
# verify (bundle and OCI referrers). Key ids are checked against openssl.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_fixtures alpine debian-min

export MOAT_PASSWORD=custody-test-pass
A=$FIXTURES/alpine/ml # 6 layers
W=$WORK
cd "$W"

# expect_refused LABEL WANT CMD... — exit 1 and a "moat: verify: ...WANT..." line on stderr.
expect_refused() {
  local label=$1 want=$2 rc=0
  shift 2
  "$MOAT" "$@" >"$W/out" 2>"$W/err" || rc=$?
  if ((rc == 1)) && grep -F -- "$want" "$W/err" | grep -q '^moat: verify: '; then
    ok "$label: refused: $(grep -F -- "$want" "$W/err" | head -1)"
  else
    not_ok "$label: wanted exit 1 and \"$want\", got exit $rc: $(head -c 600 "$W/err")"
  fi
}

# expect_verified LABEL CMD... — exit 0 and "verified: NAME (sha256:...)".
expect_verified() {
  local label=$1 rc=0
  shift
  "$MOAT" "$@" >"$W/out" 2>"$W/err" || rc=$?
  if ((rc == 0)) && grep -q '^verified: .* (sha256:[0-9a-f]\{64\})$' "$W/out"; then
    ok "$label: $(head -1 "$W/out")"
  else
    not_ok "$label: exit $rc: $(head -c 600 "$W/err")"
  fi
}

attest() { "$MOAT" attest "$@" >/dev/null 2>"$W/attest.err" || { cat "$W/attest.err"; return 1; }; }

# ---- keys, policies, the images (copies: the fixture cache is never touched) ----
mkdir -p keys
for k in build test; do
  "$MOAT" key generate --out "keys/$k" >/dev/null 2>&1
done
build_id=$(openssl pkey -pubin -in keys/build.pub -outform DER | sha256sum | cut -c1-64)
if [[ $("$MOAT" key id keys/build.pub 2>/dev/null) == *"$build_id"* ]]; then
  ok "key id of build.pub = sha256 of its DER SPKI (openssl): ${build_id:0:16}"
else
  not_ok "moat key id disagrees with openssl ($build_id)"
fi
cat >custody.yaml <<'EOF'
version: 1
keys:
  build: keys/build.pub
  test: keys/test.pub
phases:
  - name: build
    keys: [build]
    max_age: 30d
  - name: test
    keys: [test]
    max_age: 7d
EOF
cp "$A/docker-archive.tar" app.tar
cp -r "$A/oci" oci
cp "$FIXTURES/alpine/docker-archive.tar" other.tar
DA=docker-archive:$W/app.tar
OCI=oci:$W/oci:1

# ---- the good chains ----
attest --phase build --key keys/build.key --bundle good.jsonl "$DA"
attest --phase test --key keys/test.key --bundle good.jsonl "$DA"
expect_verified "docker-archive, bundle" verify --policy custody.yaml --bundle good.jsonl "$DA"
if grep -q '^  1\. build .* signed by build (sha256:'"${build_id:0:16}"')' "$W/out" &&
  grep -q '^  2\. test ' "$W/out" && grep -q 'layers: 6 of 6 match' "$W/out"; then
  ok "the chain is printed: build then test, build's key id, 6 layers checked"
else
  not_ok "chain output: $(cat "$W/out")"
fi
rc=0
"$MOAT" verify -p custody.yaml -b good.jsonl -f json "$DA" >"$W/v.json" 2>"$W/err" || rc=$?
if ((rc == 0)) && python3 - "$W/v.json" "$build_id" <<'EOF'; then
import json, sys
v = json.load(open(sys.argv[1]))
assert v["verified"] is True and v["reasons"] == [], v
assert [p["phase"] for p in v["phases"]] == ["build", "test"]
assert v["phases"][0]["keyid"] == sys.argv[2]
assert v["layers"] == {"count": 6, "verified": 6}
assert v["image"]["digest"].startswith("sha256:")
EOF
  ok "--format json: verified, phases, key id, layers"
else
  not_ok "--format json (exit $rc): $(head -c 400 "$W/v.json")"
fi
# Debian 12 minbase, read in place (a bundle does not touch the image).
DEB=docker-archive:$FIXTURES/debian-min/docker-archive.tar
attest --phase build --key keys/build.key --bundle deb.jsonl "$DEB"
attest --phase test --key keys/test.key --bundle deb.jsonl "$DEB"
expect_verified "debian-min docker-archive, bundle" verify -p custody.yaml -b deb.jsonl "$DEB"
# OCI layout: attestations stored as OCI 1.1 referrers inside it.
attest --phase build --key keys/build.key "$OCI"
attest --phase test --key keys/test.key "$OCI"
expect_verified "oci layout, referrers" verify --policy custody.yaml "$OCI"
expect_refused "oci layout, referrers ignored" "phase build: missing" \
  verify --policy custody.yaml --no-referrers "$OCI"

# ---- one byte changed in a layer ----
# docker-archive: a byte inside the content of a file of layer 2 (the outer tar stays valid).
python3 - app.tar tampered.tar <<'EOF'
import io, json, posixpath, shutil, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
shutil.copy(src, dst)
with tarfile.open(dst) as outer:
    manifest = json.load(outer.extractfile("manifest.json"))
    name = manifest[0]["Layers"][1]
    m = outer.getmember(name)
    while m.issym():  # <id>/layer.tar -> ../<digest>.tar in some archives
        m = outer.getmember(posixpath.normpath(posixpath.join(posixpath.dirname(m.name), m.linkname)))
    base = m.offset_data
    data = outer.extractfile(m).read()
inner = tarfile.open(fileobj=io.BytesIO(data))
f = next(x for x in inner.getmembers() if x.isfile() and x.size > 0)
pos = base + f.offset_data + f.size // 2
with open(dst, "r+b") as fh:
    fh.seek(pos)
    b = fh.read(1)
    fh.seek(pos)
    fh.write(bytes([b[0] ^ 0x01]))
print(f"flipped a bit of {f.name} in layer {name}", file=sys.stderr)
EOF
expect_refused "docker-archive: one byte of a layer" "tampered.tar: layer 1 (sha256:" \
  verify --policy custody.yaml --bundle good.jsonl "docker-archive:$W/tampered.tar"
grep -q 'digest mismatch' "$W/err" && ok "  ... and the reason is a digest mismatch" ||
  not_ok "  layer reason is not a digest mismatch: $(cat "$W/err")"
# The signatures alone still verify: the image id (config) did not change.
grep -q 'phase ' "$W/err" && not_ok "  a phase was refused too: $(cat "$W/err")" ||
  ok "  ... while every phase signature still verified (only the layer check caught it)"
# oci: a byte in the middle of the last layer blob.
cp -r oci oci-layer
blob=$(python3 -c '
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
m = next(x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "1")
man = json.load(open(d + "/blobs/sha256/" + m["digest"][7:]))
print(man["layers"][-1]["digest"][7:])' oci-layer)
chmod u+w "oci-layer/blobs/sha256/$blob"
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(b)' "oci-layer/blobs/sha256/$blob"
expect_refused "oci: one byte of a layer blob" "oci-layer: layer 5 (sha256:$blob)" \
  verify --policy custody.yaml "oci:$W/oci-layer:1"

# ---- one byte changed in the manifest (oci layout) ----
cp -r oci oci-man
man=$(python3 -c '
import json, sys
idx = json.load(open(sys.argv[1] + "/index.json"))
print(next(x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "1")["digest"][7:])' oci-man)
chmod u+w "oci-man/blobs/sha256/$man"
sed -i 's/"schemaVersion":2/"schemaVersion":3/; s/"schemaVersion": 2/"schemaVersion": 3/' "oci-man/blobs/sha256/$man"
expect_refused "oci: one byte of the manifest" "digest mismatch" verify --policy custody.yaml "oci:$W/oci-man:1"
# The same change, but index.json re-pointed at the changed manifest with its right digest:
# the image opens, it is simply another image, and the attestations do not name it.
python3 - oci-man "$man" <<'EOF'
import hashlib, json, os, sys
d, old = sys.argv[1], sys.argv[2]
data = open(f"{d}/blobs/sha256/{old}", "rb").read().replace(b'"schemaVersion":3', b'"schemaVersion":2 ')
new = hashlib.sha256(data).hexdigest()
open(f"{d}/blobs/sha256/{new}", "wb").write(data)
idx = json.load(open(f"{d}/index.json"))
for m in idx["manifests"]:
    if m["digest"] == "sha256:" + old:
        m["digest"], m["size"] = "sha256:" + new, len(data)
open(f"{d}/index.json", "w").write(json.dumps(idx))
EOF
expect_refused "oci: manifest changed and re-pointed" "attestation is for another image" \
  verify --policy custody.yaml --bundle good.jsonl "oci:$W/oci-man:1"

# ---- one byte changed in the envelope payload, and in the signature ----
python3 - good.jsonl payload.jsonl sig.jsonl <<'EOF'
import base64, json, sys
lines = open(sys.argv[1]).read().splitlines()
env = json.loads(lines[0])                       # the build phase
p = bytearray(base64.b64decode(env["payload"]))
i = p.index(b'"builder"') + len(b'"builder":"') + 1
p[i] ^= 0x01                                     # one byte of the builder, JSON still valid
env["payload"] = base64.b64encode(bytes(p)).decode()
open(sys.argv[2], "w").write(json.dumps(env, separators=(",", ":")) + "\n" + lines[1] + "\n")
env = json.loads(lines[1])                       # the test phase
s = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
s[len(s) - 5] ^= 0x01
env["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
open(sys.argv[3], "w").write(lines[0] + "\n" + json.dumps(env, separators=(",", ":")) + "\n")
EOF
expect_refused "one byte of the envelope payload" \
  "phase build: signature does not verify with key build: the envelope was altered" \
  verify --policy custody.yaml --bundle payload.jsonl "$DA"
expect_refused "one byte of the signature" \
  "phase test: signature does not verify with key test: the envelope was altered" \
  verify --policy custody.yaml --bundle sig.jsonl "$DA"

# ---- replay onto another image ----
expect_refused "attestations replayed onto another image" \
  "phase build: attestation is for another image (subject sha256:" \
  verify --policy custody.yaml --bundle good.jsonl "docker-archive:$W/other.tar"
grep -q 'phase test: attestation is for another image' "$W/err" &&
  ok "  ... and the test phase too" || not_ok "  test phase not refused: $(cat "$W/err")"

# ---- a phase signed with another phase's key ----
attest --phase build --key keys/build.key --bundle wrongkey.jsonl "$DA"
attest --phase test --key keys/build.key --bundle wrongkey.jsonl "$DA"
expect_refused "test phase signed with the build key" \
  "phase test: signed by key build (sha256:${build_id:0:16}), policy allows only test" \
  verify --policy custody.yaml --bundle wrongkey.jsonl "$DA"

# ---- a missing phase ----
attest --phase build --key keys/build.key --bundle missing.jsonl "$DA"
expect_refused "test phase missing" "phase test: missing: no attestation for this phase" \
  verify --policy custody.yaml --bundle missing.jsonl "$DA"
expect_refused "no attestations at all" "phase build: missing" \
  verify --policy custody.yaml "$DA"

# ---- phases out of order: test signed first, build chained after it ----
attest --phase test --key keys/test.key --bundle order.jsonl "$DA"
attest --phase build --key keys/build.key --bundle order.jsonl "$DA"
expect_refused "phases out of order" \
  "phases out of order: build comes after test in the chain; the policy requires build before test" \
  verify --policy custody.yaml --bundle order.jsonl "$DA"

# ---- an expired attestation: the build phase signed 40 days ago (max_age 30d) ----
old=$(date -u -d '40 days ago' +%Y-%m-%dT%H:%M:%SZ)
attest --phase build --key keys/build.key --bundle expired.jsonl --time "$old" "$DA"
attest --phase test --key keys/test.key --bundle expired.jsonl "$DA"
expect_refused "expired build attestation" \
  "phase build: attestation expired: signed $old, 40d ago; policy max_age is 30d" \
  verify --policy custody.yaml --bundle expired.jsonl "$DA"

# ---- scan requirements, from a real `moat scan` carried in the test phase's attestation ----
# a one-advisory database (for a package no image has): the vuln scanner runs for real
mkdir -p osv
cat >osv/MOAT-TEST-NONE.json <<'EOF'
{"schema_version":"1.6.0","id":"MOAT-TEST-NONE","modified":"2026-01-01T00:00:00Z",
 "summary":"an advisory for a package no image has, so the database is not empty",
 "affected":[{"package":{"ecosystem":"Alpine:v3.20","name":"moat-test-no-such-package"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-r0"}]}]}]}
EOF
"$MOAT" db import -q --db vuln.db osv >/dev/null
"$MOAT" scan -q -f json -o scan.json --scanners vuln,secret,misconfig --db vuln.db "$DA"
read -r worst n_mis n_sec < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
sev = [x for x in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN") if s["by_severity"][x] > 0]
print(sev[0] if sev else "NONE", s["by_kind"]["misconfiguration"], s["by_kind"]["secret"])' scan.json)
say "moat scan: worst $worst, $n_mis misconfigurations, $n_sec secrets"
attest --phase build --key keys/build.key --bundle scan.jsonl "$DA"
attest --phase test --key keys/test.key --scan-result scan.json --bundle scan.jsonl "$DA"
{ cat custody.yaml; printf '    require:\n      scan.max_severity: %s\n      scan.secrets: %s\n      scan.max_age: 1d\n' "$worst" "$n_sec"; } >scan-ok.yaml
expect_verified "scan requirements met (nothing above $worst, $n_sec secrets)" \
  verify --policy scan-ok.yaml --bundle scan.jsonl "$DA"
if [[ $worst == HIGH && $n_mis -ge 1 ]]; then
  { cat custody.yaml; printf '    require:\n      scan.max_severity: MEDIUM\n      scan.misconfigurations: %s\n' $((n_mis - 1)); } >scan-strict.yaml
  expect_refused "scan above the policy's severity" \
    "phase test: scan found HIGH findings, policy allows nothing above MEDIUM" \
    verify --policy scan-strict.yaml --bundle scan.jsonl "$DA"
  grep -qF "phase test: scan found $n_mis misconfigurations, policy allows at most $((n_mis - 1))" "$W/err" &&
    ok "  ... and too many misconfigurations, on its own line" ||
    not_ok "  misconfiguration count not refused: $(cat "$W/err")"
else
  not_ok "the alpine fixture no longer has a HIGH misconfiguration (worst $worst, $n_mis): update the test"
fi
expect_refused "scan required but absent" "phase test: no scan results for this image signed by test" \
  verify --policy scan-ok.yaml --bundle good.jsonl "$DA"

# ---- a vulnerability-only scan reports 0 secrets because it never looked: not "no secrets" ----
"$MOAT" scan -q -f json -o scan-vuln.json --scanners vuln --db vuln.db "$DA"
"$MOAT" scan -q -f json -o scan-both.json --scanners vuln,secret --db vuln.db "$DA"
if [[ $(jq -c '[.scanners, .summary.by_kind.secret]' scan-vuln.json) == '[["vuln"],0]' &&
  $(jq -c '[.scanners, .summary.by_kind.secret]' scan-both.json) == '[["vuln","secret"],0]' ]]; then
  ok "moat scan records what ran: --scanners vuln gives [\"vuln\"], vuln,secret both (0 secrets each)"
else
  not_ok "scanners not recorded: $(jq -c '.scanners' scan-vuln.json scan-both.json | tr '\n' ' ')"
fi
attest --phase build --key keys/build.key --bundle vonly.jsonl "$DA"
attest --phase test --key keys/test.key --scan-result scan-vuln.json --bundle vonly.jsonl "$DA"
attest --phase build --key keys/build.key --bundle both.jsonl "$DA"
attest --phase test --key keys/test.key --scan-result scan-both.json --bundle both.jsonl "$DA"
{ cat custody.yaml; printf '    require:\n      scan.secrets: 0\n'; } >no-secrets.yaml
expect_refused "vulnerability-only scan against scan.secrets: 0" \
  "phase test: scan did not run the secret scanner; policy requires scan.secrets" \
  verify --policy no-secrets.yaml --bundle vonly.jsonl "$DA"
expect_verified "vuln,secret scan against scan.secrets: 0" \
  verify --policy no-secrets.yaml --bundle both.jsonl "$DA"
# a summary attested before scanners were recorded: the same report without "scanners"
jq 'del(.scanners)' scan-vuln.json >scan-old.json
attest --phase build --key keys/build.key --bundle old.jsonl "$DA"
attest --phase test --key keys/test.key --scan-result scan-old.json --bundle old.jsonl "$DA"
expect_refused "scan summary that does not say which scanners ran" \
  "phase test: scan attestation does not say which scanners ran" \
  verify --policy no-secrets.yaml --bundle old.jsonl "$DA"

# ---- several failures at once: every reason is listed ----
rc=0
"$MOAT" verify -p custody.yaml -b wrongkey.jsonl -f json "docker-archive:$W/tampered.tar" \
  >"$W/v.json" 2>"$W/err" || rc=$?
if ((rc == 1)) && python3 - "$W/v.json" <<'EOF'; then
import json, sys
v = json.load(open(sys.argv[1]))
assert v["verified"] is False
r = v["reasons"]
assert any("tampered.tar: layer 1 (sha256:" in x and "digest mismatch" in x for x in r), r
assert any(x.startswith("phase test: signed by key build") for x in r), r
assert v["layers"] == {"count": 6, "verified": 5}, v["layers"]
EOF
  ok "a tampered layer and a wrong key together: both reasons, in JSON and on stderr ($(grep -c '^moat: verify: ' "$W/err") lines)"
else
  not_ok "combined failure (exit $rc): $(head -c 600 "$W/v.json")"
fi

# JSON for pipelines when verification fails, and when the image cannot even be read.
rc=0
"$MOAT" verify -p custody.yaml -f json "oci:$W/oci-man:1" >"$W/v.json" 2>/dev/null || rc=$?
if ((rc == 1)) && python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["verified"] is False and v["phases"] == [] and len(v["reasons"]) >= 1, v' "$W/v.json"; then
  ok "--format json when verification fails: verified false, reasons listed"
else
  not_ok "--format json on failure (exit $rc): $(head -c 300 "$W/v.json")"
fi
rc=0
"$MOAT" verify -p custody.yaml -f json "docker-archive:$W/nope.tar" >"$W/v.json" 2>/dev/null || rc=$?
if ((rc == 1)) && python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["verified"] is False and "nope.tar" in v["reasons"][0] and v["image"]["digest"] is None, v' \
  "$W/v.json"; then
  ok "--format json when the image cannot be read: one object, the error as its reason"
else
  not_ok "--format json, unreadable image (exit $rc): $(head -c 300 "$W/v.json")"
fi

# ---- a policy naming an unknown key ----
sed 's/keys: \[test\]/keys: [tset]/' custody.yaml >unknown.yaml
expect_refused "policy naming an undefined key" \
  "unknown.yaml: line 10: phase test: unknown key 'tset' (not defined under keys:, which has build, test)" \
  verify --policy unknown.yaml --bundle good.jsonl "$DA"
sed 's#keys/test.pub#keys/gone.pub#' custody.yaml >gone.yaml
expect_refused "policy naming a key file that does not exist" \
  "gone.yaml: line 4: key test: " verify --policy gone.yaml --bundle good.jsonl "$DA"
grep -q 'gone.pub: No such file' "$W/err" && ok "  ... naming the missing file" ||
  not_ok "  missing file not named: $(cat "$W/err")"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out keys/plain.pem 2>/dev/null
sed 's#keys/test.pub#keys/plain.pem#' custody.yaml >priv.yaml
expect_refused "policy naming a private key file" "priv.yaml: line 4: key test: " \
  verify --policy priv.yaml --bundle good.jsonl "$DA"
grep -q 'not a PEM public key' "$W/err" && ok "  ... saying it is not a public key" ||
  not_ok "  reason does not say 'not a PEM public key': $(cat "$W/err")"

# ---- usage ----
rc=0
"$MOAT" verify "$DA" >/dev/null 2>"$W/err" || rc=$?
((rc == 2)) && grep -q -- 'give --policy FILE (custody chain) or --key PUB' "$W/err" && ok "no --policy: usage error (exit 2)" ||
  not_ok "no --policy: exit $rc: $(cat "$W/err")"

it_done
