#!/usr/bin/env bash
# tests/integration/hardening.sh — what cmake/MoatHardening.cmake asks for is
# in the ELF files, read back with readelf the way checksec does, for moat and
# libmoat.so: PIE (an ET_DYN executable flagged PIE), full RELRO (a GNU_RELRO
# segment and BIND_NOW), a non-executable stack, no text relocations, the
# stack protector (__stack_chk_fail imported) and, when the build optimises,
# _FORTIFY_SOURCE (__*_chk imported). Sanitizer and fuzz builds are built
# without these flags by design: there the test checks the sanitizer is in.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cache=$MOAT_BUILD/CMakeCache.txt
cachevar() { sed -n "s/^$1:[A-Z]*=//p" "$cache"; }
lib=$(realpath "$MOAT_BUILD/libmoat.so")
bt=$(cachevar CMAKE_BUILD_TYPE)

if [[ $(cachevar MOAT_SANITIZE) == ON || $(cachevar MOAT_FUZZ) == ON ]]; then
  nm -D "$MOAT" "$lib" >"$WORK/syms" 2>&1 || true
  if grep -q ' U __asan_init$' "$WORK/syms" && grep -q ' U __ubsan_handle' "$WORK/syms"; then
    ok "sanitizer build (${bt:-no build type}): instrumented with ASan/UBSan, hardening flags not applied by design"
  else
    not_ok "MOAT_SANITIZE/MOAT_FUZZ build without sanitizer instrumentation"
  fi
  it_done
  exit
fi

# Optimising build types must be fortified; Debug (-O0) cannot be.
case $bt in
  Release | RelWithDebInfo | MinSizeRel) fortify=required ;;
  *) fortify=optional ;;
esac

for f in "$MOAT" "$lib"; do
  name=$(basename "$f")
  readelf -hdlW --dyn-syms "$f" >"$WORK/elf" 2>&1
  type=$(awk '/^  Type:/ {print $2}' "$WORK/elf")
  if [[ $f == "$MOAT" ]]; then
    if [[ $type == DYN ]] && grep -q '(FLAGS_1).*PIE' "$WORK/elf"; then
      ok "$name: PIE (ET_DYN, FLAGS_1 PIE)"
    else
      not_ok "$name: not PIE (type $type, $(grep 'FLAGS_1' "$WORK/elf" || echo no FLAGS_1))"
    fi
  fi
  if grep -q ' GNU_RELRO ' "$WORK/elf"; then
    ok "$name: GNU_RELRO segment"
  else
    not_ok "$name: no GNU_RELRO segment"
  fi
  if grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).* NOW' "$WORK/elf"; then
    ok "$name: BIND_NOW (full RELRO)"
  else
    not_ok "$name: lazy binding, RELRO is only partial"
  fi
  stack=$(awk '$1 == "GNU_STACK" {print $(NF - 1)}' "$WORK/elf")
  if [[ $stack == RW ]]; then
    ok "$name: GNU_STACK $stack, not executable"
  else
    not_ok "$name: GNU_STACK '$stack'"
  fi
  if grep -q 'TEXTREL' "$WORK/elf"; then
    not_ok "$name: text relocations"
  else
    ok "$name: no text relocations"
  fi
  if grep -Eq ' UND +__stack_chk_fail' "$WORK/elf"; then
    ok "$name: stack protector (imports __stack_chk_fail)"
  else
    not_ok "$name: no __stack_chk_fail: not built with -fstack-protector-strong"
  fi
  mapfile -t chk < <(grep -Eo ' UND +__[a-z0-9_]+_chk\b' "$WORK/elf" | awk '{print $2}' |
    grep -v __stack_chk_fail | sort -u)
  if ((${#chk[@]} > 0)); then
    ok "$name: _FORTIFY_SOURCE (${#chk[@]} __*_chk functions, e.g. ${chk[*]:0:3})"
  elif [[ $fortify == optional ]]; then
    ok "$name: no __*_chk functions, as expected of a ${bt:-no build type} (-O0) build"
  else
    not_ok "$name: no __*_chk functions in a $bt build: _FORTIFY_SOURCE is off"
  fi
done

it_done
