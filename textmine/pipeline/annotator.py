"""The per-text stages, in order: clean -> mask -> segment -> score / classify -> duplicate signature.

Personal data is masked once, on the cleaned text, before anything is derived
from it: tokens, content words (keywords, word pairs, topic words), evidence
and duplicate signatures all come from the masked text, so no output can hold
a number that the masker would have hidden. Cleaning starts by removing
control and zero-width characters (``textmine.text.invisible``), so none can
hide a number from the masker; it also strips HTML and folds full-width digits,
so the masker sees the text as a reader would. The record's ``masked_text``
is the original text masked (control characters and all), for the cells.

``CommentAnnotator.analyse`` turns distinct comment texts into
``textmine.record.Annotation`` records. It is built once per process (the
dictionaries and models take a second to load) and is a pure function of the
text, so the runner may cache its results by text without changing any output.

    >>> annotator = CommentAnnotator(LanguageOptions())
    >>> annotator.analyse(["网速太慢了"])[0].codes
    ('speed',)
"""

from dataclasses import dataclass

from textmine.painpoints.classifier import PainPointClassifier
from textmine.record import Annotation
from textmine.sentiment.scorer import SentimentScorer
from textmine.text.clean import clean_texts
from textmine.text.dedupe import DuplicateFinder
from textmine.text.junk import junk_reason
from textmine.text.lexicon import load_lexicon
from textmine.text.mask import hinted_values, mask_personal_data, without_mask_tags
from textmine.text.segment import Segmenter


@dataclass(frozen=True)
class LanguageOptions:
    """What the per-text stages need; picklable so worker processes can rebuild them."""

    user_dicts: tuple = ()
    stopword_files: tuple = ()
    synonym_files: tuple = ()
    taxonomy_file: str | None = None
    sentiment_engine: str = "textmine"
    mask: bool = True
    tokens: bool = False  # keep every token on the record (annotate --tokens)
    content_words: bool = False  # keep the words that can name an issue (analyses and topics)


# The analysis reads at most this much of one comment: a work order runs to a few
# hundred characters, and some rule stages grow faster than the text (a cell of
# 10 million characters took over a quarter of an hour). The cell itself is
# masked and written whole; only its annotation comes from this start.
MAX_ANALYSED_CHARS = 20_000


def _shows_no_more(masked, other):
    """True if what ``masked`` shows outside its mask tags is a subsequence of what ``other`` shows.

    Two maskings of one comment (of the original, then cleaned; of the cleaned text)
    can each find what the other missed: the analysis's may be shown instead only
    if it reveals nothing the original's keeps hidden (a number cleaning joined to
    a digit, an address a line separator cut short, a second name).

        >>> _shows_no_more("请回电<手机号>", "请回电13812345678")
        True
        >>> _shows_no_more("家庭住址：<地址>\\n体育西路88号", "家庭住址：<地址>")
        False
    """
    remaining = iter(without_mask_tags(other))
    return all(char in remaining for char in without_mask_tags(masked))


class CommentAnnotator:
    """Runs the per-text stages on distinct texts; built once per process."""

    def __init__(self, options):
        self.options = options
        self.lexicon = load_lexicon(
            user_dicts=options.user_dicts, stopword_files=options.stopword_files,
            synonym_files=options.synonym_files, taxonomy_file=options.taxonomy_file,
        )
        self.segmenter = Segmenter(self.lexicon)
        self.classifier = PainPointClassifier(self.lexicon.taxonomy)
        self.scorer = SentimentScorer(engine=options.sentiment_engine)
        self.duplicates = DuplicateFinder()  # only its settings: signatures are made here

    def analyse(self, texts):
        """The ``Annotation`` of each comment text, in order; one per text given."""
        analysed = [text[:MAX_ANALYSED_CHARS] for text in texts]
        cleaned = clean_texts(analysed)
        masked_texts = list(texts)  # the original texts masked, for the cells
        if self.options.mask:
            # Few texts hold anything like personal data: one scan of the batch finds
            # them (hinted_values), and only those are masked. A text that cleaning left
            # as it was is masked once for both uses. (Each text tested and masked on
            # its own, twice, was 4.8 µs a comment on review-length comments.)
            unmasked = {index: cleaned[index] for index in hinted_values(cleaned)}
            for index, text in unmasked.items():
                cleaned[index] = mask_personal_data(text)
            for index in hinted_values(texts):
                text = texts[index]
                same = unmasked.get(index) == text and len(text) <= MAX_ANALYSED_CHARS
                masked_texts[index] = cleaned[index] if same else mask_personal_data(text)
            changed = [index for index, text in unmasked.items()
                       if cleaned[index] != text and len(texts[index]) <= MAX_ANALYSED_CHARS]
            for index, shown in zip(changed, clean_texts([masked_texts[index] for index in changed])):
                # Masking the original missed what cleaning then joined (请回电<b>138</b>12345678,
                # 138&#49;2345678, 姓名：王小<b>明</b>): the analysis masked it, so the cells show the text
                # as analysed, but only if that shows nothing the original masked hides. Where both
                # orders agree, the original's own wording stays.
                if shown != cleaned[index] and _shows_no_more(cleaned[index], shown):
                    masked_texts[index] = cleaned[index]
        token_lists = self.segmenter.cut_many(cleaned)
        scores, clauses = self.scorer.score_batch_with_clauses(cleaned, token_lists)
        found = self.classifier.classify_batch(cleaned, token_lists)
        aspects_list = self.scorer.aspect_sentiment_batch(cleaned, token_lists, found, scores, clauses)
        flags = [junk_reason(text) or "" for text in analysed]
        # Duplicates are compared on the cleaned, masked text; flagged texts never are.
        compared = [index for index, flag in enumerate(flags) if not flag]
        signatures = [None] * len(texts)
        for index, signature in zip(compared, self.duplicates.signatures([cleaned[index] for index in compared])):
            signatures[index] = signature
        label = self.scorer.labeller()
        keep_tokens, keep_content = self.options.tokens, self.options.content_words
        content_words = self.segmenter.content_words
        annotations = []
        for text, masked, flag, signature, score, tokens, categories, aspects in zip(
                texts, masked_texts, flags, signatures, scores.tolist(), token_lists, found, aspects_list):
            annotations.append(Annotation(
                round(score, 4),  # sentiment_score
                label(score),  # sentiment
                tuple(categories),  # (code, evidence words tuple) pairs, as the classifier makes them
                tuple(aspects),  # (code, label) pairs
                flag,
                None if masked == text else masked,  # masked_text
                signature,
                tuple(tokens) if keep_tokens else None,
                tuple(content_words(tokens)) if keep_content else None,
            ))
        return annotations
