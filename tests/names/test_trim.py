"""What the alias miner keeps of the runs it sees beside a Latin name (`names.mine.trim`)."""

from __future__ import annotations

from collections import Counter

from newsarchive.names.mine import trim


def test_a_function_word_and_one_character_is_no_name() -> None:
    # The shipped table once had 但对 ("but to") as a form of TikTok: 但对TikTok的禁令…
    kept = trim(Counter({("但对", "tiktok"): 9, ("抖音", "tiktok"): 30}))
    assert ("抖音", "tiktok") in kept
    assert ("但对", "tiktok") not in kept


def test_words_that_start_with_a_function_character_stay() -> None:
    # 和田 (Hotan), 对外 and 以色列: the segmenter keeps them whole, not 和 / 对 / 以 alone.
    counts = Counter({("和田", "hotan"): 5, ("以色列", "israel"): 5})
    kept = trim(counts)
    assert ("和田", "hotan") in kept
    assert ("以色列", "israel") in kept


def test_a_name_behind_a_function_word_becomes_the_name_when_written_alone_too() -> None:
    kept = trim(Counter({("和沃尔玛", "walmart"): 3, ("沃尔玛", "walmart"): 12}))
    assert kept == Counter({("沃尔玛", "walmart"): 15})
