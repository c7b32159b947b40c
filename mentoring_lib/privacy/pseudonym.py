"""Keyed pseudonyms: people in the analysis domain are ``person_id`` values, never e-mails.

A pseudonym is ``"P-"`` + the first 16 hex digits (64 bits) of HMAC-SHA256(key, normalised
e-mail). Without the key nobody can confirm a guess such as ``firstname.lastname@uni.fi``;
a plain hash could be reversed exactly that way, so none is ever computed here.

Where the key comes from (``privacy.key_source`` in the term config):

* ``"env"`` (the default): the environment variable ``MENTORING_KEY`` holds at least 32 bytes,
  written as hex (64+ hex digits) or base64.
* ``"file"``: ``privacy.key_file`` names a file *outside the repository* that only its owner
  can read (mode 0600), holding the key as hex or base64 text. ``mentoring keygen PATH``
  (:func:`keygen`) writes one.
* ``"demo"``: :data:`DEMO_KEY`, a published constant. It protects nothing and is allowed only
  for terms whose name marks them as synthetic (a ``demo`` part: ``demo``, ``demo-x100``,
  ``bench_demo``), so a real term can never run on it by accident.

The key is returned as :class:`SecretKey`, a ``bytes`` whose ``repr``/``str`` hide the value, and
no message in this module ever contains it.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from mentoring_lib.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from mentoring_lib.config import TermConfig

#: Environment variable holding the key for ``key_source: env``.
KEY_ENV = "MENTORING_KEY"
#: Minimum key length in bytes (the HMAC-SHA256 block of security we claim).
MIN_KEY_BYTES = 32
#: Pseudonym prefix and number of hex digits kept from the HMAC.
PREFIX = "P-"
HEX_DIGITS = 16

#: PUBLIC DEMO KEY -- FOR THE SYNTHETIC DEMO TERM ONLY. Anyone with the repository has it, so
#: pseudonyms made with it are not secret. load_key() refuses it for terms not named as demos.
DEMO_KEY = b"DEMO-KEY-NOT-SECRET:compassion-mentoring-workbook-synthetic-demo-term"

_KEYGEN_HINT = ("create a key outside the repository with `mentoring keygen ~/.config/mentoring/<term>.key` "
                "and set privacy.key_source: file and privacy.key_file to that path in the term config; "
                f"or export {KEY_ENV}=<64 hex digits>, e.g. from "
                "`python -c \"import secrets; print(secrets.token_hex(32))\"`")

# Characters that survive copy-paste from mail clients and web forms but are not part of an
# address: zero-width space / non-joiner / joiner, BOM, word joiner, soft hyphen, NBSP.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0"
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_WHITESPACE_RE = re.compile(r"\s+")
_DEMO_TERM = re.compile(r"(^|[-_])demo($|[-_])")


class SecretKey(bytes):
    """The pseudonym key: plain ``bytes`` for hmac, but never shown by ``repr``/``str``/f-strings."""

    def __repr__(self) -> str:
        return f"SecretKey(<{len(self)} bytes hidden>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)


# -- normalisation ------------------------------------------------------------------------------

def _normalise_one(x: object) -> str | None:
    if x is None:
        return None
    if not isinstance(x, str):
        try:
            import pandas as pd

            if pd.isna(x):
                return None
        except (TypeError, ValueError):
            pass
        x = str(x)
    s = _WHITESPACE_RE.sub("", _INVISIBLE_RE.sub("", x))
    s = unicodedata.normalize("NFC", unicodedata.normalize("NFC", s).casefold())
    return s or None


@overload
def normalise_email(x: str) -> str | None: ...
@overload
def normalise_email(x: "pd.Series") -> "pd.Series": ...


def normalise_email(x):
    """The canonical form of an e-mail address (a str, or every value of a Series).

    Removes zero-width characters, soft hyphens and no-break spaces, then all whitespace (an
    address never contains any, and forms add it around and inside pasted addresses),
    applies Unicode NFC and case-folds (so ``Ä``/``A\u0308``/``ä`` agree). Missing or empty
    values become ``None`` (in a Series: ``<NA>``). The whole address is case-folded: RFC 5321
    allows case-sensitive local parts, but no university mail system uses them.
    """
    import pandas as pd

    if isinstance(x, pd.Series):
        s = x.astype("string")
        s = s.str.replace(_INVISIBLE_RE.pattern, "", regex=True)
        s = s.str.replace(_WHITESPACE_RE.pattern, "", regex=True)
        s = s.str.normalize("NFC").str.casefold().str.normalize("NFC")
        s = s.mask(s == "")
        return s.astype("str") if hasattr(pd, "StringDtype") and _default_str() else s
    return _normalise_one(x)


def _default_str() -> bool:
    """True when pandas' default string dtype is the new "str" (pandas 3), which keeps NaN."""
    import pandas as pd

    try:
        return pd.Series(["a"]).dtype == "str"
    except TypeError:
        return False


