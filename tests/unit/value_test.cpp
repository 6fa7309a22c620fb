#include "sweep/value.hpp"

#include <doctest/doctest.h>

#include "core/json_text.hpp"

using namespace sweep;

TEST_CASE("list items are typed as JSON would read them") {
  CHECK(std::get<std::int64_t>(parse_scalar("42")) == 42);
  CHECK(std::get<std::int64_t>(parse_scalar("-7")) == -7);
  CHECK(std::get<double>(parse_scalar("0.5")) == 0.5);
  CHECK(std::get<double>(parse_scalar("1e3")) == 1000.0);
  CHECK(std::get<bool>(parse_scalar("true")) == true);
  CHECK(std::get<bool>(parse_scalar("false")) == false);
  // Not JSON numbers: stay strings, so zero-padded ids survive.
  CHECK(std::get<std::string>(parse_scalar("007")) == "007");
  CHECK(std::get<std::string>(parse_scalar("1.")) == "1.");
  CHECK(std::get<std::string>(parse_scalar("+1")) == "+1");
  CHECK(std::get<std::string>(parse_scalar("gini")) == "gini");
  CHECK(std::get<std::string>(parse_scalar("nan")) == "nan");
  CHECK(std::get<std::string>(parse_scalar("True")) == "True");
  // Too large for 64 bits: read as a float, as JSON parsers do.
  CHECK(std::holds_alternative<double>(parse_scalar("99999999999999999999")));
}

TEST_CASE("values render as text for commands") {
  CHECK(to_text(Value{std::int64_t{3}}) == "3");
  CHECK(to_text(Value{0.1}) == "0.1");
  CHECK(to_text(Value{1e-7}) == "1e-07");
  CHECK(to_text(Value{2.0}) == "2");
  CHECK(to_text(Value{true}) == "true");
  CHECK(to_text(Value{std::string("a b")}) == "a b");
}

TEST_CASE("values render as JSON, floats staying floats") {
  auto json = [](const Value& v) {
    std::string s;
    append_json(s, v);
    return s;
  };
  CHECK(json(std::int64_t{-3}) == "-3");
  CHECK(json(2.0) == "2.0");
  CHECK(json(0.25) == "0.25");
  CHECK(json(1e21) == "1e+21");
  CHECK(json(false) == "false");
  CHECK(json(std::string("q\"")) == "\"q\\\"\"");
}

TEST_CASE("JSON strings are escaped and invalid UTF-8 is replaced") {
  auto q = [](std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
  };
  CHECK(q("plain") == "\"plain\"");
  CHECK(q("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(q("tab\tnl\n") == "\"tab\\tnl\\n\"");
  CHECK(q(std::string_view("\x01", 1)) == "\"\\u0001\"");
  CHECK(q("caf\xC3\xA9") == "\"caf\xC3\xA9\"");            // valid UTF-8 kept
  CHECK(q("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");  // 4-byte emoji
  CHECK(q("a\xFFz") == "\"a\xEF\xBF\xBDz\"");              // invalid byte
  CHECK(q("\xC3") == "\"\xEF\xBF\xBD\"");                  // truncated
  CHECK(q("\xED\xA0\x80") ==
        "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
}

TEST_CASE("JSON objects are recognised on a line") {
  CHECK(is_json_object("{\"a\": 1}"));
  CHECK(is_json_object("  {\"a\": {\"b\": [1, 2]}}  "));
  CHECK_FALSE(is_json_object("[1, 2]"));
  CHECK_FALSE(is_json_object("{\"a\": 1} trailing"));
  CHECK_FALSE(is_json_object("{not json}"));
  CHECK_FALSE(is_json_object("{\"a\": \"\xFF\"}"));  // invalid UTF-8
  CHECK_FALSE(is_json_object(""));
}

TEST_CASE("the word-at-a-time plain-text check agrees with a byte loop") {
  auto reference = [](std::string_view s) {
    for (unsigned char c : s)
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
    return true;
  };
  std::string base = "abcdefghijklmnopqrstuvwxyz0123";
  for (size_t len = 0; len <= base.size(); ++len) {
    std::string s = base.substr(0, len);
    CHECK(is_plain_json_text(s));
    for (size_t pos = 0; pos < len; ++pos)
      for (char bad :
           {'"', '\\', '\n', '\x1f', '\x7f', '\x80', '\xff', ' ', '~'}) {
        std::string t = s;
        t[pos] = bad;
        CAPTURE(t);
        CHECK(is_plain_json_text(t) == reference(t));
      }
  }
}
