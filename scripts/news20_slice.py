"""Writes a slice of the 20 Newsgroups corpus, laid out as the corpus is (one file per post under
20news-bydate-train/<label>/ and 20news-bydate-test/<label>/), for quick end-to-end runs:
`python scripts/news20_slice.py SOURCE.tar.gz OUT.tar.gz TRAIN_PER_LABEL TEST_PER_LABEL`
keeps the first posts of every label in archive order and prints how many it kept."""
import collections
import sys
import tarfile

source_path, out_path, train_per_label, test_per_label = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
kept = collections.Counter()
with tarfile.open(source_path) as source, tarfile.open(out_path, "w:gz") as out:
    for member in source:
        parts = member.name.split("/")
        if not member.isfile() or len(parts) != 3:
            continue
        split, label = parts[0], parts[1]
        if kept[split, label] < (train_per_label if split.endswith("train") else test_per_label):
            kept[split, label] += 1
            out.addfile(member, source.extractfile(member))
print(sum(kept.values()))
