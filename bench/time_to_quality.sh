#!/usr/bin/env bash
#! Time to quality, one command from a fresh clone: the wall-clock minutes mlpipe and the Hugging
#! Face reference stack each take on this machine to fine-tune all-MiniLM-L6-v2 past the TF-IDF
#! baseline's validation macro-F1 on 20 Newsgroups, and the test accuracy each ends with. After
#! bench/python.sh's set-up and release build, runs bench/time_to_quality.py, which prints the
#! table and writes target/bench/time-to-quality/results.{json,md}. Options go to it (see --help),
#! e.g. a quick check of the script:
#!   bash bench/time_to_quality.sh --max-steps 40 --eval-every 20
exec bash "$(dirname "${BASH_SOURCE[0]}")/python.sh" time_to_quality.py "$@"