#: A usable address after :func:`normalise_email`: a local part, "@", and a domain of dot-separated
#: labels ending in a top-level domain of letters ("name@uni" and "anonymous" are not addresses).
_VALID_EMAIL = (r"(?!\.)(?!.*\.\.)[^@\s\"(),:;<>\[\]\\]+(?<!\.)@"
                r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}")


def valid_email(normalised: "pd.Series") -> "pd.Series":
    """True where a normalised address (from :func:`normalise_email`) is syntactically an e-mail
    address. Blank, bare ids, Microsoft Forms' "anonymous" placeholder and truncated domains
    ("name@uni") are not. Says nothing about whether the mailbox exists."""
    text = normalised.astype(object).where(normalised.notna(), "").astype(str)
    return text.str.fullmatch(_VALID_EMAIL).astype(bool)


def email_in_domains(normalised: "pd.Series", domains) -> "pd.Series":
    """True where the address's domain is one of ``domains`` or a subdomain of one
    ("x@cs.uni.example.fi" is in uni.example.fi)."""
    domain = normalised.astype(object).where(normalised.notna(), "").astype(str).str.rpartition("@")[2]
    inside = domain.eq("\0")  # all False, same index
    for d in domains:
        d = d.casefold().lstrip("@").strip(".")
        inside |= domain.eq(d) | domain.str.endswith("." + d)
    return inside.astype(bool)


# -- pseudonyms ---------------------------------------------------------------------------------

def _check_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError("the pseudonym key must be bytes (use load_key(config))")
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"the pseudonym key is too short ({len(key)} bytes; at least "
                          f"{MIN_KEY_BYTES} are needed)", hint=_KEYGEN_HINT)


def pseudonym_of(email: str, key: bytes) -> str | None:
    """The pseudonym of one e-mail address (``None`` when it is missing or empty)."""
    _check_key(key)
    norm = _normalise_one(email)
    if norm is None:
        return None
    return PREFIX + hmac.new(bytes(key), norm.encode("utf-8"), hashlib.sha256).hexdigest()[:HEX_DIGITS]


def pseudonymise(emails: "pd.Series", key: bytes) -> "pd.Series":
    """Map e-mail addresses to keyed pseudonyms ``"P-" + 16 hex``, same index, named ``person_id``.

    The addresses are normalised first (:func:`normalise_email`), so case, surrounding or pasted
    spaces, NFC/NFD and zero-width characters do not split one person into two. Missing or
    empty addresses map to missing. Each distinct address is hashed once.
    """
    import pandas as pd

    _check_key(key)
    if not isinstance(emails, pd.Series):
        emails = pd.Series(list(emails))
    norm = normalise_email(emails)
    k = bytes(key)
    uniques = norm.dropna().unique()
    codes = {u: PREFIX + hmac.new(k, u.encode("utf-8"), hashlib.sha256).hexdigest()[:HEX_DIGITS]
             for u in uniques}
    out = norm.map(codes)
    return pd.Series(out.to_numpy(dtype=object), index=emails.index, name="person_id",
                     dtype="str" if _default_str() else "object")


# -- the key --------------------------------------------------------------------------------------

def _decode_key_text(text: str, *, source: str) -> bytes:
    """Hex (preferred) or base64 text -> bytes; a ConfigError that never shows the text."""
    t = "".join(text.split())
    if not t:
        raise ConfigError(f"the pseudonym key in {source} is empty", hint=_KEYGEN_HINT)
    if re.fullmatch(r"[0-9a-fA-F]+", t) and len(t) % 2 == 0:
        raw = bytes.fromhex(t)
    else:
        try:
            padded = t + "=" * (-len(t) % 4)
            raw = (base64.urlsafe_b64decode(padded) if re.search(r"[-_]", t)
                   else base64.b64decode(padded, validate=True))
        except (binascii.Error, ValueError):
            raise ConfigError(f"the pseudonym key in {source} is neither hex nor base64",
                              hint=_KEYGEN_HINT) from None
    if len(raw) < MIN_KEY_BYTES:
        raise ConfigError(f"the pseudonym key in {source} is too short ({len(raw)} bytes; at least "
                          f"{MIN_KEY_BYTES} are needed)", hint=_KEYGEN_HINT)
    return raw


