"""The model's boundaries (folioviz/kernel): short modules, one job each, and no private name shared."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KERNEL = ROOT / "folioviz" / "kernel"
MAX_KERNEL_MODULE_LINES = 600


def _modules() -> list[Path]:
    return sorted(KERNEL.rglob("*.py"))


def test_no_model_module_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_KERNEL_MODULE_LINES
    }
    assert not long, f"model modules over {MAX_KERNEL_MODULE_LINES} lines: {long}"


def test_no_private_name_is_imported_across_model_modules():
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.module == "__future__":
                continue
            if node.level == 0 and not (node.module or "").startswith("folioviz"):
                continue
            parts = (node.module or "").split(".")
            for alias in node.names:
                if alias.name.startswith("_") or any(p.startswith("_") for p in parts):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}.{alias.name}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("package", ["pagecache", "mapping", "paste", "observed", "mkwrite"])
def test_model_packages_serve_their_names_without_a_lazy_getattr(package: str):
    module = importlib.import_module(f"folioviz.kernel.{package}")
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    assert not any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__" for n in tree.body)
    for name in module.__all__:
        assert hasattr(module, name), f"folioviz.kernel.{package} lists {name} but does not define it"


# Every name imported from these modules by the package, the tests, the notebooks and the lab when they
# became packages: the old import paths keep working.
OLD_PATHS = {
    "pagecache": (
        "COMPOSER_ALIASES COMPOSER_OPS DEFAULT_ADDRESS_SPACE MAX_NR_PAGES PAGECACHE_SCENARIOS PAGE_CACHE PAGE_TABLES "
        "READAHEAD TRUNCATE CompositionError PageCacheFolio compose_scenario do_set_pte early_put_scenario "
        "email_scenario filemap_add_folio filemap_alloc_folio filemap_free_folio filemap_get_folio filemap_lock_folio "
        "filemap_remove_folio find_get_entries find_lock_entries folio_batch_release folio_get folio_lock folio_put "
        "folio_put_refs folio_try_get folio_unlock is_the_window large_folio_scenario page_cache_delete "
        "truncate_cleanup_folio truncation_scenario window_steps"
    ),
    "mapping": (
        "WORD_SIZES Folio HelperResult MappingDecode MappingKind Pointer decode decode_folio folio_anon_vma "
        "folio_mapping folio_raw_mapping folio_test_anon folio_test_ksm folio_test_movable format_word make_folio "
        "parse_word KIND_RULE"
    ),
    "paste": (
        "MAX_PASTE_CHARS FlagTable Paste flag_table is_paste parse_number parse_paste poison_name RAW_MAPPING_WORD "
        "PLACEHOLDER_POINTER build_table_name"
    ),
    "observed": (
        "Comparison FoliovizSays KernelBuild KernelRecord KernelSays MemoryRow Observation ObservedPage Package "
        "TraceEvent WholeMemory check_memory compare comparisons dump_page_text folioviz_says head_page kernel_says "
        "memory_rows record record_era records rules_seen RECORDS_DIR KPF_BITS kpf_names decode_kind"
    ),
}


@pytest.mark.parametrize("package", sorted(OLD_PATHS))
def test_the_old_import_paths_still_work(package: str):
    module = importlib.import_module(f"folioviz.kernel.{package}")
    missing = [name for name in OLD_PATHS[package].split() if not hasattr(module, name)]
    assert not missing, f"folioviz.kernel.{package} lost {missing}"
