// Reading and writing named matrices in the reference run's text format:
// a line "name rows cols", then one line per row of space-separated numbers.
// Used to start a model from the PyTorch reference's initial weights and to compare with
// its results.
#pragma once

#include "matrix.h"
#include "toymodel.h"

#include <map>
#include <string>
#include <string_view>

namespace attnlab {

using NamedMatrices = std::map<std::string, MatrixD>;

// Throws InputError naming `source`, the line and the fault (bad header, too few numbers,
// a value that is not a number, sizes above 1e7 entries).
NamedMatrices parseNamedMatrices(std::string_view text, std::string_view source);
// Reads a file; throws InputError when it cannot be read or parsed.
NamedMatrices readNamedMatrices(const std::string& path);

template <typename S> struct ToyParams;
// The five weights tok, pos, wq, wk, wv, as floats. Throws InputError naming `source` when one
// is missing or holds a number beyond the range of a float.
ToyParams<float> toyParamsFrom(const NamedMatrices& named, std::string_view source);

} // namespace attnlab
