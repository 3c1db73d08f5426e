// Writing matrices as data other programs read: CSV and NumPy's .npy.
//
// CSV: UTF-8, a header row of column labels after an empty corner cell, then one row per
// matrix row with its label first; numbers always with "." as decimal point whatever the
// locale, shortest text that reads back to the same float; NaN as "nan" and infinities as
// "inf"/"-inf" (what NumPy and pandas read); labels quoted when they hold a comma, a quote,
// a line break or leading/trailing spaces.
//
// .npy: format version 1.0, little-endian float32 ('<f4'), C (row-major) order, the header
// padded with spaces so the data starts at a multiple of 64 bytes and ending in a newline;
// a one-row matrix can be written as a 1-D array (shape "(V,)").
//
// Files are written to a temporary file in the same folder and renamed over the target, so a
// failed write never leaves a half-written or truncated file where the old one was.
#pragma once

#include "matrix.h"

#include <string>
#include <string_view>
#include <vector>

namespace attnlab {

std::string csvText(const Matrix& m, const std::vector<std::string>& rowLabels,
                    const std::vector<std::string>& colLabels);

// The whole .npy file. With asVector, a 1×N or N×1 matrix gets the 1-D shape (N,).
std::string npyBytes(const Matrix& m, bool asVector = false);

// A float as the shortest decimal text that reads back to the same value, "." as decimal
// point; "nan", "inf", "-inf" for the others.
std::string formatFloat(float value);

// Writes `bytes` to `path` through a temporary file and a rename. Throws InputError naming the
// path and the reason (folder missing, no permission, disk full) when it cannot.
void saveFileAtomically(const std::string& path, std::string_view bytes);

} // namespace attnlab
