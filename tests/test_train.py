"""Training CLI: a 2-epoch smoke run on tiny images writes a complete run folder (tail average included),
resumes, and its best checkpoint loads in `evaluate`; user mistakes are one-line errors."""

import json

import pytest

from greenscreen import evaluate, train
from greenscreen.export.card import stage_record
from greenscreen.run_folder import RunFolder
from tests.synthetic import make_mask_folder


@pytest.mark.slow
def test_smoke_training_writes_run_folder_resumes_and_evaluates(tmp_path, capsys):
    data = make_mask_folder(tmp_path / "data")
    run = tmp_path / "run"
    args = ["--train", str(data), "--val-split", "0.34", "--preset", "tiramisu_tiny", "--size", "32",
            "--epochs", "2", "--batch-size", "2", "--workers", "0", "--average-last", "1", "--val-size", "64", "--paste-people", "0.5", "--out", str(run)]
    assert train.main(args) == 0
    for name in ("config.json", "log.csv", "curves.png", "best.keras", "last.keras", "summary.json",
                 "previews/epoch_001.jpg", "previews/epoch_002.jpg"):
        assert (run / name).is_file(), name
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["preset"] == "tiramisu_tiny"
    assert config["data"]["train"][0]["kind"] == "mask-folder"
    assert config["options"]["lr"] == 1e-3 and config["options"]["size"] == [32, 32]
    assert config["options"]["val_size"] == [64, 64]
    stage = stage_record(RunFolder(run))
    assert stage["validated_at"] == [64, 64]  # the card says where best.keras was chosen
    assert stage["paste_people"].startswith("0.5 of the samples")
    summary = json.loads((run / "summary.json").read_text())
    assert summary["epochs"] == 2 and 0 <= summary["best_val_miou"] <= 100

    assert train.main(["--resume", "--epochs", "3", "--out", str(run)]) == 0
    log = (run / "log.csv").read_text().strip().splitlines()
    assert len(log) == 1 + 3  # header + three epochs, the third appended after resuming
    summary = json.loads((run / "summary.json").read_text())
    assert summary["tail_epochs"] == [3] and 0 <= summary["tail_val_miou"] <= 100  # the tail moved with --epochs
    assert (run / "tail.keras").is_file()

    report_path = tmp_path / "eval.json"
    assert evaluate.main(["--model", str(run / "best.keras"), "--data", str(data), "--json", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["n"] == 6 and 0 <= report["miou"] <= 100


def test_existing_run_is_not_overwritten(tmp_path, capsys):
    data = make_mask_folder(tmp_path / "data", count=2)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "last.keras").write_bytes(b"")
    code = train.main(["--train", str(data), "--val", str(data), "--out", str(tmp_path / "run")])
    assert code == 2
    assert "--resume" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    ([], "no training data"),
    (["--train", "/nonexistent/folder", "--val-split", "0.1"], "not found"),
    (["--train", "DATA"], "no validation data"),
    (["--train", "DATA", "--val", "DATA", "--size", "50"], "50x50"),
    (["--train", "DATA", "--val", "DATA", "--size", "abc"], "bad size"),
    (["--train", "DATA@heavy", "--val", "DATA"], "bad weight"),
    (["--resume", "--out", "NOWHERE"], "nothing to resume"),
    (["--train", "DATA", "--val", "DATA", "--epochs", "2", "--average-last", "3"], "--average-last must be"),
    (["--train", "DATA", "--val", "DATA", "--paste-people", "2"], "--paste-people must be"),
    (["--train", "DATA", "--val", "DATA", "--paste-blend"], "--paste-blend blends pasted people in"),
])
def test_user_mistakes_are_one_line_errors(tmp_path, capsys, args, message):
    data = make_mask_folder(tmp_path / "data", count=2)
    args = [a.replace("DATA", str(data)).replace("NOWHERE", str(tmp_path / "none")) for a in args]
    assert train.main(args + ["--out", str(tmp_path / "run")] if "--out" not in args else args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_cli_lists_commands_and_rejects_unknown(capsys):
    from greenscreen import cli

    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("serve", "train", "evaluate", "data", "export"))
    assert cli.main(["bake"]) == 2
    assert "unknown command 'bake'" in capsys.readouterr().err


def test_resume_without_epochs_keeps_the_runs_own_count():
    assert train.resolve_options(["--resume", "--out", "runs/x"])["epochs"] is None
    assert train.resolve_options(["--resume", "--epochs", "7", "--out", "runs/x"])["epochs"] == 7
