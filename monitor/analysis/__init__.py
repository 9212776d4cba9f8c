"""Analysis: pure functions from text (and editable rules in data/) to tags with their evidence."""
