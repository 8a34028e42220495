"""textmine: turn Chinese telecom customer feedback into answers.

The data flows one way: read -> clean -> segment -> score / classify -> topics
-> aggregate -> report. Each stage is a module with a small public function or
class; ``textmine.pipeline.runner`` is the only module that knows the order.
"""

__version__ = "0.1.0"
