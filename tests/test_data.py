"""Tests of foundations.data: the IDX format (round trips, the error catalogue), files (gzip, atomic
writes), the progress bar in each of its modes, and the Fashion-MNIST loader on small fake data sets
with a stand-in for the web (nothing here uses the network)."""
import gzip, hashlib, io, os, struct, sys, urllib.request
from pathlib import Path
import pytest, torch
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from hypothesis import given, settings, strategies as st
from torch.testing import assert_close
import foundations.data as fd
from foundations.data import (IDX_TYPES, IDX_CODES, GZIP_MAGIC, FASHION_FILES, FASHION_SHA256, FASHION_CLASSES, SYSTEM_DIR,
                              encode_idx, decode_idx, decompress, read_bytes, read_idx, atomic_write, write_idx,
                              in_notebook, Progress, check_sha256, cache_dir, fashion_dirs, find_file, find_fashion_mnist,
                              read_fashion_dir, check_fashion, download, download_fashion_mnist, load_fashion_mnist,
                              not_found_message, show_images, FashionMNIST)

# ---------------------------------------------------------------- the IDX format

def test_type_tables_agree():
    assert sorted(IDX_TYPES) == sorted(IDX_CODES.values())
    for t, code in IDX_CODES.items():
        assert IDX_TYPES[code].itemsize == t.itemsize
        assert torch.from_numpy(torch.zeros(1).numpy().astype(IDX_TYPES[code].newbyteorder('='))).dtype == t

def test_encode_known_bytes():
    b = encode_idx(torch.tensor([[1, 2, 3], [4, 5, 250]], dtype=torch.uint8))
    assert b == bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 250])
    b = encode_idx(torch.tensor([1, -2], dtype=torch.int16))
    assert b[:8] == bytes([0, 0, 0x0B, 1, 0, 0, 0, 2]) and b[8:] == struct.pack('>hh', 1, -2)
    assert encode_idx(torch.tensor(1.5)) == bytes([0, 0, 0x0D, 0]) + struct.pack('>f', 1.5)
    assert encode_idx(torch.tensor([1.5], dtype=torch.float64))[-8:] == struct.pack('>d', 1.5)

@pytest.mark.parametrize('t', [torch.tensor([True]), torch.tensor([1 + 2j]), torch.zeros(2, dtype=torch.int64)])
def test_encode_refuses_types_idx_cannot_store(t):
    with pytest.raises(ValueError, match=f'IDX cannot store {t.dtype}'): encode_idx(t)

def test_encode_accepts_lists_and_gradients():
    assert encode_idx([[1., 2.]]) == encode_idx(torch.tensor([[1., 2.]]))
    assert encode_idx(torch.ones(2, requires_grad=True)) == encode_idx(torch.ones(2))

@pytest.mark.parametrize('dtype', list(IDX_CODES))
@pytest.mark.parametrize('shape', [(), (5,), (3, 4), (2, 0, 3, 2), (1, 1, 1, 1, 2)])
def test_round_trip(dtype, shape):
    v = (torch.randn(shape) * 50).clamp(-100, 100)
    t = (v.abs() if dtype == torch.uint8 else v).to(dtype)
    back = decode_idx(encode_idx(t))
    assert_close(back, t, rtol=0, atol=0)
    assert back.is_contiguous() and back.numpy().flags.writeable

idx_dtypes = st.sampled_from(list(IDX_CODES))
@settings(max_examples=60, deadline=None)
@given(idx_dtypes, st.lists(st.integers(0, 4), max_size=4), st.integers(0, 2**31 - 1))
def test_round_trip_property(dtype, shape, seed):
    g = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point: t = torch.randn(shape, generator=g, dtype=dtype) * 1e3
    else:
        info = torch.iinfo(dtype)
        t = torch.randint(info.min, info.max, shape, generator=g, dtype=torch.int64).to(dtype)
    assert_close(decode_idx(encode_idx(t)), t, rtol=0, atol=0, equal_nan=True)
    assert len(encode_idx(t)) == 4 + 4 * len(shape) + t.numel() * t.element_size()

