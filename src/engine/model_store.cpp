// ModelStore: see model_store.h. Downloads go through libcurl (redirects followed: Hugging Face
// answers with one to its CDN; HTTP errors fail; a stalled transfer times out), SHA-256 through
// OpenSSL's EVP, and the GGUF check through our own reader, which validates every offset.
#include "engine/model_store.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "gguf/gguf_file.h"
#include "minke/error.h"

namespace minke {
namespace fs = std::filesystem;
namespace {

constexpr const char* kHfEndpoint = "https://huggingface.co";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

bool plain_gguf_name(const std::string& name) {
  if (name.size() < 6 || name.size() > 255 || name[0] == '.') return false;
  if (name.substr(name.size() - 5) != ".gguf") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::string sha256_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw Error(path + ": cannot open: " + std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw Error("SHA-256 is not available (OpenSSL)");
  }
  std::vector<unsigned char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
  }
  if (std::ferror(f.get())) throw Error(path + ": read error");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

struct Transfer {
  FILE* file = nullptr;
  uint64_t offset = 0;  // bytes in the part before this transfer
  const PullOptions* options = nullptr;
  std::chrono::steady_clock::time_point last_report{};
};

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  return std::fwrite(data, size, n, t->file) * size;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  const auto clock = std::chrono::steady_clock::now();
  if (t->options->progress && clock - t->last_report > std::chrono::milliseconds(200)) {
    t->last_report = clock;
    t->options->progress(t->offset + static_cast<uint64_t>(now),
                         total > 0 ? t->offset + static_cast<uint64_t>(total) : 0);
  }
  return 0;
}

// One transfer into `part` from byte `offset` on. Returns the HTTP status (0 if none) and sets
// `error` to curl's message on failure.
long transfer(const std::string& url, const std::string& part, uint64_t offset,
              const PullOptions& options, CURLcode& code, std::string& error) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(part.c_str(), offset > 0 ? "ab" : "wb"),
                                          &std::fclose);
  if (!f) throw Error(part + ": cannot write: " + std::strerror(errno));
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw Error("cannot start a download (libcurl)");
  Transfer t{.file = f.get(), .offset = offset, .options = &options};
  char message[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "minke");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);  // under 1 B/s for a minute: stalled
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(offset));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, &curl_slist_free_all);
  if (const std::string token = env("HF_TOKEN"); !token.empty()) {
    headers.reset(curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  }
  code = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  error = message[0] != '\0' ? message : curl_easy_strerror(code);
  if (std::fflush(f.get()) != 0 && code == CURLE_OK) {
    code = CURLE_WRITE_ERROR;
    error = std::strerror(errno);
  }
  return status;
}

}  // namespace

std::string model_store_dir() {
  if (const std::string home = env("MINKE_HOME"); !home.empty()) return home;
  if (const std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty()) return xdg + "/minke/models";
  return env("HOME") + "/.cache/minke/models";
}

std::vector<StoredModel> list_stored_models() {
  std::vector<StoredModel> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(model_store_dir(), ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file(ec) || !plain_gguf_name(name)) continue;
    out.push_back({name, e.path().string(), static_cast<uint64_t>(e.file_size(ec))});
  }
  std::sort(out.begin(), out.end(),
            [](const StoredModel& a, const StoredModel& b) { return a.name < b.name; });
  return out;
}

std::optional<std::string> find_stored_model(const std::string& name) {
  std::error_code ec;
  if (name.empty() || name.find('/') != std::string::npos || fs::exists(name, ec)) {
    return std::nullopt;
  }
  for (const std::string& candidate : {name, name + ".gguf"}) {
    if (!plain_gguf_name(candidate)) continue;
    const fs::path p = fs::path(model_store_dir()) / candidate;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return std::nullopt;
}

PullSource parse_pull_source(const std::string& source) {
  PullSource s;
  if (source.rfind("hf:", 0) == 0) {
    // hf:OWNER/REPO/FILE.gguf (FILE may sit in a folder of the repository).
    const std::string rest = source.substr(3);
    const size_t a = rest.find('/');
    const size_t b = a == std::string::npos ? a : rest.find('/', a + 1);
    if (a == std::string::npos || b == std::string::npos || b + 1 >= rest.size()) {
      throw Error("'" + source + "' is not hf:OWNER/REPO/FILE.gguf");
    }
    std::string endpoint = env("MINKE_HF_ENDPOINT");
    if (endpoint.empty()) endpoint = kHfEndpoint;
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    s.url = endpoint + "/" + rest.substr(0, b) + "/resolve/main/" + rest.substr(b + 1);
  } else if (source.rfind("https://", 0) == 0 || source.rfind("http://", 0) == 0) {
    s.url = source;
  } else {
    throw Error("'" + source + "' is not a model source: give an https URL of a .gguf file or " +
                "hf:OWNER/REPO/FILE.gguf");
  }
  std::string path = s.url.substr(0, s.url.find_first_of("?#"));
  s.file_name = path.substr(path.rfind('/') + 1);
  if (!plain_gguf_name(s.file_name)) {
    throw Error("'" + source + "': the file name '" + s.file_name +
                "' must end in .gguf and use only letters, digits, '.', '_' and '-'");
  }
  return s;
}

std::string pull_model(const PullSource& source, const PullOptions& options) {
  const fs::path dir = model_store_dir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create the model store: " + ec.message());
  const std::string final_path = (dir / source.file_name).string();
  const std::string part = final_path + ".part";
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!curl_ready) throw Error("cannot start libcurl");

  uint64_t have = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
  CURLcode code = CURLE_OK;
  std::string error;
  long status = transfer(source.url, part, have, options, code, error);
  if (code == CURLE_RANGE_ERROR) {  // the server cannot resume: start again from zero
    have = 0;
    status = transfer(source.url, part, 0, options, code, error);
  }
  // 416: the part already holds the whole file (an earlier pull stopped before its checks).
  const bool complete_already = code == CURLE_HTTP_RETURNED_ERROR && status == 416 && have > 0;
  if (code != CURLE_OK && !complete_already) {
    // A cut-off transfer keeps what arrived for the next pull to resume; an empty part goes.
    uint64_t kept = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
    if (kept == 0) fs::remove(part, ec);
    throw Error(
        source.url + ": download failed: " + error +
        (kept > 0 ? " (" + std::to_string(kept) + " bytes kept: run the same pull again to resume)"
                  : ""));
  }
  try {
    GgufFile::open(part);  // validates the header, metadata and every tensor's extent
  } catch (const Error& e) {
    fs::remove(part, ec);
    throw Error(source.url + ": not a GGUF model Minke can read, deleted: " + e.what());
  }
  if (!options.sha256.empty()) {
    const std::string got = sha256_file(part);
    if (got != options.sha256) {
      fs::remove(part, ec);
      throw Error(source.url + ": SHA-256 is " + got + ", not " + options.sha256 + "; deleted");
    }
  }
  fs::rename(part, final_path, ec);
  if (ec) throw Error(final_path + ": cannot rename the download into place: " + ec.message());
  return final_path;
}

}  // namespace minke
