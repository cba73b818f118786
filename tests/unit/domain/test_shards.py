"""Discord's sharding formula and the shards a process holds."""

import pytest

from bot.domain.shards import ShardSet, shard_of

# A real-looking snowflake: (milliseconds since the Discord epoch << 22) | worker/process/increment bits.
GUILD = 1_187_465_834_511_384_576


def test_shard_of_is_discords_formula() -> None:
    assert shard_of(GUILD, 1) == 0
    assert shard_of(GUILD, 8) == (GUILD >> 22) % 8
    # Only the timestamp bits count: the low 22 bits never move a server to another shard.
    assert shard_of(GUILD | 0x3FFFFF, 8) == shard_of(GUILD, 8)
    assert [shard_of(n << 22, 4) for n in range(6)] == [0, 1, 2, 3, 0, 1]


def test_shard_of_refuses_no_shards() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        shard_of(GUILD, 0)


@pytest.mark.parametrize(
    ("text", "count", "ids"),
    [
        ("0-3", 8, (0, 1, 2, 3)),
        ("0,2", 4, (0, 2)),
        ("0-1, 4", 8, (0, 1, 4)),
        ("5", 8, (5,)),
        ("3,1,1", 4, (1, 3)),
    ],
)
def test_parse_ranges_and_lists(text: str, count: int, ids: tuple[int, ...]) -> None:
    assert ShardSet.parse(text, count) == ShardSet(ids, count)
    assert ShardSet.parse(text, count).ids == ids


@pytest.mark.parametrize(
    ("text", "count", "message"),
    [
        ("0-8", 8, "shard id 8 is outside 0-7"),
        ("a-b", 8, "not a list of shard ids"),
        ("", 8, "not a list of shard ids"),
        ("3-1", 8, "runs backwards"),
        ("-1", 8, "not a list of shard ids"),
        ("0", 0, "between 1 and"),
    ],
)
def test_parse_refuses_what_cannot_be_held(text: str, count: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ShardSet.parse(text, count)


def test_contains_decides_ownership_from_the_guild_id_alone() -> None:
    on_zero, on_one = 10 << 22, 11 << 22
    first, second = ShardSet.parse("0", 2), ShardSet.parse("1", 2)
    assert first.contains(on_zero) and not first.contains(on_one)
    assert second.contains(on_one) and not second.contains(on_zero)
    # Every server is owned by exactly one of the processes that split the shards between them.
    guilds = [n << 22 for n in range(100)]
    assert all(first.contains(g) != second.contains(g) for g in guilds)


def test_unsharded_and_all_shards_own_everything() -> None:
    guilds = [GUILD, 1 << 22, 7 << 22, 123]
    assert all(ShardSet.unsharded().contains(g) for g in guilds)
    assert all(ShardSet.all_of(4).contains(g) for g in guilds)
    assert ShardSet.unsharded().holds(0) and not ShardSet.parse("1-3", 4).holds(0)


def test_describe_names_the_shards() -> None:
    assert ShardSet.parse("0-1", 2).describe() == "0-1 of 2"
    assert ShardSet.parse("0,2,3,4,7", 8).describe() == "0,2-4,7 of 8"
