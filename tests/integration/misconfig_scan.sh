#!/usr/bin/env bash
# misconfig_scan.sh - `moat scan --scanners misconfig` on real images:
#  - the misconfig fixture (debian-min + every planted misconfiguration,
#    tests/fixtures/Containerfile.misconfig) fires every rule MIC001-MIC017
#    at the planted place, and never prints the planted ENV password;
#  - the setuid/setgid and world-writable findings equal what an independent
#    listing of the image's layer tars (GNU tar -tv, whiteouts applied) and the
#    debootstrap rootfs (find -perm, dpkg's .list files) say they must be;
#  - pristine debian-min reports only: runs as root, no HEALTHCHECK and the apt
#    lists debootstrap leaves in var/lib/apt/lists;
#  - the options (--max-age, --setuid-allow), every report format, the
#    --severity/--exit-code gate, one pass with the secret scanner, and the
#    clear error for an SBOM input.
source "$(dirname "$0")/common.sh"

it_fixtures debian-min >/dev/null 2>&1 || { not_ok "debian-min fixture did not build"; it_done; }
bash "$MOAT_SRC/tests/fixtures/build-misconfig.sh" 2>"$WORK/fx.log" || {
  why=$(it_prereq_missing "$WORK/fx.log") && it_skip_all "misconfig fixture: $why"
  not_ok "misconfig fixture did not build: $(tail -5 "$WORK/fx.log")"; it_done; }
MC=$FIXTURES/misconfig/docker-archive.tar
DEB=$FIXTURES/debian-min/docker-archive.tar
ROOT=$FIXTURES/debian-min/root

# findings JSON -> "RULE<TAB>PATH" lines, sorted
rules_paths() {
  python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print(f["rule_id"] + "\t" + ((f["location"] or {}).get("path") or ""))' "$1" | LC_ALL=C sort
}

# --- every rule fires on the planted image -------------------------------
if it_moat "$WORK/mc.json" "$WORK/err" scan --scanners misconfig -q -f json "docker-archive:$MC"; then
  ok "scan of the misconfig fixture succeeds"
else
  not_ok "scan of the misconfig fixture failed: $(head -c 300 "$WORK/err")"
fi
rules_paths "$WORK/mc.json" >"$WORK/mc.tsv"
while read -r rule path; do
  if grep -qxF "$rule"$'\t'"$path" "$WORK/mc.tsv"; then
    ok "$rule at $path"
  else
    not_ok "$rule at $path: missing (got: $(tr '\n' ' ' <"$WORK/mc.tsv"))"
  fi
done <<'EOF'
MIC001 config:User
MIC002 usr/sbin/sshd
MIC003 usr/bin/nc
MIC004 usr/bin/gcc
MIC005 config:ExposedPorts
MIC006 usr/local/bin/helper
MIC007 usr/bin/ls
MIC008 srv/drop
MIC008 srv/app.conf
MIC009 etc/ssh/ssh_host_ed25519_key
MIC010 root/.ssh/id_ed25519
MIC011 usr/bin/sudo
MIC012 var/cache/apt/archives
MIC012 var/lib/apt/lists
MIC013 config:history
MIC014 config:history
MIC015 config:Env
MIC016 config:Healthcheck
MIC017 config:Created
EOF
n=$(wc -l <"$WORK/mc.tsv")
[[ $n == 19 ]] && ok "exactly the 19 planted findings" || not_ok "$n findings, expected 19"
# quiet on what was planted as fine: sticky dir, certificate, public key, DB_PASSWORD_FILE
if grep -qE $'\t(srv/shared|srv/cert.pem|etc/ssh/ssh_host_ed25519_key.pub)$' "$WORK/mc.tsv"; then
  not_ok "a planted negative was reported: $(grep -E 'srv/shared|cert.pem|\.pub' "$WORK/mc.tsv")"
else
  ok "sticky shared dir, certificate and public key are not reported"
fi
python3 - "$WORK/mc.json" >"$WORK/detail" 2>&1 <<'PY' && ok "evidence: $(cat "$WORK/detail")" || not_ok "evidence: $(cat "$WORK/detail")"
import json, sys
fs = json.load(open(sys.argv[1]))["findings"]
by = {}
for f in fs:
    by.setdefault(f["rule_id"], []).append(f)
env = by["MIC015"]
assert len(env) == 1 and env[0]["match"] == "DB_PASSWORD=****", env
cache = {f["location"]["path"]: f["match"] for f in by["MIC012"]}
assert cache["var/cache/apt/archives"] == "1 files, 4096 bytes", cache
add = by["MIC013"][0]
assert "https://downloads.example.invalid/app-1.0.tar.gz" in add["description"], add
assert by["MIC017"][0]["match"] == "2020-01-02T03:04:05Z" and by["MIC017"][0]["cis"] == "4.4"
assert by["MIC007"][0]["package"]["name"] == "coreutils", by["MIC007"]
for f in fs:
    assert f["kind"] == "misconfiguration" and f["remediation"], f
    assert f["cis"] in (None, "4.1", "4.3", "4.4", "4.6", "4.8", "4.9", "4.10"), f
    if f["location"]["path"].startswith(("usr/", "etc/", "root/", "srv/")):
        assert f["location"]["layer"] is not None and f["location"]["layer"] >= 1, f
