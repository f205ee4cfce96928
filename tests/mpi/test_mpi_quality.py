"""n2v-mpi embed learns what n2v embed learns: at 2 and 4 ranks, BlogCatalog
node-classification Macro-F1 and Facebook link-prediction AUC stay within
0.01 of the single process's, with the same flags and the quality harness's
protocols (bench/quality/n2v_quality.py); with --batch-windows too, at 2
ranks."""

import json
import shlex
import subprocess
import sys

import pytest

from conftest import BLOGCATALOG, DATASETS, FACEBOOK, REPO

HARNESS = REPO / "bench" / "quality" / "n2v_quality.py"
TOLERANCE = 0.01
FLAGS = "--workers 1 --seed 5 --quiet"
BATCH = " --batch-windows"


def harness(mpi, *args):
    result = subprocess.run([sys.executable, str(HARNESS), *map(str, args), "--json"],
                            capture_output=True, text=True, env=mpi.env, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def single_command(mpi, extra=""):
    return (f"{shlex.quote(str(mpi.cli_binary))} embed --input {{input}} "
            f"--output {{output}} {FLAGS}{extra}")


def mpi_command(mpi, ranks, extra=""):
    return (f"{shlex.quote(mpi.mpirun)} -np {ranks} --oversubscribe "
            f"{shlex.quote(str(mpi.mpi_binary))} embed --input {{input}} "
            f"--output {{output}} {FLAGS}{extra}")


def macro_f1(mpi, command):
    report = harness(mpi, "node-eval", "--input", BLOGCATALOG, "--labels",
                     DATASETS / "blogcatalog" / "blogcatalog.labels", "--repeats", 5,
                     "--embed-cmd", command)
    return report["results"][0]["macro_f1_mean"]


def auc(mpi, command):
    report = harness(mpi, "link-eval", "--input", FACEBOOK, "--operators", "hadamard",
                     "--embed-cmd", command)
    return report["auc"]["hadamard"]


@pytest.fixture(scope="module")
def single(mpi):
    return {"macro_f1": macro_f1(mpi, single_command(mpi)),
            "auc": auc(mpi, single_command(mpi))}


@pytest.mark.parametrize("ranks", [2, 4])
def test_blogcatalog_macro_f1_within_0_01(mpi, single, ranks):
    got = macro_f1(mpi, mpi_command(mpi, ranks))
    print(f"BlogCatalog Macro-F1: 1 process {single['macro_f1']:.4f}, {ranks} ranks {got:.4f}")
    assert abs(got - single["macro_f1"]) <= TOLERANCE


@pytest.mark.parametrize("ranks", [2, 4])
def test_facebook_link_prediction_auc_within_0_01(mpi, single, ranks):
    got = auc(mpi, mpi_command(mpi, ranks))
    print(f"Facebook AUC (Hadamard): 1 process {single['auc']:.4f}, {ranks} ranks {got:.4f}")
    assert abs(got - single["auc"]) <= TOLERANCE


def test_batch_windows_quality_within_0_01_at_2_ranks(mpi):
    single_f1 = macro_f1(mpi, single_command(mpi, BATCH))
    got_f1 = macro_f1(mpi, mpi_command(mpi, 2, BATCH))
    single_auc = auc(mpi, single_command(mpi, BATCH))
    got_auc = auc(mpi, mpi_command(mpi, 2, BATCH))
    print(f"--batch-windows: BlogCatalog Macro-F1 1 process {single_f1:.4f}, 2 ranks "
          f"{got_f1:.4f}; Facebook AUC 1 process {single_auc:.4f}, 2 ranks {got_auc:.4f}")
    assert abs(got_f1 - single_f1) <= TOLERANCE
    assert abs(got_auc - single_auc) <= TOLERANCE
