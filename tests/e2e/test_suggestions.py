"""Members suggest questions, quiz masters decide in the review channel, and the author hears back by DM."""

from __future__ import annotations

from bot.app import QuizBot
from bot.settings import Settings
from tests.discord_testbed import InteractionResult, Message, Permission, TestBed, User
from tests.discord_testbed.model import Channel
from tests.discord_testbed.runner import BotFactory
from tests.helpers import restart

QUESTION = {
    "prompt": "Which rank does LoRA use by default in the course notebook? @everyone",
    "choices": "4\n8\n16",
    "answer": "b",
    "explanation": "The notebook sets r=8 <@&1>.",
}


async def review_channel(tb: TestBed) -> Channel:
    """A #review channel, set as the server's review channel by its owner."""
    channel = tb.add_channel(name="review")
    reply = await tb.slash("quiz-settings", {"review_channel": channel}, user=tb.owner)
    assert reply.message is not None
    assert f"Suggestions (/quiz-suggest): reviewed in <#{channel.id}>" in reply.message.content
    return channel


async def suggest(tb: TestBed, member: User, values: dict[str, str], quiz: str | None = None) -> Message:
    """`member` fills in /quiz-suggest; returns the bot's private answer."""
    opened = await tb.slash("quiz-suggest", {"quiz": quiz} if quiz else {}, user=member)
    assert opened.modal is not None, opened.message and opened.message.content
    submitted = await tb.submit_modal(opened, values)
    return await submitted.wait_final()


async def review_message(tb: TestBed, review: Channel, number: int) -> Message:
    return await tb.wait_for_message(review, lambda m: f"Suggestion #{number} " in m.text() and bool(m.buttons))


async def decided(tb: TestBed, message: Message) -> None:
    await tb.wait_until(lambda: message.buttons == [], what="the review buttons to go")


async def test_a_suggestion_accepted_becomes_a_credited_playable_question(testbed: TestBed, bot: QuizBot) -> None:
    testbed.forbid_pings = True
    review = await review_channel(testbed)
    organiser = testbed.add_member(name="organiser", permissions=Permission.MANAGE_GUILD)
    alice = testbed.add_member(name="alice")

    thanks = await suggest(testbed, alice, QUESTION, quiz="day48")

    assert thanks.ephemeral and "went to the quiz masters for review (suggestion #1)" in thanks.content
    posted = await review_message(testbed, review, 1)
    assert posted.embed is not None and posted.embed["title"] == "Suggestion #1 for `day48`"
    assert "✅ **B)** 8" in posted.text() and "▫️ **A)** 4" in posted.text() and "r=8" in posted.text()
    assert f"<@{alice.id}> (alice)" in posted.text() and "`day48` is a shared quiz" in posted.text()
    assert [b.label for b in posted.buttons] == ["Accept", "Edit", "Reject"]

    accepted = await testbed.click(posted, "Accept", user=organiser)

    assert accepted.response_type == 6
    await decided(testbed, posted)
    assert f"✅ Accepted by <@{organiser.id}>" in posted.text() and "question `suggestion-1`" in posted.text()
    assert "this server now plays its own copy" in posted.text()
    quiz = bot.library.catalog_for(testbed.guild.id).get("day48")
    assert quiz is not None and len(quiz.questions) == 11
    added = quiz.questions[-1]
    assert (added.id, added.prompt, added.choices) == ("suggestion-1", QUESTION["prompt"], ("4", "8", "16"))
    assert added.answer == 1
    assert (added.explanation, added.author) == ("The notebook sets r=8 <@&1>.", "alice")
    (dm,) = await testbed.wait_until(lambda: testbed.dms(alice), what="alice's DM")
    assert "was accepted into **Day 48 Quiz" in dm.content and "in Test Guild" in dm.content
    shared = bot.catalog.get("day48")
    assert shared is not None and len(shared.questions) == 10  # the shared file is untouched
    started = await testbed.slash("quiz", {"name": "day48"}, user=alice)
    assert started.message is not None and "11 questions" in started.message.content
    sent = [r for r in testbed.calls("POST", "/channels/{channel_id}/messages") if r.status == 200]
    assert [r.path.split("/")[-2] for r in sent] == [str(review.id), str(testbed.dm_channels[alice.id].id)]
    assert all(r.body["allowed_mentions"] == {"parse": []} for r in sent)  # the review post and the DM ping nobody


