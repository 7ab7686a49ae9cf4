#!/usr/bin/env python3
"""Validate a JSON document against a JSON Schema, offline.

usage: validate-schema.py SCHEMA_DIR SCHEMA_FILE DOCUMENT

Every *.json in SCHEMA_DIR is loaded into a local store under its "$id" and
under "<directory of each $id>/<file name>", so references such as
"spdx.SNAPSHOT.schema.json" or "jsf-0.82.SNAPSHOT.schema.json#/definitions/signature"
resolve to the committed files. Any reference outside the store is an error:
the validator never touches the network. Formats are checked with the
validator's own format checker (those whose optional checker libraries are
installed), the same way for every schema.

Exit status: 0 valid, 1 invalid (errors on stderr), 2 usage or schema problem.
"""
import json
import os
import sys
import warnings
from urllib.parse import urljoin

import jsonschema
from jsonschema import validators

# RefResolver is deprecated in newer jsonschema releases but is what Debian 12 ships.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def load_store(schema_dir):
    docs = {}
    for name in sorted(os.listdir(schema_dir)):
        if name.endswith(".json"):
            with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
                docs[name] = json.load(f)
    store = {}
    bases = set()
    for name, d in docs.items():
        # draft-04 schemas (SARIF 2.1.0) name themselves with "id"
        sid = (d.get("$id") or d.get("id")) if isinstance(d, dict) else None
        if not isinstance(sid, str):
            sid = None
        if sid:
            store[sid.rstrip("#")] = d
            bases.add(urljoin(sid, "."))
    for base in bases:
        for name, d in docs.items():
            store.setdefault(urljoin(base, name), d)
    return docs, store


def offline(uri):
    raise jsonschema.RefResolutionError("reference outside the local schema store: %s" % uri)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir, schema_file, document = argv[1:]
    try:
        docs, store = load_store(schema_dir)
        schema = docs[os.path.basename(schema_file)]
        with open(document, encoding="utf-8") as f:
            instance = json.load(f)
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        resolver = jsonschema.RefResolver(
            base_uri=schema.get("$id") or schema.get("id") or "",
            referrer=schema,
            store=store,
            handlers={"http": offline, "https": offline, "file": offline, "ftp": offline},
        )
        validator = cls(schema, resolver=resolver, format_checker=cls.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    except (OSError, ValueError, KeyError, jsonschema.SchemaError,
            jsonschema.RefResolutionError) as e:
        print("validate-schema: %s" % e, file=sys.stderr)
        return 2
    for e in errors[:20]:
        path = "/".join(str(p) for p in e.absolute_path)
        print("%s: /%s: %s" % (document, path, e.message), file=sys.stderr)
    if errors:
        print("%s: %d error(s) against %s" % (document, len(errors), schema_file),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
