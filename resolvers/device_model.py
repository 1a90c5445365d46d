"""Naming configuration across versions: 1.6 keys and 2.0.1 device-model variables (``Component.Variable``).

A key given without a component is looked up among the 1.6 keys that 2.0.1 moved into a controller
component (``HeartbeatInterval`` is ``OCPPCommCtrlr.HeartbeatInterval``); any other bare name is taken
to belong to the ``Charger`` component, as the reference documents.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from domain.commands import VariableRef
from domain.errors import ValidationFailed
from resolvers.inputs import Input

DEFAULT_COMPONENT = "Charger"

KNOWN: dict[str, tuple[str, str]] = {
    "HeartbeatInterval": ("OCPPCommCtrlr", "HeartbeatInterval"),
    "MessageTimeout": ("OCPPCommCtrlr", "MessageTimeout"),
    "ResetRetries": ("OCPPCommCtrlr", "ResetRetries"),
    "OfflineThreshold": ("OCPPCommCtrlr", "OfflineThreshold"),
    "MeterValueSampleInterval": ("SampledDataCtrlr", "TxUpdatedInterval"),
    "MeterValuesSampledData": ("SampledDataCtrlr", "TxUpdatedMeasurands"),
    "StopTxnSampledData": ("SampledDataCtrlr", "TxEndedMeasurands"),
    "AuthorizeRemoteTxRequests": ("AuthCtrlr", "AuthorizeRemoteStart"),
    "LocalAuthorizeOffline": ("AuthCtrlr", "LocalAuthorizeOffline"),
    "LocalPreAuthorize": ("AuthCtrlr", "LocalPreAuthorize"),
    "ConnectionTimeOut": ("TxCtrlr", "EVConnectionTimeOut"),
    "StopTransactionOnEVSideDisconnect": ("TxCtrlr", "StopTxOnEVSideDisconnect"),
}


def variable_ref(key: str) -> VariableRef:
    """``Component.Variable`` (or a bare name, see the module note) as a 2.0.1 variable reference."""
    text = key.strip()
    if not text:
        raise ValidationFailed("key: must not be empty", error="validation_error")
    component, dot, variable = text.partition(".")
    if dot:
        if not component or not variable:
            raise ValidationFailed(f"key: {key!r} is not Component.Variable", error="validation_error")
        return VariableRef(component=component, variable=variable)
    known = KNOWN.get(text)
    if known is not None:
        return VariableRef(component=known[0], variable=known[1])
    return VariableRef(component=DEFAULT_COMPONENT, variable=text)


def key_of(ref: VariableRef) -> str:
    return f"{ref.component}.{ref.variable}"


class VariableSpec(Input):
    """One device-model variable: ``component`` + ``variable`` (or ``key`` as ``Component.Variable``),
    optionally on an EVSE/connector, with an attribute type; ``value`` for writes."""

    component: str | None = Field(default=None, max_length=50)
    variable: str | None = Field(default=None, max_length=50)
    key: str | None = Field(default=None, max_length=101)
    attribute_type: str | None = Field(default=None, max_length=10)
    evse_id: int | None = Field(default=None, ge=0)
    connector_id: int | None = Field(default=None, ge=0)
    instance: str | None = Field(default=None, max_length=50)
    value: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _named(self) -> VariableSpec:
        if not self.variable and not self.key:
            raise ValueError("each variable needs variable (with component) or key")
        if self.attribute_type is not None and self.attribute_type not in (
            "Actual",
            "Target",
            "MinSet",
            "MaxSet",
        ):
            raise ValueError("attributeType must be Actual, Target, MinSet or MaxSet")
        return self

    def ref(self) -> VariableRef:
        if self.variable and self.component:
            component, variable = self.component, self.variable
        else:
            base = variable_ref(self.variable or self.key or "")
            component, variable = self.component or base.component, base.variable
        return VariableRef(
            component=component,
            variable=variable,
            attribute_type=self.attribute_type,
            evse_id=self.evse_id,
            connector_id=self.connector_id,
            instance=self.instance,
        )


class VariableList(Input):
    variables: list[VariableSpec] = Field(min_length=1, max_length=100)
