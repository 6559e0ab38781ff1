"""Version-independent support for the generated property tests and the conformance tester.

- `tables`: the property tests' tables (models, mutation rows, hosts, roles) bound to one
  version's classes, and the pure helpers over them (`mutate`, `embed`, the official schema's
  validator). No pytest: the conformance tester uses it at run time.
- `strategies`: the Hypothesis building blocks of every generated `strategies.py` (strings,
  numbers, lists, date-times, JSON values, models from their `Shape`), written once.
- `properties`: the bodies of the property tests (pytest + Hypothesis), taking a version's
  bound tables, strategies and role classes as arguments.

Each generated version binds its facts here (`generated/<v>/proptables.py` the tables,
`generated/<v>/proptests.py` the pytest functions); like the rest of the runtime, nothing here
imports `generated`.
"""