print("ENV redacted, cache bytes, ADD URL, created, coreutils owns ls, layers of added files")
PY

# the planted password never appears, in any format
for fmt in json sarif junit table; do
  it_moat "$WORK/mc.$fmt" "$WORK/err" scan --scanners misconfig -q -f "$fmt" "docker-archive:$MC" || true
  if [[ ! -s $WORK/mc.$fmt ]]; then
    not_ok "--format $fmt wrote nothing: $(head -c 300 "$WORK/err")"
  elif grep -q 'Pl4nted-Passw0rd' "$WORK/mc.$fmt"; then
    not_ok "--format $fmt prints the ENV password"
  else
    ok "--format $fmt: written, ENV password redacted"
  fi
done
if python3 "$MOAT_SRC/tests/sbom/validate-schema.py" "$MOAT_SRC/tests/data/schemas" \
     sarif-schema-2.1.0.json "$WORK/mc.sarif" 2>"$WORK/verr"; then
  ok "SARIF with misconfig findings validates against SARIF 2.1.0"
else
  not_ok "SARIF does not validate: $(head -c 300 "$WORK/verr")"
fi
n=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]
print(len(r["results"]), len({x["id"] for x in r["tool"]["driver"]["rules"]}))' "$WORK/mc.sarif")
[[ $n == "19 17" ]] && ok "SARIF: 19 results, 17 rules" || not_ok "SARIF results/rules: $n, expected 19 17"
# CycloneDX has no place for misconfigurations: the document holds none, and stderr says so
if "$MOAT" scan --scanners misconfig -f cyclonedx -o "$WORK/mc.cdx" "docker-archive:$MC" 2>"$WORK/cdx.err" &&
  [[ $(jq '.vulnerabilities // [] | length' "$WORK/mc.cdx") == 0 ]] &&
  grep -q '^moat: cyclonedx carries vulnerabilities only; 19 secret and misconfiguration findings' "$WORK/cdx.err"; then
  ok "--format cyclonedx: no misconfig in the document, and a one-line notice naming the 19 left out"
else
  not_ok "--format cyclonedx: $(head -c 300 "$WORK/cdx.err")"
fi
python3 -c 'import sys, xml.etree.ElementTree as E; t=E.parse(sys.argv[1]).getroot()
print(sum(1 for _ in t.iter("testcase")))' "$WORK/mc.junit" >"$WORK/jn" 2>&1 &&
  [[ $(cat "$WORK/jn") -ge 19 ]] && ok "JUnit parses with $(cat "$WORK/jn") test cases" ||
  not_ok "JUnit: $(head -c 200 "$WORK/jn")"

# --- independent ground truth for setuid/setgid and world-writable --------
# GNU tar lists each layer of the docker-archive; whiteouts applied in order.
python3 - "$MC" "$ROOT" "$WORK/mc.json" >"$WORK/gt" 2>&1 <<'PY' && ok "layer tars agree: $(cat "$WORK/gt")" || not_ok "layer tars disagree: $(cat "$WORK/gt")"
import glob, json, os, subprocess, sys
archive, root, report = sys.argv[1:4]
man = json.loads(subprocess.run(["tar", "-xOf", archive, "manifest.json"], check=True,
                                capture_output=True).stdout)
state = {}  # path -> (type char, perms string)
for layer in man[0]["Layers"]:
    x = subprocess.Popen(["tar", "-xOf", archive, layer], stdout=subprocess.PIPE)
    out = subprocess.run(["tar", "--numeric-owner", "-tvf", "-"], stdin=x.stdout,
                         capture_output=True, text=True, check=True).stdout
    x.wait()
    for line in out.splitlines():
        perms, _o, _s, _d, _t, name = line.split(None, 5)
        if perms[0] == "l":
            name = name.split(" -> ")[0]
        if perms[0] == "h":
            name = name.split(" link to ")[0]
        name = name.removeprefix("./").rstrip("/")
        d, _, base = name.rpartition("/")
        if base == ".wh..wh..opq":
            for p in [p for p in state if p.startswith(d + "/")]:
                del state[p]
        elif base.startswith(".wh."):
            victim = (d + "/" if d else "") + base[4:]
            for p in [p for p in state if p == victim or p.startswith(victim + "/")]:
                del state[p]
        elif name:
            state[name] = (perms[0], perms)
