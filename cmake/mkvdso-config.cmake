# mkvdso's installed CMake package: what find_package(mkvdso) gives a
# kernel's build.
#
#   mkvdso::mkvdso      the imported host program (bin/mkvdso)
#   mkvdso_add_image()  a library target carrying a generated vDSO image
#
#   mkvdso_add_image(<target> BASE <addr> [ARCH <name>] [PREBUILT <file>]
#                    [NAME <prefix>] [FORMATS c raw asm rust json]
#                    [OUTPUT_DIR <dir>] [SYSCALL_INSN <word>] [PROBE])
#
# runs `mkvdso build` at build time into OUTPUT_DIR (default
# ${CMAKE_CURRENT_BINARY_DIR}/<target>) and makes <target>:
#   - with FORMATS c (the default): an OBJECT library of the compiled
#     <NAME>.c (the one definition of <NAME>_image[]), compiled with the
#     project's C compiler, whose include folder is OUTPUT_DIR;
#   - otherwise: an INTERFACE library whose include folder is OUTPUT_DIR.
# Either way, target_link_libraries(kernel PRIVATE <target>) orders the
# generation before kernel's own sources are compiled and lets them
# include <NAME>.h, vdso_auxv.h and, for the built-in vDSO, vdso_data.h
# (vdso_data.rs beside it, for Rust).  PROBE also writes <NAME>-probe
# (mkvdso build --probe), the program to run inside the kernel under test.
# The property MKVDSO_OUTPUTS on <target> lists every generated file (for
# instance <NAME>.S, to assemble with OUTPUT_DIR on the include path).  A
# relative PREBUILT is in the current source folder, a relative OUTPUT_DIR
# in the current binary folder.
#
# The outputs are regenerated when a vDSO source, vdso_data.h or the linker
# script changes (or the PREBUILT file): `mkvdso build --depfile` lists
# them, and CMake's DEPFILE reads the list (Makefile generators since
# CMake 3.20, Ninja).  A new mkvdso regenerates them too (the program is a
# dependency), and so does a changed argument of mkvdso_add_image: CMake
# re-runs a rule whose command changed (Ninja's log, the Makefile
# generators' CMakeFiles/CMakeRuleHashes.txt).
#
# The package is architecture-independent (a host tool): a cross build for
# any target finds it.  A toolchain file that sets
# CMAKE_FIND_ROOT_PATH_MODE_PACKAGE to ONLY must name it with mkvdso_DIR.

# DEPFILE works with Makefile generators from CMake 3.20 on.
if(CMAKE_VERSION VERSION_LESS 3.20)
  set(mkvdso_FOUND FALSE)
  set(mkvdso_NOT_FOUND_MESSAGE "mkvdso_add_image needs CMake 3.20 or later (DEPFILE "
    "with Makefile generators); this is ${CMAKE_VERSION}")
  return()
endif()

include("${CMAKE_CURRENT_LIST_DIR}/mkvdso-targets.cmake")

# The function keeps the policies set here (a function records them where
# it is defined), whatever cmake_minimum_required the calling project
# has: CMP0116 NEW has CMake rewrite the depfile's absolute paths the way
# Ninja names the outputs, or Ninja would find them dirty every time.
cmake_policy(PUSH)
cmake_policy(VERSION 3.20...3.25)