def test_decode_error_catalogue():
    good = encode_idx(torch.tensor([[1, 2, 3], [4, 5, 250]], dtype=torch.uint8))
    cases = [(b'hello, world', 'notes.txt: bad magic number 68 65 6c 6c'),
             (bytes([0, 0, 7, 1]) + good[4:], 'bad magic number 00 00 07 01'),
             (bytes([0, 1]) + good[2:], 'bad magic number 00 01 08 02'),
             (b'', 'bad magic number (empty)'),
             (b'\0\0', 'bad magic number 00 00'),
             (good[:10], 'truncated: the header needs 12 bytes, the file has 10'),
             (good[:-1], 'truncated: sizes (2, 3) of uint8 need 6 bytes of data, the file has 5'),
             (good + b'\0', 'do not match the payload: they need 6 bytes of data, the file has 7')]
    for data, msg in cases:
        with pytest.raises(ValueError) as e: decode_idx(data, 'notes.txt')
        assert msg in str(e.value), (data, str(e.value))

@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=40))
def test_decode_never_returns_garbage(data):
    "Random bytes are either a valid IDX file (and re-encode to themselves) or refused with a ValueError."
    try: t = decode_idx(data)
    except ValueError: return
    assert encode_idx(t) == data

def test_decompress_and_files(tmp_path):
    t = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8)
    pz, pr = write_idx(tmp_path/'t.idx.gz', t), write_idx(tmp_path/'t.idx', t)
    assert pz.read_bytes()[:2] == GZIP_MAGIC and pr.read_bytes() == encode_idx(t)
    assert gzip.decompress(pz.read_bytes()) == encode_idx(t)
    assert pz.read_bytes() == write_idx(tmp_path/'again.idx.gz', t).read_bytes()     # mtime=0: the same bytes every time
    (tmp_path/'renamed').write_bytes(pz.read_bytes())
    for p in (pz, pr, tmp_path/'renamed', str(pz)): assert_close(read_idx(p), t, rtol=0, atol=0)
    assert decompress(b'\0\0plain') == b'\0\0plain'
    with pytest.raises(ValueError, match='x.gz: truncated or corrupt gzip data'): decompress(pz.read_bytes()[:50], 'x.gz')

def test_damaged_files_name_the_file(tmp_path):
    t = torch.randint(0, 256, (4, 28, 28), dtype=torch.uint8)
    pz, pr = write_idx(tmp_path/'t.idx.gz', t), write_idx(tmp_path/'t.idx', t)
    (tmp_path/'bad_magic.idx').write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(20))
    (tmp_path/'cut.idx.gz').write_bytes(pz.read_bytes()[:200])
    (tmp_path/'cut.idx').write_bytes(pr.read_bytes()[:1000])
    (tmp_path/'garbled.idx.gz').write_bytes(GZIP_MAGIC + b'not really gzip')
    for name, msg in [('bad_magic.idx', 'bad magic number 89 50 4e 47'), ('cut.idx.gz', 'truncated or corrupt gzip data'),
                      ('cut.idx', 'truncated: sizes (4, 28, 28) of uint8 need 3136 bytes'),
                      ('garbled.idx.gz', 'truncated or corrupt gzip data')]:
        with pytest.raises(ValueError) as e: read_idx(tmp_path/name)
        assert f'{tmp_path/name}: {msg}' in str(e.value)

def test_atomic_write(tmp_path):
    p = atomic_write(tmp_path/'sub'/'f.bin', b'first')
    assert p == tmp_path/'sub'/'f.bin' and p.read_bytes() == b'first'
    atomic_write(p, b'second')
    assert p.read_bytes() == b'second'
    with pytest.raises(TypeError, match='bytes'): atomic_write(p, 'not bytes')
    assert p.read_bytes() == b'second'
    assert sorted(q.name for q in p.parent.iterdir()) == ['f.bin']
    m = os.umask(0); os.umask(m)
    assert p.stat().st_mode & 0o777 == 0o666 & ~m

