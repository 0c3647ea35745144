"""Engines: where the stages run. The local engine is the stage modules themselves;
`spark` runs the same core functions on Apache Spark (`pip install -e '.[spark]'`)."""
