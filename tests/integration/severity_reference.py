#!/usr/bin/env python3
"""Independent computation of the severity of each vulnerability finding of a moat scan.

usage: severity_reference.py SCAN.json NVD_DIR [--osv DIR]... [--tracker CVE.list]...

For each vulnerability finding in SCAN.json (moat's scan JSON) prints
PACKAGE<TAB>ID<TAB>SEVERITY<TAB>SOURCE, the severity the policy of issue 9
gives from the raw data, never from moat's:
  1. the advisory's own rating: a CVSS vector in an OSV record of the
     finding (its id or an alias) -> that record's rating (NVD-style table:
     v2 has no CRITICAL); else Debian's urgency for the package (the OSV
     record's ecosystem_specific.urgency, or the tracker list's
     "(unimportant|low|medium|high)" note), the most severe;
  2. else NVD: for each CVE of the finding, the first metric in the order
     v4.0, v3.1, v3.0, v2 with type Primary before Secondary, rated by NVD's
     own baseSeverity (not recomputed); the most severe over the CVEs;
  3. else UNKNOWN.
SOURCE is "nvd" for NVD's Primary metrics, "nvd:<source>" for the others
(CISA's ADP "nvd:cisa-adp"), "debian" for Debian's urgency, "-" for UNKNOWN.
Shares no code with moat. Also prints, on stderr, how many findings have a
CVE with NVD metrics.
"""
import glob
import json
import os
import sys

ORDER = {"UNKNOWN": 0, "NONE": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
WORDS = {"unimportant": "LOW", "low": "LOW", "medium": "MEDIUM", "moderate": "MEDIUM",
         "high": "HIGH", "important": "HIGH", "critical": "CRITICAL"}
CISA_ADP = "134c704f-9b21-4f2e-91b3-4a467353bcc0"


def nvd_ratings(nvd_dir):
    out = {}
    for path in glob.glob(os.path.join(nvd_dir, "CVE-*.json")):
        rec = json.load(open(path, encoding="utf-8"))
        best = None
        for key in ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"):
            entries = rec.get("metrics", {}).get(key, [])
            entries = sorted(entries, key=lambda m: m.get("type") != "Primary")  # stable
            if entries:
                m = entries[0]
                sev = m["cvssData"].get("baseSeverity") or m.get("baseSeverity")
                src = "nvd" if m.get("type") == "Primary" else "nvd:" + (
                    "cisa-adp" if m.get("source") == CISA_ADP else m.get("source", ""))
                best = (sev, src, m["cvssData"]["baseScore"])
                break
        if best is not None:
            out[rec["id"]] = best
    return out


def osv_ratings(dirs):
    """record id -> (vector-rating or None, {package: urgency rating})"""
    out = {}
    for d in dirs:
        for base, _, files in os.walk(d):
            for f in files:
                if not f.endswith(".json"):
                    continue
                rec = json.load(open(os.path.join(base, f), encoding="utf-8"))
                words = {}
                for aff in rec.get("affected", []):
                    u = (aff.get("ecosystem_specific") or {}).get("urgency")
                    if u in WORDS:
                        words[aff["package"]["name"]] = WORDS[u]
                ids = [rec["id"]] + rec.get("aliases", []) + rec.get("upstream", [])
                for i in ids:
                    out.setdefault(i, []).append((bool(rec.get("severity")), words))
    return out


def tracker_ratings(paths):
    """CVE -> {package: urgency rating} from the unstable notes ("- pkg ... (low; ...)")."""
    out = {}
    for path in paths:
        cur = None
        for line in open(path, encoding="utf-8"):
            parts = line.split()
            if line.startswith("CVE-"):
                cur = out.setdefault(parts[0], {})
            elif cur is not None and len(parts) > 2 and parts[0] == "-" and "(" in line:
                notes = line.split("(", 1)[1].rsplit(")", 1)[0]
                for n in notes.split(";"):
                    if n.strip() in WORDS:
                        cur[parts[1]] = WORDS[n.strip()]
    return out


def main():
    scan, nvd_dir, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    osv_dirs = [rest[i + 1] for i, a in enumerate(rest) if a == "--osv"]
    lists = [rest[i + 1] for i, a in enumerate(rest) if a == "--tracker"]
    nvd = nvd_ratings(nvd_dir)
    osv = osv_ratings(osv_dirs)
    trk = tracker_ratings(lists)
    with_nvd = 0
    for f in json.load(open(scan, encoding="utf-8"))["findings"]:
        if f["kind"] != "vulnerability":
            continue
        ids = [f["rule_id"]] + f["aliases"]
        pkg = f["package"]["source_name"] or f["package"]["name"]
        sev, src = "UNKNOWN", "-"
        if any(vec for i in ids for vec, _ in osv.get(i, [])):
            sev, src = "?vector", "?"  # not in the shared Debian data; flagged if it ever is
        words = [w.get(pkg) for i in ids for _, w in osv.get(i, [])]
        words += [trk.get(i, {}).get(pkg) for i in ids]
        words = [w for w in words if w]
        if sev == "UNKNOWN" and words:
            sev, src = max(words, key=ORDER.get), "debian"
        cands = [nvd[i] for i in ids if i in nvd]
        with_nvd += bool(cands)
        if sev == "UNKNOWN" and cands:
            best = max(cands, key=lambda c: (ORDER[c[0]], c[2]))
            sev, src = ("UNKNOWN" if best[0] == "NONE" else best[0]), best[1]
        print(f"{f['package']['name']}\t{f['rule_id']}\t{sev}\t{src}")
    print(f"{with_nvd} findings have a CVE with NVD metrics", file=sys.stderr)


if __name__ == "__main__":
    main()
