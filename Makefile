# The two commands of the README: `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
HOST ?= 127.0.0.1
PORT ?= 8080
DATA_DIR ?= ./var/data

.PHONY: deps build web run test clean

deps:
	bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS)

web: deps
	bash scripts/build-web.sh

run: build web
	$(BUILD_DIR)/tools/tidewire --host=$(HOST) --port=$(PORT) --data-dir=$(DATA_DIR) --web-root=web

test: build web
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

clean:
	rm -rf $(BUILD_DIR)
