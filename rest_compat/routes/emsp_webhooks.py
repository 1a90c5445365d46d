"""/emsp/v1/webhooks: the same subscriptions API for the driver-app family, in the emsp reference's
shapes: the body is ``data`` (and ``pagination``, snake_case) without ``success``/``timestamp``,
exactly as documented for these paths; plus the delivery detail with the raw payload."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from domain.paging import Page
from resolvers import webhooks as ops
from rest_compat.endpoint import Call, endpoint
from rest_compat.routes.cpms_webhooks import (
    PAGE,
    created_row,
    delivery_detail,
    delivery_summary,
    retried_row,
    test_row,
    webhook_row,
)

FAMILY = "emsp"


def _bare(data: Any, status: int = 200, pagination: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"data": data}
    if pagination is not None:
        body["pagination"] = pagination
    return JSONResponse(body, status_code=status)


def _pagination(page: Page[Any]) -> dict[str, Any]:
    return {
        "page": page.request.page,
        "page_size": page.request.page_size,
        "total_count": page.total,
        "total_pages": page.total_pages,
    }


@endpoint("GET", "/emsp/v1/webhooks", summary="List webhook subscriptions")
async def list_webhooks(call: Call) -> JSONResponse:
    return _bare([webhook_row(w) for w in await ops.list_webhooks(call.ctx, FAMILY)])


@endpoint(
    "POST", "/emsp/v1/webhooks", status=201, summary="Create webhook subscription", body=ops.WebhookCreate
)
async def create_webhook(call: Call) -> JSONResponse:
    created = await ops.create_webhook(call.ctx, FAMILY, await call.body(ops.WebhookCreate))
    return _bare(created_row(created), 201)


@endpoint(
    "PATCH", "/emsp/v1/webhooks/{webhookId}", summary="Update webhook subscription", body=ops.WebhookUpdate
)
async def update_webhook(call: Call) -> JSONResponse:
    data = await call.body(ops.WebhookUpdate)
    return _bare(webhook_row(await ops.update_webhook(call.ctx, FAMILY, call.path_uuid("webhookId"), data)))


@endpoint("DELETE", "/emsp/v1/webhooks/{webhookId}", summary="Delete webhook subscription")
async def delete_webhook(call: Call) -> JSONResponse:
    webhook = await ops.delete_webhook(call.ctx, FAMILY, call.path_uuid("webhookId"))
    return _bare({"id": str(webhook.uuid), "deleted": True})


@endpoint("POST", "/emsp/v1/webhooks/{webhookId}/test", summary="Send test event to webhook")
async def send_test_event(call: Call) -> JSONResponse:
    webhook_uuid = call.path_uuid("webhookId")
    await ops.send_test_event(call.ctx, FAMILY, webhook_uuid)
    return _bare(test_row(webhook_uuid))


@endpoint("GET", "/emsp/v1/webhooks/{webhookId}/deliveries", summary="List webhook deliveries", params=PAGE)
async def list_deliveries(call: Call) -> JSONResponse:
    page = await ops.list_deliveries(call.ctx, FAMILY, call.path_uuid("webhookId"), call.page_request())
    return _bare([delivery_summary(d) for d in page.items], pagination=_pagination(page))


@endpoint(
    "GET",
    "/emsp/v1/webhooks/{webhookId}/deliveries/{deliveryId}",
    summary="Get webhook delivery detail",
)
async def get_delivery(call: Call) -> JSONResponse:
    delivery = await ops.get_delivery(
        call.ctx, FAMILY, call.path_uuid("webhookId"), call.path_uuid("deliveryId")
    )
    return _bare(delivery_detail(delivery))


@endpoint(
    "POST",
    "/emsp/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
    status=202,
    summary="Retry a webhook delivery",
)
async def retry_delivery(call: Call) -> JSONResponse:
    delivery = await ops.retry_delivery(
        call.ctx, FAMILY, call.path_uuid("webhookId"), call.path_uuid("deliveryId")
    )
    return _bare(retried_row(delivery), 202)


@endpoint("GET", "/emsp/v1/webhooks/event-types", summary="List available webhook event types")
async def event_types(call: Call) -> JSONResponse:
    return _bare(list(ops.event_types(call.ctx, FAMILY)))
