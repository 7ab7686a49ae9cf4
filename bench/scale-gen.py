#!/usr/bin/env python3
"""bench/scale-gen.py - write a docker-archive with N small files in 2 layers.

    scale-gen.py N OUT.tar

Layer 1 holds the host's real dpkg status file (var/lib/dpkg/status: the
packages to find), etc/os-release and etc/debian_version, and about 70% of
the synthetic files; layer 2 the rest of them, plus a new version of 1 in
200 layer-1 files, a whiteout for 1 in 100 ("dir/.wh.NAME"), whiteouts of 2
whole directories, opaque markers (".wh..wh..opq") in 3 directories with
new files below them, a symlink and a hard link. Synthetic files are 60..460 bytes of text (one
512-byte tar block each; one in ten is empty) under nested directories, 100
to a directory: opt/scale/pNNN/qX/rX/<name>. The total of regular files
plus whiteouts is N.

The docker-archive is podman's layout (manifest.json, <sha256>.json config,
<sha256>.tar layers, uncompressed), so moat and Trivy both read it and moat
verifies each layer against the config's diff_ids. Output is deterministic
for a given host dpkg status (mtimes are fixed). Written to OUT.tmp, then
renamed.
"""
import hashlib
import io
import json
import os
import sys
import tarfile

MTIME = 1700000000
PER_DIR = 100
WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray").split()
NAMES = ("module_{}.py", "lib{}.so.1", "data-{}.json", "f{}.txt", "README.{}", "locale_{}.mo")


class HashWriter(io.RawIOBase):
    """A write-only file that hashes what passes through it."""

    def __init__(self, f):
        self.f, self.h, self.n = f, hashlib.sha256(), 0

    def writable(self):
        return True

    def tell(self):
        return self.n

    def write(self, b):
        self.h.update(b)
        self.f.write(b)
        self.n += len(b)
        return len(b)


def leaf_dir(leaf):
    return f"opt/scale/p{leaf // 256:03d}/q{(leaf // 16) % 16:x}/r{leaf % 16:x}"


def file_path(i):
    return f"{leaf_dir(i // PER_DIR)}/{NAMES[i % len(NAMES)].format(i)}"


