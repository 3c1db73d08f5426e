// Checks a trainer makes before it goes on from a checkpoint (texttrainer.h, vittrainer.h): that
// the saved weights and optimizer moments have the shapes the model's settings make
// (parameterShapes() of transformer.h and vit.h), and that a saved order is a permutation. Each
// throws InputError naming what does not fit.
#pragma once

#include "matrix.h"
#include "transformer.h"

#include <string>
#include <vector>

namespace attnlab {

// `given` must hold one matrix per entry of `expected`, each of that shape; `names` names them
// in the same order.
void checkWeights(const std::vector<std::string>& names, const std::vector<ParamShape>& expected,
                  const std::vector<const Matrix*>& given);
// Adam's moments: both empty, or one per parameter, each of its shape.
void checkMoments(const std::vector<std::string>& names, const std::vector<ParamShape>& expected,
                  const std::vector<Matrix>& m, const std::vector<Matrix>& v);
// `order` holds each of 0 … count−1 once; `items` names them in the message ("sentences").
void checkOrder(const std::vector<int>& order, int count, const char* items);
// Throws InputError "the training position does not fit together: <what>" unless `agrees`.
void checkAgrees(bool agrees, const std::string& what);

} // namespace attnlab