def test_atomic_write_interrupted(tmp_path, monkeypatch):
    "An interruption (Ctrl-C) just before the rename leaves the old file and no temporary file."
    p = atomic_write(tmp_path/'f.bin', b'old')
    def interrupted(src, dst): raise KeyboardInterrupt
    monkeypatch.setattr(fd.os, 'replace', interrupted)
    with pytest.raises(KeyboardInterrupt): atomic_write(p, b'new')
    assert p.read_bytes() == b'old' and [q.name for q in tmp_path.iterdir()] == ['f.bin']

# ---------------------------------------------------------------- progress

def test_in_notebook_false_here():
    assert in_notebook() is False

def test_progress_summary_is_one_line():
    out = io.StringIO()
    bar = Progress(1000, 'count', mode='summary', file=out)
    for i in range(1000): bar.update(comment=f'step {i}' if i % 100 == 0 else None)
    assert out.getvalue() == ''                         # nothing while it runs
    bar.close('done')
    line = out.getvalue()
    assert line.count('\n') == 1 and line.startswith('count: 1000/1000 in ') and line.endswith('s, done\n'), line

def test_progress_summary_without_total_or_label():
    out = io.StringIO()
    bar = Progress(0, mode='summary', file=out); bar.update(5); bar.close()
    assert out.getvalue().startswith('done: 5 in ')

def test_progress_off_and_default_mode(capsys):
    bar = Progress(10, 'quiet', show=False)
    assert bar.mode == 'off'
    for _ in range(10): bar.update()
    bar.close('x')
    bar = Progress(3, 'here')                           # pytest captures stdout: not a terminal, not a notebook
    assert bar.mode == 'summary'
    for _ in range(3): bar.update()
    bar.close()
    out, err = capsys.readouterr()
    assert out == '' and err.count('\n') == 1 and err.startswith('here: 3/3')

def test_progress_terminal(capsys):
    bar = Progress(500, 'count', mode='terminal')
    for _ in range(500): bar.update()
    bar.close('done')
    out = capsys.readouterr().out
    assert out.count('\n') == 1 and out.rstrip().split('\r')[-1].startswith(' |'), out[-200:]
    assert '500/500' in out and 'count: done' in out and out.count('\r') < 100

def test_progress_notebook(monkeypatch):
    "In a notebook the bar is displayed once and then updated in place; its final state holds the comment."
    import fastprogress.fastprogress as fp
    shown, updates = [], []
    class Handle:
        def update(self, obj): updates.append(obj)
    def display(obj, display_id=None):
        shown.append(obj)
        return Handle() if display_id else None
    monkeypatch.setattr(fp, 'display', display, raising=False)
    monkeypatch.setattr(fp, 'HTML', lambda s: s, raising=False)
    bar = Progress(2000, 'fit', mode='notebook')
    for i in range(2000): bar.update(comment='epoch 1/1' if i == 1000 else None)
    bar.close('loss 0.25')
    assert len(shown) == 2                              # the style sheet and the bar, once
    assert 0 < len(updates) < 200                        # redrawn a limited number of times
    assert "value='2000'" in updates[-1] and 'fit: loss 0.25' in updates[-1]

def test_progress_without_fastprogress(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'fastprogress.fastprogress', None)
    bar = Progress(4, 'fallback', mode='notebook')
    assert bar.mode == 'summary'
    bar.update(4); bar.close()
    assert capsys.readouterr().err.startswith('fallback: 4/4')

# ---------------------------------------------------------------- Fashion-MNIST: finding and checking

