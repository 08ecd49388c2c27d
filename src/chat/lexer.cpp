// Jinja2 lexer for chat templates (see lexer.h).
#include "chat/lexer.h"

#include <cctype>
#include <string>

#include "chat/py_str.h"
#include "chat/template_error.h"

namespace minke::chat {
namespace {

class Lexer {
 public:
  Lexer(std::string source, const LexerOptions& options)
      : src_(std::move(source)), opts_(options) {}

  std::vector<Token> run() {
    bool line_starting = true;
    while (pos_ < src_.size()) {
      size_t start = find_tag(pos_);
      if (start == std::string::npos) {
        emit_data(src_.substr(pos_), pos_);
        pos_ = src_.size();
        break;
      }
      char kind = src_[start + 1];  // '{', '%' or '#'
      char sign = start + 2 < src_.size() ? src_[start + 2] : '\0';
      std::string text = src_.substr(pos_, start - pos_);
      if (sign == '-') {
        text = rstrip_ws(text);
      } else if (sign != '+' && opts_.lstrip_blocks && kind != '{') {
        size_t l_pos = text.rfind('\n');
        l_pos = l_pos == std::string::npos ? 0 : l_pos + 1;
        if ((l_pos > 0 || line_starting) && is_all_space(text.substr(l_pos))) text.resize(l_pos);
      }
      emit_data(text, pos_);
      size_t inner = start + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
      if (kind == '#') {
        line_starting = lex_comment(start, inner);
      } else if (kind == '%' && try_raw(start, inner)) {
        line_starting = pos_ > 0 && src_[pos_ - 1] == '\n';
      } else {
        push(kind == '{' ? TokenType::kVarBegin : TokenType::kBlockBegin, kind == '{' ? "{{" : "{%",
             start);
        line_starting = lex_tag(inner, kind == '%');
      }
    }
    push(TokenType::kEof, "", src_.size());
    return std::move(tokens_);
  }

 private:
  size_t find_tag(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#'))
        return i;
    }
    return std::string::npos;
  }

  static std::string rstrip_ws(const std::string& s) { return py::strip(s, {}, false, true); }
  static bool is_all_space(const std::string& s) {
    for (char32_t c : py::decode(s))
      if (!py::is_space(c)) return false;
    return true;
  }

  void location(size_t offset, int& line, int& column) const {
    // Tokens are few; a forward scan from the last known point keeps this linear.
    while (loc_offset_ < offset) {
      if (src_[loc_offset_] == '\n') {
        ++loc_line_;
        loc_col_ = 1;
      } else if ((static_cast<unsigned char>(src_[loc_offset_]) & 0xc0) != 0x80) {
        ++loc_col_;
      }
      ++loc_offset_;
    }
    line = loc_line_;
    column = loc_col_;
  }

  [[noreturn]] void error(size_t offset, const std::string& message) const {
    int line, column;
    location(offset, line, column);
    throw TemplateError(at(line, column, message), true);
  }

  void push(TokenType type, std::string value, size_t offset) {
    Token t{type, std::move(value)};
    location(offset, t.line, t.column);
    tokens_.push_back(std::move(t));
  }

  void emit_data(const std::string& text, size_t offset) {
    if (!text.empty()) push(TokenType::kData, text, offset);
  }

  // Skips whitespace after a tag end marked with '-'. Returns the new position.
  size_t skip_space(size_t p) const {
    while (p < src_.size()) {
      size_t n = 1;
      unsigned char c = src_[p];
      if (c >= 0x80) {  // multi-byte: decode one code point
        n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
        std::vector<char32_t> cp = py::decode(std::string_view(src_).substr(p, n));
        if (cp.size() != 1 || !py::is_space(cp[0])) break;
      } else if (!py::is_space(c)) {
        break;
      }
      p += n;
    }
    return p;
  }

  // End of a block/comment tag at `p` (pointing at '%}' or '#}', possibly after '-'/'+').
  // Returns the position after the tag including what trim_blocks/'-' consume.
  size_t after_end(size_t p, char sign, bool block_like) const {
    size_t q = p + 2;
    if (sign == '-') return skip_space(q);
    if (sign != '+' && block_like && opts_.trim_blocks && q < src_.size() && src_[q] == '\n')
      return q + 1;
    return q;
  }

  bool lex_comment(size_t start, size_t inner) {
    size_t end = src_.find("#}", inner);
    if (end == std::string::npos) error(start, "missing end of comment tag");
    char sign = end > inner && (src_[end - 1] == '-' || src_[end - 1] == '+') ? src_[end - 1] : 0;
    pos_ = after_end(end, sign, true);
    return src_[pos_ - 1] == '\n';
  }

