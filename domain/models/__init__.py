"""Every table of chargegraph. Importing this package registers them all on ``SQLModel.metadata``."""

from __future__ import annotations

from domain.models.alert import OperatorAlert
from domain.models.api_key import ApiKey, ApiKeyNetwork, ApiUsageDaily
from domain.models.auth_throttle import AuthThrottle
from domain.models.charger import Charger, ChargerModel, Connector, FirmwareImage
from domain.models.charger_status import ChargerConnection, ChargerStatusChange
from domain.models.charging_limit import ChargingLimit
from domain.models.credential import ChargingToken, PasswordResetToken, RefreshToken
from domain.models.diagnostics import DiagnosticsFile
from domain.models.event_log import EventLogEntry
from domain.models.favorite import Favorite
from domain.models.firmware_update import FirmwareUpdate
from domain.models.invoice import Invoice, InvoiceLine, InvoiceSequence
from domain.models.load_balancing import LoadBalancingAllocation, LoadBalancingConfig, LoadBalancingRule
from domain.models.location import Location
from domain.models.network import Network
from domain.models.notification import NotificationPreference, PushSubscription
from domain.models.ocpp_message import OcppMessage
from domain.models.payment import PaymentMethod, PaymentOperation, PaymentSettings
from domain.models.reservation import Reservation
from domain.models.review import LocationReview
from domain.models.scheduled_charge import ScheduledCharge
from domain.models.session import ChargingSession, MeterSample
from domain.models.tariff import Tariff, TariffAssignment
from domain.models.transaction import Transaction
from domain.models.user import TeamMembership, User
from domain.models.webhook import Webhook, WebhookDelivery

__all__ = [
    "ApiKey",
    "ApiKeyNetwork",
    "ApiUsageDaily",
    "AuthThrottle",
    "Charger",
    "ChargerConnection",
    "ChargerModel",
    "ChargerStatusChange",
    "ChargingLimit",
    "ChargingSession",
    "ChargingToken",
    "Connector",
    "DiagnosticsFile",
    "EventLogEntry",
    "Favorite",
    "FirmwareImage",
    "FirmwareUpdate",
    "Invoice",
    "InvoiceLine",
    "InvoiceSequence",
    "LoadBalancingAllocation",
    "LoadBalancingConfig",
    "LoadBalancingRule",
    "Location",
    "LocationReview",
    "MeterSample",
    "Network",
    "NotificationPreference",
    "OcppMessage",
    "OperatorAlert",
    "PasswordResetToken",
    "PaymentMethod",
    "PaymentOperation",
    "PaymentSettings",
    "PushSubscription",
    "RefreshToken",
    "Reservation",
    "ScheduledCharge",
    "Tariff",
    "TariffAssignment",
    "TeamMembership",
    "Transaction",
    "User",
    "Webhook",
    "WebhookDelivery",
]
