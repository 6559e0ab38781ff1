"""Authorization alone (authorization.py): NoAuthorization, Authorize through the sans-IO
cores, the cache with its groupIdToken, offline rules, ClearCache."""

from __future__ import annotations

from pathlib import Path

from ocppgen.generated import v201
from ocppgen.reference.station.authorization import Authorization
from ocppgen.runtime.model import OcppModel
from tests.reference.station.component_link import CoreLink, open_site

Auth = v201.AuthorizationStatusEnumType
GROUP = v201.IdTokenType(id_token="FLEET", type=v201.IdTokenEnumType.Central)


def _csms(request: OcppModel) -> OcppModel:
    assert isinstance(request, v201.AuthorizeRequest)
    status = Auth.Accepted if request.id_token.id_token.startswith("OK") else Auth.Blocked
    info = v201.IdTokenInfoType(status=status, group_id_token=GROUP)
    return v201.AuthorizeResponse(id_token_info=info)


def _token(value: str) -> v201.IdTokenType:
    return v201.IdTokenType(id_token=value, type=v201.IdTokenEnumType.ISO14443)


async def test_authorize_online_then_from_the_cache_offline(tmp_path: Path) -> None:
    site = open_site(tmp_path, overrides={"AuthCtrlr.LocalAuthorizeOffline": "true"})
    link = CoreLink(_csms)
    auth = Authorization(site, link)
    auth.load()
    no_auth = v201.IdTokenType(id_token="", type=v201.IdTokenEnumType.NoAuthorization)
    assert await auth.authorize(no_auth) == (Auth.Accepted, None)
    assert link.requests == []  # C02: no Authorize for a start button
    assert await auth.authorize(_token("OK1")) == (Auth.Accepted, GROUP)
    assert await auth.authorize(_token("BAD")) == (Auth.Blocked, GROUP)
    assert [r.id_token for r in link.sent(v201.AuthorizeRequest)] == [_token("OK1"), _token("BAD")]
    link.online = False
    assert await auth.authorize(_token("OK1")) == (Auth.Accepted, GROUP)  # cache, offline
    assert auth.cached_group(_token("OK1")) == GROUP
    again = Authorization(site, link)
    again.load()  # the cache is in the state file
    assert again.cached(_token("BAD")) is Auth.Blocked
    assert again.clear_cache().status is v201.ClearCacheStatusEnumType.Accepted
    assert again.cached(_token("OK1")) is None
    assert await again.authorize(_token("OK1")) == (Auth.Unknown, None)


async def test_a_failed_authorize_falls_back_to_offline_rules(tmp_path: Path) -> None:
    site = open_site(tmp_path, overrides={"AuthCtrlr.OfflineTxForUnknownIdEnabled": "true"})
    link = CoreLink(_csms)
    link.connected = False  # online a moment ago, the CALL fails: Disconnected
    assert await Authorization(site, link).authorize(_token("NEW")) == (Auth.Accepted, None)
