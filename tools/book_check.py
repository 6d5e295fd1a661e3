"""Open the built book (doc_path of settings.ini, written by `make book`) in headless Chromium, offline.

    python tools/book_check.py [--dir _docs] [--screenshots _docs/_screenshots]

The site is served from 127.0.0.1 by a server this script starts and stops; the browser resolves no
other host, so the pages must work without a network. A page fails when:
- it is missing: every notebook of nbs/ and every module of the package must have one;
- an image does not load (naturalWidth 0) or any file it asks for is missing or comes from elsewhere;
- a same-site link leads to no file, or to an anchor the target page does not have;
- maths is left untypeset (raw `$$`, a `.math` element MathJax did not render, a MathJax error), or the
  backprop chapter has no typeset maths at all;
- nbdev directives (`#| ...` lines) show in its code, or the Colab install cell or nbgrader markers do;
- a chapter has no executed output, or an exercise solution is not folded;
- a cell flagged `slow` is rendered without its output: none recorded by `make bench` for its code, or the
  recorded one not shown.
It saves screenshots of the index and of two chapters for a reviewer. Its last line reads
`book-check: N passed, M failed` (pages).
"""
import argparse, configparser, functools, json, os, re, shutil, sys, tempfile, threading, time
from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit, unquote

root = Path(__file__).resolve().parent.parent
BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']
FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-dev-shm-usage', '--hide-scrollbars', '--window-size=1440,1000',
         # offline: every host but the local server fails to resolve
         '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']
MATHS_CHAPTER = '05_backprop'

def settings():
    cp = configparser.ConfigParser()
    cp.read(root/'settings.ini', encoding='utf-8')
    return dict(cp['DEFAULT'])

def find_browser():
    "Chromium (or Chrome) and its chromedriver: $BOOK_CHROME / $BOOK_CHROMEDRIVER, else found on PATH."
    browser = os.environ.get('BOOK_CHROME') or next(filter(None, map(shutil.which, BROWSERS)), None)
    driver = os.environ.get('BOOK_CHROMEDRIVER') or shutil.which('chromedriver')
    if not driver and os.environ.get('CHROMEWEBDRIVER'):        # GitHub's runners keep it there
        cand = Path(os.environ['CHROMEWEBDRIVER'])/'chromedriver'
        driver = str(cand) if cand.exists() else None
    if not browser or not driver:
        sys.exit('book-check: needs Chromium and chromedriver (on Debian, as root: apt-get install -y chromium '
                 'chromium-driver; `make book-check` does it); or set BOOK_CHROME and BOOK_CHROMEDRIVER')
    return browser, driver

class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

def serve(directory):
    "A static server for `directory` on a free port of 127.0.0.1, in a thread: (server, base url)."
    srv = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'

# Runs in the page: waits for MathJax (if any) and every image, then reports what the checks need.
PAGE_JS = r"""
const done = arguments[arguments.length - 1];
(async () => {
  if (window.MathJax && MathJax.Hub && MathJax.Hub.Queue) await new Promise(r => MathJax.Hub.Queue(r));
  else if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  const origin = location.origin;
  const math = [...document.querySelectorAll('.math.notranslate')];   // Sphinx's maths (MathJax adds its own .math)
  const cellCode = [...document.querySelectorAll('div.cell_input pre')].map(p => p.textContent);
  const codeLines = cellCode.flatMap(t => t.split('\n'));
  done({
    title: document.title,
    badImages: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src')),
    nImages: imgs.length,
    outputImages: document.querySelectorAll('.cell_output img').length,
    outputs: document.querySelectorAll('.cell_output').length,
    resources: performance.getEntriesByType('resource').map(e => [e.name, e.responseStatus || 0]),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    directives: codeLines.filter(l => /^\s*#\s*\|/.test(l)).slice(0, 5),
    markers: codeLines.filter(l => /^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$/.test(l)).length,
    installCell: cellCode.some(t => t.includes("'google.colab' in sys.modules") && t.includes('pip install')),
    text: document.body.innerText,
    nMath: math.length,
    mathTypeset: document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML, mjx-container').length,
    mathUntypeset: math.filter(m => !m.querySelector('.MathJax, .MathJax_Display, .MathJax_CHTML, mjx-container, script[type^="math/tex"]')).length,
    mathErrors: document.querySelectorAll('.MathJax_Error, merror, mjx-merror').length,
    slowMissing: document.querySelectorAll('.slow-output-missing').length,
    slowCells: document.querySelectorAll('.tag_slow-output').length,
    slowWithout: [...document.querySelectorAll('.tag_slow-output')].filter(c => !c.querySelector('.cell_output')).length,
    solutions: [...document.querySelectorAll('details')].filter(d => /solution/i.test(d.querySelector('summary')?.textContent || '')).map(d => d.open),
  });
})();
"""

def anchors_of(path, cache={}):
    if path not in cache:
        html = path.read_text(encoding='utf-8', errors='replace')
        cache[path] = set(re.findall(r'\b(?:id|name)="([^"]+)"', html))
    return cache[path]

