#!/usr/bin/env python3
"""Regenerate cli/hot-code.ld: the functions the `wayfinder` binary runs for typical programs,
which the linker places together at the start of .text (see cli/build.rs).

Why: the kernel maps a file's pages 64 KiB at a time around each page a process touches
("fault-around"), and a program's resident set counts them all. Startup (clap, opening
the libraries, parsing, compiling) and the executor's common paths touch a few hundred
functions scattered over the 3.4 MB of code, so a small script had about 2.5 MB of code
resident; placed together they fit in under 1 MB.

Usage (needs valgrind and nm):

    cargo build --release -p wayfinder
    cli/hot-code/generate.py target/release/wayfinder > cli/hot-code.ld

It runs an empty script (startup and exit; under `run` and in lua mode),
cli/hot-code/tail.lua (what programs do last), and each lua-tests/bench program for up to
12 seconds under callgrind, maps the executed addresses to symbols, and writes one
input-section pattern per function: the empty script's and tail.lua's functions first, then
the others by how many programs ran them. It also orders .rodata by crate
(`HOT_DATA_CRATES`). Patterns leave out the
hash in legacy-mangled names (it changes with the crate's path and build), so the file
stays valid across checkouts and most edits; a renamed function merely falls out of the
hot section until the file is regenerated.
"""

import bisect
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH = os.path.join(ROOT, "lua-tests", "bench")

# Object-file patterns (`<binary>-<hash>.<crate>-<hash>...` with LTO) of the crates whose
# constant data typical programs read, in the order they go at the start of .rodata.
HOT_DATA_CRATES = ["wayfinder_vm-*", "wayfinder.*", "wayfinder_reload-*", "std-*", "alloc-*",
                   "gc_arena-*", "hashbrown-*", "itoa-*", "serde_json-*", "zmij-*", "core-*"]


