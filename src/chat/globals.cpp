// The global functions chat templates may call (see globals.h).
#include "chat/globals.h"

#include <chrono>
#include <cmath>
#include <ctime>

#include "chat/template_error.h"

namespace minke::chat {

void install_globals(std::unordered_map<std::string, Value>& vars, const GlobalsContext& context) {
  vars["range"] = Value::function("range", [](CallArgs& a) {
    for (const auto& v : a.positional)
      if (!v.is_int() && !v.is_bool())
        fail("'" + v.type_name() + "' object cannot be interpreted as an integer");
    int64_t start = 0, stop = 0, step = 1;
    if (a.positional.size() == 1) {
      stop = a.positional[0].as_int();
    } else if (a.positional.size() >= 2) {
      start = a.positional[0].as_int();
      stop = a.positional[1].as_int();
      if (a.positional.size() > 2) step = a.positional[2].as_int();
    } else {
      fail("range expected at least 1 argument, got 0");
    }
    if (step == 0) fail("range() arg 3 must not be zero");
    // jinja2's sandbox refuses ranges longer than MAX_RANGE (100000).
    long double n = step > 0 ? std::ceil((static_cast<long double>(stop) - start) / step)
                             : std::ceil((static_cast<long double>(start) - stop) / -step);
    if (n > 100000)
      fail("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    ValueList items;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) items.push_back(Value(i));
    return Value::list(std::move(items));
  });
  vars["namespace"] = Value::function("namespace", [track = context.track_namespace](CallArgs& a) {
    Value ns = Value::name_space();
    track(ns);
    for (const auto& p : a.positional) {
      if (!p.is_dict()) fail("namespace() positional argument must be a dict");
      for (const auto& [k, v] : p.entries()) ns.set(k, v);
    }
    for (const auto& [k, v] : a.keyword) ns.set(k, v);
    return ns;
  });
  vars["dict"] = Value::function("dict", [](CallArgs& a) {
    Value d = Value::dict();
    for (const auto& p : a.positional) {
      if (!p.is_dict()) fail("dict() positional argument must be a dict");
      for (const auto& [k, v] : p.entries()) d.set(k, v);
    }
    for (const auto& [k, v] : a.keyword) d.set(k, v);
    return d;
  });
  vars["raise_exception"] = Value::function(
      "raise_exception", [](CallArgs& a) -> Value { fail(a.get(0, "message").to_str()); });
  vars["strftime_now"] = Value::function("strftime_now", [now = context.now](CallArgs& a) {
    Value fmt = a.get(0, "format");
    if (!fmt.is_string()) fail("strftime_now() argument must be str");
    std::tm tm{};
    if (now) {
      tm = *now;
    } else {
      std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
      localtime_r(&t, &tm);
    }
    std::string buf(fmt.str().size() * 8 + 64, '\0');
    size_t n = std::strftime(buf.data(), buf.size(), fmt.str().c_str(), &tm);
    buf.resize(n);
    return Value(std::move(buf));
  });
}

}  // namespace minke::chat
