#!/usr/bin/env python3
"""Independent computation of which installed Debian packages an OSV record set affects.

usage: vuln_reference.py ROOTFS OSV_DIR... > expected.tsv
       vuln_reference.py --tracker ROOTFS LIST... > expected.tsv

With --tracker, the records come from the Debian Security Tracker's list
files instead (CVE, DSA and DLA lists, any order), decided for the image's
release as the tracker's lib/python/security_db.py does: a DSA/DLA listing
the CVE copies its "[release] - pkg VER" note to the CVE unless the CVE has a
note without a version for that package and release, or one with a larger
version (<not-affected> and <removed> are version 0); the release's note
decides; without one, unstable's note does: <unfixed> is open, a version V
means the package is vulnerable below V with no fix in this release.

Walks every OSV record (JSON) under the given directories, and for each binary
package installed in ROOTFS (dpkg-query on its own database: source package and
source version, as Debian advisories name source packages) evaluates the
record's ECOSYSTEM ranges for "Debian:<VERSION_ID>" with dpkg itself as the
comparator (`dpkg --compare-versions`), following the OSV schema's evaluation
rules. Prints one line per (package, vulnerability): NAME<TAB>ID<TAB>FIXED
(FIXED is "-" when there is no fix), with the vulnerability named by its CVE
when the record is an alias of exactly one CVE, and an advisory covering
several CVEs folded away when each of those CVEs is reported on its own.
Shares no code with moat.
"""
import functools
import json
import os
import subprocess
import sys


@functools.lru_cache(maxsize=None)
def dpkg_cmp(a, b):
    """-1, 0, 1 from dpkg --compare-versions."""
    if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0:
        return -1
    if subprocess.run(["dpkg", "--compare-versions", a, "eq", b]).returncode == 0:
        return 0
    return 1


def installed(root):
    out = subprocess.run(
        ["dpkg-query", "--admindir", os.path.join(root, "var/lib/dpkg"), "-W", "-f",
         "${db:Status-Abbrev}\t${Package}\t${source:Package}\t${source:Version}\n"],
        check=True, capture_output=True, text=True).stdout
    pkgs = []
    for line in out.splitlines():
        status, name, src, srcver = line.split("\t")
        if status.startswith(("ii", "hi")):
            pkgs.append((name, src, srcver))
    return pkgs


def release(root):
    for line in open(os.path.join(root, "etc/os-release"), encoding="utf-8"):
        if line.startswith("VERSION_ID="):
            return line.split("=", 1)[1].strip().strip('"').split(".")[0]
    raise SystemExit("no VERSION_ID in os-release")


def sort_key(event):
    kind, ver = next(iter(event.items()))
    return ver


def in_range(version, events):
    """The OSV schema's evaluation; returns (affected, fixed-or-None)."""
    zero = [e for e in events if e.get("introduced") == "0"]
    rest = [e for e in events if e.get("introduced") != "0"]
    rest.sort(key=functools.cmp_to_key(lambda x, y: dpkg_cmp(sort_key(x), sort_key(y))))
    affected, fixed = False, None
    limits = [e["limit"] for e in events if "limit" in e]
    for e in zero + rest:
        if "introduced" in e and (e["introduced"] == "0" or dpkg_cmp(version, e["introduced"]) >= 0):
            affected = True
        elif "fixed" in e:
            if dpkg_cmp(version, e["fixed"]) >= 0:
                affected = False
            elif affected and fixed is None:
                fixed = e["fixed"]
        elif "last_affected" in e and dpkg_cmp(version, e["last_affected"]) > 0:
            affected = False
    if limits and not any(dpkg_cmp(version, lim) < 0 for lim in limits):
        affected = False
    return affected, (fixed if affected else None)


def records(dirs):
    for d in dirs:
        for base, _, files in os.walk(d):
            for f in sorted(files):
                if f.endswith(".json"):
                    with open(os.path.join(base, f), encoding="utf-8") as fh:
                        yield json.load(fh)


RELEASES = {"10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie", "14": "forky"}
OPEN_STATES = {"no-dsa", "ignored", "postponed", "unfixed", "end-of-life", "undetermined"}


def note(line):
    """'[rel] - pkg ver (notes)' -> (rel or '', pkg, ver or '<state>') or None."""
    t = line.strip()
    rel = ""
    if t.startswith("["):
        rel, t = t[1:].split("]", 1)
        t = t.strip()
    parts = t.split()
    if len(parts) < 2 or parts[0] != "-":
        return None
    return rel, parts[1], parts[2] if len(parts) > 2 and not parts[2].startswith("(") else ""


