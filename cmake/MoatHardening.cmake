# Hardening flags for every build type (Release, RelWithDebInfo, MinSizeRel,
# Debug, none) except sanitizer and fuzz builds, where ASan/UBSan/libFuzzer
# do the checking and _FORTIFY_SOURCE's wrappers would hide bugs from them.
#
#   -fstack-protector-strong        canary in every function with an array or address-taken local
#   -D_FORTIFY_SOURCE=3             __*_chk wrappers with dynamic object sizes (glibc >= 2.34);
#                                   only when optimising: glibc ignores it at -O0 with a #warning
#   -fstack-clash-protection        probe each page of large stack allocations
#   -fcf-protection                 x86 CET: endbr64 landing pads and shadow-stack notes
#   PIE                             -fPIE/-pie for executables (CMP0083), -fPIC for libmoat
#   -z relro -z now                 full RELRO: GOT read-only after relocation (BIND_NOW)
#   -z noexecstack                  never an executable stack, whatever an object file asks
#
# tests/integration/hardening.sh checks the result with readelf.
include(CheckCCompilerFlag)
include(CheckPIESupported)

set(MOAT_HARDENED OFF)
set(MOAT_FORTIFIED OFF)
if(NOT MOAT_SANITIZE AND NOT MOAT_FUZZ)
  set(MOAT_HARDENED ON)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  check_pie_supported(LANGUAGES C)

  add_compile_options(-fstack-protector-strong)
  foreach(flag -fstack-clash-protection -fcf-protection)
    string(MAKE_C_IDENTIFIER "MOAT_CC_HAS${flag}" var)
    check_c_compiler_flag(${flag} ${var})
    if(${var})
      add_compile_options(${flag})
    endif()
  endforeach()

  # The optimisation level in force is the last -O in CMAKE_C_FLAGS and the
  # build type's flags (a packager's CFLAGS may hold one too).
  string(TOUPPER "${CMAKE_BUILD_TYPE}" bt)
  string(REGEX MATCHALL "(^| )-O[^ ]*" opts "${CMAKE_C_FLAGS} ${CMAKE_C_FLAGS_${bt}}")
  list(POP_BACK opts opt)
  string(STRIP "${opt}" opt)
  if(opt AND NOT opt STREQUAL "-O0")
    set(MOAT_FORTIFIED ON)
    add_compile_options(-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3)
  endif()

  add_link_options(LINKER:-z,relro LINKER:-z,now LINKER:-z,noexecstack)
endif()
message(STATUS "moat: hardening ${MOAT_HARDENED}, _FORTIFY_SOURCE=3 ${MOAT_FORTIFIED}")
