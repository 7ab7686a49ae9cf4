#!/usr/bin/env bash
# custody_interop.sh — moat's keys, DSSE envelopes and signatures checked by
# independent implementations, and theirs checked by moat:
#  - keys: the private key file is mode 0600, PKCS#8 with scrypt that
#    `openssl pkey` decrypts; the key id is sha256 of the DER SPKI as openssl
#    prints it; a wrong passphrase fails with exit 1 and one line; the
#    passphrase never appears in any output;
#  - moat's envelopes verify with openssl over PAE bytes that python3 builds
#    (not moat), and with @sigstore/core (npm) + node:crypto when npm can
#    install it;
#  - envelopes made by python3+openssl and by node with openssl-generated keys
#    pass `moat verify`, and fail it once tampered;
#  - `moat sign` writes a cosign simple-signing payload whose signature
#    `openssl dgst -sha256 -verify` accepts;
#  - phases chain by the sha256 of the previous envelope line, and an oci:
#    layout gets OCI 1.1 referrers whose subject is the image manifest.
source "$(dirname "$0")/common.sh"

it_fixtures alpine
IMG_DIR=$FIXTURES/alpine
cp -r "$IMG_DIR/oci" "$WORK/oci"
OCI="oci:$WORK/oci:1"
DARCH="docker-archive:$IMG_DIR/docker-archive.tar"
cd "$WORK"

export MOAT_PASSWORD="pw-$RANDOM-interop-Zq7"
ALL_OUT=$WORK/all-output.txt
: >"$ALL_OUT"
# run moat, keep its output for the "passphrase never printed" check
m() {
  local o=$WORK/m.out e=$WORK/m.err rc=0
  "$MOAT" "$@" >"$o" 2>"$e" || rc=$?
  cat "$o" "$e" >>"$ALL_OUT"
  return $rc
}

# manifest digest of the image, straight from the layout's index.json
MAN_DIGEST=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$WORK/oci/index.json")
MAN_SHA=$(sha256sum "$WORK/oci/blobs/sha256/${MAN_DIGEST#sha256:}" | cut -d' ' -f1)
[[ sha256:$MAN_SHA == "$MAN_DIGEST" ]] && ok "layout manifest digest $MAN_DIGEST matches its bytes" ||
  not_ok "layout manifest blob does not hash to $MAN_DIGEST"

# ---- keys ----
if m key generate --out build && m key generate --out test --alg ed25519; then
  ok "moat key generate: ECDSA P-256 and Ed25519 pairs written"
else
  not_ok "moat key generate failed: $(cat "$WORK/m.err")"
fi
for k in build test; do
  mode=$(stat -c %a "$k.key")
  [[ $mode == 600 ]] && ok "$k.key is mode 600" || not_ok "$k.key is mode $mode"
  if openssl pkey -in "$k.key" -passin env:MOAT_PASSWORD -noout 2>/dev/null; then
    ok "$k.key: openssl pkey decrypts it with the passphrase (standard PKCS#8)"
  else
    not_ok "$k.key: openssl pkey cannot decrypt it"
  fi
  if openssl asn1parse -in "$k.key" >"$WORK/asn1" && grep -q 'OBJECT *:PBES2' "$WORK/asn1" &&
    grep -q 'OBJECT *:scrypt$' "$WORK/asn1" && grep -q 'OBJECT *:aes-256-cbc' "$WORK/asn1"; then
    ok "$k.key: PBES2 with scrypt (id-scrypt) and AES-256-CBC"
  else
    not_ok "$k.key: not PBES2/scrypt/AES-256-CBC: $(grep OBJECT "$WORK/asn1" | tr -s ' ' | head -5)"
  fi
  want=$(openssl pkey -pubin -in "$k.pub" -outform DER | sha256sum | cut -d' ' -f1)
  m key id "$k.pub" || true
  got=$(cat "$WORK/m.out")
  [[ $got == "$want" ]] && ok "$k.pub: key id = sha256 of the DER SPKI ($want)" ||
    not_ok "$k.pub: moat key id '$got', openssl says $want"
done
if openssl pkey -in build.key -passin pass:wrong -noout 2>/dev/null; then
  not_ok "openssl decrypts build.key with a wrong passphrase?"
