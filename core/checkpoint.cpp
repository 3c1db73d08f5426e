#include "checkpoint.h"

#include "errors.h"

namespace attnlab {

namespace {

std::string shapeOf(Eigen::Index rows, Eigen::Index cols)
{
    return std::to_string(rows) + "×" + std::to_string(cols);
}

void checkShape(const std::string& what, const ParamShape& expected, const Matrix& given)
{
    if (given.rows() != expected.first || given.cols() != expected.second) {
        throw InputError(what + " is " + shapeOf(given.rows(), given.cols()) +
                         "; the model's settings make it " +
                         shapeOf(expected.first, expected.second));
    }
}

} // namespace

void checkWeights(const std::vector<std::string>& names, const std::vector<ParamShape>& expected,
                  const std::vector<const Matrix*>& given)
{
    if (given.size() != expected.size()) {
        throw InputError("there are " + std::to_string(given.size()) +
                         " weight matrices; the model's settings make " +
                         std::to_string(expected.size()));
    }
    for (size_t i = 0; i < expected.size(); ++i) {
        checkShape("the weight " + names[i], expected[i], *given[i]);
    }
}

void checkMoments(const std::vector<std::string>& names, const std::vector<ParamShape>& expected,
                  const std::vector<Matrix>& m, const std::vector<Matrix>& v)
{
    if (m.empty() && v.empty()) {
        return;
    }
    if (m.size() != expected.size() || v.size() != expected.size()) {
        throw InputError("the optimizer has " + std::to_string(m.size()) + " and " +
                         std::to_string(v.size()) + " moments for " +
                         std::to_string(expected.size()) + " weight matrices");
    }
    for (size_t i = 0; i < expected.size(); ++i) {
        checkShape("the first moment of " + names[i], expected[i], m[i]);
        checkShape("the second moment of " + names[i], expected[i], v[i]);
    }
}

void checkOrder(const std::vector<int>& order, int count, const char* items)
{
    const std::string fault =
        std::string("the order is not a permutation of the ") + std::to_string(count) + " " + items;
    if (order.size() != static_cast<size_t>(count)) {
        throw InputError(fault + " (it has " + std::to_string(order.size()) + " entries)");
    }
    std::vector<bool> seen(static_cast<size_t>(count), false);
    for (int i : order) {
        if (i < 0 || i >= count || seen[static_cast<size_t>(i)]) {
            throw InputError(fault + " (" + std::to_string(i) + " is out of range or twice)");
        }
        seen[static_cast<size_t>(i)] = true;
    }
}

void checkAgrees(bool agrees, const std::string& what)
{
    if (!agrees) {
        throw InputError("the training position does not fit together: " + what);
    }
}

} // namespace attnlab
