"""``unifybench data check``: a corpus of broken datasets, each with its own clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.data.helpers import copy_sample, read, write
from unifybench.benchmarks import load_benchmark
from unifybench.benchmarks.unifybench.check import check_dataset
from unifybench.cli import main
from unifybench.errors import DataError

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "unifybench", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sample_checks_clean(sample_root: Path) -> None:
    report = check_dataset(sample_root)
    assert report.ok and not report.warnings, report.format()
    assert report.concepts == {"astro": "human", "chelsea": "animal", "cup": "object"}
    assert report.counts["astro"] == {
        "rec": 12, "vqa": 5, "text_only": 3, "choice": 2, "t2i": 25, "face": 1, "knowledge": 3
    }  # fmt: skip
    assert "face" not in report.counts["cup"]


def test_cli_sample_then_check(tmp_path: Path) -> None:
    out = tmp_path / "ub"
    made = _cli("data", "sample", str(out))
    assert made.returncode == 0, made.stderr
    checked = _cli("data", "check", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "result: OK (0 errors, 0 warnings)" in checked.stdout
    assert "astro (human)" in checked.stdout


def _delete_info(root: Path) -> None:
    (root / "concept/train/astro/info.json").unlink()


def _concepts_list_is_object(root: Path) -> None:
    write(root / "concepts_list.json", {"astro": 1})


def _info_is_list(root: Path) -> None:
    write(root / "concept/train/chelsea/info.json", ["a cat"])


def _delete_test_image(root: Path) -> None:
    (root / "concept/test/cup/2.png").unlink()


def _escape_root(root: Path) -> None:
    items = read(root / "test_data/astro.json")
    items[6]["image"] = "/mnt/authors/unictokens_data/concept/test/../../../../etc/passwd"
    write(root / "test_data/astro.json", items)


def _empty_list(root: Path) -> None:
    write(root / "concepts_list.json", [])


def _unknown_type(root: Path) -> None:
    items = read(root / "test_data/chelsea.json")
    items[13]["type"] = "caption"
    write(root / "test_data/chelsea.json", items)


def _truncated(root: Path) -> None:
    path = root / "test_data/cup.json"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


def _missing_train_image(root: Path) -> None:
    (root / "concept/train/chelsea/4.png").unlink()


def _bad_generation_type(root: Path) -> None:
    info = read(root / "concept/train/cup/info.json")
    info["generation_type"] = "thing"
    write(root / "concept/train/cup/info.json", info)


def _missing_answer(root: Path) -> None:
    items = read(root / "test_data/astro.json")
    items[0]["conversations"] = items[0]["conversations"][:1]
    write(root / "test_data/astro.json", items)


# (break the dataset, file named, field named, words of the expectation)
CORPUS: dict[str, tuple[Callable[[Path], None], str, str, str]] = {
    "missing info.json": (_delete_info, "concept/train/astro/info.json", "", "file not found"),
    "concept list of wrong type": (_concepts_list_is_object, "concepts_list.json", "",
                                   "a JSON list of concept ids, got dict"),
    "profile of wrong type": (_info_is_list, "concept/train/chelsea/info.json", "",
                              "a JSON object (the concept profile), got list"),
    "missing image": (_delete_test_image, "test_data/cup.json", "[2].image", "is missing"),
    "image escaping the root": (_escape_root, "test_data/astro.json", "[6].image",
                                "a path inside the dataset root"),
    "empty concept list": (_empty_list, "concepts_list.json", "", "got an empty list"),
    "unknown item type": (_unknown_type, "test_data/chelsea.json", "[13].type", "got 'caption'"),
    "truncated JSON": (_truncated, "test_data/cup.json", "line ", "the file looks truncated"),
    "missing training image": (_missing_train_image, "concept/train/train_images.json",
                               "chelsea[4]", "is missing"),
    "bad generation_type": (_bad_generation_type, "concept/train/cup/info.json",
                            "generation_type", "got 'thing'"),
    "item without answer": (_missing_answer, "test_data/astro.json", "[0].conversations",
                            'followed by a "gpt" turn'),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_broken_dataset_is_reported(sample_root: Path, tmp_path: Path, case: str) -> None:
    breaker, file, field, words = CORPUS[case]
    root = copy_sample(sample_root, tmp_path / "ds")
    breaker(root)
    report = check_dataset(root)
    assert not report.ok
    matching = [
        p
        for p in report.errors
        if p.file == file and p.field.startswith(field) and words in p.expected
    ]
    assert len(matching) == 1, report.format()
    rendered = report.format()
    assert str(matching[0]) in rendered and "result: FAILED" in rendered
    assert main(["data", "check", str(root)]) == 1


@pytest.mark.parametrize("case", ["truncated JSON", "image escaping the root", "missing info.json"])
def test_broken_dataset_via_subprocess(sample_root: Path, tmp_path: Path, case: str) -> None:
    breaker, file, field, words = CORPUS[case]
    root = copy_sample(sample_root, tmp_path / "ds")
    breaker(root)
    proc = _cli("data", "check", str(root))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    line = next(line for line in proc.stdout.splitlines() if file in line and words in line)
    assert field in line


@pytest.mark.parametrize("case", ["missing info.json", "unknown item type", "truncated JSON"])
def test_loader_raises_the_same_problem(sample_root: Path, tmp_path: Path, case: str) -> None:
    breaker, file, field, words = CORPUS[case]
    root = copy_sample(sample_root, tmp_path / "ds")
    breaker(root)
    with pytest.raises(DataError) as info:
        load_benchmark(root)
    assert info.value.file.endswith(file) and info.value.field.startswith(field)
    assert words in info.value.expected


def test_every_problem_is_collected(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    for case in (
        "missing info.json",
        "unknown item type",
        "missing training image",
        "truncated JSON",
    ):
        CORPUS[case][0](root)
    report = check_dataset(root)
    assert len(report.errors) == 4, report.format()
    assert report.concepts["astro"] == "?" and report.concepts["chelsea"] == "animal"
    assert report.counts["chelsea"]["rec"] == 12 and report.counts["chelsea"]["vqa"] == 4


def test_unknown_schema_files_give_warnings(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    write(root / "concept/test/astro/vqa.json", "just a string")
    write(root / "concept/train/cup/conversations.json", [{"dialogue": []}])
    (root / "template.json").unlink()
    write(root / "concept/test/chelsea/t2i_conditions.json", {"my_prompts": ["<chelsea> asleep."]})
    report = check_dataset(root)
    assert report.ok, report.format()
    found = {(w.file, w.field) for w in report.warnings}
    assert found == {
        ("concept/test/astro/vqa.json", ""),
        ("concept/train/cup/conversations.json", "[0]"),
        ("template.json", ""),
        ("concept/test/chelsea/t2i_conditions.json", "my_prompts"),
    }


def test_json_report_and_missing_root(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "check", "--json", str(tmp_path / "nothing")]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["errors"][0]["file"] == str(tmp_path / "nothing")


def test_list_conditions_without_face_prompt_warn(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    write(root / "concept/test/cup/t2i_conditions.json", ["<cup> on a shelf.", "<cup> at dawn."])
    report = check_dataset(root)
    assert report.ok
    assert [(w.file, w.field) for w in report.warnings] == [
        ("concept/test/cup/t2i_conditions.json", "[0]")
    ]
    assert report.counts["cup"]["knowledge"] == 1  # entry 0 is never a knowledge prompt
