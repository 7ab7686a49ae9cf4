#!/usr/bin/env bash
# secret_scan.sh - build an image from the Alpine minirootfs with planted secrets
# of every rule family (files, a file a later layer deletes, ENV, a build ARG in
# the history) and check that `moat scan --scanners secret` finds every one, with
# nothing unredacted in the output; then check the debian-min fixture gives none.
set -euo pipefail
source "$MOAT_SRC/tests/fixtures/lib.sh"
fx_need podman:podman
work=$(mktemp -d)
trap 'fx_podman rmi -f moat-test/secrets:1 moat-test/secrets-base:1 >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

fx_podman import "$ALPINE_TARBALL" moat-test/secrets-base:1 >/dev/null
cp -r "$MOAT_SRC/tests/secret/image" "$MOAT_SRC/tests/secret/Containerfile.secrets" "$work/"
fx_podman build --network none -q -f "$work/Containerfile.secrets" \
  --build-arg BASE=moat-test/secrets-base:1 \
  --build-arg DEPLOY_TOKEN=ghp_Q9mZ2xLk7RtV4nB8cW1yH6jP3sD5fG0aE2uK \
  -t moat-test/secrets:1 "$work" >/dev/null
fx_podman save --format docker-archive -o "$work/img.tar" moat-test/secrets:1

"$MOAT" scan --scanners secret -f json -o "$work/out.json" "docker-archive:$work/img.tar"
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
expect secret-aws-access-key-id app/deleted.env
expect secret-gitlab-token config:Env
expect secret-github-token config:history
# redaction: no planted secret appears in the report
for s in PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo Q9mZ2xLk7RtV4nB8cW1yH6jP3sD5fG0aE2uK \
         QCyEZDz-TddJ8HyS5SUk Xk9#mQ2 Z7VQ4XJ2MRTN6KWB; do
  if grep -qF -- "$s" "$work/out.json"; then echo "FAIL: secret $s not redacted"; fail=1; fi
done

# a pristine Debian 12 image: no secret finding
"$MOAT_SRC/tests/fixtures/build-all.sh" debian-min >/dev/null
"$MOAT" scan --scanners secret -f json -o "$work/deb.json" "docker-archive:$FIXTURES/debian-min/docker-archive.tar"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/deb.json")
if [[ $n != 0 ]]; then echo "FAIL: debian-min gave $n secret findings"; fail=1; fi
exit $fail
