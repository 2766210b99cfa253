"""DreamBench++ data: loader (folder, zip, hub cache), check errors, the sample set."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from tests.dreambench_plus.shapes import ENTRIES, prompts, zip_folder
from unifybench.benchmarks import load_data, split_data
from unifybench.benchmarks.dreambench_plus import REPO_ID, SAMPLE_DATASET, SPEC, hub
from unifybench.benchmarks.dreambench_plus.layout import rating_key
from unifybench.benchmarks.dreambench_plus.loader import load
from unifybench.errors import DataError

COMMIT = "89abcdef0123456789abcdef0123456789abcdef"


def test_the_name_users_type_is_registered() -> None:
    spec, source = split_data("dreambench++:/some/folder")
    assert spec is SPEC and source == "/some/folder"
    assert split_data("dreambench++:")[1] is None


def test_folder_in_the_release_shape(release: Path) -> None:
    b = load(release)
    ids = list(b.concepts)
    assert ids == sorted(ids) and len(ids) == len(ENTRIES)
    kitten = b.concepts["live_subject_animal_00_kitten"]
    assert kitten.category == "animal" and kitten.class_noun == "kitten"
    assert kitten.train_images == (release / "images/live_subject/animal/00.jpg",)
    assert b.concepts["live_subject_animal_01_cotton-top_tamarin"].category == "animal"
    assert b.concepts["live_subject_human_00_girl"].category == "human"
    assert b.concepts["object_01_piggy_bank"].class_noun == "piggy bank"
    assert b.concepts["style_00_ukiyo-e"].category == "style"
    items = b.generation["object_00_t-shirt"]
    assert [i.index for i in items] == list(range(9)) and all(i.n_images == 1 for i in items)
    assert items[0].prompt == "a <object_00_t-shirt> on a beach"
    assert items[0].clip_text == prompts("t-shirt")[0]
    assert [i.group for i in items] == ["photorealistic"] * 4 + ["style_transfer"] * 3 + [
        "imaginative"
    ] * 2
    assert rating_key("object_00_t-shirt", 3) == "object_00_t-shirt-3"
    assert b.adapter == "dreambench++" and b.name == "data"
    only = load(release, concepts=["style_00_ukiyo-e"])
    assert list(only.concepts) == ["style_00_ukiyo-e"]
    with pytest.raises(DataError, match="requested concepts"):
        load(release, concepts=["nope"])


def test_zip_and_folder_one_level_down_load_the_same(release: Path, tmp_path: Path) -> None:
    zipped = zip_folder(release, tmp_path / "data.zip")
    from_zip = load(zipped)
    from_folder = load(release)
    assert list(from_zip.concepts) == list(from_folder.concepts)
    assert from_zip.root.name == "data" and from_zip.name == "data"
    assert load(zipped).root == from_zip.root  # unpacked once, reused
    parent = release.parent
    assert list(load(parent).concepts) == list(from_folder.concepts)  # root one level below


def test_data_option_loads_sample_and_labels_it(dbpp_sample: Path) -> None:
    benchmark, adapter, label = load_data(f"dreambench++:{dbpp_sample}")
    assert label == f"dreambench++:{dbpp_sample}"
    assert adapter.dataset_name(benchmark) == SAMPLE_DATASET
    assert {c.category for c in benchmark.concepts.values()} == {
        "animal",
        "human",
        "object",
        "style",
    }


def test_hub_offline_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        load(REPO_ID, cache_dir=tmp_path)
    text = str(err.value)
    assert REPO_ID in text and "data.zip" in text and "hf download" in text


def test_hub_cache_with_the_release_zip(release: Path, tmp_path: Path) -> None:
    """The hub path up to the download: a cache laid out as huggingface_hub writes it."""
    data = zip_folder(release, tmp_path / "data.zip").read_bytes()
    repo = tmp_path / "cache" / ("datasets--" + REPO_ID.replace("/", "--"))
    blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
    blob.parent.mkdir(parents=True)
    blob.write_bytes(data)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    link = repo / "snapshots" / COMMIT / "data.zip"
    link.parent.mkdir(parents=True)
    link.symlink_to(os.path.relpath(blob, link.parent))
    b = load(REPO_ID, cache_dir=tmp_path / "cache")
    assert b.name == REPO_ID and b.revision == COMMIT and len(b.concepts) == len(ENTRIES)
    assert hub.resolved_revision(link, None) == COMMIT


def _check(source: Path):
    return SPEC.make_adapter().check(str(source))


def test_check_reports_every_broken_pair(release: Path) -> None:
    (release / "captions/object/00.txt").unlink()
    (release / "captions/object/01.txt").write_text("piggy bank\n" + "a piggy bank\n" * 8)
    (release / "captions/style/00.txt").write_text("ukiyo-e\n\n" + "a ukiyo-e\n" * 9)
    (release / "captions/live_subject/human/00.txt").write_bytes(b"girl\n\xff\xfe\n")
    (release / "captions/live_subject/animal/02.txt").write_text("dog\n" + "a dog\n" * 9)
    bad = release / "images/plants/00.jpg"
    bad.parent.mkdir(parents=True)
    bad.write_bytes((release / "images/object/01.jpg").read_bytes())
    (release / "captions/plants").mkdir()
    (release / "captions/plants/00.txt").write_text("fern\n" + "a fern\n" * 9)
    report = _check(release)
    assert not report.ok
    text = report.format()
    expected = {
        "images/object/00.jpg": "its caption file captions/object/00.txt",
        "captions/object/01.txt": "got 8 prompt(s)",
        "captions/style/00.txt": "blank lines are not allowed",
        "captions/live_subject/human/00.txt": "UTF-8",
        "captions/live_subject/animal/02.txt": "its image images/live_subject/animal/02.jpg",
        "images/plants/00.jpg": "category folders",
    }
    for file, what in expected.items():
        assert any(f.file == file and what in f.expected for f in report.errors), (file, text)
    assert report.concepts == {"live_subject_animal_00_kitten": "animal",
                               "live_subject_animal_01_cotton-top_tamarin": "animal"}  # fmt: skip
    with pytest.raises(DataError, match="captions/"):  # loading stops at the first problem
        load(release)


def test_check_warns_when_a_prompt_does_not_name_the_subject(release: Path) -> None:
    (release / "captions/object/00.txt").write_text("t-shirt\n" + "a red shirt\n" * 9)
    report = _check(release)
    assert report.ok and any("names the subject" in w.expected for w in report.warnings)


def test_paths_escaping_the_root_are_refused(release: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.jpg"
    outside.write_bytes((release / "images/object/00.jpg").read_bytes())
    target = release / "images/object/00.jpg"
    target.unlink()
    target.symlink_to(outside)
    report = _check(release)
    assert any("inside the dataset root" in f.expected for f in report.errors), report.format()
    with pytest.raises(DataError, match="inside the dataset root"):
        load(release)


@pytest.mark.parametrize(
    ("member", "what"),
    [
        ("../evil.txt", "without '..'"),
        ("/abs/evil.txt", "relative member path"),
        ("data\\evil.txt", "relative member path"),
    ],
)
def test_bad_zip_members_are_never_unpacked(tmp_path: Path, member: str, what: str) -> None:
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data/images/object/00.jpg", b"x")
        zf.writestr(member, b"evil")
    report = _check(path)
    assert not report.ok and any(f.field == member and what in f.expected for f in report.errors)
    with pytest.raises(DataError, match="member"):
        load(path)
    assert not (tmp_path / "evil.txt").exists()


def test_symlink_zip_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("data/images/object/00.jpg")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    report = _check(path)
    assert any("links are not unpacked" in f.expected for f in report.errors)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "data.zip"
    path.write_bytes(b"not a zip")
    assert "zip archive" in _check(path).errors[0].expected
    with pytest.raises(DataError, match="zip archive"):
        load(path)


def test_sample_is_deterministic_and_checks_clean(dbpp_sample: Path, tmp_path: Path) -> None:
    again = SPEC.make_adapter().write_sample(tmp_path / "again")
    files = sorted(p.relative_to(dbpp_sample) for p in dbpp_sample.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (dbpp_sample / rel).read_bytes() == (again / rel).read_bytes(), rel
    report = _check(dbpp_sample)
    assert report.ok and not report.warnings, report.format()
    assert len(report.concepts) == 4
    assert (dbpp_sample / "README.md").read_text().startswith("# DreamBench++ sample")