def content(i, gen=0):
    if i % 10 == 9 and gen == 0:
        return b""  # like __init__.py: one file in ten is empty
    n = 60 + (i * 7919 + gen * 104729) % 400
    words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(n // 6 + 1))
    text = f"# file {i} version {gen}\n{words}\n"
    return (text * (n // len(text) + 1))[:n].encode()


class Layer:
    def __init__(self, path):
        self.path = path
        self.f = open(path, "wb")
        self.hw = HashWriter(self.f)
        self.tar = tarfile.open(fileobj=self.hw, mode="w", format=tarfile.GNU_FORMAT)
        self.dirs = set()

    def _info(self, name, kind, mode):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.mtime = kind, mode, MTIME
        ti.uname = ti.gname = "root"
        return ti

    def mkdirs(self, path):
        parts = path.split("/")
        for k in range(1, len(parts)):
            d = "/".join(parts[:k])
            if d not in self.dirs:
                self.dirs.add(d)
                self.tar.addfile(self._info(d + "/", tarfile.DIRTYPE, 0o755))

    def file(self, path, data, mode=0o644):
        self.mkdirs(path)
        ti = self._info(path, tarfile.REGTYPE, mode)
        ti.size = len(data)
        self.tar.addfile(ti, io.BytesIO(data))

    def link(self, path, target, kind):
        self.mkdirs(path)
        ti = self._info(path, kind, 0o777 if kind == tarfile.SYMTYPE else 0o644)
        ti.linkname = target
        self.tar.addfile(ti)

    def close(self):
        self.tar.close()
        self.f.close()
        return "sha256:" + self.hw.h.hexdigest(), self.hw.n


def host_files():
    """The host's real dpkg status and what identifies the OS."""
    out = []
    for src, dst in (("/usr/lib/os-release", "etc/os-release"),
                     ("/etc/debian_version", "etc/debian_version"),
                     ("/var/lib/dpkg/status", "var/lib/dpkg/status")):
        if os.path.isfile(src):
            out.append((dst, src))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: scale-gen.py N OUT.tar")
    total, out = int(sys.argv[1]), sys.argv[2]
    if not os.path.isfile("/var/lib/dpkg/status"):
        sys.exit("scale-gen.py: needs a Debian host (/var/lib/dpkg/status)")
    work = out + ".parts"
    os.makedirs(work, exist_ok=True)
    host = host_files()
    n_synth = total - len(host)
    n_whiteout = n_synth // 100
    n_rewrite = n_synth // 200
    n_l1 = n_synth * 7 // 10
    # layer 2 = rewrites + whiteouts + dir whiteouts + opaque markers + new files
    n_l2_new = n_synth - n_l1 - n_rewrite - n_whiteout - 2 - 3
    if n_l2_new < 0:
        sys.exit("scale-gen.py: N too small")

    l1 = Layer(os.path.join(work, "l1.tar"))
    for dst, src in host:
        with open(src, "rb") as f:
            l1.file(dst, f.read())
    for i in range(n_l1):
        l1.file(file_path(i), content(i), 0o755 if i % 97 == 0 else 0o644)
    l1.link("usr/bin/scale-tool", "/opt/scale/p000/q0/r0/" + NAMES[0].format(0), tarfile.SYMTYPE)
    d1, s1 = l1.close()

    l2 = Layer(os.path.join(work, "l2.tar"))
    n_leaf1 = (n_l1 + PER_DIR - 1) // PER_DIR
    opaque = {n_leaf1 // 3, n_leaf1 // 2, n_leaf1 * 2 // 3}
    gone = {n_leaf1 // 4, n_leaf1 * 3 // 4}
    for leaf in sorted(gone):
        d = leaf_dir(leaf)
        l2.file(os.path.dirname(d) + "/.wh." + os.path.basename(d), b"")
    for leaf in sorted(opaque):
        l2.file(leaf_dir(leaf) + "/.wh..wh..opq", b"")
    step = max(1, n_l1 // max(1, n_whiteout))
    for k in range(n_whiteout):
        i = (k * step + 37) % n_l1
        if i // PER_DIR in gone:
            i = (i + 3 * PER_DIR) % n_l1  # not below a deleted directory
        p = file_path(i)
        l2.file(os.path.dirname(p) + "/.wh." + os.path.basename(p), b"")
    step = max(1, n_l1 // max(1, n_rewrite))
    for k in range(n_rewrite):
        i = (k * step + 11) % n_l1
        if i // PER_DIR in gone:
            i = (i + 3 * PER_DIR) % n_l1
        l2.file(file_path(i), content(i, 1))
    for i in range(n_l1, n_l1 + n_l2_new):
        l2.file(file_path(i), content(i), 0o755 if i % 97 == 0 else 0o644)
    l2.link("opt/scale/shared.txt", file_path(n_l1), tarfile.LNKTYPE)
    d2, s2 = l2.close()

    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2023-11-14T22:13:20Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [d1, d2]},
        "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "scale-gen.py layer 1"},
                    {"created": "2023-11-14T22:13:20Z", "created_by": "scale-gen.py layer 2"}],
    }
    cfg = json.dumps(config, sort_keys=True).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    layers = [d1.split(":")[1] + ".tar", d2.split(":")[1] + ".tar"]
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": [f"localhost/moat-scale:{total}"],
                            "Layers": layers}]).encode()
    tmp = out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.GNU_FORMAT) as t:
        for name, data in ((cfg_name, cfg),):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime = len(data), MTIME
            t.addfile(ti, io.BytesIO(data))
        for name, part in zip(layers, ("l1.tar", "l2.tar")):
            p = os.path.join(work, part)
            ti = t.gettarinfo(p, arcname=name)
            ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname, ti.mode = MTIME, 0, 0, "", "", 0o644
            with open(p, "rb") as f:
                t.addfile(ti, f)
            os.unlink(p)
        ti = tarfile.TarInfo("manifest.json")
        ti.size, ti.mtime = len(manifest), MTIME
        t.addfile(ti, io.BytesIO(manifest))
    os.rmdir(work)
    os.replace(tmp, out)
    print(f"{out}: {total} files+whiteouts ({len(host)} from the host), "
          f"layers {s1 // 1000000} MB + {s2 // 1000000} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
