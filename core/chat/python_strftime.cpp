#include "core/chat/python_strftime.h"

#include "core/chat/jinja_error.h"

namespace llms::chat {

namespace {

const char* const kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};

std::string padded(int value, int width, char pad) {
    std::string digits = std::to_string(value);
    if (static_cast<int>(digits.size()) < width) digits.insert(0, static_cast<size_t>(width) - digits.size(), pad);
    return digits;
}

}  // namespace

std::string python_strftime(const std::string& format, const std::tm& t) {
    std::string out;
    for (size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%') { out.push_back(format[i]); continue; }
        if (i + 1 >= format.size()) { out.push_back('%'); break; }   // glibc keeps a trailing lone %
        char d = format[++i];
        const bool no_pad = d == '-' && i + 1 < format.size();
        if (no_pad) d = format[++i];
        const int hour12 = t.tm_hour % 12 == 0 ? 12 : t.tm_hour % 12;
        const auto num = [&](int value, int width) {
            return no_pad ? std::to_string(value) : padded(value, width, '0');
        };
        switch (d) {
            case 'a': out += std::string(kDays[t.tm_wday % 7]).substr(0, 3); break;
            case 'A': out += kDays[t.tm_wday % 7]; break;
            case 'b': out += std::string(kMonths[t.tm_mon % 12]).substr(0, 3); break;
            case 'B': out += kMonths[t.tm_mon % 12]; break;
            case 'd': out += num(t.tm_mday, 2); break;
            case 'e': out += no_pad ? std::to_string(t.tm_mday) : padded(t.tm_mday, 2, ' '); break;
            case 'H': out += num(t.tm_hour, 2); break;
            case 'I': out += num(hour12, 2); break;
            case 'j': out += num(t.tm_yday + 1, 3); break;
            case 'm': out += num(t.tm_mon + 1, 2); break;
            case 'M': out += num(t.tm_min, 2); break;
            case 'p': out += t.tm_hour < 12 ? "AM" : "PM"; break;
            case 'S': out += num(t.tm_sec, 2); break;
            case 'y': out += num((t.tm_year + 1900) % 100, 2); break;
            case 'Y': out += std::to_string(t.tm_year + 1900); break;
            case '%': out.push_back('%'); break;
            default:
                jinja::fail_unsupported_here(std::string("the strftime directive %") + (no_pad ? "-" : "") + d);
        }
    }
    return out;
}

}  // namespace llms::chat