async def test_an_organiser_edits_then_accepts_and_the_author_keeps_the_credit(testbed: TestBed, bot: QuizBot) -> None:
    testbed.forbid_pings = True
    review = await review_channel(testbed)
    masters = testbed.add_role(name="quiz masters")
    await testbed.slash("quiz-settings", {"quiz_master_role": masters}, user=testbed.owner)
    master = testbed.add_member(name="master", roles=[masters])
    alice = testbed.add_member(name="alice")
    await suggest(testbed, alice, QUESTION)
    posted = await review_message(testbed, review, 1)

    form = await testbed.click(posted, "Edit", user=master)

    assert form.modal is not None and form.modal["title"] == "Edit suggestion #1"
    inputs = {c["component"]["custom_id"]: c["component"].get("value") for c in form.modal["components"]}
    assert inputs == {**QUESTION, "answer": "B"}  # filled in as stored
    await testbed.submit_modal(form, {"answer": "C", "explanation": "Sixteen, since the update."})
    await testbed.wait_until(lambda: "✅ **C)** 16" in posted.text(), what="the review message to show the edit")
    assert f"Edited by <@{master.id}>" in posted.text() and "Sixteen, since the update." in posted.text()
    assert [b.label for b in posted.buttons] == ["Accept", "Edit", "Reject"]

    await testbed.click(posted, "Accept", user=master)

    await decided(testbed, posted)
    quiz = bot.library.catalog_for(testbed.guild.id).get("suggestions")
    assert quiz is not None and quiz.title == "Member suggestions"
    (question,) = quiz.questions
    assert (question.answer, question.explanation, question.author) == (2, "Sixteen, since the update.", "alice")


async def test_a_rejection_is_told_by_dm_or_not_at_all(testbed: TestBed, bot: QuizBot) -> None:
    testbed.forbid_pings = True
    review = await review_channel(testbed)
    organiser = testbed.add_member(name="organiser", permissions=Permission.MANAGE_GUILD)
    alice = testbed.add_member(name="alice")
    bob = testbed.add_member(name="bob")
    testbed.close_dms(bob)
    await suggest(testbed, alice, QUESTION)
    await suggest(testbed, bob, {**QUESTION, "prompt": "Bob's question?"})
    for number in (1, 2):
        posted = await review_message(testbed, review, number)
        await testbed.click(posted, "Reject", user=organiser)
        await decided(testbed, posted)
        assert f"❌ Rejected by <@{organiser.id}>" in posted.text()

    (dm,) = await testbed.wait_until(lambda: testbed.dms(alice), what="alice's DM")
    assert "was not accepted in Test Guild this time" in dm.content
    await testbed.wait_until(lambda: testbed.calls("POST", "/channels/{channel_id}/messages")[-1].status == 403)
    assert testbed.dms(bob) == [] and testbed.violations == []
    assert bot.library.catalog_for(testbed.guild.id).get("suggestions") is None


async def test_only_organisers_decide_and_a_second_decision_is_refused(testbed: TestBed, bot: QuizBot) -> None:
    review = await review_channel(testbed)
    first = testbed.add_member(name="first", permissions=Permission.MANAGE_GUILD)
    second = testbed.add_member(name="second", permissions=Permission.MANAGE_GUILD)
    alice = testbed.add_member(name="alice")
    await suggest(testbed, alice, QUESTION)
    posted = await review_message(testbed, review, 1)

    for label in ("Accept", "Edit", "Reject"):
        refused = await _private_reply(testbed, await testbed.click(posted, label, user=alice))
        assert refused is not None and "Only members with Manage Server or the quiz-master role can accept" in refused
    assert [b.label for b in posted.buttons] == ["Accept", "Edit", "Reject"] and posted.edits == 0

    # Two organisers click at the same moment: one decides, the other is told so privately.
    clicks = [
        await testbed.click(posted, "Accept", user=first, wait=False),
        await testbed.click(posted, "Reject", user=second, wait=False),
    ]
    await decided(testbed, posted)
    (late,) = await testbed.wait_until(lambda: [c for c in clicks if c.followups], what="the second click's reply")
    (told,) = late.followups
    assert told.ephemeral and told.content.startswith("This suggestion was already ")
    assert ("accepted" in told.content) is (late is clicks[1])  # the one who clicked second hears the first's word
    await testbed.wait_until(lambda: testbed.dms(alice), what="alice's DM")
    assert len(testbed.dms(alice)) == 1


async def _private_reply(tb: TestBed, click: InteractionResult) -> str | None:
    """What only the clicker read: an ephemeral answer or the followup of a deferred click; None once the click
    decided (its review message lost its buttons) without one."""
    await tb.wait_until(
        lambda: click.ephemeral or click.followups or (click.message is not None and not click.message.buttons),
        what="the click's answer",
    )
    if click.ephemeral and click.message is not None:
        return click.message.content
    return click.followups[0].content if click.followups else None


async def test_suggestions_and_their_forms_survive_a_restart(
    testbed: TestBed, bot: QuizBot, bot_factory: BotFactory, bot_settings: Settings
) -> None:
    review = await review_channel(testbed)
    organiser = testbed.add_member(name="organiser", permissions=Permission.MANAGE_GUILD)
    alice = testbed.add_member(name="alice")
    opened = await testbed.slash("quiz-suggest", {}, user=alice)
    await suggest(testbed, alice, QUESTION, quiz="day48")
    posted = await review_message(testbed, review, 1)
    edit = await testbed.click(posted, "Edit", user=organiser)

    bot = await restart(testbed, bot, bot_factory, bot_settings)

    await testbed.submit_modal(edit, {"answer": "a"})  # a form opened before the restart is still taken
    await testbed.wait_until(lambda: "✅ **A)** 4" in posted.text(), what="the edit after the restart")
    late = await (await testbed.submit_modal(opened, {**QUESTION, "prompt": "Late?"})).wait_final()
    assert "(suggestion #2)" in late.content
    await testbed.click(posted, "Accept", user=organiser)
    await decided(testbed, posted)
    quiz = bot.library.catalog_for(testbed.guild.id).get("day48")
    assert quiz is not None and quiz.questions[-1].answer == 0 and quiz.questions[-1].author == "alice"
    assert testbed.gateway.identifies == 2  # the decision above was taken by the restarted bot


