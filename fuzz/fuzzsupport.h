// What the fuzz targets share: a failed property aborts (libFuzzer saves the input as a crash),
// and the file-based readers get their input through files in a private temporary folder.
//
// A target calls the reader, catches attnlab::InputError (refusing bad input is the right
// behaviour) and lets anything else escape: an uncaught exception, a sanitizer report, an
// abort() from check() or a timeout is a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <unistd.h>

namespace fuzz {

// Aborts, saying which property failed, when `ok` is false.
inline void check(bool ok, const char* property)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz: property failed: %s\n", property);
        std::abort();
    }
}

// A folder of this process's own under $TMPDIR (or /tmp), made once and reused: libFuzzer runs
// one input at a time per process, and parallel jobs are separate processes.
inline const std::string& scratchFolder()
{
    static const std::string folder = [] {
        const char* tmp = std::getenv("TMPDIR");
        // mkdtemp's template: six X that it replaces.
        std::string pattern =
            std::string(tmp && *tmp ? tmp : "/tmp") + "/attnlab-fuzz-" + std::string(6, 'X');
        check(::mkdtemp(pattern.data()) != nullptr, "a scratch folder can be made");
        return pattern;
    }();
    return folder;
}

// Writes `bytes` to `name` in the scratch folder and returns its path. The old file is removed
// first: rewriting a file over itself makes ext4 flush it to the disk at every close.
inline std::string writeScratch(const std::string& name, std::string_view bytes)
{
    const std::string path = scratchFolder() + "/" + name;
    ::unlink(path.c_str());
    std::FILE* file = std::fopen(path.c_str(), "wb");
    check(file != nullptr, "a scratch file can be written");
    const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), file);
    check(std::fclose(file) == 0 && written == bytes.size(), "a scratch file is written whole");
    return path;
}

} // namespace fuzz
