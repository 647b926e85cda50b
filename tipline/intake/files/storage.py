"""Encrypted evidence blobs on disk under random names, written atomically and durably."""
from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

_NAME = re.compile(r"[0-9a-f]{32}")


class EvidenceStore:
    """Encrypted blobs under `root` (keep it outside any web-served directory)."""

    def __init__(self, root: Path, keyring):
        self.root = Path(root)
        self.keyring = keyring
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    def _path(self, name: str) -> Path:
        """Raises ValueError unless name is 32 lowercase hex chars, so no input can escape root."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError("invalid evidence name")
        return self.root / name[:2] / name

    in_database = False

    def put(self, data: bytes, session=None) -> str:  # noqa: ARG002 — the database store needs the session
        """Encrypt and store atomically; returns the new random name."""
        while True:
            name = secrets.token_hex(16)
            path = self._path(name)
            if not path.exists():
                break
        shard = path.parent
        shard.mkdir(mode=0o700, exist_ok=True)
        os.chmod(shard, 0o700)  # mkdir's mode is filtered by the umask
        fd, tmp = tempfile.mkstemp(dir=shard, prefix=".tmp-")  # mkstemp creates 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.keyring.encrypt(data))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(shard)
        return name

    def token(self, name: str) -> bytes:
        """The stored ciphertext as it is on disk. Raises ValueError (bad name), FileNotFoundError."""
        return self._path(name).read_bytes()

    def get(self, name: str, session=None) -> bytes:  # noqa: ARG002 — same call as the database store
        """Raises ValueError (bad name), FileNotFoundError, cryptography InvalidToken."""
        return self.keyring.decrypt(self._path(name).read_bytes())

    def exists(self, name: str, session=None) -> bool:  # noqa: ARG002
        """Raises ValueError for a malformed name."""
        return self._path(name).is_file()

    def delete(self, name: str) -> bool:
        """Unlink the blob; returns False if it was already gone. Raises ValueError (bad name)."""
        path = self._path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True


def _fsync_dir(path: Path) -> None:
    # Makes the rename/unlink itself durable, not just the file contents.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