def check_page(drv, base, site, rel, expect):
    "The failures of page `rel` (a path inside the site)."
    drv.get(base + rel)
    r = drv.execute_async_script(PAGE_JS)
    fails = []
    if r['badImages']: fails.append(f"{len(r['badImages'])} image(s) do not load: {r['badImages'][:3]}")
    for url, status in r['resources']:
        if not url.startswith(base): fails.append(f'loads a file from outside the site: {url}')
        elif status >= 400: fails.append(f'a file it loads is missing ({status}): {url[len(base):]}')
    for href in sorted(set(r['links'])):
        if not href.startswith(base): continue
        parts = urlsplit(href)
        target = site/unquote(parts.path[len(urlsplit(base).path):])
        if target.is_dir(): target = target/'index.html'
        if not target.is_file(): fails.append(f'broken link: {href[len(base):]}'); continue
        if parts.fragment and target.suffix == '.html' and unquote(parts.fragment) not in anchors_of(target):
            fails.append(f'link to a missing anchor: {href[len(base):]}')
    if r['directives']: fails.append(f"nbdev directives show: {r['directives']}")
    if r['installCell']: fails.append('the Colab install cell shows')
    if r['markers']: fails.append(f"{r['markers']} nbgrader marker line(s) show in the code cells")
    if '$$' in r['text']: fails.append('raw $$ left in the text (maths not typeset)')
    if r['mathUntypeset']: fails.append(f"{r['mathUntypeset']} of {r['nMath']} maths elements not typeset")
    if r['mathErrors']: fails.append(f"{r['mathErrors']} MathJax error(s)")
    if expect.get('maths') and not r['mathTypeset']: fails.append('no typeset maths (MathJax did not run)')
    if expect.get('outputs') and not r['outputs']: fails.append('no executed output: the notebook was not run')
    n_missing = r['slowMissing']
    if n_missing: fails.append(f'{n_missing} slow cell(s) shown without their output (none recorded for their code: run `make bench`)')
    if r['slowWithout']: fails.append(f"{r['slowWithout']} of {r['slowCells']} slow cells rendered without the output recorded for them")
    n_sol = expect.get('solutions', 0)
    if n_sol and len(r['solutions']) < n_sol:
        fails.append(f"{n_sol} exercise solutions, but {len(r['solutions'])} folded ones")
    if any(r['solutions']): fails.append('an exercise solution is unfolded')
    return fails, r

def screenshot(drv, base, rel, dest, selector=None):
    drv.get(base + rel)
    drv.execute_async_script(PAGE_JS)
    if selector:
        drv.execute_script("const e = document.querySelector(arguments[0]); if (e) { e.scrollIntoView(); window.scrollBy(0, -90); }", selector)
        time.sleep(0.3)
    drv.save_screenshot(str(dest))
    return dest

def expected_pages(s):
    "{page: what it must show} for every notebook and every module."
    nbs, lib = root/s.get('nbs_path', 'nbs'), root/s.get('lib_path', 'foundations')
    pages = {}
    for p in sorted(nbs.glob('*.ipynb')):
        nb = json.loads(p.read_text(encoding='utf-8'))
        code = [c for c in nb['cells'] if c['cell_type'] == 'code']
        sol = sum(bool(c.get('metadata', {}).get('nbgrader', {}).get('solution')) for c in code)
        chapter = bool(re.match(r'\d\d_', p.name)) and int(p.name[:2]) < 90
        pages[f'{p.stem}.html'] = dict(outputs=chapter, solutions=sol, maths=p.stem == MATHS_CHAPTER)
    pages['api/index.html'] = {}
    for f in sorted(lib.glob('*.py')):
        if not f.name.startswith('_'): pages[f'api/{f.stem}.html'] = {}
    return pages

def main(argv=None):
    s = settings()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dir', default=str(root/s.get('doc_path', '_docs')), help='the built site')
    ap.add_argument('--screenshots', default=None, help='folder for the screenshots (default: DIR/_screenshots)')
    args = ap.parse_args(argv)
    site = Path(args.dir).resolve()
    shots = Path(args.screenshots) if args.screenshots else site/'_screenshots'
    if not (site/'index.html').exists(): sys.exit(f'book-check: no site in {site}: run `make book` first')
    expect = expected_pages(s)
    others = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html')
                    if not p.relative_to(site).parts[0].startswith('_') and p.relative_to(site).as_posix() not in expect)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    browser, driver = find_browser()
    profile = tempfile.mkdtemp(prefix='book-check-')
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for f in FLAGS + [f'--user-data-dir={profile}']: opts.add_argument(f)
    srv, base = serve(site)
    drv = None
    passed, failed = 0, 0
    try:
        drv = webdriver.Chrome(service=Service(driver), options=opts)
        drv.set_script_timeout(120); drv.set_page_load_timeout(120)
        for rel in list(expect) + others:
            t0 = time.time()
            if not (site/rel).is_file(): fails, r = ['the page is missing'], None
            else: fails, r = check_page(drv, base, site, rel, expect.get(rel, {}))
            info = '' if r is None else (f"{r['outputs']} outputs, {r['outputImages']} plots, {r['nMath']} maths, "
                                         f"{len(r['solutions'])} folded solutions")
            if fails:
                failed += 1
                print(f'FAIL {rel}: ' + '; '.join(fails[:8]) + (f' (and {len(fails) - 8} more)' if len(fails) > 8 else ''))
            else:
                passed += 1
                print(f'ok   {rel} ({info}; {time.time() - t0:.1f} s)')
        shots.mkdir(parents=True, exist_ok=True)
        made = [screenshot(drv, base, 'index.html', shots/'index.png')]
        if (site/f'{MATHS_CHAPTER}.html').exists():
            made.append(screenshot(drv, base, f'{MATHS_CHAPTER}.html', shots/f'{MATHS_CHAPTER}.png', '.math.notranslate'))
        plotted = next((p for p in sorted(expect) if expect[p].get('outputs') and (site/p).exists()
                        and '<img' in (site/p).read_text(errors='replace').split('cell_output', 1)[-1]), None)
        if plotted: made.append(screenshot(drv, base, plotted, shots/(Path(plotted).stem + '.png'), '.cell_output img'))
        print('book-check: screenshots: ' + ', '.join(str(m.relative_to(root) if m.is_relative_to(root) else m) for m in made))
    finally:
        if drv is not None: drv.quit()
        srv.shutdown(); srv.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    print(f'book-check: {passed} passed, {failed} failed')
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
