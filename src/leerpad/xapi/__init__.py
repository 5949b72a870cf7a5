"""The course's xAPI contract (Python side): activity ids, interaction definitions, course.json.

Holds how content ids become activity IRIs (`profile`), each question's
interaction definition, and `course.json`, the course manifest the runtime,
reports and cmi5 export read (`manifest`).

May import: `leerpad.content` (its models) and `leerpad.layout`; never markdown
or plugin. Pure Python, so that the trainer's in-browser editor can use it too.
"""
