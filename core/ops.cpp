#include "ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnlab::ops {

namespace {

using Eigen::Index;

// Products of small matrices. Eigen's GEMM packs both operands into blocks before it
// multiplies; for the lesson's 5×7 by 7×20 that costs several times the 700 multiply-adds.
// Up to kSmallProduct multiply-adds the loops below are used instead. Every output entry is
// summed over k in increasing order (dot products: in interleaved partial sums, see dot()),
// whatever the shapes and its position, so a row of a result depends only on its own inputs,
// bit for bit.
constexpr Index kSmallProduct = 4096;

bool isSmall(Index rows, Index depth, Index cols)
{
    return rows * depth * cols <= kSmallProduct;
}

// One SSE register's worth of entries (16 bytes) as an Eigen array, which Eigen evaluates as
// one packet: explicit vector code that does not depend on the compiler's vectorizer.
template <typename S> constexpr int kLanes = 16 / sizeof(S);
template <typename S> using Packet = Eigen::Array<S, kLanes<S>, 1>;

template <typename S> Packet<S> loadPacket(const S* p)
{
    return Eigen::Map<const Packet<S>>(p);
}

// Rows of the result computed together (they share the loads of b), and the most packets of
// one row kept in registers at once: 2·6 accumulators, 2 broadcasts and a load fill the 16
// SSE registers.
constexpr int kPairedRows = 2;
constexpr int kRowPackets = 6;

// The operands of c (+)= scale·a·b: a rows×depth with entry (i, k) at a[i·aRow + k·aCol] (a
// row-major matrix has aRow = its columns and aCol = 1, its transpose the other way round);
// b depth×width and c rows×width, row-major with row strides ldb and ldc.
template <typename S> struct ProductArgs
{
    Index depth;
    Index width;
    const S* a;
    Index aRow;
    Index aCol;
    const S* b;
    Index ldb;
    S* c;
    Index ldc;
    S scale;
    bool accumulate;
};

// Rows rows of c, kLanes <= width <= Packets·kLanes: Rows·Packets accumulators in registers,
// each b packet loaded once for all rows and each a entry broadcast once for its row. When
// width is not a multiple of kLanes the last packet overlaps the one before. The columns they
// share come out the same from both, and every result is formed (from c as it was) before any
// is stored, so storing both packets whole is right when accumulating too.
template <int Packets, int Rows, typename S> void productRows(const ProductArgs<S>& x)
{
    constexpr int lanes = kLanes<S>;
    Index start[Packets];
    Packet<S> acc[Rows][Packets];
    for (int p = 0; p < Packets; ++p) {
        start[p] = std::min<Index>(p * lanes, x.width - lanes);
        for (int r = 0; r < Rows; ++r) {
            acc[r][p].setZero();
        }
    }
    for (Index k = 0; k < x.depth; ++k) {
        Packet<S> ak[Rows];
        for (int r = 0; r < Rows; ++r) {
            ak[r] = Packet<S>::Constant(x.a[r * x.aRow + k * x.aCol]);
        }
        const S* bk = x.b + k * x.ldb;
        for (int p = 0; p < Packets; ++p) {
            const Packet<S> bkp = loadPacket(bk + start[p]);
            for (int r = 0; r < Rows; ++r) {
                acc[r][p] += ak[r] * bkp;
            }
        }
    }
    for (int r = 0; r < Rows; ++r) {
        S* cr = x.c + r * x.ldc;
        for (int p = 0; p < Packets; ++p) {
            acc[r][p] *= x.scale;
            if (x.accumulate) {
                acc[r][p] += loadPacket(cr + start[p]);
            }
        }
        for (int p = 0; p < Packets; ++p) {
            Eigen::Map<Packet<S>>{cr + start[p]} = acc[r][p];
        }
    }
}

// All `rows` rows of c, kPairedRows at a time, for one compile-time number of packets.
template <int Packets, typename S> void productAllRows(Index rows, ProductArgs<S> x)
{
    const S* a = x.a;
    S* c = x.c;
    Index i = 0;
    for (; i + kPairedRows <= rows; i += kPairedRows) {
        x.a = a + i * x.aRow;
        x.c = c + i * x.ldc;
        productRows<Packets, kPairedRows>(x);
    }
    for (; i < rows; ++i) {
        x.a = a + i * x.aRow;
        x.c = c + i * x.ldc;
        productRows<Packets, 1>(x);
    }
}

// c (+)= scale·a·b (see ProductArgs), c: rows×cols.
template <typename S>
void smallProduct(Index rows, Index depth, Index cols, const S* a, Index aRow, Index aCol,
                  const S* b, S* c, S scale, bool accumulate)
{
    constexpr int lanes = kLanes<S>;
    if (cols < lanes) { // narrower than a packet
        for (Index i = 0; i < rows; ++i) {
            for (Index j = 0; j < cols; ++j) {
                S sum = 0;
                for (Index k = 0; k < depth; ++k) {
                    sum += a[i * aRow + k * aCol] * b[k * cols + j];
                }
                S& out = c[i * cols + j];
                out = accumulate ? out + sum * scale : sum * scale;
            }
        }
        return;
    }
    ProductArgs<S> x{depth, cols, a, aRow, aCol, b, cols, c, cols, scale, accumulate};
    for (; x.width > kRowPackets * lanes;
         x.width -= 4 * lanes, x.b += 4 * lanes, x.c += 4 * lanes) {
        ProductArgs<S> part = x;
        part.width = 4 * lanes;
        productAllRows<4>(rows, part);
    }
    switch ((x.width + lanes - 1) / lanes) {
    case 1:
        return productAllRows<1>(rows, x);
    case 2:
        return productAllRows<2>(rows, x);
    case 3:
        return productAllRows<3>(rows, x);
    case 4:
        return productAllRows<4>(rows, x);
    case 5:
        return productAllRows<5>(rows, x);
    case 6:
        return productAllRows<6>(rows, x);
    }
}

// Adds the kLanes partial sums of a dot product pairwise: (l0 + l2) + (l1 + l3) for floats.
// `lanes` holds them in its columns (several dot products at once, one per row) or entries.
template <typename Lanes> void addPairwise(Lanes& lanes, int count)
{
    for (int width = count / 2; width > 0; width /= 2) {
        for (int u = 0; u < width; ++u) {
            lanes.col(u) += lanes.col(u + width);
        }
    }
}

// The dot products below sum in kLanes partial sums (lane u: the k with k ≡ u mod kLanes),
// added pairwise at the end. When depth is not a multiple of kLanes, the k left over are
// taken as the packet that ends at depth, with its lanes already counted multiplied by 0
// (adding exactly 0; or NaN where that entry is ±∞ or NaN, when the sum is not finite
// anyway). depth < kLanes: in order, one by one. A fixed order for every entry, so its value
// does not depend on where in a product it is computed.

// Lanes u >= kLanes − left are 1, the others 0: the multiplier of that last packet.
template <typename S> Packet<S> tailMask(Index left)
{
    static constexpr S table[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    return loadPacket(table + 4 - kLanes<S> + left);
}

template <typename S> S dot(const S* x, const S* y, Index depth)
{
    constexpr int lanes = kLanes<S>;
    S sum = 0;
    if (depth < lanes) {
        for (Index k = 0; k < depth; ++k) {
            sum += x[k] * y[k];
        }
        return sum;
    }
    Packet<S> acc = Packet<S>::Zero();
    Index k = 0;
    for (; k + lanes <= depth; k += lanes) {
        acc += loadPacket(x + k) * loadPacket(y + k);
    }
    if (k < depth) {
        const Index last = depth - lanes;
        acc += loadPacket(x + last) * tailMask<S>(depth - k) * loadPacket(y + last);
    }
    Eigen::Matrix<S, 1, lanes> sums = acc.matrix().transpose();
    addPairwise(sums, lanes);
    return sums(0);
}

// c[j] (+)= scale · Σ_k x[k]·b[j·depth + k] for j in [0, width), kLanes <= width <=
// Blocks·kLanes and depth >= kLanes: Blocks groups of kLanes dot products at once, x read
// once for all. The partial sums of a group are turned by one transpose of registers into
// packets that add up to kLanes results at once. The last group may overlap the one before;
// the outputs they share come out the same, and every result is formed (from c as it was)
// before any is stored.
template <int Blocks, typename S>
void dotRow(Index depth, Index width, const S* x, const S* b, S* c, S scale, bool accumulate)
{
    constexpr int lanes = kLanes<S>;
    using Sums = Eigen::Matrix<S, lanes, lanes>; // column j: the partial sums of output j
    Index start[Blocks];
    Sums acc[Blocks];
    for (int g = 0; g < Blocks; ++g) {
        start[g] = std::min<Index>(g * lanes, width - lanes);
        acc[g].setZero();
    }
    const auto add = [&](const Packet<S>& xk, Index k) {
        for (int g = 0; g < Blocks; ++g) {
            for (int j = 0; j < lanes; ++j) {
                acc[g].col(j).array() += xk * loadPacket(b + (start[g] + j) * depth + k);
            }
        }
    };
    Index k = 0;
    for (; k + lanes <= depth; k += lanes) {
        add(loadPacket(x + k), k);
    }
    if (k < depth) {
        add(loadPacket(x + depth - lanes) * tailMask<S>(depth - k), depth - lanes);
    }
    Packet<S> out[Blocks];
    for (int g = 0; g < Blocks; ++g) {
        acc[g].transposeInPlace(); // column u: lane u of every output
        addPairwise(acc[g], lanes);
        out[g] = acc[g].col(0).array() * scale;
        if (accumulate) {
            out[g] += loadPacket(c + start[g]);
        }
    }
    for (int g = 0; g < Blocks; ++g) {
        Eigen::Map<Packet<S>>{c + start[g]} = out[g];
    }
}

// dotRow() for every row of c (rows×width, row stride ldc) against the same rows of b.
template <int Blocks, typename S>
void dotRows(Index rows, Index depth, Index width, const S* a, const S* b, S* c, Index ldc, S scale,
             bool accumulate)
{
    for (Index i = 0; i < rows; ++i) {
        dotRow<Blocks>(depth, width, a + i * depth, b, c + i * ldc, scale, accumulate);
    }
}

// dotRows() for a width known only at run time: groups of two blocks, then the rest.
template <typename S>
void dotRows(Index rows, Index depth, Index width, const S* a, const S* b, S* c, Index ldc, S scale,
             bool accumulate)
{
    constexpr int lanes = kLanes<S>;
    for (; width > 3 * lanes; width -= 2 * lanes, b += 2 * lanes * depth, c += 2 * lanes) {
        dotRows<2>(rows, depth, 2 * lanes, a, b, c, ldc, scale, accumulate);
    }
    switch ((width + lanes - 1) / lanes) {
    case 1:
        return dotRows<1>(rows, depth, width, a, b, c, ldc, scale, accumulate);
    case 2:
        return dotRows<2>(rows, depth, width, a, b, c, ldc, scale, accumulate);
    case 3:
        return dotRows<3>(rows, depth, width, a, b, c, ldc, scale, accumulate);
    }
}

// c (+)= scale·a·bᵀ: dot products of the rows of a (rows×depth) and b (cols×depth), c
// rows×cols, all row-major. With `lower`, only the entries with j <= i are needed: the
// others are left with any value.
template <typename S>
void smallProductT(Index rows, Index depth, Index cols, const S* a, const S* b, S* c, S scale,
                   bool accumulate, bool lower)
{
    constexpr int lanes = kLanes<S>;
    if (depth < lanes || cols < lanes) {
        for (Index i = 0; i < rows; ++i) {
            for (Index j = 0; j < (lower ? std::min(cols, i + 1) : cols); ++j) {
                const S d = dot(a + i * depth, b + j * depth, depth) * scale;
                S& out = c[i * cols + j];
                out = accumulate ? out + d : d;
            }
        }
        return;
    }
    if (!lower) {
        return dotRows(rows, depth, cols, a, b, c, cols, scale, accumulate);
    }
    for (Index i = 0; i < rows; ++i) { // row i needs the first i + 1 entries
        const Index width = std::max<Index>(std::min(cols, i + 1), lanes);
        dotRows(1, depth, width, a + i * depth, b, c + i * cols, cols, scale, accumulate);
    }
}

// log(1 + exp(x)) without overflow.
template <typename S> S softplus(S x)
{
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

template <typename S> S sigmoid(S x)
{
    if (x >= 0) {
        return S(1) / (S(1) + std::exp(-x));
    }
    const S e = std::exp(x);
    return e / (S(1) + e);
}

} // namespace

template <typename S>
void embeddingForward(const MatrixT<S>& tok, const MatrixT<S>& pos, std::span<const int> ids,
                      MatrixT<S>& x)
{
    const auto t = static_cast<Index>(ids.size());
    const Index e = tok.cols();
    x.resize(t, e);
    for (Index i = 0; i < t; ++i) {
        const S* token = tok.data() + ids[static_cast<size_t>(i)] * e;
        const S* position = pos.data() + i * e;
        S* out = x.data() + i * e;
        for (Index c = 0; c < e; ++c) {
            out[c] = token[c] + position[c];
        }
    }
}

template <typename S>
void embeddingBackward(const MatrixT<S>& dx, std::span<const int> ids, MatrixT<S>& dtok,
                       MatrixT<S>& dpos)
{
    const Index e = dx.cols();
    for (Index i = 0; i < dx.rows(); ++i) {
        const S* up = dx.data() + i * e;
        S* token = dtok.data() + ids[static_cast<size_t>(i)] * e;
        S* position = dpos.data() + i * e;
        for (Index c = 0; c < e; ++c) {
            token[c] += up[c];
            position[c] += up[c];
        }
    }
}

template <typename S> void linearForward(const MatrixT<S>& x, const MatrixT<S>& w, MatrixT<S>& y)
{
    const Index t = x.rows(), in = x.cols(), out = w.cols();
    if (!isSmall(t, in, out)) {
        y.noalias() = x * w;
        return;
    }
    y.resize(t, out);
    smallProduct(t, in, out, x.data(), in, 1, w.data(), y.data(), S(1), false);
}

template <typename S>
void linearBackward(const MatrixT<S>& x, const MatrixT<S>& w, const MatrixT<S>& dy, MatrixT<S>& dx,
                    MatrixT<S>& dw)
{
    const Index t = x.rows(), in = x.cols(), out = w.cols();
    if (!isSmall(t, in, out)) {
        dx.noalias() += dy * w.transpose();
        dw.noalias() += x.transpose() * dy;
        return;
    }
    // dx += dy·wᵀ: rows of dy against rows of w.
    smallProductT(t, out, in, dy.data(), w.data(), dx.data(), S(1), true, false);
    // dw += xᵀ·dy.
    smallProduct(in, t, out, x.data(), 1, in, dy.data(), dw.data(), S(1), true);
}

template <typename S> void softmaxRows(const MatrixT<S>& in, MatrixT<S>& out)
{
    constexpr S minusInf = -std::numeric_limits<S>::infinity();
    const Index rows = in.rows(), cols = in.cols();
    out.resize(rows, cols);

    // Shift: z − max of its row, so the largest entry is 0 and exp cannot overflow. Masked
    // entries get 0 here and are zeroed after the exp: Eigen's vectorized exp turns −∞ into a
    // subnormal number (it clamps its argument to about −88), and arithmetic on subnormals
    // costs some hundred cycles on many CPUs (it made this function 2.5 times slower on the
    // lesson's causal 5×5).
    for (Index r = 0; r < rows; ++r) {
        const S* z = in.data() + r * cols;
        S* e = out.data() + r * cols;
        const S max = *std::max_element(z, z + cols);
        for (Index c = 0; c < cols; ++c) {
            e[c] = z[c] == minusInf ? S(0) : z[c] - max;
        }
    }

    // Exp of the whole matrix at once, vectorized.
    out = out.array().exp();

    // Masked entries get exactly 0, a row with every entry masked gives zeros, and each row is
    // divided by its sum.
    for (Index r = 0; r < rows; ++r) {
        const S* z = in.data() + r * cols;
        S* e = out.data() + r * cols;
        S sum = 0;
        for (Index c = 0; c < cols; ++c) {
            e[c] = z[c] == minusInf ? S(0) : e[c];
            sum += e[c];
        }
        for (Index c = 0; c < cols && sum > 0; ++c) {
            e[c] /= sum;
        }
    }
}

template <typename S>
void softmaxRowsBackward(const MatrixT<S>& out, const MatrixT<S>& dout, MatrixT<S>& din)
{
    const Index rows = out.rows(), cols = out.cols();
    for (Index r = 0; r < rows; ++r) {
        const S* o = out.data() + r * cols;
        const S* d = dout.data() + r * cols;
        S* g = din.data() + r * cols;
        S dot = 0;
        for (Index c = 0; c < cols; ++c) {
            dot += o[c] * d[c];
        }
        for (Index c = 0; c < cols; ++c) {
            g[c] += o[c] * (d[c] - dot);
        }
    }
}

template <typename S> void logSoftmaxRows(const MatrixT<S>& in, MatrixT<S>& out)
{
    out.resize(in.rows(), in.cols());
    for (Eigen::Index r = 0; r < in.rows(); ++r) {
        const S max = in.row(r).maxCoeff();
        const S logSum = std::log((in.row(r).array() - max).exp().sum());
        out.row(r) = in.row(r).array() - max - logSum;
    }
}

template <typename S>
void logSoftmaxRowsBackward(const MatrixT<S>& logProbs, const MatrixT<S>& dout, MatrixT<S>& din)
{
    for (Eigen::Index r = 0; r < logProbs.rows(); ++r) {
        const S total = dout.row(r).sum();
        din.row(r).array() += dout.row(r).array() - logProbs.row(r).array().exp() * total;
    }
}

template <typename S>
void attentionForward(const MatrixT<S>& q, const MatrixT<S>& k, Mask mask, MatrixT<S>& scores,
                      MatrixT<S>& weights)
{
    // Scores, scaled by 1/√H so their spread does not grow with the head size. The products
    // of small matrices skip most of the entries the mask hides; the mask sets them below.
    const S scale = S(1) / std::sqrt(static_cast<S>(q.cols()));
    const Index t = q.rows(), h = q.cols(), keys = k.rows();
    if (isSmall(t, h, keys)) {
        scores.resize(t, keys);
        smallProductT(t, h, keys, q.data(), k.data(), scores.data(), scale, false,
                      mask == Mask::Causal);
    } else {
        scores.noalias() = (q * k.transpose()) * scale;
    }

    // Mask: minus infinity, not a large finite number, so masked weights are exactly 0.
    if (mask == Mask::Causal) {
        for (Eigen::Index r = 0; r < scores.rows(); ++r) {
            for (Eigen::Index c = r + 1; c < scores.cols(); ++c) {
                scores(r, c) = -std::numeric_limits<S>::infinity();
            }
        }
    }

    // Weights.
    softmaxRows(scores, weights);
}

template <typename S>
void attentionBackward(const MatrixT<S>& q, const MatrixT<S>& k, const MatrixT<S>& weights,
                       const MatrixT<S>& dweights, MatrixT<S>& dq, MatrixT<S>& dk)
{
    MatrixT<S> dscores;
    attentionBackward(q, k, weights, dweights, dq, dk, dscores);
}

template <typename S>
void attentionBackward(const MatrixT<S>& q, const MatrixT<S>& k, const MatrixT<S>& weights,
                       const MatrixT<S>& dweights, MatrixT<S>& dq, MatrixT<S>& dk,
                       MatrixT<S>& dscores)
{
    dscores.setZero(weights.rows(), weights.cols());
    softmaxRowsBackward(weights, dweights, dscores);
    const S scale = S(1) / std::sqrt(static_cast<S>(q.cols()));
    const Index t = q.rows(), h = q.cols(), keys = k.rows();
    if (!isSmall(t, keys, h)) {
        dq.noalias() += (dscores * k) * scale;
        dk.noalias() += (dscores.transpose() * q) * scale;
        return;
    }
    smallProduct(t, keys, h, dscores.data(), keys, 1, k.data(), dq.data(), scale, true);
    smallProduct(keys, t, h, dscores.data(), 1, keys, q.data(), dk.data(), scale, true);
}

template <typename S>
S softmaxCrossEntropy(const MatrixT<S>& logits, std::span<const int> targets, MatrixT<S>& probs,
                      MatrixT<S>* dlogits)
{
    // Through log-softmax, so the loss is finite for finite logits: with m the row's maximum,
    // −log probs[t] = log Σ exp(z − m) − (z_t − m), both terms >= 0. probs = exp(z − m) / Σ.
    const Index rows = logits.rows(), cols = logits.cols();
    probs.resize(rows, cols);
    S picked = 0; // Σ over rows of z_t − m
    for (Index r = 0; r < rows; ++r) {
        const S* z = logits.data() + r * cols;
        S* e = probs.data() + r * cols;
        const S max = *std::max_element(z, z + cols);
        for (Index c = 0; c < cols; ++c) {
            e[c] = z[c] - max;
        }
        picked += e[targets[static_cast<size_t>(r)]];
    }

    // Exp of the whole matrix at once, vectorized.
    probs = probs.array().exp();

    S logSums = 0; // Σ over rows of log Σ exp(z − m)
    for (Index r = 0; r < rows; ++r) {
        S* e = probs.data() + r * cols;
        S sum = 0;
        for (Index c = 0; c < cols; ++c) {
            sum += e[c];
        }
        logSums += std::log(sum);
        for (Index c = 0; c < cols; ++c) {
            e[c] /= sum;
        }
    }
    if (dlogits) {
        crossEntropyBackward(probs, targets, *dlogits);
    }
    return (logSums - picked) / static_cast<S>(rows);
}

template <typename S>
void crossEntropyBackward(const MatrixT<S>& probs, std::span<const int> targets,
                          MatrixT<S>& dlogits)
{
    const auto t = probs.rows();
    dlogits.array() += probs.array() / static_cast<S>(t);
    for (Eigen::Index i = 0; i < t; ++i) {
        dlogits(i, targets[static_cast<size_t>(i)]) -= S(1) / static_cast<S>(t);
    }
}

template <typename S>
S sigmoidCrossEntropy(const MatrixT<S>& logits, std::span<const int> targets, MatrixT<S>& probs,
                      MatrixT<S>* dlogits)
{
    probs.resize(logits.rows(), logits.cols());
    const auto t = logits.rows();
    S loss = 0;
    for (Eigen::Index i = 0; i < t; ++i) {
        const int target = targets[static_cast<size_t>(i)];
        for (Eigen::Index v = 0; v < logits.cols(); ++v) {
            const S z = logits(i, v);
            probs(i, v) = sigmoid(z);
            // −log σ(z) = softplus(−z);  −log(1 − σ(z)) = softplus(z)
            loss += v == target ? softplus(-z) : softplus(z);
        }
    }
    if (dlogits) {
        crossEntropyBackward(probs, targets, *dlogits);
    }
    return loss / static_cast<S>(t);
}

#define ATTNLAB_INSTANTIATE_OPS(S)                                                                 \
    template void embeddingForward<S>(const MatrixT<S>&, const MatrixT<S>&, std::span<const int>,  \
                                      MatrixT<S>&);                                                \
    template void embeddingBackward<S>(const MatrixT<S>&, std::span<const int>, MatrixT<S>&,       \
                                       MatrixT<S>&);                                               \
    template void linearForward<S>(const MatrixT<S>&, const MatrixT<S>&, MatrixT<S>&);             \
    template void linearBackward<S>(const MatrixT<S>&, const MatrixT<S>&, const MatrixT<S>&,       \
                                    MatrixT<S>&, MatrixT<S>&);                                     \
    template void softmaxRows<S>(const MatrixT<S>&, MatrixT<S>&);                                  \
    template void softmaxRowsBackward<S>(const MatrixT<S>&, const MatrixT<S>&, MatrixT<S>&);       \
    template void logSoftmaxRows<S>(const MatrixT<S>&, MatrixT<S>&);                               \
    template void logSoftmaxRowsBackward<S>(const MatrixT<S>&, const MatrixT<S>&, MatrixT<S>&);    \
    template void attentionForward<S>(const MatrixT<S>&, const MatrixT<S>&, Mask, MatrixT<S>&,     \
                                      MatrixT<S>&);                                                \
    template void attentionBackward<S>(const MatrixT<S>&, const MatrixT<S>&, const MatrixT<S>&,    \
                                       const MatrixT<S>&, MatrixT<S>&, MatrixT<S>&);               \
    template void attentionBackward<S>(const MatrixT<S>&, const MatrixT<S>&, const MatrixT<S>&,    \
                                       const MatrixT<S>&, MatrixT<S>&, MatrixT<S>&, MatrixT<S>&);  \
    template void crossEntropyBackward<S>(const MatrixT<S>&, std::span<const int>, MatrixT<S>&);   \
    template S softmaxCrossEntropy<S>(const MatrixT<S>&, std::span<const int>, MatrixT<S>&,        \
                                      MatrixT<S>*);                                                \
    template S sigmoidCrossEntropy<S>(const MatrixT<S>&, std::span<const int>, MatrixT<S>&,        \
                                      MatrixT<S>*);

ATTNLAB_INSTANTIATE_OPS(float)
ATTNLAB_INSTANTIATE_OPS(double)

} // namespace attnlab::ops
