"""The markdown importer: the Day 48 seed and every layout of issue 9, with the key cross-checks."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from bot.importers.cli import run_import
from bot.importers.markdown import parse_markdown
from bot.importers.result import ImportResult
from tests.helpers import REPO_ROOT, TEST_DATA

REPO = REPO_ROOT
SEED = REPO.parent / "shared" / "seeds" / "000_410bd2ece56a659a.txt"
FIXTURES = TEST_DATA / "import"


def seed_path() -> Path:
    if not SEED.is_file():
        pytest.fail(
            f"the Day 48 seed is missing at {SEED}; check out the shared/ folder beside the repository "
            "(../shared/seeds/) so the importer can be checked against it"
        )
    return SEED


def parse_fixture(name: str) -> ImportResult:
    path = FIXTURES / name
    return parse_markdown(path.read_text(encoding="utf-8"), f"tests/data/import/{name}")


def messages(result: ImportResult, kind: str = "errors") -> list[str]:
    return [str(problem) for problem in getattr(result, kind)]


def test_importing_the_seed_reproduces_the_shipped_day48_yaml_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "day48.yaml"

    code = run_import([seed_path()], out, force=False, dry_run=False, fmt=None)

    assert code == 0
    assert out.read_bytes() == (REPO / "quizzes" / "day48.yaml").read_bytes()


def test_the_seed_gives_ten_questions_with_the_key_answers_and_explanations() -> None:
    result = parse_markdown(seed_path().read_text(encoding="utf-8"), "seed.txt")

    assert result.errors == [] and result.warnings == []
    quiz = result.quiz
    assert quiz is not None
    assert (quiz.id, quiz.day, quiz.series) == ("day48", 48, None)
    assert quiz.title == "Day 48 Quiz: Fine-tuning Techniques - LoRA & QLoRA"
    assert "".join(question.answer_letter for question in quiz.questions) == "BCBCBCCCBC"
    assert [question.id for question in quiz.questions] == [f"q{n}" for n in range(1, 11)]
    assert all(len(question.choices) == 4 for question in quiz.questions)
    assert quiz.questions[6].choices[2] == "Attention projection layers (q_proj, v_proj, etc.)"
    assert quiz.questions[0].explanation.startswith(
        "LoRA's core innovation is representing weight updates ΔW"
    )
    assert quiz.questions[9].explanation.endswith("preventing out-of-memory errors during training.")


MIXED = "mixed"
BAD = "tests/data/import/bad/"


@pytest.mark.parametrize(
    ("name", "quiz_id", "title", "day", "series", "answers"),
    [
        ("days/day-07/quiz.md", "day07", "Day 7: Tokenizers - Quiz", 7, None, "BA"),
        ("days/tokenizers/quiz.md", "tokenizers", "Subword Tokenization - Knowledge Quiz", None, None, "AB"),
        ("embeddings.md", "embeddings", "Embeddings Check", None, None, "AA"),
        ("day12-attention.md", "day12", "LLM Course - Day 12 Quiz: Attention", 12, "llm-course", "AA"),
        ("python-basics.md", "python-basics", "Python Basics", None, None, "AAA"),
        ("day-03.md", "day03", "Day 3 Quiz: Gradient Descent", 3, None, "AAB"),
        ("day21.md", "day21", "Day 21 Quiz: Evaluation", 21, None, "AA"),
        ("bold-numbers.md", "bold-numbers", "Bold Numbers", None, None, "BAAB"),
    ],
)
def test_each_layout_gives_its_quiz(
    name: str, quiz_id: str, title: str, day: int | None, series: str | None, answers: str
) -> None:
    result = parse_fixture(f"{MIXED}/{name}")

    assert result.errors == []
    quiz = result.quiz
    assert quiz is not None
    assert (quiz.id, quiz.title, quiz.day, quiz.series) == (quiz_id, title, day, series)
    assert "".join(question.answer_letter for question in quiz.questions) == answers


def test_heading_questions_with_lowercase_options_and_inline_answers() -> None:
    quiz = parse_fixture(f"{MIXED}/days/day-07/quiz.md").quiz

    assert quiz is not None
    first, second = quiz.questions
    assert first.prompt == "What does a BPE tokenizer merge at each training step?"
    assert first.choices == (
        "The two rarest characters",
        "The most frequent adjacent pair of symbols",
        "Whole sentences",
    )
    assert second.prompt == "Which token usually marks the end of a sequence?"
    assert second.choices == ("`<eos>`", "`<pad>`")
    assert second.explanation == "`<eos>` tells the model where the text stops."


def test_an_explanation_is_kept_whole_wrapped_lines_joined_and_paragraphs_kept() -> None:
    quiz = parse_fixture(f"{MIXED}/days/day-07/quiz.md").quiz

    assert quiz is not None
    assert quiz.questions[0].explanation == (
        "Byte-pair encoding counts adjacent symbol pairs and merges the most frequent one "
        "into a new symbol.\n"
        "\n"
        "Repeating this builds a vocabulary from characters up to common words."
    )


def test_a_scoring_guide_after_a_separator_is_not_read_as_questions() -> None:
    result = parse_fixture(f"{MIXED}/days/day-07/quiz.md")

    assert result.quiz is not None and len(result.quiz.questions) == 2
    assert result.warnings == []


def test_key_entries_bold_letter_with_a_remark_over_two_lines() -> None:
    quiz = parse_fixture(f"{MIXED}/days/tokenizers/quiz.md").quiz

    assert quiz is not None
    assert quiz.questions[0].choices[0] == "They split unknown words into known pieces"
    assert len(quiz.questions[0].choices) == 4
    assert quiz.questions[0].explanation == (
        "unknown words are broken into pieces that are in the vocabulary, "
        "so nothing is ever out of vocabulary."
    )
    assert quiz.questions[1].prompt == 'What is "WordPiece"?'
    assert quiz.questions[1].explanation == "it is the subword algorithm BERT uses."


def test_question_n_headings_five_options_and_a_bare_solution_list_with_a_remark() -> None:
    quiz = parse_fixture(f"{MIXED}/embeddings.md").quiz

    assert quiz is not None
    first, second = quiz.questions
    assert first.prompt == "Which distance is most often used to compare sentence embeddings?"
    assert first.choices[-1] == "None: embeddings cannot be compared"
    assert len(first.choices) == 5
    assert first.explanation == ""
    assert second.prompt == "Two embeddings have cosine similarity 1. What does that mean?"
    assert second.explanation == "same direction, although their lengths may differ"


def test_a_key_repeating_the_question_headings_with_answer_and_explanation_lines() -> None:
    result = parse_fixture(f"{MIXED}/day12-attention.md")

    assert result.quiz is not None
    first, second = result.quiz.questions
    assert first.explanation == "Attention compares queries with keys and mixes the values."
    assert second.explanation == (
        "Large dot products push the softmax into regions where gradients vanish.\n"
        "\n"
        "Dividing by √d_k keeps the variance of the scores near 1."
    )
    assert len(result.quiz.questions) == 2  # "Areas for Review" and "Instructions" are skipped


def test_a_paraphrased_key_is_accepted_by_its_letter_with_a_warning_naming_the_line() -> None:
    result = parse_fixture(f"{MIXED}/day12-attention.md")

    assert result.quiz is not None
    assert result.quiz.questions[1].answer_letter == "A"
    assert messages(result, "warnings") == [
        "tests/data/import/mixed/day12-attention.md:28: question 2: the key text "
        '"To keep the softmax away from tiny gradients" does not match option A '
        '"To keep the softmax away from tiny gradients when d_k is large"; imported as A, check it'
    ]


def test_answers_inside_details_blocks_with_code_quotes_and_unicode_in_options() -> None:
    result = parse_fixture(f"{MIXED}/python-basics.md")

    assert result.warnings == []
    quiz = result.quiz
    assert quiz is not None
    assert quiz.questions[0].prompt == 'What does `len("héllo")` return?'
    assert quiz.questions[0].explanation == "`len` counts characters, not bytes."
    assert quiz.questions[1].choices == ("`print((\"a\", 'b'))`", '`print("a", "b")`')
    assert quiz.questions[2].explanation == "`+` concatenates lists."


def test_one_answers_line_gives_every_answer() -> None:
    quiz = parse_fixture(f"{MIXED}/day-03.md").quiz

    assert quiz is not None
    assert [question.answer_letter for question in quiz.questions] == ["A", "A", "B"]
    assert [len(question.choices) for question in quiz.questions] == [2, 2, 3]


def test_inline_answers_that_agree_with_the_key_and_a_one_line_remark() -> None:
    result = parse_fixture(f"{MIXED}/day21.md")

    assert result.errors == [] and result.warnings == []
    quiz = result.quiz
    assert quiz is not None
    assert quiz.questions[0].choices == ("How well a model predicts a text sample", "The model's size")
    assert quiz.questions[0].explanation == "lower perplexity means the model is less surprised by the text."


def test_bold_numbered_questions_and_terse_key_entries() -> None:
    quiz = parse_fixture(f"{MIXED}/bold-numbers.md").quiz

    assert quiz is not None
    assert [question.prompt for question in quiz.questions] == [
        "Which planet is closest to the Sun?",
        "Which planet has the most moons?",
        "Which planet is called the red planet?",
        "Which planet is the largest?",
    ]
    assert quiz.questions[1].explanation == "a count that keeps changing as moons are found"


def test_lists_and_code_in_an_explanation_keep_their_lines() -> None:
    text = (
        "# Lists\n\n1. **Q?**\n   - A) x\n   - B) y\n\n**Answer: B**\n**Explanation:** Two reasons:\n"
        "- first\n- second, wrapped\n  onto a new line\n\n```\ncode  line\nmore\n```\nAfter the code.\n"
    )

    quiz = parse_markdown(text, "lists.md").quiz

    assert quiz is not None
    assert quiz.questions[0].explanation == (
        "Two reasons:\n- first\n- second, wrapped onto a new line\n\n"
        "```\ncode  line\nmore\n```\nAfter the code."
    )


def test_a_whole_key_folded_in_details_and_an_answer_in_a_summary() -> None:
    text = (
        "# Folded\n\n1. **First?**\n   - A) x\n   - B) y\n\n2. **Second?**\n   - A) x\n   - B) y\n"
        "   <details><summary>Answer: A</summary>Because x.</details>\n\n"
        "<details>\n<summary>Answer Key</summary>\n\n1. B - y it is\n2. A\n</details>\n"
    )

    result = parse_markdown(text, "folded.md")

    assert result.errors == []
    assert result.quiz is not None
    assert [(q.answer_letter, q.explanation) for q in result.quiz.questions] == [
        ("B", "y it is"),
        ("A", "Because x."),
    ]


def test_windows_line_endings() -> None:
    text = "# Title\r\n\r\n1. **Q?**\r\n   - A) x\r\n   - B) y\r\n\r\n**Answer:** B) y\r\n"

    quiz = parse_markdown(text, "crlf.md").quiz

    assert quiz is not None
    assert (quiz.questions[0].choices, quiz.questions[0].answer_letter) == (("x", "y"), "B")


def test_a_long_option_wrapped_onto_the_next_line_is_one_option() -> None:
    text = (
        "# Wrapped\n\n1. **Which is right?**\n   - A) A very long option that the author\n"
        "     wrapped onto a second line\n   - B) Short\n\n**Answers:** 1-a\n"
    )

    quiz = parse_markdown(text, "wrapped.md").quiz

    assert quiz is not None
    assert quiz.questions[0].choices[0] == "A very long option that the author wrapped onto a second line"


def test_a_code_block_in_a_prompt_is_kept() -> None:
    text = (
        "# Code\n\n### 1. What does this print?\n\n```python\nif True:\n    print(1)\n```\n\n"
        "- A) 1\n- B) nothing\n\n**Answer: A**\n"
    )

    quiz = parse_markdown(text, "code.md").quiz

    assert quiz is not None
    assert quiz.questions[0].prompt == "What does this print?\n\n```python\nif True:\n    print(1)\n```"


def test_without_a_day_the_id_comes_from_the_file_name_sanitized() -> None:
    text = "# Some Title\n\n1. **Q?**\n   - A) x\n   - B) y\n\n**Answers:** 1-b\n"

    quiz = parse_markdown(text, "notes/My Quiz (v2).md").quiz

    assert quiz is not None
    assert quiz.id == "my-quiz-v2"


def test_an_explicit_quiz_id_wins_over_the_day() -> None:
    text = "# Day 9 Quiz: X\n\n1. **Q?**\n   - A) x\n   - B) y\n\n**Answers:** 1-b\n"

    quiz = parse_markdown(text, "day9.md", quiz_id="custom").quiz

    assert quiz is not None
    assert (quiz.id, quiz.day) == ("custom", 9)


def test_key_text_equal_to_another_option_is_an_error_with_its_line() -> None:
    result = parse_fixture("bad/wrong-letter.md")

    assert result.quiz is None
    assert messages(result) == [
        "tests/data/import/bad/wrong-letter.md:9: question 1: the key says B) "
        '"Picks the most likely token every time" but that is the text of option A; '
        "the letter is probably wrong, fix the letter or the text"
    ]


def test_a_question_without_an_answer_is_an_error_at_the_question() -> None:
    result = parse_fixture("bad/missing-answer.md")

    assert result.quiz is None
    assert messages(result) == [
        "tests/data/import/bad/missing-answer.md:7: question 2 has no answer; add `**Answer: X) ...**` "
        "under it or an entry `**N. X) ...**` in the answer key"
    ]


def test_an_answer_for_a_missing_question_is_an_error_at_the_answer() -> None:
    result = parse_fixture("bad/answer-without-question.md")

    assert messages(result) == [
        f"{BAD}answer-without-question.md:10: answer for question 2, but there is no question 2"
    ]


def test_inline_and_key_answers_that_disagree_are_an_error() -> None:
    result = parse_fixture("bad/disagree.md")

    assert messages(result) == [
        f"{BAD}disagree.md:11: question 1: the answer here is B but line 7 says A; make them agree"
    ]


def test_option_count_and_letter_order_are_checked() -> None:
    result = parse_fixture("bad/option-problems.md")

    assert messages(result) == [
        "tests/data/import/bad/option-problems.md:3: question 1 has 1 option(s); give it 2 to 5 options",
        "tests/data/import/bad/option-problems.md:8: question 2: option C where B was expected; "
        "letter the options A, B, C, ... in order",
        f"{BAD}option-problems.md:10: question 3 has 6 options; at most 5 (A to E) are allowed",
    ]


def test_a_key_naming_the_text_of_a_sixth_option_is_reported_not_a_crash() -> None:
    options = "".join(f"   - {letter}) {letter.lower()}\n" for letter in "ABCDEF")
    text = f"# Six\n\n1. **Q?**\n{options}\n## Answer Key\n\n**1. A) f**\n"

    result = parse_markdown(text, "six.md")

    assert [str(problem) for problem in result.errors] == [
        "six.md:3: question 1 has 6 options; at most 5 (A to E) are allowed"
    ]
    assert [str(problem) for problem in result.warnings] == [
        'six.md:13: question 1: the key text "f" does not match option A "a"; imported as A, check it'
    ]


def test_a_file_without_a_title_is_an_error() -> None:
    result = parse_fixture("bad/no-title.md")

    assert messages(result) == [
        "tests/data/import/bad/no-title.md:1: no `# Title` heading; start the file with one, "
        "e.g. `# Day 3 Quiz: Tokenizers`"
    ]


def test_a_file_with_no_questions_says_so() -> None:
    result = parse_fixture(f"{MIXED}/README.md")

    assert result.quiz is None and not result.found_questions
    assert messages(result)[0].endswith(
        "no questions found; write them as `1. **Question?**` or "
        "`### 1. Question?` followed by options `- A) ...`"
    )


def test_every_markdown_example_in_the_docs_imports_cleanly() -> None:
    doc = (REPO / "docs" / "quiz-format.md").read_text(encoding="utf-8")
    section = doc.split("## Importing from markdown, Aiken and CSV", 1)[1]
    examples = [block.split("```", 1)[0] for block in section.split("```markdown\n")[1:]]

    results = [parse_markdown(example, "docs/quiz-format.md") for example in examples]

    assert len(examples) == 8
    assert [[str(problem) for problem in result.errors + result.warnings] for result in results] == [[]] * 8
    assert all(result.quiz is not None and result.quiz.questions for result in results)


PURE_PARSERS = (
    "aiken",
    "answer_key",
    "csv_format",
    "detect",
    "drafts",
    "markdown",
    "markdown_syntax",
    "naming",
    "result",
    "sources",
)


@pytest.mark.parametrize("module", PURE_PARSERS)
def test_parsers_import_only_the_standard_library_the_domain_and_each_other(module: str) -> None:
    tree = ast.parse((REPO / "bot" / "importers" / f"{module}.py").read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "bot.importers":
            imported |= {f"bot.importers.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")

    def allowed(name: str) -> bool:
        top = name.split(".")[0]
        pure_sibling = name.startswith("bot.importers") and name.rsplit(".", 1)[-1] in PURE_PARSERS
        return top in sys.stdlib_module_names or name.startswith("bot.domain") or pure_sibling

    assert sorted(name for name in imported if not allowed(name)) == []


def test_topic_and_points_headings_with_bold_questions_and_a_lowercase_one_line_key() -> None:
    # `## Question 1: CDC Fundamentals (10 points)`, the question in bold below, `1. b, 2. c, ...` under `## Answers`.
    result = parse_fixture("day30-cdc.md")

    assert result.errors == [] and result.warnings == []
    quiz = result.quiz
    assert quiz is not None
    assert "".join(question.answer_letter for question in quiz.questions) == "BCBB"
    assert [question.prompt for question in quiz.questions[:2]] == [
        "What does Change Data Capture record?",
        "Which component reads the database log in a Debezium setup?",
    ]
    assert [question.tags for question in quiz.questions] == [
        ("cdc-fundamentals",),
        ("debezium",),
        ("log-based-cdc",),
        ("ordering",),
    ]
    assert not any("point" in question.prompt for question in quiz.questions)


def test_a_question_heading_that_is_the_question_keeps_it_as_the_prompt_without_its_points() -> None:
    text = (
        "# Points\n\n## Question 1: What does CDC record? (10 points)\n\n**Hint:** think of the log.\n\n"
        "a) Rows\nb) Plans\n\n## Answers\n\n1. a\n"
    )

    quiz = parse_markdown(text, "points.md").quiz

    assert quiz is not None
    assert quiz.questions[0].prompt == "What does CDC record?\n\n**Hint:** think of the log."
    assert quiz.questions[0].tags == ()


def test_lines_that_look_like_a_key_but_are_ignored_are_named_with_their_line() -> None:
    questions = "# Ignored Keys\n\n1. **One?**\n   - A) x\n   - B) y\n\n2. **Two?**\n   - A) x\n   - B) y\n\n"
    outside = parse_markdown(questions + "1. b, 2. a\n", "outside.md")
    garbled = parse_markdown(questions + "## Answers\n\nThe answers are 1. b, 2. a\n", "garbled.md")

    assert messages(outside, "warnings") == [
        "outside.md:11: this line looks like an answer key but is not under an answer heading such as "
        "`## Answers`; ignored"
    ]
    assert messages(garbled, "warnings") == [
        "garbled.md:13: this line looks like answers but was not understood; ignored. Write one answer per "
        "line (`1. B`) or the whole key on one line (`1. b, 2. c, 3. a`)"
    ]
    assert [problem.line for problem in garbled.errors] == [3, 7]  # both questions still lack an answer
