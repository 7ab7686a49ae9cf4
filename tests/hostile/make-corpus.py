#!/usr/bin/env python3
"""tests/hostile/make-corpus.py OUTDIR — write the hostile-image corpus.

Each case is a valid image (docker-archive or OCI layout, correct digests)
except for the one hostile property it is named after. OUTDIR/cases.tsv lists
them, one per line:

    name <TAB> ref <TAB> expect <TAB> description

`ref` is a moat image reference relative to OUTDIR (transport:path).
`expect` is what tests/integration/hostile.sh asserts besides "no crash, no
hang, no write outside, bounded memory":
    error   exit 1, one line "moat: <file>: <problem>" naming the input
    digest  like error, and the line mentions "digest" (tampered content)
    safe    exit 0 (the image is odd but scannable)
    either  error or safe, whichever moat chooses
Cases marked with "nohost" in the description must never show host file
contents (/etc/shadow, /etc/passwd) in moat's output.

Python 3 standard library only (plus the zstd CLI for the zstd bomb, skipped
when absent). Deterministic: the same script writes the same corpus.
"""

import gzip
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import zlib

GiB = 1 << 30
OUT = None
CASES = []

STATUS_OK = b"""Package: moat-hostile-ok
Status: install ok installed
Priority: optional
Section: misc
Installed-Size: 1
Maintainer: moat <moat@example.invalid>
Architecture: amd64
Version: 1.0-1
Description: marker package of the hostile corpus
 It is present in every case that carries a valid dpkg database.

"""


def status_pkg(name, version="1.0-1", extra=b""):
    return (b"Package: " + name.encode() + b"\nStatus: install ok installed\n"
            b"Architecture: amd64\nVersion: " + version.encode() + b"\n" + extra +
            b"Description: hostile corpus package\n\n")


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def case(name, ref, expect, desc):
    assert "\t" not in desc and expect in ("error", "digest", "safe", "either")
    CASES.append((name, ref, expect, desc))
    print(f"  {name:<28} {expect:<6} {desc}", file=sys.stderr)


# ---------------------------------------------------------------- tar layers

def ti(name, type_=tarfile.REGTYPE, size=0, linkname="", mode=0o644):
    t = tarfile.TarInfo(name)
    t.type, t.size, t.linkname, t.mode = type_, size, linkname, mode
    t.mtime, t.uid, t.gid, t.uname, t.gname = 1700000000, 0, 0, "root", "root"
    if type_ == tarfile.DIRTYPE:
        t.mode = 0o755
    return t