def fake_fashion(folder, n_train=12, n_test=5, seed=0):
    "Four small IDX files in `folder`, like Fashion-MNIST's; returns the tensors and the SHA-256 of each file's content."
    g = torch.Generator().manual_seed(seed)
    d = {'x_train': torch.randint(0, 256, (n_train, 28, 28), dtype=torch.uint8, generator=g),
         'y_train': torch.randint(0, 10, (n_train,), dtype=torch.uint8, generator=g),
         'x_test': torch.randint(0, 256, (n_test, 28, 28), dtype=torch.uint8, generator=g),
         'y_test': torch.randint(0, 10, (n_test,), dtype=torch.uint8, generator=g)}
    for k, t in d.items(): write_idx(Path(folder)/f'{FASHION_FILES[k]}.gz', t)
    return d, {n: hashlib.sha256(encode_idx(d[k])).hexdigest() for k, n in FASHION_FILES.items()}

def same(res, d):
    for k, t in d.items(): assert_close(getattr(res, k), t.long() if k[0] == 'y' else t, rtol=0, atol=0)
    assert res.classes == FASHION_CLASSES

def test_check_sha256():
    check_sha256(b'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'abc')   # FIPS 180-2
    check_sha256(b'anything', None, 'unchecked')
    with pytest.raises(ValueError, match='x.idx: SHA-256 mismatch: expected ba7816bf'):
        check_sha256(b'abd', hashlib.sha256(b'abc').hexdigest(), 'x.idx')

def test_search_order(tmp_path, monkeypatch):
    monkeypatch.setenv('FOUNDATIONS_DATA', str(tmp_path/'shared'))
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path/'xdg'))
    assert fashion_dirs(tmp_path/'mine') == [tmp_path/'mine', tmp_path/'shared', SYSTEM_DIR, tmp_path/'xdg/foundations/fashion-mnist']
    assert fashion_dirs(tmp_path/'shared') == [tmp_path/'shared', SYSTEM_DIR, tmp_path/'xdg/foundations/fashion-mnist']
    monkeypatch.delenv('FOUNDATIONS_DATA'); monkeypatch.delenv('XDG_CACHE_HOME')
    assert fashion_dirs() == [SYSTEM_DIR, Path.home()/'.cache/foundations/fashion-mnist']
    assert cache_dir() == Path.home()/'.cache/foundations/fashion-mnist'

def test_path_and_env_come_first(tmp_path, monkeypatch):
    fake, sums = fake_fashion(tmp_path/'fake')
    same(load_fashion_mnist(tmp_path/'fake', sha256=sums), fake)
    monkeypatch.setenv('FOUNDATIONS_DATA', str(tmp_path/'fake'))
    same(load_fashion_mnist(sha256=sums), fake)
    with pytest.raises(ValueError, match='train-images-idx3-ubyte.gz: SHA-256 mismatch'): load_fashion_mnist(tmp_path/'fake')
    assert len(list((tmp_path/'fake').iterdir())) == 4

def test_folder_missing_a_file_is_passed_over(tmp_path):
    half, half_sums = fake_fashion(tmp_path/'half', seed=1)
    fake_fashion(tmp_path/'fake')
    (tmp_path/'half/t10k-labels-idx1-ubyte.gz').unlink()
    assert find_fashion_mnist([tmp_path/'half', tmp_path/'fake']) == tmp_path/'fake'
    assert find_fashion_mnist([tmp_path/'half']) is None
    write_idx(tmp_path/'half/t10k-labels-idx1-ubyte', half['y_test'])          # stored without compression
    assert find_fashion_mnist([tmp_path/'half', tmp_path/'fake']) == tmp_path/'half'
    same(load_fashion_mnist(dirs=[tmp_path/'half'], sha256=half_sums), half)
    assert find_file(tmp_path/'half', 'nothing') is None
    with pytest.raises(FileNotFoundError, match='does not hold all of'): read_fashion_dir(tmp_path/'empty')

def test_as_float_and_copies(tmp_path):
    fake, sums = fake_fashion(tmp_path/'fake')
    a, b = load_fashion_mnist(tmp_path/'fake', sha256=sums), load_fashion_mnist(tmp_path/'fake', sha256=sums, as_float=True)
    assert b.x_train.dtype == torch.float32 and torch.equal(b.x_train, a.x_train.float() / 255)
    a.x_train.zero_(); a.y_train.zero_()                                # changing a result in place ...
    same(load_fashion_mnist(tmp_path/'fake', sha256=sums), fake)        # ... does not change the next one