async def test_what_is_refused_before_and_after_the_form(testbed: TestBed, bot: QuizBot) -> None:
    testbed.forbid_pings = True
    alice = testbed.add_member(name="alice")

    off = await testbed.slash("quiz-suggest", {}, user=alice)
    assert off.modal is None and off.ephemeral and off.message is not None
    assert "Suggestions are off in this server" in off.message.content and "review_channel" in off.message.content

    review = await review_channel(testbed)
    unknown = await testbed.slash("quiz-suggest", {"quiz": "day99"}, user=alice)
    assert unknown.message is not None and "There is no quiz called `day99` here" in unknown.message.content

    broken = await suggest(testbed, alice, {**QUESTION, "choices": "yes\nYes\nno", "answer": "B"})
    assert broken.ephemeral and "The suggestion was not sent:" in broken.content
    assert "• Choice B is the same as choice A; make every choice different" in broken.content
    typed = broken.files["your-suggestion.txt"].decode()
    assert QUESTION["prompt"] in typed and "yes\nYes\nno" in typed

    testbed.deny(review, Permission.SEND_MESSAGES)
    unreachable = await suggest(testbed, alice, QUESTION)
    assert f"the bot cannot post in the review channel <#{review.id}>" in unreachable.content
    assert testbed.visible_messages(review) == []
    assert await bot.storage.suggestions.pending_count(testbed.guild.id, alice.id) == 0

    await testbed.slash("quiz-settings", {"suggestions_off": True}, user=testbed.owner)
    again = await testbed.slash("quiz-suggest", {}, user=alice)
    assert again.message is not None and "Suggestions are off" in again.message.content


async def test_another_server_never_sees_a_suggestion_or_its_credit(testbed: TestBed, bot: QuizBot) -> None:
    review = await review_channel(testbed)
    organiser = testbed.add_member(name="organiser", permissions=Permission.MANAGE_GUILD)
    alice = testbed.add_member(name="alice")
    other = testbed.add_guild("Other Guild")
    other_channel = next(iter(other.channels.values()))
    alice_there = testbed.add_member(other, name="alice-there")
    await suggest(testbed, alice, QUESTION)
    await testbed.click(await review_message(testbed, review, 1), "Accept", user=organiser)
    await testbed.wait_until(lambda: bot.library.catalog_for(testbed.guild.id).get("suggestions") is not None)

    here = await testbed.slash("stats", {}, user=alice)
    assert here.message is not None and "Questions authored 1" in here.message.text()
    assert bot.library.catalog_for(other.id).get("suggestions") is None
    typed = {"name": "sugg"}
    assert await testbed.autocomplete("quiz", typed, focused="name", user=alice, channel=testbed.general) != []
    assert await testbed.autocomplete("quiz", typed, focused="name", user=alice_there, channel=other_channel) == []
    refused = await testbed.slash("quiz", {"name": "suggestions"}, user=alice_there, channel=other_channel)
    assert refused.message is not None and "There is no quiz called" in refused.message.content
    off_there = await testbed.slash("quiz-suggest", {}, user=alice_there, channel=other_channel)
    assert off_there.message is not None and "Suggestions are off in this server" in off_there.message.content
    there = await testbed.slash("stats", {"member": alice}, user=alice_there, channel=other_channel)
    assert there.message is not None and "Questions authored" not in there.message.text()


async def test_forget_me_takes_a_members_suggestions_with_it(testbed: TestBed, bot: QuizBot) -> None:
    review = await review_channel(testbed)
    organiser = testbed.add_member(name="organiser", permissions=Permission.MANAGE_GUILD)
    alice = testbed.add_member(name="alice")  # she suggested, and never answered a question
    await suggest(testbed, alice, QUESTION)
    posted = await review_message(testbed, review, 1)

    panel = (await testbed.slash("privacy", {}, user=alice)).message
    assert panel is not None
    await testbed.click(panel, "Forget me", user=alice)
    assert "deletes your 0 answers (and any questions you suggested;" in panel.content
    await testbed.click(panel, "Forget me now", user=alice)

    assert panel.content.endswith("So is your suggested question.")
    refused = await _private_reply(testbed, await testbed.click(posted, "Accept", user=organiser))
    assert refused == "This suggestion is not in this server's records any more."
    assert bot.library.catalog_for(testbed.guild.id).get("suggestions") is None
