# Writes a C++ source that holds text files as string constants, so that the core can offer the
# corpora of resources/ without reading files at run time (and without Qt's resource system).
#   cmake -DOUTPUT=file.cpp -DINPUTS="name1=path1;name2=path2" -P embedtext.cmake
# Each file becomes `extern const std::string_view kText_<name>`. The text is written as
# hexadecimal character escapes, so any byte (quotes, backslashes, UTF-8) survives.
set(content "// Generated from resources/ by cmake/embedtext.cmake; do not edit.\n")
string(APPEND content "#include <string_view>\n\nnamespace attnlab::embedded {\n")
foreach(entry ${INPUTS})
    string(REPLACE "=" ";" parts "${entry}")
    list(GET parts 0 name)
    list(GET parts 1 path)
    file(READ "${path}" hex HEX)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
    # Break the literal every 32 bytes so that no line is too long for a compiler or a reader.
    string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){32})" "\\1\"\n    \"" escaped "${escaped}")
    string(APPEND content "extern const std::string_view kText_${name};\n")
    string(APPEND content "const std::string_view kText_${name} =\n    \"${escaped}\";\n")
endforeach()
string(APPEND content "} // namespace attnlab::embedded\n")
file(WRITE "${OUTPUT}.tmp" "${content}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
