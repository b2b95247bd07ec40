"""studybot: a self-hosted study bot for AI-certification study groups."""

__version__ = "0.1.0"