fi
rc=0
MOAT_PASSWORD=wrong-one "$MOAT" sign --key build.key --name example.com/moat/alpine --output-signature s --output-payload p "$OCI" >"$WORK/o" 2>"$WORK/e" || rc=$?
cat "$WORK/o" "$WORK/e" >>"$ALL_OUT"
if [[ $rc == 1 && $(wc -l <"$WORK/e") == 1 && $(cat "$WORK/e") == "moat: build.key: wrong passphrase" && ! -e s ]]; then
  ok "wrong passphrase: exit 1, one line 'moat: build.key: wrong passphrase', nothing written"
else
  not_ok "wrong passphrase: exit $rc, stderr: $(head -c 300 "$WORK/e")"
fi
rc=0
env -u MOAT_PASSWORD setsid -w "$MOAT" attest --phase build --key build.key -o - "$OCI" </dev/null >"$WORK/o" 2>"$WORK/e" || rc=$?
if [[ $rc == 1 ]] && grep -q 'no passphrase: set MOAT_PASSWORD or run on a terminal' "$WORK/e"; then
  ok "no terminal and no MOAT_PASSWORD: a clear error, exit 1"
else
  not_ok "no terminal and no MOAT_PASSWORD: exit $rc: $(head -c 300 "$WORK/e")"
fi
cp build.key loose.key && chmod 640 loose.key
rc=0
m attest --phase build --key loose.key -o - "$OCI" || rc=$?
if [[ $rc == 1 ]] && grep -q 'loose.key: private key is accessible by group/other' "$WORK/m.err"; then
  ok "a group-readable private key is refused"
else
  not_ok "group-readable key: exit $rc: $(head -c 300 "$WORK/m.err")"
fi
rc=0
m key generate --out build || rc=$?
[[ $rc == 1 ]] && grep -q 'already exists' "$WORK/m.err" && ok "key generate refuses to replace a key" ||
  not_ok "key generate over an existing key: exit $rc"

# ---- the terminal prompt: a pty as controlling terminal, no MOAT_PASSWORD ----
cat >"$WORK/on_tty.py" <<'EOF'
# on_tty.py ANSWERS CMD...: run CMD on a new pty, type each comma-separated answer
# after each prompt; print the transcript (what the terminal showed) and the exit code
import os, pty, sys
answers, argv = sys.argv[1].split(","), sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    env = dict(os.environ)
    env.pop("MOAT_PASSWORD", None)
    os.execve(argv[0], argv, env)
out, seen = b"", 0
def more():
    global out
    try:
        c = os.read(fd, 1024)
    except OSError:
        c = b""
    out += c
    return c
for a in answers:
    while b": " not in out[seen:] and more():
        pass
    if os.environ.get("LIMITS_OUT") and not seen:  # while it waits at the first prompt
        open(os.environ["LIMITS_OUT"], "w").write(open("/proc/%d/limits" % pid).read())
    os.write(fd, a.encode() + b"\n")
    seen = len(out)
while more():
    pass
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
print("exit=%d" % os.waitstatus_to_exitcode(st))
EOF
TTYPASS="tty-$RANDOM-secret"
timeout 60 python3 "$WORK/on_tty.py" "$TTYPASS,$TTYPASS" "$MOAT" key generate --out ttykey >"$WORK/t1" 2>&1 || true
timeout 60 python3 "$WORK/on_tty.py" "$TTYPASS,other" "$MOAT" key generate --out ttykey2 >"$WORK/t2" 2>&1 || true
# raise the core limit first, so RLIMIT_CORE 0 below can only be moat's doing
LIMITS_OUT=$WORK/limits prlimit --core=unlimited:unlimited timeout 60 python3 "$WORK/on_tty.py" "$TTYPASS" "$MOAT" attest --phase p --key ttykey.key -o tty-env.json "$OCI" >"$WORK/t3" 2>&1 || true
if grep -q '^exit=0' "$WORK/t1" && grep -q 'Passphrase for ttykey.key:' "$WORK/t1" &&
  grep -q 'Repeat the passphrase:' "$WORK/t1" && [[ -f ttykey.key ]] && grep -q '^exit=0' "$WORK/t3" &&
  [[ -s tty-env.json ]]; then
  ok "terminal prompt: asked twice on generate, once on attest, and the key works"
