#!/usr/bin/env python3
"""bench/secret-compare.py - compare the secret findings of moat and Trivy on one image.

  secret-compare.py --moat MOAT.json --trivy TRIVY.json [--trivy-config TRIVY-CFG.json]
                    [--image IMAGE.tar] [--trivy-probe PROBE.json] [--label NAME]
  secret-compare.py probe DIR     write the rule probe: one fresh sample per rule
  secret-compare.py values FILE|DIR...   print the secret values of planted key=value lines

Both reports are normalised to (path, line, rule family): paths lose a leading "/", moat's
image-config findings (config:Env, config:Labels, config:history) become path "config" with no
line, as do Trivy's findings on the image config (--image-config-scanners secret, whose line
numbers count lines of the config JSON). Rule ids are mapped to families, read from the
sources rather than kept here: each moat rule of docs/secret-rules.md is its own family (its id
without "secret-"; secret-private-key-* are all "private-key", the Azure rules "azure"), and a
Trivy id takes the family of the moat rule trivy_ids[] of src/secret/rules.c maps it to (Trivy's
private-key -> "private-key", github-pat -> "github-token", ...); a Trivy rule moat has no
counterpart for keeps its own family "trivy:<id>".

Findings pair up in three passes: same (path, line, family); same path and family with lines at
most 5 apart (the tools anchor multi-line secrets differently); same path and line under
different families. What is left is a miss, printed with the likeliest reason, taken from the
docker-archive when --image is given (file size, NUL bytes in its first 8 KiB, the layer that
deleted it) and from each tool's documented defaults (Trivy's built-in allow rules, moat's
bounds). No secret is printed: only paths, lines and rule ids.
"""
import argparse
import json
import os
import re
import sys
import tarfile
from collections import defaultdict

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES_DOC = os.path.join(SRC, "docs", "secret-rules.md")
RULES_C = os.path.join(SRC, "src", "secret", "rules.c")
# Families that group several moat rules; every other moat rule is its own family (its id
# without "secret-"), so a new rule needs no entry here.
FAMILY_GROUPS = {"secret-private-key-": "private-key", "secret-azure-": "azure"}


def moat_family(rid):
    for prefix, fam in FAMILY_GROUPS.items():
        if rid.startswith(prefix):
            return fam
    return rid[len("secret-"):] if rid.startswith("secret-") else rid


def load_rule_ids():
    """-> (moat rule ids, {Trivy id: family}). moat's ids come from the Rules table of
    docs/secret-rules.md; each Trivy id is the family of the moat rule that covers it in
    `trivy_ids[]` of src/secret/rules.c (the table --secret-config resolves Trivy ids with;
    the docs list the same ids in prose). A moat rule id there that the docs table lacks, or a
    Trivy id the docs do not name, is reported on stderr: the two have drifted apart."""
    doc = open(RULES_DOC).read()
    moat_ids = re.findall(r"^\| (secret-[a-z0-9-]+) \| (?:CRITICAL|HIGH|MEDIUM|LOW) \|", doc, re.M)
    tbl = re.search(r"trivy_ids\[\] = \{(.*?)\n\};", open(RULES_C).read(), re.S)
    pairs = re.findall(r'\{"([a-z0-9-]+)", "(secret-[a-z0-9-]+)"\}', tbl.group(1) if tbl else "")
    if not moat_ids or not pairs:
        sys.exit(f"secret-compare: no rule ids found in {RULES_DOC} or trivy_ids[] of {RULES_C}")
    trivy = {}
    for tid, ours in pairs:
        if ours not in moat_ids:
            print(f"secret-compare: {ours} (for Trivy's {tid}) is not in {RULES_DOC}", file=sys.stderr)
        if f"`{tid}`" not in doc:
            print(f"secret-compare: Trivy id {tid} is not named in {RULES_DOC}", file=sys.stderr)
        trivy[tid] = moat_family(ours)
    return moat_ids, trivy


