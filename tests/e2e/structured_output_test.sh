#!/usr/bin/env bash
# End-to-end checks of structured output on the command line: `minke run` with --json-schema,
# --grammar and --regex on SmolLM2 (sampled, not greedy, so the constraint does the work), a
# reasoning model that thinks freely before its constrained answer, and the errors a user sees.
#   tests/e2e/structured_output_test.sh path/to/minke
set -eu
MINKE=$1
cd "$(dirname "$0")/../.."
source tests/e2e/assert.sh
SMOL=${MINKE_MODELS:-models}/SmolLM2-135M-Instruct.Q4_1.gguf
R1=tests/golden/data/models/tiny/r1-scripted.gguf
[ -f "$SMOL" ] || { echo "$SMOL is missing: run scripts/fetch-models.sh"; exit 1; }

cat >"$E2E_TMP/person.json" <<'JSON'
{"type": "object",
 "properties": {"name": {"type": "string", "maxLength": 20},
                "age": {"type": "integer", "minimum": 0, "maximum": 120},
                "email": {"type": "string", "format": "email"},
                "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 3}},
 "required": ["name", "age", "tags"], "additionalProperties": false}
JSON
# Checks the document with Python's json module (the schema's bounds by hand: no jsonschema
# package needed here; the conformance suite validates with it).
check_person() {
  python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert set(d) <= {"name", "age", "email", "tags"} and {"name", "age", "tags"} <= set(d), d
assert list(d)[:2] == ["name", "age"], "property order follows the schema"
assert isinstance(d["name"], str) and len(d["name"]) <= 20
assert isinstance(d["age"], int) and 0 <= d["age"] <= 120
assert isinstance(d["tags"], list) and len(d["tags"]) <= 3 and set(d["tags"]) <= set("abc")
' <<<"$OUT"
}
for seed in 1 2 3; do
  run "$MINKE" run -m "$SMOL" --no-stats -s "$seed" --temp 1.0 -n 300 \
    --json-schema "$E2E_TMP/person.json" -p "Describe a person as JSON."
  if [ "$RC" -eq 0 ] && check_person 2>"$E2E_TMP/why"; then
    pass "--json-schema output validates (seed $seed)"
  else
    ERR="$ERR $(cat "$E2E_TMP/why")"
    fail "--json-schema output validates (seed $seed)"
  fi
done

run "$MINKE" run -m "$SMOL" --no-stats -s 4 --temp 1.0 --raw -n 40 \
  --regex '[0-9]{3}-[0-9]{4}' -p "Call me at"
[[ "$OUT" =~ ^[0-9]{3}-[0-9]{4}$ ]] && pass "--regex output matches the whole expression" \
  || fail "--regex output matches the whole expression"

printf 'root ::= answer " because " [a-z ]{3,30} "."\nanswer ::= "yes" | "no"\n' \
  >"$E2E_TMP/yesno.gbnf"
run "$MINKE" run -m "$SMOL" --no-stats -s 5 --temp 1.0 -n 60 \
  --grammar "$E2E_TMP/yesno.gbnf" -p "Is the sky blue?"
[[ "$OUT" =~ ^(yes|no)\ because\ [a-z\ ]{3,30}\.$ ]] && pass "--grammar output is a sentence" \
  || fail "--grammar output is a sentence"

# The scripted R1 model thinks "Two plus two is four." unconstrained, then answers in JSON.
printf '{"type":"object","properties":{"answer":{"type":"integer","minimum":0,"maximum":9}},"required":["answer"],"additionalProperties":false}' \
  >"$E2E_TMP/answer.json"
run "$MINKE" run -m "$R1" --no-stats --temp 0 -n 200 --json-schema "$E2E_TMP/answer.json" -p "2+2?"
reasoning=$(sed -n '2p' <<<"$OUT")
answer=$(sed '1,/^<\/think>$/d' <<<"$OUT")
[ "$reasoning" = "Two plus two is four." ] \
  && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert list(d)==["answer"] and 0<=d["answer"]<=9' "$answer" \
  && pass "a reasoning model thinks freely, then answers in the schema" \
  || fail "a reasoning model thinks freely, then answers in the schema"

printf '{"type":"object","not":{"type":"null"}}' >"$E2E_TMP/bad.json"
run "$MINKE" run -m /nonexistent.gguf --json-schema "$E2E_TMP/bad.json" -p x
expect_error "an unsupported keyword is refused before the model loads, by name" "'not'"
run "$MINKE" run -m "$SMOL" --regex '(a)\1' -p x
expect_error "a regex backreference is refused" "backreference"
printf 'root ::= "a" | b\n' >"$E2E_TMP/undefined.gbnf"
run "$MINKE" run -m "$SMOL" --grammar "$E2E_TMP/undefined.gbnf" -p x
expect_error "a grammar with an undefined rule is refused, by name" "'b'"
printf '{"type": ' >"$E2E_TMP/truncated.json"
run "$MINKE" run -m "$SMOL" --json-schema "$E2E_TMP/truncated.json" -p x
expect_error "a schema that is not JSON is refused" "not valid JSON"
run "$MINKE" run -m "$SMOL" --json-schema "$E2E_TMP/person.json" --regex 'a' -p x
expect_usage_error "--json-schema and --regex together are a usage error"
run "$MINKE" run -m "$SMOL" --json-schema "$E2E_TMP/missing.json" -p x
expect_error "a missing schema file is named" "missing.json"

run "$MINKE" serve -m "$SMOL" --port 0 --tool-call-format bogus
expect_error "an unknown --tool-call-format is refused, naming the formats" "one of: generic, hermes"

finish
