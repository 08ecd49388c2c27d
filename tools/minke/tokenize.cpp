// `minke tokenize`: the token ids a model's tokenizer gives for a text, exactly
// as llama.cpp's tokenize tool does (BOS when the model adds it, special-token
// text parsed), as "id -> 'piece'" lines or, with --json, one JSON array.
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "engine/model_text.h"
#include "minke/error.h"
#include "minke/terminal_text.h"
#include "read_file.h"

namespace minke::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::string file;
  std::string pre;
  bool json = false;
  bool no_bos = false;
  bool no_parse_special = false;
};

// Makes a piece printable on one line: escapes control characters and quotes.
std::string escape_piece(const std::string& piece) {
  std::string out;
  for (const unsigned char c : piece) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

int run_tokenize(const TokenizeOptions& opts) {
  const std::string text = opts.file.empty() ? opts.text : read_text_file(opts.file);
  const std::vector<TokenPiece> tokens = tokenize_text({.model = opts.model,
                                                        .pre = opts.pre,
                                                        .add_special = !opts.no_bos,
                                                        .parse_special = !opts.no_parse_special},
                                                       text);
  if (opts.json) {
    std::string line = "[";
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) line += ',';
      line += std::to_string(tokens[i].id);
    }
    std::printf("%s]\n", line.c_str());
    return 0;
  }
  for (const TokenPiece& t : tokens) {
    std::printf("%6d -> '%s'\n", t.id, terminal_safe(escape_piece(t.piece)).c_str());
  }
  std::fprintf(stderr, "%zu tokens\n", tokens.size());
  return 0;
}

}  // namespace

Command add_tokenize_command(CLI::App& app) {
  auto opts = std::make_shared<TokenizeOptions>();
  CLI::App* sub = app.add_subcommand(
      "tokenize",
      "Show the tokens a model's tokenizer gives for a text (use -- before a text that starts "
      "with '-')");
  sub->add_option("-m,--model", opts->model, "GGUF model or vocabulary file")
      ->required()
      ->type_name("FILE")
      ->transform(model_path());
  auto* text = sub->add_option("text", opts->text, "Text to tokenize");
  auto* file = sub->add_option("-f,--file", opts->file, "Read the text from a file ('-': stdin)")
                   ->type_name("FILE");
  text->excludes(file);
  sub->add_flag("--json", opts->json, "Print only the ids, as one JSON array");
  sub->add_flag("--no-bos", opts->no_bos, "Do not add BOS/EOS even if the model asks for them");
  sub->add_flag("--no-parse-special", opts->no_parse_special,
                "Tokenize special-token text such as <|im_start|> as plain text");
  sub->add_option("--pre-tokenizer", opts->pre,
                  "Use this pre-tokenizer instead of the model's (byte-level BPE only)")
      ->type_name("NAME");
  sub->callback([sub, text, file] {
    if (text->count() == 0 && file->count() == 0) {
      throw CLI::RequiredError("a text to tokenize (or -f FILE)");
    }
  });
  return {sub, [opts] { return run_tokenize(*opts); }};
}

}  // namespace minke::cli
