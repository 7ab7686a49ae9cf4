#!/usr/bin/env bash
# tests/integration/install.sh — `cmake --install` of this build into a staging
# directory (DESTDIR, as `make install DESTDIR=...` and packagers do) gives:
# a moat that runs from there on the installed libmoat.so.0 (through its
# $ORIGIN RUNPATH, or LD_LIBRARY_PATH for a system libdir, which gets none);
# libmoat.so.0.1.0 with SONAME libmoat.so.0, the dev link, and only moat_*
# exported; a moat.pc that pkg-config reads and a C program builds and links
# against through <moat/moat.h>, calling moat_strerror and moat_version; the
# public headers of include/moat/, each compiling alone and together declaring
# every exported function; a man page for moat and every command it lists.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cache=$MOAT_BUILD/CMakeCache.txt
cachevar() { sed -n "s/^$1:[A-Z]*=//p" "$cache"; }
prefix=$(cachevar CMAKE_INSTALL_PREFIX)
libdir=$(cachevar CMAKE_INSTALL_LIBDIR)
bindir=$(cachevar CMAKE_INSTALL_BINDIR)
incdir=$(cachevar CMAKE_INSTALL_INCLUDEDIR)
version=$(cachevar CMAKE_PROJECT_VERSION)
[[ $libdir == /* ]] || libdir=$prefix/$libdir
[[ $bindir == /* ]] || bindir=$prefix/$bindir
[[ $incdir == /* ]] || incdir=$prefix/$incdir
CC=$(cachevar CMAKE_C_COMPILER)
san=()
[[ $(cachevar MOAT_SANITIZE) == ON ]] && san=("-fsanitize=address,undefined")

stage=$WORK/stage
if DESTDIR=$stage cmake --install "$MOAT_BUILD" >"$WORK/install.log" 2>&1; then
  ok "cmake --install $MOAT_BUILD with DESTDIR: $(grep -c 'Installing:' "$WORK/install.log") files"
else
  not_ok "cmake --install failed: $(tail -n 5 "$WORK/install.log")"
  it_done || exit 1
fi
bin=$stage$bindir/moat
lib=$stage$libdir

# --- the library: real file, SONAME link, dev link, exported symbols ---------
real=$lib/libmoat.so.$version
if [[ -f $real && ! -L $real ]]; then
  soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  if [[ $soname == "libmoat.so.${version%%.*}" ]]; then
    ok "libmoat.so.$version has SONAME $soname"
  else
    not_ok "libmoat.so.$version: SONAME '$soname', want libmoat.so.${version%%.*}"
  fi
  for link in "$soname" libmoat.so; do
    if [[ -L $lib/$link && $(realpath "$lib/$link") == "$(realpath "$real")" ]]; then
      ok "$link -> $(readlink "$lib/$link") resolves to libmoat.so.$version"
    else
      not_ok "$link is not a symlink to libmoat.so.$version"
    fi
  done
  # nm shows versioned names as moat_x@@MOAT_0: compare the names.
  nm -D --defined-only "$real" | awk '$2 ~ /^[TDBRVW]$/ {sub(/@.*/, "", $3); print $3}' |
    sort -u >"$WORK/exported"
  others=$(grep -v '^moat_' "$WORK/exported" || true)
  if [[ -z $others ]] && grep -qx moat_strerror "$WORK/exported"; then
    ok "exports $(wc -l <"$WORK/exported") symbols, all moat_* (moat_strerror among them)"
  else
    not_ok "exports other symbols than moat_*: $(echo "$others" | head -n 5 | tr '\n' ' ')"
  fi
  # The internal cross-file helpers the static archive has stay local.
  nm -g --defined-only "$MOAT_BUILD/libmoat.a" 2>/dev/null | awk 'NF == 3 {print $3}' |
    grep -v '^moat_' | sort -u >"$WORK/internal" || true
  leaked=$(comm -12 "$WORK/internal" "$WORK/exported" | head -n 5)
  if [[ -s $WORK/internal && -z $leaked ]]; then
    ok "none of the $(wc -l <"$WORK/internal") internal globals (e.g. $(head -n 1 "$WORK/internal")) is exported"
  else
    not_ok "internal symbols exported (or libmoat.a unreadable): $leaked"
  fi
else
  not_ok "no libmoat.so.$version in $libdir"
fi

