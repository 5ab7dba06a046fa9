"""The validated-catalog cache: used when current, rebuilt on any change, safe with concurrent processes and
against corrupt or hostile files, bypassed by lint and verify."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil

from click.testing import CliRunner

from checker.cli import main
from checker.ruleset import cache
from checker.ruleset.cache import catalog_key, load_cached_catalog

from .conftest import RULES


def _no_load(*args, **kwargs):
    raise AssertionError("the catalog was loaded from the rules instead of the cache")


def test_a_current_cache_entry_is_used(cache_dir, monkeypatch):
    first = load_cached_catalog(RULES)
    assert len(list(cache_dir.glob("catalog-*.pickle"))) == 1
    monkeypatch.setattr(cache, "load_catalog", _no_load)
    again = load_cached_catalog(RULES)
    assert again.digest == first.digest and again.rules.keys() == first.rules.keys()


def test_editing_a_rule_file_changes_the_key_and_rebuilds(cache_dir, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    before = load_cached_catalog(rules)
    key = catalog_key(rules)
    esi = rules / "mtus" / "chronic-pain-2016" / "epidural-steroid-injections.yaml"
    esi.write_text(esi.read_text().replace("title: Epidural steroid injections (2016 CPMTG",
                                           "title: Edited epidural steroid injections (2016 CPMTG"))
    assert catalog_key(rules) != key
    after = load_cached_catalog(rules)
    assert after.digest != before.digest
    assert after.rules["MTUS-CP2016-ESI"].spec.title.startswith("Edited")


def test_a_corrupt_cache_file_is_rebuilt(cache_dir):
    load_cached_catalog(RULES)
    entry = next(cache_dir.glob("catalog-*.pickle"))
    entry.write_bytes(b"\x80\x05not a pickle")
    assert load_cached_catalog(RULES).rules
    assert pickle.loads(entry.read_bytes()).rules  # rewritten


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch /tmp/imrcheck-cache-exploit",))


def test_a_cache_file_with_foreign_classes_is_refused(cache_dir):
    load_cached_catalog(RULES)
    entry = next(cache_dir.glob("catalog-*.pickle"))
    entry.write_bytes(pickle.dumps(_Exploit()))
    if os.path.exists("/tmp/imrcheck-cache-exploit"):
        os.unlink("/tmp/imrcheck-cache-exploit")
    catalog = load_cached_catalog(RULES)
    assert catalog.rules and not os.path.exists("/tmp/imrcheck-cache-exploit")


def _load_in_child(rules: str) -> int:
    return len(load_cached_catalog(rules).rules)


def test_concurrent_processes_filling_an_empty_cache_all_succeed(cache_dir):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        counts = pool.map(_load_in_child, [str(RULES)] * 8)
    assert len(set(counts)) == 1 and counts[0] > 0
    assert len(list(cache_dir.glob("catalog-*.pickle"))) == 1
    assert not list(cache_dir.glob(".catalog-*"))  # no temporary file left behind


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("IMRCHECK_CACHE_DIR", str(blocker / "cache"))
    assert load_cached_catalog(RULES).rules


def test_lint_and_verify_never_read_the_cache(cache_dir, monkeypatch):
    monkeypatch.setattr(cache, "load_cached_catalog", _no_load)
    assert CliRunner().invoke(main, ["lint"]).exit_code == 0
    assert CliRunner().invoke(main, ["verify"]).exit_code == 0


def test_a_catalog_cached_from_a_folder_since_removed_reads_its_files_in_the_new_one(cache_dir, tmp_path, monkeypatch):
    """The same rules copied to a temporary folder, cached, removed and copied again (bench_audit.py run twice):
    the cached catalog's rule and library paths point into the new folder."""
    first = tmp_path / "first"
    shutil.copytree(RULES, first)
    digests = load_cached_catalog(first).treatment_digests()
    shutil.rmtree(first)
    second = tmp_path / "second"
    shutil.copytree(RULES, second)
    monkeypatch.setattr(cache, "load_catalog", _no_load)
    moved = load_cached_catalog(second)
    assert all(rule.path.is_relative_to(second) for rule in moved.rules.values())
    assert all(path.is_relative_to(second) for path in moved.library.paths.values())
    assert moved.treatment_digests() == digests
