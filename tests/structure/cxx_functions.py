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
def functions(path):
    s=strip(open(path).read())
    s=re.sub(r'(?m)^[ \t]*#(?:[^\n]*\\\n)*[^\n]*', lambda m: '\n'*m.group(0).count('\n'), s)
    res=[];stack=[];last=0;line=1;linestart={}
    for i,c in enumerate(s):
        if c=='\n': line+=1
        elif c in ';{}':
            if c=='{':
                hdr=s[last:i]; h=' '.join(hdr.split())
                if h and h[-1] in '=(,[' or (h.endswith('{')):
                    stack.append(('i',line,'')); continue
                if re.search(r'\b(return|throw)\b',h) or (h and re.search(r'[\w>]$',h) and '(' in h and not re.search(r'\)\s*(const|noexcept|override|final|mutable)?\s*$',h.split('->')[0]) and not re.match(r'^(struct|class|union|enum|namespace|template)',h) and not re.search(r'->',h)):
                    stack.append(('i',line,'')); continue
                infunc=any(k=='f' for k,_,_ in stack)
                isf=False
                if not infunc and '(' in h and not re.match(r'^(if|for|while|switch|catch|do|else)\b',h) and not re.search(r'\]\s*(\([^)]*\))?\s*(mutable)?\s*(->[^{]*)?$',h) and not re.match(r'^(struct|class|union|enum|namespace)\b',h) and '=' not in h.split('(')[0]:
                    isf=True
                name=re.findall(r'([~\w:]+)\s*\(',h)
                stack.append(('f' if isf else 'o',line,name[0] if name else '?'))
            elif c=='}':
                if stack:
                    k,l0,nm=stack.pop()
                    if k=='f': res.append((line-l0+1,nm,l0))
                    if k=='i': continue
            last=i+1
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
