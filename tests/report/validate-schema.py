#!/usr/bin/env python3
"""tests/sbom/validate-schema.py for draft-04 schemas too.

usage: validate-schema.py SCHEMA_DIR SCHEMA_FILE DOCUMENT

The SARIF 2.1.0 schema is draft-04 and names itself with "id", not "$id";
the sbom validator only stores schemas under "$id", so the SARIF schema's
own "#/definitions/..." references would resolve against a URL outside the
store. This wrapper registers "id" too and otherwise runs the sbom
validator unchanged (same offline store, same format checker, same exit
codes).
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "validate_schema", os.path.join(HERE, "..", "sbom", "validate-schema.py"))
vs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vs)

_load_store = vs.load_store


def load_store(schema_dir):
    docs, store = _load_store(schema_dir)
    for d in docs.values():
        if isinstance(d, dict) and "$id" not in d and isinstance(d.get("id"), str):
            store.setdefault(d["id"].rstrip("#"), d)
            d.setdefault("$id", d["id"])  # the sbom validator's base_uri
    return docs, store


vs.load_store = load_store

if __name__ == "__main__":
    sys.exit(vs.main(sys.argv))
