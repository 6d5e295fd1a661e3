"Build script: every piece of metadata comes from settings.ini (shipped in the sdist, see MANIFEST.in)."
import re
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

licenses = {'apache2': 'Apache-2.0'}   # SPDX expressions
statuses = ['Planning', 'Pre-Alpha', 'Alpha', 'Beta', 'Production/Stable', 'Mature', 'Inactive']   # trove's numbers 1 to 7
py_versions = ['3.10', '3.11', '3.12', '3.13', '3.14']
min_py = cfg['min_python']

def words(key): return cfg.get(key, '').split()

_relative = r'(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|/)'   # a target that is not a URL, an anchor or an absolute path

def absolute_links(md, git_url, branch):
    "`md` with its relative targets made absolute: a link to the file's page on GitHub, an image to its raw content (PyPI has no files to resolve them against)."
    user_repo = git_url.split('github.com/', 1)[1]
    blob, raw = f'{git_url}/blob/{branch}/', f'https://raw.githubusercontent.com/{user_repo}/{branch}/'
    md = re.sub(rf'(!\[[^\]]*\]\(){_relative}', lambda m: m.group(1) + raw, md)   # images first: then links
    md = re.sub(rf'(\]\(){_relative}', lambda m: m.group(1) + blob, md)
    md = re.sub(rf'(src="){_relative}', lambda m: m.group(1) + raw, md)
    return re.sub(rf'(href="){_relative}', lambda m: m.group(1) + blob, md)

if __name__ == '__main__': setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=absolute_links(open('README.md', encoding='utf-8').read(), cfg['git_url'], cfg['branch']),
    long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'],
    url=cfg['git_url'],
    license=licenses[cfg['license']],
    license_files=['LICENSE'],
    keywords=cfg['keywords'],
    classifiers=[f'Development Status :: {cfg["status"]} - {statuses[int(cfg["status"]) - 1]}',
                 f'Intended Audience :: {cfg["audience"]}',
                 f'Natural Language :: {cfg["language"]}'] +
                [f'Programming Language :: Python :: {v}' for v in py_versions[py_versions.index(min_py):]],
    packages=setuptools.find_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*']),
    include_package_data=True,
    python_requires=f'>={min_py}',
    install_requires=words('requirements'),
    extras_require={'dev': words('dev_requirements')},
    entry_points={'console_scripts': words('console_scripts'),
                  'nbdev': [f'{cfg["lib_path"]}={cfg["lib_path"]}._modidx:d']},
    zip_safe=False,
)
