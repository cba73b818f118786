"""Daily streaks count consecutive scheduled posts answered correctly."""

from datetime import date, timedelta

from bot.domain.streaks import Streak, streaks

MON = date(2026, 3, 2)


def day(offset: int) -> date:
    return MON + timedelta(days=offset)


def test_no_posts_no_streak() -> None:
    assert streaks([], set()) == (0, 0)


def test_consecutive_correct_posts_build_a_streak() -> None:
    posts = [day(n) for n in range(4)]
    assert streaks(posts, set(posts)) == Streak(current=4, best=4)


def test_days_the_schedule_skips_do_not_break_the_streak() -> None:
    # Mon/Wed/Fri schedule: the gaps on Tue and Thu are not posts.
    posts = [day(0), day(2), day(4), day(7)]
    assert streaks(posts, set(posts)) == (4, 4)


def test_a_wrong_or_missing_answer_breaks_it_and_best_remembers() -> None:
    posts = [day(n) for n in range(7)]
    correct = {day(0), day(1), day(2), day(4), day(5)}  # day 3 wrong or unanswered, day 6 too
    assert streaks(posts, correct) == (0, 3)
    assert streaks(posts[:6], correct) == (2, 3)


def test_an_open_post_neither_breaks_nor_extends_the_current_streak() -> None:
    posts = [day(n) for n in range(3)]
    assert streaks(posts, {day(0), day(1)}, open_dates={day(2)}) == (2, 2)
    assert streaks(posts, set(posts), open_dates={day(2)}) == (2, 2)


def test_order_and_duplicates_do_not_matter_and_stray_correct_dates_are_ignored() -> None:
    posts = [day(2), day(0), day(1), day(1)]
    assert streaks(posts, {day(0), day(1), day(2), day(9)}) == (3, 3)
