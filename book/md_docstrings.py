"""Docstrings written for nbdev (Markdown: `code` in single backticks) read as reStructuredText by autodoc.

Code spans become inline literals; everything else is escaped, so that `*`, `|`, `_` and backslashes
mean nothing special to reStructuredText.
"""
import re

_SPAN = re.compile(r'(`+)(.+?)\1')
_SPECIAL = re.compile(r'([\\*|_`])')

def md_line(line):
    out, pos = [], 0
    for m in _SPAN.finditer(line):
        out.append(_SPECIAL.sub(r'\\\1', line[pos:m.start()]))
        before = line[m.start() - 1] if m.start() else ' '
        after = line[m.end()] if m.end() < len(line) else ' '
        code = m.group(2).strip() or m.group(2)
        out.append(('' if before.isspace() else '\\ ') + f'``{code}``' + ('' if after.isspace() else '\\ '))
        pos = m.end()
    out.append(_SPECIAL.sub(r'\\\1', line[pos:]))
    return ''.join(out)

def process(app, what, name, obj, options, lines):
    lines[:] = [md_line(l) for l in lines]

def setup(app):
    app.connect('autodoc-process-docstring', process)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
