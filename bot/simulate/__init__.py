"""A simulated study group run through the real StudyService: does studybot teach?

Everything here is a model of memory (FSRS-6's forgetting curve with parameters
varied per learner), not data from people. `studybot simulate` and
`make learning` run it; bench/LEARNING.md holds the results.
"""

POLICIES = ("random", "studybot", "review-only")
NO_REVIEW = "drill-only"  # the daily drill alone: a policy that never reviews (for tests)
