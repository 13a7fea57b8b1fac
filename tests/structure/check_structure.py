"""Checks the library's structure rules (docs/design.md, "Layers and sizes"):

1. Layers: a header of folder F under include/sinew/ includes only headers of F or of folders
   below F in the layer order that docs/design.md states (config.hpp at the bottom, sinew.hpp at
   the top), and no two headers include each other through a cycle.
2. Usage comments: every sinew::name a header's comments show is declared somewhere in the
   library (a usage line naming an API that does not exist fails), and every statement of a
   header's usage comment (`//   code;` lines of its leading comment, without pseudo-code "..."
   or CUDA-only lines) is in tests/structure/usage_test.cpp, a compiled file, verbatim.
3. Sizes: every file under include/, tools/, examples/, benchmarks/ and python/src/ is at most 600 lines,
   every C++ function at most 150, except the entries docs/design.md's size table lists with a
   reason; a listed entry that no longer exceeds its limit fails too (the table stays true).

Run from the repository root: python3 tests/structure/check_structure.py
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxx_functions  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INC = os.path.join(ROOT, "include", "sinew")
FILE_LIMIT, FUNC_LIMIT = 600, 150


def design_text():
    with open(os.path.join(ROOT, "docs", "design.md")) as f:
        return f.read()


def layer_order(doc):
    m = re.search(r"```text\nlayers \(low to high\):\n(.*?)```", doc, re.S)
    if not m:
        sys.exit("docs/design.md: no ```text block starting 'layers (low to high):'")
    order = []
    for line in m.group(1).splitlines():
        order += [w.strip().rstrip("/") for w in line.split("<") if w.strip()]
    return {name: i for i, name in enumerate(order)}


def unit_of(rel):
    """The layer a header belongs to: its folder, or the file itself at the top level."""
    return rel.split("/")[0] if "/" in rel else rel


def headers():
    for d, _, fs in os.walk(INC):
        for f in sorted(fs):
            if f.endswith((".hpp", ".cuh")):
                p = os.path.join(d, f)
                yield os.path.relpath(p, INC), p


def includes(path):
    """(line, header relative to include/sinew/) of each Sinew header the file includes, by its
    sinew/ path or by a path relative to the file."""
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = re.match(r'\s*#\s*include\s*[<"]([^>"]+)[>"]', line)
            if not m:
                continue
            inc = m.group(1)
            if inc.startswith("sinew/"):
                yield n, inc[len("sinew/"):]
                continue
            local = os.path.normpath(os.path.join(os.path.dirname(path), inc))
            if local.startswith(INC + os.sep) and os.path.exists(local):
                yield n, os.path.relpath(local, INC)


def check_layers(order):
    errors, graph = [], {}
    for rel, path in headers():
        u = unit_of(rel)
        if u not in order:
            errors.append(f"include/sinew/{rel}: '{u}' has no place in docs/design.md's layer order")
            continue
        graph[rel] = []
        for line, inc in includes(path):
            if not os.path.exists(os.path.join(INC, inc)):
                errors.append(f"include/sinew/{rel}:{line}: includes sinew/{inc}, which does not exist")
                continue
            graph[rel].append(inc)
            v = unit_of(inc)
            if v in order and order[v] > order[u]:
                errors.append(f"include/sinew/{rel}:{line}: includes sinew/{inc}: '{u}' may not include "
                              f"'{v}', which is above it in the layer order")
    # cycles among headers (depth-first search, iterative)
    state = {}
    for start in graph:
        if state.get(start):
            continue
        stack = [(start, iter(graph[start]))]
        state[start], path = 1, [start]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(nxt) == 1:
                errors.append("include cycle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            elif not state.get(nxt) and nxt in graph:
                state[nxt] = 1
                stack.append((nxt, iter(graph[nxt])))
                path.append(nxt)
    return errors


def check_usage_names():
    """Every `sinew::a::b` in a header's comments names something declared in the library."""
    code, uses = [], []
    for rel, path in headers():
        with open(path) as f:
            text = f.read()
        code.append(cxx_functions.strip(text))
        for n, line in enumerate(text.splitlines(), 1):
            c = line.find("//")
            if c >= 0:
                for name in re.findall(r"sinew::([A-Za-z_][A-Za-z_0-9]*(?:::[A-Za-z_][A-Za-z_0-9]*)*)", line[c:]):
                    uses.append((rel, n, name))
    code = "\n".join(code)
    declared = {}
    errors = []
    for rel, n, name in uses:
        last = name.split("::")[-1]
        if last not in declared:
            declared[last] = re.search(r"\b" + re.escape(last) + r"\b", code) is not None
        if not declared[last]:
            errors.append(f"include/sinew/{rel}:{n}: the comment shows sinew::{name}, which the library does not declare")
    return errors