MOAT_IDS, TRIVY_FAMILY = load_rule_ids()
# Trivy's built-in allow rules (pkg/fanal/secret/builtin-allow-rules.go): paths it never scans.
TRIVY_ALLOW = [
    ("tests", re.compile(r"(^(?i:test)|/test|-test|_test|\.test)")),
    ("examples", re.compile(r"example")),
    ("vendor", re.compile(r"/vendor/")),
    ("usr-dirs", re.compile(r"^usr/(?:share|include|lib)/")),
    ("locale-dir", re.compile(r"/locales?/")),
    ("markdown", re.compile(r"\.md$")),
    ("node.js", re.compile(r"^opt/yarn-v[\d.]+/")),
    ("golang", re.compile(r"^usr/local/go/")),
    ("python", re.compile(r"^usr/local/lib/python[\d.]+/")),
    ("rubygems", re.compile(r"^usr/lib/gems/")),
    ("wordpress", re.compile(r"^usr/src/wordpress/")),
    ("anaconda-log", re.compile(r"^var/log/anaconda/")),
]
MOAT_MAX_SIZE = 64 << 20
WINDOW = 5


def moat_findings(path):
    out = []
    for f in json.load(open(path)).get("findings", []):
        if f.get("kind") != "secret":
            continue
        rid = f.get("rule_id", "")
        loc = f.get("location") or {}
        p, line = str(loc.get("path") or ""), loc.get("line")
        key = (p, line)
        if p.startswith("config:"):
            p, line = "config", None
        fam = moat_family(rid)
        out.append({"path": p.lstrip("/"), "line": line, "family": fam, "rule": rid,
                    "where": loc.get("path"), "key": key + (fam,)})
    return out


def trivy_findings(path, image_target=None):
    out = []
    for r in json.load(open(path)).get("Results") or []:
        target = str(r.get("Target", ""))
        # the image config is reported under the image's own name, not a file path
        is_cfg = r.get("Class") == "config" or (image_target and target in image_target)
        for s in r.get("Secrets") or []:
            rid = s.get("RuleID", "")
            fam = TRIVY_FAMILY.get(rid, "trivy:" + rid)
            if is_cfg:
                p, line, where = "config", None, "config"
            else:
                p, line, where = target.lstrip("/"), s.get("StartLine"), target
            out.append({"path": p, "line": line, "family": fam, "rule": rid, "where": where,
                        "key": (target, s.get("StartLine"), fam)})
    return out


def dedupe(fs):
    seen, out = set(), []
    for f in fs:
        if f["key"] not in seen:
            seen.add(f["key"])
            out.append(f)
    return out


def pair(ms, ts):
    """-> (exact, near, crossed, moat_only, trivy_only); lists of findings or pairs."""
    ms, ts = list(ms), list(ts)
    done = []
    for test in (lambda m, t: m["line"] == t["line"] and m["family"] == t["family"],
                 lambda m, t: m["family"] == t["family"] and m["line"] is not None and
                 t["line"] is not None and abs(m["line"] - t["line"]) <= WINDOW,
                 lambda m, t: m["line"] == t["line"] and m["line"] is not None):
        got = []
        for m in list(ms):
            cands = [t for t in ts if t["path"] == m["path"] and test(m, t)]
            if cands:
                t = min(cands, key=lambda t: abs((t["line"] or 0) - (m["line"] or 0)))
                got.append((m, t))
                ms.remove(m)
                ts.remove(t)
        done.append(got)
    return done[0], done[1], done[2], ms, ts


def image_facts(image, paths):
    """Per path of interest: [(layer, size, has_nul)] and the layer that deleted it, if any."""
    facts = defaultdict(lambda: {"copies": [], "deleted_in": None})
    if not image:
        return facts
    try:
        outer = tarfile.open(image)
        manifest = json.load(outer.extractfile("manifest.json"))
        for li, lname in enumerate(manifest[0]["Layers"]):
            inner = tarfile.open(fileobj=outer.extractfile(lname), mode="r|")
            for m in inner:
                name = m.name[2:] if m.name.startswith("./") else m.name.lstrip("/")
                base = name.rsplit("/", 1)[-1]
                if base.startswith(".wh."):
                    d = name[: len(name) - len(base)]
                    gone = d + base[4:]
                    for p in paths:
                        opaque = base == ".wh..wh..opq" and p.startswith(d)
                        if (opaque or p == gone or p.startswith(gone + "/")) and facts[p]["copies"]:
                            facts[p]["deleted_in"] = li
                    continue
                if name in paths and m.isfile():
                    head = inner.extractfile(m).read(8192)
                    facts[name]["copies"].append((li, m.size, b"\0" in head))
                    facts[name]["deleted_in"] = None
    except (OSError, KeyError, ValueError, tarfile.TarError) as e:
        print(f"  (cannot read {image} for explanations: {e})")
    return facts


