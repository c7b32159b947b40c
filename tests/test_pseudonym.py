"""Keyed pseudonyms: normalisation, key sources, and that no key or plain hash ever leaks."""
from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from mentoring_lib.privacy import pseudonym
from mentoring_lib.errors import ConfigError
from mentoring_lib.privacy.pseudonym import (DEMO_KEY, KEY_ENV, SecretKey, keygen, load_key, normalise_email,
                                     pseudonym_of, pseudonymise, read_key_file)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
CANARY = "Kanerva.Ylitalo-Canary@example.fi"


def _variants(email: str) -> list[str]:
    nfd = unicodedata.normalize("NFD", email)
    return [
        email, email.upper(), email.lower(), f"  {email}\t", f"\u00a0{email}\u00a0",
        email.replace("@", "\u200b@"), "\ufeff" + email, email[:3] + "\u200c" + email[3:],
        email + "\u200d", nfd, unicodedata.normalize("NFC", email).swapcase(),
    ]


def _config(name="demo", source="demo", key_file=None, base=None):
    return SimpleNamespace(
        term=SimpleNamespace(name=name), source=None,
        privacy=SimpleNamespace(key_source=source, key_file=key_file),
        resolve=lambda p: Path(p) if Path(p).is_absolute() else Path(base or ".") / p)


def test_hand_computed_pseudonym():
    expected = "P-" + hmac.new(KEY, b"anna.virtanen@example.fi", hashlib.sha256).hexdigest()[:16]
    assert pseudonymise(pd.Series(["Anna.Virtanen@Example.fi "]), KEY).tolist() == [expected]
    assert pseudonym_of("anna.virtanen@example.fi", KEY) == expected


@pytest.mark.parametrize("email", [CANARY, "Äijälä.Öhman@example.fi", "jörö.ålander@example.org"])
def test_variants_map_to_one_pseudonym(email):
    variants = _variants(email)
    ids = pseudonymise(pd.Series(variants), KEY)
    assert ids.nunique() == 1, ids.tolist()
    assert ids.iloc[0].startswith("P-") and len(ids.iloc[0]) == 18
    assert {normalise_email(v) for v in variants} == {normalise_email(email)}


def test_nfd_and_nfc_differ_in_bytes_but_not_in_pseudonym():
    nfc = "pääkkönen@example.fi"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    assert pseudonym_of(nfc, KEY) == pseudonym_of(nfd, KEY)


def test_distinct_emails_distinct_pseudonyms_and_index_kept():
    emails = pd.Series([f"person{i}@example.org" for i in range(2000)], index=range(10, 2010))
    ids = pseudonymise(emails, KEY)
    assert ids.nunique() == 2000
    assert list(ids.index) == list(emails.index)
    assert ids.name == "person_id"


def test_missing_and_empty_emails_map_to_missing():
    ids = pseudonymise(pd.Series([None, "", "  \u200b ", float("nan"), "a@example.org"]), KEY)
    assert ids.isna().tolist() == [True, True, True, True, False]
    assert normalise_email("   ") is None


def test_changed_key_changes_every_pseudonym():
    emails = pd.Series([f"p{i}@example.fi" for i in range(500)])
    a, b = pseudonymise(emails, KEY), pseudonymise(emails, OTHER_KEY)
    assert (a != b).all()


def test_no_plain_hash_of_the_email():
    email = "anna.virtanen@example.fi"
    pid = pseudonym_of(email, KEY)[2:]
    for algo in ("md5", "sha1", "sha256", "sha512", "blake2b"):
        for text in (email, email.upper(), CANARY):
            digest = hashlib.new(algo, text.encode()).hexdigest()
            assert pid not in digest


def test_short_key_refused():
    with pytest.raises(ConfigError, match="too short"):
        pseudonymise(pd.Series(["a@example.org"]), b"short")


def test_secret_key_never_shown():
    key = SecretKey(bytes.fromhex("ab" * 32))
    for shown in (repr(key), str(key), f"{key}", "%s" % (key,), repr([key])):
        assert "ab" * 4 not in shown and "\\xab" not in shown
    assert hmac.new(key, b"x", hashlib.sha256).digest() == hmac.new(bytes(key), b"x", hashlib.sha256).digest()


