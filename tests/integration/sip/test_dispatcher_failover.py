"""Kamailio's dispatcher (docs/operations.md, "Several nodes": priority order, OPTIONS probing, the
next node on 503 or 408) in front of two SIP stacks: calls go to the first node; a draining node's
503 sends calls to the other at once and its probes mark it inactive; a node that went silent is
marked inactive by the probes and new calls are answered by the other.

The nodes here are the embedded SIP stacks in this process (the stack is what answers Kamailio);
the kill -9 of a whole `c122 serve` behind Kamailio is tests/integration/nodes/test_kamailio_failover.py
(a stop here closes the node's socket)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.peers import installed
from tests.support.polling import until

pytestmark = [pytest.mark.peers, pytest.mark.serial]

DISPATCHER_CFG = """#!KAMAILIO
debug=1
log_stderror=yes
fork=yes
children=1  # one UDP worker: two could relay a node's 180 after its 200, which a caller may see out of order
listen=udp:127.0.0.1:{port}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "dispatcher.so"
loadmodule "ctl.so"
modparam("ctl", "binrpc", "unix:{control}")
modparam("tm", "fr_timer", 2000)
modparam("dispatcher", "list_file", "{list}")
modparam("dispatcher", "flags", 2)  # failover: the other nodes are kept for ds_next_dst
modparam("dispatcher", "ds_ping_interval", {interval})
modparam("dispatcher", "ds_probing_mode", 1)
modparam("dispatcher", "ds_probing_threshold", 1)
modparam("dispatcher", "ds_inactive_threshold", 1)
modparam("dispatcher", "ds_ping_reply_codes", "code=200")

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
        sl_send_reply("404", "Not here"); exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    t_check_trans();
    if (is_method("INVITE")) {{
        record_route();
        if (!ds_select_dst("1", "8")) {{ sl_send_reply("503", "No node"); exit; }}
        t_on_failure("NEXT_NODE");
    }}
    t_relay();
}}
failure_route[NEXT_NODE] {{
    if (t_check_status("503|408") && ds_next_dst()) {{ t_on_failure("NEXT_NODE"); t_relay(); exit; }}
}}
"""


async def _calls(sipp, proxy_port: int, count: int) -> None:
    scenario = sipp.scenario("uac_routed_bye.xml")
    result = await sipp.run(["-sf", scenario, "-m", str(count), "-r", "5", f"127.0.0.1:{proxy_port}"])
    assert result.returncode == 0, result.output + result.errors


async def _dispatcher(make_stack, kamailio, tmp_path: Path, interval: int) -> tuple[list, int, Callable]:
    """Three nodes in priority order behind Kamailio; returns them, its port and a reader of the
    dispatcher's flags per node (`A…` active, `I…` inactive, `…P` probing), as `kamcmd` lists them."""
    stacks = [await make_stack() for _ in range(3)]
    ports = [str(stack.bound_ports["udp"]) for stack, _log in stacks]
    listing = tmp_path / "dispatcher.list"
    listing.write_text(
        "".join(
            f"1 sip:127.0.0.1:{port} 0 {priority}\n" for port, priority in zip(ports, (10, 5, 1), strict=True)
        )
    )
    control = tmp_path / "kamailio.ctl"
    port = await kamailio.start_with(DISPATCHER_CFG, list=listing, control=control, interval=interval)

    async def flags() -> list[str]:
        listing = await asyncio.create_subprocess_exec(
            installed("kamcmd"), "-s", f"unix:{control}", "dispatcher.list",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        output, _ = await listing.communicate()
        by_uri = dict(re.findall(r"URI: sip:127\.0\.0\.1:(\d+)\s+FLAGS: (\w+)", output.decode()))
        return [by_uri.get(port, "?") for port in ports]

    await until(flags, lambda now: "?" not in now, timeout=10)  # Kamailio answers its control socket
    return stacks, port, flags


async def test_probes_mark_a_draining_node_and_a_silent_one_inactive_and_calls_go_on(
    make_stack, sipp, kamailio, tmp_path
) -> None:
    stacks, proxy_port, flags = await _dispatcher(make_stack, kamailio, tmp_path, interval=1)
    (first, first_log), (second, second_log), (_third, third_log) = stacks

    def counts() -> tuple[int, int, int]:
        return len(first_log.calls), len(second_log.calls), len(third_log.calls)

    await until(flags, lambda now: all(f.startswith("A") for f in now), timeout=10)
    await _calls(sipp, proxy_port, 3)
    assert counts() == (3, 0, 0)  # by priority: the first node

    first.drain()  # SIGUSR1 on `c122 serve`: 503 to probes and new calls
    await until(flags, lambda now: now[0].startswith("I"), timeout=10)
    await _calls(sipp, proxy_port, 3)
    assert counts() == (3, 3, 0)

    await second.stop()  # silent from now on: its probes go unanswered (fr_timer 2 s)
    await until(flags, lambda now: now[1].startswith("I"), timeout=15)
    await _calls(sipp, proxy_port, 3)
    assert counts() == (3, 3, 3)


async def test_a_503_or_a_silence_sends_the_call_to_the_next_node_before_any_probe(
    make_stack, sipp, kamailio, tmp_path
) -> None:
    """Probes every minute: only the failure route's next node keeps calls answered."""
    stacks, proxy_port, flags = await _dispatcher(make_stack, kamailio, tmp_path, interval=60)
    (first, first_log), (second, second_log), (_third, third_log) = stacks
    first.drain()
    await _calls(sipp, proxy_port, 2)
    assert (len(first_log.calls), len(second_log.calls)) == (0, 2)
    await second.stop()
    await _calls(sipp, proxy_port, 1)  # the silent node's 408 after fr_timer, then the third
    assert len(third_log.calls) == 1
    assert (await flags())[0].startswith("A")  # no probe marked the draining node