def test_changed_file_is_read_again(tmp_path):
    fake, sums = fake_fashion(tmp_path/'f')
    same(load_fashion_mnist(tmp_path/'f', sha256=None), fake)
    other, _ = fake_fashion(tmp_path/'g', seed=5)
    p = tmp_path/'f'/f"{FASHION_FILES['x_test']}.gz"
    write_idx(p, other['x_test']); os.utime(p, ns=(1, 1))
    assert_close(load_fashion_mnist(tmp_path/'f', sha256=None).x_test, other['x_test'], rtol=0, atol=0)

def test_broken_data_is_reported(tmp_path):
    fake_fashion(tmp_path/'bad', seed=2)
    write_idx(tmp_path/'bad/t10k-labels-idx1-ubyte.gz', torch.tensor([1, 2, 3, 4, 12], dtype=torch.uint8))
    with pytest.raises(ValueError, match='test set: label 12 is not a class number'): load_fashion_mnist(tmp_path/'bad', sha256=None)
    write_idx(tmp_path/'bad/t10k-labels-idx1-ubyte.gz', torch.tensor([1, 2], dtype=torch.uint8))
    with pytest.raises(ValueError, match=r'got torch.uint8 \(5, 28, 28\) and torch.uint8 \(2,\)'): load_fashion_mnist(tmp_path/'bad', sha256=None)
    write_idx(tmp_path/'bad/t10k-labels-idx1-ubyte.gz', torch.ones(5, dtype=torch.int16))
    with pytest.raises(ValueError, match='test set: expected uint8'): load_fashion_mnist(tmp_path/'bad', sha256=None)

def test_check_fashion_converts_labels():
    d = {'x_train': torch.zeros(3, 2, 2, dtype=torch.uint8), 'y_train': torch.tensor([0, 9, 1], dtype=torch.uint8),
         'x_test': torch.zeros(0, 2, 2, dtype=torch.uint8), 'y_test': torch.zeros(0, dtype=torch.uint8)}
    res = check_fashion(d)
    assert res['y_train'].dtype == torch.int64 and res['y_train'].tolist() == [0, 9, 1]

# ---------------------------------------------------------------- downloading, with a stand-in for the web

class FakeWeb:
    "Stands in for `urllib.request.urlopen`: serves the files of `folder` at http://fake/, records what was asked."
    def __init__(self, folder, short=0, length=True):
        self.folder, self.asked, self.short, self.length = Path(folder), [], short, length
    def __call__(self, url, timeout=None):
        assert url.startswith('http://fake/'), url
        name = url[len('http://fake/'):]
        self.asked.append(name)
        p = self.folder/name
        if not p.is_file(): raise urllib.error.HTTPError(url, 404, 'Not Found', {}, None)
        data = p.read_bytes()
        return FakeResponse(data[:len(data) - self.short], len(data) if self.length else None)

class FakeResponse(io.BytesIO):
    def __init__(self, data, length):
        super().__init__(data)
        self.headers = {'Content-Length': str(length)} if length is not None else {}

@pytest.fixture
def web(tmp_path, monkeypatch):
    srv, sums = fake_fashion(tmp_path/'server', n_train=300, seed=3)
    w = FakeWeb(tmp_path/'server'); w.data, w.sums = srv, sums
    monkeypatch.setattr(fd.urllib.request, 'urlopen', w)
    return w

def test_download(tmp_path, web):
    res = load_fashion_mnist(dirs=[tmp_path/'empty'], dest=tmp_path/'cache', base_url='http://fake/', sha256=web.sums, progress=False)
    same(res, web.data)
    names = sorted(f'{n}.gz' for n in FASHION_FILES.values())
    assert sorted(web.asked) == names and sorted(p.name for p in (tmp_path/'cache').iterdir()) == names
    web.asked.clear()
    same(load_fashion_mnist(dirs=[tmp_path/'empty', tmp_path/'cache'], base_url='http://fake/', sha256=web.sums), web.data)
    assert web.asked == []                                                         # from the cache now

