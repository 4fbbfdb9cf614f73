"""The kernel websocket's frames (CDP's Network domain), a second IOPub subscriber, and the kernel's side of the
clock: its execution and busy spans, a click's path, an IOPub message's trip to the page."""

from __future__ import annotations

import base64
import datetime
import json
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .trace import Intervals


@dataclass
class Frames:
    """The kernel websocket's frames seen through CDP's Network domain (timestamps on the trace's clock, in µs)."""

    received: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)
    sent: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)

    def on_received(self, event: dict[str, Any]) -> None:
        self._add(self.received, event)

    def on_sent(self, event: dict[str, Any]) -> None:
        self._add(self.sent, event)

    @staticmethod
    def _add(into: list[tuple[float, int, dict[str, Any]]], event: dict[str, Any]) -> None:
        response = event["response"]
        raw = response.get("payloadData", "")
        data = base64.b64decode(raw) if response.get("opcode") == 2 else raw.encode()
        into.append((event["timestamp"] * 1e6, len(data), decode_message(data, binary=response.get("opcode") == 2)))

    def clear(self) -> None:
        self.received.clear()
        self.sent.clear()


def decode_message(data: bytes, *, binary: bool) -> dict[str, Any]:
    """A Jupyter kernel message from a websocket frame: the v1 binary protocol (offsets, channel, header, parent
    header, metadata, content, buffers) or the legacy JSON text frame. Returns channel, header, parent_header,
    metadata and content (what is readable)."""
    try:
        if not binary:
            return dict(json.loads(data))
        count = int.from_bytes(data[:8], "little")
        offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
        parts = [data[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
        message: dict[str, Any] = {"channel": parts[0].decode()}
        for key, part in zip(("header", "parent_header", "metadata", "content"), parts[1:5], strict=False):
            message[key] = json.loads(part) if part else {}
        return message
    except (ValueError, IndexError, UnicodeDecodeError):
        return {}


class IOPubListener(threading.Thread):
    """A second subscriber to the kernel's IOPub socket, beside the server's: when each message left the kernel's
    IOPub thread and reached a ZeroMQ socket on this machine (wall clock, seconds), by msg_id. Splits a click's
    return trip into the kernel's side and the server + websocket side."""

    def __init__(self, connection_file: Path) -> None:
        super().__init__(daemon=True)
        info = json.loads(connection_file.read_text())
        self.address = f"{info.get('transport', 'tcp')}://{info['ip']}:{info['iopub_port']}"
        self.arrived: dict[str, float] = {}
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        import zmq

        context = zmq.Context()
        socket = context.socket(zmq.SUB)
        socket.setsockopt(zmq.SUBSCRIBE, b"")
        socket.connect(self.address)
        self.ready.set()
        try:
            while not self.stopping.is_set():
                if not socket.poll(50):
                    continue
                parts = socket.recv_multipart()
                now = time.time()
                if b"<IDS|MSG>" in parts:
                    header = json.loads(parts[parts.index(b"<IDS|MSG>") + 2])
                    self.arrived[header.get("msg_id", "")] = now
        finally:
            socket.close(0)
            context.term()


def iso_seconds(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# ---------------------------------------------------------------------------------------- the kernel side


def kernel_intervals(frames: Frames, offset_us: float) -> tuple[Intervals, float, list[dict[str, Any]]]:
    """The kernel's execution of each cell on the trace's clock, and its total seconds."""
    spans, cells = [], []
    for _, _, msg in frames.received:
        if msg.get("header", {}).get("msg_type") != "execute_reply":
            continue
        started = msg.get("metadata", {}).get("started")
        if not started:
            continue
        begin, end = iso_seconds(started), iso_seconds(msg["header"]["date"])
        spans.append((begin * 1e6 + offset_us, end * 1e6 + offset_us))
        cells.append({"ms": round((end - begin) * 1e3, 1), "status": msg.get("content", {}).get("status")})
    return Intervals(spans), sum(e - s for s, e in spans) / 1e6, cells


def kernel_busy(frames: Frames, offset_us: float, parent_type: str) -> Intervals:
    """busy -> idle status spans of the kernel for requests of ``parent_type`` (e.g. comm_msg), trace clock."""
    busy: dict[str, float] = {}
    spans = []
    for _, _, msg in frames.received:
        header, parent = msg.get("header", {}), msg.get("parent_header", {})
        if header.get("msg_type") != "status" or parent.get("msg_type") != parent_type:
            continue
        when = iso_seconds(header["date"]) * 1e6 + offset_us
        state = msg.get("content", {}).get("execution_state")
        if state == "busy":
            busy[parent.get("msg_id", "")] = when
        elif state == "idle" and parent.get("msg_id", "") in busy:
            spans.append((busy.pop(parent.get("msg_id", "")), when))
    return Intervals(spans)


def click_path(
    frames: Frames, offset_us: float, lo: float, hi: float, listener: IOPubListener | None
) -> dict[str, float]:
    """Where one click's time went on its way: ms from the click to the comm_msg frame leaving the page, to the
    kernel's ``busy`` for it, the kernel's busy time, to the first and last update frame back in the page, and to
    the word box showing the new word; ``first_update_zmq``: the first update reaching a ZeroMQ subscriber."""
    sent = [(ts, msg) for ts, _, msg in frames.sent if lo <= ts <= hi and _msg_type(msg) == "comm_msg"]
    if not sent:
        return {}
    sent_ts, request = sent[0]
    msg_id = request.get("header", {}).get("msg_id")
    replies = [(ts, msg) for ts, _, msg in frames.received if msg.get("parent_header", {}).get("msg_id") == msg_id]
    states = {
        msg["content"].get("execution_state"): iso_seconds(msg["header"]["date"]) * 1e6 + offset_us
        for _, msg in replies
        if _msg_type(msg) == "status"
    }
    updates = [(ts, msg) for ts, msg in replies if _msg_type(msg) == "comm_msg"]
    path = {"sent": (sent_ts - lo) / 1e3, "box": (hi - lo) / 1e3}
    if updates and listener is not None and updates[0][1]["header"]["msg_id"] in listener.arrived:
        path["first_update_zmq"] = (listener.arrived[updates[0][1]["header"]["msg_id"]] * 1e6 + offset_us - lo) / 1e3
    if "busy" in states and "idle" in states:
        path.update({"kernel_busy": (states["busy"] - lo) / 1e3, "kernel_idle": (states["idle"] - lo) / 1e3})
    if updates:
        path.update({"first_update": (updates[0][0] - lo) / 1e3, "last_update": (updates[-1][0] - lo) / 1e3})
    return {k: round(v, 1) for k, v in path.items()}


def transit_ms(frames: Frames, offset_us: float, listener: IOPubListener | None = None) -> dict[str, float | None]:
    """Median and 90th percentile ms of an IOPub message's trip: from its kernel header date to its frame reaching
    the page (``to_page``), split at a ZeroMQ subscriber on this machine when there is one (``to_zmq``: the
    kernel's IOPub thread; ``zmq_to_page``: jupyter_server and the websocket)."""
    trips: dict[str, list[float]] = defaultdict(list)
    for ts, _, msg in frames.received:
        header = msg.get("header", {})
        if not header.get("date") or msg.get("channel") != "iopub":
            continue
        made = iso_seconds(header["date"]) * 1e6 + offset_us
        trips["to_page"].append((ts - made) / 1e3)
        arrived = listener.arrived.get(header.get("msg_id", "")) if listener else None
        if arrived is not None:
            trips["to_zmq"].append((arrived * 1e6 + offset_us - made) / 1e3)
            trips["zmq_to_page"].append((ts - (arrived * 1e6 + offset_us)) / 1e3)
    out: dict[str, float | None] = {}
    for key, values in trips.items():
        values.sort()
        out[f"{key}_median"] = round(statistics.median(values), 1)
        out[f"{key}_p90"] = round(values[int(0.9 * (len(values) - 1))], 1)
    return out


def _msg_type(msg: dict[str, Any]) -> str:
    return str(msg.get("header", {}).get("msg_type", ""))


def frames_between(frames: list[tuple[float, int, dict[str, Any]]], lo: float, hi: float) -> dict[str, Any]:
    inside = [(size, msg) for ts, size, msg in frames if lo <= ts <= hi]
    types = Counter(msg.get("header", {}).get("msg_type", "?") for _, msg in inside)
    models = Counter(
        msg["content"].get("data", {}).get("state", {}).get("_model_name", "?")
        for _, msg in inside
        if _msg_type(msg) == "comm_open" and isinstance(msg.get("content"), dict)
    )
    comms = {
        msg["content"].get("comm_id")
        for _, msg in inside
        if msg.get("header", {}).get("msg_type") == "comm_msg" and isinstance(msg.get("content"), dict)
    }
    return {
        "count": len(inside),
        "bytes": sum(size for size, _ in inside),
        "types": dict(types),
        "comms": len(comms),
        "models_opened": dict(models.most_common(12)),
    }
