// The names of the filters and tests the chat template renderer implements (jinja_filters.cpp, jinja_is_tests.cpp),
// and of the ones Jinja has that it does not, so that the parser can refuse a template up front and say which
// kind of name it met. Torch-free and Qt-free.
#pragma once
#include <string_view>

namespace llms::chat::jinja {

bool is_supported_filter(std::string_view name);
bool is_jinja_filter(std::string_view name);   // a builtin filter of Jinja 3.1 (supported or not)

bool is_supported_test(std::string_view name);
bool is_jinja_test(std::string_view name);     // a builtin test of Jinja 3.1 (supported or not)

}  // namespace llms::chat::jinja
