"""tools/pinned.py: one check and one policy for every pinned download, and where the caches live.

The one policy for a bad file (cached or just downloaded): delete it, fetch it once more, then fail with a
message naming the file, the expected and the actual hash. Each user of the module (make site, make lite,
make provenance, make kernels) is held to that policy here too.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from lab import kernels
from tools import pinned, provenance
from tools.lite import config as lite_config
from tools.lite import wheels as lite_wheels
from tools.site import assets as bs

ROOT = Path(__file__).resolve().parents[1]

GOOD = b"the pinned bytes"
SHA256 = hashlib.sha256(GOOD).hexdigest()
SHA512 = "sha512-" + base64.b64encode(hashlib.sha512(GOOD).digest()).decode()


# ------------------------------------------------------------------------------------------- the module


class Downloads:
    """A fake fetcher: writes the next payload of ``payloads`` each time it is called, and counts the calls."""

    def __init__(self, *payloads: bytes) -> None:
        self.payloads = list(payloads)
        self.calls = 0

    def __call__(self, path: Path) -> None:
        self.calls += 1
        path.write_bytes(self.payloads.pop(0))


@pytest.mark.parametrize("pin", [SHA256, SHA512])
def test_a_matching_cached_file_is_reused(tmp_path: Path, pin: str) -> None:
    path = tmp_path / "f"
    path.write_bytes(GOOD)
    assert pinned.digest(path, pin) == pin
    fetcher = Downloads()
    assert pinned.fetch(path, pin, fetcher) == path
    assert fetcher.calls == 0 and path.read_bytes() == GOOD


def test_an_absent_file_is_fetched_once(tmp_path: Path) -> None:
    fetcher = Downloads(GOOD)
    assert pinned.fetch(tmp_path / "f", SHA256, fetcher).read_bytes() == GOOD
    assert fetcher.calls == 1


def test_a_bad_cached_file_is_deleted_reported_and_fetched_once_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cut-short.tar.xz"
    path.write_bytes(GOOD[:5])
    fetcher = Downloads(GOOD)
    assert pinned.fetch(path, SHA256, fetcher, "linux 6.1").read_bytes() == GOOD
    assert fetcher.calls == 1
    said = capsys.readouterr().err
    assert str(path) in said and "(linux 6.1)" in said and "fetching it once more" in said
    assert f"expected sha256 {SHA256}, actual sha256 {hashlib.sha256(GOOD[:5]).hexdigest()}" in said


def test_a_bad_download_is_deleted_and_fetched_once_more(tmp_path: Path) -> None:
    fetcher = Downloads(b"a mirror's error page", GOOD)
    assert pinned.fetch(tmp_path / "fresh.deb", SHA256, fetcher).read_bytes() == GOOD
    assert fetcher.calls == 2


@pytest.mark.parametrize("cached", [False, True], ids=["downloaded", "cached"])
def test_a_second_bad_file_stops_naming_the_file_and_both_hashes(tmp_path: Path, cached: bool) -> None:
    class MyError(RuntimeError):
        pass

    path = tmp_path / "fresh.deb"
    if cached:
        path.write_bytes(b"cut")
    fetcher = Downloads(*([b"other bytes"] if cached else [b"first bad", b"other bytes"]))
    got = hashlib.sha256(b"other bytes").hexdigest()
    with pytest.raises(
        MyError, match=rf"{path} does not match its pin: expected sha256 {SHA256}, actual sha256 {got}.*once more"
    ):
        pinned.fetch(path, SHA256, fetcher, error=MyError)
    assert not path.exists()
    assert fetcher.calls == (1 if cached else 2)  # delete it, fetch it once more, then fail


def test_a_download_that_writes_nothing_stops(tmp_path: Path) -> None:
    with pytest.raises(pinned.PinnedFileError, match="wrote no f"):
        pinned.fetch(tmp_path / "f", SHA256, lambda path: None)


def test_a_shipped_file_is_verified_not_fetched(tmp_path: Path) -> None:
    path = tmp_path / "kernel.whl"
    path.write_bytes(b"changed")
    with pytest.raises(pinned.PinnedFileError, match=rf"expected sha256 {SHA256}"):
        pinned.verify(path, SHA256)
    assert path.exists()  # not a download: nothing deleted


def test_a_pin_must_be_a_pin(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(GOOD)
    with pytest.raises(ValueError, match="is not a pin"):
        pinned.digest(path, "md5:abc")


def test_cache_home_honours_xdg_cache_home() -> None:
    assert pinned.cache_home({"XDG_CACHE_HOME": "/var/tmp/c"}) == Path("/var/tmp/c/folioviz")
    home = Path.home() / ".cache" / "folioviz"
    assert pinned.cache_home({}) == home
    assert pinned.cache_home({"XDG_CACHE_HOME": ""}) == home
    assert pinned.cache_home({"XDG_CACHE_HOME": "relative/dir"}) == home  # the XDG spec: ignore a relative path


def test_a_regular_file_in_the_way_of_a_cache_folder_is_said_in_words(tmp_path: Path) -> None:
    blocker = tmp_path / "folioviz"
    blocker.write_text("not a folder")
    with pytest.raises(pinned.PinnedFileError, match=rf"{blocker} is a regular file, not a folder.*XDG_CACHE_HOME"):
        pinned.cache_dir(blocker / "lite" / "wheels")
    with pytest.raises(pinned.PinnedFileError, match="is a regular file"):
        pinned.cache_dir(blocker)
    assert pinned.cache_dir(tmp_path / "ok" / "here").is_dir()


# ---------------------------------------------------------------------------------------- its users


def test_every_cache_follows_xdg_cache_home(tmp_path: Path) -> None:
    """Each tool's cache, read in a fresh interpreter with XDG_CACHE_HOME set (FOLIOVIZ_CACHE unset)."""
    code = (
        "import sys; sys.path[:0] = ['.']\n"
        "from tools.site import assets\nfrom tools.lite import config\n"
        "from tools import provenance\nfrom lab import kernels\n"
        "print(assets.DEFAULT_CACHE, config.DEFAULT_CACHE, provenance.CACHE, kernels.CACHE)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    xdg = tmp_path / "xdg" / "folioviz"
    assert done.stdout.split() == [str(xdg / "site-assets"), str(xdg / "lite"), str(xdg / "ksrc"), str(xdg)]
    env["FOLIOVIZ_CACHE"] = str(tmp_path / "mine")  # the lab's own variable comes first
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split()[3] == str(tmp_path / "mine")


def _fake(tmp_path: Path, name: str, script: str) -> str:
    tool = tmp_path / name
    tool.write_text("#!/bin/sh\n" + script)
    tool.chmod(0o755)
    return str(tool)


def _npm_asset(data: bytes) -> bs.NpmAsset:
    return bs.NpmAsset(name="@scope/pkg", version="1.2.3", integrity=pinned.integrity_of(data), licence="MIT", files=())


def test_site_a_bad_cached_tarball_is_fetched_again(tmp_path: Path) -> None:
    asset = _npm_asset(GOOD)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / asset.tarball).write_bytes(GOOD[:3])  # a download cut short
    npm = _fake(
        tmp_path,
        "npm",
        f'while [ "$1" != "--pack-destination" ]; do shift; done\nprintf "{GOOD.decode()}" > "$2/{asset.tarball}"\n'
        f'echo \'[{{"filename": "{asset.tarball}"}}]\'\n',
    )
    assert bs.fetch_npm_asset(asset, cache, npm=npm).read_bytes() == GOOD