def layer(entries, fmt=tarfile.PAX_FORMAT):
    """entries: list of (name, data) for files, or TarInfo objects (with data
    given as (TarInfo, bytes)). Returns the uncompressed tar bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for e in entries:
            if isinstance(e, tarfile.TarInfo):
                tf.addfile(e)
            elif isinstance(e[0], tarfile.TarInfo):
                info, data = e
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                name, data = e
                tf.addfile(ti(name, size=len(data)), io.BytesIO(data))
    return buf.getvalue()


def base_entries(status=STATUS_OK):
    return [ti("etc", tarfile.DIRTYPE), ("etc/os-release",
            b'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'),
            ti("var", tarfile.DIRTYPE), ti("var/lib", tarfile.DIRTYPE),
            ti("var/lib/dpkg", tarfile.DIRTYPE), ("var/lib/dpkg/status", status)]


def config_for(diff_ids, **extra):
    cfg = {"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
           "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/bin:/bin"]},
           "rootfs": {"type": "layers", "diff_ids": list(diff_ids)},
           "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "hostile corpus"}
                       for _ in range(min(len(diff_ids), 16))]}
    cfg.update(extra)
    return json.dumps(cfg).encode()


# ----------------------------------------------------------- docker-archive

class DockerArchive:
    """Outer tar as an ordered dict name -> bytes; mutate, then write()."""

    def __init__(self, layers, tag="localhost/hostile/x:1", config=None):
        self.files = {}
        names = []
        for data in layers:
            n = hashlib.sha256(data).hexdigest() + ".tar"
            self.files[n] = data
            names.append(n)
        cfg = config if config is not None else config_for([sha(d) for d in layers])
        cname = hashlib.sha256(cfg).hexdigest() + ".json"
        self.files[cname] = cfg
        self.manifest = [{"Config": cname, "RepoTags": [tag], "Layers": names}]
        self.layer_names = names
        self.config_name = cname

    def write(self, path, manifest_bytes=None):
        if manifest_bytes is None:
            manifest_bytes = json.dumps(self.manifest).encode()
        files = dict(self.files)
        files["manifest.json"] = manifest_bytes
        with tarfile.open(os.path.join(OUT, path), "w", format=tarfile.PAX_FORMAT) as tf:
            for n, d in files.items():
                tf.addfile(ti(n, size=len(d)), io.BytesIO(d))


def docker(path, entries_or_layers, **kw):
    layers = entries_or_layers if isinstance(entries_or_layers[0], bytes) else [layer(entries_or_layers)]
    DockerArchive(layers, **kw).write(path)


# --------------------------------------------------------------- OCI layout

class OciLayout:
    """Write a valid OCI image layout; returns paths so cases can tamper."""

    def __init__(self, path, blobs, tag="1", config=None):
        """blobs: list of (blob_bytes, media_type, diff_id)."""
        self.dir = os.path.join(OUT, path)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "blobs", "sha256"))
        self.put(b'{"imageLayoutVersion":"1.0.0"}', name="oci-layout")
        cfg = config if config is not None else config_for([b[2] for b in blobs])
        self.config = {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": self.put(cfg), "size": len(cfg)}
        self.layers = [{"mediaType": mt, "digest": self.put(b), "size": len(b)} for b, mt, _ in blobs]
        self.tag = tag

    def put(self, data, name=None):
        if name:
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(data)
            return None
        d = sha(data)
        with open(self.blob_path(d), "wb") as f:
            f.write(data)
        return d

    def blob_path(self, digest):
        return os.path.join(self.dir, "blobs", "sha256", digest.split(":", 1)[1])

    def write(self, manifest=None, index=None):
        if manifest is None:
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": self.config, "layers": self.layers}
        mb = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
        md = self.put(mb)
        if index is None:
            index = {"schemaVersion": 2, "manifests": [
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
                 "size": len(mb), "annotations": {"org.opencontainers.image.ref.name": self.tag}}]}
        ib = index if isinstance(index, bytes) else json.dumps(index).encode()
        self.put(ib, name="index.json")
        return md


def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def oci_plain(path, entries, tag="1"):
    raw = layer(entries)
    o = OciLayout(path, [(gz(raw), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))], tag=tag)
    o.write()
    return o


def ref_docker(p):
    return "docker-archive:" + p


def ref_oci(p, tag="1"):
    return f"oci:{p}:{tag}"


# -------------------------------------------------------------- the cases

def cases_paths():
    pw = "tmp/moat-hostile-pwned"
    docker("traversal-dotdot.tar", base_entries() + [("../../../../../../../../" + pw + "-dotdot", b"x\n")])
    case("traversal-dotdot", ref_docker("traversal-dotdot.tar"), "either", "layer entry ../../../.. escaping the root")
    docker("traversal-abs.tar", base_entries() + [("/" + pw + "-abs", b"x\n")])
    case("traversal-abs", ref_docker("traversal-abs.tar"), "either", "layer entry with an absolute path")
    docker("traversal-mid.tar", base_entries() + [("a/../../../../../../../" + pw + "-mid", b"x\n")])
    case("traversal-mid", ref_docker("traversal-mid.tar"), "either", "layer entry a/../../x")
    docker("traversal-dpkg.tar", base_entries(b"") + [("../../var/lib/dpkg/status", STATUS_OK)])
    case("traversal-dpkg", ref_docker("traversal-dpkg.tar"), "either",
         "the dpkg status arrives as ../../var/lib/dpkg/status")
    docker("symlink-dir-escape.tar", base_entries() + [
        ti("escape", tarfile.SYMTYPE, linkname="/" + pw + "-symdir"), ("escape/file", b"x\n")])
    case("symlink-dir-escape", ref_docker("symlink-dir-escape.tar"), "either",
         "a symlink to a host directory then a file written through it")
    docker("whiteout-traversal.tar", [layer(base_entries()), layer([
        ti("../../../../tmp/.wh.moat-hostile", size=0), ti("var/lib/dpkg/.wh...", size=0),
        ti(".wh..wh..opq/../x", size=0)])])
    case("whiteout-traversal", ref_docker("whiteout-traversal.tar"), "either",
         "whiteouts named ../../tmp/.wh.x, .wh... and .wh..wh..opq/../x")
    # manifest.json pointing a layer outside the archive
    d = DockerArchive([layer(base_entries())])
    d.manifest[0]["Layers"] = ["../../../../../../etc/passwd"]
    d.write("manifest-layer-traversal.tar")
    case("manifest-layer-traversal", ref_docker("manifest-layer-traversal.tar"), "error",
         "manifest.json Layers entry ../../../../etc/passwd nohost")


def cases_links():
    shadow_inside = status_pkg("moat-inside-shadow")
    docker("symlink-status-abs.tar", [ti("etc", tarfile.DIRTYPE), ("etc/shadow", shadow_inside)] +
           base_entries()[2:5] + [ti("var/lib/dpkg/status", tarfile.SYMTYPE, linkname="/etc/shadow")])
    case("symlink-status-abs", ref_docker("symlink-status-abs.tar"), "safe",
         "var/lib/dpkg/status -> /etc/shadow (the image's own, a status listing moat-inside-shadow) nohost")
    docker("symlink-status-abs-missing.tar", base_entries()[2:5] +
           [ti("var/lib/dpkg/status", tarfile.SYMTYPE, linkname="/etc/shadow")])
    case("symlink-status-abs-missing", ref_docker("symlink-status-abs-missing.tar"), "safe",
         "var/lib/dpkg/status -> /etc/shadow, absent from the image nohost")
    docker("symlink-status-rel.tar", [ti("host", tarfile.DIRTYPE), ("host/file", status_pkg("moat-inside-host"))] +
           base_entries()[2:5] +
           [ti("var/lib/dpkg/status", tarfile.SYMTYPE, linkname="../../../../../../host/file")])
    case("symlink-status-rel", ref_docker("symlink-status-rel.tar"), "safe",
         "var/lib/dpkg/status -> ../../../../../../host/file (clamped to the image root) nohost")
    docker("symlink-status-hostetc.tar", base_entries()[2:5] +
           [ti("var/lib/dpkg/status", tarfile.SYMTYPE, linkname="../../../../../../../../etc/passwd")])
    case("symlink-status-hostetc", ref_docker("symlink-status-hostetc.tar"), "safe",
         "var/lib/dpkg/status -> ../../../../../../../../etc/passwd, absent from the image nohost")
    docker("symlink-loop.tar", base_entries()[2:5] + [
        ti("var/lib/dpkg/status", tarfile.SYMTYPE, linkname="a"),
        ti("var/lib/dpkg/a", tarfile.SYMTYPE, linkname="b"),
        ti("var/lib/dpkg/b", tarfile.SYMTYPE, linkname="a")])
    case("symlink-loop", ref_docker("symlink-loop.tar"), "either", "var/lib/dpkg/status -> a -> b -> a")
    docker("symlink-dir-loop.tar", base_entries()[0:3] + [
        ti("var/lib", tarfile.SYMTYPE, linkname="lib2"), ti("var/lib2", tarfile.SYMTYPE, linkname="lib")])
    case("symlink-dir-loop", ref_docker("symlink-dir-loop.tar"), "either", "var/lib -> lib2 -> lib on the dpkg path")
    docker("symlink-self.tar", base_entries()[2:5] + [
        ti("var/lib/dpkg/status", tarfile.SYMTYPE, linkname="status")])
    case("symlink-self", ref_docker("symlink-self.tar"), "either", "var/lib/dpkg/status -> status")
    docker("hardlink-missing.tar", base_entries()[2:5] + [
        ti("var/lib/dpkg/status", tarfile.LNKTYPE, linkname="var/lib/dpkg/nowhere")])
    case("hardlink-missing", ref_docker("hardlink-missing.tar"), "either", "status is a hard link to a missing entry")
    docker("hardlink-escape.tar", base_entries()[2:5] + [
        ti("var/lib/dpkg/status", tarfile.LNKTYPE, linkname="../../../../../../../etc/passwd")])
    case("hardlink-escape", ref_docker("hardlink-escape.tar"), "either",
         "status is a hard link to ../../../../../../../etc/passwd nohost")
    docker("hardlink-abs.tar", base_entries()[2:5] + [
        ti("var/lib/dpkg/status", tarfile.LNKTYPE, linkname="/etc/shadow")])
    case("hardlink-abs", ref_docker("hardlink-abs.tar"), "either", "status is a hard link to /etc/shadow nohost")
    dev = ti("var/lib/dpkg/status", tarfile.CHRTYPE)
    dev.devmajor, dev.devminor = 1, 5  # /dev/zero
    docker("special-status.tar", base_entries()[2:5] + [dev, ti("var/lib/dpkg/fifo", tarfile.FIFOTYPE)])
    case("special-status", ref_docker("special-status.tar"), "either",
         "status is a character device (1,5 = /dev/zero) beside a fifo")


def flip(data, at):
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


def tamper_file(path, fn):
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(fn(data))


def cases_digests():
    raw = layer(base_entries())
    body = raw.index(b"marker package")  # inside the dpkg status: the tar stays well-formed
    # docker-archive: one byte changed after the diff_id was computed
    d = DockerArchive([raw])
    d.files[d.layer_names[0]] = flip(raw, body)
    d.write("docker-bad-diffid.tar")
    case("docker-bad-diffid", ref_docker("docker-bad-diffid.tar"), "digest",
         "one byte of a file in the layer changed: the layer's sha256 is not the config's diff_id")
    d = DockerArchive([raw])
    hdr = tarfile.open(fileobj=io.BytesIO(raw)).getmember("var").offset + 148  # a header checksum
    d.files[d.layer_names[0]] = flip(raw, hdr)  # a damaged tar as well as a wrong diff_id
    d.write("docker-bad-diffid-header.tar")
    case("docker-bad-diffid-header", ref_docker("docker-bad-diffid-header.tar"), "digest",
         "one byte of a tar header in the layer changed (damaged tar and wrong diff_id: report the digest)")
    # docker-archive: config file whose name is not its digest
    d = DockerArchive([raw])
    d.files[d.config_name] = d.files[d.config_name].replace(b'"/bin/sh"', b'"/bin/xx"')
    d.write("docker-bad-config.tar")
    case("docker-bad-config", ref_docker("docker-bad-config.tar"), "digest",
         "config file changed: its sha256 is not its name")
    # OCI: blob content changed, file still named by the old digest
    o = oci_plain("oci-bad-blob", base_entries())
    tamper_file(o.blob_path(o.layers[0]["digest"]), lambda b: flip(b, len(b) // 2))
    case("oci-bad-blob", ref_oci("oci-bad-blob"), "digest",
         "gzip layer blob has one byte changed (gzip may fail first: report the digest)")
    o = OciLayout("oci-bad-blob-tar", [(raw, "application/vnd.oci.image.layer.v1.tar", sha(raw))])
    o.write()
    tamper_file(o.blob_path(o.layers[0]["digest"]), lambda b: flip(b, body))
    case("oci-bad-blob-tar", ref_oci("oci-bad-blob-tar"), "digest",
         "uncompressed layer blob with one byte of file content changed")
    # OCI: manifest lists a wrong digest (blob exists under its real name too)
    o = OciLayout("oci-wrong-manifest-digest", [(gz(raw), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))])
    real = o.layers[0]["digest"]
    wrong = "sha256:" + ("%064x" % (int(real[7:], 16) ^ 1))
    shutil.copy(o.blob_path(real), o.blob_path(wrong))
    o.layers[0]["digest"] = wrong
    o.write()
    case("oci-wrong-manifest-digest", ref_oci("oci-wrong-manifest-digest"), "digest",
         "manifest names a layer digest whose blob content hashes differently")
    # OCI: blob correct, but the uncompressed layer does not match the config diff_id
    o = OciLayout("oci-bad-diffid", [(gz(flip(raw, body)), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))])
    o.write()
    case("oci-bad-diffid", ref_oci("oci-bad-diffid"), "digest",
         "layer blob digest right, uncompressed content not the config's diff_id")
    # OCI: tampered config blob
    o = oci_plain("oci-bad-config", base_entries())
    tamper_file(o.blob_path(o.config["digest"]), lambda b: b.replace(b'"/bin/sh"', b'"/bin/xx"'))
    case("oci-bad-config", ref_oci("oci-bad-config"), "digest", "config blob changed")
    # OCI: tampered manifest blob
    o = oci_plain("oci-bad-manifest", base_entries())
    idx = json.load(open(os.path.join(o.dir, "index.json")))
    tamper_file(o.blob_path(idx["manifests"][0]["digest"]),
                lambda b: b.replace(b'"schemaVersion": 2', b'"schemaVersion":  2'))
    case("oci-bad-manifest", ref_oci("oci-bad-manifest"), "digest", "manifest blob changed (one extra space)")
    # OCI: digest strings used as paths
    o = OciLayout("oci-digest-traversal", [(gz(raw), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))])
    o.layers[0]["digest"] = "sha256:../../../../../../../etc/passwd"
    o.write()
    case("oci-digest-traversal", ref_oci("oci-digest-traversal"), "error",
         "layer digest sha256:../../../../../../../etc/passwd nohost")
    o = oci_plain("oci-index-digest-traversal", base_entries())
    idx = json.load(open(os.path.join(o.dir, "index.json")))
    idx["manifests"][0]["digest"] = "sha256:../../../../../../../etc/passwd"
    o.put(json.dumps(idx).encode(), name="index.json")
    case("oci-index-digest-traversal", ref_oci("oci-index-digest-traversal"), "error",
         "index.json manifest digest sha256:../../../etc/passwd nohost")
    o = OciLayout("oci-digest-algo", [(gz(raw), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))])
    o.layers[0]["digest"] = "../../../../etc:" + o.layers[0]["digest"][7:]
    o.write()
    case("oci-digest-algo", ref_oci("oci-digest-algo"), "error", "layer digest algorithm ../../../../etc")
    o = OciLayout("oci-wrong-size", [(gz(raw), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))])
    o.layers[0]["size"] = 1 << 62
    o.write()
    case("oci-wrong-size", ref_oci("oci-wrong-size"), "either", "layer descriptor size 2^62")


def cases_structure():
    raw = layer(base_entries())
    d = DockerArchive([raw])
    d.manifest[0]["Layers"].append("0" * 64 + ".tar")
    d.write("docker-missing-layer.tar")
    case("docker-missing-layer", ref_docker("docker-missing-layer.tar"), "error",
         "manifest.json lists a layer absent from the archive")
    o = OciLayout("oci-missing-layer", [(gz(raw), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))])
    os.remove(o.blob_path(o.layers[0]["digest"]))
    o.write()
    case("oci-missing-layer", ref_oci("oci-missing-layer"), "error", "manifest references a missing layer blob")
    o = oci_plain("oci-missing-tag", base_entries())
    case("oci-missing-tag", ref_oci("oci-missing-tag", "nosuchtag"), "error", "tag not in index.json")
    # truncated layer tar (digests describe the truncated bytes)
    big = layer(base_entries() + [("usr/share/blob", bytes(range(256)) * 400)])
    cut = big[:len(big) // 2 + 100]
    DockerArchive([cut]).write("truncated-layer.tar")
    case("truncated-layer", ref_docker("truncated-layer.tar"), "error",
         "layer tar cut in the middle of a file (digest of the cut bytes)")
    cutgz = gz(big)[: len(gz(big)) // 2]
    o = OciLayout("oci-truncated-gzip", [(cutgz, "application/vnd.oci.image.layer.v1.tar+gzip", sha(big))])
    o.write()
    case("oci-truncated-gzip", ref_oci("oci-truncated-gzip"), "error", "gzip layer blob cut in half")
    DockerArchive([big]).write("full.tmp")
    full = open(os.path.join(OUT, "full.tmp"), "rb").read()
    os.remove(os.path.join(OUT, "full.tmp"))
    open(os.path.join(OUT, "truncated-outer.tar"), "wb").write(full[: len(full) // 2])
    case("truncated-outer", ref_docker("truncated-outer.tar"), "error", "docker-archive tar cut in half")
    open(os.path.join(OUT, "empty.tar"), "wb").close()
    case("empty-docker", ref_docker("empty.tar"), "error", "empty file as docker-archive")
    case("empty-oci-archive", "oci-archive:empty.tar", "error", "empty file as oci-archive")
    case("empty-bare", "empty.tar", "error", "empty file as a bare path")
    rnd = random.Random(1234).randbytes(65536)
    open(os.path.join(OUT, "random.bin"), "wb").write(rnd)
    case("random-docker", ref_docker("random.bin"), "error", "64 KiB of random bytes as docker-archive")
    case("random-oci-archive", "oci-archive:random.bin", "error", "64 KiB of random bytes as oci-archive")
    os.makedirs(os.path.join(OUT, "empty-dir"), exist_ok=True)
    case("empty-oci-dir", ref_oci("empty-dir"), "error", "empty directory as an OCI layout")
    case("missing-file", ref_docker("does-not-exist.tar"), "error", "input path does not exist")


def cases_json():
    raw = layer(base_entries())
    d = DockerArchive([raw])
    d.write("json-manifest-malformed.tar", manifest_bytes=b'[{"Config": "x.json", "Layers": [')
    case("json-manifest-malformed", ref_docker("json-manifest-malformed.tar"), "error", "manifest.json cut short")
    d.write("json-manifest-type.tar", manifest_bytes=b'{"Config": 5, "Layers": "x"}')
    case("json-manifest-type", ref_docker("json-manifest-type.tar"), "error", "manifest.json with wrong types")
    d.write("json-manifest-empty.tar", manifest_bytes=b"[]")
    case("json-manifest-empty", ref_docker("json-manifest-empty.tar"), "error", "manifest.json is []")
    deep = b"[" * 100000 + b"]" * 100000
    d.write("json-manifest-deep.tar", manifest_bytes=deep)
    case("json-manifest-deep", ref_docker("json-manifest-deep.tar"), "error", "manifest.json nested 100000 deep")
    cfg = b'{"architecture":'
    d = DockerArchive([raw], config=cfg)
    d.write("json-config-malformed.tar")
    case("json-config-malformed", ref_docker("json-config-malformed.tar"), "error", "config JSON cut short")
    cfg = (b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["' + sha(raw).encode() +
           b'"]},"x":' + b"[" * 100000 + b"]" * 100000 + b"}")
    DockerArchive([raw], config=cfg).write("json-config-deep.tar")
    case("json-config-deep", ref_docker("json-config-deep.tar"), "either", "config carries a value nested 100000 deep")
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": "nope"}}).encode()
    DockerArchive([raw], config=cfg).write("json-config-type.tar")
    case("json-config-type", ref_docker("json-config-type.tar"), "error", "config rootfs.diff_ids is a string")
    o = oci_plain("oci-index-malformed", base_entries())
    o.put(b'{"schemaVersion": 2, "manifests": [{"digest": ', name="index.json")
    case("oci-index-malformed", ref_oci("oci-index-malformed"), "error", "index.json cut short")
    o = oci_plain("oci-index-deep", base_entries())
    o.put(b'{"schemaVersion":2,"manifests":' + b"[" * 100000 + b"]" * 100000 + b"}", name="index.json")
    case("oci-index-deep", ref_oci("oci-index-deep"), "error", "index.json nested 100000 deep")
    o = OciLayout("oci-manifest-malformed", [(gz(raw), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))])
    o.write(manifest=b'{"schemaVersion": 2, "config": {"digest": "sha256:')
    case("oci-manifest-malformed", ref_oci("oci-manifest-malformed"), "error", "manifest JSON cut short (right digest)")
    o = OciLayout("oci-config-malformed", [(gz(raw), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))],
                  config=b'{"rootfs": {"diff_ids": [')
    o.write()
    case("oci-config-malformed", ref_oci("oci-config-malformed"), "error", "config JSON cut short (right digest)")
    # 20 MB tag
    DockerArchive([raw], tag="localhost/" + "a" * (20 << 20) + ":1").write("tag-20mb.tar")
    case("tag-20mb", ref_docker("tag-20mb.tar"), "either", "RepoTags holds a 20 MB string")
    # 100000 layers (the same small layer listed again and again)
    small = layer([("f", b"x\n")])
    n = 100000
    cfg = config_for([sha(small)] * n)
    d = DockerArchive([small], config=cfg)
    d.manifest[0]["Layers"] = d.layer_names * n
    d.write("layers-100000.tar")
    case("layers-100000", ref_docker("layers-100000.tar"), "either", "100000 layers listed (one small layer repeated)")


def cases_dpkg():
    field = b"Package: moat-big-field\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n" \
            b"Description: " + b"A" * (10 << 20) + b"\n\n" + STATUS_OK
    docker("dpkg-10mb-field.tar", base_entries(field))
    case("dpkg-10mb-field", ref_docker("dpkg-10mb-field.tar"), "either", "dpkg status with a 10 MB Description line")
    cont = b"Package: moat-big-cont\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n" \
           b"Description: x\n" + b" y\n" * (4 << 20) + b"\n" + STATUS_OK
    docker("dpkg-many-lines.tar", base_entries(cont))
    case("dpkg-many-lines", ref_docker("dpkg-many-lines.tar"), "either",
         "dpkg status with a 4M-line continuation field")
    nul = b"Package: moat-\x00nul\nStatus: install ok \x00installed\nArchitecture: amd64\nVersion: 1\x00.0\n\n" + \
          b"\x00" * 4096 + b"\n\n" + STATUS_OK
    docker("dpkg-nul.tar", base_entries(nul))
    case("dpkg-nul", ref_docker("dpkg-nul.tar"), "either", "dpkg status with NUL bytes in names, values and between records")
    garbage = random.Random(99).randbytes(1 << 20)
    docker("dpkg-random.tar", base_entries(garbage))
    case("dpkg-random", ref_docker("dpkg-random.tar"), "either", "dpkg status of 1 MiB random bytes")
    many = b"".join(status_pkg("p%06d" % i) for i in range(100000))
    docker("dpkg-100k-packages.tar", base_entries(many))
    case("dpkg-100k-packages", ref_docker("dpkg-100k-packages.tar"), "safe", "dpkg status listing 100000 packages")
    apk = b"P:\nV:\n\n" + b"P:" + b"a" * (1 << 20) + b"\nV:1\n\n" + b"P:x\x00y\nV:1\x00\n\n"
    docker("apk-hostile.tar", [ti("lib", tarfile.DIRTYPE), ti("lib/apk", tarfile.DIRTYPE),
                                ti("lib/apk/db", tarfile.DIRTYPE), ("lib/apk/db/installed", apk),
                                ti("etc", tarfile.DIRTYPE), ("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.3\n")])
    case("apk-hostile", ref_docker("apk-hostile.tar"), "either", "apk db with empty names, a 1 MiB name, NUL bytes")


def cases_big():
    # 200k empty files: must succeed in bounded time
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for e in base_entries():
            if isinstance(e, tarfile.TarInfo):
                tf.addfile(e)
            else:
                tf.addfile(ti(e[0], size=len(e[1])), io.BytesIO(e[1]))
        for i in range(100):
            tf.addfile(ti("many/%03d" % i, tarfile.DIRTYPE))
            for j in range(2000):
                tf.addfile(ti("many/%03d/%04d" % (i, j)))
    raw = buf.getvalue()
    OciLayout("oci-200k-files", [(gz(raw), "application/vnd.oci.image.layer.v1.tar+gzip", sha(raw))]).write()
    case("oci-200k-files", ref_oci("oci-200k-files"), "safe", "one layer of 200000 empty files (bounded time)")

    # gzip bomb: one 5 GiB file of zeros, stream-compressed
    size = 5 * GiB
    hdr = ti("zeros", size=size).tobuf(format=tarfile.USTAR_FORMAT)
    tail = b"\0" * 1024  # size is a multiple of 512: no padding, then end-of-archive
    diff = hashlib.sha256()
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    gzpath = os.path.join(OUT, "bomb.gz.tmp")
    chunk = b"\0" * (16 << 20)
    with open(gzpath, "wb") as f:
        for part in [hdr] + [chunk] * (size // len(chunk)) + [tail]:
            diff.update(part)
            f.write(comp.compress(part))
        f.write(comp.flush())
    diff_id = "sha256:" + diff.hexdigest()
    blob = open(gzpath, "rb").read()
    os.remove(gzpath)
    OciLayout("oci-gzip-bomb", [(blob, "application/vnd.oci.image.layer.v1.tar+gzip", diff_id)]).write()
    case("oci-gzip-bomb", ref_oci("oci-gzip-bomb"), "either",
         "gzip layer of %d bytes expanding to 5 GiB of zeros" % len(blob))
    d = DockerArchive([layer(base_entries())])
    name = hashlib.sha256(blob).hexdigest() + ".tar"
    d.files[name] = blob
    d.manifest[0]["Layers"].append(name)
    d.files.pop(d.config_name)
    cfg = config_for([sha(layer(base_entries())), diff_id])
    d.config_name = hashlib.sha256(cfg).hexdigest() + ".json"
    d.files[d.config_name] = cfg
    d.manifest[0]["Config"] = d.config_name
    d.write("docker-gzip-bomb.tar")
    case("docker-gzip-bomb", ref_docker("docker-gzip-bomb.tar"), "either",
         "docker-archive with a gzip-compressed 5 GiB-of-zeros layer")
    del blob

    if shutil.which("zstd"):
        zpath = os.path.join(OUT, "bomb.zst.tmp")
        diff = hashlib.sha256()
        with open(zpath, "wb") as f:
            p = subprocess.Popen(["zstd", "-q", "-c", "-3"], stdin=subprocess.PIPE, stdout=f)
            for part in [hdr] + [chunk] * (size // len(chunk)) + [tail]:
                diff.update(part)
                p.stdin.write(part)
            p.stdin.close()
            if p.wait() != 0:
                sys.exit("zstd failed")
        zblob = open(zpath, "rb").read()
        os.remove(zpath)
        OciLayout("oci-zstd-bomb", [(zblob, "application/vnd.oci.image.layer.v1.tar+zstd",
                                     "sha256:" + diff.hexdigest())]).write()
        case("oci-zstd-bomb", ref_oci("oci-zstd-bomb"), "either",
             "zstd layer of %d bytes expanding to 5 GiB of zeros" % len(zblob))
    else:
        print("  (zstd CLI not found: zstd bomb skipped)", file=sys.stderr)


def main():
    global OUT
    if len(sys.argv) != 2:
        sys.exit("usage: make-corpus.py OUTDIR")
    OUT = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    print(f"hostile corpus -> {OUT}", file=sys.stderr)
    for group in (cases_paths, cases_links, cases_digests, cases_structure, cases_json, cases_dpkg, cases_big):
        group()
    with open(os.path.join(OUT, "cases.tsv"), "w") as f:
        for c in CASES:
            f.write("\t".join(c) + "\n")
    print(f"{len(CASES)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
