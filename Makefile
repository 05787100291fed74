# Two entry points for a fresh machine: `make run` and `make test`.
# Each creates .venv and installs the project into it when needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test venv fonts samples bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/fapiao serve

# Browser tests get a process of their own: Playwright's sync API refuses to
# start in a worker where another test left an asyncio loop behind.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -m "not browser" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -q -m browser $(PYTEST_ARGS)

# The CJK font families new sample sets are drawn in (samples/fonts.py FAMILIES; the
# committed fixtures need none). Installs only when one of them is missing.
FONT_PACKAGES := fonts-noto-cjk fonts-wqy-microhei fonts-wqy-zenhei fonts-arphic-uming fonts-arphic-ukai
FONT_FAMILIES := "Noto Serif CJK SC" "WenQuanYi Micro Hei" "WenQuanYi Zen Hei" "AR PL UMing CN" "AR PL UKai CN"
fonts:
	@for family in $(FONT_FAMILIES); do fc-list | grep -q "$$family" || missing=1; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $(FONT_PACKAGES); fi

samples: $(STAMP) fonts
	$(BIN)/python -m samples.generate --out /tmp/fapiao-samples --n 120 --seed 2029 --pdf-share 0.1

clean:
	rm -rf $(VENV) .pytest_cache
