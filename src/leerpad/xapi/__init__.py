"""The course's xAPI contract (Python side): activity ids, interaction definitions, course.json.

Holds how content ids become activity IRIs (`profile`), each question's
interaction definition, `course.json`, the course manifest the runtime,
reports and cmi5 export read (`manifest`), and the answer key files
`.leerpad/keys/<quiz>.json` the build writes and the scoring service reads (`keys`).

May import: `leerpad.content` (its models) and `leerpad.layout`; never markdown
or plugin. Pure Python, so that the trainer's in-browser editor can use it too.
"""
