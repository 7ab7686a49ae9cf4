#!/usr/bin/env python3
"""gen_pairs.py ECOSYSTEM [COUNT] - print COUNT tab-separated version pairs for
the differential tests of src/version/: hand-written edge cases, real
versions (this host's dpkg database, the OSV records in shared/data/osv),
and random versions from each scheme's grammar, paired at random and with
near neighbours (one component changed). Deterministic (fixed seed)."""
import glob, json, os, random, subprocess, sys

ECO = sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
HERE = os.path.dirname(os.path.abspath(__file__))
OSV = os.path.join(HERE, "..", "..", "..", "shared", "data", "osv")
rnd = random.Random(440 + sum(map(ord, ECO)))


def osv_versions(pattern, eco_prefix):
    out = set()
    for path in sorted(glob.glob(os.path.join(OSV, pattern), recursive=True))[:3000]:
        try:
            doc = json.load(open(path))
        except Exception:
            continue
        docs = doc.get("vulns", [doc]) if isinstance(doc, dict) else []
        for d in docs:
            for aff in d.get("affected", []):
                if not aff.get("package", {}).get("ecosystem", "").startswith(eco_prefix):
                    continue
                out.update(aff.get("versions", []))
                for r in aff.get("ranges", []):
                    for ev in r.get("events", []):
                        for k in ("introduced", "fixed", "last_affected"):
                            if k in ev and ev[k] != "0":
                                out.add(ev[k])
    return sorted(v for v in out if "\t" not in v and "\n" not in v and v.isascii())


def num(small=False):
    r = rnd.random()
    if r < 0.3:
        return str(rnd.randint(0, 3))
    if r < 0.6 or small:
        return str(rnd.randint(0, 20))
    if r < 0.8:
        return str(rnd.randint(0, 2025))
    if r < 0.9:
        return "0" * rnd.randint(1, 2) + str(rnd.randint(0, 9))
    return str(rnd.randint(0, 10 ** rnd.randint(1, 14)))


def pick(*xs):
    return rnd.choice(xs)


# ---- per-ecosystem grammars -------------------------------------------------

def g_dpkg():
    up = num()
    for _ in range(rnd.randint(0, 3)):
        up += pick(".", ".", "+", "~", "") + pick(num(), num(), pick("a", "b", "rc", "beta", "dfsg", "git", "ds", "really", "Z", "~"))
    if rnd.random() < 0.3:
        up += pick("~rc1", "~beta2", "~~", "~", "+b1", "+dfsg", "+really1.0", "a", "+git20200101", ".0")
    v = up
    if rnd.random() < 0.7:
        rev = pick(num(True), "0ubuntu" + num(True), num(True) + "+deb12u" + num(True), num(True) + "~bpo12+1", "1build1", "0.1", "1~", "a")
        v += "-" + rev
    if rnd.random() < 0.2:
        v = pick("0", "1", "2", "10", "01") + ":" + v
    return v


def g_rpm():
    parts = [num()]
    for _ in range(rnd.randint(0, 3)):
        parts.append(pick(".", ".", "_", "+", "~", "^", "", "-") + pick(num(), "a", "b", "rc1", "git", "pre", "beta", "Z", "xyz", "~", "^"))
    v = "".join(parts)
    if rnd.random() < 0.7:
        v += "-" + pick(num(True), num(True) + ".el9", num(True) + ".el8_" + num(True), "1.fc" + num(True), "0.rc1", "1~", "1^", num(True) + "." + num(True))
    if rnd.random() < 0.25:
        v = pick("0", "1", "2", "10", "01", "") + ":" + v
    return v


def g_apk():
    v = num()
    for _ in range(rnd.randint(0, 3)):
        v += "." + num()
    if rnd.random() < 0.2:
        v += pick("a", "b", "z", "c")
    for _ in range(rnd.choice((0, 0, 1, 1, 2))):
        v += "_" + pick("alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p") + pick("", num(), "2")
    if rnd.random() < 0.1:
        v += "~" + pick("abc123", "0f", "deadbeef", "1")
    if rnd.random() < 0.6:
        v += "-r" + num(True)
    if rnd.random() < 0.05:
        v += pick("_foo", "-x", ".", "a1", "_", "-r", "bb", "~", "~G")
    return v


