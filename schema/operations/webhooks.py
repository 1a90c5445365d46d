"""Webhook subscriptions: the GraphQL twins of /cpms/v1/webhooks and /emsp/v1/webhooks (same
resolvers). ``family`` picks the API family's subscriptions (cpms by default) and the scope needed
(``cpms:webhooks:read`` ...)."""

from __future__ import annotations

from uuid import UUID

import strawberry

from domain.paging import PageRequest
from resolvers import webhooks as ops
from schema.context import Info
from schema.inputs import parse
from schema.permissions import requires
from schema.scalars import gid
from schema.types.page import Connection, PageInfo
from schema.types.webhook import (
    NewWebhook,
    Webhook,
    WebhookDeletion,
    WebhookDelivery,
    WebhookEventType,
    WebhookTest,
)

FAMILY_HELP = "The API family: cpms (default) or emsp."


@strawberry.input(description="A new subscription. `events`: exact types, 'family.*' or '*'.")
class WebhookCreateInput:
    url: str
    events: list[str]
    description: str | None = None
    network_id: UUID | None = strawberry.field(
        default=None, description="The network; by default the caller's only one."
    )


@strawberry.input(description="Only the fields sent change. isActive true re-enables a disabled one.")
class WebhookUpdateInput:
    url: str | None = strawberry.UNSET
    events: list[str] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*ops.READ)],
        description="The family's webhook subscriptions in the caller's networks, newest first.",
    )
    async def webhooks(self, info: Info, family: str = "cpms") -> list[Webhook]:
        return [Webhook.from_row(w) for w in await ops.list_webhooks(info.context.ctx, family)]

    @strawberry.field(
        permission_classes=[requires(*ops.READ)], description="A subscription's deliveries, newest first."
    )
    async def webhook_deliveries(
        self, info: Info, webhook_id: UUID, page: int = 1, page_size: int = 50, family: str = "cpms"
    ) -> Connection[WebhookDelivery]:
        result = await ops.list_deliveries(info.context.ctx, family, webhook_id, PageRequest(page, page_size))
        return Connection(
            items=[WebhookDelivery.from_row(d) for d in result.items], page_info=PageInfo.of(result)
        )

    @strawberry.field(permission_classes=[requires(*ops.READ)], description="One delivery, with its payload.")
    async def webhook_delivery(
        self, info: Info, webhook_id: UUID, id: UUID, family: str = "cpms"
    ) -> WebhookDelivery:
        return WebhookDelivery.from_row(await ops.get_delivery(info.context.ctx, family, webhook_id, id))

    @strawberry.field(
        permission_classes=[requires(*ops.READ)], description="Every event type a subscription may name."
    )
    def webhook_event_types(self, info: Info, family: str = "cpms") -> list[WebhookEventType]:
        catalogue = ops.event_types(info.context.ctx, family)
        return [WebhookEventType(type=name, description=text) for name, text in catalogue.items()]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description="Subscribe an HTTPS URL to events; the signing secret is returned once.",
    )
    async def create_webhook(self, info: Info, input: WebhookCreateInput, family: str = "cpms") -> NewWebhook:
        data = parse(info, ops.WebhookCreate)
        if input.network_id is not None:
            data = data.model_copy(update={"network_uuid": input.network_id})
        return NewWebhook.from_created(await ops.create_webhook(info.context.ctx, family, data))

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description="Change only the fields sent; isActive true re-enables, false disables by hand.",
    )
    async def update_webhook(
        self, info: Info, id: UUID, input: WebhookUpdateInput, family: str = "cpms"
    ) -> Webhook:
        data = parse(info, ops.WebhookUpdate)
        return Webhook.from_row(await ops.update_webhook(info.context.ctx, family, id, data))

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)], description="Delete a subscription and its deliveries."
    )
    async def delete_webhook(self, info: Info, id: UUID, family: str = "cpms") -> WebhookDeletion:
        webhook = await ops.delete_webhook(info.context.ctx, family, id)
        return WebhookDeletion(id=gid(webhook.uuid), deleted=True)

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description="Queue a webhook.test event for this subscription only (refused while disabled).",
    )
    async def test_webhook(self, info: Info, id: UUID, family: str = "cpms") -> WebhookTest:
        delivery = await ops.send_test_event(info.context.ctx, family, id)
        return WebhookTest(
            webhook_id=gid(id), test_enqueued=True, delivery=WebhookDelivery.from_row(delivery)
        )

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description="Queue a delivery for one more attempt now (refused while the subscription is disabled).",
    )
    async def retry_webhook_delivery(
        self, info: Info, webhook_id: UUID, id: UUID, family: str = "cpms"
    ) -> WebhookDelivery:
        return WebhookDelivery.from_row(await ops.retry_delivery(info.context.ctx, family, webhook_id, id))
