"""Requests and responses the UA core makes: INVITE, in-dialog requests and answers, ACK for a
2xx, CANCEL, the OPTIONS answer and the retry with credentials."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from c122.telephony.sip.auth import DigestCredentials, authorization_header, pick_challenge
from c122.telephony.sip.dialog import Dialog
from c122.telephony.sip.message import Headers, SipRequest, SipResponse, make_response
from c122.telephony.sip.sdp import SessionDescription
from c122.telephony.sip.transaction import new_branch
from c122.telephony.sip.uri import NameAddr, SipUri, Via, bare_host

SDP_TYPE = "application/sdp"
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset({"100rel", "replaces", "timer"})
ALLOWED_METHODS = (
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "OPTIONS",
    "INFO",
    "UPDATE",
    "REGISTER",
    "REFER",
    "NOTIFY",
    "PRACK",
)


class MessageFactory:
    """Stamps what this stack says about itself (User-Agent, Server, Allow, Via, Contact)."""

    def __init__(self, user_agent: str, via_host: str, port_for: Callable[[str], int]) -> None:
        self.user_agent = user_agent
        self.via_host = via_host
        self.port_for = port_for  # the bound port of a transport, known once the stack runs
        self.allow_header = ", ".join(ALLOWED_METHODS)

    def contact_for(self, transport: str) -> str:
        param = "" if transport == "udp" else f";transport={transport}"
        return f"<sip:{self.via_host}:{self.port_for(transport)}{param}>"

    def add_server(self, resp: SipResponse) -> None:
        resp.headers.add("Server", self.user_agent)

    def options_response(self, request: SipRequest) -> SipResponse:
        resp = make_response(request, 200)
        resp.headers.add("Allow", self.allow_header)
        resp.headers.add("Accept", f"{SDP_TYPE}, application/dtmf-relay, application/dtmf")
        if SUPPORTED_EXTENSIONS:
            resp.headers.add("Supported", ", ".join(sorted(SUPPORTED_EXTENSIONS)))
        self.add_server(resp)
        return resp

    def invite(
        self,
        uri: SipUri,
        from_addr: NameAddr,
        transport: str,
        headers: dict[str, str] | None,
        sdp: SessionDescription | None,
    ) -> SipRequest:
        """A new INVITE outside any dialog."""
        h = Headers()
        via = Via(
            transport.upper(),
            self.via_host,
            self.port_for(transport),
            {"branch": new_branch(), "rport": None},
        )
        h.add("Via", str(via))
        h.add("Max-Forwards", "70")
        h.add("From", str(from_addr))
        h.add("To", f"<{uri}>")
        h.add("Call-ID", f"{secrets.token_hex(12)}@{bare_host(self.via_host)}")
        h.add("CSeq", "1 INVITE")
        h.add("Contact", self.contact_for(transport))
        h.add("Allow", self.allow_header)
        h.add("Supported", "100rel, replaces")
        h.add("User-Agent", self.user_agent)
        for name, value in (headers or {}).items():
            h.add(name, value)
        body = b""
        if sdp is not None:
            h.add("Content-Type", SDP_TYPE)
            body = sdp.encode()
        return SipRequest("INVITE", str(uri), h, body)

    def dialog_response(
        self, request: SipRequest, status: int, dialog: Dialog, sdp: SessionDescription | None
    ) -> SipResponse:
        resp = make_response(request, status, to_tag=dialog.local_tag)
        resp.headers.add("Contact", dialog.local_contact)
        resp.headers.add("Allow", self.allow_header)
        self.add_server(resp)
        if sdp is not None:
            resp.headers.add("Content-Type", SDP_TYPE)
            resp.body = sdp.encode()
        return resp

    def dialog_request(
        self,
        dialog: Dialog,
        method: str,
        body: bytes = b"",
        content_type: str | None = None,
        extra: Headers | None = None,
    ) -> SipRequest:
        extra = extra.copy() if extra is not None else Headers()
        extra.add("User-Agent", self.user_agent)
        return dialog.create_request(
            method,
            self.via_host,
            self.port_for(dialog.transport),
            body=body,
            content_type=content_type,
            extra=extra,
        )

    def ack_for_2xx(self, dialog: Dialog, invite: SipRequest) -> SipRequest:
        """§13.2.2.4: the ACK for a 2xx is a new transaction, with the INVITE's CSeq number."""
        ack = dialog.create_request(
            "ACK", self.via_host, self.port_for(dialog.transport), cseq=invite.cseq[0]
        )
        for name in ("Authorization", "Proxy-Authorization"):
            for value in invite.headers.get_all(name):
                ack.headers.add(name, value)
        return ack

    def cancel_for(self, invite: SipRequest) -> SipRequest:
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
        headers.add("User-Agent", self.user_agent)
        return SipRequest("CANCEL", invite.uri, headers)


def authorized_retry(
    request: SipRequest, response: SipResponse, creds: DigestCredentials
) -> SipRequest | None:
    """§22.2: the same request with credentials, a new branch and CSeq + 1."""
    proxy = response.status == 407
    offered = response.headers.get_all("Proxy-Authenticate" if proxy else "WWW-Authenticate")
    challenge = pick_challenge(offered)
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