def snum():
    """A number, rarely with a (for semver invalid) leading zero."""
    n = num()
    return n if rnd.random() < 0.05 else str(int(n))


def ident():
    return pick(num(True), "alpha", "beta", "rc", "a", "b", "x-y", "-", "0a", "1a", "A", "Z", "pre", "dev")


def g_semver():
    v = ".".join([snum(), snum(), snum()])
    if rnd.random() < 0.5:
        v += "-" + ".".join(ident() for _ in range(rnd.randint(1, 3)))
    if rnd.random() < 0.2:
        v += "+" + ".".join(pick("build", "001", "sha", "1", "x-y", "incompatible") for _ in range(rnd.randint(1, 2)))
    if rnd.random() < 0.1:
        v = pick("v", " ", "=", "V", "") + v + pick("", " ", "\x0b")
    if rnd.random() < 0.03:
        v = pick("1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3.4", "a.b.c", "1.2.3-a..b")
    return v


def g_go():
    v = "v" + ".".join([snum(), snum(), snum()])
    r = rnd.random()
    if r < 0.3:
        v += "-" + ".".join(ident() for _ in range(rnd.randint(1, 3)))
    elif r < 0.45:
        v += pick("-", "-0.") + "2021%02d%02d%06d-%012x" % (rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 235959), rnd.getrandbits(48))
    if rnd.random() < 0.15:
        v += "+incompatible"
    return v


