"""painpoints: what each comment is about, and the taxonomy that names it.

Only the light ``Taxonomy`` is imported here; the classifier (numpy, ahocorasick_rs)
stays in ``textmine.painpoints.classifier``.
"""

from textmine.painpoints.taxonomy import OTHER, Taxonomy

__all__ = ["OTHER", "Taxonomy"]