def _repository_root(path: Path) -> Path | None:
    """The git work tree or project folder (pyproject.toml) that contains ``path``, if any."""
    here = Path(__file__).resolve().parents[2]  # the checkout this package runs from
    for parent in [path, *path.parents]:
        if (parent / ".git").exists():
            return parent
        if parent == here and (parent / "pyproject.toml").exists():
            return parent
    return None


def is_demo_term(config: "TermConfig") -> bool:
    """True for terms named as synthetic demos (a ``demo`` part in ``term.name``)."""
    return bool(_DEMO_TERM.search(config.term.name))


def load_key(config: "TermConfig") -> SecretKey:
    """The term's pseudonym key (>= 32 bytes), from the source its config names.

    Raises ConfigError (exit 2) with instructions when the key is missing, too short,
    unreadable, kept inside the repository, readable by others, or when the demo key is
    asked for by a term that is not a demo. The message never contains the key.
    """
    privacy = config.privacy
    source = privacy.key_source
    if source == "demo":
        if not is_demo_term(config):
            raise ConfigError(
                f"term '{config.term.name}' asks for the public demo key; only demo terms (with "
                f"'demo' in their name) may use it", file=config.source, key="privacy.key_source",
                hint=_KEYGEN_HINT)
        return SecretKey(DEMO_KEY)
    if source == "env":
        text = os.environ.get(KEY_ENV)
        if text is None or not text.strip():
            raise ConfigError(f"no pseudonym key: the environment variable {KEY_ENV} is not set",
                              file=config.source, key="privacy.key_source", hint=_KEYGEN_HINT)
        return SecretKey(_decode_key_text(text, source=f"the environment variable {KEY_ENV}"))
    # source == "file"
    assert privacy.key_file is not None  # the config's validator requires it with key_source 'file'
    path = config.resolve(privacy.key_file)
    return SecretKey(read_key_file(path, config_file=config.source))


def read_key_file(path: Path, *, config_file: Path | None = None) -> bytes:
    """Read a key file, refusing one inside the repository or readable by group/others."""
    path = Path(path).expanduser().resolve()
    where: dict[str, Any] = dict(file=config_file, key="privacy.key_file")
    if not path.is_file():
        raise ConfigError(f"key file {path} does not exist", **where, hint=_KEYGEN_HINT)
    repo = _repository_root(path)
    if repo is not None:
        raise ConfigError(f"key file {path} is inside the repository {repo}; a key there could be "
                          "committed or shared", **where,
                          hint="move it outside the repository, e.g. to ~/.config/mentoring/, "
                               "and update privacy.key_file")
    if os.name == "posix":
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"key file {path} can be read by other users (mode "
                              f"{stat.filemode(mode)})", **where,
                              hint=f"run `chmod 600 {path}`")
    data = path.read_bytes()
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.strip():
        return _decode_key_text(text, source=f"key file {path}")
    if len(data) < MIN_KEY_BYTES:
        raise ConfigError(f"the pseudonym key in key file {path} is too short ({len(data)} bytes; "
                          f"at least {MIN_KEY_BYTES} are needed)", **where, hint=_KEYGEN_HINT)
    return data


def keygen(path: str | os.PathLike) -> Path:
    """Write a new random 32-byte key as hex text to ``path`` with mode 0600 and return the path.

    Refuses to overwrite an existing file (that would orphan every pseudonym made with the old
    key) and to write inside the repository. Creates missing parent folders (mode 0700).
    """
    import secrets

    path = Path(path).expanduser().absolute()
    if path.exists():
        raise ConfigError(f"{path} already exists; a new key would change every pseudonym",
                          hint="choose another file name, or delete the old key deliberately first")
    repo = _repository_root(path.parent.resolve() if path.parent.exists() else path.parent)
    if repo is not None:
        raise ConfigError(f"{path} is inside the repository {repo}; keep keys outside it",
                          hint="e.g. `mentoring keygen ~/.config/mentoring/<term>.key`")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_hex(MIN_KEY_BYTES) + "\n").encode("ascii"))
    finally:
        os.close(fd)
    os.chmod(path, 0o600)  # the umask may have removed bits, never added; make it exact
    return path
