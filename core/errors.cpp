#include "errors.h"

#include <cmath>
#include <cstdio>

namespace attnlab {

std::string formatNumber(double value)
{
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "infinity" : "minus infinity";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

void requireRange(const char* name, double value, double lo, double hi)
{
    if (!std::isfinite(value) || value < lo || value > hi) {
        throw InputError(std::string("the ") + name + " must be a number from " + formatNumber(lo) +
                         " to " + formatNumber(hi) + ", not " + formatNumber(value));
    }
}

} // namespace attnlab