# --- the installed moat runs on the installed library ------------------------
runpath=$(readelf -d "$bin" 2>/dev/null | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
env=(env -u LD_LIBRARY_PATH)
case $runpath in
  *"$MOAT_BUILD"*) not_ok "installed moat still has the build tree in its RUNPATH: $runpath" ;;
  \$ORIGIN/*) ok "installed moat has the relocatable RUNPATH $runpath" ;;
  '') ok "installed moat has no RUNPATH ($libdir is searched by the loader; run with LD_LIBRARY_PATH here)"
    env=(env "LD_LIBRARY_PATH=$lib") ;;
  *) not_ok "installed moat has an unexpected RUNPATH: $runpath" ;;
esac
# loaded_libmoat BINARY ENV...: the file the loader maps for libmoat.so.N.
loaded_libmoat() {
  local b=$1 p
  shift
  p=$("$@" ldd "$b" 2>/dev/null | awk -v so="libmoat.so.${version%%.*}" '$1 == so {print $3}')
  [[ -n $p ]] && realpath "$p"
}
if [[ $(loaded_libmoat "$bin" "${env[@]}") == "$(realpath "$real")" ]]; then
  ok "installed moat loads the installed libmoat.so.$version"
else
  not_ok "installed moat does not load $real: $("${env[@]}" ldd "$bin" | grep libmoat || true)"
fi
if out=$("${env[@]}" "$bin" --version 2>&1) && [[ $out == "moat $version" ]]; then
  ok "installed moat --version: $out"
else
  not_ok "installed moat --version: '$out'"
fi

# --- pkg-config, and a C program built with it --------------------------------
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage
if pcver=$(pkg-config --modversion moat 2>&1) && [[ $pcver == "$version" ]]; then
  ok "pkg-config --modversion moat: $pcver"
else
  not_ok "pkg-config --modversion moat: '$pcver'"
fi
if flags=$(pkg-config --cflags --libs moat 2>&1) && [[ " $flags " == *" -L$lib "* &&
  " $flags " == *" -lmoat "* && " $flags " == *" -I$stage$incdir "* ]]; then
  ok "pkg-config --cflags --libs moat: $flags"
else
  not_ok "pkg-config --cflags --libs moat: '$flags'"
fi
want=$(sed -n 's/.*\[MOAT_E_NOMEM\] = "\(.*\)",.*/\1/p' "$MOAT_SRC/src/base/error.c")
{
  cat <<'EOF'
#include <moat/moat.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    const char *neg = moat_strerror(-MOAT_E_NOMEM), *pos = moat_strerror(MOAT_E_NOMEM);

    printf("%s\n", neg);
    return strcmp(neg, pos) != 0 || strcmp(moat_version(), MOAT_VERSION_STRING) != 0;
}
EOF
} >"$WORK/prog.c"
# shellcheck disable=SC2086 # pkg-config's words
if "$CC" "${san[@]}" -std=c17 -Wall -Wextra -Werror -DMOAT_VERSION_STRING="\"$version\"" \
  -o "$WORK/prog" "$WORK/prog.c" $flags \
  >"$WORK/cc.log" 2>&1; then
  ok "a C program including <moat/moat.h> compiles and links against the installed libmoat with pkg-config"
  got=$(LD_LIBRARY_PATH=$lib "$WORK/prog" 2>&1) || true
  if [[ -n $want && $got == "$want" ]]; then
    ok "it calls moat_strerror(-MOAT_E_NOMEM) in libmoat.so: \"$got\" (src/base/error.c)"
  else
    not_ok "moat_strerror(-1) printed '$got', src/base/error.c says '$want'"
  fi
  if [[ $(loaded_libmoat "$WORK/prog" env "LD_LIBRARY_PATH=$lib") == "$(realpath "$real")" ]]; then
    ok "the program's libmoat.so.${version%%.*} is the installed one"
  else
    not_ok "the program does not load the installed libmoat"
  fi
else
  not_ok "C program against the installed libmoat: $(head -c 600 "$WORK/cc.log")"
fi

# --- headers ------------------------------------------------------------------
(cd "$MOAT_SRC/include" && find moat -name '*.h' | sort) >"$WORK/headers"
missing=$(while read -r h; do [[ -f $stage$incdir/$h ]] || echo "$h"; done <"$WORK/headers")
if [[ -s $WORK/headers && -z $missing ]]; then
  ok "all $(wc -l <"$WORK/headers") headers of include/moat/ are installed in $incdir/moat"
else
  not_ok "headers not installed: $missing"
fi
# each installed header stands alone: it names nothing outside the installed tree
alone=0
while read -r h; do
  # shellcheck disable=SC2046 # pkg-config's words
  if ! echo "#include <$h>" | "$CC" -std=c17 -Wall -Wextra -Werror -fsyntax-only -x c - \
    $(pkg-config --cflags moat) 2>"$WORK/h.log"; then
    not_ok "$h does not compile alone: $(head -c 300 "$WORK/h.log")"
  else
    alone=$((alone + 1))
  fi
done <"$WORK/headers"
[[ $alone == "$(wc -l <"$WORK/headers")" ]] && ok "each of the $alone installed headers compiles on its own"
# the exported functions are exactly the public API: declared in the installed headers
# (a moat_* function in an internal header would be exported without being public)
cat "$stage$incdir"/moat/*/*.h | tr -c 'A-Za-z0-9_' '\n' | grep '^moat_' | sort -u >"$WORK/declared"
undeclared=$(comm -23 "$WORK/exported" "$WORK/declared" | head -n 5 | tr '\n' ' ')
if [[ -s $WORK/exported && -z $undeclared ]]; then
  ok "every exported function is declared in the installed headers"
else
  not_ok "exported but in no public header: $undeclared"
fi

# --- man pages -----------------------------------------------------------------
if [[ $(cachevar MOAT_MAN) == OFF ]]; then
  if grep -q '/man1/' "$WORK/install.log"; then
    not_ok "MOAT_MAN=OFF, yet man pages were installed"
  else
    ok "MOAT_MAN=OFF: no man pages installed"
  fi
else
  # GNUInstallDirs leaves MANDIR empty in the cache (DATAROOTDIR/man): ask the install log.
  page=$(sed -n 's/^-- Installing: \(.*\/man1\/moat\.1\)$/\1/p' "$WORK/install.log")
  man1=$(dirname "${page:-$stage/none/man1/moat.1}")
  mandir=${man1#"$stage"}
  mapfile -t cmds < <("$MOAT" --help | awk '/^Commands:/ {f = 1; next} f && /^  [a-z]/ {print $1; next} f {exit}')
  absent=""
  for p in moat "${cmds[@]/#/moat-}"; do
    [[ -s $man1/$p.1 ]] || absent+=" $p.1"
  done
  if ((${#cmds[@]} > 0)) && [[ -z $absent ]]; then
    ok "man pages installed in $mandir: moat.1 and one for each of ${#cmds[@]} commands"
  else
    not_ok "man pages missing in $mandir:$absent"
  fi
fi

it_done
