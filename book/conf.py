"""Sphinx configuration of the book: the notebooks of nbs/ as pages, executed, and the API reference.

tools/book.py prepares the sources (copies of the notebooks with nbdev directives, hidden cells and slow
cells taken care of, and the API pages) in _proc/book/ and runs Sphinx on them with this folder as its
configuration; it passes the site's settings (from settings.ini) in the environment.
"""
import os, sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here))
env = os.environ.get

project = env('BOOK_TITLE', 'foundations')
author = env('BOOK_AUTHOR', 'The foundations authors')
copyright = env('BOOK_COPYRIGHT', author)
release = version = env('BOOK_VERSION', '')
repo_url = env('BOOK_GIT_URL', 'https://github.com/nn-foundations/foundations')
branch = env('BOOK_BRANCH', 'main')
nbs_path = env('BOOK_NBS_PATH', 'nbs')

extensions = [
    'myst_nb',                 # notebooks as pages, executed through jupyter-cache
    'sphinx.ext.autodoc',      # the API reference from the docstrings
    'md_docstrings',           # nbdev's Markdown docstrings, read safely as reStructuredText
    'sphinx.ext.mathjax',
    'sphinx.ext.githubpages',  # .nojekyll
]
root_doc = 'index'
exclude_patterns = ['_build', '**.ipynb_checkpoints', 'jupyter_execute', '.jupyter_cache']
templates_path = [str(here/'templates')]
html_static_path = [str(here/'static')] + ([env('BOOK_MATHJAX_DIR')] if env('BOOK_MATHJAX_DIR') else [])
html_css_files = ['book.css']
suppress_warnings = ['myst.header', 'mystnb.unknown_mime_type']

# --- Notebooks ------------------------------------------------------------------------------------
# "cache": a notebook is executed again only when its code (or the sources it depends on, which
# tools/book.py writes into a hidden first cell) changes.
nb_execution_mode = 'cache'
# myst-nb writes the notebooks' images to <site>/../jupyter_execute, the top of the repository here:
# an absolute folder name takes them to _proc/ instead.
import myst_nb.sphinx_ext
myst_nb.sphinx_ext.OUTPUT_FOLDER = env('BOOK_OUTPUTS', str(here.parent/'_proc'/'book_outputs'))
nb_execution_cache_path = env('BOOK_CACHE', str(here.parent/'_proc'/'book_cache'))
nb_execution_timeout = int(env('BOOK_TIMEOUT', '600'))   # seconds per cell; a chapter takes about a minute
nb_execution_raise_on_error = False    # tools/book.py fails the build after writing every page
nb_execution_show_tb = True
nb_execution_excludepatterns = []
nb_merge_streams = True
nb_kernel_rgx_aliases = {'.*': 'python3'}
nb_output_stderr = 'show'
nb_render_image_options = {'class': 'nb-figure'}
myst_enable_extensions = ['dollarmath', 'amsmath', 'colon_fence', 'deflist', 'smartquotes', 'strikethrough']
myst_heading_anchors = 3
myst_update_mathjax = False

# --- Maths: MathJax 2.7 from the Python package jupyter-server-mathjax, copied into the site --------
# (no CDN: the pages typeset offline). tools/book.py copies it to _static/mathjax/.
mathjax_path = 'mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full'
mathjax2_config = {
    'tex2jax': {'inlineMath': [['\\(', '\\)']], 'displayMath': [['\\[', '\\]']],
                'processEscapes': True, 'processEnvironments': True},
    'HTML-CSS': {'availableFonts': [], 'imageFont': None, 'preferredFont': None, 'webFont': 'STIX-Web',
                 'linebreaks': {'automatic': True}},
    'CommonHTML': {'linebreaks': {'automatic': True}},
    'messageStyle': 'none',
    'menuSettings': {'zoom': 'None'},
    'showMathMenu': False,
}

# --- API reference ----------------------------------------------------------------------------------
autodoc_default_options = {'members': True, 'member-order': 'bysource', 'show-inheritance': True}
autodoc_typehints = 'signature'
autodoc_preserve_defaults = True
add_module_names = False
autodoc_inherit_docstrings = False   # a method without a docstring shows none, not PyTorch's

# --- HTML -------------------------------------------------------------------------------------------
html_theme = 'sphinx_book_theme'
html_title = project
html_favicon = str(here/'static'/'favicon.svg')
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    'repository_url': repo_url,
    'repository_branch': branch,
    'path_to_docs': nbs_path,
    'use_repository_button': True,
    'use_download_button': False,
    'use_fullscreen_button': False,
    'launch_buttons': {'colab_url': 'https://colab.research.google.com', 'notebook_interface': 'jupyterlab'},
    'home_page_in_toc': True,
    'show_toc_level': 2,
    'navigation_with_keys': False,
}