def make_probe(d):
    """Write one well-formed, freshly generated sample per moat rule (file named after the rule)
    and a few of Trivy-only rules (trivy-<id>.txt) into d. Keys come from openssl, ssh-keygen and
    gpg when present; tokens are random strings of each documented format, none of them live."""
    import base64, hashlib, hmac, os, random, shutil, string, subprocess, tempfile
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(20261201)
    an = string.ascii_letters + string.digits

    def tok(n, alphabet=an):
        return "".join(rnd.choice(alphabet) for _ in range(n))

    def b64(n):
        return tok(n, an + "+/")

    def put(name, text):
        with open(os.path.join(d, name), "w") as fh:
            fh.write(text)

    def run(*cmd, **kw):
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout

    tmp = tempfile.mkdtemp()
    try:
        if shutil.which("openssl"):
            put("secret-private-key-pem.pkcs8.pem", run("openssl", "genpkey", "-algorithm", "EC",
                                                        "-pkeyopt", "ec_paramgen_curve:P-256"))
            put("secret-private-key-pem.ec.pem",
                run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"))
        if shutil.which("ssh-keygen"):
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", tmp + "/id")
            put("secret-private-key-openssh", open(tmp + "/id").read())
        if shutil.which("gpg"):
            home = tmp + "/gnupg"
            os.mkdir(home, 0o700)
            g = ("gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "")
            run(*g, "--quick-gen-key", "probe <probe@moat.invalid>", "ed25519", "sign", "never")
            put("secret-private-key-pgp.asc", run(*g, "--armor", "--export-secret-keys"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    put("secret-private-key-putty.ppk",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: probe\nPublic-Lines: 2\n"
        f"{b64(64)}\n{b64(4)}\nPrivate-Lines: 1\n{b64(44)}\nPrivate-MAC: {tok(64, '0123456789abcdef')}\n")
    b32 = string.ascii_uppercase + "234567"
    put("secret-aws-access-key-id.ini", f"[default]\naws_access_key_id = AKIA{tok(16, b32)}\n")
    put("secret-aws-secret-access-key.ini", f"[default]\naws_secret_access_key = {b64(40)}\n")
    pem = "-----BEGIN PRIVATE KEY-----\\n" + b64(64) + "\\n-----END PRIVATE KEY-----\\n"
    put("secret-gcp-service-account.json",
        '{\n  "type": "service_account",\n  "project_id": "probe-1",\n'
        f'  "private_key_id": "{tok(40, "0123456789abcdef")}",\n  "private_key": "{pem}",\n'
        '  "client_email": "probe@probe-1.iam.gserviceaccount.com"\n}\n')
    put("secret-azure-storage-key.txt", "DefaultEndpointsProtocol=https;AccountName=probe;"
        f"AccountKey={b64(86)}==;EndpointSuffix=core.windows.net\n")
    put("secret-azure-client-secret.env", f"AZURE_CLIENT_SECRET={tok(3)}8Q~{tok(34, an + '_-.')}\n")
    put("secret-github-token.env", f"GITHUB_TOKEN=ghp_{tok(36)}\n")
    put("secret-github-token.fine-grained.env", f"GH_PAT=github_pat_{tok(22)}_{tok(59)}\n")
    put("secret-gitlab-token.env", f"GITLAB_TOKEN=glpat-{tok(20)}\n")
    put("secret-slack-token.env",
        f"SLACK_BOT_TOKEN=xoxb-{tok(13, string.digits)}-{tok(13, string.digits)}-{tok(24)}\n")
    up = string.ascii_uppercase + string.digits
    put("secret-slack-webhook.env", f"SLACK_WEBHOOK=https://hooks.slack.com/services/T{tok(10, up)}"
        f"/B{tok(10, up)}/{tok(24)}\n")
    put("secret-stripe-key.env", f"STRIPE_SECRET_KEY=sk_live_{tok(24)}\n")
    put("secret-stripe-key.restricted.env", f"STRIPE_RESTRICTED_KEY=rk_live_{tok(24)}\n")
    put("secret-npm-token.npmrc", f"//registry.npmjs.org/:_authToken=npm_{tok(36)}\n")
    put("secret-npm-token.quoted.json", f'{{"npmToken": "npm_{tok(36)}"}}\n')
    put("secret-pypi-token.pypirc", f"[pypi]\nusername = __token__\n"
        f"password = pypi-AgEIcHlwaS5vcmc{tok(70, an + '-_')}\n")
    auth = base64.b64encode(f"probe:{tok(20)}".encode()).decode()
    put("secret-docker-config-auth.json", '{\n  "auths": {\n    "registry.probe.invalid": {\n'
        f'      "auth": "{auth}"\n    }}\n  }}\n}}\n')

    def seg(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    body = seg({"alg": "HS256", "typ": "JWT"}) + "." + seg({"sub": tok(12), "iat": 1764547200})
    sig = base64.urlsafe_b64encode(hmac.new(tok(32).encode(), body.encode(), hashlib.sha256)
                                   .digest()).rstrip(b"=").decode()
    put("secret-jwt.txt", f"Authorization: Bearer {body}.{sig}\n")
    put("secret-generic-assignment.conf", f'db_password = "{tok(18)}"\n')
    hx, b32u = "0123456789abcdef", "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"  # bech32, upper case
    upan = string.ascii_uppercase + string.digits
    # rules Trivy has too, each written in the shape both tools' rules expect (Trivy's want
    # quotes around doppler, dynatrace, new relic, terraform, mailgun, mailchimp and heroku
    # values, a keyword before mailgun, mailchimp and heroku ones, a space before heroku's
    # keyword, upper-case hex in its UUID and -us20 for mailchimp: pkg/fanal/secret/builtin-rules.go)
    put("secret-sendgrid-api-key.env", f"SENDGRID_API_KEY=SG.{tok(22, an + '_-')}.{tok(43, an + '_-')}\n")
    put("secret-stripe-publishable-key.env", f"STRIPE_PUBLISHABLE_KEY=pk_live_{tok(24)}\n")
    put("secret-age-secret-key.txt", f"# public key: age1{tok(58, b32u.lower())}\n"
        f"AGE-SECRET-KEY-1{tok(58, b32u)}\n")
    put("secret-shopify-token.env", f"SHOPIFY_ACCESS_TOKEN=shpat_{tok(32, hx)}\n")
    put("secret-twilio-api-key.env", f"TWILIO_API_KEY=SK{tok(32, hx)}\n")
    put("secret-terraform-cloud-token.json", '{"credentials": {"app.terraform.io": '
        f'{{"token": "{tok(14)}.atlasv1.{tok(67)}"}}}}}}\n')
    put("secret-mailgun-api-key.env", f'mailgun_api_key = "key-{tok(32, hx)}"\n')
    put("secret-mailchimp-api-key.env", f'mailchimp_api_key = "{tok(32, hx)}-us20"\n')
    put("secret-huggingface-token.env", f'HF_TOKEN="hf_{tok(34, string.ascii_letters)}"\n')
    put("secret-databricks-token.env", f"DATABRICKS_TOKEN=dapi{tok(32, hx)}\n")
    put("secret-linear-api-key.env", f"LINEAR_API_KEY=lin_api_{tok(40)}\n")
    put("secret-doppler-token.env", f'DOPPLER_TOKEN="dp.pt.{tok(43)}"\n')
    put("secret-planetscale-token.env", f"PLANETSCALE_PASSWORD=pscale_pw_{tok(43)}\n")
    put("secret-planetscale-token.api.env", f"PLANETSCALE_TOKEN=pscale_tkn_{tok(43)}\n")
    put("secret-pulumi-token.env", f"PULUMI_ACCESS_TOKEN=pul-{tok(40, hx)}\n")
    put("secret-grafana-token.ini", f'grafana_api_key = "eyJrIjoi{tok(80)}"\n')
    hu = hx.upper()
    put("secret-heroku-api-key.env", f'export HEROKU_API_KEY="{tok(8, hu)}-{tok(4, hu)}-{tok(4, hu)}-'
        f'{tok(4, hu)}-{tok(12, hu)}"\n')
    put("secret-alibaba-access-key-id.env", f"ALIBABA_ACCESS_KEY_ID=LTAI{tok(20)}\n")
    put("secret-atlassian-api-token.env", f'ATLASSIAN_API_TOKEN="ATATT3{tok(180, an + "_-")}"\n')
    put("secret-postman-api-key.env", f"POSTMAN_API_KEY=PMAK-{tok(24, hx)}-{tok(34, hx)}\n")
    put("secret-dynatrace-token.env", f'DT_API_TOKEN="dt0c01.{tok(24, upan)}.{tok(64, upan)}"\n')
    put("secret-newrelic-user-key.env", f'NEW_RELIC_API_KEY = "NRAK-{tok(27, upan)}"\n')
    put("secret-rubygems-api-key.yml", f"---\n:rubygems_api_key: rubygems_{tok(48, hx)}\n")
    # Trivy's Atlassian rule knows only the legacy 24-character token after "atlassian"
    put("trivy-atlassian-api-token.legacy.env", f'atlassian_api_token = "{tok(24)}"\n')
    # a few rules only Trivy has, to show what moat lacks
    put("trivy-adobe-client-secret.txt", f"p8e-{tok(32)}\n")
    put("trivy-shippo-api-token.txt", f"shippo_live_{tok(40, hx)}\n")
    put("trivy-sendinblue-api-token.txt", f"xkeysib-{tok(64, hx)}-{tok(16)}\n")
    # moat's rules Trivy has no id for (docs/secret-rules.md)
    put("secret-vault-token.env", f"VAULT_TOKEN=hvs.{tok(90, an + '_-')}\n")
    put("secret-openai-api-key.env", f"OPENAI_API_KEY=sk-proj-{tok(120, an + '_-')}\n")
    put("secret-anthropic-api-key.env", f"ANTHROPIC_API_KEY=sk-ant-api03-{tok(93, an + '_-')}AA\n")
    put("secret-digitalocean-token.env", f"DIGITALOCEAN_TOKEN=dop_v1_{tok(64, hx)}\n")
    put("secret-discord-webhook.env", "DISCORD_WEBHOOK=https://discord.com/api/webhooks/"
        f"{tok(19, string.digits)}/{tok(68, an + '_-')}\n")
    put("secret-telegram-bot-token.env", f"TELEGRAM_BOT_TOKEN={tok(10, string.digits)}:AA{tok(33, an + '_-')}\n")
    put("secret-gitlab-service-token.env", f"CI_RUNNER_TOKEN=glrt-{tok(20)}\n")
    put("secret-slack-app-token.env", f"SLACK_APP_TOKEN=xapp-1-A{tok(10, upan)}-{tok(13, string.digits)}-"
        f"{tok(64, hx)}\n")
    put("secret-sentry-token.env", f"SENTRY_AUTH_TOKEN=sntryu_{tok(64, hx)}\n")
    put("secret-flyio-token.env", f"FLY_API_TOKEN=fo1_{tok(43, an + '_-')}\n")
    put("secret-contentful-token.env", f"CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-{tok(43, an + '_-')}\n")
    put("secret-docker-hub-token.env", f"DOCKERHUB_TOKEN=dckr_pat_{tok(27, an + '_-')}\n")
    put("secret-google-api-key.env", f"GOOGLE_API_KEY=AIza{tok(35, an + '_-')}\n")
    put("secret-google-oauth-client-secret.env", f"GOOGLE_CLIENT_SECRET=GOCSPX-{tok(28, an + '_-')}\n")
    put("secret-1password-service-account-token.env", f"OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ{tok(300)}\n")
    put("secret-tailscale-key.env", f"TS_AUTHKEY=tskey-auth-{tok(11)}CNTRL-{tok(33)}\n")
    return 0


def probe_hits(path, probe_dir):
    """-> {probe file: did Trivy find anything in it} from Trivy's report on the probe dir."""
    import os
    if not path or not probe_dir:
        return None
    hit = {str(r.get("Target", "")).rsplit("/", 1)[-1]
           for r in json.load(open(path)).get("Results") or [] if r.get("Secrets")}
    return {n: n in hit for n in sorted(os.listdir(probe_dir))}


def probe_note(rule, probe, has_family=False):
    files = {n: h for n, h in (probe or {}).items() if n == rule or n.startswith(rule + ".")}
    if not files:
        return ""
    if not any(files.values()):
        if has_family:  # Trivy has an id for the family (trivy_ids[]), but not this format
            return " (nor its well-formed probe sample: this Trivy build's rule for the family " \
                   "does not match that format)"
        return " (nor its well-formed probe sample: this Trivy build has no rule for that format)"
    return " (probe samples: " + ", ".join(f"{n} {'found' if h else 'missed'}"
                                           for n, h in files.items()) + ")"


def why_trivy_missed(f, facts, trivy_families, cfg_trivy, probe=None):
    if f["path"] == "config":
        extra = ""
        if cfg_trivy is not None:
            hit = any(t["path"] == "config" and t["family"] == f["family"] for t in cfg_trivy)
            extra = "; found with --image-config-scanners secret" if hit else \
                "; not found even with --image-config-scanners secret"
        return f"image config ({f['where']}): Trivy scans the config only with " \
               f"--image-config-scanners secret (off by default){extra}"
    for rid, rx in TRIVY_ALLOW:
        if rx.search(f["path"]):
            return f"path matches Trivy's built-in allow rule '{rid}' ({rx.pattern}): never scanned"
    fx = facts.get(f["path"])
    if fx and fx["copies"] and max(c[1] for c in fx["copies"]) < 10:
        return "file under 10 bytes: Trivy skips it"
    if re.search(r"\.(gz|zst|tgz)$", f["path"]):
        return "inside a compressed file: moat decompresses .gz/.zst in layers, " \
               "Trivy does not (to it the file is binary, skipped)"
    if probe is not None:
        return f"Trivy missed {f['rule']}" \
               f"{probe_note(f['rule'], probe, f['family'] in trivy_families)}"
    if f["family"] not in trivy_families:
        return "Trivy has no rule for this family"
    return "Trivy's rule for this family did not match this text (pattern difference)"


def why_moat_missed(f, facts):
    if f["family"].startswith("trivy:"):
        return "moat has no rule for this family"
    fx = facts.get(f["path"])
    if fx and fx["copies"]:
        if all(c[2] for c in fx["copies"]):
            return "file has a NUL byte in its first 8 KiB: moat skips it as binary"
        if all(c[1] > MOAT_MAX_SIZE for c in fx["copies"]):
            return "file larger than moat's --secret-max-size (64 MiB)"
    return "moat's rule or validator did not match this text (pattern difference)"


def deleted_note(f, facts):
    fx = facts.get(f["path"])
    if fx and fx["deleted_in"] is not None:
        return f" [deleted by layer {fx['deleted_in']}]"
    return ""


def show(f):
    if f["path"] == "config":  # moat's own config line, if any
        where, line = f["where"], f["key"][1]
    else:
        where, line = f["path"], f["line"]
    line = f":{line}" if line is not None else ""
    return f"{where}{line} {f['family']} ({f['rule']})"


def leaks(report, secrets):
    """-> [(secret index, JSON path)] of every string in report holding a planted secret whole or
    a 12-character piece of it (a partly masked value still leaks)."""
    pieces = [{sec[i:i + 12] for i in range(max(1, len(sec) - 11))} for sec in secrets]
    out = []

    def walk(v, path):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, path + [str(k)])
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, path + [str(i)])
        elif isinstance(v, str):
            for si, ps in enumerate(pieces):
                if any(p in v for p in ps):
                    out.append((si, ".".join(path)))

    walk(json.load(open(report)), [])
    return out


def planted_secrets(path):
    return [l.strip() for l in open(path) if len(l.strip()) >= 12]


def planted_values(paths):
    """The value of each `key = value` / `key: value` / "key": "value" line of the planted files
    (the last separator's, 12 characters or more): what must never reach a report."""
    import os
    out = []
    files = []
    for p in paths:
        files += [os.path.join(p, n) for n in sorted(os.listdir(p))] if os.path.isdir(p) else [p]
    for f in files:
        for line in open(f, errors="replace"):
            vals = re.findall(r"""[=:]\s*["']?([^"'\s;=]{12,}={0,2})""", line)
            v = re.sub(r"^https?://[^/]+/", "", vals[-1]) if vals else ""
            if len(v) >= 12 and v not in out:
                out.append(v)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--moat", required=True)
    ap.add_argument("--trivy", required=True)
    ap.add_argument("--trivy-config", help="Trivy report made with --image-config-scanners secret")
    ap.add_argument("--image")
    ap.add_argument("--label", default="image")
    ap.add_argument("--trivy-probe", help="Trivy's report on the rule probe directory")
    ap.add_argument("--probe-dir", help="the rule probe directory (see 'probe')")
    ap.add_argument("--secrets", help="planted secret values, one a line: report which a report holds")
    ap.add_argument("--limit", type=int, default=20, help="misses listed per direction")
    a = ap.parse_args()
    probe = probe_hits(a.trivy_probe, a.probe_dir)

    img_names = {a.image, a.image.rsplit("/", 1)[-1]} if a.image else set()
    m_raw = moat_findings(a.moat)
    t_raw = trivy_findings(a.trivy, img_names)
    cfg = dedupe(trivy_findings(a.trivy_config, img_names)) if a.trivy_config else None
    ms, ts = dedupe(m_raw), dedupe(t_raw)
    exact, near, crossed, m_only, t_only = pair(ms, ts)
    trivy_families = set(TRIVY_FAMILY.values())
    facts = image_facts(a.image, {f["path"] for f in m_only + t_only + ms + ts if f["path"] != "config"})

    print(f"{a.label}: moat {len(m_raw)} findings ({len(ms)} distinct path/line/family), "
          f"Trivy {len(t_raw)} ({len(ts)} distinct)")
    print(f"  both: {len(exact) + len(near) + len(crossed)} ({len(exact)} same line, "
          f"{len(near)} within {WINDOW} lines, {len(crossed)} same line but another family); "
          f"moat only: {len(m_only)}; Trivy only: {len(t_only)}")
    fams = sorted({f["family"] for f in ms + ts})
    if fams:
        print(f"  {'family':<24} {'moat':>5} {'trivy':>6}")
        for fam in fams:
            print(f"  {fam:<24} {sum(f['family'] == fam for f in ms):>5} "
                  f"{sum(f['family'] == fam for f in ts):>6}")
    for m, t in near:
        print(f"  same secret, lines differ: {show(m)} ~ Trivy line {t['line']} ({t['rule']})")
    for m, t in crossed:
        print(f"  same line, different rule: {show(m)} ~ Trivy {t['family']} ({t['rule']})")
    for title, lst, why in (("missed by Trivy (moat only)", m_only,
                             lambda f: why_trivy_missed(f, facts, trivy_families, cfg, probe)),
                            ("missed by moat (Trivy only)", t_only,
                             lambda f: why_moat_missed(f, facts))):
        print(f"  {title}: {len(lst)}")
        reasons = defaultdict(list)
        for f in lst:
            reasons[why(f)].append(f)
        shown = 0
        for reason, fs in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
            print(f"    {len(fs)} x {reason}")
            for f in fs:
                if shown < a.limit:
                    print(f"      {show(f)}{deleted_note(f, facts)}")
                    shown += 1
        if shown < len(lst):
            print(f"      ... {len(lst) - shown} more")
    dels = [f for f in ms if deleted_note(f, facts)]
    for f in dels:
        found = any(t["path"] == f["path"] and t["family"] == f["family"] for t in ts)
        print(f"  deleted-file secret {show(f)}{deleted_note(f, facts)}: "
              f"Trivy {'reports it too' if found else 'does not report it'}")
    if cfg is not None:
        print(f"  Trivy with --image-config-scanners secret (not default): "
              f"{sum(f['path'] == 'config' for f in cfg)} findings in the image config")
    if a.secrets:
        secrets = planted_secrets(a.secrets)
        for tool, rep in (("moat", a.moat), ("Trivy", a.trivy)):
            hits = leaks(rep, secrets)
            where = defaultdict(set)
            for si, p in hits:
                where[re.sub(r"\.\d+", "[]", p)].add(si)
            n = len({si for si, _ in hits})
            print(f"  planted secret values in {tool}'s JSON report, whole or a 12-character piece: "
                  f"{n} of {len(secrets)}" + "".join(f"; {len(v)} in {k}" for k, v in sorted(where.items())))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "probe":
        sys.exit(make_probe(sys.argv[2]))
    if len(sys.argv) >= 3 and sys.argv[1] == "values":
        print("\n".join(planted_values(sys.argv[2:])))
        sys.exit(0)
    sys.exit(main())
