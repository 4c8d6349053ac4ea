#!/usr/bin/env bash
#! The recipe table, one command from a fresh clone: runs example-plugins/news20/minilm.ini's whole
#! comparison job (minilm, bow, the ensemble; 75 to 84 minutes on 2 cores here) into a fresh experiment
#! root under target/bench/news20, fits TF-IDF + LinearSVC on the same splits, prints the README's
#! table and writes bench/results/news20.json. After bench/python.sh's set-up and release build,
#! runs bench/news20.py; options go to it (see --help), e.g. to summarise a run that exists:
#!   bash bench/news20.sh --experiment experiments/EXP-0002-news20-minilm --run 1
exec bash "$(dirname "${BASH_SOURCE[0]}")/python.sh" news20.py "$@"
