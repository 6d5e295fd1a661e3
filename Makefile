# One-command set-up and test for the foundations notebooks.
#   make lab       set up, then start JupyterLab on nbs/
#   make test      set up, run every notebook as a test (cells flagged `slow` are skipped),
#                  and fail if the package, the notebooks or README.md are out of date
#   make test-all  the same, slow cells included, then the Colab-like install check (make colab-check),
#                  the sdist and wheel (make dist), the nbgrader cycle on every chapter (make grading-cycle),
#                  the instructor guide's commands (make guide-check) and the book checked in a browser
#                  (make book-check)
#   make exercises the exercise sheets in exercises/, from the chapters
#   make book      the book: every notebook as a web page with its outputs, in _docs/
#   make course COURSE=folder   an nbgrader course made from the chapters (or one updated in place)
#   make guide-check  every command of the instructor guide run in a temporary course (10 minutes on a busy 2-core machine)
#   make bench     run the notebooks with slow cells (benchmarks, full training) and print their figures
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_VERSION := 2.13.0
N_WORKERS ?= 2
DATA_DIR := /usr/share/datasets/fashion-mnist

.PHONY: setup data lab test test-all nbtest sync readme links exercises course grading-cycle guide-check colab-check dist bench clean-venv book book-check

setup: $(STAMP) data

# The CPU wheel goes in first, so that `torch>=2.1` is already met and no CUDA build is pulled in:
# a local `+cpu` wheel where pip is configured with one (find-links), else PyTorch's CPU index.
$(STAMP): settings.ini setup.py
	@echo "setup: creating the virtual environment $(VENV) (a few minutes the first time)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setup: installing PyTorch $(TORCH_VERSION), CPU build (about 200 MB)"
	@$(BIN)/python -m pip install -q "torch==$(TORCH_VERSION)+cpu" 2>/dev/null || \
		$(BIN)/python -m pip install -q "torch==$(TORCH_VERSION)" --index-url https://download.pytorch.org/whl/cpu
	@echo "setup: installing this package and its development tools (nbdev, JupyterLab, nbgrader, pytest)"
	@$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $(STAMP)
	@echo "setup: done"

# Fashion-MNIST: as root on Debian, the packaged copy; elsewhere the loader downloads it on first use.
data:
	@if [ -d "$(DATA_DIR)" ]; then echo "Fashion-MNIST: $(DATA_DIR)"; \
	elif [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then \
		echo "Fashion-MNIST: installing the Debian package dataset-fashion-mnist"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; \
	else echo "Fashion-MNIST: no system copy; the loader downloads it on first use."; fi

# JupyterLab prints its URL; no browser is opened where there is no display.
lab: setup
	@echo "lab: starting JupyterLab on nbs/; open the URL it prints (stop it with Ctrl-C)"
	cd nbs && ../$(BIN)/jupyter lab --ip=127.0.0.1 \
		$$( [ -n "$$DISPLAY" ] || echo --no-browser ) $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

readme:
	$(BIN)/python tools/readme.py

# Install cells and Colab badges written from settings.ini (user, repo, branch): run after editing it.
links:
	$(BIN)/python tools/links.py

# The exercise sheets in exercises/ (and their table, exercises/README.md), written from the chapters.
exercises: setup
	$(BIN)/python tools/exercises.py

# An nbgrader course made from the chapters, in the folder COURSE: make course COURSE=../nn-course
course: setup
	@test -n "$(COURSE)" || { echo "usage: make course COURSE=folder"; exit 2; }
	$(BIN)/python tools/course.py "$(COURSE)"

# The nbgrader cycle (generate, release, fetch, submit, collect, autograde, feedback, export) on every
# chapter, autograding GRADING_JOBS submissions at once.
GRADING_JOBS ?= 2
grading-cycle: setup
	$(BIN)/python tools/grading_cycle.py --jobs $(GRADING_JOBS)

# Every command of the instructor guide's bash blocks, in order, in a temporary course on chapter 01 with
# three students (own account, shared account, LMS upload); fails naming the command that failed.
guide-check: setup
	$(BIN)/python tools/guide_check.py

# The sdist and wheel, built from a clean copy of the tracked files, checked with twine and tools/check_dist.py
# (classifiers on the official trove list, absolute links in the long description, no tests in the sdist).
dist: setup
	rm -rf dist && tmp=$$(mktemp -d) && git ls-files -z | xargs -0 cp --parents -t $$tmp && \
	(cd $$tmp && $(CURDIR)/$(BIN)/python -m build -q -o $(CURDIR)/dist .) && rm -rf $$tmp && \
	$(BIN)/twine check dist/* && $(BIN)/python tools/check_dist.py dist/*

# The package installed as in Colab (an environment with only what Colab has), then every notebook and
# every exercise sheet (blank, and with the reference solutions filled in) run there.
colab-check: setup
	$(BIN)/python tools/colab_check.py

# Fails when nbdev_export, nbdev_clean or the README generator would change a file.
sync: setup
	$(BIN)/python tools/check_sync.py

nbtest: setup
	$(BIN)/python tools/nbtest.py --n_workers $(N_WORKERS) $(NBTEST_ARGS)

test: setup
	@status=0; $(MAKE) --no-print-directory sync || status=1; \
	$(MAKE) --no-print-directory nbtest N_WORKERS=$(N_WORKERS) NBTEST_ARGS="$(NBTEST_ARGS)" || status=1; exit $$status

# One notebook at a time, so the benchmarks among the slow cells have both cores to themselves;
# then the Colab-like install check, the distributions, the grading cycle, the guide's commands and the book.
test-all:
	@status=0; $(MAKE) --no-print-directory test N_WORKERS=1 NBTEST_ARGS="--flags slow" || status=1; \
	$(MAKE) --no-print-directory colab-check || status=1; \
	$(MAKE) --no-print-directory dist || status=1; \
	$(MAKE) --no-print-directory grading-cycle || status=1; \
	$(MAKE) --no-print-directory guide-check || status=1; \
	$(MAKE) --no-print-directory book-check || status=1; exit $$status

bench: setup
	$(BIN)/python tools/bench.py

# The book: every notebook as a web page with its executed outputs, and the API reference, in _docs/.
# A notebook runs again only when its code or the package sources it imports change; slow cells never run.
book: setup
	$(BIN)/python tools/book.py

# The built book opened in headless Chromium, offline: fails on a missing page, image or link, untypeset
# maths, or nbdev directives on show; screenshots go to _docs/_screenshots/. As root on Debian it installs
# Chromium and its driver first.
book-check: book
	@have() { command -v "$$1" >/dev/null; }; \
	if ! { have chromium || have chromium-browser || have google-chrome; } || \
	   ! { have chromedriver || [ -n "$$CHROMEWEBDRIVER" ]; }; then \
		if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && have apt-get; then \
			echo "book-check: installing the Debian packages chromium and chromium-driver"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		fi; \
	fi
	$(BIN)/python tools/book_check.py

clean-venv:
	rm -rf $(VENV)
