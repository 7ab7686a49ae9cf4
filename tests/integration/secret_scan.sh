#!/usr/bin/env bash
# secret_scan.sh - build an image from the Alpine minirootfs with planted secrets
# of every rule family (files, a file a later layer deletes, ENV, a build ARG in
# the history, gzip'ed and zstd'ed files, a .tar.gz, a truncated .gz and a gzip bomb,
# passwords in XML elements and attributes, a plain text file named .gz as Debian ships
# them) and check that `moat scan --scanners secret` finds every one, with nothing
# unredacted in the output and the bomb costing little; with --secret-config,
# a user rule fires, disable-rules and an allow path silence findings and a bad
# config fails with its file and line; then check debian-min gives none.
set -euo pipefail
source "$MOAT_SRC/tests/fixtures/lib.sh"
for c in podman zstd; do
  command -v $c >/dev/null || { echo "SKIP $c not installed (apt-get install $c)"; exit 77; }
done
[[ -f $ALPINE_TARBALL ]] || { echo "SKIP Alpine minirootfs not found: $ALPINE_TARBALL"; exit 77; }
work=$(mktemp -d)
trap 'fx_podman rmi -f moat-test/secrets:1 moat-test/secrets-base:1 >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

fx_podman import "$ALPINE_TARBALL" moat-test/secrets-base:1 >/dev/null
cp -r "$MOAT_SRC/tests/secret/image" "$MOAT_SRC/tests/secret/Containerfile.secrets" "$work/"
# compressed files, made with the gzip and zstd tools: secrets inside, a truncated
# stream (a warning, not a failure) and a 512 MiB gzip bomb (about 500 KiB)
mkdir -p "$work/image/archive"
printf '# old settings\nDEPLOY=ghp_Zk3Lq8Wm2Xr5Tn9Vb4Hc7Jd1Fg6Ys0Pa3Ue8\n' | gzip -9 >"$work/image/archive/old.env.gz"
printf 'billing:\n  key: sk_live_4eC39HqLyjWDarjtT1zdp7dcQ\n' | zstd -q >"$work/image/archive/billing.yml.zst"
{ printf 'x=1\n'; head -c 30000 /dev/urandom | base64; } | gzip | head -c 2000 >"$work/image/archive/cut.log.gz"
head -c 512M /dev/zero | gzip -9 >"$work/image/archive/bomb.gz"
# plain text under a .gz name (Debian's var/lib/dpkg/alternatives/builtins.7.gz): no warning
printf '/usr/share/man/man7/bash-builtins.7.gz\n' >"$work/image/archive/builtins.7.gz"
printf 'ACME_KEY=acme-9F3B27C1D04E5A68\n' >"$work/image/acme.conf"
# a tar.gz backup (made by tar(1)) with a secret in one member and a binary beside it
mkdir -p "$work/tarsrc/home/ci"
printf '[ci]\nGITLAB=glpat-Rk7mWq2Zx9Lp4Tn8Vb3H\n' >"$work/tarsrc/home/ci/.ci.conf"
head -c 4096 /dev/urandom >"$work/tarsrc/home/ci/blob"
tar -C "$work/tarsrc" -czf "$work/image/archive/backup.tar.gz" home
fx_podman build --network none -q -f "$work/Containerfile.secrets" \
  --build-arg BASE=moat-test/secrets-base:1 \
  --build-arg DEPLOY_TOKEN=ghp_Q9mZ2xLk7RtV4nB8cW1yH6jP3sD5fG0aE2uK \
  -t moat-test/secrets:1 "$work" >/dev/null
fx_podman save --format docker-archive -o "$work/img.tar" moat-test/secrets:1

start=$(date +%s%N)
MOAT_CACHE=$work/cache "$MOAT" scan --scanners secret -f json -o "$work/out.json" "docker-archive:$work/img.tar" 2>"$work/scan.err"
cat "$work/scan.err" >&2
echo "secret scan of the planted image (with a 512 MiB gzip bomb): $(( ($(date +%s%N) - start) / 1000000 )) ms"
fail=0
expect() { # RULE PATH
  if ! python3 - "$work/out.json" "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if any(f.get("rule_id") == sys.argv[2] and (f.get("location") or {}).get("path") == sys.argv[3]
                  for f in j["findings"]) else 1)
PY
  then echo "FAIL: no $1 in $2"; fail=1; fi
}
expect secret-private-key-pem app/keys.pem
expect secret-private-key-openssh app/id_ed25519
expect secret-private-key-putty app/key.ppk
expect secret-private-key-pgp app/secring.asc
expect secret-aws-access-key-id app/aws.ini
expect secret-aws-secret-access-key app/aws.ini
expect secret-gcp-service-account app/gcp.json
expect secret-azure-storage-key app/azure.txt
expect secret-azure-client-secret app/azure.txt
expect secret-github-token app/tokens.env
expect secret-slack-token app/tokens.env
expect secret-slack-webhook app/tokens.env
expect secret-stripe-key app/tokens.env
expect secret-npm-token app/.npmrc
expect secret-pypi-token app/.pypirc
expect secret-docker-config-auth app/docker-config.json
expect secret-jwt app/session.txt
expect secret-generic-assignment app/app.conf
expect secret-generic-assignment app/web.config
expect secret-generic-assignment app/settings.xml
expect secret-aws-access-key-id app/deleted.env
expect secret-gitlab-token config:Env
expect secret-generic-assignment config:Env
# an Env finding names its variable, value redacted
if ! python3 - "$work/out.json" <<'PY'
import json, sys
fs = [f for f in json.load(open(sys.argv[1]))["findings"] if (f.get("location") or {}).get("path") == "config:Env"]
want = {("secret-gitlab-token", "GITLAB_TOKEN=****"), ("secret-generic-assignment", "DB_PASSWORD=****")}
sys.exit(0 if want <= {(f["rule_id"], f["match"]) for f in fs} else 1)
PY
then echo "FAIL: Env findings do not name GITLAB_TOKEN and DB_PASSWORD"; fail=1; fi
# only the truncated .gz is a damaged compressed file, not the plain text named .gz
if [[ $(grep -c "^moat: warning: secret scan: .*\(gzip\|zstd\)" "$work/scan.err") != 1 ]] ||
  ! grep -q "^moat: warning: secret scan: app/archive/cut.log.gz: truncated gzip stream" "$work/scan.err"; then
  echo "FAIL: expected exactly one truncated or corrupt compressed file: $(cat "$work/scan.err")"; fail=1
