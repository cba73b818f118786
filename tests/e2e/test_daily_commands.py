"""The /daily admin commands a real admin uses beyond set/now: the quiz-master role, /daily status with
two schedules (queue, last post), /daily off, and the scheduled post happening only where it is on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.clock import FakeClock
from tests.discord_testbed.testbed import TestBed

# Monday 2026-06-01, 07:00 in Berlin: two hours before the 09:00 post.
START = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
POST = "/channels/{channel_id}/messages"
pytestmark = pytest.mark.fake_clock(START)


async def test_quiz_master_status_off_and_only_the_schedule_left_on_posts(
    testbed: TestBed, running_bot: object, clock: FakeClock
) -> None:
    testbed.forbid_pings = True
    masters = testbed.add_role(name="quiz masters")
    master = testbed.add_member(name="master", roles=[masters])
    member = testbed.add_member(name="member")
    study, maths = testbed.add_channel(name="study"), testbed.add_channel(name="maths")

    empty = await testbed.slash("daily status", {}, user=testbed.owner)
    assert empty.ephemeral and empty.message.content == "No daily questions here yet. Create one with /daily set."
    await testbed.slash("quiz-settings", {"quiz_master_role": masters}, user=testbed.owner)
    refused = await testbed.slash("daily status", {}, user=member)
    assert refused.ephemeral and "quiz-master role" in refused.message.content

    for channel, extra in ((study, {}), (maths, {"order": "shuffled", "reveal": 2, "weekdays": "mon-fri"})):
        done = await testbed.slash(
            "daily set",
            {"channel": channel, "time": "09:00", "timezone": "Europe/Berlin", "quizzes": "day48", **extra},
            user=master,
        )
        assert done.ephemeral and done.message.content.startswith("Daily question scheduled."), done.message.content

    status = (await testbed.slash("daily status", {}, user=master)).message.content
    study_block, maths_block = status.split("\n\n")
    assert f"<#{study.id}>" in study_block and "sequential · reveal at the next post" in study_block
    assert f"<#{maths.id}>" in maths_block and "· weekdays · shuffled · reveal 2 h after posting" in maths_block
    assert "Next post: Mon 2026-06-01 09:00 Europe/Berlin (<t:1780297200:F>)" in study_block
    assert "Queue: question 1 of 10 next (day48/q1)" in study_block
    assert "Last post: none yet" in study_block and "Last post: none yet" in maths_block

    now = await testbed.slash("daily now", {"channel": study}, user=master)
    assert "as today's post" in (await now.wait_final()).content
    status = (await testbed.slash("daily status", {}, user=master)).message.content
    study_block = status.split("\n\n")[0]
    assert "Queue: question 2 of 10 next (day48/q2)" in study_block
    assert "Last post: 2026-06-01 (day48/q1, posted)" in study_block
    assert "Next post: Tue 2026-06-02 09:00 Europe/Berlin" in study_block

    not_set = await testbed.slash("daily off", {"channel": testbed.general}, user=master)
    assert not_set.ephemeral and not_set.message.content.startswith(
        f"There is no daily schedule in <#{testbed.general.id}>"
    )
    off = await testbed.slash("daily off", {"channel": maths}, user=master)
    assert off.ephemeral and off.message.content.startswith(f"Daily posts in <#{maths.id}> are off.")
    maths_block = (await testbed.slash("daily status", {}, user=master)).message.content.split("\n\n")[1]
    assert "Off: turned off with /daily off." in maths_block and "Next post" not in maths_block
    refused_now = await testbed.slash("daily now", {"channel": maths}, user=master)
    assert "paused" in (await refused_now.wait_final()).content

    # 09:00 Berlin: the schedule that is off posts nothing; the other's slot was taken by /daily now.
    scheduler = running_bot.scheduler
    await clock.advance_to(datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    await scheduler.wait_idle()
    assert not [m for m in testbed.visible_messages(maths) if m.buttons]
    assert len([m for m in testbed.visible_messages(study) if m.buttons]) == 1

    back_on = await testbed.slash(
        "daily set", {"channel": maths, "time": "09:00", "timezone": "Europe/Berlin", "quizzes": "day48"}, user=master
    )
    assert "Off:" not in back_on.message.content and "Next post: Tue 2026-06-02" in back_on.message.content
    assert [r.status for r in testbed.calls("POST", POST) if r.status >= 400] == []


async def test_status_of_many_schedules_spans_messages_without_cutting_one(
    testbed: TestBed, running_bot: object
) -> None:
    channels = [testbed.add_channel(name=f"study-{n}") for n in range(12)]
    for channel in channels:
        await testbed.slash(
            "daily set",
            {"channel": channel, "time": "09:00", "timezone": "America/Argentina/ComodRivadavia", "quizzes": "all"},
            user=testbed.owner,
        )
    status = await testbed.slash("daily status", {}, user=testbed.owner)
    assert status.message is not None
    messages = [status.message]

    def shown() -> str:
        messages[1:] = status.followups
        return "\n\n".join(m.content for m in messages)

    await testbed.wait_until(lambda: f"<#{channels[-1].id}>" in shown(), what="the last schedule's status")
    assert len(messages) > 1 and all(len(m.content) <= 2000 and m.ephemeral for m in messages)
    texts = [m.content for m in messages]
    blocks = "\n\n".join(texts).split("\n\n")
    assert [b.split(">**")[0] for b in blocks] == [f"**<#{c.id}" for c in channels]
    assert all(b.endswith("Last post: none yet") for b in blocks)
