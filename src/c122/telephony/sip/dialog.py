"""Dialog state (RFC 3261 §12): identifiers, CSeq, route set and remote target."""

from __future__ import annotations

from dataclasses import dataclass

from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import Headers, SipRequest, SipResponse
from c122.telephony.sip.transaction import Destination, new_branch
from c122.telephony.sip.uri import NameAddr, SipUri, Via, bare_host


@dataclass(slots=True)
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str  # From/To value we present (with tag)
    remote_uri: str  # From/To value of the peer (with tag)
    remote_target: SipUri
    route_set: list[str]
    local_cseq: int
    remote_cseq: int | None
    local_contact: str
    transport: str = "udp"
    # the connection the dialog arrived on: WebSocket and NATed TCP peers are only reachable there
    flow: Source | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.call_id, self.local_tag, self.remote_tag)

    @classmethod
    def as_uas(cls, request: SipRequest, local_tag: str, local_contact: str, source: Source) -> Dialog:
        """§12.1.1: built from the INVITE we answer."""
        contact = request.headers.get_all("Contact")
        target = NameAddr.parse(contact[0]).uri if contact else request.from_.uri
        to = request.headers.get("To") or ""
        return cls(
            call_id=request.call_id,
            local_tag=local_tag,
            remote_tag=request.from_.tag or "",
            local_uri=to if ";tag=" in to.lower() else f"{to};tag={local_tag}",
            remote_uri=request.headers.get("From") or "",
            remote_target=target,
            route_set=request.headers.get_all("Record-Route"),
            local_cseq=0,
            remote_cseq=request.cseq[0],
            local_contact=local_contact,
            transport=source.transport,
            flow=source if source.transport != "udp" else None,
        )

    @classmethod
    def as_uac(cls, request: SipRequest, response: SipResponse, transport: str) -> Dialog:
        """§12.1.2: built from our INVITE and the peer's 1xx/2xx with a To tag."""
        contact = response.headers.get_all("Contact")
        target = NameAddr.parse(contact[0]).uri if contact else request.request_uri
        return cls(
            call_id=request.call_id,
            local_tag=request.from_.tag or "",
            remote_tag=response.to.tag or "",
            local_uri=request.headers.get("From") or "",
            remote_uri=response.headers.get("To") or "",
            remote_target=target,
            route_set=list(reversed(response.headers.get_all("Record-Route"))),
            local_cseq=request.cseq[0],
            remote_cseq=None,
            local_contact=request.headers.get("Contact") or "",
            transport=transport,
        )

    def refresh_target(self, request_or_response: SipRequest | SipResponse) -> None:
        """Target refresh requests and their 2xx replace the remote target (§12.2)."""
        contact = request_or_response.headers.get_all("Contact")
        if contact:
            self.remote_target = NameAddr.parse(contact[0]).uri

    def accept_remote_cseq(self, cseq: int) -> bool:
        """§12.2.2: a lower CSeq than the last one seen is out of order (answer 500)."""
        if self.remote_cseq is not None and cseq <= self.remote_cseq:
            return False
        self.remote_cseq = cseq
        return True

    def create_request(
        self,
        method: str,
        via_host: str,
        via_port: int,
        *,
        cseq: int | None = None,
        body: bytes = b"",
        content_type: str | None = None,
        extra: Headers | None = None,
        branch: str | None = None,
    ) -> SipRequest:
        """§12.2.1.1: a request within the dialog, with loose or strict routing applied."""
        if cseq is None:
            self.local_cseq += 1
            cseq = self.local_cseq
        routes = list(self.route_set)
        uri = str(self.remote_target)
        if routes and "lr" not in NameAddr.parse(routes[0]).uri.params:
            # strict router: it becomes the Request-URI, the remote target goes last
            uri = str(NameAddr.parse(routes[0]).uri.with_params())
            routes = [*routes[1:], f"<{self.remote_target}>"]
        headers = Headers()
        via = Via(
            self.transport.upper(), via_host, via_port, {"branch": branch or new_branch(), "rport": None}
        )
        headers.add("Via", str(via))
        headers.add("Max-Forwards", "70")
        for route in routes:
            headers.add("Route", route)
        headers.add("From", self.local_uri)
        headers.add("To", self.remote_uri)
        headers.add("Call-ID", self.call_id)
        headers.add("CSeq", f"{cseq} {method}")
        if method not in ("ACK", "CANCEL", "BYE"):
            headers.add("Contact", self.local_contact)
        for name, value in extra or ():
            headers.add(name, value)
        if content_type and body:
            headers.add("Content-Type", content_type)
        return SipRequest(method, uri, headers, body)

    def destination(self) -> Destination:
        """Next hop: the first Route if any, else the remote target (§8.1.2)."""
        if self.flow is not None:
            return Destination(self.flow.transport, self.flow.host, self.flow.port)
        uri = NameAddr.parse(self.route_set[0]).uri if self.route_set else self.remote_target
        transport = uri.params.get("transport") or self.transport
        default = 5061 if uri.scheme == "sips" else 5060
        return Destination(transport.lower(), bare_host(uri.host), uri.port or default)
