// Errors the core reports to its callers.
//
// The core never prints and never exits. Input that is wrong (text, settings, files) is
// refused with an InputError whose message names the input and the fault, in words a
// user can act on; the caller keeps whatever it had before.
#pragma once

#include <stdexcept>
#include <string>

namespace attnlab {

class InputError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// A number as a message shows it: "%g", or "NaN", "infinity", "minus infinity".
std::string formatNumber(double value);

// Throws InputError "the <name> must be a number from <lo> to <hi>, not <value>" when value is
// not finite or outside [lo, hi].
void requireRange(const char* name, double value, double lo, double hi);

} // namespace attnlab