def test_site_a_cache_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("")
    with pytest.raises(bs.SiteBuildError, match="is a regular file"):
        bs.fetch_npm_asset(_npm_asset(GOOD), tmp_path / "cache" / "site-assets")


def test_lite_a_bad_cached_wheel_is_fetched_again(tmp_path: Path) -> None:
    wheel = pinned.Wheel(name="demo", version="1.0", sha256=SHA256, filename="demo-1.0-py3-none-any.whl")
    cache = tmp_path / "cache"
    (cache / "wheels").mkdir(parents=True)
    (cache / "wheels" / wheel.filename).write_bytes(b"truncat")
    pip = _fake(
        tmp_path, "pip", f'while [ "$1" != "-d" ]; do shift; done\nprintf "{GOOD.decode()}" > "$2/{wheel.filename}"\n'
    )
    got = lite_wheels.fetch_wheels([wheel], cache, [pip])
    assert got["demo"].read_bytes() == GOOD


def test_lite_a_bad_download_stops_the_build(tmp_path: Path) -> None:
    wheel = pinned.Wheel(name="demo", version="1.0", sha256=SHA256, filename="demo-1.0-py3-none-any.whl")
    pip = _fake(tmp_path, "pip", f'while [ "$1" != "-d" ]; do shift; done\nprintf changed > "$2/{wheel.filename}"\n')
    with pytest.raises(
        lite_config.LiteBuildError, match=rf"{wheel.filename}.*expected sha256 {SHA256}, actual sha256 [0-9a-f]{{64}}"
    ):
        lite_wheels.fetch_wheels([wheel], tmp_path / "cache", [pip])
    assert not (tmp_path / "cache" / "wheels" / wheel.filename).exists()


def _release(tarball: bytes) -> dict[str, str]:
    return {
        "tag": "v9.9.9",
        "debian": "9.9.9-1",
        "suite": "trixie",
        "orig_sha256": hashlib.sha256(tarball).hexdigest(),
    }


def _kernel_tarball() -> bytes:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as tar:
        for name in ("linux-9.9.9/Makefile", "linux-9.9.9/mm/filemap.c"):
            info = tarfile.TarInfo(name)
            info.size = 3
            tar.addfile(info, io.BytesIO(b"x\n\n"))
    return buffer.getvalue()


