#!/usr/bin/env bash
#! The MiniLM benchmark, one command from a fresh clone: mlpipe against the Hugging Face reference
#! pipeline (datasets + transformers + Accelerate) fine-tuning all-MiniLM-L6-v2 on 20 Newsgroups,
#! same machine, same documents. After bench/python.sh's set-up and release build, runs
#! bench/minilm.py, which prints the table and writes target/bench/minilm/results.{json,md}.
#! Options go to bench/minilm.py (see --help), e.g.
#!   bash bench/minilm.sh --steps 30 --precision bf16 --infer-docs 1000
exec bash "$(dirname "${BASH_SOURCE[0]}")/python.sh" minilm.py "$@"
