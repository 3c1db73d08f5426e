// Fuzzes the session readers: sessionKind on any bytes, then the reader of that kind (the
// single head, the transformer pair, the Vision Transformer), then what opening a session does
// with what it accepted (the trainers, a snapshot for the views, one more training step).
//
// Properties beyond "no crash": an accepted session holds only finite weights and moments, and
// writes back to text that reads again to the same text.
#include "fuzzsupport.h"

#include <errors.h>
#include <session.h>
#include <sessionio.h>
#include <textsession.h>
#include <vitsession.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace {

constexpr const char* kSource = "fuzz.attnlab";

template <typename Params>
bool allFinite(const Params& params, const std::vector<attnlab::Matrix>& m,
               const std::vector<attnlab::Matrix>& v)
{
    bool finite = params.allFinite();
    for (const auto* moments : {&m, &v}) {
        for (const attnlab::Matrix& matrix : *moments) {
            finite = finite && matrix.allFinite();
        }
    }
    return finite;
}

// Writes the session, reads it back and writes it again: the same text both times.
template <typename Session, typename Parse> void checkRoundTrip(const Session& session, Parse parse)
{
    const std::string again = attnlab::writeSession(session);
    fuzz::check(attnlab::writeSession(parse(again, "fuzz.attnlab written back")) == again,
                "an accepted session writes back to text that reads to the same text");
}

void singleHead(std::string_view text)
{
    const attnlab::ToySession session = attnlab::parseSession(text, kSource);
    const attnlab::ToyCheckpoint& k = session.checkpoint;
    fuzz::check(allFinite(k.params, k.adamM, k.adamV), "an accepted session's numbers are finite");
    checkRoundTrip(session, attnlab::parseSession);
    attnlab::ToyTrainer trainer = attnlab::trainerOf(session);
    trainer.snapshot();
    trainer.step(); // pressing Train goes on from the session
    trainer.snapshot();
}

void transformerPair(std::string_view text)
{
    const attnlab::TextPairSession session = attnlab::parseTextPairSession(text, kSource);
    for (const attnlab::TextCheckpoint& k : session.checkpoints) {
        fuzz::check(allFinite(k.params, k.adamM, k.adamV),
                    "an accepted session's numbers are finite");
    }
    checkRoundTrip(session, attnlab::parseTextPairSession);
    attnlab::TextTrainerPair pair = attnlab::trainersOf(session);
    for (const auto& trainer : pair) {
        trainer->snapshot();
        trainer->step();
        trainer->snapshot();
    }
}

// Images of the session's size and count, when that is small: the session names its images,
// it does not hold them.
std::shared_ptr<const attnlab::ImageSet> imagesFor(const attnlab::VitSession& session)
{
    const attnlab::VitConfig& c = session.config.model;
    const long long values = static_cast<long long>(session.checkpoint.trainImages) * c.pixels();
    if (values > (1LL << 20)) {
        return nullptr;
    }
    auto set = std::make_shared<attnlab::ImageSet>();
    set->rows = c.imageRows;
    set->cols = c.imageCols;
    set->pixels.assign(static_cast<size_t>(values), 0.5f);
    for (int i = 0; i < session.checkpoint.trainImages; ++i) {
        set->labels.push_back(i % c.classes);
        set->pixels[static_cast<size_t>(i) * static_cast<size_t>(c.pixels())] = 1.0f;
    }
    return set;
}

void visionTransformer(std::string_view text)
{
    const attnlab::VitSession session = attnlab::parseVitSession(text, kSource);
    const attnlab::VitCheckpoint& k = session.checkpoint;
    fuzz::check(allFinite(k.params, k.adamM, k.adamV), "an accepted session's numbers are finite");
    checkRoundTrip(session, attnlab::parseVitSession);
    const std::shared_ptr<const attnlab::ImageSet> images = imagesFor(session);
    if (!images) {
        return;
    }
    attnlab::VitTrainer trainer = attnlab::trainerOf(session, images, nullptr);
    trainer.snapshot(images->image(0), images->labels[0]);
    trainer.advance(2); // part of a step, as the window's worker takes them
    trainer.checkpoint();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        switch (attnlab::sessionKind(text, kSource)) {
        case attnlab::SessionKind::SingleHead:
            singleHead(text);
            break;
        case attnlab::SessionKind::TransformerPair:
            transformerPair(text);
            break;
        case attnlab::SessionKind::VisionTransformer:
            visionTransformer(text);
            break;
        }
    } catch (const attnlab::InputError&) {
        // Refused, naming the input and the fault: what a reader should do.
    }
    return 0;
}
