"""/cpms/v1/webhooks: the operator's webhook subscriptions, their deliveries and the event catalogue.

The shapes here are the references' (snake_case fields, ``events`` as a comma-separated string);
/emsp/v1/webhooks reuses them with its own envelope and pagination."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.models import Webhook, WebhookDelivery
from domain.services.webhooks import CreatedWebhook, events_text, next_retry_at, payload_text, succeeded
from domain.types import iso_z
from resolvers import webhooks as ops
from rest_compat.endpoint import Call, Paged, Param, endpoint

FAMILY = "cpms"
PAGE = [
    Param("page", "integer", "int32", "Page number (1-based). Defaults to 1."),
    Param("pageSize", "integer", "int32", "Number of items per page (1-100). Defaults to 50."),
]


def webhook_row(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": str(webhook.uuid),
        "url": webhook.url,
        "events": events_text(webhook.events),
        "description": webhook.description,
        "is_active": webhook.is_active,
        "consecutive_failures": webhook.consecutive_failures,
        "disabled_at": iso_z(webhook.disabled_at),
        "disabled_reason": webhook.disabled_reason,
        "created_at": iso_z(webhook.created_at),
        "updated_at": iso_z(webhook.updated_at),
    }


def created_row(created: CreatedWebhook) -> dict[str, Any]:
    webhook = created.webhook
    return {
        "id": str(webhook.uuid),
        "url": webhook.url,
        "events": events_text(webhook.events),
        "description": webhook.description,
        "hmac_secret": created.secret,
        "is_active": webhook.is_active,
        "created_at": iso_z(webhook.created_at),
    }


def delivery_summary(delivery: WebhookDelivery) -> dict[str, Any]:
    """The fields both families list."""
    return {
        "id": str(delivery.uuid),
        "event_type": delivery.event_type,
        "http_status": delivery.http_status,
        "success": succeeded(delivery),
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": iso_z(delivery.created_at),
        "completed_at": iso_z(delivery.completed_at),
    }


def delivery_row(delivery: WebhookDelivery) -> dict[str, Any]:
    """The cpms list row: the summary with the retry schedule and timing."""
    return {
        **delivery_summary(delivery),
        "max_attempts": delivery.max_attempts,
        "duration_ms": delivery.duration_ms,
        "next_retry_at": iso_z(next_retry_at(delivery)),
    }


def delivery_detail(delivery: WebhookDelivery) -> dict[str, Any]:
    """Everything, with the exact JSON body POSTed and the receiver's answer."""
    return {
        **delivery_row(delivery),
        "payload": payload_text(delivery.payload),
        "response_body": delivery.response_body,
    }


def retried_row(delivery: WebhookDelivery) -> dict[str, Any]:
    return {"delivery_id": str(delivery.uuid), "retry_enqueued": True}


def test_row(webhook_uuid: UUID) -> dict[str, Any]:
    return {"webhook_id": str(webhook_uuid), "test_enqueued": True}


@endpoint("GET", "/cpms/v1/webhooks", summary="List the operator's webhook subscriptions")
async def list_webhooks(call: Call) -> list[dict[str, Any]]:
    return [webhook_row(w) for w in await ops.list_webhooks(call.ctx, FAMILY)]


@endpoint(
    "POST",
    "/cpms/v1/webhooks",
    status=201,
    summary="Create a webhook subscription for the operator's network",
    body=ops.WebhookCreate,
)
async def create_webhook(call: Call) -> dict[str, Any]:
    created = await ops.create_webhook(call.ctx, FAMILY, await call.body(ops.WebhookCreate))
    return created_row(created)


@endpoint(
    "PATCH",
    "/cpms/v1/webhooks/{webhookId}",
    summary="Update / re-enable a webhook subscription owned by the operator",
    body=ops.WebhookUpdate,
)
async def update_webhook(call: Call) -> dict[str, Any]:
    data = await call.body(ops.WebhookUpdate)
    return webhook_row(await ops.update_webhook(call.ctx, FAMILY, call.path_uuid("webhookId"), data))


@endpoint(
    "DELETE",
    "/cpms/v1/webhooks/{webhookId}",
    summary="Delete a webhook subscription owned by the operator",
)
async def delete_webhook(call: Call) -> dict[str, Any]:
    webhook = await ops.delete_webhook(call.ctx, FAMILY, call.path_uuid("webhookId"))
    return {"id": str(webhook.uuid), "deleted": True}


@endpoint(
    "POST",
    "/cpms/v1/webhooks/{webhookId}/test",
    summary="Send a test event to a webhook subscription",
)
async def send_test_event(call: Call) -> dict[str, Any]:
    webhook_uuid = call.path_uuid("webhookId")
    await ops.send_test_event(call.ctx, FAMILY, webhook_uuid)
    return test_row(webhook_uuid)


@endpoint(
    "GET",
    "/cpms/v1/webhooks/{webhookId}/deliveries",
    summary="List recent delivery attempts for a webhook subscription",
    params=PAGE,
)
async def list_deliveries(call: Call) -> Paged:
    page = await ops.list_deliveries(call.ctx, FAMILY, call.path_uuid("webhookId"), call.page_request())
    return Paged(page, [delivery_row(d) for d in page.items], "cpms")


@endpoint(
    "POST",
    "/cpms/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
    status=202,
    summary="Re-enqueue a webhook delivery for one more attempt",
)
async def retry_delivery(call: Call) -> dict[str, Any]:
    delivery = await ops.retry_delivery(
        call.ctx, FAMILY, call.path_uuid("webhookId"), call.path_uuid("deliveryId")
    )
    return retried_row(delivery)


@endpoint("GET", "/cpms/v1/webhooks/event-types", summary="List the event types a subscription may name")
async def event_types(call: Call) -> list[str]:
    return list(ops.event_types(call.ctx, FAMILY))
