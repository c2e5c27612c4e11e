"""Push to the citizen app (docs/channels/push.md): the device's subscriptions and the broadcasts its
app shows, in the citizen API; and the broadcasts to app users a senior or an administrator sends
(`/api/v1/app-broadcasts`, OPS-30)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from c122.api.bounded import Id
from c122.api.context import context_of
from c122.api.errors import ERROR_RESPONSES
from c122.api.routes.citizen import PREFIX, TAG, count_address, device_of
from c122.api.schemas import push as p
from c122.api.security import Context, CurrentActor
from c122.domain.push import PushSubscription, SubscriptionKind

router = APIRouter(
    prefix=PREFIX, tags=[TAG], responses=ERROR_RESPONSES, dependencies=[Depends(count_address)]
)


@router.get("/push/key", response_model=p.PushKeyOut, operation_id="citizen_push_key")
async def push_key(request: Request) -> p.PushKeyOut:
    """What a browser subscribes with, and which kinds of subscription this server delivers to."""
    push = context_of(request).push
    return p.PushKeyOut(application_server_key=push.public_key, kinds=sorted(k.value for k in push.kinds))


@router.post(
    "/push/subscriptions",
    response_model=p.PushSubscriptionOut,
    status_code=201,
    operation_id="citizen_subscribe_push",
)
async def subscribe(body: p.PushSubscriptionIn, request: Request, context: Context) -> p.PushSubscriptionOut:
    """The device opts in: status changes of its requests, operators' answers and broadcasts are pushed
    to this subscription. The same endpoint again replaces the earlier one. 422 for an endpoint that is
    not https or a web subscription without its keys; 409 `push_kind_unavailable` for a native token
    when no native push service is configured."""
    device = await device_of(request)
    sub = PushSubscription(
        id=0,
        device_id=device.id,
        kind=SubscriptionKind(body.kind),
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh if body.keys else "",
        auth=body.keys.auth if body.keys else "",
        region=body.region,
        topics=tuple(body.topics),
    )
    return p.subscription_out(await context.push.subscribe(device.id, sub))


@router.get(
    "/push/subscriptions",
    response_model=list[p.PushSubscriptionOut],
    operation_id="citizen_push_subscriptions",
)
async def subscriptions(request: Request, context: Context) -> list[p.PushSubscriptionOut]:
    device = await device_of(request)
    return [p.subscription_out(s) for s in await context.push.subscriptions(device.id)]


@router.delete(
    "/push/subscriptions/{subscription_id}", status_code=204, operation_id="citizen_unsubscribe_push"
)
async def unsubscribe(subscription_id: Id, request: Request, context: Context) -> Response:
    """The device opts out. Another device's subscription: 404."""
    device = await device_of(request)
    await context.push.unsubscribe(device.id, subscription_id)
    return Response(status_code=204)


@router.get("/push/deliveries", response_model=list[p.DeliveryOut], operation_id="citizen_push_deliveries")
async def deliveries(request: Request, context: Context) -> list[p.DeliveryOut]:
    """What was pushed to this device and what the push service answered, newest first (the last 100)."""
    device = await device_of(request)
    return [p.delivery_out(d) for d in await context.push.deliveries(device.id)]


@router.get("/broadcasts", response_model=list[p.NewsOut], operation_id="citizen_broadcasts")
async def news(request: Request, context: Context) -> list[p.NewsOut]:
    """The broadcasts to app users this device is addressed by, newest first."""
    device = await device_of(request)
    return [p.news_out(b) for b in await context.push.news(device.id)]


@router.post("/broadcasts/{broadcast_id}/opened", status_code=204, operation_id="citizen_broadcast_opened")
async def opened(broadcast_id: Id, request: Request, context: Context) -> Response:
    """The citizen opened the broadcast; counted once per device."""
    device = await device_of(request)
    await context.push.opened(device.id, broadcast_id)
    return Response(status_code=204)


staff_router = APIRouter(prefix="/api/v1/app-broadcasts", tags=["messages"], responses=ERROR_RESPONSES)


@staff_router.post("", response_model=p.AppBroadcastOut, status_code=201, operation_id="send_app_broadcast")
async def send_broadcast(body: p.AppBroadcastIn, actor: CurrentActor, context: Context) -> p.AppBroadcastOut:
    """A title and text to every app user, or to those of a region or topic (seniors and administrators;
    403 otherwise). It is sent in the background: the list shows its counts as they settle."""
    sent = await context.push.broadcast(
        actor, body.title, body.text, region=body.region, topic_id=body.topic_id
    )
    return p.broadcast_out(sent)


@staff_router.get("", response_model=list[p.AppBroadcastOut], operation_id="list_app_broadcasts")
async def list_broadcasts(actor: CurrentActor, context: Context) -> list[p.AppBroadcastOut]:
    """The last 100 broadcasts to app users with their counts of recipients, delivered, failed, opened."""
    return [p.broadcast_out(b) for b in await context.push.broadcasts(actor)]
