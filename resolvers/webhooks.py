"""Webhook subscriptions of the caller's networks, per API family (cpms or emsp): list, create (the
signing secret shown once), change / re-enable, delete, send a test event; their deliveries: list,
read, retry; and the event catalogue. Shared by the REST paths of both families and GraphQL."""

from __future__ import annotations

from typing import Any, Literal, cast
from uuid import UUID

from pydantic import Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import ValidationFailed, not_found
from domain.events import CATALOGUE
from domain.models import Webhook, WebhookDelivery
from domain.paging import Page, PageRequest, paginate
from domain.services import webhooks as service
from domain.services.tenancy import reachable, target_network
from domain.services.webhook_destinations import check_destination
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:webhooks:read", "emsp:webhooks:read")
WRITE = ("cpms:webhooks:write", "emsp:webhooks:write")

Family = Literal["cpms", "emsp"]
Events = str | list[str]
"""``events`` as the references send it: a comma-separated string (POST) or an array (PATCH)."""


class WebhookCreate(Input):
    url: str | None = None
    events: Events | None = None
    description: str | None = Field(default=None, max_length=500)
    network_uuid: UUID | None = None
    """The network the subscription belongs to; by default the caller's only network."""


class WebhookUpdate(Input):
    url: str | None = None
    events: Events | None = None
    description: str | None = Field(default=None, max_length=500)
    is_active: bool | None = None


def _family(ctx: Context, family: str, action: Literal["read", "write"]) -> Family:
    """The family checked, and the caller holding its webhook scope (``cpms:webhooks:write`` ...)."""
    if family not in service.FAMILIES:
        raise ValidationFailed("family must be cpms or emsp", error="invalid_family")
    ctx.principal.require(f"{family}:webhooks:{action}")
    return cast("Family", family)


def _mine(ctx: Context, family: Family) -> list[Any]:
    return [reachable(ctx.principal, Webhook.network_id), col(Webhook.family) == family]


async def _load(session: AsyncSession, ctx: Context, family: Family, webhook_uuid: UUID) -> Webhook:
    stmt = select(Webhook).where(Webhook.uuid == webhook_uuid, *_mine(ctx, family))
    webhook = (await session.exec(stmt)).first()
    if webhook is None:
        raise not_found("Webhook subscription")
    return webhook


async def _load_delivery(
    session: AsyncSession, ctx: Context, family: Family, webhook_uuid: UUID, delivery_uuid: UUID
) -> tuple[Webhook, WebhookDelivery]:
    webhook = await _load(session, ctx, family, webhook_uuid)
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.uuid == delivery_uuid, WebhookDelivery.webhook_id == webhook.id
    )
    delivery = (await session.exec(stmt)).first()
    if delivery is None:
        raise not_found("Webhook delivery")
    return webhook, delivery


async def list_webhooks(ctx: Context, family: str) -> list[Webhook]:
    """The family's subscriptions in the caller's networks, newest first."""
    checked = _family(ctx, family, "read")
    async with ctx.db.session() as session:
        stmt = (
            select(Webhook)
            .where(*_mine(ctx, checked))
            .order_by(col(Webhook.created_at).desc(), col(Webhook.id).desc())
        )
        return list((await session.exec(stmt)).all())


async def create_webhook(ctx: Context, family: str, data: WebhookCreate) -> service.CreatedWebhook:
    """Validate events and destination first (nothing is written on a 422), then store it on the
    named network (else the caller's only one) with a fresh secret."""
    checked = _family(ctx, family, "write")
    patterns = service.parse_events(data.events)
    url = data.url or ""
    await check_destination(url, allow_private=ctx.services.webhooks.allow_private)
    async with ctx.db.unit_of_work() as session:
        network = await target_network(session, ctx.principal, data.network_uuid)
        assert network.id is not None
        return await service.create(
            session,
            network_id=network.id,
            family=checked,
            url=url,
            patterns=patterns,
            description=data.description,
            server_key=ctx.services.auth.secret_key,
            created_by_api_key_id=ctx.principal.api_key_id,
        )


async def update_webhook(ctx: Context, family: str, webhook_uuid: UUID, data: WebhookUpdate) -> Webhook:
    """Change only the fields sent; ``isActive: true`` re-enables, ``false`` disables by hand."""
    checked = _family(ctx, family, "write")
    given = data.given()
    if "is_active" in given and data.is_active is None:
        raise ValidationFailed("isActive: may not be null")
    patterns = service.parse_events(data.events) if "events" in given else None
    if "url" in given:
        await check_destination(data.url or "", allow_private=ctx.services.webhooks.allow_private)
    async with ctx.db.unit_of_work() as session:
        webhook = await _load(session, ctx, checked, webhook_uuid)
        service.update(
            webhook,
            url=data.url,
            patterns=patterns,
            description=data.description if "description" in given else service.KEEP,
            is_active=data.is_active,
        )
        session.add(webhook)
    return webhook


async def delete_webhook(ctx: Context, family: str, webhook_uuid: UUID) -> Webhook:
    """Delete the subscription and its delivery history."""
    checked = _family(ctx, family, "write")
    async with ctx.db.unit_of_work() as session:
        webhook = await _load(session, ctx, checked, webhook_uuid)
        await service.delete(session, webhook)
    return webhook


async def send_test_event(ctx: Context, family: str, webhook_uuid: UUID) -> WebhookDelivery:
    """Enqueue one ``webhook.test`` delivery for this subscription only; the delivery worker sends it."""
    checked = _family(ctx, family, "write")
    async with ctx.db.unit_of_work() as session:
        webhook = await _load(session, ctx, checked, webhook_uuid)
        return await service.enqueue_test(session, webhook)


async def list_deliveries(
    ctx: Context, family: str, webhook_uuid: UUID, page: PageRequest
) -> Page[WebhookDelivery]:
    """The subscription's deliveries, newest first."""
    checked = _family(ctx, family, "read")
    async with ctx.db.session() as session:
        webhook = await _load(session, ctx, checked, webhook_uuid)
        return await paginate(
            session,
            WebhookDelivery,
            [col(WebhookDelivery.webhook_id) == webhook.id],
            [col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc()],
            page,
        )


async def get_delivery(ctx: Context, family: str, webhook_uuid: UUID, delivery_uuid: UUID) -> WebhookDelivery:
    checked = _family(ctx, family, "read")
    async with ctx.db.session() as session:
        _webhook, delivery = await _load_delivery(session, ctx, checked, webhook_uuid, delivery_uuid)
    return delivery


async def retry_delivery(
    ctx: Context, family: str, webhook_uuid: UUID, delivery_uuid: UUID
) -> WebhookDelivery:
    """Queue the delivery for one more pass now, whatever state it is in."""
    checked = _family(ctx, family, "write")
    async with ctx.db.unit_of_work() as session:
        webhook, delivery = await _load_delivery(session, ctx, checked, webhook_uuid, delivery_uuid)
        service.retry(webhook, delivery)
        session.add(delivery)
    return delivery


def event_types(ctx: Context, family: str) -> dict[str, str]:
    """Every event type a subscription may name, with what it means."""
    _family(ctx, family, "read")
    return dict(CATALOGUE)
