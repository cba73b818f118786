"""Discord's documented size limits that quiz content must fit (checked at load time, not send time)."""

MESSAGE_CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL = 80
CUSTOM_ID = 100
COMMAND_DESCRIPTION = 100
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100

# How a question is shown: title "Question i/N", the prompt and "A) choice" lines in the description.
# Room kept for the question header, countdown line and footer the live quiz adds.
QUESTION_CHROME = 200
QUIZ_TITLE = EMBED_TITLE - 20
PROMPT = 1500
CHOICE = 400
EXPLANATION = 1000
# Why one choice is right or wrong: shown privately to a member who picked it, under their answer.
CHOICE_EXPLANATION = 500
# Who wrote a question: a member's display name (Discord allows 32 characters) or a short credit line.
AUTHOR = 100
# Discord's limit for an embed image URL (the OpenAPI spec's RichEmbedImage.url maxLength).
IMAGE_URL = 2048
