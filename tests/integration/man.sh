#!/usr/bin/env bash
# tests/integration/man.sh — the man pages the build generates from the
# commands' --help (man/help2roff.py) cover every command `moat --help` lists
# and no other, render with `man --warnings` silent, are not older than the
# moat they describe, name the command with its summary, and keep every
# option of its --help; moat(1) refers to every command's page.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

man1=$MOAT_BUILD/man/man1
if grep -q '^MOAT_MAN:BOOL=OFF' "$MOAT_BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: configured with -DMOAT_MAN=OFF, no man pages to check"
  exit 77
fi
if ! command -v man >/dev/null; then
  not_ok "man (man-db) is not installed: scripts/install-deps.sh installs it"
  it_done
fi

# render PAGE: plain text, no hyphenation or justification, one paragraph a line.
render() { LC_ALL=C MANWIDTH=4000 man --nh --nj -l "$1" 2>/dev/null; }

"$MOAT" --help >"$WORK/top"
mapfile -t cmds < <(awk '/^Commands:/ {f = 1; next} f && /^  [a-z]/ {print $1; next} f {exit}' "$WORK/top")
if ((${#cmds[@]} >= 10)); then
  ok "moat --help lists ${#cmds[@]} commands: ${cmds[*]}"
else
  not_ok "moat --help lists only ${#cmds[@]} commands"
fi

want=$(printf '%s.1\n' moat "${cmds[@]/#/moat-}" | sort)
have=$(find "$man1" -maxdepth 1 -name '*.1' -printf '%f\n' 2>/dev/null | sort)
if [[ $want == "$have" ]]; then
  ok "$man1 holds exactly moat.1 and one page per command"
else
  not_ok "pages differ from the commands (- wanted, + present): $(diff <(echo "$want") <(echo "$have") | grep '^[<>]' | tr '\n' ' ')"
fi

for page in moat "${cmds[@]/#/moat-}"; do
  f=$man1/$page.1
  [[ -f $f ]] || continue
  warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null || echo "man failed")
  if [[ -z $warn ]]; then
    ok "$page.1 renders without warnings"
  else
    not_ok "$page.1: $(echo "$warn" | head -n 3)"
  fi
  if [[ $f -nt $MOAT || ! $MOAT -nt $f ]]; then
    ok "$page.1 is not older than $MOAT"
  else
    not_ok "$page.1 is older than the moat binary: stale"
  fi
  render "$f" >"$WORK/page"
  if [[ $page == moat ]]; then
    help=$WORK/top
    summary="container security toolkit"
  else
    "$MOAT" "${page#moat-}" --help >"$WORK/help"
    help=$WORK/help
    summary=$(awk -v c="${page#moat-}" '$1 == c {sub(/^ *[a-z]+ +/, ""); print; exit}' "$WORK/top")
  fi
  if grep -qxF "       $page - $summary" "$WORK/page"; then
    ok "$page.1 NAME: $page - $summary"
  else
    not_ok "$page.1 NAME is not '$page - $summary': $(grep -A1 '^NAME' "$WORK/page" | tail -n 1)"
  fi
  lost=""
  for opt in $(grep -o -- '--[a-z][a-z0-9-]*' "$help" | sort -u); do
    grep -qF -- "$opt" "$WORK/page" || lost+=" $opt"
  done
  if [[ -z $lost ]]; then
    ok "$page.1 has all $(grep -o -- '--[a-z][a-z0-9-]*' "$help" | sort -u | wc -l) long options of its --help"
  else
    not_ok "$page.1 lacks$lost"
  fi
done

render "$man1/moat.1" | sed -n '/^SEE ALSO/,$p' >"$WORK/seealso"
missing=""
for c in "${cmds[@]}"; do
  grep -qF "moat-$c(1)" "$WORK/seealso" || missing+=" moat-$c(1)"
done
if [[ -z $missing ]]; then
  ok "moat(1) SEE ALSO names every command's page"
else
  not_ok "moat(1) SEE ALSO lacks$missing"
fi

it_done
