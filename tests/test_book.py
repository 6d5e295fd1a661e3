"""The book's preparation (tools/book.py): slow cells shown with the outputs `make bench` recorded for their code, or
a warning book-check fails on; long test cells folded under the list of their parts."""
import json, sys
from pathlib import Path
import pytest

root = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root/'tools'))
book = pytest.importorskip('book')
from bench import code_hash

def cell(source, **meta): return {'cell_type': 'code', 'id': 'c1', 'metadata': meta, 'outputs': [], 'execution_count': None, 'source': source}

def prepare(cells, tmp_path, monkeypatch, record=None):
    monkeypatch.setattr(book, 'SLOW_STORE', tmp_path)
    if record is not None: (tmp_path/'07_x.json').write_text(json.dumps(record))
    nb = {'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    s = {'git_url': 'https://example.org/r', 'branch': 'main', 'user': 'u', 'repo': 'r'}
    return book.process(nb, '07_x', s, root/'foundations', {}, root/'nbs', set())

SLOW = '#| slow\nprint("accuracy 0.93")'
OUT = [{'output_type': 'stream', 'name': 'stdout', 'text': ['accuracy 0.93\n']}]

def test_a_slow_cell_shows_its_recorded_output(tmp_path, monkeypatch):
    rec = {'ran': '2026-12-08', 'machine': 'x86_64, 2 cores', 'cells': {'c1': {'code': code_hash(SLOW), 'outputs': OUT}}}
    nb, (n_slow, n_missing) = prepare([cell(SLOW)], tmp_path, monkeypatch, rec)
    shown = [c for c in nb['cells'] if c['cell_type'] == 'code' and 'accuracy' in c['source']]
    assert (n_slow, n_missing) == (1, 0) and len(shown) == 1
    assert shown[0]['outputs'] == OUT and shown[0]['source'] == 'print("accuracy 0.93")'
    assert {'skip-execution', 'slow-output'} <= set(shown[0]['metadata']['tags'])
    assert '2026-12-08' in ''.join(c['source'] for c in nb['cells'] if c['cell_type'] == 'markdown')

@pytest.mark.parametrize('record', [None, {'cells': {'c1': {'code': code_hash(SLOW + ' '), 'outputs': OUT}}}])
def test_a_slow_cell_without_output_for_its_code_gets_the_warning(tmp_path, monkeypatch, record):
    nb, (n_slow, n_missing) = prepare([cell(SLOW)], tmp_path, monkeypatch, record)
    assert (n_slow, n_missing) == (1, 1)
    assert not [c for c in nb['cells'][1:] if c['cell_type'] == 'code']          # shown as text, never run
    assert book.SLOW_MISSING in nb['cells'][1]['source']

def test_recorded_outputs_change_the_pages_cache_key(tmp_path, monkeypatch):
    rec = {'cells': {'c1': {'code': code_hash(SLOW), 'outputs': OUT}}}
    first = prepare([cell(SLOW)], tmp_path, monkeypatch, rec)[0]['cells'][0]['source']
    rec['cells']['c1']['outputs'] = [{**OUT[0], 'text': ['accuracy 0.94\n']}]
    assert prepare([cell(SLOW)], tmp_path, monkeypatch, rec)[0]['cells'][0]['source'] != first

def test_long_test_cells_are_folded_under_their_parts(tmp_path, monkeypatch):
    code = 'r = Rubric(3)\n' + '\n'.join(f'x{i} = {i}' for i in range(20)) + "\nr.part('small case', 1, f)\nr.part(\"hidden, fresh\", 2, g)\nr.score()"
    nb, _ = prepare([cell(code, nbgrader={'grade': True, 'points': 3, 'grade_id': 't'})], tmp_path, monkeypatch)
    spec, test = nb['cells'][1], nb['cells'][2]
    assert spec['cell_type'] == 'markdown' and '- small case (1 of 3 points)\n- hidden, fresh (2 of 3 points)' in spec['source']
    assert 'hide-input' in test['metadata']['tags'] and test['metadata']['mystnb']['code_prompt_show'] == 'Show the tests (24 lines)'
    short, _ = prepare([cell("r = Rubric(1)\nr.part('a', 1, f)", nbgrader={'grade': True, 'points': 1})], tmp_path, monkeypatch)
    assert len(short['cells']) == 2 and 'tags' not in short['cells'][1]['metadata']

def test_a_slow_cell_that_printed_nothing_expects_no_output(tmp_path, monkeypatch):
    rec = {'cells': {'c1': {'code': code_hash(SLOW), 'outputs': []}}}
    nb, (n_slow, n_missing) = prepare([cell(SLOW)], tmp_path, monkeypatch, rec)
    shown = [c for c in nb['cells'] if c['cell_type'] == 'code' and 'accuracy' in c['source']]
    assert (n_slow, n_missing) == (1, 0) and shown[0]['outputs'] == []
    assert 'skip-execution' in shown[0]['metadata']['tags'] and 'slow-output' not in shown[0]['metadata']['tags']
