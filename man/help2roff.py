#!/usr/bin/env python3
"""help2roff.py - write moat(1) and one moat-CMD(1) per subcommand from the
command's own --help, so the man pages cannot drift from the program.

    help2roff.py --moat build/moat --out build/man [--docdir /usr/share/doc/moat]

The subcommands are the ones `moat --help` lists under "Commands:". Each help
text is read the way it is written (see src/cli/cmd_*.c):

    Usage: moat CMD ...        SYNOPSIS (indented "moat CMD ..." lines: more forms)
    prose at column 0          DESCRIPTION paragraphs
    Options: / Examples: /     a section of that name
      Commands:
    Exit status: ... / Output: a section of that name holding the paragraph
    other "Heading:" lines     a paragraph introducing the indented block below
    indented blocks            a definition list when every line is "TERM  text"
                               (or text continued below it), else kept verbatim

SEE ALSO lists moat(1) (or every subcommand's page, in moat(1)), the pages of
the other subcommands the text mentions ('moat db'), and the docs/*.md files it
names, where they are installed. man/<page>.roff, if present, is raw roff added
before SEE ALSO (ENVIRONMENT, FILES). Debian's help2man was tried first: it
fills every indented block, which mangles the examples, the policy sample and
the bullet lists these texts carry.
"""
import argparse
import datetime
import os
import re
import subprocess
import sys

KNOWN_SECTIONS = {"Options": "OPTIONS", "Examples": "EXAMPLES", "Commands": "COMMANDS"}
PREFIX_SECTIONS = ("Exit status", "Output")
OPTION_RE = re.compile(r"(?<![\w-])(--?[A-Za-z0-9][A-Za-z0-9-]*)")
ARG_RE = re.compile(r"(?<![\w$])([A-Z][A-Z0-9_]*(?:\.\.\.)?)(?![\w])")
ITEM_RE = re.compile(r"^(\S.*?)( {2,})(\S.*)$")
# "-f, --format FORMAT  text", also when the text follows after one space
OPT_ITEM_RE = re.compile(r"^((?:-[A-Za-z0-9], )?--?[A-Za-z0-9][\w-]*(?:[ =][A-Z][\w.,\[\]|-]*)?)( +)(\S.*)$")


def fail(msg):
    sys.exit(f"help2roff: {msg}")


