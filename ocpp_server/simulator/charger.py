"""A simulated charge point: one charger speaking OCPP 1.6J or 2.0.1 to the central system.

The methods send what a charger sends (boot, heartbeat, status, authorize, transactions, meter
values, notifications) and return the central system's reply as a camelCase dict. Commands from the
central system are answered the way a real charger answers them (see ``answers``), unless ``responses``
or ``silent`` say otherwise; everything received is kept in ``received``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections import defaultdict
from datetime import datetime
from types import TracebackType
from typing import Any

from ocpp.exceptions import GenericError

from ocpp_server.simulator import outgoing
from ocpp_server.simulator.answers import answer
from ocpp_server.simulator.link import Answer, Link, Payload
from ocpp_server.simulator.state import Connector, Memory, configuration_keys, variables

logger = logging.getLogger("chargegraph.simulator")

ACCEPTING = {None, "Accepted", "Unlocked"}
"""Reply statuses after which a charger goes on to do what it was asked."""


class SimulatedCharger:
    """``async with SimulatedCharger(url_base, "CP-1", version="1.6", password="pw") as cp: ...``"""

    def __init__(
        self,
        url_base: str,
        uid: str,
        *,
        version: str = "1.6",
        password: str | None = None,
        connectors: int = 1,
        vendor: str = "ChargeGraph",
        model: str = "SimCharger",
        serial: str | None = None,
        firmware: str = "1.0.0",
        boot: bool = True,
        meter_interval: float | None = None,
        charge_power_w: int = 7200,
        step_delay: float = 0.02,
        reboot_on_reset: bool = False,
        validate: bool = True,
        response_timeout: float = 30.0,
    ) -> None:
        self.url = f"{url_base.rstrip('/')}/{uid}"
        self.uid = uid
        self.version = version
        self.vendor = vendor
        self.model = model
        self.serial = serial or f"SN-{uid}"
        self.firmware = firmware
        self.boot_on_connect = boot
        self.meter_interval = meter_interval
        """When set, a running transaction sends meter values this often (seconds)."""
        self.charge_power_w = charge_power_w
        self.step_delay = step_delay
        """Pause between the steps a charger takes on its own (firmware, diagnostics, remote start)."""
        self.reboot_on_reset = reboot_on_reset
        self.link = Link(
            self.url,
            uid,
            version,
            password=password,
            handler=self._on_call,
            spawn=self._spawn,
            validate=validate,
            response_timeout=response_timeout,
        )
        self.memory = Memory(
            connectors={n: Connector(n) for n in range(1, connectors + 1)},
            configuration=configuration_keys(connectors),
            variables=variables(uid),
        )
        self.received: list[tuple[str, Payload]] = []
        """Every CALL from the central system, in order: (action, payload as sent)."""
        self.sent: list[tuple[str, Payload, Payload]] = []
        """Every CALL we sent that was answered: (action, our payload, the central system's reply)."""
        self.responses: dict[str, str | Payload] = {}
        """Action → the status to answer with, or the whole reply payload."""
        self.silent: set[str] = set()
        """Actions never answered (the central system times out)."""
        self.errors: list[BaseException] = []
        """Failures of the work a charger does on its own after answering a command."""
        self.last_boot: Payload | None = None
        self._taken: dict[str, int] = defaultdict(int)
        self._taken_sent: dict[str, int] = defaultdict(int)
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[None]] = set()
        self._meters: dict[int, asyncio.Task[None]] = {}
        self._request_ids = itertools.count(1)

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> SimulatedCharger:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the websocket (HTTP Basic when a password is set) and boot unless ``boot=False``."""
        await self.link.open()
        if self.boot_on_connect:
            await self.boot()

    async def close(self) -> None:
        tasks = [*self._tasks, *self._meters.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._meters.clear()
        await self.link.close()

    async def reconnect(self, *, boot: bool = True) -> None:
        """Drop the socket and connect again (what a charger does after a reboot or a network loss)."""
        await self.link.close()
        await self.link.open()
        if boot:
            await self.boot()

    @property
    def connected(self) -> bool:
        return self.link.connected

    @property
    def connectors(self) -> dict[int, Connector]:
        return self.memory.connectors

    def connector(self, number: int) -> Connector:
        try:
            return self.memory.connectors[number]
        except KeyError:
            raise ValueError(f"{self.uid} has no connector {number}") from None

    # -- what a charger sends --------------------------------------------------------------------

    async def call(self, action: str, payload: Payload, *, timeout: float | None = None) -> Payload:
        """Send any CALL and return the reply (raises ``CallErrorReply`` on a CALLERROR)."""
        reply = await self.link.call(action, payload, timeout=timeout)
        self.sent.append((action, payload, reply))
        async with self._changed:
            self._changed.notify_all()
        return reply

    async def _send(self, message: tuple[str, Payload]) -> Payload:
        return await self.call(*message)

    async def boot(self) -> Payload:
        reply = await self._send(
            outgoing.boot(self.version, self.vendor, self.model, self.serial, self.firmware)
        )
        self.last_boot = reply
        return reply

    async def heartbeat(self) -> Payload:
        return await self._send(outgoing.heartbeat(self.version))

    async def status(
        self,
        connector: int,
        status: str,
        error_code: str = "NoError",
        *,
        timestamp: datetime | None = None,
        info: str | None = None,
    ) -> Payload:
        """StatusNotification in 1.6 words (translated to ``connectorStatus`` on 2.0.1)."""
        if connector in self.memory.connectors:
            state = self.memory.connectors[connector]
            state.status, state.error_code = status, error_code
        message = outgoing.status(self.version, connector, status, error_code, timestamp=timestamp, info=info)
        return await self._send(message)

    async def authorize(self, id_tag: str, *, token_type: str = "ISO14443") -> Payload:
        return await self._send(outgoing.authorize(self.version, id_tag, token_type))

    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        *,
        meter_start_wh: int = 0,
        timestamp: datetime | None = None,
        reservation_id: int | None = None,
        remote_start_id: int | None = None,
        token_type: str = "ISO14443",
        offline: bool | None = None,
    ) -> str:
        """StartTransaction (1.6) or TransactionEvent Started (2.0.1); returns the transaction id."""
        state = self.connector(connector)
        if self.version == "1.6":
            reply = await self._send(
                outgoing.start_16(connector, id_tag, meter_start_wh, timestamp, reservation_id)
            )
            transaction_id = str(reply["transactionId"])
        else:
            transaction_id = uuid.uuid4().hex[:20]
            info: Payload = {"transactionId": transaction_id, "chargingState": "Charging"}
            if remote_start_id is not None:
                info["remoteStartId"] = remote_start_id
            meter = outgoing.meter_value(
                self.version, energy_wh=meter_start_wh, timestamp=timestamp, context="Transaction.Begin"
            )
            await self._send(
                outgoing.transaction_event(
                    event_type="Started",
                    trigger_reason="RemoteStart" if remote_start_id is not None else "Authorized",
                    seq_no=0,
                    transaction=info,
                    timestamp=timestamp,
                    evse=connector,
                    token=outgoing.id_token(id_tag, token_type),
                    meter=meter,
                    reservation_id=reservation_id,
                    offline=offline,
                )
            )
        state.transaction_id, state.id_tag, state.meter_wh, state.seq_no = (
            transaction_id,
            id_tag,
            meter_start_wh,
            0,
        )
        if reservation_id is not None:
            self.memory.reservations.pop(reservation_id, None)
            state.reservation_id = state.reserved_for = None
        return transaction_id

    async def meter_values(
        self,
        connector: int,
        *,
        energy_wh: float | int,
        power_w: float | int | None = None,
        soc: float | int | None = None,
        timestamp: datetime | None = None,
        transaction_id: str | None = None,
        trigger_reason: str = "MeterValuePeriodic",
        context: str = "Sample.Periodic",
        offline: bool | None = None,
    ) -> Payload:
        """MeterValues (1.6; the running transaction's id unless given) or, on 2.0.1 inside a
        transaction, TransactionEvent Updated."""
        state = self.memory.connectors.get(connector)
        transaction_id = transaction_id or (state.transaction_id if state else None)
        if state is not None:
            state.meter_wh = int(energy_wh)
            state.soc = float(soc) if soc is not None else state.soc
        value = outgoing.meter_value(
            self.version, energy_wh=energy_wh, power_w=power_w, soc=soc, timestamp=timestamp, context=context
        )
        if self.version == "1.6":
            return await self._send(outgoing.meter_values_16(connector, value, transaction_id))
        if transaction_id is None:
            return await self._send(outgoing.meter_values_201(connector, value))
        return await self._send(
            outgoing.transaction_event(
                event_type="Updated",
                trigger_reason=trigger_reason,
                seq_no=self._next_seq(transaction_id),
                transaction={"transactionId": transaction_id, "chargingState": "Charging"},
                timestamp=timestamp,
                evse=connector,
                meter=value,
                offline=offline,
            )
        )

    async def stop_transaction(
        self,
        transaction_id: str,
        *,
        meter_stop_wh: int,
        reason: str = "Local",
        timestamp: datetime | None = None,
        id_tag: str | None = None,
        trigger_reason: str | None = None,
        offline: bool | None = None,
    ) -> Payload:
        """StopTransaction (1.6, reason in 1.6 words) or TransactionEvent Ended (2.0.1)."""
        state = self._connector_of(transaction_id)
        if self.version == "1.6":
            reply = await self._send(
                outgoing.stop_16(transaction_id, meter_stop_wh, reason, timestamp, id_tag)
            )
        else:
            meter = outgoing.meter_value(
                self.version, energy_wh=meter_stop_wh, timestamp=timestamp, context="Transaction.End"
            )
            stopped = outgoing.STOP_REASON_201.get(reason, reason)
            trigger = trigger_reason or {"Remote": "RemoteStop", "Local": "StopAuthorized"}.get(
                reason, "AbnormalCondition"
            )
            reply = await self._send(
                outgoing.transaction_event(
                    event_type="Ended",
                    trigger_reason=trigger,
                    seq_no=self._next_seq(transaction_id),
                    transaction={
                        "transactionId": transaction_id,
                        "chargingState": "Idle",
                        "stoppedReason": stopped,
                    },
                    timestamp=timestamp,
                    evse=state.number if state else None,
                    token=outgoing.id_token(id_tag) if id_tag else None,
                    meter=meter,
                    offline=offline,
                )
            )
        if state is not None:
            state.transaction_id, state.id_tag, state.meter_wh = None, None, meter_stop_wh
            meter_task = self._meters.pop(state.number, None)
            if meter_task is not None and meter_task is not asyncio.current_task():
                meter_task.cancel()
        return reply

    async def firmware_status(self, status: str, request_id: int | None = None) -> Payload:
        self.memory.firmware_status = status
        return await self._send(outgoing.firmware_status(self.version, status, request_id))

    async def diagnostics_status(self, status: str, request_id: int | None = None) -> Payload:
        """DiagnosticsStatusNotification (1.6) or LogStatusNotification (2.0.1), in 1.6 words."""
        self.memory.diagnostics_status = status
        return await self._send(outgoing.diagnostics_status(self.version, status, request_id))

    async def data_transfer(self, vendor_id: str, message_id: str | None = None, data: Any = None) -> Payload:
        return await self._send(outgoing.data_transfer(self.version, vendor_id, message_id, data))

    async def security_event(self, type: str, tech_info: str | None = None) -> Payload:
        """SecurityEventNotification (2.0.1, and 1.6 with the security extension)."""
        return await self._send(outgoing.security_event(self.version, type, tech_info, None))

    async def notify_report(self, request_id: int = 0) -> Payload:
        """2.0.1 NotifyReport of every variable this station has."""
        report = [
            {
                "component": {"name": component},
                "variable": {"name": name},
                "variableAttribute": [
                    {
                        "type": "Actual",
                        "value": setting.value,
                        "mutability": "ReadOnly" if setting.readonly else "ReadWrite",
                    }
                ],
            }
            for (component, name), setting in self.memory.variables.items()
        ]
        return await self._send(outgoing.notify_report(request_id, 0, report))

    async def raw(self, text: str, *, timeout: float = 5.0) -> str:
        """Send ``text`` as one frame, as is, and return the next frame received."""
        return await self.link.raw(text, timeout=timeout)

    # -- waiting -----------------------------------------------------------------------------------

    async def wait_for(self, action: str, timeout: float = 5.0) -> Payload:
        """The next not yet waited-for CALL ``action`` from the central system (already received or
        arriving within ``timeout``)."""

        def ready() -> bool:
            return sum(1 for name, _ in self.received if name == action) > self._taken[action]

        await self._wait(ready, timeout, f"{self.uid} received no {action}")
        payloads = [payload for name, payload in self.received if name == action]
        payload = payloads[self._taken[action]]
        self._taken[action] += 1
        return payload

    async def wait_sent(self, action: str, timeout: float = 5.0) -> Payload:
        """The central system's reply to the next not yet waited-for CALL ``action`` we sent (including
        those sent on our own, e.g. the StartTransaction after a remote start)."""

        def ready() -> bool:
            return sum(1 for name, _, _ in self.sent if name == action) > self._taken_sent[action]

        await self._wait(ready, timeout, f"{self.uid} sent no {action}")
        replies = [reply for name, _, reply in self.sent if name == action]
        reply = replies[self._taken_sent[action]]
        self._taken_sent[action] += 1
        return reply

    async def _wait(self, ready: Any, timeout: float, message: str) -> None:
        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        except TimeoutError:
            received = [name for name, _ in self.received]
            raise TimeoutError(f"{message} within {timeout}s (received: {received})") from None

    # -- answering the central system ----------------------------------------------------------------

    async def _on_call(self, action: str, payload: Payload) -> Answer | None:
        self.received.append((action, payload))
        async with self._changed:
            self._changed.notify_all()
        if action in self.silent:
            return None
        reply, follow_up = await answer(self, action, payload)
        override = self.responses.get(action)
        if isinstance(override, dict):
            reply = override
        elif isinstance(override, str):
            if "status" not in reply:
                raise GenericError(description=override)
            reply = {"status": override}
        if reply.get("status") not in ACCEPTING:
            follow_up = None
        return reply, follow_up

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(self._guard(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, work: Any) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - a background follow-up: logged and kept in .errors
            logger.warning("%s: follow-up failed: %r", self.uid, error)
            self.errors.append(error)

    def start_metering(self, connector: int) -> None:
        """Send meter values every ``meter_interval`` seconds while ``connector`` has a transaction."""
        if self.meter_interval is None or connector in self._meters:
            return
        task = asyncio.ensure_future(self._meter_loop(connector, self.meter_interval))
        self._meters[connector] = task

    async def _meter_loop(self, connector: int, interval: float) -> None:
        state = self.connector(connector)
        soc = state.soc if state.soc is not None else 20.0
        try:
            while state.transaction_id is not None:
                await asyncio.sleep(interval)
                if state.transaction_id is None or not self.connected:
                    break
                energy = state.meter_wh + round(self.charge_power_w * interval / 3600)
                soc = min(100.0, soc + 0.5)
                with contextlib.suppress(Exception):
                    await self.meter_values(
                        connector, energy_wh=energy, power_w=self.charge_power_w, soc=round(soc)
                    )
        finally:
            if self._meters.get(connector) is asyncio.current_task():
                del self._meters[connector]

    # -- helpers ---------------------------------------------------------------------------------

    def _next_seq(self, transaction_id: str) -> int:
        state = self._connector_of(transaction_id)
        if state is None:
            return 1
        state.seq_no += 1
        return state.seq_no

    def _connector_of(self, transaction_id: str) -> Connector | None:
        for state in self.memory.connectors.values():
            if state.transaction_id == transaction_id:
                return state
        return None

    def next_request_id(self) -> int:
        return next(self._request_ids)
