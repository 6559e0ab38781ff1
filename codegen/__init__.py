"""The generator: schemas and tables -> IR -> typed Python bindings."""
