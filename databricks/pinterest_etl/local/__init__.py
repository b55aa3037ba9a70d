"""What runs off Databricks: the local runners of the batch job (``batch``) and of the streaming
job (``stream``), and the session they share (``session``).

Not in the wheel the jobs install: ``pyproject.toml`` lists the package ``pinterest_etl`` alone,
not this subpackage, and ``components/databricks/packageWheel.ts`` builds the wheel from the
modules the notebooks import (test/components/databricks/packageWheel.test.ts checks both).
"""
