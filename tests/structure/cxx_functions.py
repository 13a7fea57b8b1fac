"""Function bodies in C++ source, found by brace matching after comments, literals and preprocessor
lines are blanked out: good enough for size limits (it is not a parser: a function is a brace block
at namespace or class scope whose header ends like a function declaration)."""
import re,sys,os
def strip(src):
    # remove comments and string/char literals, keep newlines
    out=[];i=0;n=len(src)
    while i<n:
        c=src[i]
        if src.startswith('//',i):
            j=src.find('\n',i); j=n if j<0 else j; i=j; continue
        if src.startswith('/*',i):
            j=src.find('*/',i+2); j=n if j<0 else j+2; out.append('\n'*src.count('\n',i,j)); i=j; continue
        if c=='R' and src.startswith('R"',i):
            m=re.match(r'R"([^(]*)\(',src[i:]); d=m.group(1); j=src.find(')'+d+'"',i)+len(d)+2
            out.append('""'+'\n'*src.count('\n',i,j)); i=j; continue
        if c in '"\'':
            j=i+1
            while j<n and src[j]!=c:
                j+= 2 if src[j]=='\\' else 1
            out.append(c+c); i=j+1; continue
        out.append(c); i+=1
    return ''.join(out)
QUALIFIERS = r"(?:\s*(?:const|volatile|noexcept(?:\([^)]*\))?|override|final|mutable|&&|&))*"


def without_template(h):
    """h without its leading `template <...>` clauses (angle brackets balanced)."""
    while h.startswith("template"):
        i = h.find("<")
        if i < 0:
            return h
        depth = 0
        for j in range(i, len(h)):
            depth += {"<": 1, ">": -1}.get(h[j], 0)
            if depth == 0:
                h = h[j + 1:].lstrip()
                break
        else:
            return h
    return h


def is_initializer(h):
    """A `{` after h opens a braced initializer or an expression, not a block of a declaration."""
    if not h:
        return False
    if h[-1] in "=(,[{" or re.search(r"\b(return|throw)\b", h):
        return True
    body = without_template(h)
    if re.match(r"^(struct|class|union|enum|namespace|extern)\b", body) or "->" in body or "(" not in body:
        return False
    # `T x(args) {` is not C++; `name(args) qualifiers {` is a function; `T x{` after a call is not
    return re.search(r"[\w>]$", body) is not None and re.search(r"\)" + QUALIFIERS + r"\s*$", body) is None


def is_function_header(h):
    body = without_template(h)
    if "(" not in body or re.match(r"^(if|for|while|switch|catch|do|else|struct|class|union|enum|namespace)\b", body):
        return False
    if re.search(r"\]\s*(\([^)]*\))?\s*(mutable)?\s*(->[^{]*)?$", body):  # a lambda
        return False
    prefix = body.split("(")[0]
    return "=" not in prefix or "operator" in prefix


def functions(path):
    """(length in lines, name, first line) of every function body at namespace or class scope."""
    s = strip(open(path).read())
    s = re.sub(r"(?m)^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", lambda m: "\n" * m.group(0).count("\n"), s)
    res, stack, last, line = [], [], 0, 1
    for i, c in enumerate(s):
        if c == "\n":
            line += 1
        elif c in ";{}":
            if c == "{":
                h = " ".join(s[last:i].split())
                if is_initializer(h):
                    stack.append(("i", line, ""))
                    continue
                infunc = any(k == "f" for k, _, _ in stack)
                isf = not infunc and is_function_header(h)
                name = re.findall(r"(operator\s*\S+?|[~\w:]+)\s*\(", without_template(h))
                stack.append(("f" if isf else "o", line, name[0] if name else "?"))
            elif c == "}":
                if stack:
                    k, l0, nm = stack.pop()
                    if k == "f":
                        res.append((line - l0 + 1, nm, l0))
                    if k == "i":
                        continue
            last = i + 1
    return res


if __name__ == '__main__':  # python3 cxx_functions.py LIMIT DIR...: functions longer than LIMIT lines
    lim=int(sys.argv[1])
    for root in sys.argv[2:]:
        for d,_,fs in os.walk(root):
            for f in fs:
                if f.endswith(('.hpp','.cuh','.cpp','.cu')):
                    p=os.path.join(d,f)
                    for n,nm,l0 in functions(p):
                        if n>lim: print(f'{n:5d} {p}:{l0} {nm}')