  // {% raw %}...{% endraw %}: the body is data, never parsed.
  bool try_raw(size_t start, size_t inner) {
    size_t p = inner;
    while (p < src_.size() && std::isspace(static_cast<unsigned char>(src_[p]))) ++p;
    if (src_.compare(p, 3, "raw") != 0) return false;
    p += 3;
    while (p < src_.size() && std::isspace(static_cast<unsigned char>(src_[p]))) ++p;
    char sign = 0;
    if (p < src_.size() && src_[p] == '-') sign = src_[p++];
    if (src_.compare(p, 2, "%}") != 0) return false;
    size_t body = sign == '-' ? skip_space(p + 2) : p + 2;
    for (size_t e = src_.find("{%", body); e != std::string::npos; e = src_.find("{%", e + 2)) {
      size_t q = e + 2;
      char open_sign = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q++] : 0;
      while (q < src_.size() && std::isspace(static_cast<unsigned char>(src_[q]))) ++q;
      if (src_.compare(q, 6, "endraw") != 0) continue;
      q += 6;
      while (q < src_.size() && std::isspace(static_cast<unsigned char>(src_[q]))) ++q;
      char close_sign = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) close_sign = src_[q++];
      if (src_.compare(q, 2, "%}") != 0) continue;
      std::string text = src_.substr(body, e - body);
      if (open_sign == '-') text = rstrip_ws(text);
      emit_data(text, body);
      pos_ = after_end(q, close_sign, true);
      return true;
    }
    error(start, "missing end of raw directive");
  }

  // Expression tokens until the closing '}}' or '%}'. Returns line_starting for what follows.
  bool lex_tag(size_t p, bool block) {
    const char* close = block ? "%}" : "}}";
    int depth = 0;  // brackets open; '}}' inside a dict literal is not the end
    while (true) {
      while (p < src_.size() && std::isspace(static_cast<unsigned char>(src_[p]))) ++p;
      if (p >= src_.size())
        error(p, block ? "unexpected end of template, expected '%}'"
                       : "unexpected end of template, expected '}}'");
      char c = src_[p];
      // End markers: '-%}', '+%}', '%}' (blocks), '-}}', '}}' (variables).
      if (depth == 0 || block) {
        char sign = 0;
        size_t q = p;
        if ((c == '-' || (c == '+' && block)) && src_.compare(p + 1, 2, close) == 0) {
          sign = c;
          q = p + 1;
        }
        if (src_.compare(q, 2, close) == 0 && (depth == 0 || block)) {
          push(block ? TokenType::kBlockEnd : TokenType::kVarEnd, close, p);
          pos_ = after_end(q, sign, block);
          return src_[pos_ - 1] == '\n';
        }
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t s = p;
        while (p < src_.size() &&
               (std::isalnum(static_cast<unsigned char>(src_[p])) || src_[p] == '_'))
          ++p;
        push(TokenType::kName, src_.substr(s, p - s), s);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        p = lex_number(p);
      } else if (c == '\'' || c == '"') {
        p = lex_string(p);
      } else {
        static const char* kOps[] = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "*",
                                     "/",  "%",  "~",  "(",  ")",  "[",  "]", "{", "}",
                                     ",",  ".",  ":",  "|",  "=",  "<",  ">", ";"};
        const char* op = nullptr;
        for (const char* candidate : kOps) {
          if (src_.compare(p, std::char_traits<char>::length(candidate), candidate) == 0) {
            op = candidate;
            break;
          }
        }
        if (!op) error(p, std::string("unexpected char '") + c + "'");
        std::string o = op;
        if (o == "(" || o == "[" || o == "{") ++depth;
        if ((o == ")" || o == "]" || o == "}") && depth > 0) --depth;
        push(TokenType::kOperator, o, p);
        p += o.size();
      }
    }
  }

  size_t lex_number(size_t p) {
    size_t s = p;
    auto digits = [&] {
      while (p < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[p])) ||
                                 (src_[p] == '_' && p + 1 < src_.size() &&
                                  std::isdigit(static_cast<unsigned char>(src_[p + 1])))))
        ++p;
    };
    digits();
    bool is_float = false;
    if (p + 1 < src_.size() && src_[p] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[p + 1]))) {
      is_float = true;
      ++p;
      digits();
    }
    if (p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
      size_t q = p + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      if (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) {
        is_float = true;
        p = q;
        digits();
      }
    }
    std::string text;
    for (size_t i = s; i < p; ++i)
      if (src_[i] != '_') text += src_[i];
    push(is_float ? TokenType::kFloat : TokenType::kInteger, text, s);
    return p;
  }

  // Python string literal escapes, as jinja2 decodes them ("unicode-escape").
  size_t lex_string(size_t p) {
    char quote = src_[p];
    size_t s = p++;
    std::string out;
    while (true) {
      if (p >= src_.size()) error(s, "unexpected end of string");
      char c = src_[p];
      if (c == quote) break;
      if (c != '\\' || p + 1 >= src_.size()) {
        out += c;
        ++p;
        continue;
      }
      char e = src_[p + 1];
      p += 2;
      auto hex = [&](int n) -> char32_t {
        if (p + n > src_.size()) error(s, "truncated \\x/\\u escape in string");
        char32_t v = 0;
        for (int i = 0; i < n; ++i) {
          char h = src_[p + i];
          if (!std::isxdigit(static_cast<unsigned char>(h)))
            error(s, "truncated \\x/\\u escape in string");
          v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0'
                                                                    : (std::tolower(h) - 'a' + 10));
        }
        p += n;
        return v;
      };
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '\n':
          break;  // line continuation
        case 'x':
          py::append_utf8(out, hex(2));
          break;
        case 'u':
          py::append_utf8(out, hex(4));
          break;
        case 'U':
          py::append_utf8(out, hex(8));
          break;
        default:
          if (e >= '0' && e <= '7') {
            char32_t v = e - '0';
            for (int i = 0; i < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++i)
              v = v * 8 + (src_[p++] - '0');
            py::append_utf8(out, v);
          } else {  // unknown escapes stay as written
            out += '\\';
            out += e;
          }
      }
    }
    push(TokenType::kString, out, s);
    return p + 1;
  }

  std::string src_;
  LexerOptions opts_;
  size_t pos_ = 0;
  std::vector<Token> tokens_;
  mutable size_t loc_offset_ = 0;
  mutable int loc_line_ = 1;
  mutable int loc_col_ = 1;
};

// jinja2 first turns \r\n and \r into \n and drops one trailing newline
// (keep_trailing_newline=False).
std::string normalize(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexerOptions& options) {
  return Lexer(normalize(source), options).run();
}

}  // namespace minke::chat
