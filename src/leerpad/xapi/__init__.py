"""The course's xAPI profile (Python side): activity ids, verbs, definitions."""
