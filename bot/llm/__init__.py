"""The optional language model: prompts, the writer, and the guard that checks every answer.

    writer_from_settings(settings) -> AnswerWriter | None   # None: no model configured
    AnswerWriter.word(Draft) -> Worded | Fallback                     # guard passed, or why not
    AnswerWriter.rewrite(prev_q, prev_answer, message) -> str | Fallback
"""