def symbols(binary):
    out = subprocess.run(
        ["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True
    ).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            syms.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    syms.sort()
    return syms


def executed(profile, binary_name):
    """Instruction addresses callgrind recorded in the object named binary_name."""
    objects, current, addr = {}, None, 0
    with open(profile) as f:
        for line in f:
            m = re.match(r"^(c?)ob=\((\d+)\)(?: (.*))?", line)
            if m:
                if m.group(3):
                    objects[m.group(2)] = m.group(3)
                if not m.group(1):
                    current = objects.get(m.group(2))
                continue
            m = re.match(r"^(0x[0-9a-f]+|\+\d+|-\d+|\*)\s", line)
            if m:
                t = m.group(1)
                if t.startswith("0x"):
                    addr = int(t, 16)
                elif t[0] == "+":
                    addr += int(t[1:])
                elif t[0] == "-":
                    addr -= int(t[1:])
                if current and current.endswith("/" + binary_name):
                    yield addr


def profile(binary, script, out, seconds=None, lua_mode=False):
    cmd = ["valgrind", "--tool=callgrind", "--dump-instr=yes", "--callgrind-out-file=" + out,
           binary] + ([] if lua_mode else ["run"]) + [script]
    if seconds:
        cmd = ["timeout", str(seconds)] + cmd
    subprocess.run(cmd, cwd=os.path.dirname(script), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def pattern(name):
    m = re.match(r"^(_ZN.*17h)[0-9a-f]{16}E(\..*)?$", name)
    if m:
        return m.group(1) + "*"
    if name.startswith("_R"):
        return name.split(".llvm.")[0] + "*"
    if name == "main":
        return name
    return None  # C runtime pieces (_start) and libm's, not in .text.NAME sections


def main():
    binary = os.path.abspath(sys.argv[1])
    syms = symbols(binary)
    starts = [s[0] for s in syms]
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.lua")
        open(empty, "w").close()
        # The empty script twice: under `run` (with the control port's thread) and with
        # lua's command line (`wayfinder empty.lua`); both are start-up.
        scripts = [(empty, None, False), (empty, None, True),
                   (os.path.join(HERE, "tail.lua"), None, False)]
        scripts += [(os.path.join(BENCH, p), 12, False)
                    for p in sorted(os.listdir(BENCH)) if p.endswith(".lua")]
        programs, first, startup = {}, {}, set()
        for k, (script, seconds, lua_mode) in enumerate(scripts):
            out = os.path.join(tmp, "%d.cg" % k)
            profile(binary, script, out, seconds, lua_mode)
            seen = {}  # in the order the profile lists them
            for a in executed(out, os.path.basename(binary)):
                i = bisect.bisect_right(starts, a) - 1
                if i >= 0 and a < syms[i][0] + max(syms[i][1], 1):
                    # Every name at this address: functions with the same code (`u64`'s
                    # and `usize`'s `Display::fmt`) are one section under one of them.
                    j = i
                    while j >= 0 and syms[j][0] == syms[i][0]:
                        seen.setdefault(syms[j][2], None)
                        j -= 1
            for n in seen:
                first.setdefault(n, len(first))
                programs[n] = programs.get(n, 0) + 1
            # Start-up and what every program does last: the profiles of the programs stop
            # before their end, so the functions of their last lines (print, tostring,
            # number formatting) counted for one program and went to the far end.
            if k < 3:
                startup |= set(seen)
            print("%s: %d functions" % (os.path.basename(script), len(seen)), file=sys.stderr)
    order = sorted(programs, key=lambda n: (n not in startup, -programs[n], first[n]))
    lines, done = [], set()
    for n in order:
        p = pattern(n)
        if p is None:
            continue
        if "exec8dispatch17h" in p:
            # The dispatch loop starts on a cache line, so that code added before it
            # (a longer setup_call) does not shift its hot branches (measured: loops 1.09x
            # slower for 16 bytes of shift; aligned, loops 0.92 and sieve 0.87 of unaligned).
            lines.append("    . = ALIGN(64);")
        for section in (".text." + p, ".text.unlikely." + p):
            if section not in done:
                done.add(section)
                lines.append("    *(%s)" % section)
    print("/* Generated by cli/hot-code/generate.py: the functions that typical programs run,")
    print("   placed together before the rest of the code (cli/build.rs). */")
    # The output section is `.text` itself, so the rest of the code (orphan `.text.*`
    # sections) follows in the same section: tools that look for one `.text` (valgrind)
    # keep finding every function.
    print("SECTIONS {")
    # .init and .fini (run at start and exit), .plt, the C runtime's _start (in crt1.o's
    # or Scrt1.o's plain .text) and crtbegin's functions go just before the hot code: left
    # at the far end or in the middle of .text, each kept 64-128 KB of cold code resident.
    print("  .init : { KEEP (*(SORT_NONE(.init))) }")
    print("  .fini : { KEEP (*(SORT_NONE(.fini))) }")
    print("  .plt : { *(.plt) *(.iplt) }")
    print("  .text : {")
    print("    *crt1.o(.text)")
    # crtbegin's frame_dummy and register_tm_clones run from .init_array.
    print("    *crtbegin*.o(.text)")
    print("    *crtend*.o(.text)")
    print("\n".join(lines))
    print("  }")
    print("} INSERT AFTER .eh_frame;")
    # Constant data the same way, by crate: the linker's merged strings and constants,
    # then the crates whose data every run reads (jump tables, names, formatting tables),
    # then the rest (clap's, the regex engine's, time zones...) as orphans. Left in link
    # order, what a small script reads was spread over all 270 KB of .rodata.
    print("SECTIONS {")
    print("  .rodata : {")
    print("    *(.rodata.str1.*) *(.rodata.cst*)")
    for crate in HOT_DATA_CRATES:
        print("    *.%s(.rodata .rodata.*)" % crate)
    print("  }")
    print("} INSERT AFTER .rela.plt;")
    # Rust's `main` reads this section (a volatile load, for gdb's pretty printers): after
    # the exception tables or after .rodata, that read kept 64 KB of them resident; before
    # .rodata it shares the ELF headers' pages.
    print("SECTIONS {")
    print("  .debug_gdb_scripts : { KEEP (*(.debug_gdb_scripts)) }")
    print("} INSERT BEFORE .rodata;")


if __name__ == "__main__":
    main()
