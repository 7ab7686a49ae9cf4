# Independent DSSE envelope maker: PAE in python, signature by the openssl CLI.
import base64, json, subprocess, sys, tempfile, os
key, alg, out = sys.argv[1], sys.argv[2], sys.argv[3]
ptype = "application/vnd.in-toto+json"
stmt = {"_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "example.com/app:1.0", "digest": {"sha256": "a"*64}}],
        "predicateType": "https://moat.dev/attestation/phase/v1",
        "predicate": {"phase": "build", "time": "2026-01-02T03:04:05Z", "builder": "python"}}
payload = json.dumps(stmt, separators=(",", ":")).encode()
pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)
with tempfile.NamedTemporaryFile(delete=False) as f:
    f.write(pae)
if alg == "ec":
    sig = subprocess.check_output(["openssl", "dgst", "-sha256", "-sign", key, f.name])
else:
    sig = subprocess.check_output(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", f.name])
os.unlink(f.name)
env = {"payloadType": ptype, "payload": base64.b64encode(payload).decode(),
       "signatures": [{"keyid": "", "sig": base64.b64encode(sig).decode()}]}
open(out, "w").write(json.dumps(env) + "\n")