else
  not_ok "terminal prompt: $(cat "$WORK/t1" "$WORK/t3" | tail -c 400)"
fi
if grep -q '^exit=1' "$WORK/t2" && grep -q 'the passphrases differ' "$WORK/t2" && [[ ! -e ttykey2.key ]]; then
  ok "terminal prompt: different passphrases refused, no key written"
else
  not_ok "terminal prompt mismatch: $(head -c 400 "$WORK/t2")"
fi
if grep -Eq '^Max core file size +0 +0 ' "$WORK/limits" 2>/dev/null; then
  ok "while moat holds a key it cannot dump core (RLIMIT_CORE 0/0 in /proc/PID/limits)"
else
  not_ok "core dumps not disabled: $(grep -i core "$WORK/limits" 2>&1)"
fi
if grep -qF -- "$TTYPASS" "$WORK/t1" "$WORK/t2" "$WORK/t3"; then
  not_ok "the typed passphrase was echoed on the terminal"
else
  ok "the typed passphrase never shows on the terminal (echo off)"
fi

# ---- moat's envelopes checked by openssl over python-built PAE ----
# pae.py ENVELOPE OUTDIR: writes OUTDIR/pae (PAE bytes), OUTDIR/sig (raw signature),
# OUTDIR/statement.json; python3 does the base64 and PAE, never moat.
cat >"$WORK/pae.py" <<'EOF'
import base64, json, sys
env = json.loads(open(sys.argv[1], "rb").read().split(b"\n")[int(sys.argv[3]) if len(sys.argv) > 3 else 0])
t = env["payloadType"].encode()
body = base64.b64decode(env["payload"], validate=True)
pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)
out = sys.argv[2]
open(out + "/pae", "wb").write(pae)
open(out + "/sig", "wb").write(base64.b64decode(env["signatures"][0]["sig"], validate=True))
open(out + "/statement.json", "wb").write(body)
open(out + "/keyid", "w").write(env["signatures"][0].get("keyid", ""))
EOF
mkdir -p ec ed
m attest --phase build --key build.key --builder ci@example -o env-ec.json "$OCI" ||
  not_ok "attest -o (P-256) failed: $(cat "$WORK/m.err")"
m attest --phase test --key test.key --previous env-ec.json -o env-ed.json "$OCI" ||
  not_ok "attest -o (Ed25519) failed: $(cat "$WORK/m.err")"
python3 "$WORK/pae.py" env-ec.json ec && python3 "$WORK/pae.py" env-ed.json ed
if openssl dgst -sha256 -verify build.pub -signature ec/sig ec/pae >/dev/null; then
  ok "P-256 envelope: openssl dgst -sha256 -verify accepts the signature over python's PAE"
else
  not_ok "P-256 envelope: openssl rejects the signature"
fi
if openssl pkeyutl -verify -pubin -inkey test.pub -rawin -in ed/pae -sigfile ed/sig >/dev/null; then
  ok "Ed25519 envelope: openssl pkeyutl -verify accepts the signature over python's PAE"
else
  not_ok "Ed25519 envelope: openssl rejects the signature"
fi
printf 'x' >>ec/pae
if openssl dgst -sha256 -verify build.pub -signature ec/sig ec/pae >/dev/null 2>&1; then
  not_ok "openssl accepts the P-256 signature over changed PAE bytes"
else
  ok "one byte added to the PAE: openssl refuses (the check can fail)"
fi
[[ $(cat ec/keyid) == "$(openssl pkey -pubin -in build.pub -outform DER | sha256sum | cut -d' ' -f1)" ]] &&
  ok "envelope keyid is the key id" || not_ok "envelope keyid $(cat ec/keyid) is not the key id"
if python3 - "$MAN_DIGEST" ec/statement.json ed/statement.json env-ec.json <<'EOF'; then
import hashlib, json, sys
want = sys.argv[1].split(":")[1]
ec, ed = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
for st in (ec, ed):
    assert st["_type"] == "https://in-toto.io/Statement/v1", st["_type"]
    assert st["subject"][0]["digest"]["sha256"] == want, st["subject"]
    assert st["predicateType"] == "https://moat.dev/attestation/phase/v1"
