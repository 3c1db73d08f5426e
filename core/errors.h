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

} // namespace attnlab
