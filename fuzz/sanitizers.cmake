# ATTNLAB_SANITIZE: every C++ target of the project compiles and links with AddressSanitizer and
# UndefinedBehaviorSanitizer (scripts/sanitize.sh builds and tests that way). Included at the
# end of the top-level CMakeLists.txt, after every folder is added: add_compile_options there
# would reach no folder added before it, so this walks the targets of every folder instead.
set(ATTNLAB_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)

function(attnlab_sanitize_folder folder)
    get_property(targets DIRECTORY ${folder} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target ${targets})
        get_target_property(type ${target} TYPE)
        if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY)$")
            target_compile_options(${target} PRIVATE
                "$<$<COMPILE_LANGUAGE:C,CXX>:${ATTNLAB_SANITIZE_FLAGS}>")
            target_link_options(${target} PRIVATE
                "$<$<LINK_LANGUAGE:C,CXX>:-fsanitize=address,undefined>")
        endif()
    endforeach()
    get_property(folders DIRECTORY ${folder} PROPERTY SUBDIRECTORIES)
    foreach(sub ${folders})
        attnlab_sanitize_folder(${sub})
    endforeach()
endfunction()

attnlab_sanitize_folder(${PROJECT_SOURCE_DIR})