def g_pep440():
    v = ""
    if rnd.random() < 0.1:
        v += num(True) + "!"
    v += ".".join(num() for _ in range(rnd.randint(1, 4)))
    if rnd.random() < 0.35:
        v += pick("", ".", "-", "_") + pick("a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "RC", "A") + pick("", ".", "-", "_", "") + pick("", num(True))
    if rnd.random() < 0.3:
        v += pick("-" + num(True), pick("", ".", "-", "_") + pick("post", "rev", "r", "POST") + pick("", ".", "-") + pick("", num(True)))
    if rnd.random() < 0.3:
        v += pick("", ".", "-", "_") + pick("dev", "DEV") + pick("", ".", "") + pick("", num(True))
    if rnd.random() < 0.2:
        v += "+" + pick("", "") + pick("ubuntu", "1", "abc", "local", "01", "A") + pick("", "." + num(True), "-x", "_7", ".z")
    if rnd.random() < 0.08:
        v = pick("v", " ", "V", "") + v + pick("", " ", "\x1c")
    if rnd.random() < 0.04:
        v = pick("1.0.", "1..0", "1.0+", "1.0-", "1.0a1b1", "1.0.post-1", "1.0-dev", "1.0_r", "1.0ab", "1.0+a..b", "!1.0", "1.0a-1", "1.0a-.post", "1.0c.1", "1.0pre1.dev1")
    return v


def g_maven():
    parts = [num()]
    for _ in range(rnd.randint(0, 4)):
        parts.append(pick(".", ".", "-", "") + pick(num(), num(), "alpha", "beta", "milestone", "rc", "cr", "snapshot", "SNAPSHOT", "ga", "final", "release", "sp", "a", "b", "m", "foo", "RELEASE", "Final", "jre", "android", "", "0", "00000000000", "1234567890123456789012"))
    return "".join(parts)


# ---- hand-written edge cases ------------------------------------------------

EDGE = {
    "dpkg": ["1.0", "1.0~rc1", "1.0~~", "1.0~", "1.0~a", "1.0+", "1.0a", "1.0.0", "1:0.9", "0:1.0", "1.0-1", "1.0-0", "1.0-1~bpo1",
             "1.0-1+b1", "1.0-1.1", "1.0-a", "1.0-A", "1.0-+", "1.0-~", "2.30-1", "2.3-1", "1.01", "1.1", "1.001", "0.0", "0",
             "1.0-1-1", "1.0-1-2", "1:1.0-1-1", "10:1", "9:1", "1.2.3+dfsg-1", "1.2.3+dfsg1-1", "1.2.3.dfsg-1", "7.88.1-10+deb12u5",
             "2.36-9+deb12u4", "1.0a~", "1.0A", "1.0Z", "1.0z", "1.0.", "1.0:1", "1:1.0:1", "1.0+~", "1.0~+", "1~", "1~~a"],
    "rpm": ["1.0", "1.0~rc1", "1.0^git1", "1.0^", "1.0~", "1.0", "1.0.0", "1.0a", "1.0-1", "1.0-1.el9", "1:1.0-1", "0:1.0-1",
            "1.0-1~", "1.0-1^", "1.0-", "1.0_1", "1.0.a", "1.0..1", "1.0--1", "1.0-1-1", "a", "1a", "a1", "1..", "1.0+1",
            "~", "^", "1.0^1~", "1.0~1^", "2.el9", "10.el9", ":1.0", "001:1", "1:1", "01.0", "1.00", "1.0.0-0", "1.0-0.1",
            "3.2.1-9.el9_4.2", "3.2.1-9.el9", "1.0a-1", "1.0A-1", "1.0Z", "1.0z"],
    "apk": ["1.0", "1.0-r0", "1.0-r1", "1.0_alpha", "1.0_alpha1", "1.0_beta", "1.0_pre", "1.0_rc", "1.0_rc1", "1.0_p1", "1.0_p",
            "1.0_git20200101", "1.0_cvs", "1.0_svn", "1.0_hg", "1.0a", "1.0b", "1.0.1", "1.01", "1.001", "1.1", "1.0~abc",
            "1.0~abc-r1", "1.0_alpha_pre2", "1.0_p1_p2", "1.0.0", "01.0", "1.0-r01", "1.0a-r1", "1.0a_p1", "1.0_rc1-r5",
            "1.0bc", "1.0_foo", "1.0-", "1.0-r", "1.0.", "1..0", "1.0~", "1.0~G", "1.0a1", "v1.0", "", "1.0_p1a", "6.0_pre1", "6.0"],
    "semver": ["1.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
               "1.0.0-rc.1", "1.0.0+build", "1.0.0-alpha+b1", "v1.0.0", " 1.0.0 ", "=1.0.0", "1.0.0-0", "1.0.0-00", "1.0.0-0a",
               "1.0.0--", "1.0.0-a-b", "1.0.0-9007199254740991", "1.0.0-9007199254740992", "1.0.0-9007199254740993",
               "1.0.0-99999999999999999999", "1.0.0-99999999999999999998", "9007199254740991.0.0", "9007199254740992.0.0",
               "1.0", "1", "01.0.0", "1.0.0-", "1.0.0+", "1.0.0-a.", "1.0.0-A", "1.0.0-a", "1.0.0-1", "1.0.0-1.a", "1.0.0-a.1",
               "0.0.0", "1.2.3-beta.01", "1.2.3+01", "V1.0.0", "v 1.0.0"],
    "go": ["v1.0.0", "v1", "v1.0", "v1.2", "v1.2.0", "v1.0.0+incompatible", "v2.0.0+incompatible", "v0.0.0-20210101000000-abcdefabcdef",
           "v0.0.0-20220101000000-abcdefabcdef", "v1.2.4-0.20210101000000-abcdefabcdef", "v1.0.0-rc.1", "v1.0.0-rc.1+incompatible",
           "v1.0.0-alpha", "v1.0.0-beta.2", "v1.0.0-beta.11"],
    "pep440": ["1.0", "1.0.0", "1.0a1", "1.0.0-alpha.1", "1.0a", "1.0alpha", "1.0b1", "1.0c1", "1.0rc1", "1.0pre1", "1.0preview1",
               "1.0.post1", "1.0-1", "1.0post", "1.0.rev1", "1.0r1", "1.0.dev1", "1.0dev", "1.0a1.dev1", "1.0.post1.dev1",
               "1.0+local", "1.0+local.1", "1.0+1", "1.0+01", "1.0+a.b", "1.0+A", "1!1.0", "0!1.0", "v1.0", " 1.0 ", "1.0a.",
               "1.0a-1", "1.0a-post1", "1.0-dev", "1.0.", "1.0+", "1.0+a..b", "1..0", "1.0_a_1", "1.0-a-1", "1.0RC1", "1.0-r",
               "1.0.0.0.0", "1.0.0.0.1", "1.0+abc.5", "1.0+abc.0", "1.0+5", "1.0+abc", "1.0a0", "1.0.dev0", "1.0.post0",
               "1.0a1.post1", "1.0b1.post1.dev1", "1.0rc1.dev1", "1.0+ubuntu-1", "1.0+ubuntu_1", "2.0.0rc2", "2.0.0c2"],
    "maven": ["1", "1.0", "1.0.0", "1-0", "1.0-0", "1-1", "1.0-1", "1-snapshot", "1-SNAPSHOT", "1-alpha", "1-alpha1", "1-a1", "1a1",
              "1-beta", "1-b1", "1-milestone", "1-m1", "1-rc", "1-cr", "1-rc1", "1-ga", "1-final", "1-release", "1-sp", "1-sp1",
              "1-foo", "1-bar", "1.foo", "1-1-foo", "1.0.0.0.0", "1.0000000000", "1.0000000000.1", "1.00000000000000000000.1",
              "1.1234567890", "1.123456789012345678901", "1.2-beta-2", "1..1", "1--1", "1-", "1.", "", "1.0.0-final-1",
              "1-0.1", "1-0-1", "2.0.0.RELEASE", "2.0.0.Final", "1.2.3-jre", "1.2.3-android", "1x", "1.x", "1-x", "x1",
              "1.0.0.M1", "1.0.0.RC1", "1_2", "1+2", "1.0-SP1", "1.0.SP1"],
}


def real_versions():
    if ECO == "dpkg":
        try:
            out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}\\n"], capture_output=True, text=True).stdout
            return sorted(set(out.split()))
        except OSError:
            return []
    if ECO == "pep440":
        return osv_versions("pypi-pypa/**/*.json", "PyPI")
    if ECO == "go":
        return ["v" + v if not v.startswith("v") else v for v in osv_versions("go-vulndb/*.json", "Go")]
    if ECO == "semver":
        return osv_versions("crates-rustsec/*.json", "crates.io") + [v[1:] for v in osv_versions("go-vulndb/GO-202[34]*.json", "Go")]
    if ECO == "maven":
        return osv_versions("ghsa-osv-api-fixtures/*.json", "Maven")
    return []


