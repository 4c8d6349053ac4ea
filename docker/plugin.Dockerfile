# A user's image: mlpipe-base plus the experiment plugin, built by the plugin crate's own
# `cargo build --release` (here from a build context holding libmyexp.so). A plugin with a data or
# checkpoint folder adds one more COPY, e.g. `COPY minilm /opt/mlpipe/minilm` with
# `plugin.minilm_path = /opt/mlpipe/minilm` in its settings.
FROM mlpipe-base:0.1.0
COPY libmyexp.so /opt/mlpipe/plugin.so