def tracker_lists(paths):
    """CVE entries {id: [notes]} and advisories [(id, cves, [notes])] from the list files."""
    cves, advisories = {}, []
    for path in paths:
        cur = None
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if not line[0].isspace():
                if line.startswith("["):
                    cur = (line.split("]", 1)[1].split()[0], set(), [])
                    advisories.append(cur)
                else:
                    cur = (line.split()[0], set(), [])
                    cves.setdefault(cur[0], (cur[1], cur[2]))
                continue
            if cur is None:
                continue
            if "{" in line:
                cur[1].update(line.split("{", 1)[1].split("}", 1)[0].split())
                continue
            n = note(line)
            if n is not None:
                cur[2].append(n)
    return cves, advisories


def dpkg_max(versions):
    return functools.reduce(lambda a, b: b if dpkg_cmp(b, a) > 0 else a, versions)


def tracker_records(paths, rel_number):
    """OSV-like records for Debian:<rel_number> following the tracker's rules."""
    rel = RELEASES[rel_number]
    eco = "Debian:" + rel_number
    cves, advisories = tracker_lists(paths)
    copies = {}  # (cve, pkg) -> advisory versions for this release
    for adv, refs, notes in advisories:
        fixes = [(p, v) for r, p, v in notes if r == rel and v and not v.startswith("<")]
        if fixes:
            yield {"id": adv, "upstream": sorted(refs), "affected": [
                {"package": {"ecosystem": eco, "name": p},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": v}]}]}
                for p, v in fixes]}
        for cve in refs:
            for p, v in fixes:
                copies.setdefault((cve, p), []).append(v)
    for cve, (refs, notes) in cves.items():
        affected = []
        pkgs = [p for _, p, _ in notes] + [p for (c, p) in copies if c == cve]
        for pkg in dict.fromkeys(pkgs):
            own = next((v for r, p, v in notes if r == rel and p == pkg), None)
            sid = next((v for r, p, v in notes if r == "" and p == pkg), None)
            events, only_unstable = None, False
            if own is not None and own.strip("<>") in OPEN_STATES and own.startswith("<"):
                events = [{"introduced": "0"}]
            else:
                best = None
                if own is not None:
                    best = "0" if own.startswith("<") else own or None
                for v in copies.get((cve, pkg), []):
                    best = v if best is None else dpkg_max([best, v])
                if best is not None:
                    events = None if best == "0" else [{"introduced": "0"}, {"fixed": best}]
                elif own is None and sid:
                    if sid.startswith("<"):
                        events = [{"introduced": "0"}] if sid.strip("<>") in OPEN_STATES else None
                    else:
                        events, only_unstable = [{"introduced": "0"}, {"fixed": sid}], True
            if events is not None:
                affected.append({"package": {"ecosystem": eco, "name": pkg},
                                 "ranges": [{"type": "ECOSYSTEM", "events": events}],
                                 "only_unstable": only_unstable})
        if affected:
            yield {"id": cve, "affected": affected}


def canonical(rec):
    if rec["id"].startswith("CVE-"):
        return rec["id"], set()
    cves = sorted({a for k in ("aliases", "upstream", "related") for a in rec.get(k) or []
                   if a.startswith("CVE-")})
    if len(cves) == 1:
        return cves[0], set()
    return rec["id"], set(cves)


def main():
    tracker = sys.argv[1] == "--tracker"
    args = sys.argv[2:] if tracker else sys.argv[1:]
    root, dirs = args[0], args[1:]
    eco = "Debian:" + release(root)
    pkgs = installed(root)
    by_src = {}
    for name, src, srcver in pkgs:
        by_src.setdefault(src, []).append((name, srcver))
    found = {}  # (pkg, id) -> fixed or None, and multi-CVE advisories
    multi = {}
    for rec in tracker_records(dirs, release(root)) if tracker else records(dirs):
        if rec.get("withdrawn"):
            continue
        cid, covers = canonical(rec)
        for aff in rec.get("affected", []):
            p = aff.get("package", {})
            if p.get("ecosystem") != eco or p.get("name") not in by_src:
                continue
            for name, srcver in by_src[p["name"]]:
                hit, fix = False, None
                if srcver in (aff.get("versions") or []):
                    hit = True
                unfixed = False
                for r in aff.get("ranges", []):
                    if r.get("type") not in ("ECOSYSTEM", "SEMVER"):
                        continue
                    a, f = in_range(srcver, r["events"])
                    if a:
                        hit = True
                        if f is None or aff.get("only_unstable"):
                            unfixed = True
                        elif fix is None or dpkg_cmp(f, fix) > 0:
                            fix = f
                if not hit:
                    continue
                if unfixed:
                    fix = None
                key = (name, cid)
                old = found.get(key, "absent")
                if old == "absent" or old is None or (fix is not None and dpkg_cmp(fix, old) > 0):
                    found[key] = fix if old == "absent" or fix is not None else old
                if covers:
                    multi[key] = covers
    for (name, cid), covers in multi.items():
        if all((name, c) in found for c in covers):
            del found[(name, cid)]
    for (name, cid), fix in sorted(found.items()):
        print(f"{name}\t{cid}\t{fix or '-'}")


if __name__ == "__main__":
    main()
