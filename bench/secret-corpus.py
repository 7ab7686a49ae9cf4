#!/usr/bin/env python3
"""bench/secret-corpus.py - score `moat scan --scanners secret` on the labelled secret corpora of
../shared/data/secrets (CredSweeper's and detect-secrets' test data), line by line.

  secret-corpus.py [--moat build/moat] [--data ../shared/data/secrets] [--json OUT]
                   [--max-fp N] [--min-recall R]

Labels come from the corpora's own expected outputs, never from moat:
- CredSweeper positives: every (file, line) of tests/data/output.json (its rules and heuristics,
  confirmed by its ML model). CredSweeper negatives: the (file, line) pairs its rules report in
  tests/data/no_ml.json that its ML model rejects (absent from output.json), and every non-blank
  line of the sample files named as negatives (`_n`, `.n.`, `_fp`, `FALSE`, `false_positive`,
  `pass_filtered`) that output.json does not list.
- detect-secrets positives: the entries of test_data/baseline.file whose hashed_secret (SHA-1 of
  the secret) is still the SHA-1 of a token on that line of the file today (the baseline is
  from 2020; entries the file no longer matches are stale and left out). detect-secrets
  negatives: every non-blank line of files/file_with_no_secrets.py and only_comments.yaml.

A positive is found when moat reports any secret finding on that file and line; a negative is
a false positive when moat reports anything on it, except where moat's documented policy
differs from the corpus on purpose (BY_DESIGN below: CredSweeper does not count an encrypted
PEM private key, moat reports it because it can be attacked offline), which is listed apart. Findings on lines neither corpus labels are
counted as "unlabelled". Each corpus directory is scanned as a `dir:` target. Prints the
figures; with --max-fp / --min-recall exits 1 when they are not met (the integration test).
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (file, rule): negatives moat reports on purpose, with the reason (docs/secret-rules.md)
BY_DESIGN = {
    ("pem_key.n.encrypted.1", "secret-private-key-pem"): "encrypted private keys are reported",
    ("pem_key.n.encrypted.2", "secret-private-key-pem"): "encrypted private keys are reported",
}
NEG_NAME = re.compile(r"(_n$|_n\.|\.n\.|_fp$|FALSE|false_positive|pass_filtered)")


def scan(moat, root, tmp):
    out = os.path.join(tmp, "scan.json")
    subprocess.run([moat, "scan", "--scanners", "secret", "-q", "-f", "json", "-o", out,
                    "dir:" + root], check=True)
    hits = {}
    for f in json.load(open(out))["findings"]:
        loc = f.get("location") or {}
        hits.setdefault((loc.get("path"), loc.get("line")), []).append(f["rule_id"])
    return hits


def lines_of(path):
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "replace").split("\n")
    except OSError:
        return []


def credsweeper_labels(root):
    def keys(name):
        s = set()
        for r in json.load(open(os.path.join(root, "tests", "data", name))):
            for ld in r["line_data_list"]:
                s.add((ld["path"][len("./tests/samples/"):], ld["line_num"]))
        return s
    pos = keys("output.json")
    neg = keys("no_ml.json") - pos
    samples = os.path.join(root, "tests", "samples")
    for name in sorted(os.listdir(samples)):
        if NEG_NAME.search(name):
            for i, line in enumerate(lines_of(os.path.join(samples, name)), 1):
                if line.strip() and (name, i) not in pos:
                    neg.add((name, i))
    return samples, pos, neg


def detect_secrets_labels(root):
    data = os.path.join(root, "test_data")
    pos, stale = set(), 0
    for name, rs in json.load(open(os.path.join(data, "baseline.file")))["results"].items():
        text = lines_of(os.path.join(data, name))
        for r in rs:
            n = r["line_number"]
            line = text[n - 1] if 0 < n <= len(text) else ""
            toks = set(re.findall(r"[^\s'\"=:,;()<>`]+", line)) | {line.strip()}
            # the secret may sit inside quotes or after user@ (basic auth): try every split
            toks |= {t for tok in list(toks) for t in re.split(r"[@/]", tok)}
            if any(hashlib.sha1(t.encode()).hexdigest() == r["hashed_secret"] for t in toks):
                pos.add((name, n))
            else:
                stale += 1
    neg = set()
    for name in ("files/file_with_no_secrets.py", "only_comments.yaml"):
        for i, line in enumerate(lines_of(os.path.join(data, name)), 1):
            if line.strip():
                neg.add((name, i))
    return data, pos, neg, stale


def score(hits, pos, neg):
    found = sorted(k for k in pos if k in hits)
    flagged = sorted(k for k in neg if k in hits)
    fps = [k for k in flagged if not all((k[0], r) in BY_DESIGN for r in hits[k])]
    design = [k for k in flagged if k not in fps]
    unlabelled = sorted(k for k in hits if k not in pos and k not in neg)
    return found, fps, design, unlabelled


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--moat", default=os.environ.get("MOAT", os.path.join(SRC, "build", "moat")))
    ap.add_argument("--data", default=os.path.join(SRC, "..", "shared", "data", "secrets"))
    ap.add_argument("--json", help="write the per-line results here")
    ap.add_argument("--max-fp", type=int, help="fail when more negatives are flagged")
    ap.add_argument("--min-recall", type=float, help="fail when CredSweeper recall is lower")
    a = ap.parse_args()
    cs_root = os.path.join(a.data, "credsweeper")
    ds_root = os.path.join(a.data, "detect-secrets")
    if not os.path.isdir(cs_root) or not os.path.isdir(ds_root):
        print(f"SKIP: corpora not found under {a.data}")
        return 77
    report, ok = {}, True
    with tempfile.TemporaryDirectory(prefix="moat-secret-corpus.") as tmp:
        cs_dir, cs_pos, cs_neg = credsweeper_labels(cs_root)
        ds_dir, ds_pos, ds_neg, stale = detect_secrets_labels(ds_root)
        for name, d, pos, neg in (("credsweeper", cs_dir, cs_pos, cs_neg),
                                  ("detect-secrets", ds_dir, ds_pos, ds_neg)):
            hits = scan(a.moat, d, tmp)
            found, fps, design, unl = score(hits, pos, neg)
            print(f"{name}: positives {len(found)}/{len(pos)} found "
                  f"({100.0 * len(found) / max(len(pos), 1):.1f}%), negatives flagged "
                  f"{len(fps)}/{len(neg)} (+{len(design)} by design), unlabelled findings {len(unl)}"
                  + (f" (baseline entries stale: {stale})" if name == "detect-secrets" else ""))
            for k in fps:
                print(f"  false positive: {k[0]}:{k[1]} ({', '.join(hits[k])})")
            for k in design:
                print(f"  by design: {k[0]}:{k[1]}: {BY_DESIGN[(k[0], hits[k][0])]}")
            report[name] = {"positives": len(pos), "found": len(found), "negatives": len(neg),
                            "false_positives": [list(k) for k in fps],
                            "by_design": [list(k) for k in design],
                            "missed": [list(k) for k in sorted(pos - set(found))],
                            "unlabelled": [list(k) for k in unl]}
            if a.max_fp is not None and len(fps) > a.max_fp:
                ok = False
            if (a.min_recall is not None and name == "credsweeper" and
                    len(found) < a.min_recall * len(pos)):
                print(f"FAIL: {name} recall below {a.min_recall:.3f}")
                ok = False
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