def test_download_shows_one_line_per_file(tmp_path, web, capsys):
    load_fashion_mnist(dirs=[tmp_path/'empty'], dest=tmp_path/'cache', base_url='http://fake/', sha256=web.sums)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4 and all(' MB' in l for l in err), err
    assert sorted(l.split(':')[0] for l in err) == sorted(f'{n}.gz' for n in FASHION_FILES.values())

def test_partly_filled_cache(tmp_path, web):
    download_fashion_mnist(tmp_path/'cache', 'http://fake/', web.sums, progress=False)
    (tmp_path/'cache/train-labels-idx1-ubyte.gz').unlink()
    web.asked.clear()
    same(load_fashion_mnist(dirs=[tmp_path/'cache'], dest=tmp_path/'cache', base_url='http://fake/', sha256=web.sums, progress=False), web.data)
    assert web.asked == ['train-labels-idx1-ubyte.gz']

def test_bad_download_is_not_saved(tmp_path, web):
    bad = {**web.sums, 't10k-images-idx3-ubyte': hashlib.sha256(b'something else').hexdigest()}
    with pytest.raises(ValueError, match='t10k-images-idx3-ubyte.gz: SHA-256 mismatch.*the file was not saved'):
        load_fashion_mnist(dirs=[tmp_path/'empty'], dest=tmp_path/'cache2', base_url='http://fake/', sha256=bad, progress=False)
    assert sorted(p.name for p in (tmp_path/'cache2').iterdir()) == ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']

def test_recompressed_download_passes(tmp_path, web, monkeypatch):
    "The checksum is of the decompressed bytes: the same data compressed differently passes."
    for k, n in FASHION_FILES.items():
        atomic_write(tmp_path/'server2'/f'{n}.gz', gzip.compress(encode_idx(web.data[k]), compresslevel=1, mtime=1234))
    assert (tmp_path/'server2/train-images-idx3-ubyte.gz').read_bytes() != (tmp_path/'server/train-images-idx3-ubyte.gz').read_bytes()
    monkeypatch.setattr(fd.urllib.request, 'urlopen', FakeWeb(tmp_path/'server2'))
    same(load_fashion_mnist(dirs=[tmp_path/'empty'], dest=tmp_path/'c3', base_url='http://fake/', sha256=web.sums, progress=False), web.data)

def test_short_download_is_an_error(tmp_path, monkeypatch, web):
    monkeypatch.setattr(fd.urllib.request, 'urlopen', FakeWeb(tmp_path/'server', short=10))
    with pytest.raises(OSError, match='received .* of .* bytes'): download('http://fake/t10k-labels-idx1-ubyte.gz', progress=False)
    monkeypatch.setattr(fd.urllib.request, 'urlopen', FakeWeb(tmp_path/'server', length=False))   # no length given: not checked
    assert download('http://fake/t10k-labels-idx1-ubyte.gz', progress=False) == (tmp_path/'server/t10k-labels-idx1-ubyte.gz').read_bytes()

def test_http_error_becomes_oserror(monkeypatch):
    import http.client
    def broken(url, timeout=None): raise http.client.IncompleteRead(b'abc')
    monkeypatch.setattr(fd.urllib.request, 'urlopen', broken)
    with pytest.raises(OSError, match='http://fake/x.gz: IncompleteRead'): download('http://fake/x.gz', progress=False)

