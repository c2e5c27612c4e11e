"""Bodies of the citizen app's voice call (`/api/citizen/v1/calls`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from c122.api.schemas.citizen import CitizenLocationIn
from c122.api.schemas.common import Strict
from c122.services.citizen_call.ports import AppCallOffer, AppCallStatus

CallStateName = Literal["connecting", "connected", "ended"]
LineStageName = Literal["menu", "queue", "operator"]
MAX_SDP_CHARS = 20_000


class AppCallIn(Strict):
    location: CitizenLocationIn | None = Field(
        None, description="Where the device is now; shown on the call's card (latitude, longitude, accuracy)."
    )


class IceServerOut(BaseModel):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class AppCallOfferOut(BaseModel):
    call_id: str
    sdp: str = Field(description="The server's SDP offer (all candidates included): answer it.")
    ice_servers: list[IceServerOut] = Field(description="For the app's RTCPeerConnection.")


class AppCallAnswerIn(Strict):
    sdp: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SDP_CHARS)] = Field(
        description="The app's SDP answer, after its ICE gathering completed (no trickle)."
    )


class AppCallDtmfIn(Strict):
    digits: Annotated[str, StringConstraints(pattern=r"^[0-9*#]{1,16}$")] = Field(
        description="Keys pressed in the app, for the line's voice menu."
    )


class AppCallOut(BaseModel):
    call_id: str
    state: CallStateName
    cause: str | None = Field(
        None,
        description="Why it ended: hung_up (the app), hotline_ended, refused, failed (the connection was "
        "lost), timeout (never connected), bad_answer.",
    )
    stage: LineStageName | None = Field(
        None,
        description="Where a connected call is in the line's flow: the voice menu, the queue, an operator.",
    )
    queue_position: int | None = Field(None, description="In the queue: the caller's place, 1 is next.")
    estimated_wait_s: float | None = Field(None, description="In the queue: the estimated wait, seconds.")


def offer_out(offer: AppCallOffer) -> AppCallOfferOut:
    return AppCallOfferOut(
        call_id=offer.call_id,
        sdp=offer.sdp,
        ice_servers=[
            IceServerOut(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in offer.ice_servers
        ],
    )


def call_out(status: AppCallStatus) -> AppCallOut:
    return AppCallOut(
        call_id=status.call_id,
        state=status.state.value,
        cause=status.cause,
        stage=status.stage.value if status.stage is not None else None,
        queue_position=status.queue_position,
        estimated_wait_s=status.estimated_wait_s,
    )
