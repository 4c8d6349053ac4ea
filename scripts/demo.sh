#!/usr/bin/env bash
#! The main job: runs the news20 example experiment (20 Newsgroups, the `bow` model) on the local
#! default, from a fresh clone. Extra arguments go to the runner (steps, --set, --force).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo build --release -p mlpipe-runner -p mlpipe-plugin-news20
exec target/release/runner --plugin target/release/libmlpipe_plugin_news20.so example-plugins/news20/settings.ini "$@"