fi
expect secret-github-token config:history
expect secret-github-token app/archive/old.env.gz
expect secret-stripe-key app/archive/billing.yml.zst
expect secret-gitlab-token app/archive/backup.tar.gz
# the compiled rules were cached (0600) and the cached database finds the same
cached=("$work"/cache/secret-*.hsdb)
if [[ ! -f ${cached[0]} || $(stat -c %a "${cached[0]}") != 600 ]]; then
  echo "FAIL: no 0600 rule database cache in $work/cache"; fail=1
fi
MOAT_CACHE=$work/cache "$MOAT" scan --scanners secret -f json -o "$work/again.json" "docker-archive:$work/img.tar"
if ! python3 - "$work/out.json" "$work/again.json" <<'PY'
import json, sys
a, b = (sorted(json.dumps(f, sort_keys=True) for f in json.load(open(p))["findings"]) for p in sys.argv[1:])
sys.exit(0 if a == b else 1)
PY
then echo "FAIL: the cached rule database finds something else"; fail=1; fi
# redaction: no planted secret appears in the report
for s in PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo Q9mZ2xLk7RtV4nB8cW1yH6jP3sD5fG0aE2uK \
         QCyEZDz-TddJ8HyS5SUk Xk9#mQ2 Qm7#vT2p Vb8\$kN3q Rt5!hJ8m Z7VQ4XJ2MRTN6KWB Zk3Lq8Wm2Xr5Tn9Vb4Hc7 4eC39HqLyjWDarjtT1zdp7dcQ Rk7mWq2Zx9Lp4Tn8Vb3H; do
  if grep -qF -- "$s" "$work/out.json"; then echo "FAIL: secret $s not redacted"; fail=1; fi
done

# nothing from a user rule without a config
if grep -qF acme "$work/out.json"; then echo "FAIL: acme.conf reported without a config"; fail=1; fi

# --secret-config
if "$MOAT" scan --help 2>&1 | grep -q -- --secret-config; then
  cat >"$work/secret.yaml" <<'EOF'
rules:
  - id: acme-deploy-key
    category: ACME
    title: ACME deploy key
    severity: HIGH
    regex: acme-[0-9A-F]{16}
    keywords: [acme-]
disable-rules: [jwt-token]
allow-rules:
  - id: deleted-file-is-known
    path: ^app/deleted\.env$
EOF
  "$MOAT" scan --scanners secret --secret-config "$work/secret.yaml" -f json -o "$work/cfg.json" \
    "docker-archive:$work/img.tar"
  cp "$work/out.json" "$work/plain.json"; cp "$work/cfg.json" "$work/out.json"
  expect acme-deploy-key app/acme.conf
  expect secret-github-token app/archive/old.env.gz
  python3 - "$work/cfg.json" <<'PY' || fail=1
import json, sys
fs = json.load(open(sys.argv[1]))["findings"]
bad = [f for f in fs if f.get("rule_id") == "secret-jwt" or (f.get("location") or {}).get("path") == "app/deleted.env"]
if bad:
    print("FAIL: disabled rule or allowed path still reported:", bad); sys.exit(1)
PY
  printf 'rules:\n  - id: loose\n    severity: LOW\n    regex: "key=.+"\n' >"$work/bad.yaml"
  if "$MOAT" scan --scanners secret --secret-config "$work/bad.yaml" -f json -o "$work/bad.json" \
      "docker-archive:$work/img.tar" 2>"$work/bad.err"; then
    echo "FAIL: an unbounded user regex was accepted"; fail=1
  elif ! grep -q "bad.yaml: line 2: rule 'loose': 'regex' is unbounded" "$work/bad.err"; then
    echo "FAIL: unclear error for a bad config: $(cat "$work/bad.err")"; fail=1
  fi
else
  echo "FAIL: moat scan --help names no --secret-config"; fail=1
fi

# a pristine Debian 12 image: no secret finding
"$MOAT_SRC/tests/fixtures/build-all.sh" debian-min >/dev/null
"$MOAT" scan --scanners secret -f json -o "$work/deb.json" "docker-archive:$FIXTURES/debian-min/docker-archive.tar" \
  2>"$work/deb.err"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/deb.json")
if [[ $n != 0 ]]; then echo "FAIL: debian-min gave $n secret findings"; fail=1; fi
# its alternatives/builtins.7.gz is plain text, not a damaged gzip file
if [[ -s $work/deb.err ]]; then echo "FAIL: debian-min scan warned: $(cat "$work/deb.err")"; fail=1; fi
exit $fail