assert ec["predicate"]["phase"] == "build" and ec["predicate"]["builder"] == "ci@example"
assert "previous" not in ec["predicate"]
line = open(sys.argv[4], "rb").read().rstrip(b"\n")
assert ed["predicate"]["previous"] == "sha256:" + hashlib.sha256(line).hexdigest(), ed["predicate"]
EOF
  ok "statements: in-toto v1, subject = the manifest digest, test's previous = sha256 of build's envelope"
else
  not_ok "statement contents wrong"
fi

# ---- @sigstore/core (npm) verifies moat's envelopes; node signs one for moat ----
NODE_OK=0
if command -v node >/dev/null && command -v npm >/dev/null &&
  (cd "$WORK" && timeout 90 npm install --silent --no-audit --no-fund --prefix "$WORK/npm" @sigstore/core@3 >/dev/null 2>&1) &&
  [[ -d $WORK/npm/node_modules/@sigstore/core ]]; then
  NODE_OK=1
else
  it_skip "@sigstore/core checks: node/npm missing or npm could not install it (no registry?)"
fi
if ((NODE_OK)); then
  cat >"$WORK/npm/check.js" <<'EOF'
// node check.js verify ENV PUB | node check.js sign KEY PAYLOADTYPE PAYLOADFILE
const fs = require('fs');
const { dsse, crypto } = require('@sigstore/core');
const nodeCrypto = require('crypto');
const [cmd, a, b, c, d] = process.argv.slice(2);
if (cmd === 'verify') {
  const env = JSON.parse(fs.readFileSync(a, 'utf8').split('\n')[0]);
  const key = crypto.createPublicKey(fs.readFileSync(b, 'utf8')); // PEM text
  const pae = dsse.preAuthEncoding(env.payloadType, Buffer.from(env.payload, 'base64'));
  const alg = key.asymmetricKeyType === 'ed25519' ? undefined : 'sha256';
  const ok = env.signatures.some((s) => crypto.verify(pae, key, Buffer.from(s.sig, 'base64'), alg));
  console.log(ok ? 'verified' : 'NOT verified');
  process.exit(ok ? 0 : 1);
} else if (cmd === 'sign') {
  const key = nodeCrypto.createPrivateKey(fs.readFileSync(a));
  const payload = fs.readFileSync(c);
  const pae = dsse.preAuthEncoding(b, payload);
  const alg = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  const sig = nodeCrypto.sign(alg, pae, key);
  const env = { payloadType: b, payload: payload.toString('base64'),
                signatures: [{ keyid: 'node-' + key.asymmetricKeyType, sig: sig.toString('base64') }] };
  fs.writeFileSync(d, JSON.stringify(env) + '\n');
}
EOF
  for pair in "env-ec.json build.pub P-256" "env-ed.json test.pub Ed25519"; do
    set -- $pair
    if node "$WORK/npm/check.js" verify "$1" "$2" >/dev/null; then
      ok "@sigstore/core preAuthEncoding + crypto.verify accepts moat's $3 envelope"
    else
      not_ok "@sigstore/core rejects moat's $3 envelope"
    fi
  done
  if node "$WORK/npm/check.js" verify env-ec.json test.pub >/dev/null 2>&1; then
    not_ok "@sigstore/core accepts the envelope with another key"
  else
    ok "@sigstore/core refuses moat's envelope with the wrong key"
  fi
fi

# ---- envelopes made outside moat pass `moat verify`, tampered ones do not ----
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ext-build.pem 2>/dev/null
openssl pkey -in ext-build.pem -pubout -out ext-build.pub
openssl genpkey -algorithm ED25519 -out ext-test.pem 2>/dev/null
openssl pkey -in ext-test.pem -pubout -out ext-test.pub
# mkenv.py KEY ec|ed PHASE PREVIOUS_ENVELOPE_FILE|- OUT: statement, PAE and envelope in python, signature by openssl
cat >"$WORK/mkenv.py" <<'EOF'
import base64, hashlib, json, subprocess, sys, time
key, alg, phase, prev, out, digest = sys.argv[1:7]
pred = {"phase": phase, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "builder": "python"}
if prev != "-":
    pred["previous"] = "sha256:" + hashlib.sha256(open(prev, "rb").read().rstrip(b"\n")).hexdigest()