NOISE = {"dpkg": "0123456789.:-+~aZ", "rpm": "0123456789.:-+~^_aZ", "apk": "0123456789._-~raphlbcgp",
         "semver": "0123456789.-+vaZ", "go": "0123456789.-+vaZ", "pep440": "0123456789.-_+!vabcrpostdevRCV",
         "maven": "0123456789.-abcmrsgpfxAS"}[ECO]


def g_noise():
    """A short random string over the scheme's alphabet (mostly invalid or odd)."""
    return "".join(rnd.choice(NOISE) for _ in range(rnd.randint(1, 10)))


GEN0 = {"dpkg": g_dpkg, "rpm": g_rpm, "apk": g_apk, "semver": g_semver, "go": g_go, "pep440": g_pep440, "maven": g_maven}[ECO]


def GEN():
    return g_noise() if rnd.random() < 0.12 else GEN0()


def neighbour(v):
    """The same version with one digit run, letter or separator changed."""
    if not v:
        return GEN()
    i = rnd.randrange(len(v))
    c = v[i]
    if c.isdigit():
        j = i
        while j < len(v) and v[j].isdigit():
            j += 1
        return v[:i] + pick(str(int(v[i:j]) + 1), str(max(int(v[i:j]) - 1, 0)), "0" + v[i:j], v[i:j] + "0", "") + v[j:]
    return v[:i] + pick("", "~", ".", "-", "a", "+", "_", "^", c.upper(), c.lower(), c + c, "1") + v[i + 1:]


def main():
    real = real_versions()
    rnd.shuffle(real)
    pool = list(EDGE[ECO]) + real[:1500]
    pool += [GEN() for _ in range(1500)]
    pairs = []
    edge = EDGE[ECO]
    for a in edge:              # every edge case against every edge case
        for b in edge:
            pairs.append((a, b))
    while len(pairs) < COUNT:
        r = rnd.random()
        a = rnd.choice(pool)
        if r < 0.45:
            b = neighbour(a)
        elif r < 0.55:
            b = a
        else:
            b = rnd.choice(pool)
        pairs.append((a, b))
    for a, b in pairs[:max(COUNT, len(edge) ** 2)]:
        if "\t" in a + b or "\n" in a + b or not (a + b).isascii():
            continue
        sys.stdout.write("%s\t%s\n" % (a, b))


main()
