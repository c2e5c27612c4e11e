"""Prometheus view of the media engine, read at scrape time (no per-packet metric calls)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from c122.telephony.media.engine import MediaEngine


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
