// PCRE2-backed regex splitting with llama.cpp's matching rules (see regex_splitter.h).
#include "tokenizer/regex_splitter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cstdio>

#include "core/check.h"
#include "minke/error.h"
#include "tokenizer/unicode_class.h"
#include "tokenizer/utf8.h"

namespace minke {
namespace {

// Class markers in collapsed text, and the ASCII members llama.cpp gives each class
// (unicode.cpp's k_ucat_map).
struct ClassInfo {
  const char* name;
  char marker;
  const char* ascii;
};
constexpr ClassInfo kClasses[] = {
    {"\\p{N}", '\xD1', "0-9"},
    {"\\p{L}", '\xD2', "A-Za-z"},
    {"\\p{P}", '\xD3', "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
    {"\\p{M}", '\xD4', ""},
    {"\\p{S}", '\xD5', "\\$\\+<->\\^`\\|~"},
};
constexpr char kOtherMarker = '\xD0';

pcre2_code* as_code(void* p) { return static_cast<pcre2_code*>(p); }

// Per-thread match state: match data and a JIT stack large enough for long runs.
struct MatchState {
  pcre2_match_data* data = pcre2_match_data_create(16, nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  MatchState() { pcre2_jit_stack_assign(context, nullptr, stack); }
  ~MatchState() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
    pcre2_match_data_free(data);
  }
};
MatchState& match_state() {
  thread_local MatchState state;
  return state;
}

}  // namespace

char collapse_cpt(uint32_t cpt) {
  if (cpt < 0x80) return static_cast<char>(cpt);
  switch (unicode_class(cpt)) {
    case CharClass::kWhitespace:
      return '\x0B';
    case CharClass::kNumber:
      return kClasses[0].marker;
    case CharClass::kLetter:
      return kClasses[1].marker;
    case CharClass::kPunct:
      return kClasses[2].marker;
    case CharClass::kMark:
      return kClasses[3].marker;
    case CharClass::kSymbol:
      return kClasses[4].marker;
    case CharClass::kOther:
      break;
  }
  return kOtherMarker;
}

void build_split_text(std::span<const uint32_t> cpts, bool need_collapsed, bool need_wide,
                      SplitText* out) {
  out->cpts = cpts;
  if (need_collapsed) {
    out->collapsed.resize(cpts.size());
    for (size_t i = 0; i < cpts.size(); ++i) out->collapsed[i] = collapse_cpt(cpts[i]);
  }
  if (need_wide) {
    out->wide.clear();
    out->wide_offset.resize(cpts.size() + 1);
    for (size_t i = 0; i < cpts.size(); ++i) {
      out->wide_offset[i] = out->wide.size();
      uint32_t c = cpts[i];
      if (c >= 0x80 && unicode_class(c) == CharClass::kWhitespace) c = 0x0B;
      // Surrogates cannot be matched by any class-free pattern; keep the subject valid UTF-8.
      if (c >= 0xD800 && c <= 0xDFFF) c = utf8::kReplacement;
      utf8::append(c, &out->wide);
    }
    out->wide_offset[cpts.size()] = out->wide.size();
  }
}

std::string RegexSplitter::collapse_pattern(std::string_view pattern) {
  std::string out;
  bool inside = false;  // inside [...]
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '[' && (i == 0 || pattern[i - 1] != '\\')) {
      out += c;
      inside = true;
      continue;
    }
    if (inside && c == ']' && pattern[i - 1] != '\\') {
      out += c;
      inside = false;
      continue;
    }
    bool replaced = false;
    for (const ClassInfo& cls : kClasses) {
      if (pattern.substr(i, 5) == cls.name) {
        if (!inside) out += '[';
        out += cls.marker;
        out += cls.ascii;
        if (!inside) out += ']';
        i += 4;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

RegexSplitter::RegexSplitter(std::string_view pattern) {
  // Letter-case classes (\p{Lu}, \p{Ll}, ...) have no collapsed form: such a regex runs
  // natively, with PCRE2's own Unicode properties.
  bool native = false;
  for (const char* cased : {"\\p{Lu}", "\\p{Ll}", "\\p{Lt}", "\\p{Lm}", "\\p{Lo}"}) {
    native = native || pattern.find(cased) != std::string_view::npos;
  }
  for (const ClassInfo& cls : kClasses) {
    if (!native && pattern.find(cls.name) != std::string_view::npos) collapsed_ = true;
  }
  std::string compiled;
  uint32_t options = PCRE2_DOLLAR_ENDONLY;  // ECMAScript '$' matches only at the very end
  if (native) options |= PCRE2_UCP;
  if (collapsed_) {
    for (char c : pattern) MINKE_CHECK(static_cast<unsigned char>(c) < 0x80);
    compiled = collapse_pattern(pattern);
  } else {
    compiled = std::string(pattern);
    options |= PCRE2_UTF;
  }
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compiled.data()), compiled.size(),
                                   options, &error, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    // Patterns are compiled-in constants, so this is a programming error, reported precisely.
    std::fprintf(stderr, "minke: internal error: pre-tokenizer regex at offset %zu: %s\n",
                 static_cast<size_t>(error_offset), reinterpret_cast<const char*>(message));
    MINKE_CHECK(code != nullptr);
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is absent
  code_ = code;
}

RegexSplitter::~RegexSplitter() { pcre2_code_free(as_code(code_)); }

std::vector<size_t> RegexSplitter::split(const SplitText& text,
                                         const std::vector<size_t>& pieces) const {
  MatchState& state = match_state();
  std::vector<size_t> out;
  out.reserve(pieces.size() * 2);
  size_t start = 0;  // code point index of the current piece
  for (const size_t len : pieces) {
    const char* subject;
    size_t subject_len;
    if (collapsed_) {
      subject = text.collapsed.data() + start;
      subject_len = len;
    } else {
      subject = text.wide.data() + text.wide_offset[start];
      subject_len = text.wide_offset[start + len] - text.wide_offset[start];
    }
    // Converts a byte offset inside the subject to a code point offset inside the piece.
    auto to_cpt = [&](size_t byte_off) -> size_t {
      if (collapsed_) return byte_off;
      const size_t abs = text.wide_offset[start] + byte_off;
      auto it = std::lower_bound(text.wide_offset.begin() + start,
                                 text.wide_offset.begin() + start + len + 1, abs);
      return static_cast<size_t>(it - (text.wide_offset.begin() + start));
    };
    size_t last_end = 0;  // in code points
    size_t pos = 0;       // in subject bytes
    while (pos <= subject_len) {
      const int rc =
          pcre2_match(as_code(code_), reinterpret_cast<PCRE2_SPTR>(subject), subject_len, pos,
                      collapsed_ ? 0 : PCRE2_NO_UTF_CHECK, state.data, state.context);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      MINKE_CHECK(rc >= 0);
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(state.data);
      const size_t ms = to_cpt(ov[0]), me = to_cpt(ov[1]);
      if (me == ms) {  // no pre-tokenizer regex matches empty; never loop on one
        pos = ov[0] + 1;
        while (!collapsed_ && pos < subject_len && (subject[pos] & 0xC0) == 0x80) ++pos;
        continue;
      }
      if (ms > last_end) out.push_back(ms - last_end);
      out.push_back(me - ms);
      last_end = me;
      pos = ov[1];
    }
    if (last_end < len) out.push_back(len - last_end);
    start += len;
  }
  return out;
}

}  // namespace minke
