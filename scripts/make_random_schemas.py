#!/usr/bin/env python3
"""Seeded random JSON Schemas for the structured-output conformance harness
(tests/conformance/json_schema_conformance.py).

Every schema uses only features the grammar engine is meant to support, so every one must compile:
objects with required and optional properties (additionalProperties false or true), nested objects
and arrays (minItems/maxItems <= 4), prefixItems, enums, consts, strings with minLength/maxLength,
simple patterns (^[a-z]{2,5}$ ...), formats date/time/date-time/uuid/email, integers with
minimum/maximum, numbers with minimum 0, booleans, nulls, anyOf, and $defs/$ref, including recursive
ones (a tree of nodes, a linked list). The root is always an object. Draft 2020-12.

The same --seed gives the same schemas (Python's random.Random with an integer seed is stable across
Python versions for randrange/choice/random/shuffle).
    scripts/make_random_schemas.py [--count 300] [--seed 0] [--out DIR]
writes DIR/random-0000.json ... (default DIR: build/random-schemas) and DIR/_features.json (which
features each schema uses). From Python: `generate(count, seed)` returns [(name, schema, features)].
"""
import argparse
import json
import pathlib
import random
import sys

DRAFT = "https://json-schema.org/draft/2020-12/schema"

WORDS = ["name", "title", "id", "city", "country", "email", "age", "count", "price", "score",
         "tags", "items", "owner", "status", "kind", "label", "note", "color", "size", "level",
         "created", "updated", "start", "end", "author", "version", "enabled", "active", "rating",
         "width", "height", "weight", "code", "region", "street", "zip", "phone", "user", "team",
         "project", "task", "priority", "due", "amount", "currency", "unit", "value", "key", "mode",
         "source", "target", "message", "summary", "language", "category", "quantity", "discount"]
ENUM_WORDS = ["red", "green", "blue", "small", "medium", "large", "low", "high", "open", "closed",
              "draft", "done", "alpha", "beta", "north", "south", "cat", "dog", "yes", "no"]
PATTERNS = ["^[a-z]{2,5}$", "^[A-Z][a-z]{1,8}$", "^[0-9]{3}-[0-9]{4}$", "^(red|green|blue)$",
            "^[a-f0-9]{8}$", "^[A-Z]{2}[0-9]{2}$", "^v[0-9]\\.[0-9]{1,2}$", "^[a-z]+_[a-z]+$"]
FORMATS = ["date", "time", "date-time", "uuid", "email"]