def usage_statements(path):
    """The statements of a header's usage examples: the `//   code;` lines of its leading comment
    that follow an empty `//` line (so indented prose under a bullet does not count), the trailing
    comment cut, without pseudo-code (...) and without CUDA-only lines (exec::Cuda, DeviceModel: the
    CUDA tests compile those)."""
    out, in_code = [], False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.startswith("//"):
                break
            if line.strip() == "//":
                in_code = True
                continue
            m = re.match(r"//   (\S.*)$", line)
            if not m:
                in_code = False
                continue
            if not in_code:
                continue
            code = re.sub(r"\s*//.*$", "", m.group(1)).strip()
            if code.endswith(";") and "..." not in code and "Cuda" not in code and "DeviceModel" not in code:
                out.append(" ".join(code.split()))
    return out


def check_usage_compiled():
    """Every statement of every header's usage comment is compiled, verbatim, in usage_test.cpp."""
    test = os.path.join(ROOT, "tests", "structure", "usage_test.cpp")
    with open(test) as f:
        text = f.read()
    body = {" ".join(line.split()) for line in text.splitlines()}
    marked = set(re.findall(r"// usage of sinew/(\S+)", text))
    errors = []
    for rel in sorted(marked):
        if not os.path.exists(os.path.join(INC, rel)):
            errors.append(f"tests/structure/usage_test.cpp: sinew/{rel} does not exist")
    for rel, path in headers():
        stmts = usage_statements(path)
        if stmts and rel not in marked:
            errors.append(f"include/sinew/{rel}: its usage comment is not in tests/structure/usage_test.cpp "
                          f"(add a function marked '// usage of sinew/{rel}')")
        for st in stmts:
            if st not in body:
                errors.append(f"include/sinew/{rel}: the usage line '{st}' is not compiled in "
                              "tests/structure/usage_test.cpp")
    return errors

def size_exemptions(doc):
    """Rows `| path | name or - | lines | why |` of the table after '### Size exemptions': the
    line count stated for each (file, function)."""
    sec = doc.split("### Size exemptions", 1)
    if len(sec) < 2:
        sys.exit("docs/design.md: no '### Size exemptions' section")
    rows = {}
    for line in sec[1].split("\n\n", 2)[1].splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0] not in ("file", "---") and not set(cells[0]) <= {"-"}:
            rows[(cells[0], cells[1])] = cells[2]
    return rows


def check_sizes(exempt):
    errors, seen = [], set()
    for top in ("include", "tools", "examples", "benchmarks", os.path.join("python", "src")):
        for d, _, fs in os.walk(os.path.join(ROOT, top)):
            for f in sorted(fs):
                if not f.endswith((".hpp", ".cuh", ".cpp", ".cu", ".h")):
                    continue
                p = os.path.join(d, f)
                rel = os.path.relpath(p, ROOT)
                with open(p) as fh:
                    n = sum(1 for _ in fh)
                if n > FILE_LIMIT:
                    if (rel, "-") in exempt:
                        seen.add((rel, "-"))
                        if exempt[(rel, "-")] != str(n):
                            errors.append(f"docs/design.md gives {rel} {exempt[(rel, '-')]} lines; it has {n}")
                    else:
                        errors.append(f"{rel}: {n} lines (limit {FILE_LIMIT}; split it or list it with a "
                                      "reason in docs/design.md's size exemptions)")
                for length, name, line in cxx_functions.functions(p):
                    if length > FUNC_LIMIT:
                        if (rel, name) in exempt:
                            seen.add((rel, name))
                            if exempt[(rel, name)] != str(length):
                                errors.append(f"docs/design.md gives {rel} {name} {exempt[(rel, name)]} lines; "
                                              f"it has {length}")
                        else:
                            errors.append(f"{rel}:{line}: function {name} is {length} lines (limit {FUNC_LIMIT})")
    for key in exempt:
        if key not in seen:
            errors.append(f"docs/design.md lists {key[0]} {key[1]} as over its limit; it is not (remove the row)")
    return errors


def main():
    doc = design_text()
    errors = (check_layers(layer_order(doc)) + check_usage_names() + check_usage_compiled() +
              check_sizes(size_exemptions(doc)))
    for e in errors:
        print(e)
    print(f"structure: {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
