// Fuzzes the reader of named matrices (the reference run's text format): parseNamedMatrices on
// any bytes, then what --init does with them (toyParamsFrom, a trainer on the lesson).
//
// Properties beyond "no crash": every accepted matrix has the size its header declares and
// finite entries, and the five weights taken from it are finite as floats.
#include "fuzzsupport.h"

#include <errors.h>
#include <trainer.h>
#include <weightsio.h>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const attnlab::NamedMatrices named = attnlab::parseNamedMatrices(text, "fuzz.txt");
        for (const auto& [name, m] : named) {
            fuzz::check(!name.empty() && m.size() > 0, "an accepted matrix has a name and entries");
            fuzz::check(m.allFinite(), "an accepted matrix is finite");
        }
        attnlab::ToyParams<float> params = attnlab::toyParamsFrom(named, "fuzz.txt");
        fuzz::check(params.allFinite(), "weights taken from a file are finite as floats");
        attnlab::ToyConfig config;
        config.epochs = 1;
        const attnlab::ToyTrainer trainer(attnlab::lessonCorpus(), config, std::move(params));
        trainer.snapshot();
    } catch (const attnlab::InputError&) {
        // Refused, naming the input and the fault: what a reader should do.
    }
    return 0;
}
