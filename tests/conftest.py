"""Shared set-up of the package's tests: a fixed seed for every test, and tests marked `slow`
(longer than a test run should take) skipped unless pytest runs with `--slow` (`make test-all`)."""
import pytest, torch

def pytest_addoption(parser):
    parser.addoption('--slow', action='store_true', help='also run the tests marked slow')

def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: longer than `make test` should take; run by `make test-all`')

def pytest_collection_modifyitems(config, items):
    if config.getoption('--slow'): return
    skip = pytest.mark.skip(reason='slow: run with --slow (make test-all)')
    for item in items:
        if 'slow' in item.keywords: item.add_marker(skip)

@pytest.fixture(autouse=True)
def seed():
    torch.manual_seed(0)