def test_offline_without_data(tmp_path, monkeypatch):
    def offline(url, timeout=None): raise urllib.error.URLError('no network')
    monkeypatch.setattr(fd.urllib.request, 'urlopen', offline)
    dirs = [tmp_path/'empty', tmp_path/'empty2']
    with pytest.raises(FileNotFoundError) as e: load_fashion_mnist(dirs=dirs, dest=tmp_path/'nowhere', base_url='http://fake/')
    msg = str(e.value)
    for part in ['Fashion-MNIST not found', f'  {tmp_path/"empty"}\n', f'  {tmp_path/"empty2"}\n', 'http://fake/', 'no network',
                 'sudo apt install dataset-fashion-mnist', 'FOUNDATIONS_DATA', 'train-images-idx3-ubyte.gz']:
        assert part in msg, part
    assert not (tmp_path/'nowhere').exists()
    assert msg == not_found_message(dirs, 'http://fake/', urllib.error.URLError('no network'))

# ---------------------------------------------------------------- pictures

def test_show_images():
    x = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8)
    fig = show_images(x, torch.arange(10), ncols=4)
    assert len(fig.axes) == 12 and [ax.get_title() for ax in fig.axes[:10]] == list(FASHION_CLASSES)
    assert_close(torch.as_tensor(fig.axes[0].images[0].get_array().data), x[0], rtol=0, atol=0)
    fig = show_images(x[:3].reshape(3, -1).float(), titles=['a', 'b', 'c'])
    assert [ax.get_title() for ax in fig.axes] == ['a', 'b', 'c'] and fig.axes[0].images[0].get_array().shape == (28, 28)
    with pytest.raises(ValueError, match=r'got shape \(3, 5\)'): show_images(torch.zeros(3, 5))
    with pytest.raises(ValueError, match='3 images but 1 titles'): show_images(x[:3], titles=['a'])
    plt.close('all')

# ---------------------------------------------------------------- the real files, where this machine has them

real = pytest.mark.skipif(find_fashion_mnist() is None, reason='Fashion-MNIST is not on this machine')

@real
def test_real_files():
    folder = find_fashion_mnist()
    for name, digest in FASHION_SHA256.items():
        assert hashlib.sha256(read_bytes(find_file(folder, name))).hexdigest() == digest
    d = load_fashion_mnist()
    assert isinstance(d, FashionMNIST)
    assert d.x_train.shape == (60000, 28, 28) and d.x_test.shape == (10000, 28, 28) and d.x_train.dtype == torch.uint8
    assert d.y_train.dtype == torch.int64
    assert d.y_train.bincount().tolist() == [6000] * 10 and d.y_test.bincount().tolist() == [1000] * 10
    assert read_bytes(find_file(folder, 'train-images-idx3-ubyte'))[:16] == struct.pack('>HBB3I', 0, 8, 3, 60000, 28, 28)

def test_a_given_path_is_used_or_refused(tmp_path, monkeypatch):
    "A `path` that does not exist is refused (no other copy loaded in its place); one without the data is where it downloads."
    fake, sums = fake_fashion(tmp_path/'fake')
    monkeypatch.setenv('FOUNDATIONS_DATA', str(tmp_path/'fake'))           # another copy that a typo must not fall back to
    def no_web(url, timeout=None): raise AssertionError('no download expected')
    monkeypatch.setattr(fd.urllib.request, 'urlopen', no_web)
    with pytest.raises(FileNotFoundError, match=r"load_fashion_mnist: the folder .*typo' does not exist") as e:
        load_fashion_mnist(tmp_path/'typo', sha256=sums)
    assert 'path=None' in str(e.value)
    assert not (tmp_path/'typo').exists()
    (tmp_path/'empty').mkdir()
    def offline(url, timeout=None): raise urllib.error.URLError('no network')
    monkeypatch.setattr(fd.urllib.request, 'urlopen', offline)
    with pytest.raises(FileNotFoundError) as e: load_fashion_mnist(tmp_path/'empty', sha256=sums, base_url='http://fake/')
    assert f'  {tmp_path/"empty"}\n' in str(e.value) and str(tmp_path/'fake') not in str(e.value)   # only the given folder
    same(load_fashion_mnist(sha256=sums), fake)                            # no path: the search as before
