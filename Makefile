# The commands of the README: `make run`, `make cluster` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
HOST ?= 127.0.0.1
PORT ?= 8080
DATA_DIR ?= ./var/data
CLUSTER_DIR ?= ./var/cluster

.PHONY: deps build web run cluster test clean

deps:
	bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS)

web: deps
	bash scripts/build-web.sh

run: build web
	$(BUILD_DIR)/tools/tidewire --host=$(HOST) --port=$(PORT) --data-dir=$(DATA_DIR) --web-root=web

# Three nodes on loopback (HTTP 8081-8083, cluster ports 7101-7103), data
# and generated development certificates under $(CLUSTER_DIR).
cluster: build web
	bash scripts/run-cluster.sh $(BUILD_DIR)/tools/tidewire $(CLUSTER_DIR)

test: build web
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

clean:
	rm -rf $(BUILD_DIR)
