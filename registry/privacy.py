"""Personal information at rest (R-REC-4, PIPL): Fernet encryption, keyed digests for look-ups, masking.

The key comes from ``PII_KEY``; in development, where none is set, one is generated once into
``PII_KEY_FILE`` (mode 0600) so the demo needs no set-up. In production a missing key stops start-up.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from core.settings import PrivacySettings, get_settings


class MissingKeyError(RuntimeError):
    pass


def load_key(privacy: PrivacySettings) -> bytes:
    if privacy.key:
        return privacy.key.encode()
    if privacy.key_file.exists():
        return privacy.key_file.read_bytes().strip()
    if privacy.require_key:
        raise MissingKeyError("PII_KEY (or an existing PII_KEY_FILE) is required when APP_ENV=production")
    privacy.key_file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(privacy.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


class PersonalDataVault:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        # A separate key for digests, derived so that one setting is enough.
        self._digest_key = hashlib.sha256(b"registry-digest:" + key).digest()
        self.link_key = hashlib.sha256(b"registry-signed-links:" + key).digest()  # for e-mailed links

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:  # a wrong key must never pass as data
            raise MissingKeyError("无法用配置的个人信息密钥解密个人信息（PII_KEY 有误或已更换）") from exc

    def digest(self, value: str) -> str:
        """A keyed hash: finds the same ID number again without storing it in clear."""
        return hmac.new(self._digest_key, value.encode(), hashlib.sha256).hexdigest()


@lru_cache
def get_vault() -> PersonalDataVault:
    return PersonalDataVault(load_key(get_settings().privacy))
