"""Topic coherence: do a topic's top words occur in the same comments?

Coherence is NPMI over document co-occurrence: the mean normalized PMI of every
pair of a topic's top 10 words, a word occurring in a comment that contains it.
A pair never seen together counts as seen once, and at most 0: the fixed -1 we
gave such pairs punished every extra topic and always chose the smallest k.

    >>> npmi_coherence([["信号", "差"], ["网速", "慢"]], [{"信号", "差"}, {"网速", "慢"}])
    1.0
"""

import numpy as np
from scipy import sparse


def npmi_coherence(topic_words, documents):
    """Mean NPMI of each topic's word pairs over document co-occurrence (smoothed).

    >>> npmi_coherence([["信号", "差"]], [{"信号", "差"}, {"信号", "差"}, {"网速"}])
    1.0
    """
    documents = list(documents)
    vocab = {w: i for i, w in enumerate(dict.fromkeys(w for ws in topic_words for w in ws))}
    rows, cols = [], []
    for row, doc in enumerate(documents):
        ids = {vocab[w] for w in doc if w in vocab}
        rows.extend([row] * len(ids))
        cols.extend(sorted(ids))
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                               shape=(len(documents), len(vocab)))
    return npmi_of_ids(matrix, [[vocab[w] for w in ws] for ws in topic_words])


def npmi_of_ids(binary_docs, topic_ids):
    """NPMI coherence of id lists against a binary document x word matrix."""
    n_docs, scores = binary_docs.shape[0], []
    for ids in (ids for ids in topic_ids if len(ids) >= 2 and n_docs):
        sub = binary_docs[:, ids]
        counts = (sub.T @ sub).toarray()
        p = np.diag(counts) / n_docs
        joint = np.maximum(counts, 1) / n_docs  # never together: as if once, ...
        with np.errstate(divide="ignore", invalid="ignore"):
            npmi = np.log(joint / np.outer(p, p)) / -np.log(joint)
        npmi = np.where(joint >= 1, 1.0, np.nan_to_num(npmi, nan=-1.0))  # always together
        npmi = np.where(counts > 0, npmi, np.minimum(npmi, 0.0))  # ... but never a plus
        scores.append(float(npmi[np.triu_indices(len(ids), 1)].mean()))
    return round(float(np.mean(scores)), 6) if scores else 0.0


def top_word_ids(topic_word, n):
    """Column ids of the n largest weights of each row, largest first (ties: lower id)."""
    return [np.argsort(-row, kind="stable")[:n].tolist() for row in topic_word]