def run_help(moat, args):
    try:
        r = subprocess.run([moat, *args, "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        fail(f"{moat} {' '.join(args)} --help: {e}")
    if r.returncode != 0 or not r.stdout.startswith("Usage: "):
        fail(f"{moat} {' '.join(args)} --help exited {r.returncode} without a Usage: line")
    return r.stdout


def commands(top_help):
    """[(name, summary)] from the "Commands:" block of `moat --help`."""
    out, inside = [], False
    for line in top_help.splitlines():
        if line == "Commands:":
            inside = True
        elif inside:
            m = re.match(r"^  ([a-z][a-z0-9-]*) +(\S.*)$", line)
            if not m:
                break
            out.append((m.group(1), m.group(2)))
    if not out:
        fail("`moat --help` lists no commands")
    return out


def esc(text):
    """Escape plain text for roff, keeping it as typed (minus, quotes, dots)."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = text.replace("'", "\\(aq").replace("`", "\\(ga")
    return text


def line(text):
    """One roff text line: no leading blank, no leading control character."""
    text = esc(text.strip())
    return "\\&" + text if text.startswith((".", "\\(aq")) else text


def fmt_term(term):
    """Options in bold, METAVARS in italics: "-f, --format FORMAT"."""
    parts, pos = [], 0
    for m in re.finditer(f"{OPTION_RE.pattern}|{ARG_RE.pattern}", term):
        parts.append(esc(term[pos : m.start()]))
        font = "B" if m.group(1) else "I"
        parts.append(f"\\f{font}{esc(m.group(0))}\\fR")
        pos = m.end()
    parts.append(esc(term[pos:]))
    out = "".join(parts)
    return "\\&" + out if out.startswith(".") else out


def indent_of(s):
    """Columns of indentation; one space still continues the prose above."""
    n = len(s) - len(s.lstrip(" "))
    return n if n >= 2 else 0


def definition_list(block, options):
    """[(term, [text lines])] when the indented block is a definition list, else None."""
    items, desc_col, item_ind = [], None, 0
    for raw in block:
        ind = indent_of(raw)
        if items and (ind >= desc_col - 2 or ind >= item_ind + 8):
            items[-1][1].append(raw.strip())
            continue
        item_ind = ind
        m = (OPT_ITEM_RE if raw[ind] == "-" else ITEM_RE).match(raw[ind:])
        term = m.group(1) if m else raw.strip()
        if not re.match(r"^-" if options else r"^(-|[a-z][a-z0-9-]*\b)", term):
            return None
        if m is None:
            if not options:
                return None
            items.append((term, []))
            desc_col = ind + 4
            continue
        items.append((term, [m.group(3)]))
        desc_col = ind + len(m.group(1)) + len(m.group(2))
    return items


def render_block(block, section, out):
    items = None if section == "EXAMPLES" else definition_list(block, section == "OPTIONS")
    if items is None:
        base = min(indent_of(b) for b in block)
        out += [".PP", ".RS 4", ".nf"]
        out += ["\\&" + esc(b[base:].rstrip()) for b in block]
        out += [".fi", ".RE"]
        return
    for term, text in items:
        # A continued line that starts a sentence without the one above ending
        # ("... ('-' = stdout)" / "Without --bundle ...") is a line of its own.
        for k in range(len(text) - 1, 0, -1):
            if text[k][0].isupper() and not text[k - 1].endswith((".", ",", ";", ":", "(")):
                text[k:k] = [None]
        word = re.match(r"^[a-z][a-z0-9-]*\b", term)  # a subcommand: "import PATH..."
        head = f"\\fB{esc(word.group(0))}\\fR" if word else ""
        out += [".TP", head + fmt_term(term[word.end() :] if word else term)]
        out += [".br" if t is None else line(t) for t in text]


def synopsis(lines):
    """The Usage: forms, each "moat CMD ..." possibly wrapped onto more lines."""
    forms = [lines[0][len("Usage: ") :].strip()]
    i = 1
    while i < len(lines) and lines[i].strip():
        s = lines[i].strip()
        if s.startswith("moat "):
            forms.append(s)
        else:
            forms[-1] += " " + s
        i += 1
    out = [".SH SYNOPSIS"]
    for n, form in enumerate(forms):
        words = form.split(" ")
        k = 1
        while k < len(words) and re.match(r"^[a-z][a-z0-9-]*$", words[k]):
            k += 1
        if n:
            out.append(".br")
        out.append(f"\\fB{esc(' '.join(words[:k]))}\\fR " + fmt_term(" ".join(words[k:])))
    return out, i


def body(lines):
    """The roff for everything after the synopsis."""
    out, section = [".SH DESCRIPTION"], "DESCRIPTION"
    groups, cur = [], []
    for raw in lines:
        if raw.strip():
            cur.append(raw.rstrip())
        elif cur:
            groups.append(cur)
            cur = []
    if cur:
        groups.append(cur)
    for g in groups:
        i = 0
        while i < len(g):
            if indent_of(g[i]):
                j = i
                while j < len(g) and indent_of(g[j]):
                    j += 1
                render_block(g[i:j], section, out)
                i = j
                continue
            head = g[i]
            if head.endswith(":") and (i + 1 == len(g) or indent_of(g[i + 1])):
                name = head[:-1]
                if name in KNOWN_SECTIONS:
                    section = KNOWN_SECTIONS[name]
                    out.append(f".SH {section}")
                else:
                    out += [".PP", line(head)]
                    if i + 1 < len(g):  # its block is an example or a list of its own
                        j = i + 1
                        while j < len(g) and indent_of(g[j]):
                            j += 1
                        render_block(g[i + 1 : j], "DESCRIPTION", out)
                        i = j
                        continue
                i += 1
                continue
            j = i
            while j < len(g) and not indent_of(g[j]):
                j += 1
            para = g[i:j]
            k = 0
            while k < len(para):
                m = re.match(r"^(%s): (.*)$" % "|".join(PREFIX_SECTIONS), para[k])
                if m:
                    section = m.group(1).upper()
                    out += [f'.SH "{section}"', line(m.group(2))]
                else:
                    out += [".PP", line(para[k])]
                k += 1
                while k < len(para) and not re.match(r"^(%s): " % "|".join(PREFIX_SECTIONS), para[k]):
                    out.append(line(para[k]))
                    k += 1
            i = j
    return out


def see_also(page, text, cmds, src, docdir):
    names = {c for c, _ in cmds}
    refs = []
    if page == "moat":
        refs = [f"moat-{c}" for c, _ in cmds]
    else:
        refs = ["moat"] + sorted(
            {f"moat-{c}" for c in re.findall(r"\bmoat ([a-z]+)\b", text) if c in names} - {page}
        )
    out = [".SH \"SEE ALSO\"", ",\n".join(f"\\fB{esc(r)}\\fR(1)" for r in refs)]
    docs = sorted(set(re.findall(r"\bdocs/([\w.-]+\.md)\b", text)))
    docs = [d for d in docs if os.path.isfile(os.path.join(src, "docs", d))]
    if docdir and docs:
        out += [".PP", "The documentation installed with moat:"]
        for d in docs:
            out += [".br", f"\\fI{esc(os.path.join(docdir, d))}\\fR"]
    return out


def page_roff(page, summary, text, version, date, cmds, args):
    lines = text.rstrip("\n").split("\n")
    syn, n = synopsis(lines)
    out = [
        f".\\\" Generated by man/help2roff.py from `{page.replace('-', ' ')} --help`: edit that text.",
        f'.TH {page.upper()} 1 "{date}" "moat {version}" "moat manual"',
        ".SH NAME",
        f"{esc(page)} \\- {esc(summary)}",
    ]
    out += syn + body(lines[n:])
    extra = os.path.join(args.src, "man", page + ".roff")
    if os.path.isfile(extra):
        with open(extra, encoding="utf-8") as f:
            out += [l.rstrip("\n") for l in f if not l.startswith('.\\"')]
    out += see_also(page, text, cmds, args.src, args.docdir)
    # no empty paragraph right after a heading
    out = [l for k, l in enumerate(out) if not (l == ".PP" and out[k - 1].startswith(".S"))]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--moat", required=True, help="the moat binary")
    ap.add_argument("--out", required=True, help="directory for the .1 files")
    ap.add_argument("--src", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--docdir", help="where docs/*.md are installed, for SEE ALSO")
    args = ap.parse_args()

    r = subprocess.run([args.moat, "--version"], capture_output=True, text=True, timeout=60)
    m = re.match(r"^moat (\S+)$", r.stdout.strip())
    if r.returncode != 0 or not m:
        fail(f"{args.moat} --version: unexpected answer {r.stdout!r}")
    version = m.group(1)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch else None
    date = (when or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d")

    top = subprocess.run([args.moat, "--help"], capture_output=True, text=True, timeout=60)
    if top.returncode != 0:
        fail(f"{args.moat} --help exited {top.returncode}")
    cmds = commands(top.stdout)
    m = re.search(r"^moat is an? ([^.]+)\.", top.stdout, re.M)
    pages = [("moat", m.group(1) if m else "container security toolkit", top.stdout)]
    pages += [(f"moat-{c}", s, run_help(args.moat, [c])) for c, s in cmds]

    os.makedirs(args.out, exist_ok=True)
    for stale in os.listdir(args.out):
        if stale.endswith(".1") and stale[:-2] not in {p for p, _, _ in pages}:
            os.unlink(os.path.join(args.out, stale))
    for page, summary, text in pages:
        path = os.path.join(args.out, page + ".1")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(page_roff(page, summary, text, version, date, cmds, args))
        os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
