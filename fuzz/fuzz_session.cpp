// Fuzzes the session reader: parseSession on any bytes, then what opening a session does with
// what it accepted (trainerOf, a snapshot for the views, one more training step).
//
// Properties beyond "no crash": an accepted session holds only finite weights and moments, and
// writes back to text that reads again.
#include "fuzzsupport.h"

#include <errors.h>
#include <session.h>

#include <cstdint>
#include <string_view>

namespace {

bool allFinite(const attnlab::ToyCheckpoint& k)
{
    bool finite = k.params.allFinite();
    for (const auto* moments : {&k.adamM, &k.adamV}) {
        for (const attnlab::Matrix& m : *moments) {
            finite = finite && m.allFinite();
        }
    }
    return finite;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const attnlab::ToySession session = attnlab::parseSession(text, "fuzz.attnlab");
        fuzz::check(allFinite(session.checkpoint), "an accepted session's numbers are finite");
        const std::string again = attnlab::writeSession(session);
        attnlab::parseSession(again, "fuzz.attnlab written back");
        attnlab::ToyTrainer trainer = attnlab::trainerOf(session);
        trainer.snapshot();
        trainer.step(); // pressing Train goes on from the session
        trainer.snapshot();
    } catch (const attnlab::InputError&) {
        // Refused, naming the input and the fault: what a reader should do.
    }
    return 0;
}