st = {"_type": "https://in-toto.io/Statement/v1",
      "subject": [{"name": "alpine", "digest": {"sha256": digest.split(":")[1]}}],
      "predicateType": "https://moat.dev/attestation/phase/v1", "predicate": pred}
payload = json.dumps(st).encode()
t = b"application/vnd.in-toto+json"
pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)
open(out + ".pae", "wb").write(pae)
if alg == "ec":
    sig = subprocess.check_output(["openssl", "dgst", "-sha256", "-sign", key, out + ".pae"])
else:
    sig = subprocess.check_output(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", out + ".pae"])
env = {"payloadType": t.decode(), "payload": base64.b64encode(payload).decode(),
       "signatures": [{"keyid": "", "sig": base64.b64encode(sig).decode()}]}
open(out, "w").write(json.dumps(env, indent=None) + "\n")
EOF
python3 "$WORK/mkenv.py" ext-build.pem ec build - py-build.json "$MAN_DIGEST"
python3 "$WORK/mkenv.py" ext-test.pem ed test py-build.json py-test.json "$MAN_DIGEST"
cat py-build.json py-test.json >py.jsonl
cat >ext-policy.yaml <<EOF
version: 1
keys:
  build: ext-build.pub
  test: ext-test.pub
phases:
  - name: build
    keys: [build]
    max_age: 1d
  - name: test
    keys: [test]
    max_age: 1d
EOF
if m verify --policy ext-policy.yaml --no-referrers --bundle py.jsonl "$OCI"; then
  ok "moat verify accepts the python3+openssl build->test chain (P-256 then Ed25519)"
else
  not_ok "moat verify rejects the python3+openssl chain: $(head -c 400 "$WORK/m.err")"
fi
python3 - py.jsonl bad.jsonl <<'EOF'
import base64, json, sys
lines = open(sys.argv[1]).read().splitlines()
env = json.loads(lines[1])
p = bytearray(base64.b64decode(env["payload"]))
p[p.index(b'"builder"') + 12] ^= 1  # one byte of the builder name
env["payload"] = base64.b64encode(bytes(p)).decode()
open(sys.argv[2], "w").write(lines[0] + "\n" + json.dumps(env) + "\n")
EOF
rc=0
m verify --policy ext-policy.yaml --no-referrers --bundle bad.jsonl "$OCI" || rc=$?
[[ $rc == 1 ]] && grep -q 'signature does not verify' "$WORK/m.err" && ok "one payload byte changed in the python envelope: moat verify refuses ($(head -1 "$WORK/m.err" | cut -c1-100))" ||
  not_ok "tampered python envelope: moat verify exit $rc"
if ((NODE_OK)); then
  # node signs with the openssl-made keys: build (P-256) then test (Ed25519)
  python3 - "$MAN_DIGEST" <<'EOF'
import json, sys, time
d = sys.argv[1].split(":")[1]
for ph in ("build", "test"):
    st = {"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "alpine", "digest": {"sha256": d}}],
          "predicateType": "https://moat.dev/attestation/phase/v1",
          "predicate": {"phase": ph, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "builder": "node"}}
    open("node-%s.stmt" % ph, "w").write(json.dumps(st))
EOF
  node "$WORK/npm/check.js" sign ext-build.pem application/vnd.in-toto+json node-build.stmt node-build.json
  # chain test to build: add previous = sha256 of the node build envelope line
  python3 - <<'EOF'
import hashlib, json
st = json.load(open("node-test.stmt"))
st["predicate"]["previous"] = "sha256:" + hashlib.sha256(open("node-build.json", "rb").read().rstrip(b"\n")).hexdigest()
open("node-test.stmt", "w").write(json.dumps(st))
EOF
  node "$WORK/npm/check.js" sign ext-test.pem application/vnd.in-toto+json node-test.stmt node-test.json
  cat node-build.json node-test.json >node.jsonl
  if m verify --policy ext-policy.yaml --no-referrers --bundle node.jsonl "$OCI"; then
    ok "moat verify accepts the chain signed by node:crypto over @sigstore/core's PAE"
  else
    not_ok "moat verify rejects the node-made chain: $(head -c 400 "$WORK/m.err")"
  fi
  # the test statement signed by node with the build key: another phase's key
  node "$WORK/npm/check.js" sign ext-build.pem application/vnd.in-toto+json node-test.stmt node-wrongkey.json
  cat node-build.json node-wrongkey.json >wrongkey.jsonl
  rc=0
  m verify --policy ext-policy.yaml --no-referrers --bundle wrongkey.jsonl "$OCI" || rc=$?
  if [[ $rc == 1 ]] && grep -q 'phase test' "$WORK/m.err"; then
    ok "node-made test phase signed with the build key: refused ($(head -1 "$WORK/m.err" | cut -c1-90))"
  else
    not_ok "node-made test phase with the build key: exit $rc: $(head -c 300 "$WORK/m.err")"
  fi
fi

# ---- moat's own chain through a bundle, verified by moat with moat's keys ----
m attest --phase build --key build.key --bundle chain.jsonl "$DARCH" &&
  m attest --phase test --key test.key --bundle chain.jsonl "$DARCH" ||
  not_ok "attest --bundle failed: $(cat "$WORK/m.err")"
python3 - chain.jsonl <<'EOF' && ok "bundle: test's previous = sha256 of the build line's bytes (python)" || not_ok "bundle chain link wrong"
import base64, hashlib, json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert len(lines) == 3 and lines[2] == b"", lines
st = json.loads(base64.b64decode(json.loads(lines[1])["payload"]))
assert st["predicate"]["phase"] == "test"
assert st["predicate"]["previous"] == "sha256:" + hashlib.sha256(lines[0]).hexdigest()
EOF
cat >moat-policy.yaml <<EOF
version: 1
keys:
  build: build.pub
  test: test.pub
phases:
  - name: build
    keys: [build]
  - name: test
    keys: [test]
EOF
if m verify --policy moat-policy.yaml --bundle chain.jsonl "$DARCH"; then
  ok "moat verify accepts moat's own build->test chain on the docker-archive"
else
  not_ok "moat verify rejects moat's chain: $(head -c 400 "$WORK/m.err")"
fi

# ---- OCI 1.1 referrers in the layout ----
m attest --phase build --key build.key "$OCI" && m attest --phase test --key test.key "$OCI" ||
  not_ok "attest to the layout failed: $(cat "$WORK/m.err")"
if python3 - "$WORK/oci" "$MAN_DIGEST" <<'EOF'; then
import hashlib, json, sys
d, want = sys.argv[1], sys.argv[2]
ix = json.load(open(d + "/index.json"))
refs = [m for m in ix["manifests"] if m.get("artifactType") == "application/vnd.dsse.envelope.v1+json"]
assert len(refs) == 2, ix
for r in refs:
    blob = open(d + "/blobs/sha256/" + r["digest"][7:], "rb").read()
    assert hashlib.sha256(blob).hexdigest() == r["digest"][7:] and len(blob) == r["size"]
    m = json.loads(blob)
    assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert m["subject"]["digest"] == want, m["subject"]
    assert m["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
    assert m["config"]["digest"] == "sha256:" + hashlib.sha256(b"{}").hexdigest()
    layer = m["layers"][0]
    env = open(d + "/blobs/sha256/" + layer["digest"][7:], "rb").read()
    assert hashlib.sha256(env).hexdigest() == layer["digest"][7:]
    assert layer["annotations"]["in-toto.io/predicate-type"] == "https://moat.dev/attestation/phase/v1"
    open(d + "/../ref-%s.json" % r["digest"][7:19], "wb").write(env)
EOF
  ok "layout: two OCI 1.1 referrer manifests, subject = image manifest, empty config, digests right"
else
  not_ok "layout referrers malformed"
fi
n=0
for f in ref-*.json; do
  mkdir -p r && python3 "$WORK/pae.py" "$f" r
  if openssl dgst -sha256 -verify build.pub -signature r/sig r/pae >/dev/null 2>&1 ||
    openssl pkeyutl -verify -pubin -inkey test.pub -rawin -in r/pae -sigfile r/sig >/dev/null 2>&1; then
    n=$((n + 1))
  fi
done
[[ $n == 2 ]] && ok "both referrer envelopes verify with openssl" || not_ok "$n of 2 referrer envelopes verify"
if m verify --policy moat-policy.yaml "$OCI"; then
  ok "moat verify accepts the chain stored as referrers"
else
  not_ok "moat verify on referrers: $(head -c 400 "$WORK/m.err")"
fi

# ---- scan summary carried by the test phase ----
if m scan --scanners secret -f json -o scan.json "$OCI" &&
  m attest --phase test --key test.key --scan-result scan.json -o env-scan.json "$OCI"; then
  python3 "$WORK/pae.py" env-scan.json ed
  python3 - ed/statement.json scan.json <<'EOF' && ok "phase test carries the scan summary (counts match scan.json)" || not_ok "scan summary wrong"
import json, sys
st, scan = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
s = st["predicate"]["scan"]
assert s["time"] == scan["timestamp"] and s["scanner"]["name"] == "moat"
assert s["severity_counts"] == {k: scan["summary"]["by_severity"].get(k, 0) for k in s["severity_counts"]}
assert s["kind_counts"]["secret"] == scan["summary"]["by_kind"].get("secret", 0)
assert s["total"] == scan["summary"]["total"]
EOF
else
  not_ok "scan + attest --scan-result failed: $(head -c 300 "$WORK/m.err")"
fi
rc=0
m attest --phase test --key test.key --scan-result scan.json -o - "docker-archive:$FIXTURES/debian-min/docker-archive.tar" 2>/dev/null || rc=$?
if [[ $rc == 1 ]] && grep -q 'not of this image' "$WORK/m.err"; then
  ok "a scan result of another image is refused"
elif [[ ! -f $FIXTURES/debian-min/docker-archive.tar ]]; then
  it_skip "scan-of-another-image check: no debian-min fixture"
else
  not_ok "scan of another image: exit $rc: $(head -c 300 "$WORK/m.err")"
fi

# ---- cosign simple signing ----
rc=0
m sign --key build.key --output-signature sig.b64 --output-payload payload.json "$OCI" || rc=$?
[[ $rc == 1 && ! -e sig.b64 ]] && grep -q "only by its tag '1'.*--name" "$WORK/m.err" &&
  ok "moat sign on oci:DIR:1 without --name: refused, the tag '1' is no repository" ||
  not_ok "sign without a repository: rc $rc $(cat "$WORK/m.err")"
if m sign --key build.key --name example.com/moat/alpine:1 --output-signature sig.b64 --output-payload payload.json "$OCI"; then
  base64 -d sig.b64 >sig.der
  if openssl dgst -sha256 -verify build.pub -signature sig.der payload.json >/dev/null; then
    ok "moat sign: openssl dgst -sha256 -verify accepts the simple-signing signature"
  else
    not_ok "moat sign: openssl rejects the signature"
  fi
  python3 - payload.json "$MAN_DIGEST" <<'EOF' && ok "simple-signing payload: cosign's layout, the manifest digest" || not_ok "simple-signing payload wrong: $(cat payload.json)"
import json, sys
p = json.load(open(sys.argv[1]))
assert list(p) == ["critical", "optional"] and p["optional"] is None
c = p["critical"]
assert c["type"] == "cosign container image signature"
assert c["image"]["docker-manifest-digest"] == sys.argv[2]
assert c["identity"]["docker-reference"] == "example.com/moat/alpine", c["identity"]
EOF
  if m verify --key build.pub --name example.com/moat/alpine:1 --signature sig.b64 --payload payload.json --no-referrers "$OCI" &&
    grep -q "signed by key sha256:.* as example.com/moat/alpine (1 of 1 signatures)" "$WORK/m.out" &&
    m verify --key build.pub --signature sig.b64 --payload payload.json --no-referrers "$OCI" &&
    grep -q "repository not checked" "$WORK/m.out"; then
    ok "moat verify --key accepts moat sign's signature files"
  else
    not_ok "moat verify --key refused its own signature: $(cat "$WORK/m.out" "$WORK/m.err")"
  fi
  rc=0
  m verify --key test.pub --signature sig.b64 --payload payload.json --no-referrers "$OCI" || rc=$?
  [[ $rc == 1 ]] && grep -q "^moat: verify: sig.b64: the signature does not verify with key" "$WORK/m.err" &&
    ok "moat verify --key with another key: exit 1, the reason on one line" ||
    not_ok "other key: rc $rc $(cat "$WORK/m.err")"
  rc=0
  m verify --key build.pub --name example.com/other --signature sig.b64 --payload payload.json --no-referrers "$OCI" || rc=$?
  [[ $rc == 1 ]] && grep -q 'signs the repository "example.com/moat/alpine", not example.com/other' "$WORK/m.err" &&
    ok "moat verify --key --name another repository: refused" || not_ok "other repo: rc $rc $(cat "$WORK/m.err")"
  printf ' ' >>payload.json
  if openssl dgst -sha256 -verify build.pub -signature sig.der payload.json >/dev/null 2>&1; then
    not_ok "openssl accepts the signature over a changed payload"
  else
    ok "changed payload: openssl refuses"
  fi
  rc=0
  m verify --key build.pub --signature sig.b64 --payload payload.json --no-referrers "$OCI" || rc=$?
  [[ $rc == 1 ]] && grep -q "does not verify" "$WORK/m.err" && ok "changed payload: moat verify --key refuses" ||
    not_ok "changed payload accepted by moat: rc $rc"
  # the other direction: a payload built by python and signed by openssl, as cosign would
  python3 -c 'import json, sys
print(json.dumps({"critical": {"identity": {"docker-reference": "index.docker.io/moat/alpine"},
                               "image": {"docker-manifest-digest": sys.argv[1]},
                               "type": "cosign container image signature"}, "optional": None},
                 separators=(",", ":")), end="")' "$MAN_DIGEST" >ext-payload.json
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ext.pem 2>/dev/null
  openssl pkey -in ext.pem -pubout -out ext.pub
  openssl dgst -sha256 -sign ext.pem ext-payload.json | base64 -w0 >ext.sig
  if m verify --key ext.pub --name docker.io/moat/alpine --signature ext.sig --payload ext-payload.json --no-referrers "$OCI"; then
    ok "an openssl signature of a python-built payload (index.docker.io name) verifies as docker.io/moat/alpine"
  else
    not_ok "external simple signature refused: $(cat "$WORK/m.err")"
  fi
else
  not_ok "moat sign failed: $(cat "$WORK/m.err")"
fi
if m sign --key build.key --name example.com/moat/alpine "$OCI" && python3 - "$WORK/oci" build.pub <<'EOF'; then
import base64, json, subprocess, sys
d = sys.argv[1]
ix = json.load(open(d + "/index.json"))
refs = [m for m in ix["manifests"] if m.get("artifactType") == "application/vnd.dev.cosign.simplesigning.v1+json"]
assert len(refs) == 1
m = json.load(open(d + "/blobs/sha256/" + refs[0]["digest"][7:]))
layer = m["layers"][0]
sig = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
open(d + "/../ss.der", "wb").write(sig)
subprocess.check_call(["openssl", "dgst", "-sha256", "-verify", sys.argv[2], "-signature", d + "/../ss.der",
                       d + "/blobs/sha256/" + layer["digest"][7:]], stdout=subprocess.DEVNULL)
EOF
  ok "moat sign on oci: a simple-signing referrer whose annotation signature openssl verifies"
else
  not_ok "moat sign referrer wrong: $(head -c 300 "$WORK/m.err")"
fi
if m verify --key build.pub --name example.com/moat/alpine "$OCI" && grep -q "(1 of 1 signatures)" "$WORK/m.out"; then
  ok "moat verify --key finds and verifies the referrer in the layout"
else
  not_ok "verify --key of the referrer: $(cat "$WORK/m.out" "$WORK/m.err")"
fi
rc=0
m verify --key build.pub "$DARCH" || rc=$?
[[ $rc == 1 ]] && grep -q "no simple signatures found" "$WORK/m.err" &&
  ok "an image with no signature: exit 1, 'no simple signatures found'" || not_ok "no signatures: rc $rc"

# ---- the passphrase never appears in anything moat printed ----
if grep -qF -- "$MOAT_PASSWORD" "$ALL_OUT" "$WORK"/*.json "$WORK"/*.jsonl 2>/dev/null; then
  not_ok "MOAT_PASSWORD appears in moat's output or files"
else
  ok "MOAT_PASSWORD appears in none of $(wc -l <"$ALL_OUT") output lines or the written files"
fi

it_done