def test_demo_key_only_for_demo_terms():
    assert bytes(load_key(_config("demo"))) == DEMO_KEY
    assert bytes(load_key(_config("demo-x100"))) == DEMO_KEY
    assert len(DEMO_KEY) >= 32
    for name in ("autumn-2026", "demonstration", "spring_2027"):
        with pytest.raises(ConfigError, match="demo key") as e:
            load_key(_config(name))
        assert e.value.exit_code == 2


def test_env_key_hex_and_base64(monkeypatch):
    import base64

    raw = os.urandom(32)
    monkeypatch.setenv(KEY_ENV, raw.hex())
    assert bytes(load_key(_config("t", "env"))) == raw
    monkeypatch.setenv(KEY_ENV, base64.b64encode(raw).decode())
    assert bytes(load_key(_config("t", "env"))) == raw
    monkeypatch.setenv(KEY_ENV, base64.urlsafe_b64encode(raw).decode().rstrip("="))
    assert bytes(load_key(_config("t", "env"))) == raw


def test_env_key_missing_or_short(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(ConfigError, match="MENTORING_KEY") as e:
        load_key(_config("t", "env"))
    assert "keygen" in str(e.value)
    secret = "cd" * 16  # 16 bytes
    monkeypatch.setenv(KEY_ENV, secret)
    with pytest.raises(ConfigError, match="too short") as e:
        load_key(_config("t", "env"))
    assert secret not in str(e.value)
    monkeypatch.setenv(KEY_ENV, "not a key!!")
    with pytest.raises(ConfigError, match="neither hex nor base64") as e:
        load_key(_config("t", "env"))
    assert "not a key" not in str(e.value)


def test_keygen_writes_private_key_and_refuses_overwrite(tmp_path):
    path = keygen(tmp_path / "keys" / "term.key")
    assert (path.stat().st_mode & 0o777) == 0o600
    key = read_key_file(path)
    assert len(key) == 32
    assert bytes(load_key(_config("t", "file", str(path)))) == key
    with pytest.raises(ConfigError, match="already exists"):
        keygen(path)
    assert read_key_file(path) == key
    assert keygen(tmp_path / "other.key").read_text() != path.read_text()


def test_key_file_readable_by_others_refused(tmp_path):
    path = keygen(tmp_path / "k.key")
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600") as e:
        load_key(_config("t", "file", str(path)))
    assert path.read_text().strip() not in str(e.value)


def test_key_file_inside_repository_refused(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    with pytest.raises(ConfigError, match="inside the repository"):
        keygen(repo / "config" / "term.key")
    outside = keygen(tmp_path / "k.key")
    inside = repo / "term.key"
    inside.write_bytes(outside.read_bytes())
    os.chmod(inside, 0o600)
    with pytest.raises(ConfigError, match="inside the repository"):
        read_key_file(inside)
    # the checkout this package runs from counts as a repository too
    with pytest.raises(ConfigError, match="inside the repository"):
        keygen(Path(pseudonym.__file__).resolve().parent.parent / "config" / "never.key")


def test_missing_key_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist") as e:
        load_key(_config("t", "file", str(tmp_path / "nope.key")))
    assert "keygen" in str(e.value)


def test_demo_config_uses_labelled_demo_key_and_real_template_refuses_it(tmp_path):
    import yaml

    from mentoring_lib.config import load_config

    demo = Path(__file__).resolve().parent.parent / "config" / "demo.yml"
    cfg = load_config(demo)
    assert cfg.privacy.key_source == "demo" and bytes(load_key(cfg)) == DEMO_KEY
    assert b"NOT-SECRET" in DEMO_KEY and b"DEMO" in DEMO_KEY  # clearly labelled
    raw = yaml.safe_load(demo.read_text(encoding="utf-8"))
    raw["term"]["name"] = "autumn-2026"
    raw["data_dir"] = str(demo.parent.parent / "data" / "demo")
    real = tmp_path / "real.yml"
    real.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match="demo key"):
        load_key(load_config(real))
