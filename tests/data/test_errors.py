"""Every error path: no data anywhere, checksum mismatches, broken downloads, bad arguments."""
from __future__ import annotations

import shutil

import pytest

from lthkit._errors import LthkitError
from lthkit.data import ChecksumError, DatasetUnavailableError, DataWarning, load_dataset
from lthkit.data.sources import SOURCES

from .conftest import MIRROR, fake_mnist_files, needs_mirror


def _message(excinfo) -> str:
    return str(excinfo.value)


def test_no_mirror_and_no_internet(network, monkeypatch, fresh_cache):
    monkeypatch.delenv("LTHKIT_DATA_MIRROR")
    with pytest.raises(DatasetUnavailableError) as excinfo:
        load_dataset("cifar10")
    message = _message(excinfo)
    assert "'cifar10'" in message
    assert "<mirror>/cifar10/CIFAR-10-images-jpg.tar.xz" in message  # files expected
    assert "LTHKIT_DATA_MIRROR is not set" in message
    assert "set LTHKIT_DATA_MIRROR=" in message and "mirror=" in message  # how to fix
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" in message
    assert "Name or service not known" in message
    assert network.requests == ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"]
    assert not any(fresh_cache.rglob("*.tar.gz"))


@pytest.mark.parametrize("dataset", ["mnist", "imdb", "ag_news", "20newsgroups"])
def test_mirror_without_the_dataset_and_no_internet(network, tmp_path, dataset):
    empty_mirror = tmp_path / "mirror"
    empty_mirror.mkdir()
    with pytest.warns(DataWarning, match="trying the canonical"), \
            pytest.raises(DatasetUnavailableError) as excinfo:
        load_dataset(dataset, mirror=empty_mirror)
    message = _message(excinfo)
    assert f"mirror {empty_mirror} lacks {SOURCES[dataset].folder}/" in message
    for source in SOURCES[dataset].mirror:
        assert f"<mirror>/{SOURCES[dataset].folder}/{source.name}" in message


def test_mirror_path_that_does_not_exist_offline(tmp_path):
    with pytest.warns(DataWarning), pytest.raises(DatasetUnavailableError) as excinfo:
        load_dataset("mnist", mirror=tmp_path / "nowhere")
    message = _message(excinfo)
    assert "does not exist" in message and "downloads disabled by LTHKIT_OFFLINE" in message


@needs_mirror
def test_mirror_checksum_mismatch_names_the_file(tmp_path, fresh_cache):
    mirror = tmp_path / "mirror"
    (mirror / "ag_news").mkdir(parents=True)
    data = (MIRROR / "ag_news" / "test.csv").read_bytes()
    (mirror / "ag_news" / "test.csv").write_bytes(data.replace(b"Reuters", b"Reuterz", 1))
    with pytest.raises(ChecksumError) as excinfo:
        load_dataset("ag_news", mirror=mirror)
    assert str(mirror / "ag_news" / "test.csv") in _message(excinfo)
    assert "md5:d52ea96a97a2d943681189a97654912d" in _message(excinfo)
    assert not any(fresh_cache.rglob("*.npz"))


def test_download_checksum_mismatch_names_file_and_url(network, monkeypatch, fresh_cache):
    network.publish(monkeypatch, "mnist", fake_mnist_files())
    url = next(u for u in network.files if u.endswith("t10k-labels-idx1-ubyte.gz"))
    network.files[url] = network.files[url] + b"tampered"
    with pytest.raises(ChecksumError) as excinfo:
        load_dataset("mnist", mirror=False, validation=10)
    assert "t10k-labels-idx1-ubyte.gz" in _message(excinfo) and url in _message(excinfo)
    downloaded = sorted(p.name for p in (fresh_cache / "downloads" / "mnist").iterdir())
    assert "t10k-labels-idx1-ubyte.gz" not in downloaded  # the bad bytes were not kept
    assert not any(p.name.endswith(".part") for p in fresh_cache.rglob("*"))


def test_interrupted_download_leaves_nothing_and_next_run_recovers(
        network, monkeypatch, fresh_cache):
    network.publish(monkeypatch, "mnist", fake_mnist_files())
    url = next(u for u in network.files if u.endswith("train-images-idx3-ubyte.gz"))
    network.fail_after[url] = 1000
    with pytest.raises(DatasetUnavailableError, match="connection reset"):
        load_dataset("mnist", mirror=False, validation=10)
    assert not (fresh_cache / "downloads" / "mnist" / "train-images-idx3-ubyte.gz").exists()
    assert not any(p.name.endswith(".part") for p in fresh_cache.rglob("*"))
    del network.fail_after[url]
    ds = load_dataset("mnist", mirror=False, validation=10)
    assert ds.info.source == "canonical" and ds.info.split_sizes["train"] == 30


