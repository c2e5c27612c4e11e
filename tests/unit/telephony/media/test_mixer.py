import numpy as np
import pytest

from c122.telephony.media.analysis import tone_levels
from c122.telephony.media.mixer import Mixer, conference
from c122.telephony.media.sources import ToneSource, tone

FREQUENCIES = {"a": 400.0, "b": 700.0, "c": 1000.0, "d": 1300.0, "e": 1600.0}


def _run(mixer: Mixer, members, ticks: int = 25):
    sources = {m: ToneSource(tone([FREQUENCIES[m]], 60000)) for m in members}
    outputs: dict[str, list[np.ndarray]] = {m: [] for m in members}
    for _ in range(ticks):
        mixed = mixer.tick({m: s.next_frame() for m, s in sources.items()})
        for member, frame in mixed.items():
            outputs[member].append(frame)
    return {m: np.concatenate(frames[5:]) for m, frames in outputs.items()}


def _who_hears_whom(outputs):
    heard = {}
    for listener, pcm in outputs.items():
        levels = tone_levels(pcm, FREQUENCIES.values())
        heard[listener] = {m for m, f in FREQUENCIES.items() if levels[f] > 0.05}
    return heard


def test_a_five_party_conference_lets_everyone_hear_everyone_but_themselves():
    mixer = Mixer()
    members = list("abcde")
    mixer.set_mix("conf", members, conference(members))
    heard = _who_hears_whom(_run(mixer, members))
    assert heard == {m: set(members) - {m} for m in members}


@pytest.mark.parametrize(
    ("hears", "expected"),
    [
        # listen: supervisor c hears caller a and operator b; nobody hears c
        ({("a", "b"), ("b", "a"), ("c", "a"), ("c", "b")}, {"a": {"b"}, "b": {"a"}, "c": {"a", "b"}}),
        # whisper: operator b also hears c; caller a does not
        (
            {("a", "b"), ("b", "a"), ("b", "c"), ("c", "a"), ("c", "b")},
            {"a": {"b"}, "b": {"a", "c"}, "c": {"a", "b"}},
        ),
        # barge: all hear all
        (conference(["a", "b", "c"]), {"a": {"b", "c"}, "b": {"a", "c"}, "c": {"a", "b"}}),
    ],
    ids=["listen", "whisper", "barge"],
)
def test_supervisor_modes_produce_the_expected_hearing_matrix(hears, expected):
    mixer = Mixer()
    mixer.set_mix("call", ["a", "b", "c"], hears)
    assert _who_hears_whom(_run(mixer, ["a", "b", "c"])) == expected


def test_several_mixes_are_mixed_in_one_tick_without_leaking_into_each_other():
    mixer = Mixer()
    mixer.set_mix("one", ["a", "b"], conference(["a", "b"]))
    mixer.set_mix("two", ["c", "d", "e"], conference(["c", "d", "e"]))
    heard = _who_hears_whom(_run(mixer, list("abcde")))
    assert heard == {"a": {"b"}, "b": {"a"}, "c": {"d", "e"}, "d": {"c", "e"}, "e": {"c", "d"}}


def test_switching_listen_to_whisper_mid_call_crossfades_without_a_click():
    mixer = Mixer()
    listen = {("a", "b"), ("b", "a"), ("c", "a"), ("c", "b")}
    mixer.set_mix("call", ["a", "b", "c"], listen)
    sources = {m: ToneSource(tone([FREQUENCIES[m]], 60000)) for m in "abc"}
    heard_by_operator = []
    for tick in range(40):
        if tick == 20:
            mixer.set_mix("call", ["a", "b", "c"], listen | {("b", "c")})
        heard_by_operator.append(mixer.tick({m: s.next_frame() for m, s in sources.items()})["b"])
    signal = np.concatenate(heard_by_operator).astype(np.float64)
    # No gap: every frame carries sound. No click: no step larger than the two tones' sum can make.
    assert all(np.max(np.abs(frame)) > 1000 for frame in heard_by_operator)
    max_step = 2 * np.pi * (400 + 1000) / 8000 * 8192
    assert np.max(np.abs(np.diff(signal))) < max_step
    before, after = tone_levels(signal[: 160 * 20], [1000.0]), tone_levels(signal[-160 * 10 :], [1000.0])
    assert before[1000.0] < 0.01 < 0.2 < after[1000.0]


def test_a_member_cannot_be_in_two_mixes():
    mixer = Mixer()
    mixer.set_mix("one", ["a", "b"], conference(["a", "b"]))
    with pytest.raises(ValueError, match="already mixed"):
        mixer.set_mix("two", ["b", "c"], conference(["b", "c"]))


def test_loud_inputs_are_scaled_to_full_scale_not_wrapped():
    mixer = Mixer()
    members = ["a", "b", "c"]
    mixer.set_mix("m", members, conference(members))
    loud = np.full(160, 30000, dtype=np.int16)
    mixer.tick(dict.fromkeys(members, loud))
    out = mixer.tick(dict.fromkeys(members, loud))
    assert int(out["a"].min()) == 32767


def test_a_loud_sum_is_scaled_whole_so_no_tone_nobody_sent_appears():
    """Clipping two loud tones would put their difference (1 kHz) into the mix; scaling does not."""
    mixer = Mixer()
    members = ["a", "b", "c"]
    mixer.set_mix("m", members, conference(members))
    n = np.arange(160)
    tones = {f: (25000 * np.sin(2 * np.pi * f * n / 8000)).astype(np.int16) for f in (1500.0, 2500.0)}
    frames = {"a": tones[1500.0], "b": tones[2500.0], "c": np.zeros(160, dtype=np.int16)}
    mixer.tick(frames)
    heard = np.concatenate([mixer.tick(frames)["c"] for _ in range(10)])
    levels = tone_levels(heard, (1000.0, 1500.0, 2500.0))
    assert levels[1500.0] > 0.3
    assert levels[2500.0] > 0.3
    assert levels[1000.0] < 0.005, levels