function(mkvdso_add_image target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "PROBE"
    "BASE;ARCH;PREBUILT;NAME;OUTPUT_DIR;SYSCALL_INSN" "FORMATS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mkvdso_add_image(${target}): unknown arguments "
      "'${arg_UNPARSED_ARGUMENTS}' (expected BASE, ARCH, PREBUILT, NAME, FORMATS, "
      "OUTPUT_DIR, SYSCALL_INSN, PROBE)")
  endif()
  if(NOT DEFINED arg_BASE OR arg_BASE STREQUAL "")
    message(FATAL_ERROR "mkvdso_add_image(${target}): BASE is required: the address "
      "the kernel maps the image at (the value of AT_SYSINFO_EHDR)")
  endif()
  if(NOT arg_NAME)
    set(arg_NAME vdso)
  endif()
  if(NOT arg_FORMATS)
    set(arg_FORMATS c)
  endif()
  if(NOT arg_OUTPUT_DIR)
    set(arg_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  endif()
  # Absolute, so the depfile mkvdso writes names the very paths declared here.
  get_filename_component(dir "${arg_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")

  # Which files `mkvdso build` writes, in the order it writes them and lists
  # them in the depfile (tool/cmd_build.c's writer table): each suffix with
  # the --format values that produce it.  Ninja wants the depfile's first
  # target to be the rule's first output, so the order matters; then come
  # vdso_auxv.h and vdso_auxv.rs (always) and vdso_data.h and vdso_data.rs
  # (built-in vDSO).
  set(suffixes ".h" ".c" "_image.h" ".bin" ".S" ".rs" ".json")
  set(formats_of.h c)
  set(formats_of.c c)
  set(formats_of_image.h c)
  set(formats_of.bin raw asm)
  set(formats_of.S asm)
  set(formats_of.rs rust)
  set(formats_of.json json)
  set(known_formats c raw asm rust json)
  foreach(format IN LISTS arg_FORMATS)
    if(NOT format IN_LIST known_formats)
      message(FATAL_ERROR "mkvdso_add_image(${target}): unknown format '${format}' "
        "in FORMATS (expected c, raw, asm, rust, json)")
    endif()
  endforeach()
  set(outputs)
  foreach(suffix IN LISTS suffixes)
    foreach(format IN LISTS formats_of${suffix})
      if(format IN_LIST arg_FORMATS)
        list(APPEND outputs "${dir}/${arg_NAME}${suffix}")
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES outputs)
  list(APPEND outputs "${dir}/vdso_auxv.h" "${dir}/vdso_auxv.rs")
  list(JOIN arg_FORMATS "," format_list)

  set(command build "--base=${arg_BASE}" "--format=${format_list}" "-n" "${arg_NAME}"
      "-o" "${dir}" "--depfile=${dir}/${arg_NAME}.d" -q)
  set(depends "$<TARGET_FILE:mkvdso::mkvdso>")
  if(arg_ARCH)
    list(APPEND command "--arch=${arg_ARCH}")
  endif()
  if(arg_SYSCALL_INSN)
    list(APPEND command "--syscall-insn=${arg_SYSCALL_INSN}")
  endif()
  if(arg_PREBUILT)
    get_filename_component(prebuilt "${arg_PREBUILT}" ABSOLUTE)
    list(APPEND command "--prebuilt=${prebuilt}")
    # Also a plain dependency: the first build has no depfile yet, and
    # PREBUILT may be made by another rule of this project.
    list(APPEND depends "${prebuilt}")
  else()
    # Only the built-in vDSO has mkvdso's data page, for C and for Rust.
    list(APPEND outputs "${dir}/vdso_data.h" "${dir}/vdso_data.rs")
  endif()
  # Written last, after the data files.
  if(arg_PROBE)
    list(APPEND command "--probe")
    list(APPEND outputs "${dir}/${arg_NAME}-probe")
  endif()

  add_custom_command(OUTPUT ${outputs}
    COMMAND mkvdso::mkvdso ${command}
    DEPENDS ${depends}
    DEPFILE "${dir}/${arg_NAME}.d"
    COMMENT "mkvdso: building the vDSO image ${target} in ${dir}"
    VERBATIM)

  # Every output is a source of the target (so the target owns the rule),
  # but only NAME.c is compiled: NAME.S would define NAME_image again.
  set(compiled "${dir}/${arg_NAME}.c")
  set(listed ${outputs})
  list(REMOVE_ITEM listed "${compiled}")
  set_source_files_properties(${listed} PROPERTIES HEADER_FILE_ONLY ON)
  if("c" IN_LIST arg_FORMATS)
    add_library(${target} OBJECT ${outputs})
    target_include_directories(${target} PUBLIC "${dir}")
  else()
    add_library(${target} INTERFACE ${outputs})
    target_include_directories(${target} INTERFACE "${dir}")
  endif()
  set_target_properties(${target} PROPERTIES MKVDSO_OUTPUTS "${outputs}")
endfunction()

cmake_policy(POP)
