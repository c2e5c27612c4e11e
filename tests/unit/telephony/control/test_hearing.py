from c122.telephony.control.hearing import SnoopMode, SnoopRule, hearing


def _who_hears(pairs):
    heard: dict[str, set[str]] = {}
    for listener, speaker in pairs:
        heard.setdefault(listener, set()).add(speaker)
    return heard


def test_two_parties_hear_each_other():
    assert hearing(["caller", "operator"]) == {("caller", "operator"), ("operator", "caller")}


def test_a_conference_lets_everyone_hear_all_but_themselves():
    parties = ["a", "b", "c", "d", "e"]
    assert _who_hears(hearing(parties)) == {p: set(parties) - {p} for p in parties}


def test_listen_lets_the_supervisor_hear_both_and_nobody_hear_the_supervisor():
    rule = SnoopRule("sup", "op", SnoopMode.LISTEN)
    assert _who_hears(hearing(["caller", "op", "sup"], [rule])) == {
        "caller": {"op"}, "op": {"caller"}, "sup": {"caller", "op"}}  # fmt: skip


def test_whisper_is_heard_by_the_operator_only():
    rule = SnoopRule("sup", "op", SnoopMode.WHISPER)
    assert _who_hears(hearing(["caller", "op", "sup"], [rule])) == {
        "caller": {"op"}, "op": {"caller", "sup"}, "sup": {"caller", "op"}}  # fmt: skip


def test_barge_makes_the_supervisor_a_party():
    rule = SnoopRule("sup", "op", SnoopMode.BARGE)
    assert _who_hears(hearing(["caller", "op", "sup"], [rule])) == {
        "caller": {"op", "sup"}, "op": {"caller", "sup"}, "sup": {"caller", "op"}}  # fmt: skip


def test_a_held_party_is_neither_heard_nor_hears_and_a_muted_one_still_hears():
    # caller is held (silenced and deaf), third is muted (silenced only)
    pairs = hearing(["caller", "op", "third"], silenced={"caller", "third"}, deaf={"caller"})
    assert pairs == {("third", "op")}


def test_a_listening_and_a_whispering_supervisor_do_not_hear_each_other():
    rules = [SnoopRule("s1", "op", SnoopMode.LISTEN), SnoopRule("s2", "op", SnoopMode.WHISPER)]
    heard = _who_hears(hearing(["caller", "op", "s1", "s2"], rules))
    assert heard["s1"] == {"caller", "op"}
    assert heard["s2"] == {"caller", "op"}
    assert heard["op"] == {"caller", "s2"}
    assert heard["caller"] == {"op"}


def test_two_barging_supervisors_hear_each_other_and_are_both_heard_by_the_call():
    rules = [SnoopRule("s1", "op", SnoopMode.BARGE), SnoopRule("s2", "op", SnoopMode.BARGE)]
    assert _who_hears(hearing(["caller", "op", "s1", "s2"], rules)) == {
        "caller": {"op", "s1", "s2"},
        "op": {"caller", "s1", "s2"},
        "s1": {"caller", "op", "s2"},
        "s2": {"caller", "op", "s1"},
    }


def test_a_barging_supervisor_is_heard_by_a_listening_and_a_whispering_one_who_stay_unheard():
    rules = [
        SnoopRule("s1", "op", SnoopMode.BARGE),
        SnoopRule("s2", "op", SnoopMode.LISTEN),
        SnoopRule("s3", "op", SnoopMode.WHISPER),
    ]
    assert _who_hears(hearing(["caller", "op", "s1", "s2", "s3"], rules)) == {
        "caller": {"op", "s1"},
        "op": {"caller", "s1", "s3"},
        "s1": {"caller", "op"},
        "s2": {"caller", "op", "s1"},
        "s3": {"caller", "op", "s1"},
    }


def test_on_hold_the_barging_supervisors_still_hear_each_other_and_the_operator():
    rules = [SnoopRule("s1", "op", SnoopMode.BARGE), SnoopRule("s2", "op", SnoopMode.BARGE)]
    heard = _who_hears(hearing(["caller", "op", "s1", "s2"], rules, silenced={"caller"}, deaf={"caller"}))
    assert heard == {"op": {"s1", "s2"}, "s1": {"op", "s2"}, "s2": {"op", "s1"}}