def test_provenance_a_bad_cached_tarball_is_fetched_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _kernel_tarball()
    monkeypatch.setattr(provenance, "CACHE", tmp_path / "ksrc")
    monkeypatch.setattr(provenance, "parts", lambda: ("Makefile", "mm/"))
    monkeypatch.setattr(provenance, "releases", lambda: [_release(data)])
    monkeypatch.setattr(provenance.shutil, "which", lambda _: "/usr/bin/apt-get")
    monkeypatch.setattr(provenance, "_apt_env", lambda workdir, suites: {})
    calls: list[list[str]] = []

    def run(cmd: list[str], **kw: object) -> None:
        calls.append(cmd)
        if "source" in cmd:
            (Path(str(kw["cwd"])) / "linux_9.9.9.orig.tar.xz").write_bytes(data)

    monkeypatch.setattr(provenance.subprocess, "run", run)
    downloads = tmp_path / "ksrc" / "downloads"
    downloads.mkdir(parents=True)
    (downloads / "linux_9.9.9.orig.tar.xz").write_bytes(data[:100])  # cut short
    tree = provenance.fetch(_release(data))
    assert (tree / "mm" / "filemap.c").is_file()
    assert sum("source" in cmd for cmd in calls) == 1


def test_provenance_a_bad_download_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _kernel_tarball()
    monkeypatch.setattr(provenance, "CACHE", tmp_path / "ksrc")
    monkeypatch.setattr(provenance, "releases", lambda: [_release(data)])
    monkeypatch.setattr(provenance.shutil, "which", lambda _: "/usr/bin/apt-get")
    monkeypatch.setattr(provenance, "_apt_env", lambda workdir, suites: {})

    def run(cmd: list[str], **kw: object) -> None:
        if "source" in cmd:
            (Path(str(kw["cwd"])) / "linux_9.9.9.orig.tar.xz").write_bytes(b"a mirror's error page")

    monkeypatch.setattr(provenance.subprocess, "run", run)
    with pytest.raises(
        SystemExit, match=r"provenance: .*linux_9\.9\.9\.orig\.tar\.xz.*expected sha256 [0-9a-f]{64}, actual sha256"
    ):
        provenance.fetch(_release(data))
    assert not (tmp_path / "ksrc" / "downloads" / "linux_9.9.9.orig.tar.xz").exists()


def test_provenance_a_cache_folder_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ksrc").write_text("")
    monkeypatch.setattr(provenance, "CACHE", tmp_path / "ksrc")
    monkeypatch.setattr(provenance.shutil, "which", lambda _: "/usr/bin/apt-get")
    with pytest.raises(SystemExit, match="is a regular file"):
        provenance.fetch(_release(b"x"))


def _apt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: bytes) -> list[list[str]]:
    monkeypatch.setattr(kernels, "KERNELS", tmp_path / "kernels")
    monkeypatch.setattr(kernels, "apt_update", lambda force=False: None)
    calls: list[list[str]] = []

    def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        (Path(str(kw["cwd"])) / "linux-image-9.9_9.9.9-1_amd64.deb").write_bytes(payload)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(kernels.subprocess, "run", run)
    return calls


def test_kernels_a_bad_cached_deb_is_fetched_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _apt(tmp_path, monkeypatch, GOOD)
    package = kernels.Package(name="linux-image-9.9", version="9.9.9-1", sha256=SHA256)
    debs = tmp_path / "kernels" / "debs"
    debs.mkdir(parents=True)
    (debs / "linux-image-9.9_9.9.9-1_amd64.deb").write_bytes(GOOD[:4])
    assert kernels._deb(package).read_bytes() == GOOD
    assert len(calls) == 1


def test_kernels_a_bad_download_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _apt(tmp_path, monkeypatch, b"other")
    package = kernels.Package(name="linux-image-9.9", version="9.9.9-1", sha256=SHA256)
    with pytest.raises(kernels.LabError, match=rf"linux-image-9\.9_9\.9\.9-1_amd64\.deb.*expected sha256 {SHA256}"):
        kernels._deb(package)
    assert len(calls) == 2  # fetched once more, then stopped
    assert not list((tmp_path / "kernels" / "debs").glob("*.deb"))


def test_kernels_a_cache_folder_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kernels").write_text("")
    monkeypatch.setattr(kernels, "KERNELS", tmp_path / "kernels")
    package = kernels.Package(name="linux-image-9.9", version="9.9.9-1", sha256=SHA256)
    with pytest.raises(kernels.LabError, match="is a regular file"):
        kernels._deb(package)


def test_kernels_apt_and_extract_say_so_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cache").write_text("")
    monkeypatch.setattr(kernels, "APT", tmp_path / "cache" / "apt")
    monkeypatch.setattr(kernels, "KERNELS", tmp_path / "cache" / "kernels")
    monkeypatch.setattr(kernels.shutil, "which", lambda _: "/usr/bin/apt-get")
    with pytest.raises(kernels.LabError, match="is a regular file"):
        kernels.apt_update()
    image = kernels.Image(release="9.9.9-amd64", version="9.9.9", suite="trixie", why="", packages=())
    with pytest.raises(kernels.LabError, match="is a regular file"):
        kernels.extract(image)
