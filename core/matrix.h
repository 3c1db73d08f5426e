// Matrix types shared by the whole core.
//
// Storage order, stated once for the project: every matrix is row-major. Row t is token t
// (or query t), so a row is contiguous and a matrix can be written to CSV or NumPy's .npy
// without a transpose. Eigen's default is column-major; these aliases override it.
//
// Shape letters used in comments throughout: T tokens (the context), E embedding width,
// H head size, V vocabulary size.
#pragma once

#include <Eigen/Core>

namespace attnlab {

template <typename S>
using MatrixT = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

using Matrix = MatrixT<float>;
using MatrixD = MatrixT<double>;

} // namespace attnlab