def suid(t, p): return t in "-h" and (p[3] == "s" or p[6] == "s")
setuid = {p for p, (t, m) in state.items() if suid(t, m)}
ww = {p for p, (t, m) in state.items()
      if t in "-hd" and m[8] == "w" and not (t == "d" and m[9] in "tT")}
# package files: dpkg's lists in the debootstrap rootfs (the image adds no package)
owned = set()
for lst in glob.glob(os.path.join(root, "var/lib/dpkg/info/*.list")):
    for l in open(lst, encoding="utf-8", errors="replace"):
        l = l.strip().lstrip("/")
        owned.add(l)
        for a in ("bin", "sbin", "lib", "lib64"):  # usr-merge: bin -> usr/bin ...
            if l.startswith(a + "/"):
                owned.add("usr/" + l)
# the setuid files Debian minbase ships, from the rootfs itself
base = set(subprocess.run(["find", ".", "-xdev", "-type", "f", "-perm", "/6000", "-perm", "/111"],
                          cwd=root, capture_output=True, text=True, check=True)
           .stdout.replace("./", "").split())
got = {}
for f in json.load(open(report))["findings"]:
    got.setdefault(f["rule_id"], set()).add(f["location"]["path"])
assert got.get("MIC006", set()) == setuid - owned, ("MIC006", got.get("MIC006"), setuid - owned)
assert got.get("MIC007", set()) <= setuid & owned, ("MIC007", got.get("MIC007"))
quiet = (setuid & owned) - got.get("MIC007", set())
assert quiet == base, ("known-good quiet set != debootstrap's setuid files", quiet ^ base)
assert got.get("MIC008", set()) == ww, ("MIC008", got.get("MIC008"), ww)
print(f"{len(setuid)} setuid/setgid files ({len(setuid - owned)} build-added, "
      f"{len(quiet)} Debian defaults quiet), {len(ww)} world-writable")
PY

