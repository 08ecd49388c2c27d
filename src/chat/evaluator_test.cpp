// Evaluator: jinja2 semantics the golden fixtures do not pin down, runtime error messages and
// the limits that stop hostile templates.
#include "chat/evaluator.h"

#include <gtest/gtest.h>

#include "chat/parser.h"
#include "chat/template_error.h"

namespace minke::chat {
namespace {

std::string render(const std::string& source, EvalOptions opts = {}) {
  ValueDict vars = {{"xs", Value::list({Value(1), Value(2), Value(3)})},
                    {"d", Value::dict({{"a", Value(1)}})},
                    {"s", Value("héllo")}};
  return render_nodes(parse_template(source), Value::dict(vars), opts);
}

std::string error_of(const std::string& source, EvalOptions opts = {}) {
  try {
    render(source, opts);
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "";
}

TEST(ChatEvaluator, PythonValueSemantics) {
  EXPECT_EQ(render("{{ 1 == 1.0 }} {{ true == 1 }} {{ [1, 2] == [1, 2] }} {{ 'a' < 'b' }}"),
            "True True True True");
  EXPECT_EQ(render("{{ s|length }} {{ s[1] }} {{ s[-1] }} {{ s|upper }}"), "5 é o HÉLLO");
  EXPECT_EQ(render("{{ xs[5] }}|{{ d.missing }}|{{ d['a'] }}"), "||1");
  EXPECT_EQ(render("{{ 9007199254740993 }} {{ 2 ** 62 }}"), "9007199254740993 4611686018427387904");
}

TEST(ChatEvaluator, MacrosSeeTopLevelVariablesAtCallTime) {
  EXPECT_EQ(render("{% macro m() %}{{ v }}{% endmacro %}{% set v = 3 %}{{ m() }}"), "3");
  EXPECT_EQ(render("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
                   "{{ f(3) }}"),
            "321");
}

// Outputs checked against jinja2 3.1; under ASan/LeakSanitizer these also prove the macro and
// namespace reference cycles are freed and a macro outliving its defining call stays valid.
TEST(ChatEvaluator, MacrosAndNamespacesThatReferToThemselvesAreFreed) {
  EXPECT_EQ(render("{% set ns = namespace(n=1) %}{% set ns.me = ns %}{{ ns.me.me.n }}"), "1");
  EXPECT_EQ(render("{% macro outer(v) %}{% macro inner() %}{{ v }}{% endmacro %}"
                   "{% set ns.f = inner %}{% endmacro %}"
                   "{% set ns = namespace() %}{{ outer(7) }}{{ ns.f() }}"),
            "7");
  EXPECT_EQ(render("{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}c{% endcall %}"), "c");
}

TEST(ChatEvaluator, RuntimeErrorsCarryThePosition) {
  EXPECT_EQ(error_of("\n  {{ raise_exception('bad input') }}"), "chat template 2:6: bad input");
  EXPECT_EQ(error_of("{{ d.missing.deeper }}"),
            "chat template 1:13: 'dict object' has no attribute 'missing'");
  EXPECT_EQ(error_of("{{ nope.x }}"), "chat template 1:8: 'nope' is undefined");
  EXPECT_EQ(error_of("{{ 1 / 0 }}"), "chat template 1:6: division by zero");
  EXPECT_EQ(error_of("{% set x = 1 %}{% set x.y = 2 %}"),
            "chat template 1:19: cannot assign attribute on non-namespace object");
  EXPECT_EQ(error_of("{{ xs.pop() }}"),
            "chat template 1:6: access to attribute 'pop' of 'list' object is unsafe.");
  EXPECT_EQ(error_of("{{ 9223372036854775807 + 1 }}"), "chat template 1:24: integer overflow");
}

TEST(ChatEvaluator, HostileTemplatesHitLimitsInsteadOfHanging) {
  EXPECT_NE(error_of("{% for i in range(10**12) %}{% endfor %}").find("Range too big"),
            std::string::npos);
  EXPECT_NE(error_of("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(2) %}"
                     "{% endfor %}{% endfor %}{% endfor %}")
                .find("loop iterations exceed"),
            std::string::npos);
  EXPECT_NE(error_of("{{ 'x' * 10**12 }}").find("size limit"), std::string::npos);
  EXPECT_EQ(render("{{ '' * 10**15 }}|{{ ([] * 10**15) | length }}"), "|0");  // no 10**15 steps
  EXPECT_NE(error_of("{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
                     "{% set ns.s = ns.s + ns.s %}{% endfor %}")
                .find("size limit"),
            std::string::npos);
  EXPECT_NE(error_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").find("nested deeper"),
            std::string::npos);
  EvalOptions small;
  small.limits.max_output_bytes = 100;
  EXPECT_NE(error_of("{% for i in range(60) %}xx{% endfor %}", small).find("output exceeds"),
            std::string::npos);
  // Each value and each output stays under the limits, but a million of them would take hours.
  const std::string loop = "{% for i in range(1000) %}{% for j in range(1000) %}";
  for (const std::string& hostile :
       {loop + "{% set x = 'a' * 16000000 %}",
        "{% set s = 'a' * 8000000 %}" + loop + "{% set x = s|upper %}",
        "{% set s = 'a' * 8000000 %}" + loop + "{% set x %}{{ s }}{% endset %}",
        "{% macro m(s) %}{{ s }}{% endmacro %}{% set s = 'a' * 8000000 %}" + loop +
            "{% set x = m(s) %}",
        "{% set s = ['a'] * 1000000 %}" + loop + "{% set x = s[1:] %}"}) {
    EXPECT_NE(error_of(hostile + "{% endfor %}{% endfor %}").find("built more than"),
              std::string::npos)
        << hostile;
  }
  // A list counts as the Values it holds: range(100) is 100 of them; the text is 390 bytes,
  // counted twice (each `~` result built, then output).
  EvalOptions tight;
  tight.limits.max_built_bytes = 100 * sizeof(Value) + 1000;
  EXPECT_EQ(render("{% for i in range(100) %}{{ 'ab' ~ i }}{% endfor %}", tight).size(), 390u);
  EXPECT_NE(error_of("{% for i in range(300) %}{{ 'ab' ~ i }}{% endfor %}", tight)
                .find("built more than"),
            std::string::npos);
}

// Builtins that assemble a long text or list from small inputs stop at the value size limit
// before they build it, and a namespace that holds itself prints as jinja2 prints it (checked
// with jinja2 3.1's sandbox) instead of recursing without end.
TEST(ChatEvaluator, BuiltinsStopAtTheSizeLimitAndSelfReferencePrints) {
  const std::string big = "{% set s = 'a' * 4000000 %}";
  for (const std::string& hostile :
       {std::string("{{ 'a' | indent(10**15) }}"), std::string("{{ [1] | batch(10**9, 0) }}"),
        std::string("{% set s = 'a' * 8000 %}{{ s.replace('', s) }}"),
        big + "{{ ([s] * 4000) | join }}", big + "{{ ([s] * 4000) | tojson }}",
        big + "{{ [s] * 4000 }}", big + "{{ {'a': [s] * 4000} | string }}"}) {
    EXPECT_NE(error_of(hostile).find("exceeds the size limit"), std::string::npos) << hostile;
  }
  EXPECT_EQ(render("{{ 'abcabc'.replace('b', 'xyz') }}|{{ 'ab' | replace('', '-') }}|"
                   "{{ 'aaa'.replace('a', 'bb', 2) }}"),
            "axyzcaxyzc|-a-b-|bbbba");
  EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.x = ns %}{{ ns }}"),
            "<Namespace {'x': <Namespace {...}>}>");
  EXPECT_EQ(render("{% set ns = namespace(a=1) %}{% set ns.x = [ns] %}{{ ns.x }}"),
            "[<Namespace {'a': 1, 'x': [...]}>]");
  // A list nested 100,000 deep: printing and comparing it stop at a depth limit, and freeing
  // it does not recurse (under ASan's larger frames that overflowed the stack).
  const std::string deep =
      "{% set ns = namespace(x=1, y=1) %}{% for i in range(100000) %}"
      "{% set ns.x = [ns.x] %}{% set ns.y = [ns.y] %}{% endfor %}";
  EXPECT_NE(error_of(deep + "{{ ns.x }}").find("maximum recursion depth"), std::string::npos);
  EXPECT_NE(error_of(deep + "{{ ns.x == ns.y }}").find("maximum recursion depth"),
            std::string::npos);
  EXPECT_EQ(render(deep + "{{ ns.x == ns.x }}|{{ ns.x | length }}"), "True|1");
}

TEST(ChatEvaluator, StrftimeUsesTheInjectedClock) {
  EvalOptions opts;
  std::tm now{};
  now.tm_year = 124;
  now.tm_mon = 6;
  now.tm_mday = 26;
  opts.now = now;
  EXPECT_EQ(render("{{ strftime_now('%d %b %Y') }}", opts), "26 Jul 2024");
}

}  // namespace
}  // namespace minke::chat
