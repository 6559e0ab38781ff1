"""Authorization of idTokens (C01, C02, C04, C10): the authorization cache and Authorize.

`authorize` decides for one idToken: NoAuthorization is always Accepted; a valid Accepted cache
entry with AuthCtrlr.LocalPreAuthorize is Accepted without asking; online the CSMS is asked
(Authorize); offline the cache decides with LocalAuthorizeOffline, an unknown idToken with
OfflineTxForUnknownIdEnabled. Every idTokenInfo the CSMS gives (Authorize, TransactionEvent) is
`remember`ed: its groupIdToken (for the transactions the idToken starts) and, with
AuthCacheCtrlr.Enabled, a cache entry until AuthCacheCtrlr.LifeTime or cacheExpiryDateTime. The
cache is saved in the state file (key "auth_cache", tokens by `token_key`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ocppgen.generated import v201
from ocppgen.reference.station.evse import token_from_json, token_json, token_key
from ocppgen.reference.station.site import CALL_FAILURES, Link, Site

__all__ = ["Authorization", "CacheEntry"]

Auth = v201.AuthorizationStatusEnumType
Token = v201.IdTokenType
NO_AUTHORIZATION = v201.IdTokenEnumType.NoAuthorization


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One authorization cache entry (C10); saved as {"status", "expires", "group"}."""

    status: Auth
    expires: float  # time.time()
    group: Token | None

    def to_json(self) -> dict[str, Any]:
        group = token_json(self.group)
        return {"status": self.status.value, "expires": self.expires, "group": group}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CacheEntry:
        return cls(Auth(data["status"]), float(data["expires"]), token_from_json(data.get("group")))


class Authorization:
    """See the module docstring."""

    def __init__(self, site: Site, link: Link) -> None:
        self.site = site
        self.link = link
        self._cache: dict[str, CacheEntry] = {}  # by token_key
        self._groups: dict[str, Token] = {}  # token_key -> last groupIdToken known

    def load(self) -> None:
        saved = self.site.outbox.load_state("auth_cache") or {}
        self._cache = {key: CacheEntry.from_json(entry) for key, entry in saved.items()}

    async def authorize(self, token: Token) -> tuple[Auth, Token | None]:
        """The status of `token` and the groupIdToken known for it (None if none)."""
        if token.type is NO_AUTHORIZATION:
            return Auth.Accepted, None
        dm = self.site.dm
        cached = self.cached(token)
        group = self.cached_group(token)
        cache_on = dm.get_bool("AuthCacheCtrlr", "Enabled")
        if cached is Auth.Accepted and cache_on and dm.get_bool("AuthCtrlr", "LocalPreAuthorize"):
            return Auth.Accepted, group
        if self.link.online:
            try:
                response = await self.link.call(v201.AuthorizeRequest(id_token=token))
            except CALL_FAILURES:
                pass
            else:
                assert isinstance(response, v201.AuthorizeResponse)
                self.remember(token, response.id_token_info)
                return response.id_token_info.status, self.group_of(token)
        if cached is Auth.Accepted and dm.get_bool("AuthCtrlr", "LocalAuthorizeOffline"):
            return Auth.Accepted, group
        if dm.get_bool("AuthCtrlr", "OfflineTxForUnknownIdEnabled") and cached is None:
            return Auth.Accepted, None
        return cached or Auth.Unknown, None

    def cached(self, token: Token) -> Auth | None:
        """The unexpired cache entry's status, if any."""
        entry = self._cache.get(token_key(token))
        if entry is None or entry.expires < time.time():
            return None
        return entry.status

    def cached_group(self, token: Token) -> Token | None:
        """The groupIdToken of a valid (Accepted, unexpired) cached idToken (E07.FR.01 b)."""
        if not self.site.dm.get_bool("AuthCacheCtrlr", "Enabled"):
            return None
        if self.cached(token) is not Auth.Accepted:
            return None
        return self._cache[token_key(token)].group

    def group_of(self, token: Token) -> Token | None:
        """The groupIdToken the CSMS last gave for `token`."""
        return self._groups.get(token_key(token))

    def remember(self, token: Token, info: v201.IdTokenInfoType) -> None:
        """An idTokenInfo from the CSMS: its groupIdToken, and the cache entry (C10)."""
        key = token_key(token)
        if info.group_id_token is None:
            self._groups.pop(key, None)
        else:
            self._groups[key] = info.group_id_token
        dm = self.site.dm
        if not dm.get_bool("AuthCacheCtrlr", "Enabled"):
            return
        expires = time.time() + dm.get_int("AuthCacheCtrlr", "LifeTime")
        if info.cache_expiry_date_time is not None:
            expires = min(expires, info.cache_expiry_date_time.timestamp())
        self._cache[key] = CacheEntry(info.status, expires, info.group_id_token)
        saved = {k: entry.to_json() for k, entry in self._cache.items()}
        self.site.outbox.save_state("auth_cache", saved)

    def clear_cache(self) -> v201.ClearCacheResponse:
        """ClearCache (C11)."""
        self._cache = {}
        self.site.outbox.save_state("auth_cache", None)
        return v201.ClearCacheResponse(status=v201.ClearCacheStatusEnumType.Accepted)