def test_damaged_download_in_cache_is_fetched_again(network, monkeypatch, fresh_cache):
    network.publish(monkeypatch, "mnist", fake_mnist_files())
    load_dataset("mnist", mirror=False, validation=10)
    raw = fresh_cache / "downloads" / "mnist" / "train-labels-idx1-ubyte.gz"
    raw.write_bytes(b"garbage")
    (fresh_cache / "images" / "mnist-canonical-v1.npz").unlink()
    before = len(network.requests)
    load_dataset("mnist", mirror=False, validation=10)
    assert network.requests[before:] == [u for u in network.files if u.endswith(raw.name)]


BAD_ARGUMENTS = [
    ("mnistt", {}, "name", "'mnistt'", "one of mnist, cifar10"),
    ("mnist", {"normalize": "zscore"}, "normalize", "'zscore'", "one of ('unit', 'standard')"),
    ("mnist", {"validation": 2.0}, "validation", "2.0", "fraction in [0, 1)"),
    ("mnist", {"validation": 60_000}, "validation", "60000", "an int from 0 to 59999"),
    ("mnist", {"n_train": 0}, "n_train", "0", "None or an int from 1 to 55000"),
    ("mnist", {"n_test": 10_001}, "n_test", "10001", "None or an int from 1 to 10000"),
    ("mnist", {"seed": -1}, "seed", "-1", "a non-negative int"),
    ("imdb", {"vocab_size": 0}, "vocab_size", "0", "an int >= 1"),
    ("imdb", {"vocab_size": 2.5}, "vocab_size", "2.5", "an int >= 1"),
    ("imdb", {"max_len": 0}, "max_len", "0", "an int >= 1"),
    ("imdb", {"oov": "ignore"}, "oov", "'ignore'", "one of ('unk', 'drop')"),
    ("imdb", {"padding": "middle"}, "padding", "'middle'", "one of ('pre', 'post')"),
    ("imdb", {"truncating": None}, "truncating", "None", "one of ('pre', 'post')"),
    ("20newsgroups", {"strip": ["headers", "sigs"]}, "strip", "['headers', 'sigs']",
     "parts from ('headers', 'footers', 'quotes')"),
    ("20newsgroups", {"strip": "headers"}, "strip", "'headers'", "a collection of parts"),
    ("ag_news", {"test_size": 7_600}, "test_size", "7600", "an int from 1 to 7599"),
]


@needs_mirror
@pytest.mark.filterwarnings("ignore::lthkit.data.DataWarning")
@pytest.mark.parametrize("name, kwargs, param, given, allowed", BAD_ARGUMENTS)
def test_bad_argument_names_parameter_value_and_allowed(name, kwargs, param, given, allowed):
    with pytest.raises(ValueError) as excinfo:
        load_dataset(name, **kwargs)
    message = _message(excinfo)
    assert message.startswith(f"{param}={given} is not allowed: expected")
    assert allowed in message


def test_unknown_option_is_refused_listing_allowed():
    with pytest.raises(LthkitError, match=r"max_len=10 is not allowed: expected no such option "
                                          r"of load_dataset\('mnist'\); its options are normalize"):
        load_dataset("mnist", max_len=10)
    with pytest.raises(LthkitError, match="its options are max_len, oov, padding, strip"):
        load_dataset("20newsgroups", test_size=10)


def test_fake_mirror_is_never_written(tmp_path, fresh_cache):
    if not (MIRROR / "mnist").is_dir():
        pytest.skip("offline data mirror not found")
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR / "mnist", mirror / "mnist")
    before = sorted(p.name for p in (mirror / "mnist").iterdir())
    load_dataset("mnist", mirror=mirror, n_train=10, n_test=10)
    assert sorted(p.name for p in (mirror / "mnist").iterdir()) == before
    assert (fresh_cache / "images" / "mnist-mirror-v1.npz").is_file()


@pytest.mark.filterwarnings("ignore::lthkit.data.DataWarning")
def test_a_vocabulary_larger_than_the_corpus_is_refused(fresh_cache):
    with pytest.raises(LthkitError, match=r"^vocab_size=100000 is not allowed: expected at most "
                                          r"the [\d,]+ distinct tokens of the ag_news"):
        load_dataset("ag_news", vocab_size=100_000)
    # the loader's own default (50,000, [TXT]'s) is capped with a note instead
    ds = load_dataset("ag_news")
    assert len(ds.vocab) < 50_002 and any("all of them are kept" in n for n in ds.info.notes)