# --- pristine debian-min ----------------------------------------------------
if it_moat "$WORK/deb.json" "$WORK/err" scan --scanners misconfig -q -f json "docker-archive:$DEB"; then
  rules_paths "$WORK/deb.json" >"$WORK/deb.tsv"
  printf 'MIC001\tconfig:User\nMIC012\tvar/lib/apt/lists\nMIC016\tconfig:Healthcheck\n' >"$WORK/deb.want"
  if diff -u "$WORK/deb.want" "$WORK/deb.tsv" >"$WORK/diff"; then
    ok "debian-min: only root user, apt lists and no HEALTHCHECK"
  else
    not_ok "debian-min findings differ: $(cat "$WORK/diff")"
  fi
  # the apt lists really are there (debootstrap keeps them), with the reported size
  want=$(find "$ROOT/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -printf '%s\n' |
         awk '{n++; b+=$1} END {print n " files, " b " bytes"}')
  got=$(python3 -c 'import json,sys
print([f["match"] for f in json.load(open(sys.argv[1]))["findings"] if f["rule_id"]=="MIC012"][0])' "$WORK/deb.json")
  [[ $got == "$want" ]] && ok "debian-min apt lists: $got (find agrees)" ||
    not_ok "debian-min apt lists: moat '$got', find '$want'"
  ww=$(find "$ROOT" -xdev -perm -0002 \( -type f -o \( -type d ! -perm -1000 \) \) | wc -l)
  [[ $ww == 0 ]] && ok "debian-min rootfs has no world-writable path (find) and moat reports none" ||
    not_ok "find sees $ww world-writable paths in debian-min"
else
  not_ok "debian-min scan failed: $(head -c 300 "$WORK/err")"
fi
it_moat "$WORK/t.json" "$WORK/err" scan --scanners misconfig -q -f json "oci:$FIXTURES/debian-min/oci:1" || true
rules_paths "$WORK/t.json" 2>/dev/null | cut -f1 | tr '\n' ' ' >"$WORK/t.ids"
[[ $(cat "$WORK/t.ids") == "MIC001 MIC012 MIC016 " ]] && ok "oci: layout of debian-min: same rules" ||
  not_ok "oci: $(cat "$WORK/t.ids") $(head -c 200 "$WORK/err")"
# a dir: root has no image config: no user or healthcheck verdict, and a warning saying so
it_moat "$WORK/t.json" "$WORK/err" scan --scanners misconfig -f json "dir:$ROOT" || true
rules_paths "$WORK/t.json" 2>/dev/null | cut -f1 | tr '\n' ' ' >"$WORK/t.ids"
warn=$(python3 -c 'import json,sys; print(" ".join(w["code"] for w in json.load(open(sys.argv[1]))["warnings"]))' \
  "$WORK/t.json")
[[ $(cat "$WORK/t.ids") == "MIC012 " && $warn == no-image-config ]] &&
  grep -q "has no image config" "$WORK/err" &&
  ok "dir: root: only the content checks, and a no-image-config warning (JSON and stderr)" ||
  not_ok "dir: $(cat "$WORK/t.ids") warnings '$warn' $(head -c 200 "$WORK/err")"
mkdir -p "$WORK/emptydir"
it_moat "$WORK/t.json" "$WORK/err" scan --scanners misconfig -q -f json "dir:$WORK/emptydir" || true
[[ $(rules_paths "$WORK/t.json" 2>/dev/null | wc -l) == 0 ]] &&
  ok "an empty directory does not 'run as root'" || not_ok "empty dir: $(rules_paths "$WORK/t.json")"

# --- options ----------------------------------------------------------------
it_moat "$WORK/o.json" "$WORK/err" scan --scanners misconfig -q -f json \
  --setuid-allow /usr/local/bin/helper --setuid-allow usr/bin/ls --max-age 100000 "docker-archive:$MC" || true
n=$(rules_paths "$WORK/o.json" | grep -cE '^(MIC006|MIC007|MIC017)' || true)
[[ $n == 0 ]] && ok "--setuid-allow clears both setuid findings, --max-age 100000 the age one" ||
  not_ok "--setuid-allow/--max-age left $n findings"
rc=0
it_moat "$WORK/g.json" "$WORK/err" scan --scanners misconfig -q -f json --severity HIGH --exit-code 3 \
  "docker-archive:$MC" || rc=$?
n=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["findings"]
print(len(f), all(x["severity"]=="HIGH" for x in f))' "$WORK/g.json")
[[ $rc == 3 && $n == "6 True" ]] && ok "--severity HIGH --exit-code 3: exit 3, 6 HIGH findings" ||
  not_ok "gate: exit $rc, findings '$n'"
rc=0
it_moat "$WORK/g.json" "$WORK/err" scan --scanners misconfig -q -f json --severity CRITICAL --exit-code 3 \
  "docker-archive:$DEB" || rc=$?
[[ $rc == 0 ]] && ok "debian-min passes a CRITICAL gate" || not_ok "debian-min CRITICAL gate exit $rc"
rc=0
it_moat "$WORK/o" "$WORK/err" scan --scanners misconfig --max-age -5 "docker-archive:$DEB" || rc=$?
[[ $rc == 2 ]] && ok "--max-age -5 is a usage error" || not_ok "--max-age -5 exit $rc"

# one pass with the secret scanner: both kinds, the same misconfig findings
if it_moat "$WORK/s.json" "$WORK/err" scan --scanners secret,misconfig -q -f json "docker-archive:$MC"; then
  a=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["findings"]
print(sum(x["kind"]=="misconfiguration" for x in f), sum(x["kind"]=="secret" for x in f) > 0)' "$WORK/s.json")
  [[ $a == "19 True" ]] && ok "secret,misconfig in one pass: 19 misconfig findings and secrets" ||
    not_ok "secret,misconfig: '$a'"
else
  not_ok "secret,misconfig failed: $(head -c 300 "$WORK/err")"
fi

# all three scanners in one pass (a one-advisory database: bash affected, no fix)
mkdir -p "$WORK/osv"
cat >"$WORK/osv/MOAT-TEST-MC.json" <<'JSON'
{"schema_version":"1.6.0","id":"MOAT-TEST-MC","modified":"2026-01-01T00:00:00Z",
 "summary":"test advisory","affected":[{"package":{"ecosystem":"Debian:12","name":"bash"},
 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}
JSON
if it_moat "$WORK/imp" "$WORK/err" db import --db "$WORK/v.db" "$WORK/osv" &&
   it_moat "$WORK/a.json" "$WORK/err" scan --db "$WORK/v.db" --scanners vuln,secret,misconfig -q -f json \
     "docker-archive:$MC"; then
  a=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["findings"]
k=[x["kind"] for x in f]
print(k.count("vulnerability"), k.count("misconfiguration"), k.count("secret") > 0)' "$WORK/a.json")
  [[ $a == "1 19 True" ]] && ok "vuln,secret,misconfig in one pass: 1 vulnerability, 19 misconfig, secrets" ||
    not_ok "vuln,secret,misconfig: '$a'"
else
  not_ok "vuln,secret,misconfig failed: $(head -c 300 "$WORK/err")"
fi

# an SBOM has nothing to check
it_moat "$WORK/sbom.json" "$WORK/err" sbom -q --format cyclonedx "docker-archive:$DEB" -o "$WORK/sbom.json" || true
rc=0
it_moat "$WORK/o" "$WORK/err" scan --scanners misconfig "$WORK/sbom.json" || rc=$?
if [[ $rc == 1 ]] && grep -q 'SBOM has no image config' "$WORK/err"; then
  ok "SBOM input with misconfig: clear error"
else
  not_ok "SBOM input: exit $rc: $(head -c 300 "$WORK/err")"
fi
it_done
