// Python's datetime.strftime for the `strftime_now` global that transformers gives chat templates (Llama 3.x
// writes "Today Date: " + strftime_now("%d %b %Y")). Python hands the format to the C library; here the
// directives are spelled out in English whatever the process locale is (a Qt application switches LC_TIME to the
// user's), as Python does in the C locale it runs templates under. Torch-free and Qt-free.
#pragma once
#include <ctime>
#include <string>

namespace llms::chat {

// The formatted time. Directives: %a %A %b %B %d %e %H %I %j %m %M %p %S %y %Y %% and glibc's %-d %-m %-H %-I
// %-M %-S %-j (no padding). Another directive throws TemplateFailure (Unsupported) naming it.
std::string python_strftime(const std::string& format, const std::tm& t);

}  // namespace llms::chat
