"""Adapters translate a platform's input into service calls and render the views."""
