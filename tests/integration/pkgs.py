#!/usr/bin/env python3
"""tests/integration/pkgs.py — read package lists out of SBOMs for the
integration scripts (stdlib only). Every list is printed sorted, one package
a line, tab-separated; versions carry the epoch ("1:1.2.13.dfsg-1") as
dpkg-query prints it, whichever way the SBOM stores it.

  pkgs.py moat FILE          name version arch   (moat --format json, OS packages)
  pkgs.py moat-arch FILE     the image's os/architecture
  pkgs.py cdx-count FILE     number of deb/apk components (CycloneDX JSON)
  pkgs.py spdx-count FILE    number of deb/apk packages (SPDX 2.3 JSON)
  pkgs.py trivy FILE         name version of Trivy's deb/apk components (CycloneDX)
"""
import json
import sys
from urllib.parse import parse_qs, unquote

OS_PURLS = ("pkg:deb/", "pkg:apk/")


def with_epoch(version, epoch):
    try:
        epoch = int(epoch or 0)
    except ValueError:
        epoch = 0
    if epoch > 0 and not version.startswith(f"{epoch}:"):
        return f"{epoch}:{version}"
    return version


def out(rows):
    for r in sorted(set(rows)):
        print("\t".join(r))


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if cmd == "moat":
        out((p["name"], with_epoch(p.get("version") or "", p.get("epoch")), p.get("arch") or "")
            for p in doc.get("packages", []) if p.get("type") in ("deb", "apk"))
    elif cmd == "moat-arch":
        img = doc.get("image", {})
        print(f'{img.get("os")}/{img.get("architecture")}')
    elif cmd == "cdx-count":
        print(sum(1 for c in doc.get("components", []) if str(c.get("purl", "")).startswith(OS_PURLS)))
    elif cmd == "spdx-count":
        print(sum(1 for p in doc.get("packages", [])
                  if any(str(r.get("referenceLocator", "")).startswith(OS_PURLS)
                         for r in p.get("externalRefs", []))))
    elif cmd == "trivy":
        rows = []
        for c in doc.get("components", []):
            purl = str(c.get("purl", ""))
            if not purl.startswith(OS_PURLS):
                continue
            q = parse_qs(purl.split("?", 1)[1]) if "?" in purl else {}
            rows.append((c["name"], with_epoch(unquote(c.get("version", "")), q.get("epoch", ["0"])[0])))
        out(rows)
    else:
        sys.exit(f"pkgs.py: unknown command {cmd}")


if __name__ == "__main__":
    main()
