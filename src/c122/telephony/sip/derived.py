"""Requests made from an earlier one: the CANCEL of an INVITE and a retry with credentials."""

from __future__ import annotations

from c122.telephony.sip.auth import DigestCredentials, authorization_header, pick_challenge
from c122.telephony.sip.message import Headers, SipRequest, SipResponse
from c122.telephony.sip.transaction import new_branch


def cancel_for(invite: SipRequest, user_agent: str) -> SipRequest:
    """§9.1: same Request-URI, Call-ID, From, To, Route and top Via as the INVITE."""
    headers = Headers()
    headers.add("Via", invite.headers.get_all("Via")[0])
    for value in invite.headers.get_all("Route"):
        headers.add("Route", value)
    headers.add("Max-Forwards", "70")
    headers.add("From", invite.headers.get("From") or "")
    headers.add("To", invite.headers.get("To") or "")
    headers.add("Call-ID", invite.call_id)
    headers.add("CSeq", f"{invite.cseq[0]} CANCEL")
    headers.add("User-Agent", user_agent)
    return SipRequest("CANCEL", invite.uri, headers)


def authorized_retry(
    request: SipRequest, response: SipResponse, creds: DigestCredentials
) -> SipRequest | None:
    """§22.2: the same request with credentials, a new branch and CSeq + 1."""
    proxy = response.status == 407
    challenge = pick_challenge(
        response.headers.get_all("Proxy-Authenticate" if proxy else "WWW-Authenticate")
    )
    if challenge is None:
        return None
    try:
        value = authorization_header(challenge, creds, request.method, request.uri)
    except ValueError:
        return None
    headers = request.headers.copy()
    top = request.top_via.with_params(branch=new_branch())
    vias = request.headers.get_all("Via")
    headers.remove("Via")
    headers.prepend("Via", str(top))
    for extra in vias[1:]:
        headers.add("Via", extra)
    headers.set("CSeq", f"{request.cseq[0] + 1} {request.method}")
    headers.remove("Authorization")
    headers.remove("Proxy-Authorization")
    headers.add("Proxy-Authorization" if proxy else "Authorization", value)
    return SipRequest(request.method, request.uri, headers, request.body)
