"""Check the built distributions in dist/ as PyPI will read them: every classifier on the official trove list
(the `trove-classifiers` package), no relative link left in the long description, no tests in the sdist.

Usage: python tools/check_dist.py dist/*.whl dist/*.tar.gz   (make dist runs it)
"""
import re, sys, tarfile, zipfile
from email.parser import HeaderParser
import trove_classifiers

RELATIVE = re.compile(r'\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^)\s]+)\)|(?:src|href)="(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^"]+)"')

def metadata(path):
    "The core metadata of a wheel (METADATA) or an sdist (PKG-INFO), and the names of the files it holds."
    if path.endswith('.whl'):
        z = zipfile.ZipFile(path)
        names = z.namelist()
        return z.read(next(n for n in names if n.endswith('.dist-info/METADATA'))).decode(), names
    t = tarfile.open(path)
    names = [n.split('/', 1)[1] for n in t.getnames() if '/' in n]
    return t.extractfile(next(m for m in t.getmembers() if m.name.count('/') == 1 and m.name.endswith('/PKG-INFO'))).read().decode(), names

def problems(path):
    text, names = metadata(path)
    msg = HeaderParser().parsestr(text)
    out = [f'not a trove classifier: {c!r}' for c in msg.get_all('Classifier') or [] if c not in trove_classifiers.classifiers]
    links = [a or b for a, b in RELATIVE.findall(msg.get_payload() or '')]
    if links: out.append(f'relative links in the long description (broken on PyPI): {links[:5]}')
    tests = [n for n in names if n.startswith('tests/')]
    if tests: out.append(f'ships tests without what they need to run: {tests[:3]}')
    return out

def main(paths):
    bad = 0
    for p in paths:
        for m in problems(p): print(f'{p}: {m}'); bad += 1
    if not bad: print(f'check_dist: {len(paths)} distribution(s): classifiers on the trove list, absolute links, no tests')
    return 1 if bad or not paths else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
