"""The shared real graphs the Python suites read, in place: they live next to
the repository, in ../shared/datasets."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO / ".." / "shared" / "datasets"
KARATE = DATASETS / "karate" / "karate.edgelist"
LESMIS_EDGES = DATASETS / "lesmis" / "lesmis.edges.csv"
CORA = DATASETS / "cora" / "cora.edgelist"
BLOGCATALOG = DATASETS / "blogcatalog" / "blogcatalog.edgelist"
FACEBOOK = DATASETS / "facebook" / "facebook_combined.edgelist"
SLASHDOT = DATASETS / "slashdot" / "soc-Slashdot0902.txt.gz"
