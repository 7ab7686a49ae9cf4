#!/usr/bin/env python3
"""Derive debian-tracker-subset.json (the tracker's /tracker/data/json layout)
from the shared CVE.list/DSA.list subset as imported by moat's list importer.

Usage: make-tracker-json.py DB > debian-tracker-subset.json
where DB was built with `moat db import --db DB .../debian-security-tracker-subset`.
Rows of bullseye/bookworm/trixie/sid become releases; <not-affected> lines of
the list become status resolved, fixed_version "0"; two hand-made cases add an
end-of-life urgency (buster) and an undetermined status."""
import json, re, sqlite3, sys

REL = {"Debian:11": "bullseye", "Debian:12": "bookworm", "Debian:13": "trixie",
       "Debian:unstable": "sid"}
db = sqlite3.connect(sys.argv[1])
out = {}
desc = dict(db.execute("select id, details from vulns where source='debian-tracker'"))
for vid, eco, pkg, ranges, status, urg in db.execute(
        "select vuln_id, ecosystem, package, ranges, distro_status, distro_severity from affected"
        " where feed='debian-tracker' order by vuln_id, package, ecosystem"):
    if eco not in REL:
        continue
    e = out.setdefault(pkg, {}).setdefault(vid, {"description": desc.get(vid) or "",
                                                  "scope": "remote", "releases": {}})
    r = {"urgency": urg or "not yet assigned"}
    m = re.search(r"^f(.*)$", ranges or "", re.M)
    if m:
        r.update(status="resolved", fixed_version=m.group(1), repositories={REL[eco]: m.group(1)})
    else:
        r["status"] = "open"
        r["repositories"] = {REL[eco]: "0.0-1"}
        if status in ("no-dsa", "ignored", "postponed"):
            r["nodsa"] = "Minor issue"
            r["nodsa_reason"] = "" if status == "no-dsa" else status
    e["releases"][REL[eco]] = r
# list: CVE-2023-4911 [buster] - glibc <not-affected>
out["glibc"]["CVE-2023-4911"]["releases"]["buster"] = {"status": "resolved", "fixed_version": "0",
                                                       "urgency": "not yet assigned"}
out["glibc"]["CVE-2024-2961"]["releases"]["buster"] = {"status": "open", "urgency": "end-of-life",
                                                       "repositories": {"buster": "2.28-10+deb10u1"}}
out["glibc"]["CVE-2024-2961"]["releases"]["trixie"] = {"status": "undetermined",
                                                       "urgency": "not yet assigned"}
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()
