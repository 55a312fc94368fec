"""The site as a whole: the demo organisation and the `run` and `demo-data` commands, which build
on every other app (so that no app below needs to import the ones above it)."""
