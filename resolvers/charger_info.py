"""The QR-code info view of a charger: the charger, its site, the network's branding, and each
connector with the tariff in force on it, rates expressed as drivers see them (time per minute)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.errors import not_found
from domain.models import Charger, Connector, Location, Network, Tariff
from domain.services.charger_status import is_online
from domain.types import AMOUNT_SCALE, utcnow
from resolvers import chargers
from resolvers.connectors import connectors_by_charger_id
from resolvers.context import Context
from resolvers.locations import locations_by_id
from resolvers.networks import networks_by_id
from resolvers.tariffs import effective_tariffs

MINUTES_PER_HOUR = Decimal(60)
_EXACT = Decimal(1).scaleb(-AMOUNT_SCALE)
RATE_PLACES = 4
"""Per-minute rates are small (0.35/h is 0.0058/min): they are shown with four decimals, not two."""


def _per_minute(hourly: Decimal | None) -> Decimal:
    """An hourly rate per minute, to the stored precision of amounts (six decimals)."""
    return ((hourly or Decimal(0)) / MINUTES_PER_HOUR).quantize(_EXACT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ConnectorPricing:
    """A connector and the tariff in force on it; ``None`` rates where no tariff applies.

    ``energy_rate`` is per kWh and ``session_fee`` per session, as stored; ``time_rate_per_minute``
    and ``idle_rate_per_minute`` are the stored hourly rates divided by 60. A free tariff prices 0.
    """

    connector: Connector
    tariff: Tariff | None
    energy_rate: Decimal | None
    time_rate_per_minute: Decimal | None
    session_fee: Decimal | None
    idle_rate_per_minute: Decimal | None

    @property
    def max_power_kw(self) -> float | None:
        watts = self.connector.max_electric_power_w
        return watts / 1000 if watts is not None else None

    @classmethod
    def of(cls, connector: Connector, tariff: Tariff | None) -> ConnectorPricing:
        if tariff is None:
            return cls(connector, None, None, None, None, None)
        if tariff.is_free:
            zero = Decimal(0)
            return cls(connector, tariff, zero, zero, zero, zero)
        return cls(
            connector,
            tariff,
            tariff.energy_rate or Decimal(0),
            _per_minute(tariff.time_rate),
            tariff.session_fee or Decimal(0),
            _per_minute(tariff.idle_rate),
        )


@dataclass(frozen=True)
class ChargerInfo:
    charger: Charger
    location: Location
    network: Network
    is_online: bool
    connectors: list[ConnectorPricing]

    @property
    def latitude(self) -> float | None:
        """The site's latitude, else the charger's own."""
        return self.location.latitude if self.location.latitude is not None else self.charger.latitude

    @property
    def longitude(self) -> float | None:
        return self.location.longitude if self.location.longitude is not None else self.charger.longitude


async def charger_info(ctx: Context, identifier: str) -> ChargerInfo:
    """A public charger at a published location, by UUID, OCPP identity (uid) or serial number.

    Any other charger (private, unplaced, at an unpublished site, another tenant's) is a 404, whoever asks.
    """
    charger = await chargers.find_charger(ctx, identifier)
    if not charger.is_public or charger.location_id is None or charger.id is None:
        raise not_found("Charger")
    (location,) = await locations_by_id(ctx, [charger.location_id])
    if location is None or not location.is_published or location.deleted_at is not None:
        raise not_found("Charger")
    (network,) = await networks_by_id(ctx, [charger.network_id])
    if network is None:
        raise not_found("Charger")
    (plugs,) = await connectors_by_charger_id(ctx, [charger.id])
    tariffs = await effective_tariffs(ctx, [p.id for p in plugs if p.id is not None])
    return ChargerInfo(
        charger=charger,
        location=location,
        network=network,
        is_online=is_online(charger.last_heartbeat, utcnow()),
        connectors=[ConnectorPricing.of(p, t) for p, t in zip(plugs, tariffs, strict=True)],
    )
