"""Prometheus view of the media, read at scrape time (no per-packet metric calls).

`MediaCollector` covers an engine in this process; `MediaWorkersCollector` the media worker processes,
labelled by worker, from the figures each worker sends every few seconds. The telephony runtime hands
the running media to `RUNNING_MEDIA`, the one collector registered with the default registry that
/metrics serves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from c122.telephony.media.engine import MediaEngine
from c122.telephony.media.workers.pool import MediaWorkers

_DROPS = "Datagrams the kernel dropped on open legs' sockets, their receive queue full (the relay behind)"
_UDP_TABLES = (Path("/proc/net/udp"), Path("/proc/net/udp6"))


class MediaCollector(Collector):
    """Register with `registry.register(MediaCollector(engine))`; figures cover the open legs."""

    def __init__(self, engine: MediaEngine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        legs = [self._engine.leg_stats(endpoint) for endpoint in self._engine.endpoints()]
        yield GaugeMetricFamily("c122_media_legs", "Open RTP legs", value=len(legs))
        yield GaugeMetricFamily(
            "c122_media_rtp_packets_received", "RTP packets received on open legs",
            value=sum(leg.packets_received for leg in legs),
        )  # fmt: skip
        yield GaugeMetricFamily(
            "c122_media_rtp_packets_sent",
            "RTP packets sent on open legs",
            value=sum(leg.packets_sent for leg in legs),
        )
        yield GaugeMetricFamily(
            "c122_media_rtp_packets_lost",
            "RTP packets lost on open legs",
            value=sum(leg.packets_lost for leg in legs),
        )
        yield GaugeMetricFamily(
            "c122_media_rtp_send_failures",
            "RTP datagrams the kernel refused on open legs (dropped, not retried)",
            value=sum(endpoint.send_failures for endpoint in self._engine.endpoints()),
        )
        yield GaugeMetricFamily(
            "c122_media_socket_drops",
            _DROPS,
            value=sum(socket_drops([endpoint.port for endpoint in self._engine.endpoints()]).values()),
        )
        jitters = [leg.jitter_ms for leg in legs if leg.packets_received]
        yield GaugeMetricFamily(
            "c122_media_jitter_ms_max",
            "Worst interarrival jitter of open legs",
            value=max(jitters, default=0.0),
        )
        yield GaugeMetricFamily(
            "c122_media_jitter_ms_mean", "Mean interarrival jitter of open legs",
            value=sum(jitters) / len(jitters) if jitters else 0.0,
        )  # fmt: skip


class MediaWorkersCollector(Collector):
    """Per media worker (label `worker`, its index): whether it runs, its legs and packets, the kernel's
    drops on its sockets, its media clock's lateness and its CPU time."""

    def __init__(self, workers: MediaWorkers) -> None:
        self._workers = workers

    def collect(self) -> Iterator[Metric]:
        def family(name: str, documentation: str) -> GaugeMetricFamily:
            return GaugeMetricFamily(f"c122_media_worker_{name}", documentation, labels=["worker"])

        up = family("up", "1 while the media worker runs, 0 while it is being restarted")
        legs = family("legs", "Open RTP legs")
        received = family("rtp_packets_received", "RTP packets received on open legs")
        sent = family("rtp_packets_sent", "RTP packets sent on open legs")
        relayed = family("rtp_packets_relayed_in_place", "RTP packets relayed in place since it started")
        failures = family("rtp_send_failures", "RTP datagrams the kernel refused on open legs")
        drops = family(
            "socket_drops",
            _DROPS,
        )
        lateness = family(
            "tick_lateness_ms_max", "Latest media clock tick, over the worker's last figures (a loop stall)"
        )
        cpu = family("cpu_seconds", "CPU time of the worker process, every thread")
        running = set(self._workers.running())
        dropped = socket_drops(port for w in self._workers.workers for port in self._workers.ports_of(w))
        for worker in self._workers.workers:
            label = [str(worker.index)]
            up.add_metric(label, 1.0 if worker.index in running else 0.0)
            ports = self._workers.ports_of(worker)
            legs.add_metric(label, len(ports))
            drops.add_metric(label, sum(dropped.get(port, 0) for port in ports))
            figures = worker.figures
            if figures is None:
                continue
            received.add_metric(label, figures.packets_received)
            sent.add_metric(label, figures.packets_sent)
            relayed.add_metric(label, figures.packets_relayed_in_place)
            failures.add_metric(label, figures.send_failures)
            lateness.add_metric(label, figures.max_tick_lateness_ms)
            cpu.add_metric(label, figures.cpu_seconds)
        yield from (up, legs, received, sent, relayed, failures, drops, lateness, cpu)
        yield GaugeMetricFamily(
            "c122_media_worker_restarts",
            "Media workers started again after dying",
            value=self._workers.restarts,
        )


def socket_drops(rtp_ports: Iterable[int]) -> dict[int, int]:
    """The kernel's drop counts of the open UDP sockets on the given RTP ports and the RTCP port after
    each, by RTP port (a leg's bound and connected sockets share its port; both count)."""
    wanted = {}
    for port in rtp_ports:
        wanted[port] = wanted[port + 1] = port
    found: dict[int, int] = {}
    for table in _UDP_TABLES:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:  # no IPv6, or no /proc
            continue
        for line in lines:
            fields = line.split()
            rtp_port = wanted.get(int(fields[1].rsplit(":", 1)[1], 16))
            if rtp_port is not None:
                found[rtp_port] = found.get(rtp_port, 0) + int(fields[-1])
    return found


class RunningMedia(Collector):
    """The media of the running service, if any: one collector, registered once per process."""

    def __init__(self) -> None:
        self._media: MediaEngine | MediaWorkers | None = None
        self._current: Collector | None = None

    def show(self, media: MediaEngine | MediaWorkers) -> None:
        self._media = media
        if isinstance(media, MediaEngine):
            self._current = MediaCollector(media)
        else:
            self._current = MediaWorkersCollector(media)

    def hide(self, media: MediaEngine | MediaWorkers) -> None:
        if media is self._media:  # not another service's, started since in the same process (tests)
            self._media = self._current = None

    def collect(self) -> Iterator[Metric]:
        if self._current is not None:
            yield from self._current.collect()


RUNNING_MEDIA = RunningMedia()
REGISTRY.register(RUNNING_MEDIA)