class Gen:
    """One schema's generator: a node budget keeps each schema small enough to be answered in a few
    hundred tokens."""

    def __init__(self, rng):
        self.r = rng
        self.features = set()
        self.defs = {}
        self.budget = rng.randint(6, 22)

    def feat(self, name):
        self.features.add(name)

    def names(self, n):
        return self.r.sample(WORDS, n)

    # --- leaves -----------------------------------------------------------------------------
    def string(self):
        r = self.r
        k = r.random()
        if k < 0.25:
            self.feat("format")
            return {"type": "string", "format": r.choice(FORMATS)}
        if k < 0.42:
            self.feat("pattern")
            return {"type": "string", "pattern": r.choice(PATTERNS)}
        if k < 0.85:
            self.feat("minLength/maxLength")
            lo = r.choice([0, 0, 1, 2, 3])
            s = {"type": "string", "maxLength": r.randint(max(lo, 1), 24)}
            if lo:
                s["minLength"] = lo
            return s
        return {"type": "string"}

    def integer(self):
        r = self.r
        k = r.random()
        if k < 0.5:
            self.feat("integer minimum/maximum")
            lo = r.choice([-100, -10, 0, 0, 1, 18, 1900])
            return {"type": "integer", "minimum": lo, "maximum": lo + r.choice([0, 1, 9, 99, 1000])}
        if k < 0.7:
            self.feat("integer minimum/maximum")
            return {"type": "integer", "minimum": r.choice([0, 1, 5])}
        if k < 0.8:
            self.feat("integer minimum/maximum")
            return {"type": "integer", "maximum": r.choice([0, 10, 100])}
        return {"type": "integer"}

    def number(self):
        if self.r.random() < 0.6:
            self.feat("number minimum 0")
            return {"type": "number", "minimum": 0}
        return {"type": "number"}

    def enum(self):
        r = self.r
        self.feat("enum")
        k = r.random()
        if k < 0.6:
            return {"type": "string", "enum": r.sample(ENUM_WORDS, r.randint(2, 5))}
        if k < 0.8:
            return {"type": "integer", "enum": sorted(r.sample(range(0, 20), r.randint(2, 4)))}
        return {"enum": r.sample(["a", "b", 1, 2.5, True, None], r.randint(2, 4))}

    def const(self):
        self.feat("const")
        return {"const": self.r.choice(["v1", "fixed", 42, 0, True, None, "2024-01-01"])}

    def leaf(self):
        r = self.r
        self.budget -= 1
        k = r.random()
        if k < 0.35:
            return self.string()
        if k < 0.52:
            return self.integer()
        if k < 0.62:
            return self.number()
        if k < 0.72:
            return {"type": "boolean"}
        if k < 0.85:
            return self.enum()
        if k < 0.92:
            return self.const()
        if k < 0.95:
            return {"type": "null"}
        return self.nullable(self.string())

    # --- composites -------------------------------------------------------------------------
    def nullable(self, s):
        self.feat("anyOf")
        return {"anyOf": [s, {"type": "null"}]}

    def any_of(self, depth):
        self.feat("anyOf")
        self.budget -= 1
        r = self.r
        if depth < 2 and r.random() < 0.4:
            return {"anyOf": [self.obj(depth + 1, small=True), self.obj(depth + 1, small=True)]}
        picks = r.sample([self.string, self.integer, self.number, self.enum,
                          lambda: {"type": "boolean"}, lambda: {"type": "null"}], r.randint(2, 3))
        return {"anyOf": [p() for p in picks]}

    def array(self, depth):
        r = self.r
        self.feat("array")
        self.budget -= 1
        if r.random() < 0.2:
            return self.prefix_items(depth)
        s = {"type": "array", "items": self.value(depth + 1, small=True)}
        if r.random() < 0.75:
            self.feat("minItems/maxItems")
            lo = r.randint(0, 2)
            s["maxItems"] = r.randint(max(lo, 1), 4)
            if lo:
                s["minItems"] = lo
        return s

    def prefix_items(self, depth):
        r = self.r
        self.feat("prefixItems")
        n = r.randint(1, 3)
        s = {"type": "array", "prefixItems": [self.leaf() for _ in range(n)]}
        k = r.random()
        if k < 0.5:
            s["items"] = False
            if r.random() < 0.5:
                self.feat("minItems/maxItems")
                s["minItems"] = n
        else:
            s["items"] = self.leaf()
            self.feat("minItems/maxItems")
            s["maxItems"] = r.randint(n, 4)
            s["minItems"] = r.randint(0, n)
        return s

    def obj(self, depth, small=False):
        r = self.r
        self.budget -= 1
        n = r.randint(1, 3 if small or depth > 0 else 5)
        props = {}
        for name in self.names(n):
            props[name] = self.value(depth + 1)
        s = {"type": "object", "properties": props}
        req = [k for k in props if r.random() < 0.6]
        if req:
            s["required"] = req
        if len(req) < len(props):
            self.feat("optional properties")
        k = r.random()
        if k < 0.6:
            self.feat("additionalProperties false")
            s["additionalProperties"] = False
        elif k < 0.8:
            self.feat("additionalProperties true")
            s["additionalProperties"] = True
        if depth > 0:
            self.feat("nested object")
        return s

    def ref(self, depth):
        """A reference to a shared definition, made on first use. Only finished definitions are
        reused, so these references never form a cycle (recursive() makes the deliberate ones)."""
        done = sorted(k for k, v in self.defs.items() if v is not None)
        if done and self.r.random() < 0.5:
            self.feat("$defs/$ref")
            self.budget -= 1
            return {"$ref": "#/$defs/" + self.r.choice(done)}
        free = [n for n in ["address", "tag", "money", "person", "point", "range", "contact"]
                if n not in self.defs]
        if not free:
            return self.leaf()
        self.feat("$defs/$ref")
        self.budget -= 1
        name = self.r.choice(free)
        self.defs[name] = None  # being made: not reusable until finished
        self.defs[name] = self.obj(depth + 1, small=True) if self.r.random() < 0.7 else self.leaf()
        return {"$ref": "#/$defs/" + name}

    def recursive(self):
        """A tree of nodes or a linked list: a $ref back into its own definition."""
        self.feat("recursive $ref")
        self.budget -= 2
        r = self.r
        if r.random() < 0.5:
            name = "node"
            self.defs[name] = {
                "type": "object",
                "properties": {"value": self.leaf(),
                               "children": {"type": "array", "items": {"$ref": "#/$defs/node"},
                                            "maxItems": r.randint(1, 3)}},
                "required": ["value"],
                "additionalProperties": False,
            }
        else:
            name = "list_node"
            self.defs[name] = {
                "type": "object",
                "properties": {"value": self.leaf(),
                               "next": {"anyOf": [{"$ref": "#/$defs/list_node"}, {"type": "null"}]}},
                "required": ["value"] + (["next"] if r.random() < 0.5 else []),
                "additionalProperties": False,
            }
            self.feat("anyOf")
        return {"$ref": "#/$defs/" + name}

    def value(self, depth, small=False):
        r = self.r
        if depth >= 3 or self.budget <= 0:
            return self.leaf()
        k = r.random()
        if k < 0.5 or (small and k < 0.7):
            return self.leaf()
        if k < 0.65:
            return self.obj(depth, small=True)
        if k < 0.8:
            return self.array(depth)
        if k < 0.9:
            return self.any_of(depth)
        return self.ref(depth)


def make_schema(rng, index):
    g = Gen(rng)
    root = g.obj(0)
    if rng.random() < 0.12:  # a recursive structure under one more root property
        name = rng.choice(["tree", "chain", "root_node"])
        if name not in root["properties"]:
            root["properties"][name] = g.recursive()
            if rng.random() < 0.5:
                root.setdefault("required", []).append(name)
    schema = {"$schema": DRAFT, "title": f"random-{index:04d}"}
    schema.update(root)
    if g.defs:
        schema["$defs"] = g.defs
    return schema, sorted(g.features)


def generate(count=300, seed=0):
    """[(name, schema, features)] for `count` schemas from `seed`."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        schema, features = make_schema(random.Random(rng.getrandbits(64)), i)
        out.append((f"random-{i:04d}", schema, features))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", "-n", type=int, default=300, help="how many schemas (default 300)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--out", default="build/random-schemas", help="output directory")
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    features = {}
    for name, schema, feats in generate(a.count, a.seed):
        (out / f"{name}.json").write_text(json.dumps(schema, indent=2) + "\n")
        features[name] = feats
    (out / "_features.json").write_text(json.dumps({"seed": a.seed, "count": a.count,
                                                    "features": features}, indent=1) + "\n")
    print(f"wrote {a.count} schemas to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
